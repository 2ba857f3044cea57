"""Failpoints kill the process for real, at the pass named, and a typo in their name is an error."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.failpoints import ENV, POINTS, parse

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from core.failpoints import failpoint
for i in range(1, 6):
    print(i, flush=True)
    failpoint("relay.published")
"""


def test_spec_parsing() -> None:
    assert parse("relay.published:3, sink.inserted") == {"relay.published": 3, "sink.inserted": 1}
    assert set(parse(",".join(POINTS))) == set(POINTS)
    with pytest.raises(ValueError, match=r"unknown failpoint 'relay\.publish'"):
        parse("relay.publish")
    with pytest.raises(ValueError, match="starts at 1"):
        parse("sink.inserted:0")


@pytest.mark.parametrize(("spec", "printed", "code"), [
    ("relay.published:3", "1\n2\n3\n", -signal.SIGKILL),
    ("sink.inserted", "1\n2\n3\n4\n5\n", 0),  # another point named: this one never fires
    ("", "1\n2\n3\n4\n5\n", 0),
])  # fmt: skip
def test_the_named_pass_dies_by_sigkill(spec: str, printed: str, code: int) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env={ENV: spec}, capture_output=True, text=True,
                          timeout=30, cwd=ROOT)  # fmt: skip
    assert (done.stdout, done.returncode) == (printed, code)
