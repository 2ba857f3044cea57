"""`ibe chaos` on real processes: a short seeded storm with every target SIGKILLed once, all invariants hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chaos.schedule import kill_schedule

IBE = str(Path(sys.executable).with_name("ibe"))
SEED, MINUTES = 3, 0.75
INVARIANTS = ("every booking ended as its story says", "supplier orders", "payments", "managed inventory",
              "processes", "outbox", "API answers", "real-time revenue mart", "revenue_reconciliation")  # fmt: skip


@pytest.mark.timeout(600)
def test_a_seeded_storm_with_kills_keeps_every_invariant(tmp_path: Path) -> None:
    done = subprocess.run(
        [IBE, "chaos", "--seed", str(SEED), "--minutes", str(MINUTES), "--data-dir", str(tmp_path / "chaos")],
        capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    for kill in kill_schedule(SEED, MINUTES):  # the seed's schedule, printed and carried out
        assert kill.describe() in out
    killed = [line for line in out.splitlines() if "SIGKILL" in line and "(pid " in line]
    assert len(killed) == len(kill_schedule(SEED, MINUTES)), out[-4000:]
    for name in INVARIANTS:
        assert f"PASS  {name}" in out, out[-4000:]
    assert "FAIL" not in out
