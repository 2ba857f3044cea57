"""The catalog expectations: each rejects exactly its case, with its reason; warnings never reject."""

from __future__ import annotations

from pathlib import Path

import orjson
import polars as pl
import pytest
import zstandard

from core.catalog.dumpfile import LineBatch
from core.catalog.stager import stage_dump
from core.catalog.staging import stage_batch
from quality.catalog.rules import combine_reasons, superseded_lines
from quality.catalog.validate import validate_staged


def good(n: int, **changes: object) -> dict:
    rec = {
        "hid": n, "id": f"h{n}", "name": f"Hotel {n}", "kind": "Hotel", "star_rating": 4,
        "latitude": 41.9, "longitude": 12.5, "check_in_time": "14:00:00", "check_out_time": "11:00",
        "front_desk_time_start": None, "front_desk_time_end": None, "email": "desk@example.com",
        "region": {"id": 6100001, "name": "Rome", "country_code": "IT", "type": "City"},
        "room_groups": [{"name": "Double", "rg_ext": {"class": 3, "capacity": 2}}],
        "facts": {"year_built": 1990},
    }  # fmt: skip
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not ...}


CASES: list[tuple[dict | bytes, set[str]]] = [
    (good(1), set()),
    (b'{"hid": 2, "name": "Trunc', {"invalid_json"}),
    (b"[1, 2, 3]", {"not_an_object"}),
    (good(3, hid=...), {"hid_missing"}),
    (good(4, hid="h4"), {"hid_not_integer"}),
    (good(5, hid=-5), {"hid_not_positive"}),
    (good(6, name="   "), {"name_empty"}),
    (good(7, name=None), {"name_missing"}),
    (good(8, name="x" * 501), {"name_too_long"}),
    (good(9, kind="Spaceport"), {"kind_unknown"}),
    (good(10, star_rating=7), {"star_rating_out_of_range"}),
    (good(11, star_rating="four"), {"wrong_type:star_rating"}),
    (good(12, latitude=91.0, longitude=-181.0), {"latitude_out_of_range", "longitude_out_of_range"}),
    (good(13, latitude="41.9N"), {"wrong_type:latitude"}),
    (good(14, region=None), {"region_missing", "region_country_code_missing"}),
    (good(15, region={"id": 1, "country_code": "italy"}), {"region_country_code_invalid"}),
    (
        good(16, check_in_time="2pm", check_out_time="25:00"),
        {"check_in_time_malformed", "check_out_time_malformed"},
    ),
    (good(17, room_groups={"name": "x"}), {"wrong_type:room_groups"}),
    (good(18, email="not an address", room_groups=[], facts={"year_built": 3000}), set()),  # warnings only
    (good(19, deleted=True, name="", kind="Spaceport"), set()),  # a deletion only has to name its hotel
    (good(20, unknown_future_field={"a": 1}), set()),
    (b"", {"blank_line"}),
    (b" \t  ", {"blank_line"}),
    (b"42", {"not_an_object"}),
    (b'{"hid": 21, "name": "Caf\xe9"}', {"invalid_utf8"}),  # Latin-1, not UTF-8
    (b"\xef\xbb\xbf" + orjson.dumps(good(22)), set()),  # a byte-order mark is no part of the record
]
# What the quarantine's `detail` says about lines that are not records (line number: text in it).
DETAILS = {
    2: "unexpected end of data at line 1 column 26 (char 25)",
    3: "a JSON array, not an object",
    22: "empty line",
    23: "4 whitespace bytes",
    24: "a JSON number, not an object",
    25: "invalid continuation byte at byte 24: b'\\xe9\"}'",
}


def write_dump(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(lines) + b"\n"))
    return path


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("quality")
    lines = [c if isinstance(c, bytes) else orjson.dumps(c) for c, _ in CASES]
    lines += [orjson.dumps(good(1, name="Hotel 1 renamed"))]  # a newer copy of hid 1
    dump = write_dump(folder / "dump.jsonl.zst", lines)
    stage_dump(dump, folder / "staged", batch_lines=7)
    result = validate_staged(folder / "staged", dump, folder / "validated")
    return lines, result, folder


def test_every_case_is_rejected_for_exactly_its_reasons(outcome) -> None:
    lines, result, folder = outcome
    q = pl.read_parquet(folder / "validated" / "quarantine.parquet")
    got = {row["line_no"]: set(row["reasons"]) for row in q.iter_rows(named=True)}
    for number, (_, reasons) in enumerate(CASES, start=1):
        if number == 1:
            assert got[1] == {"duplicate_hid"}  # superseded by the newer copy on the last line
            continue
        assert got.get(number, set()) == reasons, (number, CASES[number - 1][0])
    raw_of = {row["line_no"]: row["raw"] for row in q.iter_rows(named=True)}
    assert all(raw_of[n] == lines[n - 1].decode("utf-8", "backslashreplace") for n in raw_of)
    assert raw_of[25] == '{"hid": 21, "name": "Caf\\xe9"}'  # the bad byte kept, recoverable
    assert result.lines == len(lines) == result.accepted + result.quarantined
    # warnings of accepted hotels only (line 17 also has no room groups, but is rejected)
    assert result.warnings == {"email_malformed": 1, "no_room_groups": 1, "year_built_implausible": 1}


def test_accepted_rows_keep_the_newest_copy_and_unknown_fields(outcome) -> None:
    _, result, folder = outcome
    accepted = pl.read_parquet(folder / "validated" / "accepted.parquet")
    assert accepted.height == result.accepted
    assert accepted.filter(pl.col("hid") == 1)["name"].to_list() == ["Hotel 1 renamed"]
    assert accepted["hid"].is_unique().all()
    extra = accepted.filter(pl.col("hid") == 20)["extra"].item()
    assert orjson.loads(extra) == {"unknown_future_field": {"a": 1}}
    assert accepted.filter(pl.col("hid") == 19)["deleted"].item() is True


def test_stats_count_every_expectation(outcome) -> None:
    _, result, _ = outcome
    assert result.stats["kind_unknown"].unexpected == 2  # line 9, and the deletion (not held against it)
    assert result.stats["star_rating_out_of_range"].unexpected == 1
    assert all(s.evaluated > 0 for s in result.stats.values())


def test_lines_that_are_not_records_say_why_in_detail(outcome) -> None:
    _, _, folder = outcome
    q = pl.read_parquet(folder / "validated" / "quarantine.parquet")
    detail_of = {row["line_no"]: row["detail"] for row in q.iter_rows(named=True)}
    for number, text in DETAILS.items():
        assert detail_of[number] == text, number
    assert detail_of[6].startswith("hid=")  # an expectation's detail is kept as before


def test_missing_reasons_are_not_doubled_by_type_problems() -> None:
    assert combine_reasons(["wrong_type:latitude"], ["latitude_missing", "kind_unknown"], False) == [
        "wrong_type:latitude", "kind_unknown"]  # fmt: skip
    assert combine_reasons(["hid_not_integer"], ["hid_missing"], False) == ["hid_not_integer"]
    assert combine_reasons([], ["name_empty", "hid_missing"], True) == ["hid_missing"]


def test_duplicates_keep_the_last_line() -> None:
    valid = pl.DataFrame({"hid": [5, 6, 5, 5], "line_no": [1, 2, 3, 9]})
    assert superseded_lines(valid).rows() == [(1, 5, 9), (3, 5, 9)]


def test_staging_keeps_one_row_per_line_and_the_children() -> None:
    rec = good(1, amenity_groups=[{"group_name": "General", "amenities": ["Bar", "Wi-Fi"], "non_free_amenities": ["Bar"]}],
               images_ext=[{"url": "u1", "category_slug": "lobby"}],
               description_struct=[{"title": "About", "paragraphs": ["p1", "p2"]}])  # fmt: skip
    frames = stage_batch(LineBatch(1, [orjson.dumps(rec), b"", b"{oops"]))
    assert frames["hotels"]["line_no"].to_list() == [1, 2, 3]
    assert frames["hotels"]["problems"].to_list() == [[], ["blank_line"], ["invalid_json"]]
    assert frames["amenities"].select("amenity", "is_paid").rows() == [("Bar", True), ("Wi-Fi", False)]
    assert frames["descriptions"]["text"].to_list() == ["p1", "p2"]
    assert frames["room_groups"].select("rg_class", "rg_capacity").rows() == [(3, 2)]
    assert frames["images"]["url"].to_list() == ["u1"]
