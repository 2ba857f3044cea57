"""The outbox relay: publishes the store's outbox to the topics in commit order, at least once.

Each round reads the next entries after the store's relay cursor, sends them all with acks=all, waits for
every acknowledgement, and only then moves the cursor (with the offsets the broker assigned) in one store
transaction. A crash anywhere before that mark republishes the round on restart: a duplicate, never a
gap; the sink drops duplicates by event id. Nothing is kept in memory across restarts.

The embedded broker keeps nothing across its own restart, so the relay checks for lost data: an offset
the broker assigns that is not above the highest it assigned before on that partition (seen on every
send), or, checked when idle and at start, a topic it published to that is missing or a partition it
published to that is empty, means the broker lost data; the relay then recreates the topics and replays
every entry still in the outbox (kept for the retention window), from the first. The highest offsets
live in the store beside the cursor, so a relay restarted against a fresh broker notices too.

Tracing: messages keep the trace headers the outbox captured, so the sink's spans continue the writer's
trace; a round that publishes traced entries is one PRODUCER span linked to their traces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiokafka.partitioner import murmur2
from opentelemetry import trace

from core import outbox
from core.failpoints import failpoint
from core.kv import Store
from core.observability import extract_context
from streaming.metrics import stream_metrics
from streaming.topics import ensure_topics, topic_specs

log = logging.getLogger(__name__)

MAX_LINKS = 128  # per round span (OpenTelemetry's default link limit)


@dataclass
class RelayStats:
    published: int = 0
    rounds: int = 0
    replays: int = 0


class BrokerLostData(Exception):
    """The broker no longer has messages the relay published."""


class Relay:
    def __init__(
        self,
        store: Store,
        bootstrap: str,
        *,
        topic_prefix: str = "",
        batch: int = 2000,
        idle_sleep_s: float = 0.02,
        check_every_s: float = 1.0,
        retention: timedelta = outbox.DEFAULT_RETENTION,
        purge_every_s: float = 300.0,
    ) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.prefix = topic_prefix
        self.batch = batch
        self.idle_sleep_s = idle_sleep_s
        self.check_every_s = check_every_s
        self.retention = retention
        self.purge_every_s = purge_every_s
        self.stats = RelayStats()
        self._producer: Any = None
        self._hw: dict[tuple[str, int], int] = {}
        self._probe: Any = None

    async def start(self) -> None:
        from aiokafka import AIOKafkaProducer

        await ensure_topics(self.bootstrap, topic_specs(self.prefix))
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            linger_ms=5,
            max_batch_size=256 * 1024,
            request_timeout_ms=15000,
        )
        await producer.start()
        self._producer = producer
        self._hw = outbox.high_watermarks(self.store)

    async def stop(self) -> None:
        if self._probe is not None:
            await self._probe.stop()
            self._probe = None
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set."""
        await self.start()
        try:
            try:
                await self.check_broker()  # a relay started against a fresh broker replays at once
            except BrokerLostData as exc:
                await self.replay(str(exc))
            last_check = time.monotonic()
            last_purge = 0.0
            while not stop.is_set():
                try:
                    sent = await self.publish_round()
                    # While busy, the offsets of every send show a loss; when idle, ask the broker.
                    if sent == 0 and time.monotonic() - last_check > self.check_every_s:
                        await self.check_broker()
                        last_check = time.monotonic()
                except BrokerLostData as exc:
                    await self.replay(str(exc))
                    continue
                if time.monotonic() - last_purge > self.purge_every_s:
                    removed = await asyncio.to_thread(outbox.purge_published, self.store, self.retention)
                    if removed:
                        log.info("outbox: purged %d published entries past retention", removed)
                    last_purge = time.monotonic()
                if sent == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.idle_sleep_s)
        finally:
            await self.stop()

    async def publish_round(self) -> int:
        """Publish the next batch of unpublished entries and mark them; returns how many.

        Entries are grouped per partition (keyed as the default partitioner does, murmur2) into record
        batches sent with `send_batch`: one future per batch, not per message, which is most of the relay's
        CPU otherwise. Order within a partition is the outbox's commit order.
        """
        entries = outbox.read_unpublished(self.store, self.batch)
        if not entries:
            return 0
        traced = [e for e in entries if any(k == "traceparent" for k, _ in e.headers)]
        if not traced:
            return await self._publish(entries)
        links = [
            trace.Link(trace.get_current_span(extract_context(e.headers)).get_span_context())
            for e in traced[:MAX_LINKS]
        ]
        with trace.get_tracer(__name__).start_as_current_span(
            "outbox publish", kind=trace.SpanKind.PRODUCER, links=links,
            attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(entries)},
        ):  # fmt: skip
            return await self._publish(entries)

    async def _publish(self, entries: list[outbox.OutboxEntry]) -> int:
        producer = self._producer
        assert producer is not None, "call start() first"
        groups: dict[tuple[str, int], list[outbox.OutboxEntry]] = {}
        partitions: dict[str, list[int]] = {}
        for entry in entries:
            topic = self.prefix + entry.topic
            if topic not in partitions:
                partitions[topic] = sorted(await producer.partitions_for(topic))
            parts = partitions[topic]
            partition = parts[(murmur2(entry.key) & 0x7FFFFFFF) % len(parts)]
            groups.setdefault((topic, partition), []).append(entry)
        sends = []
        for (topic, partition), group in groups.items():
            batch = producer.create_batch()
            count = 0
            for entry in group:
                if batch.append(key=entry.key, value=entry.value, timestamp=entry.written_at_ms,
                                headers=entry.headers) is None:  # fmt: skip
                    sends.append(
                        (
                            topic,
                            partition,
                            count,
                            await producer.send_batch(batch, topic, partition=partition),
                        )
                    )
                    batch, count = producer.create_batch(), 0
                    batch.append(
                        key=entry.key, value=entry.value, timestamp=entry.written_at_ms, headers=entry.headers
                    )
                count += 1
            sends.append(
                (topic, partition, count, await producer.send_batch(batch, topic, partition=partition))
            )
        results = await asyncio.gather(*(fut for *_, fut in sends))
        seen: dict[tuple[str, int], int] = {}
        lost = []
        for (topic, partition, count, _), meta in zip(sends, results, strict=True):
            tp = (topic, partition)
            if tp not in seen and meta.offset <= self._hw.get(tp, -1):
                lost.append(f"{topic}[{partition}] offset {meta.offset} <= {self._hw[tp]}")
            seen[tp] = max(seen.get(tp, -1), meta.offset + count - 1)
        if lost:
            raise BrokerLostData("broker offsets went back: " + "; ".join(lost[:3]))
        failpoint("relay.published")
        outbox.mark_published(self.store, entries[-1].seq, seen)
        self._hw.update(seen)
        self.stats.published += len(entries)
        self.stats.rounds += 1
        metrics = stream_metrics()
        metrics["relay_published"].inc(len(entries))
        metrics["relay_backlog"].set(max(outbox.last_sequence(self.store) - entries[-1].seq, 0))
        return len(entries)

    async def check_broker(self) -> None:
        """Raise BrokerLostData when a topic or partition the relay published to is gone or empty.

        Tansu reports a partition's end offset as the last batch's base offset + 1 (below the true end),
        so "empty" (end offset 0 where the relay saw an offset assigned) is the test that holds on
        every broker; on Kafka and Redpanda, the offsets going back on the next send catch the rest.
        """
        if not self._hw:
            return
        from aiokafka import TopicPartition

        if self._probe is None:
            from aiokafka import AIOKafkaConsumer

            self._probe = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, request_timeout_ms=10000)
            await self._probe.start()
        topics = await self._probe.topics()
        missing = sorted({t for t, _ in self._hw} - topics)
        if missing:
            raise BrokerLostData(f"topics missing on the broker: {', '.join(missing)}")
        ends = await self._probe.end_offsets([TopicPartition(t, p) for t, p in self._hw])
        empty = [f"{tp.topic}[{tp.partition}]" for tp, end in ends.items() if end == 0]
        if empty:
            raise BrokerLostData(f"partitions emptied on the broker: {', '.join(sorted(empty)[:5])}")

    async def replay(self, reason: str) -> None:
        first = outbox.first_retained(self.store)
        log.warning("relay: %s; replaying the outbox from sequence %d", reason, first)
        await ensure_topics(self.bootstrap, topic_specs(self.prefix))
        outbox.replay_from(self.store, max(first - 1, 0))
        self._hw = {}
        self.stats.replays += 1
        stream_metrics()["relay_replays"].inc()
