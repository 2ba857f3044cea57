"""The freshness check: the newest full dump on sale must be at most 8 days old, by the run's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from dagster import build_asset_check_context

from assets.catalog.serving import catalog_freshness
from core.catalog.serving import ServingLoad, ServingRow
from core.kv import open_store
from pipelines.resources import Clock, TransactionalStore

TODAY = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the test's own "now": the calendar plays no part


def publish_full(settings, load_id: str, days_ago: int) -> None:
    raw = orjson.dumps({"hid": 1, "name": "H"})
    with open_store(settings) as store:
        load = ServingLoad.open(store, load_id, "full", (TODAY.date() - timedelta(days=days_ago)).isoformat())
        load.write([ServingRow(1, b"h" * 16, raw, None, None, None)])
        load.publish()


def check(now: datetime) -> tuple[bool, dict]:
    resources = {"store": TransactionalStore(), "clock": Clock.at(now)}
    result = catalog_freshness(build_asset_check_context(resources=resources))
    return result.passed, {k: v.value for k, v in result.metadata.items()}


def test_freshness_fails_without_a_full_load_and_when_it_grows_old(settings) -> None:
    assert check(TODAY)[0] is False
    publish_full(settings, "old", days_ago=9)
    passed, meta = check(TODAY)
    assert passed is False and meta["age_days"] == 9
    publish_full(settings, "fresh", days_ago=1)
    passed, meta = check(TODAY)
    assert passed is True and meta["last_full_load"] == "fresh" and meta["checked_on"] == "2026-11-26"
    assert check(TODAY + timedelta(days=7))[0] is True  # 8 days old: still within the limit
    assert check(TODAY + timedelta(days=8))[0] is False


def test_the_wall_clock_is_the_default_and_timezone_aware() -> None:
    before = datetime.now(UTC)
    now = Clock().now()
    assert now.tzinfo is not None and before <= now <= datetime.now(UTC)
    assert Clock(frozen_at="2030-01-02T03:04:05").now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert Clock(frozen_at="2030-01-02T05:04:05+02:00").today().isoformat() == "2030-01-02"
