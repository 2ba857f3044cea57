"""The platform's one Dagster `Definitions`: every domain's definitions plus the shared resources.

A domain is a module of this package with a `definitions()` function returning its assets,
checks, jobs, schedules and sensors; adding one is one line in `DOMAINS`. Loaded lazily by
`dagster dev -w workspace.yaml` (nothing is built at import).
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from pipelines import catalog, revenue
from pipelines.resources import default_resources

DOMAINS: tuple[Callable[[], dg.Definitions], ...] = (
    catalog.definitions,
    revenue.definitions,
)  # fmt: skip


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """Every domain, with `resources` (default: the deployment's engines from the settings)."""
    return dg.Definitions.merge(
        *(domain() for domain in DOMAINS),
        dg.Definitions(resources=resources if resources is not None else default_resources()),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
