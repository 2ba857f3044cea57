"""Catalog input that real feeds carry, through the whole graph: a byte-order mark, a dump cut short,
and a refresh killed (SIGKILL) half way. Whatever goes wrong, the previous load stays served, intact.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import orjson
import zstandard

from core.catalog.dumpfile import BOM
from core.catalog.serving import TX_MAX_ROWS, current_load, get_raw_hotels
from core.kv import open_store
from core.ratehawk.synthetic import FULL_DUMP, hotel_record
from core.warehouse import Warehouse
from tests.assets.catalog.conftest import DUMP_DATE, Dumps, checks_of, materialize_catalog
from tests.crash import run_killed_at

HOTELS = TX_MAX_ROWS + 300  # two store transactions: a kill can fall between them


def write_dump(folder: Path, dumps: Dumps, lines: list[bytes], prefix: bytes = b"", cut: int = 0) -> Path:
    """A dump folder (the session's regions) whose full dump holds `lines`, cut short by `cut` bytes."""
    folder.mkdir()
    shutil.copy(dumps.folder / "regions.jsonl.zst", folder / "regions.jsonl.zst")
    data = zstandard.ZstdCompressor().compress(prefix + b"\n".join(lines) + b"\n")
    (folder / FULL_DUMP).write_bytes(data[: len(data) - cut] if cut else data)
    return folder


def hotels(revision: int = 0) -> dict[int, bytes]:
    return {hid: orjson.dumps(hotel_record(7, hid, revision)) for hid in range(1, HOTELS + 1)}


def served(settings, hids) -> dict[int, bytes]:
    with open_store(settings) as store:
        return get_raw_hotels(store, list(hids))


def load_first_day(settings, dumps: Dumps, tmp_path: Path) -> dict[int, bytes]:
    """Day one's full dump, written with a UTF-8 byte-order mark (as some exporters do): all served."""
    first = hotels()
    result = materialize_catalog(
        write_dump(tmp_path / "day1", dumps, list(first.values()), prefix=BOM), "full"
    )
    assert result["success"], result["failure"]
    assert result["metadata"]["validated_hotels"]["quarantined"] == 0  # the marked first line too
    assert served(settings, first) == first
    return first


def test_truncated_dump_is_a_clear_error_and_the_previous_load_stays(
    catalog_env, dumps: Dumps, tmp_path: Path
) -> None:
    first = load_first_day(catalog_env, dumps, tmp_path)
    with open_store(catalog_env) as store:
        before = current_load(store)
    _, loads_before = Warehouse(catalog_env).query("SELECT count() FROM ibe.catalog_loads FINAL")

    cut = write_dump(tmp_path / "day2", dumps, list(hotels(revision=1).values()), cut=100)
    failed = materialize_catalog(cut, "full", DUMP_DATE + timedelta(days=1))
    assert not failed["success"]
    assert "TruncatedDump" in failed["failure"] or "cut short" in failed["failure"], failed["failure"]
    assert "ends inside a frame" in failed["failure"]
    with open_store(catalog_env) as store:
        assert current_load(store) == before  # nothing published
    assert served(catalog_env, first) == first  # the previous load, still served and intact
    _, loads_after = Warehouse(catalog_env).query("SELECT count() FROM ibe.catalog_loads FINAL")
    assert loads_after == loads_before  # and nothing recorded as loaded in the warehouse


def test_refresh_killed_half_way_leaves_the_previous_load_served(
    catalog_env, dumps: Dumps, tmp_path: Path
) -> None:
    first, second = load_first_day(catalog_env, dumps, tmp_path), hotels(revision=1)
    assert all(first[hid] != second[hid] for hid in first)  # every hotel changes in the refresh
    with open_store(catalog_env) as store:
        before = current_load(store)

    refresh = write_dump(tmp_path / "day2", dumps, list(second.values()))
    when = DUMP_DATE + timedelta(days=1)
    args = ("catalog", "ingest", str(refresh), "--dump", "full", "--date", when.isoformat())
    run_killed_at("serving.chunk_committed:1", *args)  # SIGKILL with TX_MAX_ROWS hotels written
    with open_store(catalog_env) as store:
        assert current_load(store) == before
    assert served(catalog_env, first) == first  # not one hotel of the half-written refresh shows

    resumed = materialize_catalog(refresh, "full", when)
    assert resumed["success"], resumed["failure"]
    assert checks_of(resumed)["store_reconciles"]
    serving = resumed["metadata"]["hotels_serving"]
    assert serving["written"] == HOTELS  # each hotel written once overall: the resume skipped none
    assert served(catalog_env, second) == second
