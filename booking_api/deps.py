"""Annotated dependencies, so route handlers read as what they need."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from booking_api.auth import require
from booking_api.services import Services
from core.booking.apikeys import ApiKey


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]
SearchKey = Annotated[ApiKey, Depends(require("search"))]
BookKey = Annotated[ApiKey, Depends(require("book"))]
InventoryKey = Annotated[ApiKey, Depends(require("inventory"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
