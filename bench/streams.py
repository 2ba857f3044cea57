"""Streams: events/s end to end (outbox -> relay -> Tansu -> sink -> chDB marts) and p99 freshness at a
fixed rate, beside raw aiokafka produce/consume of the same messages on the same broker (the ratio).

Runs on its own Tansu broker (free port) and a temporary data folder. Modest N by default: the machine
is shared. `python -m bench streams -- --events 50000 --rate 5000 --seconds 10` for a longer run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from core import outbox
from core.config import Settings
from core.domain.events import encode_event
from core.kv import Store, Transaction, open_store
from core.stack import binaries, probes
from core.stack.ports import free_port
from core.warehouse import Warehouse, migrate
from streaming.relay import Relay
from streaming.sink import Sink
from streaming.synthetic import journeys


def _start_tansu(port: int) -> subprocess.Popen[bytes]:
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(binaries.tansu()), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            probes.kafka_api_versions("127.0.0.1", port)
            return proc
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


async def _raw_kafka(bootstrap: str, messages: list[tuple[bytes, bytes]]) -> tuple[float, float]:
    """Produce then consume `messages` with plain aiokafka (acks=all, one group); returns (produce/s, e2e/s)."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic("raw.bench", 4, 1)])
    await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    consumer = AIOKafkaConsumer(
        "raw.bench", bootstrap_servers=bootstrap, group_id="raw-bench", auto_offset_reset="earliest",
        enable_auto_commit=False, session_timeout_ms=2000, heartbeat_interval_ms=500, max_poll_records=5000,
    )  # fmt: skip
    await producer.start()
    await consumer.start()
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=100)
    started = time.perf_counter()

    async def produce() -> float:
        futures = [await producer.send("raw.bench", value=v, key=k) for k, v in messages]
        await asyncio.gather(*futures)
        return time.perf_counter() - started

    async def consume() -> None:
        seen = 0
        while seen < len(messages):
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            seen += sum(len(b) for b in batch.values())
            if batch:
                await consumer.commit()

    produce_s, _ = await asyncio.gather(produce(), consume())
    total_s = time.perf_counter() - started
    await consumer.stop()
    await producer.stop()
    return len(messages) / produce_s, len(messages) / total_s


def _append(store: Store, events: list) -> None:
    def write(tr: Transaction) -> None:
        for event in events:
            outbox.append_event(tr, event, headers=[])

    store.run(write)


def _fill_outbox(store: Store, events: list, per_tx: int = 1000) -> float:
    started = time.perf_counter()
    for i in range(0, len(events), per_tx):
        chunk = events[i : i + per_tx]
        _append(store, chunk)
    return len(events) / (time.perf_counter() - started)


class RelayChild:
    """The relay in its own process, as deployed (`ibe relay`): started and connected before the clock runs."""

    def __init__(self, settings: Settings, prefix: str, batch: int) -> None:
        env = {
            **os.environ,
            "IBE_DATA_DIR": str(settings.data_dir),
            "IBE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.streams", "--relay-child", prefix, "--batch", str(batch)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdin is not None
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError(f"relay child did not start: {line!r}")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def _relay_child(prefix: str, batch: int) -> None:
    from core.config import get_settings

    settings = get_settings()
    store = open_store(settings)
    relay = Relay(
        store, settings.kafka_bootstrap_servers, topic_prefix=prefix, batch=batch, idle_sleep_s=0.005
    )

    async def run() -> None:
        await relay.start()
        await relay.stop()
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await relay.run(stop)

    asyncio.run(run())
    store.close()


async def _joined_sink(
    warehouse: Warehouse, bootstrap: str, prefix: str, max_records: int, wait_ms: int
) -> Sink:
    sink = Sink(warehouse, bootstrap, topic_prefix=prefix, group_id=prefix + "sink", session_timeout_ms=2000,
                max_records=max_records, max_wait_ms=wait_ms)  # fmt: skip
    await sink.start()  # join the group first, so the timing is the pipeline's, not the join's
    while not sink._consumer.assignment():
        await sink._consumer.getmany(timeout_ms=100)
    return sink


async def _drain(sink: Sink, target: int, timeout_s: float) -> float:
    """Run the (already joined) sink as deployed until `target` events are in the marts."""
    started = time.perf_counter()
    stop = asyncio.Event()
    task = asyncio.create_task(sink.run(stop))
    try:
        while sink.stats.inserted < target and time.perf_counter() - started < timeout_s and not task.done():
            await asyncio.sleep(0.005)
        return time.perf_counter() - started
    finally:
        stop.set()
        await task


def _throughput(settings: Settings, store: Store, warehouse: Warehouse, events: list) -> tuple[float, Sink]:
    """Outbox pre-filled; relay (own process) and sink start together; seconds until all are in the marts."""
    _fill_outbox(store, events)
    relay = RelayChild(settings, "thr.", batch=5000)
    try:

        async def run() -> tuple[float, Sink]:
            sink = await _joined_sink(warehouse, settings.kafka_bootstrap_servers, "thr.", 20000, 100)
            relay.go()
            return await _drain(sink, len(events), 120), sink

        return asyncio.run(run())
    finally:
        relay.stop()


def _paced(settings: Settings, store: Store, warehouse: Warehouse, events: list, rate: int) -> list[float]:
    """Write `events` into the outbox at `rate` per second (another thread) with relay and sink running;
    returns the freshness (outbox commit -> visible in the marts) of each event, in ms."""

    def writer() -> None:
        tick = 0.02
        per_tick = max(1, int(rate * tick))
        started = time.perf_counter()
        for i in range(0, len(events), per_tick):
            chunk = events[i : i + per_tick]
            _append(store, chunk)
            delay = started + (i + per_tick) / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    relay = RelayChild(settings, "fr.", batch=2000)
    try:

        async def run() -> list[float]:
            sink = await _joined_sink(warehouse, settings.kafka_bootstrap_servers, "fr.", 5000, 50)
            relay.go()
            thread = threading.Thread(target=writer)
            thread.start()
            await _drain(sink, len(events), len(events) / rate + 60)
            await asyncio.to_thread(thread.join)
            return sink.stats.freshness_ms

        return asyncio.run(run())
    finally:
        relay.stop()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.streams")
    parser.add_argument("--events", type=int, default=30_000, help="events for the throughput run")
    parser.add_argument("--rate", type=int, default=5_000, help="events/s for the freshness run")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of the freshness run")
    parser.add_argument("--relay-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=5000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.relay_child is not None:
        _relay_child(args.relay_child, args.batch)
        return

    port = free_port()
    broker = _start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), kafka_bootstrap=bootstrap)
            os.environ.pop("IBE_CLICKHOUSE_URL", None)
            events = list(journeys(args.events, seed=5))
            wire = [(e.key(), encode_event(e)) for e in events]
            size = statistics.mean(len(v) for _, v in wire)

            raw_produce, raw_e2e = asyncio.run(_raw_kafka(bootstrap, wire))
            print(f"raw aiokafka      : produce {raw_produce:,.0f} msg/s, produce+consume {raw_e2e:,.0f} msg/s "
                  f"({args.events:,} msgs of {size:.0f} B, acks=all, 4 partitions)")  # fmt: skip

            store = open_store(settings)
            warehouse = Warehouse(settings)
            migrate(warehouse)
            elapsed, sink = _throughput(settings, store, warehouse, events)
            e2e = sink.stats.inserted / elapsed
            print(f"relay + sink      : {e2e:,.0f} events/s end to end ({sink.stats.inserted:,} events in "
                  f"{elapsed:.2f} s, {sink.stats.batches} micro-batches, relay in its own process); "
                  f"ratio to raw aiokafka {e2e / raw_e2e:.2f}")  # fmt: skip

            paced_events = list(journeys(int(args.rate * args.seconds), seed=6))
            freshness = _paced(settings, store, warehouse, paced_events, args.rate)
            print(f"freshness @ {args.rate:,}/s: p50 {_p(freshness, 0.5):,.0f} ms, p99 {_p(freshness, 0.99):,.0f} ms, "
                  f"max {max(freshness, default=0):,.0f} ms over {len(freshness):,} events "
                  f"(outbox commit -> visible in the marts)")  # fmt: skip
            store.close()
            warehouse.close()
    finally:
        broker.kill()
        broker.wait(10)


if __name__ == "__main__":
    main(sys.argv[1:])
