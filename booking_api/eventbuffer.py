"""Search-side events (`search.events`) written to the outbox in batches.

A search changes no state, so its event need not commit with anything: the API queues it and a
background task writes each batch in one store transaction. Concurrent searches then never queue
on the store's write lock (one transaction per search would). The buffer is flushed on shutdown;
a crash loses at most the last `interval_s` of search analytics, never a booking event (those are
written in the transaction of their state change).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.domain.events import Event
from core.kv import Transaction
from core.outbox import append_event

log = logging.getLogger(__name__)


class EventBuffer:
    def __init__(
        self,
        tx: Callable[[Callable[[Transaction], Any]], Awaitable[Any]],
        interval_s: float = 0.05,
        max_batch: int = 500,
    ) -> None:
        self._tx = tx
        self._interval_s = interval_s
        self._max_batch = max_batch
        self._pending: list[Event] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, event: Event) -> None:
        self._pending.append(event)

    async def flush(self) -> int:
        written = 0
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]

            def write(tr: Transaction, batch: list[Event] = batch) -> None:
                for event in batch:
                    append_event(tr, event)

            try:
                await self._tx(write)
            except Exception:
                self._pending[:0] = batch  # keep them for the next round
                raise
            written += len(batch)
        return written

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.flush()
            except Exception:
                log.exception("writing search events to the outbox failed; retrying")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.flush()
