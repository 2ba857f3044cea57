"""The nemesis: carries out a kill schedule against the stack's processes and records what it did."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from chaos.schedule import Kill
from core.config import Settings
from core.stack import StackError, kill, start


@dataclass(frozen=True)
class KillDone:
    kill: Kill
    at_s: float  # when it really happened (the machine may lag the schedule)
    pid: int | None  # None: the target was not running
    restart_s: float  # from the restart's launch until the process answered again
    error: str = ""

    def describe(self) -> str:
        what = f"pid {self.pid}" if self.pid else "not running"
        back = f"back in {self.restart_s:.1f} s" if not self.error else f"RESTART FAILED: {self.error}"
        return f"{self.at_s:6.1f} s  SIGKILL {self.kill.target:<8} ({what}), down {self.kill.down_s:.1f} s, {back}"


async def unleash(
    settings: Settings, schedule: list[Kill], on_kill: Callable[[KillDone], None] | None = None
) -> list[KillDone]:
    """Kill and restart per the schedule, one at a time, in order; returns what happened."""
    started = time.monotonic()
    done = []
    for planned in schedule:
        await asyncio.sleep(max(0.0, started + planned.at_s - time.monotonic()))
        at = time.monotonic() - started
        pid = await asyncio.to_thread(kill, settings, planned.target)
        await asyncio.sleep(planned.down_s)
        launched = time.monotonic()
        error = ""
        try:
            await asyncio.to_thread(start, settings, planned.target)
        except StackError as exc:
            error = str(exc)
        result = KillDone(planned, round(at, 1), pid, time.monotonic() - launched, error)
        done.append(result)
        if on_kill is not None:
            on_kill(result)
    return done
