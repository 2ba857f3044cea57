"""Any byte string as a dump line is staged or quarantined with a reason; nothing raises, nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import polars as pl
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog.dumpfile import LineBatch, iter_lines
from core.catalog.stager import stage_dump
from core.catalog.staging import TABLES, stage_lines
from core.ratehawk.synthetic import hotel_record
from quality.catalog.validate import validate_staged

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["hid", "name", "kind", "star_rating", "latitude", "region", "room_groups", "images_ext",
          "amenity_groups", "facts", "deleted", "description_struct", "payment_methods"]  # fmt: skip


@st.composite
def near_hotels(draw: st.DrawFn) -> bytes:
    """A real hotel line with some fields replaced by any JSON value, or dropped."""
    rec = hotel_record(7, draw(st.integers(1, 10**6)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            rec[name] = draw(json_values)
        else:
            rec.pop(name, None)
    raw = dumps(rec)
    cut = draw(st.integers(0, 3))  # sometimes cut short, as a truncated write would
    return raw[: len(raw) - draw(st.integers(1, 40))] if cut == 0 else raw


def dumps(value: object) -> bytes:
    """JSON as a feed may write it: integers of any width, non-ASCII text as UTF-8, Infinity as is."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def line_of(raw: bytes) -> bytes:
    return raw.replace(b"\n", b" ")  # a dump line holds no line break by definition


lines = st.one_of(st.binary(max_size=200), json_values.map(dumps), near_hotels()).map(line_of)


@given(st.lists(lines, min_size=1, max_size=12))
def test_every_line_is_one_staged_row_typed_or_with_a_problem(batch: list[bytes]) -> None:
    fast, general = stage_lines(LineBatch(1, batch)), stage_lines(LineBatch(1, batch), fast=False)
    hotels = fast.tables["hotels"]
    assert hotels["line_no"].to_pylist() == list(range(1, len(batch) + 1))
    assert fast.problems == general.problems  # the fast path decides nothing the general path would not
    for table in TABLES:
        assert fast.tables[table].equals(general.tables[table]), table
    for row in hotels.to_pylist():
        if row["problems"]:
            assert all(isinstance(p, str) and p for p in row["problems"])
        else:  # typed: a record with an integer hid
            assert isinstance(row["hid"], int) and row["problem_detail"] is None


@settings(max_examples=6)  # each example runs the Great Expectations suite (about half a second)
@given(st.lists(lines, min_size=1, max_size=15))
def test_every_line_ends_accepted_or_quarantined_with_a_reason(tmp_path_factory, batch: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("lines")
    dump = folder / "d.jsonl.zst"
    dump.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(batch) + b"\n"))
    expect = list(iter_lines(dump))  # the lines as read (a byte-order mark at a line's start is dropped)
    assert len(expect) == len(batch)
    staged = stage_dump(dump, folder / "staged", workers=1)
    result = validate_staged(folder / "staged", dump, folder / "out")
    assert staged.lines == result.lines == result.accepted + result.quarantined == len(batch)
    q = pl.read_parquet(folder / "out" / "quarantine.parquet")
    accepted = set(pl.read_parquet(folder / "out" / "accepted.parquet")["line_no"])
    assert accepted.isdisjoint(q["line_no"]) and accepted | set(q["line_no"]) == set(range(1, len(batch) + 1))
    for row in q.iter_rows(named=True):
        assert row["reasons"], row
        assert row["raw"] == expect[row["line_no"] - 1].decode("utf-8", "backslashreplace")


def test_hypothesis_examples_cover_all_three_kinds(tmp_path: Path) -> None:
    """The strategies reach real hotels (typed), broken hotels and noise, or the properties prove little."""
    seen = set()
    for raw in [line_of(orjson.dumps(hotel_record(7, 1))), b"\xff\x00", b"[1]"]:
        row = stage_lines(LineBatch(1, [raw])).tables["hotels"].to_pylist()[0]
        seen.add(tuple(row["problems"]))
    assert seen == {(), ("invalid_utf8",), ("not_an_object",)}
