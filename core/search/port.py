"""The search-index port: hotels and regions, autocomplete, and narrowing of searches.

Two backends pass the same conformance suite (tests/core/search): Tantivy, embedded, with its
files in the data folder; Elasticsearch or OpenSearch when `IBE_SEARCH_URL` is set. Both index the
terms of `core.search.text`, so they fold accents, cases and scripts alike.

Writes are buffered until `commit()`, which makes them visible to every reader of the index (in
this process at once; in other processes within `REFRESH_S`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from core.search.documents import (
    HOTEL,
    REGION,
    GeoPoint,
    HotelDoc,
    HotelFilter,
    HotelHit,
    RegionDoc,
    RegionHit,
    Suggestions,
)
from core.search.text import words

REFRESH_S = 1.0  # readers in other processes see a commit within this long
EARTH_RADIUS_M = 6_371_008.8
EXACT_PREFIX_BOOST = 3.0  # a word matched without a typo outranks one matched with a typo
PLACE_BOOST = 0.5  # a word matching the hotel's city or region counts less than one in its name


class SearchIndex(ABC):
    """One deployment's search index."""

    @abstractmethod
    def put_hotels(self, docs: Iterable[HotelDoc]) -> int:
        """Add or replace hotels (by hid); returns how many were given."""

    @abstractmethod
    def put_regions(self, docs: Iterable[RegionDoc]) -> int:
        """Add or replace regions (by region id); returns how many were given."""

    @abstractmethod
    def delete_hotels(self, hids: Iterable[int]) -> int:
        """Remove hotels (absent ones are ignored); returns how many hids were given."""

    @abstractmethod
    def commit(self) -> None:
        """Make every write so far visible and durable."""

    @abstractmethod
    def hotel_ids(self) -> set[int]:
        """The hid of every hotel in the index (committed)."""

    @abstractmethod
    def region_count(self) -> int:
        """How many regions the index holds (committed)."""

    def suggest(self, query: str, language: str = "en", limit: int = 5) -> Suggestions:
        """Regions and hotels whose names match `query`, regions first.

        Every word of the query must match a word of the name (or of the hotel's city or region,
        which counts less) within `typo_budget` edits; the last word may be the start of one.
        Names are returned in `language` where the index has it (else English, else any).
        """
        if not words(query):
            return Suggestions([], [])
        regions = [
            RegionHit(rid, RegionDoc(rid, p["names"], p["type"]).name(language), p["type"], p["country"])
            for rid, p in self._matches(REGION, query, limit)
        ]
        hotels = [
            HotelHit(hid, HotelDoc(hid, p["names"]).name(language), p["region_id"], p["country"])
            for hid, p in self._matches(HOTEL, query, limit)
        ]
        return Suggestions(regions, hotels)

    @abstractmethod
    def _matches(self, doc_type: str, query: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """(id, stored payload) of the best `limit` documents of a type matching `query`."""

    @abstractmethod
    def find_hotels(self, where: HotelFilter, limit: int = 1000) -> list[int]:
        """Hids of hotels that pass every condition of `where`, most popular first."""

    def close(self) -> None:  # noqa: B027 - backends with nothing to release keep this
        """Release the index's files or connections."""

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(centre: GeoPoint, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box holding the circle (not across the antimeridian)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos = max(math.cos(math.radians(centre.latitude)), 1e-6)
    dlon = min(180.0, dlat / cos)
    return (centre.latitude - dlat, centre.latitude + dlat, centre.longitude - dlon, centre.longitude + dlon)
