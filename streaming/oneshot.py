"""Publish the outbox and sink it into the marts once, then stop: for `ibe demo` and scripts.

`drain(settings)` runs the relay and the sink in this process until the outbox is published and the
sink has been idle for `idle_s`, and returns what it did. Long-running deployments use `ibe relay` and
`ibe sink` instead.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from core.config import Settings


@dataclass(frozen=True)
class DrainResult:
    published: int
    inserted: int
    duplicates: int
    dead_letters: int
    seconds: float


def drain(
    settings: Settings,
    *,
    topic_prefix: str = "",
    group_id: str | None = None,
    idle_s: float = 1.0,
    timeout_s: float = 120.0,
) -> DrainResult:
    """Relay + sink until the outbox is empty of unpublished entries and nothing new arrived for `idle_s`."""
    from core import outbox
    from core.kv import open_store
    from core.warehouse import Warehouse, migrate
    from streaming.relay import Relay
    from streaming.sink import SINK_GROUP, Sink

    warehouse = Warehouse(settings)
    migrate(warehouse)
    store = open_store(settings)
    bootstrap = settings.kafka_bootstrap_servers
    relay = Relay(store, bootstrap, topic_prefix=topic_prefix)
    sink = Sink(
        warehouse,
        bootstrap,
        topic_prefix=topic_prefix,
        session_timeout_ms=6000,
        group_id=group_id or SINK_GROUP,
    )

    async def main() -> float:
        stop = asyncio.Event()
        started = time.monotonic()
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(sink.run(stop))]
        last_seen, last_change = -1, time.monotonic()
        try:
            while time.monotonic() - started < timeout_s:
                await asyncio.sleep(0.2)
                for task in tasks:
                    if task.done() and task.exception() is not None:
                        raise task.exception()  # type: ignore[misc]
                seen = sink.stats.inserted + sink.stats.duplicates + sink.stats.dead_letters
                if seen != last_seen:
                    last_seen, last_change = seen, time.monotonic()
                backlog = outbox.last_sequence(store) - outbox.published_cursor(store)
                if backlog == 0 and seen >= relay.stats.published and time.monotonic() - last_change > idle_s:
                    break
            return time.monotonic() - started
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    try:
        seconds = asyncio.run(main())
    finally:
        store.close()
        warehouse.close()
    s = sink.stats
    return DrainResult(relay.stats.published, s.inserted, s.duplicates, s.dead_letters, seconds)
