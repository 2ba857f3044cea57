"""The platform's one Dagster `Definitions`: every domain's definitions plus the shared resources.

A domain is a module of this package with a `definitions()` function returning its assets,
checks, jobs, schedules and sensors; adding one is one line in `DOMAINS`. Loaded lazily by
`dagster dev -w workspace.yaml` (nothing is built at import).

Triggers are off until started in the UI (Automation), like a fresh deployment expects: the catalog's
`catalog_dump_ready`, `run_failure_webhook`, and `automation`, the one sensor that evaluates every
asset's `AutomationCondition` (the revenue marts and the sink's table, assets/revenue/conventions.py).
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from pipelines import alerts, catalog, revenue
from pipelines.resources import default_resources

DOMAINS: tuple[Callable[[], dg.Definitions], ...] = (
    catalog.definitions,
    revenue.definitions,
    alerts.definitions,
)  # fmt: skip


def automation_sensor() -> dg.AutomationConditionSensorDefinition:
    """Evaluates the automation conditions of every asset (in place of Dagster's default sensor)."""
    return dg.AutomationConditionSensorDefinition(
        "automation",
        target=dg.AssetSelection.all(include_sources=True),
        default_status=dg.DefaultSensorStatus.STOPPED,
        minimum_interval_seconds=60,
        description="Evaluates every asset's AutomationCondition: the sink's table is observed every 15 "
        "minutes, yesterday's revenue facts settle after 02:30 UTC, the marts and reconciliation follow.",
    )


def build_definitions(resources: dict | None = None) -> dg.Definitions:
    """Every domain, with `resources` (default: the deployment's engines from the settings)."""
    return dg.Definitions.merge(
        *(domain() for domain in DOMAINS),
        dg.Definitions(
            sensors=[automation_sensor()],
            resources=resources if resources is not None else default_resources(),
        ),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
