"""Hypothesis profiles for the property tests: bounded and reproducible in the suite, longer on demand.

`ci` (the default) runs few examples, derandomized (the same examples on every run, so a red test is
red again on a re-run) and without a deadline (a loaded 2-core machine must not fail a test on
timing). `long` explores: `HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/properties`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.register_profile("long", max_examples=2000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
