"""The kill schedule: which process dies when and for how long, drawn from the seed alone.

The same seed and duration give the same schedule on any machine, so a failing run is replayed by
its seed. Every target is killed at least once; further kills follow at the chosen rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# What the nemesis kills: each is a process of the embedded stack or of the platform.
TARGETS = ("worker", "relay", "sink", "kafka", "temporal")
KILLS_PER_MINUTE = 6
LEAD_S = 5.0  # the storm runs alone this long before the first kill
TAIL_S = 5.0  # and this long after the last restart was due
MAX_DOWN_S = 3.0


@dataclass(frozen=True)
class Kill:
    at_s: float  # seconds after the storm started
    target: str
    down_s: float  # how long it stays dead before the restart

    def describe(self) -> str:
        return f"{self.at_s:6.1f} s  SIGKILL {self.target:<8} restart after {self.down_s:.1f} s"


def kill_schedule(seed: int, minutes: float, targets: tuple[str, ...] = TARGETS) -> list[Kill]:
    """The kills of a `minutes`-long storm, in time order."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    rng = random.Random(seed)
    window = minutes * 60 - LEAD_S - TAIL_S - MAX_DOWN_S
    if window <= 0:
        raise ValueError(f"a storm of {minutes} min leaves no time for kills; run at least 0.25 min")
    count = max(len(targets), round(minutes * KILLS_PER_MINUTE))
    chosen = list(targets) + [rng.choice(targets) for _ in range(count - len(targets))]
    rng.shuffle(chosen)
    times = sorted(LEAD_S + rng.uniform(0, window) for _ in chosen)
    return [
        Kill(round(at, 1), target, round(rng.uniform(0.5, MAX_DOWN_S), 1))
        for at, target in zip(times, chosen, strict=True)
    ]
