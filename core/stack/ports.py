"""Free loopback ports for a run of its own: the tests, `ibe chaos` and the benchmarks.

Port 0 would hand out an ephemeral port, which any outgoing connection on the machine may take before
the service binds it (a restarted server then finds its port gone), so ports come from below the
kernel's ephemeral range instead. A process walks its range from a random start, so it never hands
out the same port twice until the range wraps, and two processes given different ranges (parallel
test workers, through `IBE_PORT_RANGE`) never pick the same one.
"""

from __future__ import annotations

import os
import random
import socket
from itertools import count

from core.config import LOOPBACK, Settings

DEFAULT_RANGE = (20_000, 32_000)
RANGE_VARIABLE = "IBE_PORT_RANGE"  # "low-high", inclusive
SERVICE_PORTS = tuple(
    name for name in Settings.model_fields if name.endswith("_port") and name != "metrics_port"
)

_walk = count(
    random.SystemRandom().randrange(1 << 30)
)  # never reseeded: tests seed `random` alike per worker


def port_range() -> tuple[int, int]:
    """The range this process picks from: `IBE_PORT_RANGE` ("low-high") or 20000-32000."""
    spec = os.environ.get(RANGE_VARIABLE)
    if not spec:
        return DEFAULT_RANGE
    low, _, high = spec.partition("-")
    return int(low), int(high)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """The next free port of this process's range."""
    low, high = port_range()
    size = high - low + 1
    for _ in range(size):
        port = low + next(_walk) % size
        if _bindable(port):
            return port
    raise OSError(f"no free port in {low}-{high} (set {RANGE_VARIABLE} to a wider range)")


def service_ports_env() -> dict[str, str]:
    """Every service port setting (`IBE_API_PORT`, `IBE_TEMPORAL_PORT`, ...) set to a free port."""
    return {f"IBE_{name.upper()}": str(free_port()) for name in SERVICE_PORTS}
