"""Bookings: states, the allowed transitions, and the record kept in the transactional store.

A booking moves through the saga's steps (see booking_api/temporal/workflows.py for the saga):

    received -> inventory_held -> prebooked -> supplier_form -> payment_authorized
             -> supplier_pending -> supplier_confirmed -> confirmed
    any non-final state -> compensating -> failed
    confirmed -> cancelling -> cancelled   (or back to confirmed when the supplier refuses)

`failed`, `cancelled` are final. `confirmed` is final for the booking saga; only a cancellation
saga moves it on. Money is `Decimal` with its currency; times are timezone-aware UTC.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BookingState(StrEnum):
    RECEIVED = "received"
    INVENTORY_HELD = "inventory_held"
    PREBOOKED = "prebooked"
    SUPPLIER_FORM = "supplier_form"
    PAYMENT_AUTHORIZED = "payment_authorized"
    SUPPLIER_PENDING = "supplier_pending"
    SUPPLIER_CONFIRMED = "supplier_confirmed"
    CONFIRMED = "confirmed"
    COMPENSATING = "compensating"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


S = BookingState
FORWARD = (
    S.RECEIVED,
    S.INVENTORY_HELD,
    S.PREBOOKED,
    S.SUPPLIER_FORM,
    S.PAYMENT_AUTHORIZED,
    S.SUPPLIER_PENDING,
    S.SUPPLIER_CONFIRMED,
    S.CONFIRMED,
)
FINAL_STATES = frozenset({S.FAILED, S.CANCELLED})

TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    state: frozenset({FORWARD[i + 1], S.COMPENSATING}) for i, state in enumerate(FORWARD[:-1])
}
# Capture is never compensated by cancelling the stay: a supplier-confirmed booking only goes forward.
TRANSITIONS[S.SUPPLIER_CONFIRMED] = frozenset({S.CONFIRMED})
TRANSITIONS[S.CONFIRMED] = frozenset({S.CANCELLING})
TRANSITIONS[S.COMPENSATING] = frozenset({S.FAILED})
TRANSITIONS[S.CANCELLING] = frozenset({S.CANCELLED, S.CONFIRMED})
TRANSITIONS[S.FAILED] = frozenset()
TRANSITIONS[S.CANCELLED] = frozenset()


class InvalidTransition(ValueError):
    """A state change the state machine does not allow (e.g. cancelling a failed booking)."""

    def __init__(self, current: BookingState, target: BookingState) -> None:
        super().__init__(f"a booking in state {current.value!r} cannot move to {target.value!r}")
        self.current = current
        self.target = target


def check_transition(current: BookingState, target: BookingState) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target)


def user_id_for(partner_id: str, email: str) -> str:
    """A user is the partner's customer, identified by email within the partner."""
    digest = hashlib.sha256(f"{partner_id}\x00{email.strip().lower()}".encode()).hexdigest()
    return f"u_{digest[:20]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GuestName(Record):
    first_name: str
    last_name: str
    age: int | None = None  # children only


class RoomGuests(Record):
    adults: int
    children: list[int] = Field(default_factory=list)
    names: list[GuestName] = Field(default_factory=list)


class Tax(Record):
    name: str
    amount: Decimal
    currency: str


class Price(Record):
    """What the guest pays through the platform; `taxes_at_hotel` are shown apart, never added."""

    amount: Decimal
    currency: str
    taxes_at_hotel: list[Tax] = Field(default_factory=list)


class Penalty(Record):
    """From `start_at` (None: now) until `end_at` (None: check-in), cancelling costs `amount`."""

    start_at: datetime | None = None
    end_at: datetime | None = None
    amount: Decimal


class CancellationPolicy(Record):
    free_cancellation_before: datetime | None = None  # None: non-refundable
    penalties: list[Penalty] = Field(default_factory=list)

    def penalty_at(self, when: datetime, total: Decimal) -> Decimal:
        """What cancelling at `when` costs, capped at `total`."""
        if self.free_cancellation_before is not None and when < self.free_cancellation_before:
            return Decimal("0")
        charge: Decimal | None = None
        for p in self.penalties:
            if (p.start_at is None or p.start_at <= when) and (p.end_at is None or when < p.end_at):
                charge = p.amount if charge is None else max(charge, p.amount)
        if charge is None:
            # No window applies: free before the free-cancellation date, else the whole amount.
            charge = total
        return min(charge, total)


class HistoryEntry(Record):
    at: datetime
    state: BookingState
    note: str = ""


class SupplierOrder(Record):
    partner_order_id: str | None = None
    order_id: int | None = None
    book_hash: str | None = None  # the prebooked `p-...` hash
    status: str | None = None
    payment_type: str | None = None  # how the platform pays the supplier (deposit | now | hotel)
    payment_amount: Decimal | None = None
    payment_currency: str | None = None
    price_changed: bool = False


class PaymentInfo(Record):
    payment_id: str | None = None
    state: str = "none"  # none | authorized | captured | voided | refunded | partially_refunded
    authorized: Decimal = Decimal("0")
    captured: Decimal = Decimal("0")
    refunded: Decimal = Decimal("0")
    currency: str | None = None
    alert: str | None = None  # set when capture keeps failing after the supplier confirmed


class CancellationInfo(Record):
    requested_at: datetime
    penalty: Decimal
    refund: Decimal
    currency: str
    supplier_amount_refunded: Decimal | None = None
    error: str | None = None


class Booking(Record):
    """One booking as stored under ("booking", id)."""

    id: str
    partner_id: str
    api_key_id: str
    user_id: str
    email: str
    phone: str | None = None
    state: BookingState = BookingState.RECEIVED
    hid: int
    room: str  # the managed-inventory room key (room name as the supplier names it)
    checkin: date
    checkout: date
    residency: str
    language: str = "en"
    rooms: list[RoomGuests]
    book_hash: str  # the hotel-page `h-...` hash
    price: Price
    accepted_price: Decimal  # the most the guest agreed to pay (after a prebook price change)
    cancellation: CancellationPolicy = Field(default_factory=CancellationPolicy)
    payment_token: str
    user_ip: str = "127.0.0.1"
    sandbox_trigger: str | None = None
    hold_id: str | None = None
    supplier: SupplierOrder = Field(default_factory=SupplierOrder)
    payment: PaymentInfo = Field(default_factory=PaymentInfo)
    cancel: CancellationInfo | None = None
    failure: str | None = None
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry] = Field(default_factory=list)

    @property
    def nights(self) -> list[date]:
        from datetime import timedelta

        return [self.checkin + timedelta(days=i) for i in range((self.checkout - self.checkin).days)]

    @property
    def room_count(self) -> int:
        return len(self.rooms)

    def cancellation_quote(self, now: datetime) -> CancellationInfo:
        """What cancelling now costs (the rate's policy) and refunds (of what was captured, or the price)."""
        total = self.payment.captured or self.price.amount
        penalty = self.cancellation.penalty_at(now, self.price.amount)
        refund = max(total - penalty, Decimal("0"))
        return CancellationInfo(
            requested_at=now, penalty=penalty, refund=refund, currency=self.price.currency
        )

    def public(self) -> dict[str, Any]:
        """The record as the API shows it (no payment token)."""
        return self.model_dump(mode="json", exclude={"payment_token", "api_key_id"})
