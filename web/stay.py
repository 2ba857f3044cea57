"""The guest's stay as the pages carry it in their URLs: dates, rooms with guests, language, currency.

Rooms travel as repeated `rooms` parameters, one a room: `2` is two adults, `2-5-9` two adults and
children aged 5 and 9. Every check names the form field it concerns, so the page can show the
message next to that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from web.i18n import CURRENCIES, DEFAULT_CURRENCY, DEFAULT_LANGUAGE, LANGUAGES

MAX_NIGHTS = 30
MAX_DAYS_AHEAD = 730
MAX_ROOMS = 9


@dataclass
class Room:
    adults: int = 2
    children: list[int] = field(default_factory=list)

    def token(self) -> str:
        return "-".join(str(n) for n in [self.adults, *self.children])

    @property
    def guests(self) -> int:
        return self.adults + len(self.children)


@dataclass
class Stay:
    checkin: date
    checkout: date
    rooms: list[Room]
    language: str = DEFAULT_LANGUAGE
    currency: str = DEFAULT_CURRENCY
    residency: str = "gb"

    @property
    def nights(self) -> int:
        return (self.checkout - self.checkin).days

    @property
    def guests(self) -> int:
        return sum(r.guests for r in self.rooms)

    def api_body(self) -> dict[str, Any]:
        """The stay part of a search, hotel-page or booking request of the booking API."""
        return {
            "checkin": self.checkin.isoformat(),
            "checkout": self.checkout.isoformat(),
            "residency": self.residency,
            "currency": self.currency,
            "language": self.language,
            "guests": [{"adults": r.adults, "children": r.children} for r in self.rooms],
        }

    def params(self) -> list[tuple[str, str]]:
        out = [("checkin", self.checkin.isoformat()), ("checkout", self.checkout.isoformat())]
        out += [("rooms", r.token()) for r in self.rooms]
        out += [("lang", self.language), ("cur", self.currency)]
        return out

    def query(self, **extra: Any) -> str:
        pairs = self.params() + [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)


class StayErrors(ValueError):
    """Field -> message, for the fields of the search form that were refused."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def locale(params: Any) -> tuple[str, str]:
    """Language and currency asked for (unknown values fall back to English and EUR)."""
    lang = params.get("lang") or DEFAULT_LANGUAGE
    cur = (params.get("cur") or DEFAULT_CURRENCY).upper()
    return (lang if lang in LANGUAGES else DEFAULT_LANGUAGE), (cur if cur in CURRENCIES else DEFAULT_CURRENCY)


def parse_room(token: str) -> Room:
    parts = [p for p in token.strip().split("-") if p != ""]
    numbers = [int(p) for p in parts]  # ValueError for anything else
    if not numbers or not 1 <= numbers[0] <= 6:
        raise ValueError("each room takes 1 to 6 adults")
    children = numbers[1:]
    if len(children) > 4 or any(not 0 <= age <= 17 for age in children):
        raise ValueError("up to 4 children per room, aged 0 to 17")
    return Room(numbers[0], children)


def parse_stay(params: Any, today: date | None = None) -> Stay:
    """A stay from query parameters (a Starlette QueryParams or FormData, or a dict of lists)."""
    today = today or datetime.now(UTC).date()
    errors: dict[str, str] = {}
    checkin = _date(params.get("checkin"), "checkin", errors)
    checkout = _date(params.get("checkout"), "checkout", errors)
    if checkin is not None and "checkin" not in errors:
        if checkin < today:
            errors["checkin"] = "Check-in cannot be in the past."
        elif checkin > today + timedelta(days=MAX_DAYS_AHEAD):
            errors["checkin"] = f"Check-in can be at most {MAX_DAYS_AHEAD} days ahead."
    if checkin is not None and checkout is not None and "checkout" not in errors:
        nights = (checkout - checkin).days
        if nights < 1:
            errors["checkout"] = "Check-out must be after check-in."
        elif nights > MAX_NIGHTS:
            errors["checkout"] = f"A stay can be at most {MAX_NIGHTS} nights."
    tokens = room_tokens(params)
    rooms: list[Room] = []
    if len(tokens) > MAX_ROOMS:
        errors["rooms"] = f"At most {MAX_ROOMS} rooms in one booking."
    else:
        try:
            rooms = [parse_room(t) for t in tokens]
        except ValueError as exc:
            errors["rooms"] = (
                f"Guests per room: {exc}." if "room" in str(exc) else "Guests per room look wrong."
            )
    residency = (params.get("residency") or "gb").lower()
    if len(residency) != 2 or not residency.isalpha():
        errors["residency"] = "Choose the country you live in."
    if errors:
        raise StayErrors(errors)
    assert checkin is not None and checkout is not None
    lang, cur = locale(params)
    return Stay(checkin, checkout, rooms, lang, cur, residency)


def room_tokens(params: Any) -> list[str]:
    """`rooms=2-5` tokens, or the search form's `adults` and `children` ("5, 9") fields, one per room."""
    adults = params.getlist("adults")
    if adults:
        children = params.getlist("children")
        tokens = []
        for i, n in enumerate(adults):
            ages = (children[i] if i < len(children) else "").replace(",", " ").split()
            tokens.append("-".join([n.strip(), *ages]))
        return tokens
    return [t for t in params.getlist("rooms") if t.strip()] or ["2"]


def default_stay(today: date | None = None) -> Stay:
    """What the home page proposes: two adults, two nights, a month ahead."""
    today = today or datetime.now(UTC).date()
    start = today + timedelta(days=30)
    return Stay(start, start + timedelta(days=2), [Room(2)])


def _date(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        errors[name] = "Choose a date."
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Enter the date as YYYY-MM-DD."
        return None
