"""Pipeline health: is the stream sink keeping up, is data fresh, how do booking sagas end."""

from __future__ import annotations

from dashboards.spec import DashboardSpec, PanelSpec, number, text, time

# The sink's lag is read from the facts it writes: each row keeps the Kafka message timestamp
# (`_timestamp`) and the time the sink wrote it (`ingested_at`); the broker's offsets are not in the
# warehouse, so lag is shown in seconds behind the topic rather than in messages.
SINK_LAG = """
SELECT
    $__timeInterval(_timestamp) AS time,
    _topic AS topic,
    max(dateDiff('millisecond', _timestamp, ingested_at)) / 1000 AS lag_s
FROM stream_events
WHERE $__timeFilter(_timestamp)
GROUP BY time, topic
ORDER BY time, topic
"""

FRESHNESS = """
SELECT
    _topic AS topic,
    max(ingested_at) AS last_ingested,
    dateDiff('second', max(ingested_at), now64(3, 'UTC')) AS age_s,
    count() AS events
FROM stream_events
GROUP BY topic
ORDER BY topic
"""

NEWEST = """
SELECT dateDiff('second', max(ingested_at), now64(3, 'UTC')) AS age_s
FROM stream_events
"""

THROUGHPUT = """
SELECT
    $__timeInterval(ingested_at) AS time,
    _topic AS topic,
    count() / $__interval_s AS events_per_s
FROM stream_events
WHERE $__timeFilter(ingested_at)
GROUP BY time, topic
ORDER BY time, topic
"""

SAGA_OUTCOMES = """
SELECT
    $__timeInterval(occurred_at) AS time,
    countIf(type = 'booking.confirmed') AS confirmed,
    countIf(type = 'booking.failed') AS failed,
    countIf(type = 'booking.cancelled') AS cancelled
FROM stream_events
WHERE type IN ('booking.confirmed', 'booking.failed', 'booking.cancelled') AND $__timeFilter(occurred_at)
GROUP BY time
ORDER BY time
"""

SAGA_SHARE = """
SELECT
    multiIf(type = 'booking.confirmed', 'confirmed', type = 'booking.failed', 'failed', 'cancelled') AS outcome,
    count() AS bookings
FROM stream_events
WHERE type IN ('booking.confirmed', 'booking.failed', 'booking.cancelled') AND $__timeFilter(occurred_at)
GROUP BY outcome
ORDER BY outcome
"""

# Written by the Dagster reconciliation (assets/reconciliation): one row per day and run; the newest counts.
RECONCILIATION = """
SELECT
    toDateTime(day) AS time,
    argMax(store_confirmed, checked_at) AS `store confirmed`,
    argMax(mart_confirmed, checked_at) AS `marts confirmed`,
    argMax(differing_bookings, checked_at) AS `bookings that differ`
FROM revenue_reconciliation
WHERE $__dateFilter(day)
GROUP BY day
ORDER BY time
"""

DEAD_LETTERS = """
SELECT
    topic,
    consumer,
    reason,
    count() AS messages,
    max(received_at) AS last_seen
FROM stream_dead_letters
WHERE $__timeFilter(received_at)
GROUP BY topic, consumer, reason
ORDER BY messages DESC, topic
LIMIT 50
"""


def board() -> DashboardSpec:
    return DashboardSpec(
        uid="ibe-pipeline-health",
        title="IBE / Pipeline health",
        description="Stream sink lag and freshness per topic, event throughput, booking saga outcomes, the daily "
        "store-versus-marts reconciliation and dead letters.",
        tags=("ibe", "pipelines"),
        time_from="now-24h",
        refresh="30s",
        panels=(
            PanelSpec(
                "Sink lag behind the topic",
                "timeseries",
                SINK_LAG,
                (time(), text("topic"), number("lag_s")),
                description="Worst delay between a message's Kafka timestamp and its row in the warehouse.",
                unit="s",
                width=12,
                main=True,
            ),
            PanelSpec(
                "Seconds since the newest fact",
                "stat",
                NEWEST,
                (number("age_s"),),
                description="Freshness of the warehouse: age of the last row the sink wrote.",
                unit="s",
                width=4,
            ),
            PanelSpec(
                "Freshness per topic",
                "table",
                FRESHNESS,
                (text("topic"), time("last_ingested"), number("age_s"), number("events")),
                width=8,
            ),
            PanelSpec(
                "Events ingested per second",
                "timeseries",
                THROUGHPUT,
                (time(), text("topic"), number("events_per_s")),
                unit="ops",
                width=12,
            ),
            PanelSpec(
                "Booking saga outcomes",
                "timeseries",
                SAGA_OUTCOMES,
                (time(), number("confirmed"), number("failed"), number("cancelled")),
                description="Sagas ending confirmed or failed (compensated), and cancellations, per interval.",
                width=12,
                main=True,
            ),
            PanelSpec(
                "Saga outcome share",
                "piechart",
                SAGA_SHARE,
                (text("outcome"), number("bookings")),
                width=8,
            ),
            PanelSpec(
                "Store versus marts, per day",
                "timeseries",
                RECONCILIATION,
                (
                    time(),
                    number("store confirmed"),
                    number("marts confirmed"),
                    number("bookings that differ"),
                ),
                description="The daily reconciliation of the transactional store with the revenue marts "
                "(Dagster asset revenue_reconciliation); any booking that differs fails its check.",
                width=24,
                main=True,
            ),
            PanelSpec(
                "Dead letters",
                "table",
                DEAD_LETTERS,
                (text("topic"), text("consumer"), text("reason"), number("messages"), time("last_seen")),
                description="Messages the sink could not use, by reason (stream_dead_letters).",
                width=16,
            ),
        ),
    )
