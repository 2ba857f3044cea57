"""Poison messages go to the dead-letter table and topic with their reason; good ones keep flowing."""

from __future__ import annotations

import asyncio

from core import outbox
from core.domain.events import BOOKING_EVENTS, PAYMENT_EVENTS
from streaming.relay import Relay
from streaming.sink import Sink
from streaming.synthetic import journeys
from streaming.topics import DEAD_LETTER
from tests.streaming.conftest import (
    StreamEnv,
    expected_revenue,
    fact_count,
    mart_total,
    run_until,
    write_outbox,
)

POISON = [
    (BOOKING_EVENTS, b"\x00\x01 definitely not json", "not JSON"),
    (BOOKING_EVENTS, b'{"type": "booking.teleported", "schema_version": 1}', "unknown event type"),
    (
        PAYMENT_EVENTS,
        b'{"type": "payment.captured", "schema_version": 1, "aggregate_id": "bk", "payment_id": "p",'
        b' "amount": {"amount": "1.00", "currency": "eur"}}',
        "currency",
    ),
    (
        BOOKING_EVENTS,
        b'{"type": "booking.confirmed", "schema_version": 1, "aggregate_id": "bk", "hotel_id": "h",'
        b' "amount": {"amount": "5.00", "currency": "XAU"}}',
        "no FX rate XAU->EUR",
    ),
]


def test_poison_messages_are_dead_lettered_with_a_reason(stream_env: StreamEnv) -> None:
    env = stream_env
    events = list(journeys(1000, seed=31))
    write_outbox(env.store, events[:500])
    for topic, value, _ in POISON:
        outbox.append_raw(env.store, topic, b"bk_poison", value)
    write_outbox(env.store, events[500:])
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    sink = Sink(
        env.warehouse, env.bootstrap, topic_prefix=env.prefix, group_id=env.group, session_timeout_ms=2000
    )

    asyncio.run(
        run_until([relay.run, sink.run], lambda: sink.stats.inserted + sink.stats.dead_letters >= 1004)
    )

    assert fact_count(env.warehouse) == 1000
    assert mart_total(env.warehouse) == expected_revenue(events)["total"]
    _, rows = env.warehouse.query(
        f"SELECT topic, value, reason FROM {env.warehouse.database}.stream_dead_letters FINAL ORDER BY offset"
    )
    assert len(rows) == len(POISON)
    got = {(t.removeprefix(env.prefix), v): reason for t, v, reason in rows}
    for topic, value, why in POISON:
        assert why in got[(topic, value.decode("utf-8", errors="replace"))]

    async def read_dead_letter_topic() -> list:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(
            env.prefix + DEAD_LETTER, bootstrap_servers=env.bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            found: list = []
            for _ in range(20):
                batch = await consumer.getmany(timeout_ms=200)
                found += [m for ms in batch.values() for m in ms]
                if len(found) >= len(POISON):
                    break
            return found
        finally:
            await consumer.stop()

    dead = asyncio.run(read_dead_letter_topic())
    assert sorted(m.value for m in dead) == sorted(v for _, v, _ in POISON)
    assert all(dict(m.headers)["dlq.reason"] for m in dead)
