"""Daily revenue marts by region, country and chain: right sums, idempotent re-runs and backfills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg
import pytest

from assets.revenue.assets import REVENUE_ASSETS
from core.warehouse import Warehouse
from pipelines.resources import AnalyticsWarehouse
from tests.assets.revenue.seed import (
    outbox_events,
    seed_catalog,
    standard_bookings,
    wait_clear_of_midnight,
    write_facts,
)

USD_EUR = Decimal("0.92")  # the reference rate of 0200_streams.sql


def build(day: str, assets: list[Any] = REVENUE_ASSETS) -> dg.ExecuteInJobResult:
    result = dg.materialize(
        assets,
        partition_key=day,
        resources={"warehouse": AnalyticsWarehouse()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return result


@pytest.fixture
def seeded(store: Any, warehouse: Warehouse) -> tuple[Warehouse, str]:
    wait_clear_of_midnight()
    seed_catalog(warehouse)
    standard_bookings(store)
    write_facts(warehouse, outbox_events(store))
    return warehouse, datetime.now(UTC).date().isoformat()


def rows(warehouse: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    return warehouse.query(sql.replace("{db}", warehouse.database))[1]


def test_marts_by_country_chain_and_region_with_metadata(seeded: tuple[Warehouse, str]) -> None:
    warehouse, today = seeded
    result = build(today)
    by_country = {
        r[0]: (r[1], r[2], Decimal(r[3]))
        for r in rows(warehouse, "SELECT country_code, bookings_confirmed, bookings_cancelled, revenue_reporting "
                      "FROM {db}.revenue_daily_by_country")
    }  # fmt: skip
    assert by_country == {
        "DE": (2, 0, Decimal("350.50")),
        "FR": (2, 1, Decimal("360.00")),  # 300 + 120 - 60 refunded
        "IT": (1, 0, Decimal("100.00") * USD_EUR),
        "unknown": (1, 0, Decimal("80.00")),
    }
    by_chain = dict(rows(warehouse, "SELECT chain, revenue_reporting FROM {db}.revenue_daily_by_chain"))
    assert by_chain["independent"] == Decimal("140.00")  # Le Petit (60 net) + the unknown hotel (80)
    assert by_chain["Kempinski"] == Decimal("350.50")
    by_region = {r[0]: (r[1], r[2], Decimal(r[3])) for r in rows(
        warehouse, "SELECT region_name, country_code, bookings_confirmed, revenue_reporting FROM {db}.revenue_daily_by_region"
    )}  # fmt: skip
    assert by_region["Paris"] == ("FR", 2, Decimal("360.00"))
    assert by_region["Berlin"] == ("DE", 2, Decimal("350.50"))
    bookings = rows(warehouse, "SELECT booking_id, kind, revenue, currency FROM {db}.revenue_bookings_daily "
                    "WHERE booking_id = 'bk_test_0004' ORDER BY kind")  # fmt: skip
    assert bookings == [
        ("bk_test_0004", "cancelled", Decimal("-60"), "EUR"),
        ("bk_test_0004", "confirmed", Decimal("120"), "EUR"),
    ]
    by_key = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    country = by_key["revenue_daily_by_country"].materialization.metadata
    amount, currency = country["net_revenue"].value.split()
    assert (Decimal(amount), currency) == (Decimal("882.50"), "EUR")  # 350.50 + 360 + 92 (USD) + 80
    assert country["bookings_confirmed"].value == 6
    assert (
        country["trend"].value.startswith("![Net revenue by country")
        and "data:image/png;base64," in country["trend"].value
    )


def test_rerunning_a_day_and_backfilling_never_double(seeded: tuple[Warehouse, str]) -> None:
    warehouse, today = seeded
    yesterday = (datetime.fromisoformat(today) - timedelta(days=1)).date().isoformat()
    some = REVENUE_ASSETS[:1] + [a for a in REVENUE_ASSETS if a.key.path == ["revenue_daily_by_country"]]
    build(today, some)
    first = rows(warehouse, "SELECT count(), sum(revenue_reporting) FROM {db}.revenue_daily_by_country")
    build(today, some)
    build(yesterday, some)  # a backfill over a day without bookings writes nothing and touches no other day
    assert (
        rows(warehouse, "SELECT count(), sum(revenue_reporting) FROM {db}.revenue_daily_by_country") == first
    )
    assert (
        rows(warehouse, "SELECT count() FROM {db}.revenue_bookings_daily")[0][0] == 7
    )  # 6 confirmed + 1 cancel
    assert (
        rows(
            warehouse,
            "SELECT count() FROM {db}.revenue_bookings_daily WHERE day = %(d)s".replace(
                "%(d)s", f"'{yesterday}'"
            ),
        )[0][0]
        == 0
    )
