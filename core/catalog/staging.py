"""Staging: dump lines -> typed Parquet tables (hotels, room groups, amenities, images, descriptions).

One pass over the dump in bounded batches: the fields the platform uses are typed into columns,
and the line's problems of *shape* are written next to it (`problems`: not JSON, no hid, a field of
the wrong JSON type). A line is first checked by a strict typed decode (`core.catalog.typed`,
msgspec); the lines that pass, almost all, are staged column-wise by Arrow's JSON reader and Polars
(`core.catalog.columnar`), and the others are parsed with orjson and checked field by field, which
names every problem. Nothing is dropped here: every line of the dump is one row of `hotels`, so
later stages can reconcile line counts exactly. Fields the platform does not model are kept as
JSON in `extra`; the raw line itself stays in the dump file (re-read by line number where needed),
so staging writes no second copy of 20 GB.

Each table is one Parquet file with one row group per batch: memory stays bounded by the batch
size whatever the dump size, and readers stream it back row group by row group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from core.catalog import columnar
from core.catalog.dumpfile import LineBatch
from core.catalog.fields import (
    BOOL_FIELDS,
    DICT_FIELDS,
    FACT_FIELDS,
    KNOWN_FIELDS,
    LIST_FIELDS,
    RG_EXT_FIELDS,
    STR_FIELDS,
)
from core.catalog.typed import decode_hotel

# Problems of shape found while parsing (value rules live in quality/).
INVALID_JSON = "invalid_json"
BLANK_LINE = "blank_line"  # empty, or only whitespace
NOT_AN_OBJECT = "not_an_object"  # valid JSON, but an array, a string, a number...
INVALID_UTF8 = "invalid_utf8"
# Lines with no record to check: only their own problem applies (no field rule can run on them).
UNPARSED = (INVALID_JSON, BLANK_LINE, NOT_AN_OBJECT, INVALID_UTF8)
HID_MISSING = "hid_missing"
HID_NOT_INTEGER = "hid_not_integer"
WRONG_TYPE = "wrong_type"  # written as "wrong_type:<field>"

HOTELS_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(),
    "hid": pl.Int64(),
    "problems": pl.List(pl.Utf8()),
    "problem_detail": pl.Utf8(),  # why a line is not a record: the parser's message and position
    **{name: pl.Utf8() for name in STR_FIELDS},
    "star_rating": pl.Int64(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "region_id": pl.Int64(),
    "region_name": pl.Utf8(),
    "region_country_code": pl.Utf8(),
    "region_type": pl.Utf8(),
    "region_iata": pl.Utf8(),
    **{name: pl.Boolean() for name in BOOL_FIELDS},
    "room_group_count": pl.Int32(),
    "image_count": pl.Int32(),
    "amenity_count": pl.Int32(),
    "floors_number": pl.Int64(),
    "rooms_number": pl.Int64(),
    "year_built": pl.Int64(),
    "year_renovated": pl.Int64(),
    "payment_methods": pl.List(pl.Utf8()),
    "serp_filters": pl.List(pl.Utf8()),
    "extra": pl.Utf8(),
    "content_hash": pl.Binary(),
    "raw_bytes": pl.Int64(),
}
ROOM_GROUPS_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(), "hid": pl.Int64(), "rg_index": pl.Int32(), "room_group_id": pl.Int64(),
    "name": pl.Utf8(), "main_name": pl.Utf8(), "bathroom": pl.Utf8(), "bedding_type": pl.Utf8(),
    "rg_class": pl.Int64(), "rg_quality": pl.Int64(), "rg_sex": pl.Int64(), "rg_bathroom": pl.Int64(),
    "rg_bedding": pl.Int64(), "rg_family": pl.Int64(), "rg_capacity": pl.Int64(), "rg_club": pl.Int64(),
    "rg_bedrooms": pl.Int64(), "rg_balcony": pl.Int64(), "rg_view": pl.Int64(), "rg_floor": pl.Int64(),
    "amenities": pl.List(pl.Utf8()), "image_count": pl.Int32(),
}  # fmt: skip
AMENITIES_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(), "hid": pl.Int64(), "group_name": pl.Utf8(), "amenity": pl.Utf8(),
    "is_paid": pl.Boolean(),
}  # fmt: skip
IMAGES_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(), "hid": pl.Int64(), "rg_index": pl.Int32(), "position": pl.Int32(),
    "url": pl.Utf8(), "category_slug": pl.Utf8(),
}  # fmt: skip
DESCRIPTIONS_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(), "hid": pl.Int64(), "section": pl.Int32(), "title": pl.Utf8(),
    "paragraph": pl.Int32(), "text": pl.Utf8(),
}  # fmt: skip
REGIONS_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(), "region_id": pl.Int64(), "type": pl.Utf8(), "name": pl.Utf8(),
    "country_code": pl.Utf8(), "latitude": pl.Float64(), "longitude": pl.Float64(), "iata": pl.Utf8(),
    "hotel_count": pl.Int64(), "record": pl.Utf8(),
}  # fmt: skip
TABLES: dict[str, dict[str, pl.DataType]] = {
    "hotels": HOTELS_SCHEMA,
    "room_groups": ROOM_GROUPS_SCHEMA,
    "amenities": AMENITIES_SCHEMA,
    "images": IMAGES_SCHEMA,
    "descriptions": DESCRIPTIONS_SCHEMA,
}


_ARROW: dict[str, pa.Schema] = {
    table: pl.DataFrame(schema=schema).to_arrow().schema for table, schema in TABLES.items()
}


def content_hash(raw: bytes) -> bytes:
    """The 16-byte content hash of a dump line (xxh3-128): equal lines, equal hash."""
    return xxhash.xxh3_128_digest(raw)


_INT64 = range(-(2**63), 2**63)  # the integers a column can hold; wider ones are no usable value


def _int(value: Any) -> int | None:
    return value if type(value) is int and value in _INT64 else None


def _stars(value: Any) -> int | None:
    """A star rating as an int (an integral float such as 4.0 counts), or None."""
    if type(value) is float and value.is_integer():
        value = int(value)
    return _int(value)


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def _num(value: Any) -> float | None:
    t = type(value)
    return float(value) if t is float or t is int else None


def _list(value: Any) -> list[Any]:
    return value if type(value) is list else []


def _dict(value: Any) -> dict[str, Any]:
    return value if type(value) is dict else {}


class _Columns:
    """Column lists of one batch, per table."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list[Any]]] = {
            table: {name: [] for name in schema} for table, schema in TABLES.items()
        }
        self.problems: Counter[str] = Counter()
        self.raw_bytes = 0

    def arrow(self, table: str) -> pa.Table:
        # pyarrow builds nested columns from Python lists far faster than Polars' constructor.
        return pa.table(self.cols[table], schema=_ARROW[table])


def _type_problems(rec: dict[str, Any]) -> list[str]:
    problems = []
    get = rec.get
    for name in STR_FIELDS:
        v = get(name)
        if v is not None and type(v) is not str:
            problems.append(f"{WRONG_TYPE}:{name}")
    for name in ("latitude", "longitude"):
        v = get(name)
        if v is not None and _num(v) is None:
            problems.append(f"{WRONG_TYPE}:{name}")
    v = get("star_rating")
    if v is not None and _stars(v) is None:
        problems.append(f"{WRONG_TYPE}:star_rating")
    for name in BOOL_FIELDS:
        v = get(name)
        if v is not None and type(v) is not bool:
            problems.append(f"{WRONG_TYPE}:{name}")
    for name in LIST_FIELDS:
        v = get(name)
        if v is not None and type(v) is not list:
            problems.append(f"{WRONG_TYPE}:{name}")
    for name in DICT_FIELDS:
        v = get(name)
        if v is not None and type(v) is not dict:
            problems.append(f"{WRONG_TYPE}:{name}")
    return problems


def _parse(raw: bytes) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(record, problem, detail) of one line: the record if it is a JSON object, else why not."""
    try:
        rec = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not raw.strip():
            return None, BLANK_LINE, f"{len(raw)} whitespace bytes" if raw else "empty line"
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return None, INVALID_UTF8, f"{bad.reason} at byte {bad.start}: {raw[bad.start : bad.start + 4]!r}"
        return None, INVALID_JSON, f"{exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos})"
    if type(rec) is not dict:
        return None, NOT_AN_OBJECT, f"a JSON {_json_kind(rec)}, not an object"
    return rec, None, None


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _stage_line(c: _Columns, line_no: int, raw: bytes) -> None:
    h = c.cols["hotels"]
    problems: list[str] = []
    parsed, problem, detail = _parse(raw)
    rec = parsed if parsed is not None else {}
    if problem is not None:
        problems.append(problem)
    h["problem_detail"].append(detail)
    hid = rec.get("hid")
    if not problems:
        if hid is None:
            problems.append(HID_MISSING)
        elif _int(hid) is None:  # not an integer, or one wider than 64 bits
            problems.append(HID_NOT_INTEGER)
        problems.extend(_type_problems(rec))
    hid = _int(hid)
    get = rec.get
    h["line_no"].append(line_no)
    h["hid"].append(hid)
    h["problems"].append(problems)
    for name in STR_FIELDS:
        h[name].append(_str(get(name)))
    stars = get("star_rating")
    h["star_rating"].append(_stars(stars))
    h["latitude"].append(_num(get("latitude")))
    h["longitude"].append(_num(get("longitude")))
    region = _dict(get("region"))
    h["region_id"].append(_int(region.get("id")))
    h["region_name"].append(_str(region.get("name")))
    h["region_country_code"].append(_str(region.get("country_code")))
    h["region_type"].append(_str(region.get("type")))
    h["region_iata"].append(_str(region.get("iata")))
    for name in BOOL_FIELDS:
        v = get(name)
        h[name].append(v if type(v) is bool else None)
    room_groups = _list(get("room_groups"))
    amenity_groups = _list(get("amenity_groups"))
    images = _list(get("images_ext"))
    h["room_group_count"].append(len(room_groups))
    h["image_count"].append(len(images))
    h["amenity_count"].append(sum(len(_list(_dict(g).get("amenities"))) for g in amenity_groups))
    facts = _dict(get("facts"))
    for name in FACT_FIELDS:
        h[name].append(_int(facts.get(name)))
    h["payment_methods"].append([x for x in _list(get("payment_methods")) if type(x) is str])
    h["serp_filters"].append([x for x in _list(get("serp_filters")) if type(x) is str])
    extra = {k: v for k, v in rec.items() if k not in KNOWN_FIELDS}
    h["extra"].append(orjson.dumps(extra).decode() if extra else None)
    h["content_hash"].append(content_hash(raw))
    h["raw_bytes"].append(len(raw))
    c.raw_bytes += len(raw)
    if problems:
        c.problems.update(p.split(":", 1)[0] for p in problems)
        return  # child rows only for well-formed lines
    _stage_children(c, line_no, hid, room_groups, amenity_groups, images, _list(get("description_struct")))


def _stage_children(
    c: _Columns,
    line_no: int,
    hid: int | None,
    room_groups: list[Any],
    amenity_groups: list[Any],
    images: list[Any],
    description: list[Any],
) -> None:
    # Column-wise extends: one C-level call per column instead of one append per value.
    rg_cols, am, im, de = c.cols["room_groups"], c.cols["amenities"], c.cols["images"], c.cols["descriptions"]
    if room_groups:
        rgs = [_dict(rg) for rg in room_groups]
        n = len(rgs)
        names = [_dict(rg.get("name_struct")) for rg in rgs]
        exts = [_dict(rg.get("rg_ext")) for rg in rgs]
        rg_cols["line_no"].extend([line_no] * n)
        rg_cols["hid"].extend([hid] * n)
        rg_cols["rg_index"].extend(range(n))
        rg_cols["room_group_id"].extend([_int(rg.get("room_group_id")) for rg in rgs])
        rg_cols["name"].extend([_str(rg.get("name")) for rg in rgs])
        rg_cols["main_name"].extend([_str(ns.get("main_name")) for ns in names])
        rg_cols["bathroom"].extend([_str(ns.get("bathroom")) for ns in names])
        rg_cols["bedding_type"].extend([_str(ns.get("bedding_type")) for ns in names])
        rg_cols["amenities"].extend([_strings(rg.get("room_amenities")) for rg in rgs])
        for name in RG_EXT_FIELDS:
            rg_cols[f"rg_{name}"].extend([_int(ext.get(name)) for ext in exts])
        rg_images = [_list(rg.get("images_ext")) for rg in rgs]
        rg_cols["image_count"].extend([len(x) for x in rg_images])
        for i, imgs in enumerate(rg_images):
            if imgs:
                _images(im, line_no, hid, i, imgs)
    for group in amenity_groups:
        group = _dict(group)
        items = _strings(group.get("amenities"))
        if not items:
            continue
        n = len(items)
        paid = set(_strings(group.get("non_free_amenities")))
        am["line_no"].extend([line_no] * n)
        am["hid"].extend([hid] * n)
        am["group_name"].extend([_str(group.get("group_name"))] * n)
        am["amenity"].extend(items)
        am["is_paid"].extend([a in paid for a in items])
    if images:
        _images(im, line_no, hid, None, images)
    for s, section in enumerate(description):
        section = _dict(section)
        texts = _strings(section.get("paragraphs"))
        n = len(texts)
        de["line_no"].extend([line_no] * n)
        de["hid"].extend([hid] * n)
        de["section"].extend([s] * n)
        de["title"].extend([_str(section.get("title"))] * n)
        de["paragraph"].extend(range(n))
        de["text"].extend(texts)


def _strings(value: Any) -> list[str]:
    items = _list(value)
    return items if all(type(x) is str for x in items) else [x for x in items if type(x) is str]


def _images(
    im: dict[str, list[Any]], line_no: int, hid: int | None, rg_index: int | None, imgs: list[Any]
) -> None:
    dicts = [_dict(x) for x in imgs]
    n = len(dicts)
    im["line_no"].extend([line_no] * n)
    im["hid"].extend([hid] * n)
    im["rg_index"].extend([rg_index] * n)
    im["position"].extend(range(n))
    im["url"].extend([_str(d.get("url")) for d in dicts])
    im["category_slug"].extend([_str(d.get("category_slug")) for d in dicts])


@dataclass
class StagedBatch:
    """One batch of dump lines as Arrow tables, with its line count, raw size and shape problems."""

    tables: dict[str, pa.Table]
    lines: int
    raw_bytes: int
    problems: Counter[str]
    read_bytes: int = 0  # compressed bytes of the dump read up to the end of this batch


def stage_lines(batch: LineBatch, fast: bool = True) -> StagedBatch:
    """Typed tables of one batch of dump lines (one `hotels` row per line, children of good lines).

    Lines that decode strictly (`typed.decode_hotel`) are staged column-wise (`columnar.build`);
    the others, and every line with `fast=False` (the reference the fast path must match), one by
    one through the general path, which names every problem.
    """
    general = _Columns()
    line_nos: list[int] = []
    raws: list[bytes] = []
    extras: list[str | None] = []
    for line_no, raw in batch.numbered():
        decoded = decode_hotel(raw, KNOWN_FIELDS) if fast else None
        if decoded is None:
            _stage_line(general, line_no, raw)
        else:
            line_nos.append(line_no)
            raws.append(raw)
            extras.append(decoded[1])
    if not line_nos:
        return StagedBatch({t: general.arrow(t) for t in TABLES}, len(batch.lines), general.raw_bytes,
                           general.problems, batch.read_bytes)  # fmt: skip
    typed = columnar.build(line_nos, raws, extras, [content_hash(raw) for raw in raws])
    if typed is None:  # Arrow refused the batch (a key repeated in a line): stage it the general way
        return stage_lines(batch, fast=False)
    tables = {}
    for table, schema in _ARROW.items():
        rows = typed[table].select(schema.names).to_arrow().cast(schema)
        others = general.arrow(table)
        tables[table] = _in_line_order(rows, others) if others.num_rows else rows
    raw_bytes = general.raw_bytes + sum(len(raw) for raw in raws)
    return StagedBatch(tables, len(batch.lines), raw_bytes, general.problems, batch.read_bytes)


def _in_line_order(a: pa.Table, b: pa.Table) -> pa.Table:
    """Rows of two tables with disjoint lines, by line number (a line's own rows keep their order)."""
    both = pa.concat_tables([a, b])
    return both.take(pc.sort_indices(both["line_no"]))  # a stable sort


def stage_batch(batch: LineBatch) -> dict[str, pl.DataFrame]:
    """`stage_lines` as Polars frames."""
    return {t: pl.from_arrow(table) for t, table in stage_lines(batch).tables.items()}  # type: ignore[misc]
