"""Run a stream process until SIGINT/SIGTERM (or until idle, for one-shot runs such as the demo)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


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


async def keep_connected(
    name: str,
    main: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    stop: asyncio.Event,
    *,
    first_backoff_s: float = 0.5,
    max_backoff_s: float = 10.0,
) -> None:
    """Run `main(stop)` until `stop` is set, starting it again when the broker cannot be reached.

    A broker restart must not end a stream process: `main` connects afresh on each start, and the
    relay's cursor and the sink's committed offsets make a restart lose nothing. The wait doubles up to
    `max_backoff_s` and starts again small after a run that stayed connected a while.
    """
    from aiokafka.errors import KafkaError

    backoff = first_backoff_s
    while not stop.is_set():
        started = time.monotonic()
        try:
            await main(stop)
            return
        except (KafkaError, OSError) as exc:
            if time.monotonic() - started > 30 * first_backoff_s:
                backoff = first_backoff_s
            log.warning("%s: broker unavailable (%s: %s); reconnecting in %.1f s",
                        name, type(exc).__name__, exc, backoff)  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, max_backoff_s)
