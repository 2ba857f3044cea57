"""Revenue domain: the daily marts by region, country and chain, and their reconciliation with the store.

One job builds a day (marts, then the reconciliation and its check). The schedule builds yesterday at
02:30 UTC, once the day's late events have landed; any range of days is a backfill of the same job
(each asset drops its day before writing it).
"""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from assets.reconciliation.assets import GROUP as RECONCILIATION_GROUP
from assets.reconciliation.assets import RECONCILIATION_ASSETS
from assets.revenue.assets import GROUP as REVENUE_GROUP
from assets.revenue.assets import REVENUE_ASSETS

revenue_daily_job = define_asset_job(
    "revenue_daily",
    selection=AssetSelection.groups(REVENUE_GROUP, RECONCILIATION_GROUP),
    description="Build one UTC day of the revenue marts by region, country and chain, then reconcile it "
    "with the transactional store.",
)


@schedule(job=revenue_daily_job, cron_schedule="30 2 * * *", execution_timezone="UTC",
          default_status=DefaultScheduleStatus.STOPPED)  # fmt: skip
def revenue_daily_yesterday(context: ScheduleEvaluationContext) -> RunRequest:
    """Every day 02:30 UTC: build and reconcile the previous day."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=f"revenue-{day}", partition_key=day)


def definitions() -> Definitions:
    """The revenue domain (resources `warehouse` and `store` come from pipelines.definitions)."""
    return Definitions(
        assets=[*REVENUE_ASSETS, *RECONCILIATION_ASSETS],
        jobs=[revenue_daily_job],
        schedules=[revenue_daily_yesterday],
    )
