"""Grafana started with deploy/ mounts finds the ClickHouse data source and the dashboards."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from dashboards.clickhouse import DATASOURCE_UID, PLUGIN_TYPE
from dashboards.generate import JSON_DIR

ROOT = Path(__file__).resolve().parents[2]
PROVISIONING = ROOT / "dashboards" / "provisioning"


def grafana_service() -> dict:  # type: ignore[type-arg]
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    return compose["services"]["grafana"]


def mounts() -> dict[str, str]:
    """Container path -> host path (relative to the repository root) of Grafana's volumes."""
    found = {}
    for volume in grafana_service()["volumes"]:
        host, container = volume.split(":")[:2]
        if host.startswith("../"):
            found[container] = host.removeprefix("../")
    return found


def test_the_data_source_is_the_one_every_panel_uses() -> None:
    config = yaml.safe_load((PROVISIONING / "datasources" / "clickhouse.yaml").read_text())
    (source,) = config["datasources"]
    assert (source["uid"], source["type"]) == (DATASOURCE_UID, PLUGIN_TYPE)
    for path in JSON_DIR.glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], path.name


def test_the_data_source_reads_settings_grafana_is_given() -> None:
    text = (PROVISIONING / "datasources" / "clickhouse.yaml").read_text()
    wanted = set(re.findall(r"\$\{(\w+)\}", text))
    service = grafana_service()
    assert wanted <= set(service["environment"]), wanted - set(service["environment"])
    assert PLUGIN_TYPE in service["environment"]["GF_INSTALL_PLUGINS"]


def test_provisioning_and_dashboards_are_mounted_where_grafana_looks() -> None:
    volumes = mounts()
    assert volumes["/etc/grafana/provisioning"] == "dashboards/provisioning"
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "ibe.yaml").read_text())["providers"][0]
    dashboards_path = provider["options"]["path"]
    assert volumes[dashboards_path] == "dashboards/json"
    assert sorted(p.name for p in (ROOT / volumes[dashboards_path]).glob("*.json"))
