"""Catalog job and its trigger: a sensor that starts the weekly full and the daily incremental load as
soon as RateHawk hands out the dump.

RateHawk rebuilds its dumps on its own clock and answers `dump_not_ready` meanwhile. Rather than start
a run at a fixed hour that then waits inside (the asset still retries `dump_not_ready`, for manual
launches and backfills), `catalog_dump_ready` asks the supplier every few minutes once a load is due:
the full dump from Mondays 03:00 UTC, the incremental dump from 04:00 UTC every day. The first answer
with a link starts the run for that due date; the run key (`catalog-<kind>-<date>`) makes it once.
"now" is the `clock` resource's, so tests and replays pick the day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    Definitions,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from assets.catalog import (
    CATALOG_ASSETS,
    CATALOG_CHECKS,
    FULL,
    GROUP,
    INCREMENTAL,
    partition_key,
)
from pipelines.resources import Clock, DumpSource

catalog_job = define_asset_job(
    "catalog_ingest",
    selection=AssetSelection.groups(GROUP),
    description="Fetch, stage, validate and load one RateHawk dump (a date x full|incremental partition).",
)


@dataclass(frozen=True)
class Cadence:
    """When a dump of one kind is due: from `hour` UTC, every day or on one weekday (0 = Monday)."""

    kind: str
    hour: int
    weekday: int | None = None

    def due(self, now: datetime) -> date:
        """The date of the newest dump of this kind due at `now` (the partition it loads into)."""
        day = now.date() if now.hour >= self.hour else now.date() - timedelta(days=1)
        if self.weekday is not None:
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        return day


CADENCES = (Cadence(FULL, hour=3, weekday=0), Cadence(INCREMENTAL, hour=4))


def run_key(kind: str, due: date) -> str:
    return f"catalog-{kind}-{due.isoformat()}"


@sensor(job=catalog_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def catalog_dump_ready(context: SensorEvaluationContext, ratehawk: DumpSource, clock: Clock) -> SensorResult:
    """Starts the due catalog load (weekly full, daily incremental) once RateHawk has its dump ready.

    Asks only for loads not started yet (the cursor keeps the last date started per kind); a
    `dump_not_ready` answer skips this tick and the next tick asks again.
    """
    started: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    now = clock.now()
    requests, waiting = [], []
    for cadence in CADENCES:
        due = cadence.due(now)
        if started.get(cadence.kind, "") >= due.isoformat():
            continue
        if not ratehawk.ready(cadence.kind):
            waiting.append(f"the {cadence.kind} dump of {due} is not ready yet")
            continue
        requests.append(
            RunRequest(run_key=run_key(cadence.kind, due), partition_key=partition_key(due, cadence.kind))
        )
        started[cadence.kind] = due.isoformat()
    skip = None if requests else SkipReason("; ".join(waiting) or "every due dump is loaded or loading")
    return SensorResult(run_requests=requests, skip_reason=skip, cursor=json.dumps(started, sort_keys=True))


def definitions() -> Definitions:
    """The catalog domain: assets, checks, job and sensor (resources come from pipelines.definitions)."""
    return Definitions(
        assets=list(CATALOG_ASSETS),
        asset_checks=list(CATALOG_CHECKS),
        jobs=[catalog_job],
        sensors=[catalog_dump_ready],
    )
