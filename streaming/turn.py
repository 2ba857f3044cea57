"""The sink's warehouse turn: one session kept across back-to-back micro-batches, for a bounded time.

Opening an embedded chDB session costs about 0.1 s here, more than writing a small batch, so a sink
that opened one per batch would spend its time opening. A busy sink keeps its session for at most
`hold_s`, then closes it and pauses `yield_s` so a waiting process (a Dagster run, `ibe sql`) gets its
turn; an idle sink closes it at once. All use happens on one thread (chDB and the turn lock are
per-thread), which `WarehouseTurn.executor` provides.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

from core.warehouse import Warehouse


class WarehouseTurn:
    def __init__(self, warehouse: Warehouse, hold_s: float = 1.0, yield_s: float = 0.1) -> None:
        self.warehouse = warehouse
        self.hold_s = hold_s
        self.yield_s = yield_s
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse-turn")
        self._session: AbstractContextManager[Any] | None = None
        self._client: Any = None
        self._opened = 0.0

    def client(self) -> Any:
        """The open session's client (opening one if needed). Call on `executor` only."""
        if self._client is None:
            session = self.warehouse.session()
            self._client = session.__enter__()
            self._session, self._opened = session, time.monotonic()
        return self._client

    def done(self) -> None:
        """After a batch: give the turn back if it has been held for `hold_s`."""
        if self._client is not None and time.monotonic() - self._opened > self.hold_s:
            self.release()
            time.sleep(self.yield_s)

    def release(self, exc: BaseException | None = None) -> None:
        """Close the session now (idle, stopping, or after an error, which discards the client)."""
        session, self._session, self._client = self._session, None, None
        if session is not None:
            session.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

    def shutdown(self) -> None:
        self.executor.submit(self.release).result()
        self.executor.shutdown(wait=True)
