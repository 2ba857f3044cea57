"""Search documents from a validated catalog load, and the bulk build of the index from them.

The hotels come from the load's `accepted.parquet` (the validated lines: name, kind, chain, stars,
position, region, `serp_filters`), the regions from its `regions.parquet` (the region dump, with
the names in every language it carries). A dump is in one language (RateHawk's dumps are per
language), so a hotel's names are `{DUMP_LANGUAGE: name}`; its region and city names are the
region dump's, in every language.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from core.catalog.stager import iter_row_groups
from core.search.documents import GeoPoint, HotelDoc, RegionDoc
from core.search.port import SearchIndex

DUMP_LANGUAGE = "en"
HOTEL_COLUMNS = [
    "hid", "name", "kind", "hotel_chain", "star_rating", "latitude", "longitude", "region_id",
    "region_name", "region_type", "region_country_code", "serp_filters", "image_count", "amenity_count",
    "deleted",
]  # fmt: skip


def popularity(stars: int | None, images: int | None, amenities: int | None) -> float:
    """A stand-in for demand until sales figures feed the index: stars, then richness of content."""
    return float(stars or 0) + math.log1p((images or 0) + (amenities or 0))


def region_docs(regions: Path) -> Iterator[RegionDoc]:
    """Every region of a staged region dump (`regions.parquet`)."""
    columns = ["region_id", "type", "country_code", "latitude", "longitude", "hotel_count", "record"]
    for frame in iter_row_groups(regions, columns=columns):
        for rid, kind, country, lat, lon, count, record in frame.iter_rows():
            names = orjson.loads(record).get("name")
            if not isinstance(names, dict) or not names:
                continue
            geo = GeoPoint(lat, lon) if lat is not None and lon is not None else None
            texts = {str(k): str(v) for k, v in names.items() if isinstance(v, str) and v}
            yield RegionDoc(rid, texts, kind or "Region", country, geo, int(count or 0))


def _hotel(row: dict[str, Any], regions: dict[int, RegionDoc]) -> HotelDoc:
    region = regions.get(row["region_id"]) if row["region_id"] is not None else None
    region_names = (
        region.names if region else ({DUMP_LANGUAGE: row["region_name"]} if row["region_name"] else {})
    )
    is_city = (region.type if region else row["region_type"]) == "City"
    lat, lon = row["latitude"], row["longitude"]
    return HotelDoc(
        hid=row["hid"],
        names={DUMP_LANGUAGE: row["name"]},
        region_id=row["region_id"],
        region_names=region_names,
        city_names=region_names if is_city else {},
        country_code=row["region_country_code"],
        chain=row["hotel_chain"] or None,
        kind=row["kind"],
        stars=row["star_rating"],
        geo=GeoPoint(lat, lon) if lat is not None and lon is not None else None,
        amenities=tuple(row["serp_filters"] or ()),
        popularity=popularity(row["star_rating"], row["image_count"], row["amenity_count"]),
    )


def hotel_batches(
    accepted: Path, regions: dict[int, RegionDoc]
) -> Iterator[tuple[list[HotelDoc], list[int]]]:
    """(hotels to index, hids to remove) per row group of `accepted.parquet`.

    A `deleted` line takes the hotel out of the index (as it takes it off sale in the store).
    """
    for frame in iter_row_groups(accepted, columns=HOTEL_COLUMNS):
        off = pl.col("deleted").fill_null(False)
        gone = frame.filter(off)["hid"].to_list()
        docs = [_hotel(row, regions) for row in frame.filter(~off).iter_rows(named=True)]
        yield docs, gone


@dataclass
class IndexBuild:
    """What one build did, and how long it took."""

    hotels_indexed: int = 0
    hotels_removed: int = 0
    regions_indexed: int = 0
    seconds: float = 0.0
    hotels_in_index: int = 0


def build_from_load(
    index: SearchIndex,
    accepted: Path,
    regions: Path | None,
    full: bool,
    progress: Callable[[IndexBuild], None] | None = None,
) -> IndexBuild:
    """Apply one validated load to the index in bulk, and commit it as one step.

    A full load also removes every hotel it no longer lists; an incremental one changes only the
    hotels it names. Regions are replaced when the load carries a region dump.
    """
    started = time.perf_counter()
    build = IndexBuild()
    region_map: dict[int, RegionDoc] = {}
    if regions is not None and regions.exists():
        region_map = {r.region_id: r for r in region_docs(regions)}
        build.regions_indexed = index.put_regions(region_map.values())
    listed: set[int] = set()
    for docs, gone in hotel_batches(accepted, region_map):
        build.hotels_indexed += index.put_hotels(docs)
        build.hotels_removed += index.delete_hotels(gone)
        listed.update(d.hid for d in docs)
        if progress is not None:
            progress(build)
    if full:
        build.hotels_removed += index.delete_hotels(index.hotel_ids() - listed)
    index.commit()
    build.hotels_in_index = len(index.hotel_ids())
    build.seconds = round(time.perf_counter() - started, 3)
    return build


def hotel_doc(record: dict[str, Any], regions: dict[int, RegionDoc] | None = None) -> HotelDoc:
    """The document of one hotel dump record (a line of the dump, parsed)."""
    region = record.get("region") or {}
    amenities = sum(len(g.get("amenities") or ()) for g in record.get("amenity_groups") or ())
    row = {
        "hid": record["hid"], "name": record.get("name") or str(record["hid"]), "kind": record.get("kind"),
        "hotel_chain": record.get("hotel_chain"), "star_rating": record.get("star_rating"),
        "latitude": record.get("latitude"), "longitude": record.get("longitude"),
        "region_id": region.get("id"), "region_name": region.get("name"), "region_type": region.get("type"),
        "region_country_code": region.get("country_code"), "serp_filters": record.get("serp_filters"),
        "image_count": len(record.get("images_ext") or ()), "amenity_count": amenities,
    }  # fmt: skip
    return _hotel(row, regions or {})


def region_of_hotel(record: dict[str, Any]) -> RegionDoc | None:
    """The region a hotel record embeds, as a document (for catalogs loaded without a region dump)."""
    region = record.get("region") or {}
    if region.get("id") is None or not region.get("name"):
        return None
    names = {DUMP_LANGUAGE: region["name"]}
    return RegionDoc(region["id"], names, region.get("type") or "Region", region.get("country_code"))
