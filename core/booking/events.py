"""The outbox events a booking's changes write, in the same transaction as the change.

Event types are the streams' schemas (core/domain/events.py). Intermediate saga states (inventory
held, prebooked, form created, ...) have no event type of their own: they are kept in the booking's
history, and the events carry the steps that matter downstream (created, supplier confirmed,
confirmed, failed, cancelled, and every payment movement).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.domain.booking import Booking
from core.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingCreated,
    BookingFailed,
    BookingSupplierConfirmed,
    Event,
    InventoryChanged,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentRefunded,
    PaymentVoided,
    UserActivity,
)
from core.domain.money import Money
from core.kv import Transaction
from core.outbox import append_event

_PAYMENT = {
    "authorized": PaymentAuthorized,
    "captured": PaymentCaptured,
    "voided": PaymentVoided,
    "refunded": PaymentRefunded,
}


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def booking_event(tr: Transaction, booking: Booking, kind: str) -> Event | None:
    """Write the event of a booking state change (`booking.<state>`), if that state has one."""
    bid, hotel, partner = booking.id, str(booking.hid), booking.partner_id
    price = _money(booking.price.amount, booking.price.currency)
    event: Event | None
    if kind == "booking.received":
        event = BookingCreated(
            aggregate_id=bid,
            hotel_id=hotel,
            partner_id=partner,
            amount=price,
            checkin=booking.checkin,
            checkout=booking.checkout,
            rooms=booking.room_count,
            user_id=booking.user_id,
        )
    elif kind == "booking.supplier_confirmed":
        event = BookingSupplierConfirmed(
            aggregate_id=bid,
            hotel_id=hotel,
            partner_id=partner,
            partner_order_id=booking.supplier.partner_order_id or "",
        )
    elif kind == "booking.confirmed":
        event = BookingConfirmed(aggregate_id=bid, hotel_id=hotel, partner_id=partner, amount=price)
    elif kind == "booking.failed":
        event = BookingFailed(
            aggregate_id=bid, hotel_id=hotel, partner_id=partner, reason=booking.failure or "failed"
        )
    elif kind == "booking.cancelled":
        refund = booking.cancel.refund if booking.cancel else Decimal("0")
        event = BookingCancelled(
            aggregate_id=bid,
            hotel_id=hotel,
            partner_id=partner,
            refund=_money(refund, booking.price.currency),
            reason="guest",
        )
    else:
        return None
    append_event(tr, event)
    return event


def payment_event(tr: Transaction, booking: Booking, kind: str, amount: Decimal) -> None:
    """Write `payment.<kind>` (authorized, captured, voided, refunded) for `amount`."""
    cls = _PAYMENT[kind]
    append_event(
        tr,
        cls(
            aggregate_id=booking.id,
            payment_id=booking.payment.payment_id or "",
            amount=_money(amount, booking.price.currency),
        ),
    )


def inventory_event(tr: Transaction, hid: int, room: str, night: date, delta: int, remaining: int) -> None:
    append_event(
        tr, InventoryChanged(aggregate_id=str(hid), room=room, night=night, delta=delta, remaining=remaining)
    )


def user_activity(tr: Transaction, user_id: str, action: str, detail: dict[str, object]) -> None:
    append_event(tr, UserActivity(aggregate_id=user_id, action=action, detail=detail))
