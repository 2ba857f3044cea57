"""Request and answer bodies of the API, validated at the edge with messages a partner can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

MAX_NIGHTS = 30
MAX_DAYS_AHEAD = 730

# ISO 4217 codes the platform sells in.
CURRENCIES = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "AZN",
        "BGN",
        "BHD",
        "BRL",
        "BYN",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "GEL",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JOD",
        "JPY",
        "KES",
        "KRW",
        "KWD",
        "KZT",
        "MAD",
        "MXN",
        "MYR",
        "NOK",
        "NZD",
        "OMR",
        "PEN",
        "PHP",
        "PLN",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "UZS",
        "VND",
        "ZAR",
    ]
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GuestName(Body):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)


class Room(Body):
    """The guests of one room: 1 to 6 adults and up to 4 children aged 0 to 17."""

    adults: int = Field(ge=1, le=6, description="1 to 6 adults")
    children: list[Annotated[int, Field(ge=0, le=17, description="age 0 to 17")]] = Field(
        default_factory=list, max_length=4
    )


class StayQuery(Body):
    """Dates, guests, residency and currency: what every price question needs."""

    checkin: date
    checkout: date
    residency: str = Field(
        min_length=2, max_length=2, pattern="^[A-Za-z]{2}$", description="ISO 3166 country"
    )
    currency: str = Field(default="EUR", description="ISO 4217 code")
    language: str = Field(default="en", min_length=2, max_length=5)
    guests: list[Room] = Field(min_length=1, max_length=9, description="one entry per room")

    @field_validator("checkin")
    @classmethod
    def _checkin(cls, value: date) -> date:
        today = datetime.now(UTC).date()
        if value < today:
            raise ValueError(f"check-in {value.isoformat()} is in the past")
        if value > today + timedelta(days=MAX_DAYS_AHEAD):
            raise ValueError(f"check-in is at most {MAX_DAYS_AHEAD} days ahead")
        return value

    @field_validator("checkout")
    @classmethod
    def _checkout(cls, value: date, info: ValidationInfo) -> date:
        checkin = info.data.get("checkin")
        if checkin is None:
            return value
        nights = (value - checkin).days
        if nights < 1:
            raise ValueError("checkout must be after checkin")
        if nights > MAX_NIGHTS:
            raise ValueError(f"a stay is at most {MAX_NIGHTS} nights, this one is {nights}")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.upper()
        if code not in CURRENCIES:
            raise ValueError(f"unknown currency {value!r}: use an ISO 4217 code such as EUR or USD")
        return code

    @field_validator("residency")
    @classmethod
    def _residency(cls, value: str) -> str:
        return value.lower()

    def supplier_params(self) -> Any:
        from core.ratehawk.models import GuestRoom, SearchParams

        return SearchParams(
            checkin=self.checkin,
            checkout=self.checkout,
            residency=self.residency,
            language=self.language,
            currency=self.currency,
            guests=[GuestRoom(adults=r.adults, children=list(r.children)) for r in self.guests],
        )


class GeoPoint(Body):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_m: int = Field(default=5000, ge=100, le=70_000)


class SearchRequest(StayQuery):
    """Search by region, by hotel ids, or around a point: give exactly one of them."""

    region_id: int | None = None
    hids: list[int] | None = Field(default=None, min_length=1, max_length=300)
    geo: GeoPoint | None = None
    page: int = Field(default=1, ge=1, le=100)
    page_size: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _one_target(self) -> SearchRequest:
        given = [n for n in ("region_id", "hids", "geo") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of region_id, hids or geo")
        return self

    def cache_key(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"page", "page_size"})


class RatesRequest(StayQuery):
    """The hotel page: every rate of one hotel for the stay."""


class PrebookRequest(Body):
    book_hash: str = Field(pattern=r"^h-[0-9a-fA-F-]{8,}$", description="a hotel-page `h-...` hash")
    price_increase_percent: int = Field(
        default=100,
        ge=0,
        le=100,
        description="the rise tolerated; by default any change is returned and shown",
    )
    expected_price: Decimal | None = Field(default=None, gt=0, description="the price the guest saw")


class Contact(Body):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class BookingRoom(Room):
    guests: list[GuestName] = Field(min_length=1, description="names: adults first, then children")


class Amount(Body):
    amount: Decimal = Field(gt=0, decimal_places=4)
    currency: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return StayQuery._currency(value)


class BookingCreate(Body):
    hid: int = Field(gt=0)
    room: str = Field(min_length=1, max_length=200, description="room name as the hotel page gave it")
    book_hash: str = Field(pattern=r"^h-[0-9a-fA-F-]{8,}$", description="the hotel-page `h-...` hash")
    checkin: date
    checkout: date
    residency: str = Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")
    language: str = Field(default="en", min_length=2, max_length=5)
    rooms: list[BookingRoom] = Field(min_length=1, max_length=9)
    user: Contact
    price: Amount = Field(description="the most the guest agreed to pay (after any prebook change)")
    payment_token: str = Field(min_length=3, max_length=200, description="card token from the payment page")
    sandbox_trigger: str | None = Field(
        default=None,
        pattern=r"^[a-z_0-9]{2,40}$",
        description="sandbox only: ETG test trigger for the order id",
    )

    _checkin = field_validator("checkin")(StayQuery._checkin.__func__)  # type: ignore[attr-defined]
    _checkout = field_validator("checkout")(StayQuery._checkout.__func__)  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _names(self) -> BookingCreate:
        for i, room in enumerate(self.rooms):
            if len(room.guests) != room.adults + len(room.children):
                raise ValueError(
                    f"rooms[{i}]: {room.adults + len(room.children)} guest name(s) needed, {len(room.guests)} given"
                )
        return self


class AllotmentNight(Body):
    night: date
    allotment: int | None = Field(ge=0, le=10_000, description="rooms to sell; null stops managing the night")


class AllotmentUpdate(Body):
    nights: list[AllotmentNight] = Field(min_length=1, max_length=400)
