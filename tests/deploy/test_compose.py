"""deploy/compose.yaml: valid against the compose-spec schema, consistent with itself, and wired to
real engines only through settings that core/config.py knows."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from core.config import Settings
from tests.deploy.manifests import DEPLOY, REPO, compose_environment, interpolate, settings_env_names

COMPOSE = DEPLOY / "compose.yaml"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
PLATFORM = ("api", "worker", "relay", "sink", "dagster-code", "dagster-webserver", "dagster-daemon")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.Draft201909Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_compose_file_matches_the_compose_spec_schema(compose):
    errors = [f"{e.json_path}: {e.message}" for e in _validator().iter_errors(compose)]
    assert errors == []


def test_schema_check_catches_a_misspelt_key(compose):
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["helthcheck"] = broken["services"]["api"].pop("healthcheck")
    broken["services"]["redis"]["depends_on"] = {"temporal": {"condition": "service_happy"}}
    messages = [e.message for e in _validator().iter_errors(broken)]
    assert any("helthcheck" in m for m in messages)
    assert len(messages) >= 2


def test_every_variable_has_a_default_so_an_empty_environment_works(compose):
    text = COMPOSE.read_text()
    # Raises for ${VAR:?} and leaves no `${` behind when every variable has a default.
    assert "${" not in interpolate(text, {})


def test_every_ibe_variable_is_a_setting(compose):
    known = settings_env_names()
    used = {
        key
        for name, service in compose["services"].items()
        for key in compose_environment(service, {}) | {k: "" for k in (service.get("environment") or {})}
        if key.startswith("IBE_") or key in known
    }
    assert used, "the compose file sets no IBE_* variable at all"
    assert sorted(used - known) == []


def test_platform_processes_select_every_real_engine(compose, monkeypatch):
    """The settings each process gets start no embedded engine, and point at services of this file."""
    services = compose["services"]
    for name in PLATFORM:
        env = compose_environment(services[name], {})
        for key in list(os.environ):
            if key.startswith("IBE_") or key == "FDB_CLUSTER_FILE":
                monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = Settings()
        assert settings.kafka_bootstrap and settings.temporal_address, name
        assert settings.redis_url and settings.clickhouse_url and settings.fdb_cluster_file, name
        assert not settings.warehouse_embedded
        hosts = {
            settings.kafka_bootstrap.split(",")[0].rsplit(":", 1)[0],
            settings.temporal_address.rsplit(":", 1)[0],
            urlsplit(settings.redis_url).hostname,
            urlsplit(settings.clickhouse_url).hostname,
            # With no supplier configured in the shell, the simulators' services (profile `simulators`).
            urlsplit(settings.ratehawk_url).hostname,
            urlsplit(settings.payments_url).hostname,
        }
        assert hosts <= set(services), (
            f"{name} points at hosts that are not services: {hosts - set(services)}"
        )
        mounts = {m.split(":")[1]: m.split(":")[0] for m in services[name].get("volumes", [])}
        cluster_file = mounts.get(str(settings.fdb_cluster_file))
        assert cluster_file, f"{name}: FDB_CLUSTER_FILE is not mounted"
        coordinator = (DEPLOY / cluster_file).read_text().strip().split("@")[1]
        assert coordinator.split(":")[0] in services


def test_fdb_server_and_clients_share_the_cluster_file(compose):
    server = compose["services"]["foundationdb"]["environment"]["FDB_CLUSTER_FILE_CONTENTS"]
    assert (DEPLOY / "fdb" / "fdb.cluster").read_text().strip() == server


def test_start_order_waits_on_health(compose):
    services = compose["services"]
    for name, service in services.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep}, which has no health check"
            # A service that always runs must not wait for one that only runs under a profile.
            if not service.get("profiles"):
                assert not services[dep].get("profiles"), f"{name} depends on profile-only {dep}"
    for name in PLATFORM:
        assert services[name].get("depends_on"), f"{name} starts before the engines"


def test_engines_for_the_design_are_all_there(compose):
    images = {s.get("image", "").split(":")[0] for s in compose["services"].values()}
    for engine in (
        "redpanda",
        "clickhouse-server",
        "foundationdb",
        "auto-setup",
        "postgres",
        "redis",
        "grafana",
    ):
        assert any(i.endswith(engine) for i in images), engine
    brokers = [n for n in compose["services"] if n.startswith("redpanda-")]
    assert len(brokers) == 3
    assert [n for n in brokers if not compose["services"][n].get("profiles")] == ["redpanda-0"]


def test_volumes_and_mounted_files_exist(compose):
    named = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                path = (DEPLOY / source).resolve()
                if path.is_relative_to(DEPLOY):
                    assert path.exists(), f"{name} mounts missing {source}"
                else:
                    # Outside deploy/: only the Grafana dashboards folder, filled by the analytics work.
                    assert path.parent == REPO / "dashboards", f"{name} mounts {source}"
            else:
                assert source in named, f"{name} uses undeclared volume {source}"


def test_grafana_mounts_the_dashboards_provisioning(compose):
    mounts = dict(m.split(":")[:2] for m in compose["services"]["grafana"]["volumes"])
    assert mounts["../dashboards/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["../dashboards/json"] == "/var/lib/grafana/dashboards"


def test_prometheus_scrapes_the_ports_the_processes_serve(compose):
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    for target in targets:
        host, port = target.rsplit(":", 1)
        assert host in compose["services"], target
        env = compose_environment(compose["services"][host], {})
        if "IBE_METRICS_PORT" in env:
            assert env["IBE_METRICS_PORT"] == port, target


def test_grafana_provisioning_finds_its_variables_and_dashboards(compose):
    grafana = compose["services"]["grafana"]
    env = grafana["environment"]
    mounts = dict(m.split(":")[:2] for m in grafana["volumes"])
    provisioning = (DEPLOY / "../dashboards/provisioning").resolve()
    files = sorted(provisioning.rglob("*.yaml"))
    assert files, "dashboards/provisioning holds no provisioning file"
    for path in files:
        for name in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", path.read_text()):
            assert name in env, f"{path.name} reads ${name}, which the grafana service does not set"
        for provider in yaml.safe_load(path.read_text()).get("providers", []):
            assert provider["options"]["path"] == mounts["../dashboards/json"]
    # Grafana logs in as the read-only user that the ClickHouse service defines.
    users = ET.parse(DEPLOY / "clickhouse" / "users.d" / "grafana.xml").getroot().find("users")
    user = users.find(env["CLICKHOUSE_USER"])
    assert user is not None
    assert user.find("profile").text == "analyst"
    password_env = user.find("password").get("from_env")
    clickhouse_env = compose["services"]["clickhouse"]["environment"]
    assert interpolate(clickhouse_env[password_env], {}) == interpolate(env["CLICKHOUSE_PASSWORD"], {})
