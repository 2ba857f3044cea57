"""Hotel content (read from the catalog in the store; never from the supplier per view).

Suggest is in `suggest.py` (from the search index)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from booking_api.answers import HotelContent
from booking_api.deps import SearchKey, ServicesDep
from booking_api.problems import AUTHED, Problem, documented
from booking_api.views import hotel_content
from core.catalog.serving import get_hotel

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/hotels/{hid}", response_model=HotelContent, responses=documented(*AUTHED, 404, 422))
async def hotel(hid: int, services: ServicesDep, key: SearchKey) -> dict[str, Any]:
    """A hotel's content, with the policies guests must see before they book."""
    found = await services.read(lambda tr: get_hotel(tr, hid))
    if found is None:
        raise Problem(404, "not-found", "Not found", f"no hotel {hid} on sale")
    return hotel_content(found)
