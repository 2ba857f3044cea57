"""The day partitions shared by the revenue marts and their reconciliation (UTC days)."""

from __future__ import annotations

from datetime import date

import dagster as dg

START_DATE = "2026-01-01"

# end_offset=1: today's partition exists too, so the day in progress can be built (and rebuilt) while the
# real-time marts are still filling it; a backfill over any range of days is always safe (see assets).
DAILY_PARTITIONS = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone="UTC", end_offset=1)


def partition_day(partition_key: str) -> date:
    return date.fromisoformat(partition_key)
