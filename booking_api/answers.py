"""Response models: what each route answers, as OpenAPI shows it to partners and client generators.

They are separate from the storage models (`core.domain`): a stored booking holds its payment token
and key id, an answer never does. Amounts are decimal strings with their currency, never floats.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.domain.booking import (
    CancellationInfo,
    CancellationPolicy,
    HistoryEntry,
    PaymentInfo,
    Price,
    RoomGuests,
    SupplierOrder,
)


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(Answer):
    amount: Decimal = Field(description='Decimal string, e.g. `"128.40"`.')
    currency: str = Field(description="ISO 4217 code.")


class TaxAtHotel(Answer):
    name: str | None
    amount: Decimal
    currency: str | None


class PenaltyWindow(Answer):
    start_at: datetime | None
    end_at: datetime | None
    amount: Decimal = Field(description="What the guest pays if they cancel within this window.")


class RateSummary(Answer):
    """A rate as a result page shows it."""

    room_name: str | None
    meal: str | None
    has_breakfast: bool
    price: Amount
    taxes_at_hotel: list[TaxAtHotel] = Field(description="Paid at the hotel; not included in `price`.")
    payment_type: str | None
    refundable: bool
    free_cancellation_before: datetime | None
    match_hash: str | None


class BookableRate(RateSummary):
    """A rate of the hotel page: `book_hash` prebooks or books it."""

    book_hash: str | None
    cancellation_penalties: list[PenaltyWindow]
    daily_prices: list[Decimal]


class HotelSummary(Answer):
    hid: int
    name: str | None
    stars: int | None
    address: str | None
    image: str | None = Field(description="URL of the first image, or null when the catalog has none.")
    kind: str | None = None
    region: str | None = None


class SearchHotel(HotelSummary):
    rates: list[RateSummary] = Field(description="The cheapest one or two rates, cheapest first.")


class SearchPage(Answer):
    total_hotels: int
    page: int
    page_size: int
    currency: str
    hotels: list[SearchHotel]
    cached: bool = Field(description="Served from the result cache (fresh for a minute).")


class HotelRates(Answer):
    hid: int
    currency: str
    rates: list[BookableRate]


class PrebookAnswer(RateSummary):
    book_hash: str = Field(description="The hotel-page hash that was prebooked.")
    prebooked_hash: str | None = Field(description="The `p-...` hash to book with.")
    price_changed: bool
    previous_price: Decimal | None
    message: str | None = Field(default=None, description="Set when the price changed: show it to the guest.")


class RoomGroup(Answer):
    name: str | None
    rg_ext: dict[str, Any]


class Policies(Answer):
    metapolicy: dict[str, Any] = Field(description="`metapolicy_struct` of the dump: guests must see it.")
    extra_info: str | None = Field(description="`metapolicy_extra_info` of the dump.")


class HotelContent(HotelSummary):
    latitude: float | None
    longitude: float | None
    check_in_time: str | None
    check_out_time: str | None
    phone: str | None
    email: str | None
    amenity_groups: list[dict[str, Any]]
    description: list[dict[str, Any]]
    images: list[str]
    room_groups: list[RoomGroup]
    policies: Policies
    payment_methods: list[Any]


class SuggestedRegion(Answer):
    id: int
    name: str
    type: str
    country_code: str | None


class SuggestedHotel(Answer):
    hid: int
    name: str
    region_id: int | None


class Suggestions(Answer):
    regions: list[SuggestedRegion] = Field(description="Ranked before hotels.")
    hotels: list[SuggestedHotel]


class BookingAccepted(Answer):
    booking_id: str
    state: str
    status_url: str = Field(description="Poll it until `state` is final.")


class CancellationAccepted(BookingAccepted):
    penalty: Amount
    refund: Amount


class BookingView(Answer):
    """A booking as its partner sees it: state, price, supplier order, payment and history."""

    id: str
    partner_id: str
    user_id: str
    email: str
    phone: str | None
    state: str
    hid: int
    room: str
    checkin: date
    checkout: date
    residency: str
    language: str
    rooms: list[RoomGuests]
    book_hash: str
    price: Price
    accepted_price: Decimal
    cancellation: CancellationPolicy
    user_ip: str
    sandbox_trigger: str | None
    hold_id: str | None
    supplier: SupplierOrder
    payment: PaymentInfo
    cancel: CancellationInfo | None
    failure: str | None
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry]
    saga: dict[str, Any] | None = Field(default=None, description="The saga's live state, with `live=true`.")


class UserBooking(Answer):
    booking_id: str
    state: str
    hid: int
    checkin: date
    checkout: date
    price: Amount


class UserBookings(Answer):
    user_id: str
    bookings: list[UserBooking]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class NightAllotment(Answer):
    night: date
    allotment: int | None
    held: int
    available: int | None


class Allotments(Answer):
    hid: int
    room: str
    nights: list[NightAllotment]


class Webhook(Answer):
    webhook_id: str
    partner_id: str
    url: str
    event_types: list[str]
    created_at_ms: int
    active: bool
    previous_until_ms: int


class WebhookCreated(Webhook):
    secret: str = Field(description="The Standard Webhooks signing secret (`whsec_...`), shown only here.")


class Webhooks(Answer):
    webhooks: list[Webhook]


class DeadDelivery(Answer):
    delivery_id: str
    event_id: str
    event_type: str
    attempts: int
    last_error: str


class DeadDeliveries(Answer):
    deliveries: list[DeadDelivery]


class Replayed(Answer):
    replayed: int = Field(description="Parked deliveries queued again.")


class Liveness(Answer):
    status: str


class Readiness(Answer):
    ready: bool
    checks: dict[str, dict[str, Any]]
