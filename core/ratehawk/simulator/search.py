"""Static content and search endpoints of the simulator: hotel info, multicomplete, serp, hotel page."""

from __future__ import annotations

from datetime import UTC, datetime

from core.ratehawk.simulator.pricing import Offer, SearchQuery
from core.ratehawk.simulator.state import SimulatorState
from core.ratehawk.simulator.validation import ApiError, invalid, parse_search, require
from core.ratehawk.synthetic import SANDBOX_HIDS, all_regions, hotel_basics, in_catalog
from core.ratehawk.synthetic.regions import Region

GEO_MAX_RADIUS_M = 70_000
REGION_POINT_RADIUS_M = 10_000  # airports, neighbourhoods: hotels around the point
MULTICOMPLETE_LIMIT = 5


def _now(state: SimulatorState) -> datetime:
    return datetime.fromtimestamp(state.config.clock(), UTC)


def _exists(state: SimulatorState, hid: int) -> bool:
    return in_catalog(hid, state.config.hotels) or hid in SANDBOX_HIDS


def hotel_info(state: SimulatorState, key_id: str, body: dict) -> dict:
    hid = body.get("hid")
    if hid is None and "id" in body:
        slug = body["id"]
        if not isinstance(slug, str):
            raise invalid("id: must be a string")
        hid = next((h for h in SANDBOX_HIDS if hotel_basics(state.config.seed, h).id == slug), None)
        tail = slug.rpartition("_")[2]
        if hid is None and tail.isdigit() and hotel_basics(state.config.seed, int(tail)).id == slug:
            hid = int(tail)
        if hid is None:
            raise ApiError("hotel_not_found", sentence=f"no hotel with id {slug!r}")
    if hid is None:
        raise invalid("hid: this field (or id) is required")
    if isinstance(hid, bool) or not isinstance(hid, int):
        raise invalid("hid: must be an integer")
    if not _exists(state, hid):
        raise ApiError("hotel_not_found", sentence=f"no hotel with hid {hid}")
    return state.ratebook.record(hid)


def multicomplete(state: SimulatorState, key_id: str, body: dict) -> dict:
    query = require(body, "query", str, "a string")
    needle = query.strip().lower()
    if not needle or len(needle) > 100:
        raise invalid("query: must have 1 to 100 characters")
    catalog = state.catalog.build()
    ranked: list[tuple[int, int]] = []  # (rank, position): name prefix, word prefix, anywhere
    for pos, name in enumerate(catalog.names):
        at = name.find(needle)
        if at >= 0:
            ranked.append((0 if at == 0 else 1 if name[at - 1] == " " else 2, pos))
    ranked.sort()
    hotels = []
    for _, pos in ranked[:MULTICOMPLETE_LIMIT]:
        b = hotel_basics(state.config.seed, catalog.hids[pos])
        hotels.append({"id": b.id, "hid": b.hid, "name": b.name, "region_id": b.region.id})
    matching = [r for r in all_regions() if needle in r.name.lower()]
    matching.sort(key=lambda r: (not r.name.lower().startswith(needle), r.type != "City", r.name))
    regions = [
        {"id": r.id, "name": r.name, "type": r.type, "country_code": r.country_code}
        for r in matching[:MULTICOMPLETE_LIMIT]
    ]
    return {"hotels": hotels, "regions": regions}


def _hotels_json(state: SimulatorState, hids: list[int], query: SearchQuery, *, hotel_page: bool) -> dict:
    now = _now(state)
    out = []
    rooms = len(query.rooms)
    for hid in hids[: state.config.serp_max_hotels]:
        offers: list[Offer] = state.ratebook.offers(hid, query, now)
        rates = []
        record = state.ratebook.record(hid)
        for offer in offers:
            free = state.available(offer)
            if free < rooms:
                continue
            if hotel_page:
                state.remember(offer)
            rates.append(offer.as_rate(record, with_book_hash=hotel_page, allotment=free))
            if not hotel_page and len(rates) >= state.config.serp_rates_per_hotel:
                break
        if rates:
            out.append({"hid": hid, "id": record["id"], "rates": rates})
    return {"hotels": out, "total_hotels": len(out)}


def _region(region_id: int) -> Region | None:
    return next((r for r in all_regions() if r.id == region_id), None)


def serp_region(state: SimulatorState, key_id: str, body: dict) -> dict:
    query = parse_search(body, _now(state))
    region_id = require(body, "region_id", int, "an integer region id")
    region = _region(region_id)
    if region is None:
        raise invalid(f"region_id: no region {region_id}")
    catalog = state.catalog.build()
    if region.type == "City" and region.city_index is not None:
        hids = catalog.by_city.get(region.city_index, [])
    elif region.type == "Country":
        cities = [
            r.city_index
            for r in all_regions()
            if r.city_index is not None and r.country_code == region.country_code
        ]
        hids = [h for ci in cities for h in catalog.by_city.get(ci, [])]
    else:
        hids = catalog.within(region.latitude, region.longitude, REGION_POINT_RADIUS_M)
    return _hotels_json(state, hids, query, hotel_page=False)


def serp_hotels(state: SimulatorState, key_id: str, body: dict) -> dict:
    query = parse_search(body, _now(state))
    hids = require(body, "hids", list, "a list of 1 to 300 hids")
    if not 1 <= len(hids) <= 300:
        raise invalid("hids: must list 1 to 300 hids")
    if any(isinstance(h, bool) or not isinstance(h, int) for h in hids):
        raise invalid("hids: every hid must be an integer")
    known = [h for h in dict.fromkeys(hids) if _exists(state, h)]
    return _hotels_json(state, known, query, hotel_page=False)


def serp_geo(state: SimulatorState, key_id: str, body: dict) -> dict:
    query = parse_search(body, _now(state))
    lat = require(body, "latitude", (int, float), "a number")
    lon = require(body, "longitude", (int, float), "a number")
    radius = require(body, "radius", (int, float), "a number of metres")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise invalid("latitude/longitude: out of range")
    if not 0 < radius <= GEO_MAX_RADIUS_M:
        raise invalid(f"radius: must be 1 to {GEO_MAX_RADIUS_M} metres")
    return _hotels_json(state, state.catalog.within(lat, lon, radius), query, hotel_page=False)


def hotel_page(state: SimulatorState, key_id: str, body: dict) -> dict:
    query = parse_search(body, _now(state))
    hid = require(body, "hid", int, "an integer hid")
    if not _exists(state, hid):
        return {"hotels": [], "total_hotels": 0}
    return _hotels_json(state, [hid], query, hotel_page=True)
