"""Helpers for the stream tests: a unique topic namespace on the shared broker, the expected figures
computed straight from the events, and running relay/sink tasks until a condition holds."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from core import outbox
from core.config import Settings
from core.domain.events import Event
from core.kv import Store

# The reference rates seeded by migration 0200 (EUR per unit).
RATES = {"EUR": Decimal(1), "USD": Decimal("0.92"), "GBP": Decimal("1.17")}


@dataclass
class StreamEnv:
    settings: Settings
    store: Store
    warehouse: Any
    bootstrap: str
    prefix: str
    group: str


@pytest.fixture
def stream_env(
    settings: Settings, embedded_stack: Settings, store: Store, warehouse: Any, unique: str
) -> StreamEnv:
    return StreamEnv(
        settings, store, warehouse, embedded_stack.kafka_bootstrap_servers, f"t{unique}.", f"g{unique}"
    )


def write_outbox(store: Store, events: Iterable[Event], per_tx: int = 500) -> int:
    """Append events to the outbox, `per_tx` per store transaction, as the booking API would."""
    batch: list[Event] = []
    count = 0

    def flush() -> None:
        store.run(lambda tr: [outbox.append_event(tr, e, headers=[]) for e in batch])

    for event in events:
        batch.append(event)
        if len(batch) == per_tx:
            flush()
            count += len(batch)
            batch = []
    if batch:
        flush()
        count += len(batch)
    return count


def expected_revenue(events: Iterable[Event]) -> dict[str, Any]:
    """Net revenue in EUR (each event converted and rounded to the cent), in total, per hour, per hotel/day."""
    total = Decimal(0)
    hourly: dict[Any, Decimal] = defaultdict(Decimal)
    daily: dict[Any, Decimal] = defaultdict(Decimal)
    unique = {e.event_id: e for e in events}
    for event in unique.values():
        delta = event.revenue_delta()
        if delta is None:
            continue
        eur = (delta.amount * RATES[delta.currency]).quantize(Decimal("0.01"))
        total += eur
        hourly[event.occurred_at.replace(minute=0, second=0, microsecond=0, tzinfo=None)] += eur
        daily[(event.occurred_at.date(), event.hotel_id)] += eur  # type: ignore[attr-defined]
    return {"total": total, "hourly": dict(hourly), "daily": dict(daily)}


def mart_total(warehouse: Any) -> Decimal:
    _, rows = warehouse.query(f"SELECT sum(revenue_reporting) FROM {warehouse.database}.mart_revenue_hourly")
    return Decimal(rows[0][0] or 0)


def fact_count(warehouse: Any) -> int:
    _, rows = warehouse.query(f"SELECT count() FROM {warehouse.database}.stream_events")
    return int(rows[0][0])


async def run_until(
    tasks: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]],
    done: Callable[[], bool],
    timeout_s: float = 30.0,
    poll_s: float = 0.2,
) -> float:
    """Run `tasks` (each gets a stop event) until `done()` holds; stops them all; returns the seconds taken."""
    stop = asyncio.Event()
    started = time.monotonic()
    running = [asyncio.create_task(t(stop)) for t in tasks]
    try:
        # in a thread: a warehouse query waits for the sink's turn, which the loop must keep serving
        while not await asyncio.to_thread(done):
            for task in running:
                if task.done() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"condition not reached in {timeout_s} s")
            await asyncio.sleep(poll_s)
        return time.monotonic() - started
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), 30)
