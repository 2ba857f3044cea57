"""Crash tests kill a real process: run an `ibe` command that SIGKILLs itself at a named failpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from core.failpoints import ENV

IBE = str(Path(sys.executable).with_name("ibe"))


def run_killed_at(failpoint: str, *args: str, timeout_s: float = 240) -> subprocess.CompletedProcess[str]:
    """`ibe ARGS` with `IBE_FAILPOINT=failpoint` (the test's own settings come through the environment).

    Asserts the process died by SIGKILL: an exit of its own means the failpoint was never reached.
    """
    env = {**os.environ, ENV: failpoint}
    done = subprocess.run([IBE, *args], env=env, capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == -signal.SIGKILL, (
        f"ibe {' '.join(args)} exited {done.returncode}, not killed at {failpoint}:\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    return done
