"""What the revenue marts and their reconciliation declare alike: owners, tags, code version, freshness
and their declarative automation (Dagster `AutomationCondition`s, evaluated by the `revenue_automation`
sensor in pipelines/revenue.py).

- `revenue_bookings_daily` settles yesterday: after the 02:30 UTC tick, once the stream sink's table
  (`stream_events`, observed every 15 minutes) has new rows since that tick, it builds the previous UTC
  day, once per tick.
- Everything downstream of it (the three marts, the reconciliation) is eager: a day is rebuilt as soon
  as its `revenue_bookings_daily` day is, whichever day that is (a backfill of the bookings flows on).

Freshness (Dagster's `FreshnessPolicy`): each day's build is expected between 02:00 and 06:00 UTC.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

OWNERS = ["team:revenue"]
CODE_VERSION = "1"
SETTLE_CRON = "30 2 * * *"
OBSERVE_SINK_CRON = "*/15 * * * *"
FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=4))

_YESTERDAY = (
    dg.AutomationCondition.in_latest_time_window(timedelta(days=2))
    & ~dg.AutomationCondition.in_latest_time_window()
).with_label("yesterday (UTC)")

SETTLE_YESTERDAY = (
    _YESTERDAY
    # Dagster types cron_tick_passed() for assets only and since_last_handled() for assets and checks
    & dg.AutomationCondition.cron_tick_passed(SETTLE_CRON).since_last_handled()  # type: ignore[misc, operator]
    & dg.AutomationCondition.all_deps_updated_since_cron(SETTLE_CRON)
    & ~dg.AutomationCondition.in_progress()
).with_label(f"settle yesterday after {SETTLE_CRON} UTC, once the sink has landed new rows")

FOLLOW_BOOKINGS = (
    dg.AutomationCondition.eager()
    .without(dg.AutomationCondition.in_latest_time_window())
    .with_label("eager, any day: rebuilt when its revenue_bookings_daily day is")
)

OBSERVE_SINK = dg.AutomationCondition.cron_tick_passed(OBSERVE_SINK_CRON).with_label(
    f"observe on {OBSERVE_SINK_CRON}"
)


def tags(layer: str) -> dict[str, str]:
    return {"domain": "revenue", "layer": layer}
