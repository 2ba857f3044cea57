"""The embedded warehouse's turn-taking lock.

chDB lets one OS process at a time open a data path, and one path at a time inside a process. So
in embedded mode every session holds a cross-process file lock (plus a thread lock within the
process) for its short life; the Dagster run, the stream sink and an analyst's `ibe sql` take
turns. A waiter says that it waits, and for whom, instead of hanging silently.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

log = logging.getLogger(__name__)

_thread_lock = threading.RLock()


class WarehouseBusy(TimeoutError):
    """The embedded warehouse stayed locked by another process longer than the timeout."""


def _holder(owner_file: Path) -> str:
    try:
        return owner_file.read_text().strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def embedded_turn(
    lock_path: Path,
    timeout_s: float,
    report: Callable[[str], None] | None = None,
    report_every_s: float = 5.0,
) -> Iterator[None]:
    """Hold the embedded warehouse for the duration of the block."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    owner_file = lock_path.with_suffix(".owner")
    say = report or log.warning
    with _thread_lock:
        lock = FileLock(str(lock_path))
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                lock.acquire(timeout=min(report_every_s, max(0.0, deadline - time.monotonic())))
                break
            except Timeout:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"embedded warehouse still locked by {_holder(owner_file)} after {timeout_s:.0f}s"
                    ) from None
                say(f"waiting for the embedded warehouse, held by {_holder(owner_file)} ...")
        try:
            owner_file.write_text(f"pid {os.getpid()}")
            yield
        finally:
            lock.release()
