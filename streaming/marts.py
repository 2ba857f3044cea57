"""Questions answered from the real-time marts (never from the raw facts).

The seed's two analyst queries are `REVENUE_LAST_24H` and `TOP_HOTELS_TODAY`; both read the summing marts
with sum() ... GROUP BY, so they are right before any background merge.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from core.warehouse import Warehouse

REVENUE_LAST_24H = """
SELECT hour, sum(bookings_confirmed) AS bookings, sum(bookings_cancelled) AS cancellations,
       sum(revenue_reporting) AS revenue, any(reporting_currency) AS currency
FROM {db}.mart_revenue_hourly
WHERE hour >= toStartOfHour(now('UTC') - INTERVAL 24 HOUR)
GROUP BY hour
ORDER BY hour
"""

TOP_HOTELS_TODAY = """
SELECT hotel_id, sum(revenue_reporting) AS revenue, sum(bookings_confirmed) AS bookings,
       any(reporting_currency) AS currency
FROM {db}.mart_hotel_revenue_daily
WHERE day = toDate(now('UTC'))
GROUP BY hotel_id
ORDER BY revenue DESC, hotel_id
LIMIT %(limit)s
"""


def revenue_last_24h(warehouse: Warehouse) -> list[tuple[datetime, int, int, Decimal, str]]:
    """Per hour of the last 24 h: confirmed bookings, cancellations, net revenue, reporting currency."""
    _, rows = warehouse.query(REVENUE_LAST_24H.format(db=warehouse.database))
    return [(r[0], int(r[1]), int(r[2]), Decimal(r[3]), r[4]) for r in rows]


def top_hotels_today(warehouse: Warehouse, limit: int = 100) -> list[tuple[str, Decimal, int, str]]:
    """The `limit` hotels with the highest net revenue today (UTC), in the reporting currency."""
    sql = TOP_HOTELS_TODAY.replace("{db}", warehouse.database)
    _, rows = warehouse.query(sql, parameters={"limit": limit})
    return [(r[0], Decimal(r[1]), int(r[2]), r[3]) for r in rows]


def total_revenue(warehouse: Warehouse) -> Decimal:
    """Net revenue over the whole hourly mart, in the reporting currency."""
    _, rows = warehouse.query(f"SELECT sum(revenue_reporting) FROM {warehouse.database}.mart_revenue_hourly")
    return Decimal(rows[0][0] or 0)


def funnel(warehouse: Warehouse, day: date) -> dict[str, int]:
    _, rows = warehouse.query(
        f"SELECT searches, prebooks, bookings, confirmed FROM {warehouse.database}.v_funnel_daily "
        "WHERE day = %(day)s",
        parameters={"day": day},
    )
    names = ("searches", "prebooks", "bookings", "confirmed")
    return dict(zip(names, (int(v) for v in rows[0]), strict=True)) if rows else dict.fromkeys(names, 0)


def cancellation_rate(warehouse: Warehouse, day: date) -> float:
    _, rows = warehouse.query(
        f"SELECT cancellation_rate FROM {warehouse.database}.v_cancellation_rate_daily WHERE day = %(day)s",
        parameters={"day": day},
    )
    return float(rows[0][0]) if rows else 0.0
