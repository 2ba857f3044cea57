"""Shared fixtures: isolated settings, the store, the warehouse and one embedded stack per session.

Every test gets its own data folder and free ports, so tests (and several developers' test runs on
one machine) never share state. The embedded engines are real (Temporal dev server, Tansu, Valkey)
and started once per session; tests isolate themselves on them with unique topics, task queues and
key prefixes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings, get_settings
from core.stack.ports import DEFAULT_RANGE, RANGE_VARIABLE, service_ports_env

ENGINE_FIELDS = ("kafka_bootstrap", "temporal_address", "redis_url", "clickhouse_url", "search_url")
# Every variable that names the FoundationDB cluster, as the settings read them.
FDB_VARIABLES = tuple(Settings.model_fields["fdb_cluster_file"].validation_alias.choices)  # type: ignore[union-attr]


def pytest_configure(config: pytest.Config) -> None:
    """Each xdist worker picks ports from a slice of its own, so parallel workers never pick alike."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    low, high = DEFAULT_RANGE
    span = (high - low + 1) // workers
    first = low + int(worker.removeprefix("gw")) * span
    os.environ[RANGE_VARIABLE] = f"{first}-{first + span - 1}"


def isolated_env(data_dir: Path) -> dict[str, str]:
    env = {"IBE_DATA_DIR": str(data_dir)}
    env.update(service_ports_env())
    return env


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Temporal, Kafka (Tansu) and Redis (Valkey) for the whole session, on free ports."""
    from core.stack import down, up

    data_dir = tmp_path_factory.mktemp("stack")
    env = isolated_env(data_dir)
    stack_settings = Settings(**{k.removeprefix("IBE_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    try:
        up(stack_settings)
        yield stack_settings
    finally:
        down(stack_settings)


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """Settings with a fresh data folder and free ports, also returned by `get_settings()`.

    A test that also asks for `embedded_stack` gets its engines' addresses configured.
    """
    for name in ENGINE_FIELDS:
        monkeypatch.delenv(f"IBE_{name.upper()}", raising=False)
    for name in FDB_VARIABLES:  # every test runs on SQLite unless it asks for `kv` (each backend)
        monkeypatch.delenv(name, raising=False)
    for key, value in isolated_env(tmp_path / "data").items():
        monkeypatch.setenv(key, value)
    if "embedded_stack" in request.fixturenames:
        stack: Settings = request.getfixturevalue("embedded_stack")
        monkeypatch.setenv("IBE_KAFKA_BOOTSTRAP", stack.kafka_bootstrap_servers)
        monkeypatch.setenv("IBE_TEMPORAL_ADDRESS", stack.temporal_target)
        monkeypatch.setenv("IBE_REDIS_URL", stack.redis_target)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def fdb_cluster_file() -> Path | None:
    """The FoundationDB cluster file configured when the session started, before any test clears it."""
    value = next((os.environ[name] for name in FDB_VARIABLES if os.environ.get(name)), None)
    return Path(value) if value else None


@pytest.fixture(
    params=["sqlite", pytest.param("foundationdb", marks=pytest.mark.fdb)],
)
def backend_settings(
    request: pytest.FixtureRequest, fdb_cluster_file: Path | None, settings: Settings
) -> Settings:
    """Settings for each store backend: the SQLite file, and FoundationDB when a cluster is configured."""
    if request.param == "sqlite":
        return settings
    if fdb_cluster_file is None:
        pytest.skip(
            "FoundationDB: FDB_CLUSTER_FILE is not set (point it at a cluster file to run these cases)"
        )
    # A fresh directory per test keeps runs on a shared cluster apart.
    return settings.model_copy(
        update={"fdb_cluster_file": fdb_cluster_file, "deployment": f"test-{uuid.uuid4().hex[:8]}"}
    )


@pytest.fixture
def kv(backend_settings: Settings) -> Iterator[object]:
    """The store on each backend present (`store` is the SQLite one only)."""
    from core.kv import open_store

    with open_store(backend_settings) as handle:
        yield handle


@pytest.fixture
def store(settings: Settings) -> Iterator[object]:
    """The store on the embedded backend (SQLite) in the test's data folder."""
    from core.kv import open_store

    with open_store(settings) as handle:
        yield handle


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[object]:
    """The embedded warehouse in the test's data folder, migrated."""
    from core.warehouse import Warehouse, migrate

    handle = Warehouse(settings)
    migrate(handle)
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic names, task queues and key prefixes."""
    return uuid.uuid4().hex[:10]
