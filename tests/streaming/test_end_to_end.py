"""10,000 events: outbox -> relay -> topics -> sink -> marts, and the marts equal the events' own sums."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from core.domain.events import TOPICS
from streaming import marts
from streaming.health import health_lines, stream_health
from streaming.relay import Relay
from streaming.sink import Sink
from streaming.synthetic import journeys
from tests.streaming.conftest import StreamEnv, expected_revenue, fact_count, run_until, write_outbox


def test_ten_thousand_events_reach_the_marts_exactly(stream_env: StreamEnv) -> None:
    from prometheus_client import REGISTRY

    def counted() -> tuple[float, float]:  # process-wide counters: this test reads how far they move
        return tuple(  # type: ignore[return-value]
            REGISTRY.get_sample_value(name) or 0.0
            for name in ("ibe_sink_inserted_total", "ibe_stream_freshness_seconds_count")
        )

    env = stream_env
    events = list(journeys(10_000, seed=11))
    inserted_before, observed_before = counted()
    started = time.monotonic()
    write_outbox(env.store, events)
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    sink = Sink(
        env.warehouse, env.bootstrap, topic_prefix=env.prefix, group_id=env.group, session_timeout_ms=2000
    )

    asyncio.run(run_until([relay.run, sink.run], lambda: sink.stats.inserted >= 10_000, timeout_s=60))
    elapsed_ms = (time.monotonic() - started) * 1000
    inserted_after, observed_after = counted()

    want = expected_revenue(events)
    assert fact_count(env.warehouse) == 10_000
    assert marts.total_revenue(env.warehouse) == want["total"]
    db = env.warehouse.database
    _, rows = env.warehouse.query(
        f"SELECT hour, sum(revenue_reporting) FROM {db}.mart_revenue_hourly GROUP BY hour"
    )
    assert {r[0].replace(tzinfo=None): Decimal(r[1]) for r in rows if r[1] != 0} == {
        k: v for k, v in want["hourly"].items() if v != 0
    }
    _, rows = env.warehouse.query(
        f"SELECT day, hotel_id, sum(revenue_reporting) FROM {db}.mart_hotel_revenue_daily GROUP BY day, hotel_id"
    )
    assert {(r[0], r[1]): Decimal(r[2]) for r in rows if r[2] != 0} == {
        k: v for k, v in want["daily"].items() if v != 0
    }

    # the seed's two questions, answered from the marts
    per_hour = marts.revenue_last_24h(env.warehouse)
    assert sum(r[3] for r in per_hour) == want["total"]
    assert sum(r[1] for r in per_hour) == sum(1 for e in events if e.type == "booking.confirmed")
    today = datetime.now(UTC).date()
    top = marts.top_hotels_today(env.warehouse, limit=100)
    by_hotel: dict[str, Decimal] = defaultdict(Decimal)
    for (day, hotel), value in want["daily"].items():
        if day == today:
            by_hotel[hotel] += value
    best = sorted(by_hotel.items(), key=lambda kv: (-kv[1], kv[0]))[:100]
    assert [(h, v) for h, v, _, _ in top] == best
    assert all(cur == "EUR" for *_, cur in top)

    counts: dict[str, int] = defaultdict(int)
    for e in events:
        counts[e.type] += 1
    assert marts.funnel(env.warehouse, today)["confirmed"] == sum(
        1 for e in events if e.type == "booking.confirmed" and e.occurred_at.date() == today
    )
    assert counts["booking.cancelled"] > 0

    health = stream_health(env.settings, prefix=env.prefix, group=env.group)
    assert health["errors"] == {}
    assert health["relay"]["backlog"] == 0 and health["relay"]["published"] == 10_000
    assert set(health["sink_lag"]) == {env.prefix + t for t in TOPICS}
    assert health["warehouse"]["events_15m"] == 10_000
    # outbox commit -> row in the marts: after the write began, before the run ended (1 s of clock skew)
    p50, p99 = health["warehouse"]["freshness_p50_ms"], health["warehouse"]["freshness_p99_ms"]
    assert 0 < p50 <= p99 <= elapsed_ms + 1000, (p50, p99, elapsed_ms)
    assert inserted_after - inserted_before == 10_000  # each event inserted once
    assert observed_after - observed_before == 10_000  # and its freshness observed once
    lines = health_lines(health)
    assert lines[0].startswith("relay     backlog 0") and "freshness p99" in lines[2]
