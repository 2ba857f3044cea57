"""Staging's fast path, column-wise: the typed tables of well-formed lines, built by Arrow and Polars.

Lines that `typed.decode_hotel` accepts are certainly well formed (every field staging types has
its JSON type). For those lines no Python code touches a value: Arrow's JSON reader (C++) parses
them, joined, against the schema of the typed fields, and Polars expressions flatten the nested
lists into the child tables (room groups, amenities, images, descriptions). This replaces about
25 attribute reads and list appends per room group, image and amenity in Python, which made
staging the slowest stage of the pipeline.

The values are those the general path (`staging._stage_line`) gives for the same lines; the
staging tests compare both on tricky lines and on a generated dump. Arrow's reader is stricter
than needed in one case: a key repeated in a line (`decode_hotel` keeps the last value, as the
general path does) makes it refuse the whole batch, and `build` then returns None: the caller
stages those lines through the general path.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.json as pa_json

from core.catalog.fields import BOOL_FIELDS, FACT_FIELDS, RG_EXT_FIELDS, STR_FIELDS

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_STRINGS = pa.list_(_S)
_IMAGES = pa.list_(pa.struct([("url", _S), ("category_slug", _S)]))

_ROOM_GROUP = pa.struct(
    [
        ("room_group_id", _I),
        ("name", _S),
        ("name_struct", pa.struct([("main_name", _S), ("bathroom", _S), ("bedding_type", _S)])),
        ("rg_ext", pa.struct([(name, _I) for name in RG_EXT_FIELDS])),
        ("room_amenities", _STRINGS),
        ("images_ext", _IMAGES),
    ]
)
_AMENITY_GROUP = pa.struct([("group_name", _S), ("amenities", _STRINGS), ("non_free_amenities", _STRINGS)])

# The typed fields of a hotel line (`typed.Hotel`), as Arrow's JSON reader should read them.
JSON_SCHEMA = pa.schema(
    [
        ("hid", _I),
        *[(name, _S) for name in STR_FIELDS],
        ("star_rating", _I),
        ("latitude", _F),
        ("longitude", _F),
        *[(name, _B) for name in BOOL_FIELDS],
        ("region", pa.struct([("id", _I), ("name", _S), ("country_code", _S), ("type", _S), ("iata", _S)])),
        ("facts", pa.struct([(name, _I) for name in FACT_FIELDS])),
        ("payment_methods", _STRINGS),
        ("serp_filters", _STRINGS),
        ("images_ext", _IMAGES),
        ("room_groups", pa.list_(_ROOM_GROUP)),
        ("amenity_groups", pa.list_(_AMENITY_GROUP)),
        ("description_struct", pa.list_(pa.struct([("title", _S), ("paragraphs", _STRINGS)]))),
    ]
)
_PARSE = pa_json.ParseOptions(explicit_schema=JSON_SCHEMA, unexpected_field_behavior="ignore")
_NO_STRINGS = pl.lit([], dtype=pl.List(pl.Utf8))


def parse(raws: list[bytes]) -> pl.DataFrame | None:
    """The typed fields of well-formed lines, one row per line; None if Arrow refuses the batch."""
    data = b"\n".join(raws)
    options = pa_json.ReadOptions(use_threads=False, block_size=max(1 << 20, len(data) + 1))
    try:
        table = pa_json.read_json(pa.BufferReader(data), read_options=options, parse_options=_PARSE)
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(raws):
        return None
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def build(
    line_nos: list[int], raws: list[bytes], extras: list[str | None], hashes: list[bytes]
) -> dict[str, pl.DataFrame] | None:
    """hotels, room_groups, amenities, images and descriptions rows of well-formed lines (or None).

    `extras` (fields not modelled, as JSON) and `hashes` (content hashes) are per line, as staging
    computed them.
    """
    parsed = parse(raws)
    if parsed is None:
        return None
    frame = parsed.with_columns(
        pl.Series("line_no", line_nos, pl.Int64),
        pl.Series("extra", extras, pl.Utf8),
        pl.Series("content_hash", hashes, pl.Binary),
        pl.Series("raw_bytes", [len(r) for r in raws], pl.Int64),
    )
    room_groups = _room_groups(frame)
    return {
        "hotels": _hotels(frame),
        "room_groups": room_groups,
        "amenities": _amenities(frame),
        "images": _images(frame, room_groups),
        "descriptions": _descriptions(frame),
    }


def _count(column: str) -> pl.Expr:
    return pl.col(column).list.len().fill_null(0).cast(pl.Int32)


def _hotels(frame: pl.DataFrame) -> pl.DataFrame:
    region, facts = pl.col("region").struct, pl.col("facts").struct
    amenities_per_group = pl.col("amenity_groups").list.eval(
        pl.element().struct.field("amenities").list.len()
    )
    return frame.select(
        "line_no",
        "hid",
        pl.lit([], dtype=pl.List(pl.Utf8)).alias("problems"),
        pl.lit(None, dtype=pl.Utf8).alias("problem_detail"),
        *STR_FIELDS,
        "star_rating",
        "latitude",
        "longitude",
        region.field("id").alias("region_id"),
        region.field("name").alias("region_name"),
        region.field("country_code").alias("region_country_code"),
        region.field("type").alias("region_type"),
        region.field("iata").alias("region_iata"),
        *BOOL_FIELDS,
        _count("room_groups").alias("room_group_count"),
        _count("images_ext").alias("image_count"),
        amenities_per_group.list.sum().fill_null(0).cast(pl.Int32).alias("amenity_count"),
        *[facts.field(name) for name in FACT_FIELDS],
        pl.col("payment_methods").fill_null(_NO_STRINGS),
        pl.col("serp_filters").fill_null(_NO_STRINGS),
        "extra",
        "content_hash",
        "raw_bytes",
    )


def _exploded(frame: pl.DataFrame, column: str, index: str, *keep: str) -> pl.DataFrame:
    """One row per element of the list `column` (empty and null lists give none), its position in `index`."""
    return (
        frame.select("line_no", "hid", *keep, column)
        .filter(pl.col(column).list.len() > 0)
        .with_columns(pl.int_ranges(pl.col(column).list.len(), dtype=pl.Int32).alias(index))
        .explode(column, index, empty_as_null=False)
    )


def _room_groups(frame: pl.DataFrame) -> pl.DataFrame:
    rg = pl.col("room_groups").struct
    names, ext = rg.field("name_struct").struct, rg.field("rg_ext").struct
    return _exploded(frame, "room_groups", "rg_index").select(
        "line_no",
        "hid",
        "rg_index",
        rg.field("room_group_id"),
        rg.field("name"),
        names.field("main_name"),
        names.field("bathroom"),
        names.field("bedding_type"),
        *[ext.field(name).alias(f"rg_{name}") for name in RG_EXT_FIELDS],
        rg.field("room_amenities").fill_null(_NO_STRINGS).alias("amenities"),
        rg.field("images_ext").list.len().fill_null(0).cast(pl.Int32).alias("image_count"),
        rg.field("images_ext").alias("images"),  # for `_images`, dropped by staging
    )


def _image_rows(frame: pl.DataFrame, column: str, rg_index: pl.Expr) -> pl.DataFrame:
    image = pl.col(column).struct
    return (
        _exploded(frame.with_columns(rg_index.cast(pl.Int32).alias("rg_index")), column, "position", "rg_index")
        .select("line_no", "hid", "rg_index", "position", image.field("url"), image.field("category_slug"))
    )  # fmt: skip


def _images(frame: pl.DataFrame, room_groups: pl.DataFrame) -> pl.DataFrame:
    """Room-group images, then the hotel's own (rg_index null), per line: the order the general path writes."""
    of_rooms = _image_rows(room_groups, "images", pl.col("rg_index"))
    of_hotel = _image_rows(frame, "images_ext", pl.lit(None))
    return pl.concat([of_rooms, of_hotel]).sort("line_no", maintain_order=True)


def _amenities(frame: pl.DataFrame) -> pl.DataFrame:
    group = pl.col("amenity_groups").struct
    groups = (
        _exploded(frame, "amenity_groups", "group")
        .select("line_no", "hid", "group", group.field("group_name"), group.field("amenities"),
                group.field("non_free_amenities").alias("paid"))
        .filter(pl.col("amenities").list.len() > 0)
    )  # fmt: skip
    items = groups.select("line_no", "hid", "group", "group_name", "amenities").explode(
        "amenities", empty_as_null=False
    )
    paid = (
        groups.select("line_no", "group", "paid")
        .explode("paid", empty_as_null=False)
        .drop_nulls("paid")
        .unique()
        .with_columns(pl.lit(True).alias("is_paid"))
    )
    return items.join(
        paid, left_on=["line_no", "group", "amenities"], right_on=["line_no", "group", "paid"], how="left",
        maintain_order="left",
    ).select("line_no", "hid", "group_name", pl.col("amenities").alias("amenity"),
             pl.col("is_paid").fill_null(False))  # fmt: skip


def _descriptions(frame: pl.DataFrame) -> pl.DataFrame:
    section = pl.col("description_struct").struct
    sections = _exploded(frame, "description_struct", "section").select(
        "line_no", "hid", "section", section.field("title"), section.field("paragraphs")
    )
    return _exploded(sections, "paragraphs", "paragraph", "section", "title").select(
        "line_no", "hid", "section", "title", "paragraph", pl.col("paragraphs").alias("text")
    )
