"""The warehouse sink: a consumer group that writes event facts into ClickHouse, exactly once in effect.

One micro-batch (bounded by `max_records` and `max_wait_ms`):
1. decode and validate every message; an undecodable or invalid one becomes a dead letter with its
   reason (never dropped, never blocking its partition);
2. in ONE warehouse turn: look the batch's event ids up in `stream_events`, drop those already there
   (and duplicates inside the batch), insert the rest (the marts' materialized views fire on this insert,
   so they only ever see new events), and record the dead letters in `stream_dead_letters`;
3. publish the dead letters to the dead-letter topic;
4. commit the offsets.
A crash before 4 redelivers the batch; step 2 then finds the ids and inserts nothing. Offsets are
committed only after the insert, so nothing is lost. On embedded chDB the warehouse turn lock also
serializes two sinks of one group during a rebalance, so the lookup and the insert act as one step. (On
a ClickHouse server two sinks could race in the short window of a rebalance; partitions have one owner
otherwise, and one event's redeliveries stay on its partition.)

`run` decodes batch k+1 while batch k is written, with one write in flight so every lookup sees the
inserts before it, and keeps the warehouse session across back-to-back batches (streaming/turn.py).

Tracing: a message whose headers carry a trace context (the outbox captured the writer's, e.g. the
booking request's) is decoded inside a CONSUMER span of that trace; the batch's write and commit is one
span linked to those message spans. Messages without a trace context cost no span.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import CommitFailedError, IllegalStateError
from opentelemetry import trace

from core.domain.events import TOPICS, Event, InvalidEvent, decode_event
from core.failpoints import failpoint
from core.observability import start_consumer_span
from core.warehouse import Warehouse
from streaming.batches import insert_batch, new_batch_id, reinsert_latest
from streaming.facts import DEAD_LETTER_COLUMNS, FxRates, NoFxRate, fact_row
from streaming.metrics import stream_metrics
from streaming.topics import DEAD_LETTER, ensure_topics, group_consumer, topic_specs
from streaming.turn import WarehouseTurn

log = logging.getLogger(__name__)

SINK_GROUP = "ibe-warehouse-sink"
FX_REFRESH_S = 60.0
LOOKUP_CHUNK = 20000  # event ids per dedup lookup query


@dataclass
class SinkStats:
    batches: int = 0
    inserted: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    uncommitted: int = 0
    freshness_ms: list[float] = field(default_factory=list)


@dataclass
class Batch:
    facts: list[list[Any]] = field(default_factory=list)
    dead: list[list[Any]] = field(default_factory=list)
    dead_raw: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = field(default_factory=list)
    decoded: list[tuple[Any, Event]] = field(default_factory=list)
    committed_ms: list[int] = field(default_factory=list)
    visible_ms: float = 0.0
    inserted: int = 0
    duplicates: int = 0
    traced: list[trace.Link] = field(default_factory=list)  # the messages' consumer spans


def _has_trace(headers: Any) -> bool:
    return any(key == "traceparent" for key, _ in headers or ())


class Sink:
    def __init__(
        self,
        warehouse: Warehouse,
        bootstrap: str,
        *,
        topic_prefix: str = "",
        group_id: str = SINK_GROUP,
        max_records: int = 5000,
        max_wait_ms: int = 200,
        session_timeout_ms: int = 10000,
        hold_s: float = 1.0,
    ) -> None:
        self.warehouse = warehouse
        self.bootstrap = bootstrap
        self.prefix = topic_prefix
        self.group_id = group_id
        self.max_records = max_records
        self.max_wait_ms = max_wait_ms
        self.session_timeout_ms = session_timeout_ms
        self.hold_s = hold_s
        self.stats = SinkStats()
        self._consumer: Any = None
        self._producer: Any = None
        self._fx: FxRates | None = None
        self._fx_loaded = 0.0
        self._turn: WarehouseTurn | None = None

    @property
    def topics(self) -> list[str]:
        return [self.prefix + t for t in TOPICS]

    async def start(self) -> None:
        from aiokafka import AIOKafkaProducer

        await ensure_topics(self.bootstrap, topic_specs(self.prefix))
        self._consumer = group_consumer(
            self.bootstrap, self.topics, self.group_id, self.session_timeout_ms,
            max_poll_records=self.max_records, fetch_max_wait_ms=self.max_wait_ms,
        )  # fmt: skip
        self._producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                await client.stop()
        self._consumer = self._producer = None
        if self._turn is not None:
            await asyncio.to_thread(self._turn.shutdown)
            self._turn = None

    async def _in_turn(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._turn is None:
            self._turn = WarehouseTurn(self.warehouse, self.hold_s)
        return await asyncio.get_running_loop().run_in_executor(self._turn.executor, fn, *args)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, decoding batch k+1 while batch k is written (one write in flight,
        so each dedup lookup sees every earlier insert; offsets are committed per batch, after its write)."""
        if self._consumer is None:
            await self.start()
        await self._in_turn(self._complete_latest_batches)
        pending: asyncio.Task[int] | None = None
        try:
            while not stop.is_set():
                records = await self._fetch()
                prepared = self._decode(records) if records else None
                if pending is not None:
                    await pending
                    pending = None
                if prepared is None and self._turn is not None:
                    await self._in_turn(self._turn.release)  # idle: give the warehouse back now
                if prepared is not None:
                    pending = asyncio.create_task(self._write_and_commit(records, prepared))
            if pending is not None:
                await pending
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
            await self.stop()

    async def consume_once(self) -> int:
        """Fetch, write and commit one micro-batch; returns the number of messages handled."""
        records = await self._fetch()
        if not records:
            return 0
        return await self._write_and_commit(records, self._decode(records))

    async def _fetch(self) -> dict[Any, list[Any]]:
        records = await self._consumer.getmany(timeout_ms=self.max_wait_ms, max_records=self.max_records)
        return {tp: msgs for tp, msgs in records.items() if msgs}

    async def _write_and_commit(self, records: dict[Any, list[Any]], batch: Batch) -> int:
        if not batch.traced:
            return await self._write_and_commit_untraced(records, batch)
        attributes: dict[str, str | int] = {
            "messaging.system": "kafka",
            "messaging.batch.message_count": len(batch.traced),
        }
        with trace.get_tracer(__name__).start_as_current_span(
            "sink write", links=batch.traced, attributes=attributes
        ):
            return await self._write_and_commit_untraced(records, batch)

    async def _write_and_commit_untraced(self, records: dict[Any, list[Any]], batch: Batch) -> int:
        await self._in_turn(self._write, batch)
        for key, value, headers in batch.dead_raw:
            await self._producer.send(self.prefix + DEAD_LETTER, value=value, key=key, headers=headers)
        if batch.dead_raw:
            await self._producer.flush()
        offsets = {tp: msgs[-1].offset + 1 for tp, msgs in records.items()}
        failpoint("sink.inserted")
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # A rebalance took these partitions away while the batch was written: the new owner gets the
            # batch again from the last committed offset and drops it by event id. Nothing is lost.
            log.info("sink: offsets not committed after a rebalance (%s); the batch will be redelivered", exc)
            self.stats.uncommitted += 1
        self.stats.batches += 1
        self._observe(batch, records)
        return sum(len(m) for m in records.values())

    def _observe(self, batch: Batch, records: dict[Any, list[Any]]) -> None:
        metrics = stream_metrics()
        freshness = [batch.visible_ms - c for c in batch.committed_ms]
        self.stats.freshness_ms.extend(freshness)
        for ms in freshness:
            metrics["freshness"].observe(ms / 1000)
        metrics["sink_inserted"].inc(batch.inserted)
        metrics["sink_duplicates"].inc(batch.duplicates)
        metrics["sink_dead_letters"].inc(len(batch.dead))
        assigned = self._consumer.assignment()
        for tp, msgs in records.items():
            if tp not in assigned:  # taken away by a rebalance meanwhile
                continue
            end = self._consumer.highwater(tp)
            if end is not None:
                metrics["sink_lag"].labels(tp.topic, str(tp.partition)).set(max(end - msgs[-1].offset - 1, 0))

    def _rates(self, turn: WarehouseTurn) -> FxRates:
        if self._fx is None or time.monotonic() - self._fx_loaded > FX_REFRESH_S:
            self._fx = FxRates.load(turn.client(), self.warehouse.database)
            self._fx_loaded = time.monotonic()
        return self._fx

    def _decode(self, records: dict[Any, list[Any]]) -> Batch:
        """Parse and validate (outside the warehouse turn: other processes wait for it)."""
        batch = Batch()
        tracer = trace.get_tracer(__name__)
        for msgs in records.values():
            for msg in msgs:
                if not _has_trace(msg.headers):
                    self._decode_one(batch, msg)
                    continue
                with start_consumer_span(tracer, msg.topic, msg.headers) as span:
                    span.set_attributes(
                        {
                            "messaging.kafka.offset": msg.offset,
                            "messaging.destination.partition.id": str(msg.partition),
                        }
                    )
                    if not self._decode_one(batch, msg):
                        span.set_status(trace.StatusCode.ERROR, "dead letter")
                    batch.traced.append(trace.Link(span.get_span_context()))
        return batch

    def _decode_one(self, batch: Batch, msg: Any) -> bool:
        try:
            batch.decoded.append((msg, decode_event(msg.value or b"")))
            return True
        except InvalidEvent as exc:
            self._dead_letter(batch, msg, exc.reason)
            return False

    def _write(self, batch: Batch) -> None:
        """Runs on the turn's thread. A failure discards the session (the batch is redelivered)."""
        turn = self._turn
        assert turn is not None
        try:
            self._write_in_turn(turn, batch)
        except BaseException as exc:
            turn.release(exc)
            raise
        turn.done()

    def _complete_latest_batches(self) -> None:
        """Runs on the turn's thread: give the marts any block a crash kept from them (batches.py)."""
        turn = self._turn
        assert turn is not None
        try:
            batch_ids = reinsert_latest(turn.client(), self.warehouse.database)
        except BaseException as exc:
            turn.release(exc)
            raise
        turn.done()
        log.debug("sink: latest batches written again for the views that missed them: %s", batch_ids)

    def _write_in_turn(self, turn: WarehouseTurn, batch: Batch) -> None:
        db = self.warehouse.database
        fx = self._rates(turn)
        by_id: dict[str, list[Any]] = {}
        stamped: dict[str, int] = {}
        now = datetime.now(UTC)
        for msg, event in batch.decoded:
            try:
                row = fact_row(event, msg.value, fx, msg.topic, msg.partition, msg.offset, msg.timestamp, now)
            except NoFxRate as exc:
                self._dead_letter(batch, msg, str(exc))
                continue
            if event.event_id in by_id:
                batch.duplicates += 1
                continue
            by_id[event.event_id] = row
            stamped[event.event_id] = msg.timestamp
        client = turn.client()
        if by_id:
            ids = list(by_id)
            days = sorted({row[3].date() for row in by_id.values()})
            seen = {
                r[0]
                for i in range(0, len(ids), LOOKUP_CHUNK)
                for r in client.query(
                    # one string literal parses far faster than thousands of IN (...) literals;
                    # event ids never hold a comma (core/domain/events.py restricts them)
                    f"SELECT event_id FROM {db}.stream_events WHERE toDate(occurred_at) IN %(days)s "
                    "AND event_id IN (SELECT arrayJoin(splitByChar(',', %(ids)s)))",
                    parameters={"ids": ",".join(ids[i : i + LOOKUP_CHUNK]), "days": days},
                    settings={"max_query_size": 4 * 1024 * 1024},
                ).result_rows
            }
            fresh = [row for event_id, row in by_id.items() if event_id not in seen]
            batch.committed_ms = [stamped[event_id] for event_id in by_id if event_id not in seen]
            batch.duplicates += len(by_id) - len(fresh)
            if fresh:
                insert_batch(client, db, fresh, new_batch_id())
                batch.inserted = len(fresh)
        if batch.dead:
            client.insert(f"{db}.stream_dead_letters", batch.dead, column_names=DEAD_LETTER_COLUMNS)
            self.stats.dead_letters += len(batch.dead)
        batch.visible_ms = time.time() * 1000
        self.stats.inserted += batch.inserted
        self.stats.duplicates += batch.duplicates

    def _dead_letter(self, batch: Batch, msg: Any, reason: str) -> None:
        value = msg.value or b""
        key = msg.key or b""
        batch.dead.append(
            [
                msg.topic,
                msg.partition,
                msg.offset,
                key.decode("utf-8", errors="replace"),
                value.decode("utf-8", errors="replace"),
                reason,
                self.group_id,
                datetime.now(UTC),
            ]
        )
        headers = [
            ("dlq.topic", msg.topic.encode()),
            ("dlq.partition", str(msg.partition).encode()),
            ("dlq.offset", str(msg.offset).encode()),
            ("dlq.reason", reason.encode()[:1000]),
        ]
        batch.dead_raw.append((msg.key, value, headers))
