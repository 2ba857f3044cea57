"""What every catalog asset declares alike: owners, tags, code version and freshness policy.

Freshness is Dagster's own (`FreshnessPolicy`, evaluated by the daemon from the last materialization,
shown on every asset): a load is expected every day (the incremental dump), so the catalog warns after
26 hours without one and fails after 8 days, the age past which the weekly full dump is overdue too.
"""

from __future__ import annotations

from datetime import timedelta

from dagster import FreshnessPolicy

OWNERS = ["team:catalog"]
# Bump an asset's code version when what it writes for the same dump changes (Dagster then marks the
# asset and everything downstream as changed since the last materialization).
CODE_VERSION = "1"
WARN_AFTER = timedelta(hours=26)
FAIL_AFTER = timedelta(days=8)
FRESHNESS = FreshnessPolicy.time_window(fail_window=FAIL_AFTER, warn_window=WARN_AFTER)


def tags(layer: str) -> dict[str, str]:
    """The catalog's tags: the domain, the layer (`landing` ... `warehouse`) and the supplier."""
    return {"domain": "catalog", "layer": layer, "source": "ratehawk"}
