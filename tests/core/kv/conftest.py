"""The conformance suite runs on every store backend present on this machine."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.kv import Store, open_store


def _fdb_cluster() -> Path | None:
    value = os.environ.get("FDB_CLUSTER_FILE")
    return Path(value) if value else None


@pytest.fixture(params=["sqlite", "foundationdb"])
def backend_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "foundationdb":
        cluster = _fdb_cluster()
        if cluster is None:
            pytest.skip("FoundationDB backend: no cluster configured (set FDB_CLUSTER_FILE to run it)")
        # A fresh directory per test keeps runs on a shared cluster apart.
        return settings.model_copy(
            update={"fdb_cluster_file": cluster, "deployment": f"test-{uuid.uuid4().hex[:8]}"}
        )
    return settings


@pytest.fixture
def kv(backend_settings: Settings) -> Iterator[Store]:
    handle = open_store(backend_settings)
    try:
        yield handle
    finally:
        handle.close()
