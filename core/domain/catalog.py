"""The catalog's pure models: a hotel as the platform serves it, its room groups, its region.

A hotel record is RateHawk's dump line (`shared/ratehawk-api.md`, "One hotel record"). The platform
keeps the whole record (unknown fields included) and reads a few typed fields from it; `Hotel`
holds both, so callers use the typed fields and still reach anything else through `record`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Property kinds RateHawk sends (its documented list); a record with another kind is quarantined.
HOTEL_KINDS: frozenset[str] = frozenset(
    {
        "Apart-hotel",
        "Apartment",
        "BNB",
        "Boutique_and_Design",
        "Camping",
        "Capsule_Hotel",
        "Castle",
        "Cottages_and_Houses",
        "Farm",
        "Glamping",
        "Guesthouse",
        "Hostel",
        "Hotel",
        "Mini-hotel",
        "Resort",
        "Sanatorium",
        "Villas_and_Bungalows",
    }
)

REGION_TYPES: frozenset[str] = frozenset(
    {
        "Airport",
        "Bus Station",
        "City",
        "Continent",
        "Country",
        "Multi-City (Vicinity)",
        "Multi-Region (within a country)",
        "Neighborhood",
        "Point of Interest",
        "Province (State)",
        "Railway Station",
        "Street",
        "Subway (Entrace)",
    }
)

EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class RoomGroup:
    """One room type of a hotel (`room_groups[]`): what a rate's `rg_ext` is matched against."""

    room_group_id: int | None
    name: str
    main_name: str | None
    rg_class: int | None
    capacity: int | None
    amenities: tuple[str, ...]

    @classmethod
    def from_record(cls, rg: dict[str, Any]) -> RoomGroup:
        ext = rg.get("rg_ext") or {}
        return cls(
            room_group_id=rg.get("room_group_id"),
            name=rg.get("name") or "",
            main_name=(rg.get("name_struct") or {}).get("main_name"),
            rg_class=ext.get("class"),
            capacity=ext.get("capacity"),
            amenities=tuple(rg.get("room_amenities") or ()),
        )


@dataclass(frozen=True, slots=True)
class Region:
    """A region of RateHawk's region dump (or the `region` object embedded in a hotel)."""

    id: int
    name: str
    country_code: str | None
    type: str | None = None
    iata: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Region:
        """From a region dump line (`name` is `{lang: text}`) or a hotel's embedded region."""
        name = rec.get("name")
        if isinstance(name, dict):
            name = name.get("en") or next(iter(name.values()), "")
        center = rec.get("center") or {}
        return cls(
            id=int(rec["id"]),
            name=name or "",
            country_code=rec.get("country_code"),
            type=rec.get("type"),
            iata=rec.get("iata"),
            latitude=center.get("latitude"),
            longitude=center.get("longitude"),
        )


@dataclass(frozen=True, slots=True)
class Hotel:
    """A hotel on sale: typed fields for search and booking, and the full record as RateHawk sent it."""

    hid: int
    id: str | None
    name: str
    kind: str | None
    star_rating: int | None
    latitude: float | None
    longitude: float | None
    region: Region | None
    address: str | None
    check_in_time: str | None
    check_out_time: str | None
    is_closed: bool
    record: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Hotel:
        region = rec.get("region")
        return cls(
            hid=int(rec["hid"]),
            id=rec.get("id"),
            name=rec.get("name") or "",
            kind=rec.get("kind"),
            star_rating=rec.get("star_rating"),
            latitude=rec.get("latitude"),
            longitude=rec.get("longitude"),
            region=Region.from_record(region) if isinstance(region, dict) and "id" in region else None,
            address=rec.get("address"),
            check_in_time=rec.get("check_in_time"),
            check_out_time=rec.get("check_out_time"),
            is_closed=bool(rec.get("is_closed")),
            record=rec,
        )

    @property
    def room_groups(self) -> list[RoomGroup]:
        return [RoomGroup.from_record(rg) for rg in self.record.get("room_groups") or ()]

    @property
    def metapolicy_extra_info(self) -> str | None:
        """Free-text policy that must be shown to guests before they book."""
        return self.record.get("metapolicy_extra_info")


@dataclass(frozen=True, slots=True)
class NearbyHotel:
    """A hit of a geo search: the hotel id, its position and its distance from the search point."""

    hid: int
    latitude: float
    longitude: float
    distance_km: float
