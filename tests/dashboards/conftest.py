"""A warehouse seeded the way production fills it: stream facts through the real marts' views."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.domain.events import Event
from core.warehouse import Warehouse
from streaming.facts import FACT_COLUMNS, FxRates, fact_row
from streaming.synthetic import journeys

SEED_EVENTS = 2500


def insert_events(warehouse: Warehouse, events: Iterable[Event], topic_offset: int = 0) -> int:
    """Write events as the sink does (one fact row each); the marts' materialized views fire."""
    with warehouse.session() as client:
        fx = FxRates.load(client, warehouse.database)
        rows = []
        for offset, event in enumerate(events, start=topic_offset):
            raw = event.to_json()
            stamp = int(event.occurred_at.timestamp() * 1000)
            row = fact_row(event, raw, fx, event.topic, 0, offset, stamp)
            row[-1] = event.occurred_at + timedelta(milliseconds=150 + offset % 700)  # ingested_at
            rows.append(row)
        client.insert(f"{warehouse.database}.stream_events", rows, column_names=FACT_COLUMNS)
    return len(rows)


def seed_stream(
    warehouse: Warehouse, now: datetime | None = None, n_events: int = SEED_EVENTS
) -> list[Event]:
    events = list(
        journeys(n_events, seed=11, hotels=40, now=now or datetime.now(UTC), span=timedelta(days=3))
    )
    insert_events(warehouse, events)
    with warehouse.session() as client:
        client.insert(
            f"{warehouse.database}.stream_dead_letters",
            [
                [
                    "booking.events",
                    0,
                    7,
                    "bk_x",
                    "{not json",
                    "not JSON: unexpected character",
                    "sink",
                    datetime.now(UTC) - timedelta(hours=2),
                ],
                [
                    "search.events",
                    0,
                    9,
                    "s_x",
                    "{}",
                    "unknown event type/version: None vNone",
                    "sink",
                    datetime.now(UTC) - timedelta(hours=1),
                ],
            ],
            column_names=[
                "topic",
                "partition",
                "offset",
                "key",
                "value",
                "reason",
                "consumer",
                "received_at",
            ],
        )
    return events


@pytest.fixture
def seeded(warehouse: Warehouse) -> Any:
    """(warehouse, events): about 2,500 synthetic journey events over the last 3 days."""
    return warehouse, seed_stream(warehouse)
