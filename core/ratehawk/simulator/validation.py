"""Request checks of the simulator: each failure is an `ApiError` carrying the contract's slug."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from core.ratehawk.simulator.pricing import FX, Room, SearchQuery

MAX_DAYS_AHEAD = 730
MAX_NIGHTS = 30
LANGUAGES = {
    "en",
    "ru",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "ar",
    "zh_CN",
    "ja",
    "tr",
    "pl",
    "uk",
    "ro",
    "bg",
    "el",
}


class ApiError(Exception):
    """An error answer: `{"data": null, "debug": ..., "error": slug, "status": "error"}`."""

    def __init__(self, slug: str, http_status: int = 200, sentence: str | None = None, **extra: Any) -> None:
        super().__init__(sentence or slug)
        self.slug = slug
        self.http_status = http_status
        self.sentence = sentence
        self.extra = extra
        self.headers: dict[str, str] = {}

    def debug(self) -> dict | None:
        debug: dict[str, Any] = dict(self.extra)
        if self.sentence:
            debug["validation_error" if self.slug == "invalid_params" else "message"] = self.sentence
        return debug or None


def invalid(sentence: str) -> ApiError:
    return ApiError("invalid_params", 400, sentence)


def require(body: dict, name: str, typ: type | tuple[type, ...], what: str) -> Any:
    if name not in body:
        raise invalid(f"{name}: this field is required")
    value = body[name]
    if (
        isinstance(value, bool)
        and typ is not bool
        and (typ is int or (isinstance(typ, tuple) and bool not in typ))
    ):
        raise invalid(f"{name}: must be {what}")
    if not isinstance(value, typ):
        raise invalid(f"{name}: must be {what}")
    return value


def parse_date(body: dict, name: str) -> date:
    value = require(body, name, str, "a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(f"{name}: '{value}' is not a date as YYYY-MM-DD") from None


def parse_search(body: dict, now: datetime) -> SearchQuery:
    """The common search fields: dates, residency, language, currency, guests, timeout."""
    checkin = parse_date(body, "checkin")
    checkout = parse_date(body, "checkout")
    today = now.date()
    if checkin < today:
        raise invalid("checkin: must not be in the past")
    if checkin > today + timedelta(days=MAX_DAYS_AHEAD):
        raise invalid(f"checkin: must be at most {MAX_DAYS_AHEAD} days ahead")
    nights = (checkout - checkin).days
    if nights < 1:
        raise invalid("checkout: must be after checkin")
    if nights > MAX_NIGHTS:
        raise invalid(f"checkout: a stay is at most {MAX_NIGHTS} nights")
    residency = require(body, "residency", str, "an ISO 3166-1 alpha-2 country code")
    if len(residency) != 2 or not residency.isalpha():
        raise invalid("residency: must be an ISO 3166-1 alpha-2 country code")
    language = body.get("language", "en")
    if language not in LANGUAGES:
        raise invalid(f"language: '{language}' is not supported")
    currency = body.get("currency") or "EUR"
    if not isinstance(currency, str) or currency.upper() not in FX:
        raise invalid(f"currency: '{currency}' is not supported; use one of {', '.join(sorted(FX))}")
    timeout = body.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 100
    ):
        raise invalid("timeout: must be a number of seconds from 1 to 100")
    guests = require(body, "guests", list, "a list with one entry per room")
    if not 1 <= len(guests) <= 9:
        raise invalid("guests: one entry per room, 1 to 9 rooms")
    rooms = []
    for i, room in enumerate(guests):
        if not isinstance(room, dict):
            raise invalid(f"guests[{i}]: must be an object with adults and children")
        adults = room.get("adults")
        if isinstance(adults, bool) or not isinstance(adults, int) or not 1 <= adults <= 6:
            raise invalid(f"guests[{i}].adults: must be an integer from 1 to 6")
        children = room.get("children", [])
        if not isinstance(children, list) or len(children) > 4:
            raise invalid(f"guests[{i}].children: must be a list of at most 4 ages")
        for age in children:
            if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 17:
                raise invalid(f"guests[{i}].children: each age must be an integer from 0 to 17")
        rooms.append(Room(adults, tuple(children)))
    return SearchQuery(checkin, checkout, residency.lower(), language, currency.upper(), tuple(rooms))


def parse_partner_order_id(value: Any, name: str = "partner_order_id") -> str:
    if not isinstance(value, str) or not 3 <= len(value) <= 256:
        raise invalid(f"{name}: must be a string of 3 to 256 characters")
    return value
