"""What the search index holds: hotels and regions as documents, and what a query asks of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HOTEL = "hotel"
REGION = "region"
DocType = Literal["hotel", "region"]


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class HotelDoc:
    """One hotel on sale, as search sees it.

    `names` holds the hotel's name in every dump language (`{"en": ..., "ru": ...}`); region and
    city names likewise. `amenities` are the filter slugs (`serp_filters`) and amenity names.
    `popularity` orders hotels of equal match (higher first).
    """

    hid: int
    names: dict[str, str]
    region_id: int | None = None
    region_names: dict[str, str] = field(default_factory=dict)
    city_names: dict[str, str] = field(default_factory=dict)
    country_code: str | None = None
    chain: str | None = None
    kind: str | None = None
    stars: int | None = None
    geo: GeoPoint | None = None
    amenities: tuple[str, ...] = ()
    popularity: float = 0.0

    def name(self, language: str) -> str:
        return _in(self.names, language) or str(self.hid)


@dataclass(frozen=True)
class RegionDoc:
    """A region (city, country, airport, neighbourhood...) with its names in every dump language."""

    region_id: int
    names: dict[str, str]
    type: str
    country_code: str | None = None
    geo: GeoPoint | None = None
    hotel_count: int = 0

    @property
    def popularity(self) -> float:
        return float(self.hotel_count)

    def name(self, language: str) -> str:
        return _in(self.names, language) or str(self.region_id)


def _in(names: dict[str, str], language: str) -> str | None:
    return names.get(language) or names.get("en") or next(iter(names.values()), None)


@dataclass(frozen=True)
class HotelHit:
    hid: int
    name: str
    region_id: int | None
    country_code: str | None


@dataclass(frozen=True)
class RegionHit:
    region_id: int
    name: str
    type: str
    country_code: str | None


@dataclass(frozen=True)
class Suggestions:
    """Autocomplete answers: matching regions (ranked first) and matching hotels."""

    regions: list[RegionHit]
    hotels: list[HotelHit]


@dataclass(frozen=True)
class HotelFilter:
    """Narrowing of a search: every field set must hold (amenities: all of them)."""

    region_id: int | None = None
    country_code: str | None = None
    kinds: tuple[str, ...] = ()
    min_stars: int | None = None
    max_stars: int | None = None
    amenities: tuple[str, ...] = ()
    chain: str | None = None
    near: GeoPoint | None = None
    radius_m: float | None = None
