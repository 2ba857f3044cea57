"""Prometheus metrics of the stream processes: relay backlog, consumer lag, freshness, webhook deliveries.

Freshness is the time from the outbox commit (the relay stamps each message with it) to the row being
in the warehouse, i.e. visible in the marts. Metric objects are created on first use, not at import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def stream_metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Gauge, Histogram

    return {
        "relay_published": Counter("ibe_relay_published_total", "Outbox entries published by the relay"),
        "relay_backlog": Gauge("ibe_relay_backlog", "Outbox entries committed but not yet published"),
        "relay_replays": Counter(
            "ibe_relay_replays_total", "Replays of the outbox after the broker lost data"
        ),
        "sink_inserted": Counter("ibe_sink_inserted_total", "Events inserted into stream_events"),
        "sink_duplicates": Counter("ibe_sink_duplicates_total", "Redelivered events dropped by event id"),
        "sink_dead_letters": Counter("ibe_sink_dead_letters_total", "Messages sent to the dead-letter topic"),
        "sink_lag": Gauge(
            "ibe_sink_consumer_lag", "Messages behind the partition end", ["topic", "partition"]
        ),
        "webhooks_queued": Counter(
            "ibe_webhooks_queued_total", "Webhook deliveries queued (one per event and matching registration)"
        ),
        "webhook_attempts": Counter(
            "ibe_webhook_attempts_total", "Webhook POSTs to partners, by outcome", ["outcome"]
        ),
        "webhook_attempt_seconds": Histogram(
            "ibe_webhook_attempt_seconds",
            "Duration of one webhook POST, by outcome",
            ["outcome"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ),
        "webhooks_parked": Counter(
            "ibe_webhooks_parked_total",
            "Webhook deliveries parked in the dead letters after the retry window",
        ),
        "freshness": Histogram(
            "ibe_stream_freshness_seconds",
            "Outbox commit to visible in the marts",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        ),
    }
