"""The whole catalog graph on a generated dump with bad lines: quarantine, store, warehouse, re-runs."""

from __future__ import annotations

import shutil
from datetime import timedelta

import orjson
import pytest
import xxhash
import zstandard

from core.catalog import warehouse_load
from core.catalog.serving import current_load, get_raw_hotels, hotels_in_region
from core.config import Settings
from core.kv import open_store
from core.ratehawk.synthetic import DEFECT_KINDS, FULL_DUMP, hotel_record
from core.warehouse import Warehouse
from tests.assets.catalog.conftest import DUMP_DATE, TODAY, Dumps, checks_of, materialize_catalog

REASON_OF_KIND = {
    "truncated_json": "invalid_json",
    "missing_hid": "hid_missing",
    "non_integer_hid": "hid_not_integer",
    "latitude_out_of_range": "latitude_out_of_range",
    "empty_name": "name_empty",
    "unknown_kind": "kind_unknown",
    "duplicate_hid": "duplicate_hid",  # the generator lists the older copy, the one quarantined
}


def expected(lines: list[bytes], bad: list[dict], on_sale: dict[int, bytes] | None = None):
    """What a dump must do: the reason each rejected line is quarantined for, and the hotels on sale after.

    A duplicated hid keeps its newest (last) line; the sidecar lists the older line, quarantined as
    duplicate_hid.
    """
    by_line = {b["line"]: b for b in bad}
    reasons: dict[int, str] = {}
    deleted: set[int] = set()
    for b in bad:
        if b["kind"] == "deleted":
            deleted.add(b["hid"])
        elif b["kind"] == "wrong_types":
            reasons[b["line"]] = f"wrong_type:{b['field']}"
        else:
            reasons[b["line"]] = REASON_OF_KIND[b["kind"]]
    after = dict(on_sale or {})
    for number, raw in enumerate(lines, start=1):
        if number in reasons:
            continue
        hid = orjson.loads(raw)["hid"]
        if by_line.get(number, {}).get("kind") == "deleted":
            after.pop(hid, None)
        else:
            after[hid] = raw
    return reasons, deleted, after


def quarantined(warehouse: Warehouse, load_kind: str) -> dict[int, tuple[list[str], str]]:
    _, rows = warehouse.query(
        "SELECT line_no, reasons, raw FROM ibe.catalog_quarantine WHERE dump_kind = {k:String}",
        {"k": load_kind},
    )
    return {int(n): (list(r), raw) for n, r, raw in rows}


def assert_serving_matches(settings: Settings, on_sale: dict[int, bytes], gone: set[int]) -> None:
    with open_store(settings) as store:
        stored = get_raw_hotels(store, [*on_sale, *gone])
    assert set(stored) == set(on_sale), "store: hotels on sale differ"
    assert all(stored[hid] == raw for hid, raw in on_sale.items()), "store: content differs from the dump"
    _, rows = Warehouse(settings).query(
        "SELECT hid, name, star_rating, latitude, content_hash FROM ibe.hotels_current"
    )
    assert {r[0] for r in rows} == set(on_sale), "warehouse: hotels on sale differ"
    for hid, name, stars, lat, digest in rows:
        rec = orjson.loads(on_sale[hid])
        assert (name, stars, lat) == (rec["name"], rec["star_rating"], rec["latitude"])
        assert digest == xxhash.xxh3_128_digest(on_sale[hid]).hex().upper()


def write_changed_dump(dumps: Dumps, folder, changed: int) -> list[bytes]:
    """The full dump again, with `changed` good lines carrying new content (same hids, same bad lines)."""
    folder.mkdir()
    shutil.copy(dumps.folder / "regions.jsonl.zst", folder / "regions.jsonl.zst")
    bad = {b["line"] for b in dumps.full_bad} | {b.get("superseded_by_line") for b in dumps.full_bad}
    lines = list(dumps.full_lines)
    picked = [n for n in range(1, len(lines) + 1) if n not in bad][:: len(lines) // changed][:changed]
    for n in picked:
        lines[n - 1] = orjson.dumps(hotel_record(7, orjson.loads(lines[n - 1])["hid"], revision=5))
    (folder / FULL_DUMP).write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(lines) + b"\n"))
    return lines


@pytest.mark.parametrize("slice_lines", [warehouse_load.SLICE_LINES, 700], ids=["one-slice", "slices-of-700"])
def test_full_dump_quarantines_every_bad_line_and_serves_every_good_hotel(
    catalog_env, dumps: Dumps, tmp_path, monkeypatch: pytest.MonkeyPatch, slice_lines: int
) -> None:
    monkeypatch.setattr(warehouse_load, "SLICE_LINES", slice_lines)  # the warehouse loads slice by slice
    assert {b["kind"] for b in dumps.full_bad} == set(DEFECT_KINDS)  # the dump exercises every defect
    reasons, deleted, on_sale = expected(dumps.full_lines, dumps.full_bad)

    result = materialize_catalog(dumps.folder, "full")
    assert result["success"], result["failure"]
    checks = checks_of(result)
    failing = {name for name, passed in checks.items() if not passed}
    # 3% of bad lines passes the 2% warning threshold, not the 10% ceiling
    assert failing == {"quarantine_share_warn"}, checks
    assert set(checks) == {
        "lines_reconcile", "quarantine_share_warn", "quarantine_share_ceiling", "store_reconciles",
        "warehouse_reconciles", "quarantine_reconciles", "search_index_matches_catalog",
    }  # fmt: skip

    warehouse = Warehouse(catalog_env)
    found = quarantined(warehouse, "full")
    assert set(found) == set(reasons)
    for line, reason in reasons.items():
        got_reasons, raw = found[line]
        assert reason in got_reasons, (line, reason, got_reasons)
        assert raw == dumps.full_lines[line - 1].decode()
    assert_serving_matches(catalog_env, on_sale, deleted)
    _, ((loaded, quarantine_n),) = warehouse.query(
        "SELECT accepted, quarantined FROM ibe.catalog_loads FINAL WHERE dump_kind = 'full'"
    )
    assert loaded + quarantine_n == len(dumps.full_lines)
    with open_store(catalog_env) as store:
        some = orjson.loads(next(iter(on_sale.values())))
        assert some["hid"] in hotels_in_region(store, some["region"]["id"])

    # The same partition again: nothing changes anywhere.
    with open_store(catalog_env) as store:
        before = current_load(store)
    _, before_rows = warehouse.query("SELECT count() FROM ibe.dim_hotels")
    again = materialize_catalog(dumps.folder, "full")
    assert again["success"], again["failure"]
    with open_store(catalog_env) as store:
        assert current_load(store) == before
    assert warehouse.query("SELECT count() FROM ibe.dim_hotels")[1] == before_rows
    assert set(quarantined(warehouse, "full")) == set(reasons)
    assert again["metadata"]["hotels_serving"]["written"] == len(
        on_sale
    )  # the published load's counts, not a second write

    # The next day's incremental dump: changed hotels updated, deleted ones off sale, new ones on sale.
    inc_reasons, inc_deleted, after = expected(dumps.incremental_lines, dumps.incremental_bad, on_sale)
    assert inc_deleted and any(hid not in on_sale for hid in after)
    inc = materialize_catalog(dumps.folder, "incremental", DUMP_DATE + timedelta(days=1))
    assert inc["success"], inc["failure"]
    assert set(quarantined(warehouse, "incremental")) == set(inc_reasons)
    assert_serving_matches(catalog_env, after, inc_deleted | deleted)

    # The next weekly full dump, with a few hotels changed: only what changed is written again.
    refresh_dir = tmp_path / "refresh"
    lines = write_changed_dump(dumps, refresh_dir, changed=12)
    _, _, refreshed = expected(lines, dumps.full_bad)
    must_write = {hid for hid, raw in refreshed.items() if after.get(hid) != raw}
    when = DUMP_DATE + timedelta(days=2)
    refresh = materialize_catalog(refresh_dir, "full", when)
    assert refresh["success"], refresh["failure"]
    assert checks_of(refresh)["warehouse_reconciles"] and checks_of(refresh)["store_reconciles"]
    assert refresh["metadata"]["hotels_serving"]["written"] == len(must_write)
    _, rows = warehouse.query(
        "SELECT hid FROM ibe.dim_hotels WHERE dump_date = {d:Date} AND line_no > 0 AND NOT is_deleted",
        {"d": when},
    )
    assert {r[0] for r in rows} == must_write  # unchanged hotels keep their warehouse rows too
    assert_serving_matches(catalog_env, refreshed, set(after) - set(refreshed))


def test_the_graph_passes_two_years_ahead_by_the_run_clock(catalog_env, dumps: Dumps) -> None:
    later = TODAY.replace(year=TODAY.year + 2)  # a day no calendar-pinned fixture could survive
    full = materialize_catalog(dumps.folder, "full", later.date() - timedelta(days=1), now=later)
    assert full["success"], full["failure"]
    assert {name for name, passed in checks_of(full).items() if not passed} == {"quarantine_share_warn"}

    # Nine days on, with only an incremental dump since, the newest full dump is ten days old.
    stale_at = later + timedelta(days=9)
    inc = materialize_catalog(dumps.folder, "incremental", stale_at.date(), now=stale_at)
    assert inc["success"], inc["failure"]
    checks = checks_of(inc)
    assert checks["store_reconciles"] and checks["warehouse_reconciles"]
    dim = full["metadata"]["dim_hotels"]  # the standard table metadata, read from the table itself
    assert dim["dagster/row_count"] == dim["rows_loaded"] > 0
    assert {"hid", "name", "content_hash"} <= {c.name for c in dim["dagster/column_schema"].columns}
