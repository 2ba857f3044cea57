"""Daily revenue marts by region, country and chain, one UTC day per partition.

`revenue_bookings_daily` copies the day's revenue facts from the stream (`stream_events`: confirmed,
cancelled, refunded) with each hotel's region, country and chain from the catalog; the three marts
sum it. Each asset drops its day before writing it, so materializing a day again, or backfilling a
range, leaves every day once. The real-time marts (mart_*_hourly/daily, fed by the stream sink) stay
the source for today's dashboards; these daily marts are the settled, catalog-enriched copy that
reporting and the reconciliation use.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import dagster as dg

from assets.revenue import sql
from assets.revenue.charts import bar_chart_markdown
from assets.revenue.conventions import (
    CODE_VERSION,
    FOLLOW_BOOKINGS,
    FRESHNESS,
    OWNERS,
    SETTLE_YESTERDAY,
    tags,
)
from assets.revenue.partitions import DAILY_PARTITIONS, partition_day
from assets.revenue.stream_events import TABLE as SINK_TABLE
from assets.table_metadata import table_metadata
from core.warehouse import Warehouse

GROUP = "revenue"


def _run(warehouse: Warehouse, statement: str, day: date, **extra: Any) -> None:
    with warehouse.session() as client:
        client.command(statement.replace("{db}", warehouse.database), parameters={"day": day, **extra})


def _rows(warehouse: Warehouse, statement: str, day: date) -> list[tuple[Any, ...]]:
    _, rows = warehouse.query(statement.replace("{db}", warehouse.database), parameters={"day": day})
    return rows


def rebuild_day(warehouse: Warehouse, table: str, insert: str, day: date) -> None:
    """Drop the day from `table`, then write it again: idempotent for re-runs and backfills."""
    _run(warehouse, sql.DROP_DAY.replace("{table}", table), day)
    _run(warehouse, insert, day, types=sql.REVENUE_TYPES)


def _trend_chart(warehouse: Warehouse, table: str, key: str, day: date, title: str, top: int = 5) -> str:
    rows = _rows(warehouse, sql.TREND.replace("{table}", table).replace("{key}", key), day)
    days = [day - timedelta(days=29 - i) for i in range(30)]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for _, name, revenue in rows:
        totals[str(name)] += Decimal(revenue)
    leaders = sorted(totals, key=lambda n: (-totals[n], n))[:top]
    series: dict[str, list[float]] = {name: [0.0] * 30 for name in [*leaders, "other"]}
    for row_day, name, revenue in rows:
        label = str(name) if str(name) in leaders else "other"
        series[label][(row_day - days[0]).days] += float(revenue)  # plotted only: money stays Decimal
    if not any(series["other"]):
        series.pop("other")
    return bar_chart_markdown(title, days, series, "net revenue (reporting currency)")


def _summary(warehouse: Warehouse, table: str, totals_sql: str, day: date) -> dict[str, Any]:
    rows, confirmed, cancelled, revenue, currency = _rows(
        warehouse, totals_sql.replace("{table}", table), day
    )[0]
    return {
        **table_metadata(warehouse, table, rows),  # the day's rows
        "day": dg.MetadataValue.text(day.isoformat()),
        "rows": dg.MetadataValue.int(int(rows)),
        "bookings_confirmed": dg.MetadataValue.int(int(confirmed)),
        "bookings_cancelled": dg.MetadataValue.int(int(cancelled)),
        # Exact amount as text; the float twin only feeds the Dagster UI's plot of this asset.
        "net_revenue": dg.MetadataValue.text(f"{Decimal(revenue or 0)} {currency or ''}".strip()),
        "net_revenue_plot": dg.MetadataValue.float(float(revenue or 0)),
    }


@dg.asset(
    partitions_def=DAILY_PARTITIONS,
    group_name=GROUP,
    kinds={"clickhouse"},
    deps=[SINK_TABLE],
    code_version=CODE_VERSION,
    owners=OWNERS,
    tags=tags("facts"),
    freshness_policy=FRESHNESS,
    automation_condition=SETTLE_YESTERDAY,
    required_resource_keys={"warehouse"},
)
def revenue_bookings_daily(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """One row per revenue event of the day (booking confirmed: +price; cancelled: -refund; refunded:
    -amount), from the stream facts, with the hotel's region, country and chain from the catalog.
    Hotels the catalog does not know are kept, as country 'unknown'. Table: revenue_bookings_daily."""
    day = partition_day(context.partition_key)
    handle: Warehouse = context.resources.warehouse.open()
    rebuild_day(handle, sql.BOOKINGS, sql.INSERT_BOOKINGS, day)
    return dg.MaterializeResult(metadata=_summary(handle, sql.BOOKINGS, sql.DAY_TOTALS, day))


def _mart(table: str, insert: str, key: str, label: str):  # type: ignore[no-untyped-def]
    @dg.asset(
        name=table,
        partitions_def=DAILY_PARTITIONS,
        group_name=GROUP,
        kinds={"clickhouse"},
        deps=[revenue_bookings_daily],
        code_version=CODE_VERSION,
        owners=OWNERS,
        tags=tags("mart"),
        freshness_policy=FRESHNESS,
        automation_condition=FOLLOW_BOOKINGS,
        required_resource_keys={"warehouse"},
        description=f"Net revenue per day and {label} in the reporting currency, with confirmed and "
        f"cancelled booking counts; the sum of revenue_bookings_daily for the day. Table: {table}.",
    )
    def build(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        day = partition_day(context.partition_key)
        handle: Warehouse = context.resources.warehouse.open()
        rebuild_day(handle, table, insert, day)
        metadata = _summary(handle, table, sql.MART_TOTALS, day)
        metadata["trend"] = dg.MetadataValue.md(
            _trend_chart(handle, table, key, day, f"Net revenue by {label}, 30 days to {day.isoformat()}")
        )
        return dg.MaterializeResult(metadata=metadata)

    return build


revenue_daily_by_region = _mart(sql.BY_REGION, sql.INSERT_BY_REGION, "region_name", "region")
revenue_daily_by_country = _mart(sql.BY_COUNTRY, sql.INSERT_BY_COUNTRY, "country_code", "country")
revenue_daily_by_chain = _mart(sql.BY_CHAIN, sql.INSERT_BY_CHAIN, "chain", "chain")

REVENUE_ASSETS = [
    revenue_bookings_daily,
    revenue_daily_by_region,
    revenue_daily_by_country,
    revenue_daily_by_chain,
]
