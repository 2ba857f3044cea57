"""The catalog's search index: built from each load, deleted hotels removed, checked against the store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
from dagster import AssetSelection, DagsterInstance, materialize

from assets.catalog.search import hotel_search_index, search_index_matches_catalog
from core.config import Settings
from core.search import open_search_index
from pipelines.resources import folder_resources
from tests.assets.catalog.conftest import DUMP_DATE, TODAY, Dumps, checks_of, materialize_catalog
from tests.assets.catalog.test_catalog_graph import expected

CHECK = "search_index_matches_catalog"


def _misspelt(name: str) -> str:
    """The name's first word (at least 6 letters) with one letter changed: a guest's typo."""
    word = next(w for w in name.split() if len(w) >= 6 and w.isalpha())
    typo = word[:3] + ("x" if word[3] != "x" else "y") + word[4:]
    return typo


def test_the_index_holds_the_hotels_on_sale_after_full_and_incremental_loads(
    catalog_env: Settings, dumps: Dumps
) -> None:
    _, deleted, on_sale = expected(dumps.full_lines, dumps.full_bad)
    full = materialize_catalog(dumps.folder, "full")
    assert full["success"], full["failure"]
    assert checks_of(full)[CHECK] is True
    built = full["metadata"]["hotel_search_index"]
    assert built["hotels_in_index"] == len(on_sale)
    assert built["regions_indexed"] > 0 and built["index_mb"] > 0

    with open_search_index(catalog_env) as index:
        assert index.hotel_ids() == set(on_sale)
        assert deleted and not index.hotel_ids() & deleted
        hid, raw = next(
            (h, r) for h, r in on_sale.items() if any(len(w) >= 6 for w in orjson.loads(r)["name"].split())
        )
        record = orjson.loads(raw)
        found = index.suggest(_misspelt(record["name"]), limit=50).hotels
        assert hid in [h.hid for h in found], (record["name"], found)
        city = index.suggest(record["region"]["name"][:5]).regions
        assert record["region"]["id"] in [r.region_id for r in city]

    _, inc_deleted, after = expected(dumps.incremental_lines, dumps.incremental_bad, on_sale)
    inc = materialize_catalog(dumps.folder, "incremental", DUMP_DATE + timedelta(days=1))
    assert inc["success"], inc["failure"]
    assert checks_of(inc)[CHECK] is True
    with open_search_index(catalog_env) as index:
        ids = index.hotel_ids()
    assert ids == set(after)
    assert inc_deleted and not ids & inc_deleted


def _run_check(dump_dir: Path) -> tuple[bool, dict]:
    """Only the index check, as the Dagster UI runs it on its own."""
    result = materialize(
        [hotel_search_index, search_index_matches_catalog],
        selection=AssetSelection.checks(search_index_matches_catalog),
        resources=folder_resources(dump_dir, now=TODAY),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == CHECK]
    return evaluation.passed, {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}


def test_the_check_fails_when_a_hotel_on_sale_is_missing_from_the_index(
    catalog_env: Settings, dumps: Dumps
) -> None:
    assert materialize_catalog(dumps.folder, "full")["success"]
    assert _run_check(dumps.folder)[0] is True
    with open_search_index(catalog_env) as index:
        gone = min(index.hotel_ids())
        index.delete_hotels([gone])
        index.commit()
    passed, metadata = _run_check(dumps.folder)
    assert passed is False
    assert metadata["missing_from_index"] == 1
    assert metadata["sample_missing"] == str(gone)
