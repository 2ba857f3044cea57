"""The fast path of staging (strict typed decoding) stages every line exactly as the general path does."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from core.catalog import columnar
from core.catalog.dumpfile import LineBatch, iter_batches
from core.catalog.staging import KNOWN_FIELDS, TABLES, stage_lines
from core.catalog.typed import decode_hotel
from core.ratehawk.synthetic import FULL_DUMP, hotel_record, write_dumps


def _variants() -> list[bytes]:
    """Well-formed lines and lines a lenient parser would let through with other values."""
    base = hotel_record(4, 10_000_050)
    rg = base["room_groups"][0]

    def line(**changes) -> bytes:
        return orjson.dumps({**base, **changes})

    def wide(raw: bytes, placeholder: int, value: int) -> bytes:  # orjson cannot write such ints
        return raw.replace(b":%d" % placeholder, b":%d" % value)

    return [
        line(),
        line(star_rating=4.0),  # an integral float: accepted, typed as 4
        line(star_rating="4"),  # a quoted number is the wrong type, not 4
        line(hid="10000050"),
        line(hid=True),
        line(hid=None),
        line(latitude=12),  # an int coordinate is a number
        line(latitude=True),
        line(is_closed=1),
        line(name=5),
        line(region={**base["region"], "id": "6100003"}),  # the region has no integer id
        line(facts={"floors_number": "3"}),
        line(metapolicy_struct=[]),
        line(metapolicy_struct=None),
        line(payment_methods=["visa", 3]),  # non-strings are dropped, not a problem
        line(room_groups=[{**rg, "room_amenities": ["a", None]}, rg]),
        line(room_groups=[{**rg, "rg_ext": {"class": "3"}}]),
        line(room_groups=[5]),
        line(amenity_groups=[{"group_name": "x", "amenities": ["a", "b"], "non_free_amenities": ["b"]}]),
        line(amenity_groups=[{"group_name": "x", "amenities": None}]),
        line(images_ext=[{"url": 1}]),
        wide(line(hid=123456789), 123456789, 2**64),  # wider than a 64-bit column: not a usable hid
        wide(line(hid=123456789), 123456789, 2**63),
        line(star_rating=1e300),
        wide(
            line(facts={"year_built": 1234567}, room_groups=[{**rg, "room_group_id": 1234567}]),
            1234567,
            2**63,
        ),
        line(new_field={"nested": [1, 2.5, "x"]}, another=None),  # unknown fields kept in `extra`
        orjson.dumps({"hid": 7}),
        b'{"hid": 8, "name": "first", "name": "last"}',  # the last value of a repeated key wins
        b'{"hid": 9, "name": "x"',
        b"[1, 2]",
        b"",
    ]


REPEATED_KEY = 27  # index of the line with a key given twice, which Arrow's JSON reader refuses


@pytest.mark.parametrize("with_repeated_key", [True, False], ids=["batch-with-repeated-key", "columnar"])
def test_tricky_lines_stage_as_on_the_general_path(with_repeated_key: bool) -> None:
    lines = _variants()
    assert b'"name": "first", "name": "last"' in lines[REPEATED_KEY]
    batch = LineBatch(1, lines if with_repeated_key else lines[:REPEATED_KEY] + lines[REPEATED_KEY + 1 :])
    well_formed = [raw for raw in batch.lines if decode_hotel(raw, KNOWN_FIELDS) is not None]
    assert (columnar.parse(well_formed) is None) == with_repeated_key  # which path the batch takes
    fast, general = stage_lines(batch), stage_lines(batch, fast=False)
    assert fast.problems == general.problems and fast.raw_bytes == general.raw_bytes
    for table in TABLES:
        assert fast.tables[table].equals(general.tables[table]), table
    extra = orjson.loads(fast.tables["hotels"]["extra"][25].as_py())
    assert extra["new_field"] == {"nested": [1, 2.5, "x"]} and extra["another"] is None


def test_integers_wider_than_64_bits_are_problems_or_dropped_values() -> None:
    hotels = stage_lines(LineBatch(1, _variants())).tables["hotels"].to_pylist()
    assert [h["problems"] for h in hotels[21:24]] == [["hid_not_integer"]] * 2 + [["wrong_type:star_rating"]]
    assert hotels[24]["problems"] == [] and hotels[24]["year_built"] is None


def test_fast_path_takes_only_lines_the_general_path_finds_no_problem_in() -> None:
    staged = stage_lines(LineBatch(1, _variants()), fast=False).tables["hotels"]
    assert decode_hotel(_variants()[0], KNOWN_FIELDS) is not None  # a generated line takes the fast path
    for raw, problems in zip(_variants(), staged["problems"].to_pylist(), strict=True):
        if decode_hotel(raw, KNOWN_FIELDS) is not None:
            assert problems == [], raw[:80]


def test_generated_dump_stages_identically(tmp_path: Path) -> None:
    write_dumps(tmp_path, 800, seed=8, bad_fraction=0.05, workers=1)
    for batch in iter_batches(tmp_path / FULL_DUMP, 300):
        fast, general = stage_lines(batch), stage_lines(batch, fast=False)
        assert fast.problems == general.problems
        for table in TABLES:
            assert fast.tables[table].equals(general.tables[table]), table
