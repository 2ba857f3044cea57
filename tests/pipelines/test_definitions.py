"""The one Definitions loads (as `dagster dev -w workspace.yaml` would), with the catalog graph and schedules."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetKey, build_schedule_context

from pipelines.catalog import catalog_daily_incremental, catalog_weekly_full
from pipelines.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[2]
CATALOG_ASSETS = {
    "ratehawk_dump", "staged_hotels", "validated_hotels", "hotels_serving", "dim_hotels", "dim_regions",
    "hotel_room_groups", "hotel_amenities", "quarantine", "hotel_search_index",
}  # fmt: skip


def test_definitions_load_with_every_catalog_asset_check_and_schedule(settings) -> None:
    defs = build_definitions()
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys >= CATALOG_ASSETS
    for name in CATALOG_ASSETS:
        node = graph.get(AssetKey(name))
        assert node.group_name == "catalog"
        assert node.partitions_def is not None
        assert (node.description or "").strip(), f"{name} has no description for the UI"
    checks = {k.name for k in graph.asset_check_keys}
    assert {"lines_reconcile", "quarantine_share_warn", "quarantine_share_ceiling", "store_reconciles",
            "warehouse_reconciles", "quarantine_reconciles", "catalog_freshness",
            "search_index_matches_catalog"} <= checks  # fmt: skip
    assert repo.get_job("catalog_ingest").partitions_def is not None
    assert {s.name for s in repo.schedule_defs} >= {"catalog_weekly_full", "catalog_daily_incremental"}


def test_schedules_ask_for_the_right_partition() -> None:
    monday = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    full = catalog_weekly_full(build_schedule_context(scheduled_execution_time=monday))
    assert full.partition_key.keys_by_dimension == {"date": "2026-11-23", "dump": "full"}
    daily = catalog_daily_incremental(build_schedule_context(scheduled_execution_time=monday))
    assert daily.partition_key.keys_by_dimension == {"date": "2026-11-23", "dump": "incremental"}
    assert full.run_key != daily.run_key


def test_dagster_validates_the_workspace(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "IBE_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
    assert not (tmp_path / "data").exists()  # loading the definitions does no work
