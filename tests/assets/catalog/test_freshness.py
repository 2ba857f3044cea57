"""The freshness check: the newest full dump on sale must be at most 8 days old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from dagster import build_asset_check_context

from assets.catalog.serving import catalog_freshness
from core.catalog.serving import ServingLoad, ServingRow
from core.kv import open_store
from pipelines.resources import TransactionalStore


def publish_full(settings, load_id: str, days_ago: int) -> None:
    raw = orjson.dumps({"hid": 1, "name": "H"})
    with open_store(settings) as store:
        load = ServingLoad.open(
            store, load_id, "full", (datetime.now(UTC).date() - timedelta(days=days_ago)).isoformat()
        )
        load.write([ServingRow(1, b"h" * 16, raw, None, None, None)])
        load.publish()


def check(settings) -> tuple[bool, dict]:
    result = catalog_freshness(build_asset_check_context(resources={"store": TransactionalStore()}))
    return result.passed, {k: v.value for k, v in result.metadata.items()}


def test_freshness_fails_without_a_full_load_and_when_it_grows_old(settings) -> None:
    assert check(settings)[0] is False
    publish_full(settings, "old", days_ago=9)
    passed, meta = check(settings)
    assert passed is False and meta["age_days"] == 9
    publish_full(settings, "fresh", days_ago=1)
    passed, meta = check(settings)
    assert passed is True and meta["last_full_load"] == "fresh"
