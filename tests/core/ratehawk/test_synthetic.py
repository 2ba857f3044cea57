"""The synthetic catalog: deterministic records of realistic shape, and dumps whose manifest is exact."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from core.domain.catalog import HOTEL_KINDS, REGION_TYPES
from core.ratehawk.synthetic import (
    DEFECT_KINDS,
    FULL_DUMP,
    INCREMENTAL_DUMP,
    REGION_DUMP,
    SANDBOX_HIDS,
    DumpManifest,
    hid_at,
    hotel_record,
    incremental_plan,
    iter_dump_lines,
    read_bad_lines,
    vocab,
    write_dumps,
)

CONTRACT_FIELDS = {
    "hid", "id", "name", "address", "postal_code", "latitude", "longitude", "region", "star_rating", "kind",
    "hotel_chain", "phone", "email", "check_in_time", "check_out_time", "front_desk_time_start",
    "front_desk_time_end", "amenity_groups", "images_ext", "description_struct", "metapolicy_struct",
    "metapolicy_extra_info", "room_groups", "facts", "payment_methods", "serp_filters", "star_certificate",
    "is_closed", "is_gender_specification_required", "deleted",
}  # fmt: skip
RG_EXT_KEYS = {"class", "quality", "sex", "bathroom", "bedding", "family", "capacity", "club", "bedrooms",
               "balcony", "view", "floor"}  # fmt: skip
KNOWN_KINDS = HOTEL_KINDS  # the platform's list: the generator must stay within it


def strict_reason(line: bytes, number: int = 1, newest: dict[int, int] | None = None) -> str | None:
    """What a strict dump parser rejects a line for (None: a live hotel). Independent of the generator.

    `newest` maps each hid to the last line carrying it: a hid repeated later keeps its newest line,
    the older copies are duplicates.
    """
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "truncated_json"
    if "hid" not in rec:
        return "missing_hid"
    if type(rec["hid"]) is not int:
        return "non_integer_hid"
    if newest is not None and newest[rec["hid"]] != number:
        return "duplicate_hid"
    for field, typ in (("star_rating", int), ("latitude", float), ("room_groups", list),
                       ("amenity_groups", list), ("region", dict)):  # fmt: skip
        if not isinstance(rec[field], typ):
            return "wrong_types"
    if not -90 <= rec["latitude"] <= 90:
        return "latitude_out_of_range"
    if not rec["name"].strip():
        return "empty_name"
    if rec["kind"] not in KNOWN_KINDS:
        return "unknown_kind"
    if rec["deleted"]:
        return "deleted"
    return None


def last_line_of_hids(lines: list[bytes]) -> dict[int, int]:
    newest: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        try:
            hid = orjson.loads(line).get("hid")
        except orjson.JSONDecodeError:
            continue
        if type(hid) is int:
            newest[hid] = number
    return newest


def strict_scan(path: Path) -> list[tuple[int, str]]:
    lines = list(iter_dump_lines(path))
    newest = last_line_of_hids(lines)
    found = []
    for number, line in enumerate(lines, start=1):
        reason = strict_reason(line, number, newest)
        if reason is not None:
            found.append((number, reason))
    return found


def test_record_has_every_contract_field_with_realistic_shape():
    sizes = []
    rooms, kinds, stars, countries, chains = Counter(), Counter(), Counter(), Counter(), Counter()
    for i in range(600):
        rec = hotel_record(11, hid_at(i))
        kinds[rec["kind"]] += 1
        countries[rec["region"]["country_code"]] += 1
        chains[rec["hotel_chain"]] += 1
        if rec["kind"] == "Hotel":
            stars[rec["star_rating"]] += 1
        assert rec.keys() >= CONTRACT_FIELDS
        assert strict_reason(orjson.dumps(rec)) is None
        assert 0 <= rec["star_rating"] <= 5
        assert 5 <= len(rec["images_ext"]) <= 40
        assert all("{size}" in img["url"] for img in rec["images_ext"])
        assert 1 <= len(rec["room_groups"]) <= 12
        for rg in rec["room_groups"]:
            assert set(rg["rg_ext"]) == RG_EXT_KEYS
            assert {"main_name", "bathroom", "bedding_type"} <= rg["name_struct"].keys()
        assert all(len(section["paragraphs"]) >= 1 for section in rec["description_struct"])
        rooms[len(rec["room_groups"])] += 1
        sizes.append(len(orjson.dumps(rec)))
    mean = sum(sizes) / len(sizes)
    assert 6000 <= mean <= 7500, mean
    assert len(rooms) >= 8  # room counts spread over the 1-12 range, not constant
    # realistic mixes: hotels dominate but many kinds appear; 3 stars most common; many countries and chains
    assert kinds.most_common(1)[0][0] == "Hotel" and len(kinds) >= 8
    assert stars.most_common(1)[0][0] == 3 and len(stars) == 6
    assert len(countries) >= 20 and countries.most_common(1)[0][1] < 0.2 * 600
    assert chains.most_common(1)[0][0] == "No chain" and len(chains) >= 10
    assert {kind for kind, _ in vocab.KINDS} <= HOTEL_KINDS
    assert hotel_record(11, SANDBOX_HIDS[0])["id"] == "test_hotel_do_not_book"


def test_record_is_a_function_of_seed_hid_and_revision():
    assert hotel_record(5, 10_000_123) == hotel_record(5, 10_000_123)
    assert hotel_record(5, 10_000_123) != hotel_record(6, 10_000_123)
    a, b = hotel_record(5, 10_000_123), hotel_record(5, 10_000_123, revision=1)
    assert a != b
    assert (a["name"], a["region"], a["latitude"]) == (b["name"], b["region"], b["latitude"])


def test_same_seed_same_bytes_whatever_the_worker_count(tmp_path):
    one = write_dumps(tmp_path / "one", 2500, seed=9, bad_fraction=0.02, workers=1)
    two = write_dumps(tmp_path / "two", 2500, seed=9, bad_fraction=0.02, workers=2)
    other = write_dumps(tmp_path / "other", 2500, seed=10, bad_fraction=0.02, workers=2)
    for name in (FULL_DUMP, INCREMENTAL_DUMP, REGION_DUMP, "manifest.json", "hotels_full_en.bad.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert one.files["full"].sha256 == two.files["full"].sha256 != other.files["full"].sha256


@pytest.fixture(scope="module")
def dumps(tmp_path_factory) -> tuple[Path, DumpManifest]:
    out = tmp_path_factory.mktemp("dumps")
    return out, write_dumps(out, 4000, seed=21, bad_fraction=0.1, workers=2)


def test_manifest_matches_a_strict_parser_line_for_line(dumps):
    out, manifest = dumps
    for key, name in (("full", FULL_DUMP), ("incremental", INCREMENTAL_DUMP)):
        listed = [(e["line"], e["kind"]) for e in read_bad_lines(out / name)]
        assert listed == strict_scan(out / name), key
        assert manifest.files[key].bad_lines == len(listed)
        assert sum(manifest.files[key].bad_by_kind.values()) == len(listed)
    full_kinds = manifest.files["full"].bad_by_kind
    assert set(full_kinds) == set(DEFECT_KINDS)
    assert manifest.files["full"].bad_lines == 400  # exactly round(0.1 * 4000)


def test_manifest_details_point_at_the_right_lines(dumps):
    out, _ = dumps
    lines = list(iter_dump_lines(out / FULL_DUMP))
    assert len(lines) == 4000
    last_of = last_line_of_hids(lines)
    for entry in read_bad_lines(out / FULL_DUMP):
        if entry["kind"] == "duplicate_hid":
            older = orjson.loads(lines[entry["line"] - 1])
            newest = orjson.loads(lines[entry["superseded_by_line"] - 1])
            assert entry["line"] < entry["superseded_by_line"]
            assert older["hid"] == newest["hid"] == entry["hid"]
            assert last_of[entry["hid"]] == entry["superseded_by_line"]
        if entry["kind"] == "wrong_types":
            assert entry["field"] in orjson.loads(lines[entry["line"] - 1])


def test_region_dump_lists_the_good_hotels_of_each_city(dumps):
    out, manifest = dumps
    regions = [orjson.loads(line) for line in iter_dump_lines(out / REGION_DUMP)]
    types = Counter(r["type"] for r in regions)
    assert set(types) <= REGION_TYPES
    assert {"Country", "City", "Airport", "Neighborhood"} <= types.keys()
    listed = sorted(h for r in regions for h in r["hids"])
    bad = {e["line"] for e in read_bad_lines(out / FULL_DUMP)}
    lines = list(iter_dump_lines(out / FULL_DUMP))
    good = sorted(orjson.loads(lines[i])["hid"] for i in range(4000) if i + 1 not in bad)
    assert listed == good
    city = next(r for r in regions if r["hids"])
    assert orjson.loads(next(iter_dump_lines(out / FULL_DUMP)))  # readable
    assert all(hotel_record(21, h)["region"]["id"] == city["id"] for h in city["hids"][:20])
    assert manifest.files["regions"].lines == len(regions)


def test_incremental_dump_has_changes_deletions_and_new_hotels(tmp_path):
    write_dumps(tmp_path, 3000, seed=4, workers=1)
    plan = incremental_plan(4, 3000)
    lines = [orjson.loads(line) for line in iter_dump_lines(tmp_path / INCREMENTAL_DUMP)]
    assert [rec["hid"] for rec in lines] == [hid for hid, _, _ in plan]
    deleted = [rec for rec in lines if rec["deleted"]]
    assert deleted and [e["kind"] for e in read_bad_lines(tmp_path / INCREMENTAL_DUMP)] == ["deleted"] * len(
        deleted
    )
    assert any(rec["hid"] > hid_at(2999) for rec in lines)  # new hotels
    changed = next(rec for rec in lines if rec["hid"] <= hid_at(2999) and not rec["deleted"])
    assert changed != hotel_record(4, changed["hid"])
