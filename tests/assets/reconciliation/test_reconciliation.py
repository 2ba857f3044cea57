"""Reconciliation: passes when store and marts agree; fails naming the booking that is missing or doubled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg
import pytest

from assets.reconciliation.assets import CHECK, RECONCILIATION_ASSETS
from assets.revenue.assets import revenue_bookings_daily, revenue_daily_by_country
from core.warehouse import Warehouse
from pipelines.resources import AnalyticsWarehouse, Clock, TransactionalStore
from tests.assets.revenue.seed import (
    make_booking,
    outbox_events,
    seed_catalog,
    standard_bookings,
    wait_clear_of_midnight,
    write_facts,
)


def reconcile(day: str) -> dg.AssetCheckEvaluation:
    result = dg.materialize(
        [revenue_bookings_daily, revenue_daily_by_country, *RECONCILIATION_ASSETS],  # what it reads
        partition_key=day,
        resources={"warehouse": AnalyticsWarehouse(), "store": TransactionalStore(), "clock": Clock()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == CHECK]
    return evaluation


@pytest.fixture
def today(store: Any, warehouse: Warehouse) -> str:
    wait_clear_of_midnight()
    seed_catalog(warehouse)
    standard_bookings(store)
    return datetime.now(UTC).date().isoformat()


def test_passes_when_every_booking_is_in_the_marts_once(store: Any, warehouse: Warehouse, today: str) -> None:
    write_facts(warehouse, outbox_events(store))
    evaluation = reconcile(today)
    assert evaluation.passed, evaluation.description
    assert evaluation.metadata["differing_bookings"].value == 0
    assert "6 confirmed, 1 cancelled" in (evaluation.description or "")
    _, rows = warehouse.query(
        f"SELECT store_confirmed, mart_confirmed, differing_bookings FROM {warehouse.database}.revenue_reconciliation"
    )
    assert rows == [(6, 6, 0)]


def test_fails_naming_a_booking_missing_from_the_marts(store: Any, warehouse: Warehouse, today: str) -> None:
    events = outbox_events(store)
    lost = make_booking(store, 7, 102, "410.00")  # confirmed in the store; its events never reach the marts
    write_facts(warehouse, events)
    evaluation = reconcile(today)
    assert not evaluation.passed
    assert evaluation.metadata["bookings"].value == [lost.booking_id]
    assert lost.booking_id in (evaluation.description or "")
    table = evaluation.metadata["differences"].value
    assert f"| {lost.booking_id} | confirmed | missing from the marts | 410.00 EUR |" in table
    assert "real-time mart: 6 confirmed" in (evaluation.description or "")


def test_fails_naming_a_booking_doubled_in_the_marts(store: Any, warehouse: Warehouse, today: str) -> None:
    events = outbox_events(store)
    write_facts(warehouse, events)
    doubled = next(e for e in events if e.type == "booking.confirmed" and e.aggregate_id == "bk_test_0003")
    write_facts(warehouse, [doubled])  # a redelivery that got past the sink's dedup
    evaluation = reconcile(today)
    assert not evaluation.passed
    assert evaluation.metadata["bookings"].value == ["bk_test_0003"]
    assert "| bk_test_0003 | confirmed | counted 2 times in the marts | 300.00 EUR | 600.0000 EUR |" in (
        evaluation.metadata["differences"].value
    )
