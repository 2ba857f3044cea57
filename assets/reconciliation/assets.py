"""Store versus marts, per UTC day, with a check that fails on any difference (see compare.py).

`revenue_reconciliation` reads the day's confirmed and cancelled bookings from the transactional
store and the day's booking rows from `revenue_bookings_daily`, and also compares the day's booking
counts with the real-time mart (`mart_hotel_revenue_daily`) and with the daily mart by country. It
writes one row per day to `revenue_reconciliation` and attaches a 30-day chart of store versus marts.
Its check `store_matches_marts` fails when anything differs, listing the bookings in its metadata.
"""

from datetime import date, timedelta
from typing import Any

import dagster as dg

from assets.reconciliation.compare import Difference, compare, mart_entries, store_entries
from assets.revenue.assets import revenue_bookings_daily, revenue_daily_by_country
from assets.revenue.charts import bar_chart_markdown
from assets.revenue.conventions import CODE_VERSION, FOLLOW_BOOKINGS, FRESHNESS, OWNERS, tags
from assets.revenue.partitions import DAILY_PARTITIONS, partition_day
from assets.table_metadata import table_metadata
from core.warehouse import Warehouse

GROUP = "reconciliation"
ASSET = "revenue_reconciliation"
CHECK = "store_matches_marts"
LISTED = 200  # bookings listed in the check's metadata; the count is always complete

MART_BOOKINGS = """
SELECT booking_id, kind, count() AS events, sum(revenue) AS revenue, any(currency) AS currency
FROM {db}.revenue_bookings_daily
WHERE day = %(day)s AND kind IN ('confirmed', 'cancelled')
GROUP BY booking_id, kind
"""

REALTIME_COUNTS = """
SELECT sum(bookings_confirmed), sum(bookings_cancelled)
FROM {db}.mart_hotel_revenue_daily
WHERE day = %(day)s
"""

COUNTRY_COUNTS = """
SELECT sum(bookings_confirmed), sum(bookings_cancelled)
FROM {db}.revenue_daily_by_country
WHERE day = %(day)s
"""

DAY_ROWS = "SELECT checked_at FROM {db}.revenue_reconciliation WHERE day = %(day)s"

HISTORY = """
SELECT day, argMax(store_confirmed, checked_at), argMax(mart_confirmed, checked_at),
       argMax(differing_bookings, checked_at)
FROM {db}.revenue_reconciliation
WHERE day > toDate(%(day)s) - 30 AND day <= toDate(%(day)s)
GROUP BY day
ORDER BY day
"""


def _query(warehouse: Warehouse, statement: str, day: date) -> list[tuple[Any, ...]]:
    _, rows = warehouse.query(statement.replace("{db}", warehouse.database), parameters={"day": day})
    return rows


def _counts(warehouse: Warehouse, statement: str, day: date) -> tuple[int, int]:
    rows = _query(warehouse, statement, day)
    confirmed, cancelled = rows[0] if rows else (0, 0)
    return int(confirmed or 0), int(cancelled or 0)


def _table(differences: list[Difference]) -> str:
    lines = ["| booking | event | problem | store | marts |", "|---|---|---|---|---|"]
    for d in differences[:LISTED]:
        r = d.row()
        lines.append(f"| {r['booking']} | {r['event']} | {r['problem']} | {r['store']} | {r['marts']} |")
    if len(differences) > LISTED:
        lines.append(f"| ... | | {len(differences) - LISTED} more | | |")
    return "\n".join(lines)


def _chart(warehouse: Warehouse, day: date) -> str:
    rows = {r[0]: r for r in _query(warehouse, HISTORY, day)}
    days = [day - timedelta(days=29 - i) for i in range(30)]
    store = [float(rows[d][1]) if d in rows else 0.0 for d in days]
    marts = [float(rows[d][2]) if d in rows else 0.0 for d in days]
    differing = [float(rows[d][3]) if d in rows else 0.0 for d in days]
    return "\n\n".join(
        [
            bar_chart_markdown("Confirmed bookings: store", days, {"store": store}, "bookings"),
            bar_chart_markdown("Confirmed bookings: marts", days, {"marts": marts}, "bookings"),
            bar_chart_markdown("Bookings that differ", days, {"differing": differing}, "bookings"),
        ]
    )


@dg.asset(
    name=ASSET,
    partitions_def=DAILY_PARTITIONS,
    group_name=GROUP,
    kinds={"clickhouse"},
    deps=[revenue_bookings_daily, revenue_daily_by_country],
    code_version=CODE_VERSION,
    owners=OWNERS,
    tags=tags("reconciliation"),
    freshness_policy=FRESHNESS,
    automation_condition=FOLLOW_BOOKINGS,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset=ASSET,
            description="Every booking confirmed or cancelled in the store on the day is in the marts exactly "
            "once with its amount, and nothing else is; fails listing the bookings that differ.",
        )
    ],
    required_resource_keys={"warehouse", "store", "clock"},
)
def revenue_reconciliation(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The day's confirmed and cancelled bookings in the transactional store, compared booking by booking
    with the revenue marts (and the day's counts with the real-time mart and the mart by country)."""
    day = partition_day(context.partition_key)
    handle: Warehouse = context.resources.warehouse.open()
    with context.resources.store.open() as kv:
        expected = store_entries(kv, day)
    found = mart_entries(_query(handle, MART_BOOKINGS, day))
    differences = compare(expected, found)

    store_confirmed = sum(1 for e in expected.values() if e.kind == "confirmed")
    store_cancelled = sum(1 for e in expected.values() if e.kind == "cancelled")
    mart_confirmed = sum(e.count for e in found.values() if e.kind == "confirmed")
    mart_cancelled = sum(e.count for e in found.values() if e.kind == "cancelled")
    realtime = _counts(handle, REALTIME_COUNTS, day)
    by_country = _counts(handle, COUNTRY_COUNTS, day)
    mismatched_totals = [
        f"{name}: {got[0]} confirmed / {got[1]} cancelled, store: {store_confirmed} / {store_cancelled}"
        for name, got in (("real-time mart", realtime), ("daily mart by country", by_country))
        if got != (store_confirmed, store_cancelled)
    ]

    with handle.session() as client:
        client.insert(
            f"{handle.database}.revenue_reconciliation",
            [
                [
                    day,
                    store_confirmed,
                    store_cancelled,
                    mart_confirmed,
                    mart_cancelled,
                    len(differences),
                    context.resources.clock.now(),
                ]
            ],
            column_names=[
                "day",
                "store_confirmed",
                "store_cancelled",
                "mart_confirmed",
                "mart_cancelled",
                "differing_bookings",
                "checked_at",
            ],
        )

    passed = not differences and not mismatched_totals
    named = ", ".join(sorted({d.booking_id for d in differences})[:10])
    description = (
        f"{day}: store and marts agree ({store_confirmed} confirmed, {store_cancelled} cancelled)"
        if passed
        else f"{day}: {len(differences)} booking difference(s)"
        + (f" ({named})" if named else "")
        + ("; " + "; ".join(mismatched_totals) if mismatched_totals else "")
    )
    check_metadata: dict[str, Any] = {
        "differing_bookings": dg.MetadataValue.int(len(differences)),
        "bookings": dg.MetadataValue.json(sorted({d.booking_id for d in differences})),
        "differences": dg.MetadataValue.md(_table(differences) if differences else "none"),
    }
    if mismatched_totals:
        check_metadata["totals"] = dg.MetadataValue.json(mismatched_totals)
    context.log.info(description)
    return dg.MaterializeResult(
        metadata={
            "day": dg.MetadataValue.text(day.isoformat()),
            "store_confirmed": dg.MetadataValue.int(store_confirmed),
            "store_cancelled": dg.MetadataValue.int(store_cancelled),
            "mart_confirmed": dg.MetadataValue.int(mart_confirmed),
            "mart_cancelled": dg.MetadataValue.int(mart_cancelled),
            "realtime_mart_confirmed": dg.MetadataValue.int(realtime[0]),
            "differing_bookings": dg.MetadataValue.int(len(differences)),
            "trend": dg.MetadataValue.md(_chart(handle, day)),
            **table_metadata(handle, ASSET, len(_query(handle, DAY_ROWS, day))),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK,
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=description,
                metadata=check_metadata,
            )
        ],
    )


RECONCILIATION_ASSETS = [revenue_reconciliation]
