"""Catalog jobs and schedules: the weekly full refresh and the daily incremental dump."""

from __future__ import annotations

from datetime import datetime

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from assets.catalog import (
    CATALOG_ASSETS,
    CATALOG_CHECKS,
    FULL,
    GROUP,
    INCREMENTAL,
    partition_key,
)

catalog_job = define_asset_job(
    "catalog_ingest",
    selection=AssetSelection.groups(GROUP),
    description="Fetch, stage, validate and load one RateHawk dump (a date x full|incremental partition).",
)


def _run_for(when: datetime, kind: str) -> RunRequest:
    key = partition_key(when.date(), kind)
    return RunRequest(run_key=f"catalog-{kind}-{when.date().isoformat()}", partition_key=key)


@schedule(job=catalog_job, cron_schedule="0 3 * * 1", execution_timezone="UTC",
          default_status=DefaultScheduleStatus.STOPPED)  # fmt: skip
def catalog_weekly_full(context: ScheduleEvaluationContext) -> RunRequest:
    """Mondays 03:00 UTC: the weekly full dump replaces the catalog (unchanged hotels are skipped)."""
    return _run_for(context.scheduled_execution_time, FULL)


@schedule(job=catalog_job, cron_schedule="0 4 * * *", execution_timezone="UTC",
          default_status=DefaultScheduleStatus.STOPPED)  # fmt: skip
def catalog_daily_incremental(context: ScheduleEvaluationContext) -> RunRequest:
    """Every day 04:00 UTC: the incremental dump applies the previous day's changes."""
    return _run_for(context.scheduled_execution_time, INCREMENTAL)


def definitions() -> Definitions:
    """The catalog domain: assets, checks, job and schedules (resources come from pipelines.definitions)."""
    return Definitions(
        assets=list(CATALOG_ASSETS),
        asset_checks=list(CATALOG_CHECKS),
        jobs=[catalog_job],
        schedules=[catalog_weekly_full, catalog_daily_incremental],
    )
