"""Managed allotments: partners with the `inventory` scope cap rooms per hotel, room and night."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from booking_api.answers import Allotments
from booking_api.deps import InventoryKey, ServicesDep
from booking_api.problems import AUTHED, documented, field_problem
from booking_api.schemas import AllotmentUpdate
from core.booking import inventory

router = APIRouter(prefix="/v1/inventory", tags=["inventory"])


@router.put("/{hid}/{room}", response_model=Allotments, responses=documented(400, *AUTHED, 409, 422))
async def put_allotments(
    body: AllotmentUpdate,
    services: ServicesDep,
    key: InventoryKey,
    hid: int = Path(gt=0),
    room: str = Path(min_length=1, max_length=200),
) -> dict[str, Any]:
    """Set the allotment of each night (publishes `inventory.updates`); null stops managing a night."""
    nights = {n.night: n.allotment for n in body.nights}
    try:
        result = await services.tx(lambda tr: inventory.set_allotments(tr, hid, room, nights))
    except inventory.AllotmentBelowHeld as exc:
        raise field_problem(409, "allotment-below-held", "Allotment below rooms taken",
                            f"nights[{exc.night.isoformat()}].allotment", str(exc)) from None  # fmt: skip
    return {
        "hid": hid,
        "room": room,
        "nights": [
            {"night": n.night.isoformat(), "allotment": n.allotment, "held": n.held, "available": n.available}
            for n in result
        ],
    }
