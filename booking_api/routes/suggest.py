"""Autocomplete from the platform's own search index: no supplier call per keystroke."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from booking_api.answers import Suggestions
from booking_api.deps import SearchKey, ServicesDep
from booking_api.problems import AUTHED, documented

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/suggest", response_model=Suggestions, responses=documented(*AUTHED, 422))
async def suggest(
    services: ServicesDep,
    key: SearchKey,
    q: str = Query(min_length=2, max_length=100, description="What the guest typed so far, in any script."),
    language: str = Query("en", description="Language of the names returned, where the catalog has it."),
    limit: int = Query(5, ge=1, le=20, description="At most this many regions, and this many hotels."),
) -> dict[str, Any]:
    """Regions, then hotels, whose names match `q`: each word a prefix of a name's word, typos allowed.

    Matching folds case and accents and works in any script of the catalog (Latin, Cyrillic,
    Arabic, Chinese, Japanese...). Answered from the search index that the catalog load builds.
    """
    found = await services.call(services.search.suggest, q, language, limit)
    return {
        "regions": [
            {"id": r.region_id, "name": r.name, "type": r.type, "country_code": r.country_code}
            for r in found.regions
        ],
        "hotels": [{"hid": h.hid, "name": h.name, "region_id": h.region_id} for h in found.hotels],
    }
