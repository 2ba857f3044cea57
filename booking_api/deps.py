"""Annotated dependencies, so route handlers read as what they need."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security

from booking_api.auth import require
from booking_api.services import Services
from core.booking.apikeys import ApiKey


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def scoped(scope: str) -> Any:
    """A key holding `scope`; OpenAPI lists the scope in the operation's `security` requirement."""
    return Security(require(scope), scopes=[scope])


ServicesDep = Annotated[Services, Depends(get_services)]
SearchKey = Annotated[ApiKey, scoped("search")]
BookKey = Annotated[ApiKey, scoped("book")]
InventoryKey = Annotated[ApiKey, scoped("inventory")]
AdminKey = Annotated[ApiKey, scoped("admin")]
