"""Exactly once in effect under faults: after each, the marts' revenue equals the events' to the cent."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from core import outbox
from core.stack import binaries, probes
from streaming.relay import Relay
from streaming.sink import Sink
from streaming.synthetic import journeys
from tests.crash import run_killed_at
from tests.servers import free_port
from tests.streaming.conftest import (
    StreamEnv,
    expected_revenue,
    fact_count,
    mart_total,
    run_until,
    write_outbox,
)

N = 2000


def _sink(env: StreamEnv, bootstrap: str | None = None) -> Sink:
    return Sink(
        env.warehouse, bootstrap or env.bootstrap, topic_prefix=env.prefix, group_id=env.group,
        session_timeout_ms=2000, max_records=500,
    )  # fmt: skip


def _assert_exact(env: StreamEnv, events: list, n: int = N) -> None:
    assert fact_count(env.warehouse) == n
    assert mart_total(env.warehouse) == expected_revenue(events)["total"]


def test_relay_killed_between_publish_and_mark(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(N, seed=21))
    write_outbox(env.store, events)
    # a real `ibe relay`, SIGKILLed after the broker acknowledged its first 800, before the mark
    run_killed_at("relay.published:1", "relay", "--topic-prefix", env.prefix, "--batch", "800")
    assert outbox.published_cursor(env.store) == 0  # published 800, marked nothing

    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix, batch=800)
    sink = _sink(env)
    asyncio.run(
        run_until([relay.run, sink.run], lambda: sink.stats.inserted + sink.stats.duplicates >= N + 800)
    )
    assert sink.stats.duplicates == 800
    _assert_exact(env, events)


def test_sink_killed_after_insert_before_offset_commit(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(N, seed=22))
    write_outbox(env.store, events)
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    asyncio.run(run_until([relay.run], lambda: relay.stats.published == N))
    # a real `ibe sink`, SIGKILLed after its first warehouse insert, before the offset commit
    run_killed_at("sink.inserted:1", "sink", "--topic-prefix", env.prefix, "--group", env.group,
                  "--max-records", "500", "--session-timeout-ms", "2000")  # fmt: skip
    crashed_batch = fact_count(env.warehouse)
    assert 0 < crashed_batch < N

    second = _sink(env)
    asyncio.run(
        run_until([second.run], lambda: second.stats.inserted + second.stats.duplicates >= N, timeout_s=60)
    )
    assert second.stats.duplicates == crashed_batch  # redelivered, recognised, not counted again
    _assert_exact(env, events)


def test_same_events_published_twice(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(N, seed=23))
    write_outbox(env.store, events)
    write_outbox(env.store, events[: N // 2])  # a buggy writer re-emits the first half
    for event in events[N // 2 : N // 2 + 10]:  # and some events twice in a row (same batch)
        outbox.append_event(env.store, event, headers=[])
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    sink = _sink(env)
    total = N + N // 2 + 10
    asyncio.run(
        run_until([relay.run, sink.run], lambda: sink.stats.inserted + sink.stats.duplicates >= total)
    )
    assert sink.stats.duplicates == N // 2 + 10
    _assert_exact(env, events)


@pytest.fixture
def own_broker() -> Iterator[tuple[str, Callable[[], None]]]:
    """A Tansu broker of this test's own on a free port, and a function that restarts it (empty)."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    command = [str(binaries.tansu()), "broker", "--listener-url", url, "--advertised-listener-url", url,
               "--storage-engine", "memory://tansu/"]  # fmt: skip
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while True:
            try:
                probes.kafka_api_versions("127.0.0.1", port)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def restart() -> None:
        procs[-1].kill()
        procs[-1].wait(10)
        start()

    start()
    try:
        yield f"127.0.0.1:{port}", restart
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)


def test_broker_restarted_empty_mid_stream_relay_replays(stream_env: StreamEnv, own_broker: tuple) -> None:
    env = stream_env
    bootstrap, restart = own_broker
    events = list(journeys(N, seed=24))
    write_outbox(env.store, events[: N // 2])
    relay = Relay(env.store, bootstrap, topic_prefix=env.prefix, check_every_s=0.2)
    early = _sink(env, bootstrap)
    early.max_records = 50

    # the sink has seen a part of what the relay published when the broker dies
    asyncio.run(
        run_until(
            [relay.run, early.run], lambda: early.stats.inserted > 0 and relay.stats.published >= N // 2
        )
    )
    seen_before = fact_count(env.warehouse)
    assert 0 < seen_before < N
    restart()  # everything on the broker is gone: topics, messages, the group's offsets
    write_outbox(env.store, events[N // 2 :])

    relay = Relay(env.store, bootstrap, topic_prefix=env.prefix, check_every_s=0.2)
    sink = _sink(env, bootstrap)
    asyncio.run(
        run_until([relay.run, sink.run], lambda: fact_count(env.warehouse) >= N, timeout_s=60, poll_s=0.3)
    )
    assert relay.stats.replays == 1
    _assert_exact(env, events)


def test_broker_restart_noticed_by_a_running_relay(stream_env: StreamEnv, own_broker: tuple) -> None:
    env = stream_env
    bootstrap, restart = own_broker
    events = list(journeys(N // 4, seed=26))
    write_outbox(env.store, events)
    relay = Relay(env.store, bootstrap, topic_prefix=env.prefix, check_every_s=0.2)

    async def scenario(stop: asyncio.Event) -> None:
        while relay.stats.published < len(events):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(restart)  # idle relay, nothing new to send: the periodic check must see it

    asyncio.run(
        run_until([relay.run, scenario], lambda: relay.stats.published >= 2 * len(events), timeout_s=30)
    )
    assert relay.stats.replays == 1
    sink = _sink(env, bootstrap)
    asyncio.run(run_until([sink.run], lambda: fact_count(env.warehouse) >= len(events)))
    _assert_exact(env, events, len(events))


def test_consumer_added_mid_stream_rebalance(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(N, seed=25))
    write_outbox(env.store, events)
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix, batch=200)
    first, second = _sink(env), _sink(env)
    first.max_records = second.max_records = 100

    async def join_later(stop: asyncio.Event) -> None:
        while first.stats.inserted == 0:
            await asyncio.sleep(0.02)
        await second.run(stop)

    asyncio.run(
        run_until(
            [relay.run, first.run, join_later],
            lambda: fact_count(env.warehouse) >= N and second.stats.batches > 0,
            timeout_s=60,
            poll_s=0.5,
        )
    )
    assert first.stats.inserted > 0 and second.stats.inserted + second.stats.duplicates > 0
    _assert_exact(env, events)
    assert Decimal(0) != mart_total(env.warehouse)


def test_a_sink_killed_between_the_facts_and_a_view_leaves_no_mart_short(stream_env: StreamEnv) -> None:
    """The state a SIGKILL inside chDB's insert pipeline leaves (stream_events took the block, a view
    did not), made by detaching the view for one batch: the next sink gives the view its block."""
    env = stream_env
    first, second = list(journeys(1000, seed=31)), list(journeys(300, seed=32))
    write_outbox(env.store, first)
    relay, sink = Relay(env.store, env.bootstrap, topic_prefix=env.prefix), _sink(env)
    asyncio.run(run_until([relay.run, sink.run], lambda: sink.stats.inserted >= 1000))
    db = env.warehouse.database
    env.warehouse.command(f"DETACH TABLE {db}.mv_revenue_hourly PERMANENTLY")
    write_outbox(env.store, second)
    relay, sink = Relay(env.store, env.bootstrap, topic_prefix=env.prefix), _sink(env)
    asyncio.run(run_until([relay.run, sink.run], lambda: sink.stats.inserted >= 300))
    env.warehouse.command(f"ATTACH TABLE {db}.mv_revenue_hourly")
    want = expected_revenue(first + second)["total"]
    assert mart_total(env.warehouse) == expected_revenue(first)["total"] != want  # the mart is short

    for _ in range(2):  # a restarted sink completes the mart; another restart changes nothing
        restarted = _sink(env)
        asyncio.run(run_until([restarted.run], lambda: mart_total(env.warehouse) == want, timeout_s=30))
        time.sleep(1.0)
        assert mart_total(env.warehouse) == want
        assert fact_count(env.warehouse) == 1300  # no fact doubled
