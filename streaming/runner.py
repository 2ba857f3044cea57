"""Run a stream process until SIGINT/SIGTERM (or until idle, for one-shot runs such as the demo)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any


async def run_process(
    main: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    *,
    idle: Callable[[], float] | None = None,
    until_idle_s: float | None = None,
) -> None:
    """Run `main(stop)`; SIGINT/SIGTERM set `stop`. With `until_idle_s`, stop once `idle()` (seconds since
    the process last did work) exceeds it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(main(stop))
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=0.2)
            if until_idle_s is not None and idle is not None and idle() > until_idle_s:
                stop.set()
        await task
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


class IdleClock:
    """Seconds since a counter last moved; before it first moves, `grace_s` (joining a consumer group,
    connecting) does not count as idle."""

    def __init__(self, counter: Callable[[], int], grace_s: float = 0.0) -> None:
        self.counter = counter
        self.last_value = counter()
        self.last_change = time.monotonic() + grace_s

    def __call__(self) -> float:
        value = self.counter()
        if value != self.last_value:
            self.last_value, self.last_change = value, time.monotonic()
        return max(time.monotonic() - self.last_change, 0.0)
