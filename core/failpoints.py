"""Failpoints: named places where a test (or `ibe chaos`) makes this process die on the spot.

A crash test must kill a real process: an exception raised in-process runs every `finally` and
context manager on the way out, which a power cut or the OOM killer never does. So the code marks
the points where dying is the interesting case (after the broker acknowledged but before the
outbox mark, after the warehouse insert but before the offset commit, between two chunks of a
catalog load), and a process started with

    IBE_FAILPOINT=relay.published:2        (die on the 2nd time the point is passed)
    IBE_FAILPOINT=serving.chunk_committed  (die on the 1st, the same as ":1")

sends itself SIGKILL there. Several points can be named, separated by commas. With the variable
unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "IBE_FAILPOINT"

# Every failpoint in the code, with what dying there tests.
POINTS = {
    "relay.published": "the relay dies after the broker acknowledged a batch, before the outbox mark",
    "sink.inserted": "the sink dies after the warehouse insert, before the offset commit",
    "serving.chunk_committed": "a catalog load dies between two committed chunks, before the publish",
}

_passes: dict[str, int] = {}
_lock = threading.Lock()


def parse(spec: str) -> dict[str, int]:
    """`name[:n],...` as {name: n}; unknown names are an error (a typo must not silently test nothing)."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, nth = part.partition(":")
        if name not in POINTS:
            raise ValueError(f"{ENV}: unknown failpoint {name!r} (known: {', '.join(sorted(POINTS))})")
        out[name] = int(nth) if nth else 1
        if out[name] < 1:
            raise ValueError(f"{ENV}: {part!r}: the pass number starts at 1")
    return out


def failpoint(name: str) -> None:
    """Pass the failpoint `name`: SIGKILL this process if `IBE_FAILPOINT` says this pass dies."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    nth = parse(spec).get(name)
    if nth is None:
        return
    with _lock:
        _passes[name] = count = _passes.get(name, 0) + 1
    if count == nth:
        os.kill(os.getpid(), signal.SIGKILL)
