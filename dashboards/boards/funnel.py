"""Funnel: search -> prebook -> book -> confirm, and why bookings fail."""

from __future__ import annotations

from dashboards.spec import DashboardSpec, PanelSpec, number, text, time

STAGES = """
SELECT
    multiIf(stage = '1_searches', 'search', stage = '2_prebooks', 'prebook',
            stage = '3_bookings', 'book', 'confirm') AS step,
    sum(events) AS events
FROM mart_funnel_hourly
WHERE $__timeFilter(hour)
GROUP BY stage
ORDER BY stage
"""

CONVERSION = """
SELECT
    $__timeInterval(hour) AS time,
    sumIf(events, stage = '2_prebooks') / nullIf(sumIf(events, stage = '1_searches'), 0) AS `search to prebook`,
    sumIf(events, stage = '3_bookings') / nullIf(sumIf(events, stage = '2_prebooks'), 0) AS `prebook to book`,
    sumIf(events, stage = '4_confirmed') / nullIf(sumIf(events, stage = '3_bookings'), 0) AS `book to confirm`
FROM mart_funnel_hourly
WHERE $__timeFilter(hour)
GROUP BY time
ORDER BY time
"""

OVERALL = """
SELECT
    sumIf(events, stage = '4_confirmed') / nullIf(sumIf(events, stage = '1_searches'), 0) AS conversion
FROM mart_funnel_hourly
WHERE $__timeFilter(hour)
"""

FAILURES_BY_ERROR = """
SELECT
    JSONExtractString(payload, 'reason') AS error,
    count() AS failures,
    uniqExact(hotel_id) AS hotels
FROM stream_events
WHERE type = 'booking.failed' AND $__timeFilter(occurred_at)
GROUP BY error
ORDER BY failures DESC, error
LIMIT 20
"""

FAILURES_OVER_TIME = """
SELECT
    $__timeInterval(occurred_at) AS time,
    JSONExtractString(payload, 'reason') AS error,
    count() AS failures
FROM stream_events
WHERE type = 'booking.failed' AND $__timeFilter(occurred_at)
GROUP BY time, error
ORDER BY time, error
"""


def board() -> DashboardSpec:
    return DashboardSpec(
        uid="ibe-funnel",
        title="IBE / Funnel",
        description="Guests from search to confirmed booking (real-time funnel mart), and booking failures "
        "by the supplier's error.",
        tags=("ibe", "funnel"),
        panels=(
            PanelSpec(
                "Funnel: search, prebook, book, confirm",
                "barchart",
                STAGES,
                (text("step"), number("events")),
                description="Events per funnel stage in the time range (mart_funnel_hourly).",
                width=12,
                main=True,
            ),
            PanelSpec(
                "Search to confirmed booking",
                "stat",
                OVERALL,
                (number("conversion"),),
                description="Confirmed bookings per search in the time range.",
                unit="percentunit",
                width=12,
            ),
            PanelSpec(
                "Step conversion",
                "timeseries",
                CONVERSION,
                (time(), number("search to prebook"), number("prebook to book"), number("book to confirm")),
                description="Share of each stage that reaches the next, per interval.",
                unit="percentunit",
                width=24,
                main=True,
            ),
            PanelSpec(
                "Failures by supplier error",
                "table",
                FAILURES_BY_ERROR,
                (text("error"), number("failures"), number("hotels")),
                description="Failed bookings (booking.failed) by the reason the saga recorded.",
                width=12,
                main=True,
            ),
            PanelSpec(
                "Failures over time",
                "timeseries",
                FAILURES_OVER_TIME,
                (time(), text("error"), number("failures")),
                description="Failed bookings per interval, one series per error.",
                width=12,
            ),
        ),
    )
