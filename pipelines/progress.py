"""A progress bar with a total and an ETA for long catalog work (the dump download, each ingest step).

On a terminal (`ibe catalog ingest` in a shell) it is a rich bar; when stdout is not a TTY (a log
file, CI, a container) it prints a plain line at each tenth of the way with the share done and the
ETA; inside Dagster (no echo) the same lines go to the run's log.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TextIO

STEPS = 10  # a plain line each time the work passes one more tenth (at most 10 lines)


def eta_text(elapsed_s: float, done: float, total: float) -> str:
    """Time left at the pace so far, as H:MM:SS ("?" before anything is done)."""
    if done <= 0 or total <= 0:
        return "?"
    left = max(elapsed_s * (total - done) / done, 0.0)
    return str(timedelta(seconds=round(left)))


def amount(value: float, unit: str) -> str:
    return f"{value / 1e6:,.1f} MB" if unit == "bytes" else f"{value:,.0f} {unit}"


class ProgressBar:
    """`update(done)` as work advances (absolute, not increments), `close()` at the end.

    `tty`: whether to draw a rich bar (default: when stdout is a terminal); `say` receives the plain
    lines otherwise.
    """

    def __init__(
        self,
        phase: str,
        total: float | None,
        unit: str = "bytes",
        say: Callable[[str], None] | None = None,
        tty: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.phase, self.total, self.unit = phase, total, unit
        self.say = say or (lambda line: print(line, flush=True))
        self.started = time.monotonic()
        self.done = 0.0
        self._next_step = 1
        self._rich: Any = None
        out = stream or sys.stdout
        if tty if tty is not None else out.isatty():
            self._rich = self._start_rich(out)

    def _start_rich(self, out: TextIO) -> Any:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        count = DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn()
        bar = Progress(
            TextColumn(f"{self.phase:<10}"), BarColumn(), TaskProgressColumn(), count,
            TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(file=out, force_terminal=True),
        )  # fmt: skip
        bar.start()
        self._task = bar.add_task(self.phase, total=self.total)
        return bar

    def update(self, done: float, total: float | None = None) -> None:
        if total is not None:
            self.total = total
        self.done = done
        if self._rich is not None:
            self._rich.update(self._task, completed=done, total=self.total)
            return
        if not self.total:
            return
        if self._next_step <= STEPS and done >= self.total * self._next_step / STEPS:
            self._next_step = int(min(done / self.total, 1.0) * STEPS) + 1  # one line, however far it moved
            self._line()

    def _line(self) -> None:
        assert self.total
        share = min(self.done / self.total, 1.0)
        eta = eta_text(time.monotonic() - self.started, self.done, self.total)
        self.say(
            f"{self.phase}: {share:4.0%} {amount(self.done, self.unit)} of {amount(self.total, self.unit)}, "
            f"ETA {eta}"
        )

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
        elif self.total and self._next_step <= STEPS:  # ended short of the total (an estimate): say so
            self.done = self.total
            self._next_step = STEPS + 1
            self._line()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
