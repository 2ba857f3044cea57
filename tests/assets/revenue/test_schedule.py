"""The revenue domain is in the one Definitions: its daily job, and a schedule that builds yesterday."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import AssetKey, build_schedule_context

from pipelines.definitions import build_definitions
from pipelines.revenue import revenue_daily_yesterday

DOMAIN = {"revenue_bookings_daily", "revenue_daily_by_region", "revenue_daily_by_country", "revenue_daily_by_chain",
          "revenue_reconciliation"}  # fmt: skip


def test_the_job_covers_marts_and_reconciliation_with_day_partitions(settings) -> None:  # type: ignore[no-untyped-def]
    repo = build_definitions().get_repository_def()
    graph = repo.asset_graph
    for name in DOMAIN:
        node = graph.get(AssetKey(name))
        assert node.partitions_def is not None and node.partitions_def.get_partition_keys()[0] == "2026-01-01"
        assert (node.description or "").strip(), f"{name} has no description for the UI"
    job = repo.get_job("revenue_daily")
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == DOMAIN
    assert "store_matches_marts" in {k.name for k in graph.asset_check_keys}


def test_the_schedule_builds_the_previous_day() -> None:
    at = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    request = revenue_daily_yesterday(build_schedule_context(scheduled_execution_time=at))
    assert request.partition_key == "2026-11-24"
    assert request.run_key == "revenue-2026-11-24"
