"""One-shot relay + sink (what `ibe demo` runs after its bookings): the marts show the revenue."""

from __future__ import annotations

from streaming import marts
from streaming.oneshot import drain
from streaming.synthetic import journeys
from tests.streaming.conftest import StreamEnv, expected_revenue, write_outbox


def test_drain_publishes_the_outbox_and_fills_the_marts(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(500, seed=41))
    write_outbox(env.store, events)
    result = drain(env.settings, topic_prefix=env.prefix, group_id=env.group, idle_s=0.5)
    assert (result.published, result.inserted, result.dead_letters) == (500, 500, 0)
    assert marts.total_revenue(env.warehouse) == expected_revenue(events)["total"]
