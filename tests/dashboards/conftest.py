"""A warehouse seeded the way production fills it: stream facts written as the sink writes them (so the
real-time marts' views fire), and the catalog's tables as a dump load leaves them."""

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
HOTELS = 40
COUNTRIES = ("DE", "FR", "IT", "ES", "")  # "": a hotel whose region has no country code
CHAINS = ("Accor", "Marriott", "", "Hilton")

DIM_COLUMNS = ["hid", "name", "hotel_chain", "region_id", "region_name", "country_code", "is_deleted", "version",
               "load_id"]  # fmt: skip
LOAD_COLUMNS = ["load_id", "dump_kind", "dump_date", "lines", "accepted", "deleted", "quarantined", "version",
                "loaded_at"]  # fmt: skip
QUARANTINE_COLUMNS = ["load_id", "dump_kind", "dump_date", "line_no", "hid", "reasons", "detail", "raw",
                      "quarantined_at"]  # fmt: skip
DEAD_LETTER_COLUMNS = ["topic", "partition", "offset", "key", "value", "reason", "consumer", "received_at"]
RECONCILIATION_COLUMNS = ["day", "store_confirmed", "store_cancelled", "mart_confirmed", "mart_cancelled",
                          "differing_bookings", "checked_at"]  # fmt: skip
REASONS = (["missing_name"], ["bad_coordinates", "missing_name"], ["bad_region"])


def hid_of(n: int) -> int:
    return 1000 + n


def insert_events(warehouse: Warehouse, events: Iterable[Event]) -> int:
    """One stream_events row per event, as the sink writes them; the marts' materialized views fire."""
    with warehouse.session() as client:
        fx = FxRates.load(client, warehouse.database)
        rows = []
        for offset, event in enumerate(events):
            stamp = int(event.occurred_at.timestamp() * 1000)
            row = fact_row(event, event.to_json(), fx, event.topic, 0, offset, stamp)
            row[-1] = event.occurred_at + timedelta(milliseconds=150 + offset % 700)  # ingested_at
            rows.append(row)
        client.insert(f"{warehouse.database}.stream_events", rows, column_names=FACT_COLUMNS)
    return len(rows)


def _catalog_hotel(event: Event) -> Event:
    """The synthetic journeys name hotels `hotel_N`; the stream carries RateHawk hids (`str(hid)`)."""
    hotel = getattr(event, "hotel_id", None)
    if isinstance(hotel, str) and hotel.startswith("hotel_"):
        return event.model_copy(update={"hotel_id": str(hid_of(int(hotel.removeprefix("hotel_"))))})
    return event


def seed_catalog(warehouse: Warehouse, now: datetime) -> None:
    """The hotels (all but the last one known to the catalog; one off sale), a full and an incremental
    load, and their quarantined lines."""
    hotels = [
        [hid_of(n), f"Hotel {n}", CHAINS[n % len(CHAINS)], 100 + n % 7, f"Region {n % 7}",
         COUNTRIES[n % len(COUNTRIES)], n == 7, 20261101 * 10, "load-full"]
        for n in range(HOTELS - 1)
    ]  # fmt: skip
    loads = [
        ["load-full", "full", (now - timedelta(days=3)).date(), 1000, 960, 0, 40, 1, now - timedelta(days=3)],
        ["load-incr", "incremental", (now - timedelta(days=1)).date(), 200, 185, 5, 10, 2,
         now - timedelta(hours=20)],
    ]  # fmt: skip
    quarantine = [
        [load_id, kind, day, line, hid_of(line), REASONS[line % len(REASONS)], "seeded", "{}", at]
        for load_id, kind, day, _, _, _, bad, _, at in loads
        for line in range(bad)
    ]
    with warehouse.session() as client:
        db = warehouse.database
        client.insert(f"{db}.dim_hotels", hotels, column_names=DIM_COLUMNS)
        client.insert(f"{db}.catalog_loads", loads, column_names=LOAD_COLUMNS)
        client.insert(f"{db}.catalog_quarantine", quarantine, column_names=QUARANTINE_COLUMNS)


def seed_stream(
    warehouse: Warehouse, now: datetime | None = None, n_events: int = SEED_EVENTS
) -> list[Event]:
    """About `n_events` journey events over the last 3 days, the catalog, and two dead letters."""
    now = now or datetime.now(UTC)
    events = [
        _catalog_hotel(e) for e in journeys(n_events, seed=11, hotels=HOTELS, now=now, span=timedelta(days=3))
    ]
    seed_catalog(warehouse, now)
    insert_events(warehouse, events)
    dead = [
        ["booking.events", 0, 7, "bk_x", "{not json", "not JSON: unexpected character", "sink",
         now - timedelta(hours=2)],
        ["search.events", 0, 9, "s_x", "{}", "unknown event type/version: None vNone", "sink",
         now - timedelta(hours=1)],
    ]  # fmt: skip
    # What the daily reconciliation asset leaves: a clean day, then a day rebuilt after a difference.
    days = [(now - timedelta(days=d)).date() for d in (2, 1)]
    checks = [
        [days[0], 120, 9, 120, 9, 0, now - timedelta(days=1)],
        [days[1], 118, 12, 119, 12, 1, now - timedelta(hours=3)],
        [days[1], 118, 12, 118, 12, 0, now - timedelta(hours=1)],
    ]
    with warehouse.session() as client:
        client.insert(f"{warehouse.database}.stream_dead_letters", dead, column_names=DEAD_LETTER_COLUMNS)
        client.insert(
            f"{warehouse.database}.revenue_reconciliation", checks, column_names=RECONCILIATION_COLUMNS
        )
    return events


@pytest.fixture
def seeded(warehouse: Warehouse) -> Any:
    """(warehouse, events): the seed above in the test's own warehouse."""
    return warehouse, seed_stream(warehouse)
