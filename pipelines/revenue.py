"""Revenue domain: the daily marts by region, country and chain, and their reconciliation with the store.

Declarative automation builds them (conditions in assets/revenue/conventions.py): the stream sink's
table is observed every 15 minutes; after 02:30 UTC, once it has new rows, yesterday's facts are built,
and each mart and the reconciliation follow the day they depend on. The platform's `automation` sensor
(pipelines/definitions.py) evaluates the conditions. The `revenue_daily`
job builds any range of days by hand (a backfill; each asset drops its day before writing it).
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job

from assets.reconciliation.assets import GROUP as RECONCILIATION_GROUP
from assets.reconciliation.assets import RECONCILIATION_ASSETS
from assets.revenue.assets import GROUP as REVENUE_GROUP
from assets.revenue.assets import REVENUE_ASSETS
from assets.revenue.stream_events import stream_events

revenue_daily_job = define_asset_job(
    "revenue_daily",
    selection=AssetSelection.groups(REVENUE_GROUP, RECONCILIATION_GROUP),
    description="Build one UTC day of the revenue marts by region, country and chain, then reconcile it "
    "with the transactional store.",
)


def definitions() -> Definitions:
    """The revenue domain (resources `warehouse` and `store` come from pipelines.definitions)."""
    return Definitions(
        assets=[stream_events, *REVENUE_ASSETS, *RECONCILIATION_ASSETS],
        jobs=[revenue_daily_job],
    )
