"""The serving layout: loads become visible at once, unchanged hotels are skipped, indexes follow."""

from __future__ import annotations

import orjson
import pytest
import xxhash

from core.catalog.serving import (
    TX_MAX_ROWS,
    ServingLoad,
    ServingRow,
    current_load,
    get_hotel,
    get_hotels,
    get_region,
    hotels_in_region,
    hotels_near,
    load_state,
)


def record(hid: int, region: int = 1, lat: float = 48.85, lon: float = 2.35, name: str | None = None) -> dict:
    return {
        "hid": hid,
        "id": f"h{hid}",
        "name": name or f"Hotel {hid}",
        "kind": "Hotel",
        "star_rating": 3,
        "latitude": lat,
        "longitude": lon,
        "region": {"id": region, "name": f"R{region}", "country_code": "FR", "type": "City"},
        "amenity_groups": [{"group_name": "General", "amenities": ["Wi-Fi", "Bar"]}],
        "room_groups": [{"name": "Double room", "rg_ext": {"class": 3, "capacity": 2}, "room_group_id": 1}],
        "description_struct": [{"title": "About", "paragraphs": ["A calm hotel near the river."]}],
        "unknown_future_field": {"x": [1, 2]},
    }


def row(rec: dict, deleted: bool = False) -> ServingRow:
    raw = orjson.dumps(rec)
    return ServingRow(
        hid=rec["hid"],
        content_hash=xxhash.xxh3_128_digest(raw),
        raw=raw,
        region_id=rec["region"]["id"],
        latitude=rec["latitude"],
        longitude=rec["longitude"],
        deleted=deleted,
    )


def full_load(store, load_id: str, recs: list[dict]) -> ServingLoad:
    load = ServingLoad.open(store, load_id, "full")
    load.write([row(r) for r in recs])
    load.take_off_sale_missing(r["hid"] for r in recs)
    load.publish()
    return load


def test_nothing_visible_before_publish_and_everything_after(store) -> None:
    recs = [record(hid, lat=48.85 + hid * 1e-4) for hid in range(1, 301)]
    load = ServingLoad.open(store, "full-1", "full")
    load.write([row(r) for r in recs])
    assert get_hotel(store, 5) is None and current_load(store) is None
    assert hotels_in_region(store, 1) == [] and hotels_near(store, 48.85, 2.35, 5) == []
    load.publish()
    hotel = get_hotel(store, 5)
    assert hotel is not None and hotel.name == "Hotel 5" and hotel.region.country_code == "FR"
    assert hotel.record["unknown_future_field"] == {"x": [1, 2]}  # unknown fields survive
    assert hotel.room_groups[0].capacity == 2
    assert hotels_in_region(store, 1) == list(range(1, 301))
    assert hotels_in_region(store, 1, limit=10, after_hid=295) == [296, 297, 298, 299, 300]
    assert set(get_hotels(store, [1, 2, 999])) == {1, 2}
    assert current_load(store).load_id == "full-1"


def test_rerun_is_idempotent_and_refresh_writes_only_changes(store) -> None:
    recs = [record(hid) for hid in range(1, 301)]
    first = full_load(store, "full-1", recs)
    assert first.state.written == 300
    again = full_load(store, "full-1", recs)  # same load id: already published, nothing happens
    assert again.state.written == 300 and again.state.seq == first.state.seq

    changed = [dict(r) for r in recs[:-10]]  # 10 hotels gone from the dump
    changed[0] = record(1, region=2, lat=40.0, lon=-3.7, name="Renamed")
    second = full_load(store, "full-2", changed)
    assert (second.state.written, second.state.unchanged, second.state.off_sale) == (1, 289, 10)
    assert get_hotel(store, 1).name == "Renamed"
    assert get_hotel(store, 300) is None
    assert 1 not in hotels_in_region(store, 1) and hotels_in_region(store, 2) == [1]
    assert [h.hid for h in hotels_near(store, 40.0, -3.7, 1)] == [1]
    assert all(h.hid != 1 for h in hotels_near(store, 48.85, 2.35, 1))
    assert 300 not in hotels_in_region(store, 1)


def test_incremental_deletes_take_hotels_off_sale(store) -> None:
    full_load(store, "full-1", [record(hid) for hid in range(1, 11)])
    inc = ServingLoad.open(store, "inc-1", "incremental")
    inc.write([row(record(3), deleted=True), row(record(4, name="New name"))])
    assert get_hotel(store, 3) is not None  # not yet published
    inc.publish()
    assert get_hotel(store, 3) is None and get_hotel(store, 4).name == "New name"
    assert 3 not in hotels_in_region(store, 1) and all(h.hid != 3 for h in hotels_near(store, 48.85, 2.35, 2))
    assert load_state(store, "inc-1").off_sale == 1


def test_a_load_failing_mid_way_resumes_without_rewriting(store) -> None:
    """The input fails after the first chunk (an exception, so this is no crash test: the SIGKILL at
    `serving.chunk_committed` is in tests/assets/catalog/test_feed_input.py)."""
    recs = [record(hid) for hid in range(1, TX_MAX_ROWS * 2 + 500)]

    def rows_then_failure():
        for i, r in enumerate(recs):
            if i == TX_MAX_ROWS + 100:
                raise RuntimeError("disk on fire")
            yield row(r)

    load = ServingLoad.open(store, "full-1", "full")
    with pytest.raises(RuntimeError):
        load.write(rows_then_failure())
    assert load_state(store, "full-1").rows_done == TX_MAX_ROWS
    assert get_hotel(store, 1) is None  # the partial load was never visible
    resumed = ServingLoad.open(store, "full-1", "full")
    resumed.write([row(r) for r in recs])
    resumed.publish()
    assert resumed.state.written == len(recs) and resumed.state.unchanged == 0
    assert len(hotels_in_region(store, 1)) == len(recs)


def test_regions_and_geo_edges(store) -> None:
    load = ServingLoad.open(store, "full-1", "full")
    load.write([row(record(1, lat=10.0, lon=179.999)), row(record(2, lat=10.0, lon=-179.999))])
    load.write_regions([{"id": 1, "type": "City", "name": {"en": "Paris"}, "country_code": "FR",
                         "center": {"latitude": 48.85, "longitude": 2.35}, "hids": [1]}])  # fmt: skip
    load.publish()
    assert get_region(store, 1).name == "Paris"
    near = hotels_near(store, 10.0, 180.0, 5)
    assert [h.hid for h in near] == [1, 2] or [h.hid for h in near] == [2, 1]
    with pytest.raises(ValueError):
        hotels_near(store, 10.0, 0.0, 5000)


def test_loads_go_one_at_a_time_and_never_back_in_time(store) -> None:
    from core.catalog.serving import LoadInProgress, StaleLoad

    first = ServingLoad.open(store, "full-b", "full", "2026-11-23")
    first.write([row(record(1, name="New"))])
    with pytest.raises(LoadInProgress):  # the half-written load must be finished first
        ServingLoad.open(store, "inc-c", "incremental", "2026-11-24")
    ServingLoad.open(store, "full-b", "full", "2026-11-23").publish()  # re-running it finishes it
    with pytest.raises(StaleLoad):  # an older dump would bring back older content
        ServingLoad.open(store, "inc-a", "incremental", "2026-11-20")
    assert get_hotel(store, 1).name == "New"
    later = ServingLoad.open(store, "inc-c", "incremental", "2026-11-24")
    later.write([row(record(1, name="Newer"))])
    later.publish()
    assert get_hotel(store, 1).name == "Newer"


def test_compact_drops_superseded_versions_and_keeps_what_readers_see(store) -> None:
    from core.catalog.serving import IDX_GEO, IDX_REGION
    from core.kv.keys import HOTEL

    recs = [record(hid) for hid in range(1, 21)]
    full_load(store, "full-1", recs).compact()
    moved = record(1, region=2, lat=40.0, lon=-3.7, name="Moved")
    second = ServingLoad.open(store, "full-2", "full")
    second.write([row(moved), *[row(r) for r in recs[1:-1]]])  # hid 20 gone from the dump
    second.take_off_sale_missing(range(1, 20))
    second.publish()
    assert second.compact() == 2  # the moved hotel and the removed one

    def keys(begin_end) -> list[bytes]:
        return [k for k, _ in store.run(lambda tr: tr.get_range(*begin_end))]

    assert len(keys(HOTEL.range(1))) == 1 and keys(HOTEL.range(20)) == []
    assert len(keys(HOTEL.range(2))) == 1  # unchanged hotels keep their one version
    assert keys(IDX_REGION.range(1, 1)) == [] and len(keys(IDX_REGION.range(2, 1))) == 1
    assert all(k for k in keys(IDX_GEO.range()))  # no stale geo entry of hid 1 or 20 left
    assert len([k for k in keys(IDX_GEO.range()) if IDX_GEO.unpack(k)[2] in (1, 20)]) == 1
    assert get_hotel(store, 1).name == "Moved" and get_hotel(store, 20) is None
    assert hotels_in_region(store, 1) == list(range(2, 20)) and hotels_in_region(store, 2) == [1]
    assert [h.hid for h in hotels_near(store, 40.0, -3.7, 1)] == [1]
    assert second.compact() == 0  # nothing left to do: idempotent


def test_a_hotel_listed_again_in_the_next_chunk_is_applied_in_order(store) -> None:
    # Chunks are planned while the chunk before commits: a hid that chunk writes must be seen.
    filler = [record(hid) for hid in range(1_000, 1_000 + TX_MAX_ROWS - 2)]
    first = [record(1, region=1, name="First"), record(2, region=1), *filler]
    moved = record(1, region=2, lat=40.0, lon=-3.7, name="Moved")  # row TX_MAX_ROWS + 1: next chunk
    load = ServingLoad.open(store, "full-1", "full")
    load.write([row(r) for r in [*first, moved, record(2, region=1)]])
    load.publish()
    assert (load.state.written, load.state.unchanged) == (TX_MAX_ROWS + 1, 1)
    assert get_hotel(store, 1).name == "Moved"
    assert 1 not in hotels_in_region(store, 1) and hotels_in_region(store, 2) == [1]
    assert [h.hid for h in hotels_near(store, 40.0, -3.7, 1)] == [1]
    assert all(h.hid != 1 for h in hotels_near(store, 48.85, 2.35, 1))
    assert load.compact() == 1  # the superseded first version of hid 1 is dropped
    assert get_hotel(store, 1).name == "Moved" and hotels_in_region(store, 2) == [1]


def test_a_second_writer_of_the_same_load_is_refused_instead_of_applying_rows_twice(store) -> None:
    recs = [row(record(hid)) for hid in range(1, 101)]
    one = ServingLoad.open(store, "full-1", "full")
    other = ServingLoad.open(store, "full-1", "full")  # opened before `one` wrote anything
    one.write(recs)
    with pytest.raises(RuntimeError, match="another process is writing it"):
        other.write(recs)
    assert load_state(store, "full-1").rows_done == 100 and load_state(store, "full-1").written == 100


def test_a_failing_chunk_stops_the_load_and_its_threads(store) -> None:
    import base64
    import random
    import threading

    huge = record(TX_MAX_ROWS + 5, name=base64.b64encode(random.Random(3).randbytes(200_000)).decode())
    recs = (
        [record(hid) for hid in range(1, TX_MAX_ROWS + 1)]
        + [huge]
        + [record(hid) for hid in range(5_000, 9_000)]
    )
    load = ServingLoad.open(store, "full-1", "full")
    with pytest.raises(ValueError, match="exceeds the store limit"):
        load.write([row(r) for r in recs])
    assert load_state(store, "full-1").rows_done == TX_MAX_ROWS  # the chunk before it was committed
    assert not [t for t in threading.enumerate() if t.name.startswith("serving-commit")]
