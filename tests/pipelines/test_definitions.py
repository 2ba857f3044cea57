"""The one Definitions loads (as `dagster dev -w workspace.yaml` would): the catalog graph, the revenue marts,
their triggers, and the conventions every asset follows (owners, tags, code version, freshness)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from pipelines.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[2]
CATALOG_ASSETS = {
    "ratehawk_dump", "staged_hotels", "validated_hotels", "hotels_serving", "dim_hotels", "dim_regions",
    "hotel_room_groups", "hotel_amenities", "quarantine", "hotel_search_index",
}  # fmt: skip


TABLE_ASSETS = {
    "dim_hotels", "dim_regions", "hotel_room_groups", "hotel_amenities", "quarantine", "stream_events",
    "revenue_bookings_daily", "revenue_daily_by_region", "revenue_daily_by_country", "revenue_daily_by_chain",
    "revenue_reconciliation",
}  # fmt: skip


def test_definitions_load_with_every_catalog_asset_check_and_sensor(settings) -> None:
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
            "warehouse_reconciles", "quarantine_reconciles", "search_index_matches_catalog"} <= checks  # fmt: skip
    assert repo.get_job("catalog_ingest").partitions_def is not None
    sensors = {s.name: s for s in repo.sensor_defs}
    assert set(sensors) == {"catalog_dump_ready", "run_failure_webhook", "automation"}
    assert sensors["catalog_dump_ready"].job_name == "catalog_ingest"
    assert not repo.schedule_defs  # the catalog starts on the supplier's readiness, the marts on conditions


def test_every_asset_has_owners_tags_a_code_version_and_the_tables_a_freshness_policy(settings) -> None:
    graph = build_definitions().get_repository_def().asset_graph
    nodes = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys()}
    assert set(nodes) >= CATALOG_ASSETS | TABLE_ASSETS
    for name, node in nodes.items():
        assert node.code_version, f"{name} has no code version"
        assert node.owners and all(o.startswith("team:") for o in node.owners), name
        assert {"domain", "layer"} <= set(node.tags), name
        if name != "stream_events":  # written by the sink, not by Dagster: observed, not held to a policy
            assert node.freshness_policy is not None, f"{name} has no freshness policy"
    assert {n for n, node in nodes.items() if node.automation_condition is not None} == {
        "stream_events", "revenue_bookings_daily", "revenue_daily_by_region", "revenue_daily_by_country",
        "revenue_daily_by_chain", "revenue_reconciliation",
    }  # fmt: skip
    assert nodes["stream_events"].is_observable and nodes["stream_events"].group_name == "streams"


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
