"""Typed requests and answers of the RateHawk B2B API v3 (see /work/shared/ratehawk-api.md).

Answers tolerate and keep unknown fields (`extra="allow"`, so `model_dump()` gives the raw record
back); requests refuse unknown ones. Money is `Decimal` next to its currency code, parsed from the
API's decimal strings; datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from core.domain.money import Money


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]

MAX_NIGHTS = 30
MAX_DAYS_AHEAD = 730


class Wire(BaseModel):
    """An answer object: unknown fields are kept, so nothing the supplier sends is lost."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Request(BaseModel):
    """A request body: unknown fields are refused before anything is sent."""

    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# -- money ---------------------------------------------------------------------------------------
class SupplierAmount(Wire):
    """An amount with its currency, as in `{"amount": "97.90", "currency_code": "EUR"}`."""

    amount: Decimal
    currency_code: str | None = None

    def as_money(self) -> Money:
        if not self.currency_code:
            raise ValueError("this amount came without a currency")
        return Money(amount=self.amount, currency=self.currency_code)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        # Some answers give a bare decimal string; the currency then comes from the context.
        if isinstance(value, str | int | float | Decimal):
            return {"amount": value}
        return value


# -- overview and static content -----------------------------------------------------------------
class EndpointLimit(Wire):
    endpoint: str
    is_active: bool = True
    is_limited: bool = True
    requests_number: int | None = None
    seconds_number: int | None = None


class DumpLink(Wire):
    url: str
    last_update: UtcDateTime | None = None


class RegionRef(Wire):
    id: int | None = None
    name: str | None = None
    country_code: str | None = None
    iata: str | None = None
    type: str | None = None


class HotelInfo(Wire):
    """One hotel record (a dump line or a `hotel/info/` answer); the typed fields are those the
    platform reads, every other field stays in the model's extras."""

    hid: int
    id: str | None = None
    name: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    region: RegionRef | None = None
    star_rating: int | None = None
    kind: str | None = None
    is_closed: bool | None = None
    deleted: bool | None = None


class SuggestedHotel(Wire):
    id: str | None = None
    hid: int | None = None
    name: str | None = None
    region_id: int | None = None


class SuggestedRegion(Wire):
    id: int
    name: str | None = None
    type: str | None = None
    country_code: str | None = None


class Multicomplete(Wire):
    hotels: list[SuggestedHotel] = Field(default_factory=list)
    regions: list[SuggestedRegion] = Field(default_factory=list)


# -- search --------------------------------------------------------------------------------------
class GuestRoom(Request):
    """The guests of one room."""

    adults: int = Field(ge=1, le=6)
    children: list[Annotated[int, Field(ge=0, le=17)]] = Field(default_factory=list, max_length=4)


class SearchParams(Request):
    """What every search sends; one `GuestRoom` per room (1-9)."""

    checkin: date
    checkout: date
    residency: str = Field(min_length=2, max_length=2)
    language: str = "en"
    guests: list[GuestRoom] = Field(min_length=1, max_length=9)
    currency: str | None = None
    timeout: int | None = Field(default=None, ge=1, le=100)
    filter: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _dates(self) -> SearchParams:
        nights = (self.checkout - self.checkin).days
        if nights < 1 or nights > MAX_NIGHTS:
            raise ValueError(f"a stay is 1 to {MAX_NIGHTS} nights, got {nights}")
        if self.checkin > datetime.now(UTC).date() + timedelta(days=MAX_DAYS_AHEAD):
            raise ValueError(f"check-in is at most {MAX_DAYS_AHEAD} days ahead")
        self.residency = self.residency.lower()
        return self


class Tax(Wire):
    name: str | None = None
    amount: Decimal
    currency_code: str | None = None
    included_by_supplier: bool = False


class TaxData(Wire):
    taxes: list[Tax] = Field(default_factory=list)


class PenaltyPolicy(Wire):
    start_at: UtcDateTime | None = None
    end_at: UtcDateTime | None = None
    amount_charge: Decimal | None = None
    amount_show: Decimal | None = None


class CancellationPenalties(Wire):
    policies: list[PenaltyPolicy] = Field(default_factory=list)
    free_cancellation_before: UtcDateTime | None = None

    @property
    def refundable(self) -> bool:
        return self.free_cancellation_before is not None


class PaymentType(Wire):
    type: str
    amount: Decimal
    currency_code: str
    show_amount: Decimal | None = None
    show_currency_code: str | None = None
    tax_data: TaxData | None = None
    cancellation_penalties: CancellationPenalties | None = None

    @property
    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency_code)

    @property
    def taxes_due_at_hotel(self) -> list[Tax]:
        """Taxes shown apart and never added to the total."""
        return [t for t in (self.tax_data.taxes if self.tax_data else []) if not t.included_by_supplier]


class PaymentOptions(Wire):
    payment_types: list[PaymentType] = Field(default_factory=list)


class MealData(Wire):
    value: str | None = None
    has_breakfast: bool | None = None


class Rate(Wire):
    match_hash: str | None = None
    book_hash: str | None = None
    daily_prices: list[Decimal] = Field(default_factory=list)
    meal_data: MealData | None = None
    room_name: str | None = None
    rg_ext: dict[str, Any] = Field(default_factory=dict)
    allotment: int | None = None
    amenities_data: list[str] = Field(default_factory=list)
    payment_options: PaymentOptions = Field(default_factory=PaymentOptions)

    @property
    def payment(self) -> PaymentType | None:
        """The first payment type (the one the platform books with)."""
        types = self.payment_options.payment_types
        return types[0] if types else None


class HotelRates(Wire):
    hid: int
    id: str | None = None
    rates: list[Rate] = Field(default_factory=list)


class SearchResults(Wire):
    hotels: list[HotelRates] = Field(default_factory=list)
    total_hotels: int | None = None


# -- booking -------------------------------------------------------------------------------------
class PriceChanges(Wire):
    price_changed: bool = False


class PrebookResult(Wire):
    hotels: list[HotelRates] = Field(default_factory=list)
    changes: PriceChanges = Field(default_factory=PriceChanges)

    @property
    def rate(self) -> Rate:
        """The prebooked rate (with its `p-...` book_hash)."""
        for hotel in self.hotels:
            for rate in hotel.rates:
                return rate
        raise LookupError("prebook answer holds no rate")

    @property
    def price_changed(self) -> bool:
        return self.changes.price_changed


class FormPaymentType(Wire):
    type: str
    amount: Decimal
    currency_code: str
    is_need_credit_card_data: bool | None = None
    is_need_cvc: bool | None = None

    @property
    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency_code)


class BookingForm(Wire):
    order_id: int
    item_id: int
    partner_order_id: str
    payment_types: list[FormPaymentType] = Field(default_factory=list)


class FinishPartner(Request):
    partner_order_id: str = Field(min_length=3, max_length=256)
    comment: str | None = None


class FinishUser(Request):
    email: str
    phone: str | None = None


class FinishGuest(Request):
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    is_child: bool | None = None
    age: int | None = Field(default=None, ge=0, le=17)


class FinishRoom(Request):
    guests: list[FinishGuest] = Field(min_length=1)


class FinishPayment(Request):
    type: str
    amount: Decimal
    currency_code: str


class FinishRequest(Request):
    """Body of `hotel/order/booking/finish/`. Fields beyond the contract that the real API takes
    (`supplier_data`, `arrival_datetime`, ...) may be added and are sent as given."""

    model_config = ConfigDict(extra="allow")

    partner: FinishPartner
    user: FinishUser
    language: str = "en"
    rooms: list[FinishRoom] = Field(min_length=1)
    payment_type: FinishPayment
    return_path: str | None = None


FinishOutcome = Literal["accepted", "pending"]
"""`accepted`: finish answered ok. `pending`: timeout/unknown/5xx, the status poll decides."""


class BookingStatus(Wire):
    """A status poll that did not fail: `ok` (booked) or `processing` (poll again)."""

    status: Literal["ok", "processing"]
    partner_order_id: str
    data: dict[str, Any] | None = None

    @property
    def confirmed(self) -> bool:
        return self.status == "ok"


class CancelResult(Wire):
    amount_payable: SupplierAmount | None = None
    amount_refunded: SupplierAmount | None = None
    amount_sell: SupplierAmount | None = None


class OrdersPage(Wire):
    orders: list[dict[str, Any]] = Field(default_factory=list)
    current_page_number: int | None = None
    total_orders: int | None = None
    total_pages: int | None = None
