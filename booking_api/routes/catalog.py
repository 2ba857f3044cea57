"""Suggest and hotel content (read from the catalog in the store; never from the supplier per view)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from booking_api.deps import SearchKey, ServicesDep
from booking_api.problems import Problem
from booking_api.views import hotel_content
from core.catalog.serving import get_hotel
from core.ratehawk.errors import RateHawkError

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/suggest")
async def suggest(
    services: ServicesDep, key: SearchKey, q: str = Query(min_length=2, max_length=100), language: str = "en"
) -> dict[str, Any]:
    """Hotels and regions whose name matches `q` (the supplier's multicomplete)."""
    try:
        found = await services.ratehawk.multicomplete(q, language)
    except RateHawkError as exc:
        raise Problem(502, "supplier-error", "Supplier error", f"suggest failed: {exc.slug}") from None
    return {
        "hotels": [{"hid": h.hid, "name": h.name, "region_id": h.region_id} for h in found.hotels],
        "regions": [
            {"id": r.id, "name": r.name, "type": r.type, "country_code": r.country_code}
            for r in found.regions
        ],
    }


@router.get("/hotels/{hid}")
async def hotel(hid: int, services: ServicesDep, key: SearchKey) -> dict[str, Any]:
    """A hotel's content, with the policies guests must see before they book."""
    found = await services.read(lambda tr: get_hotel(tr, hid))
    if found is None:
        raise Problem(404, "not-found", "Not found", f"no hotel {hid} on sale")
    return hotel_content(found)
