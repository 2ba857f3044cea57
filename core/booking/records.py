"""Booking records, their state machine, idempotency keys and the per-user index.

Every state change loads the record, checks the transition, appends to its history, saves it and
writes the matching outbox event, all in the caller's transaction. Changes are idempotent: moving a
booking to the state it is already in does nothing (a retried saga activity writes no second event).
A booking is confirmed once in the event stream: a refused cancellation (cancelling -> confirmed)
writes no second `booking.confirmed`, so revenue is never counted twice downstream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from core.booking import inventory
from core.booking.events import booking_event
from core.domain.booking import Booking, BookingState, HistoryEntry, check_transition, utcnow
from core.kv import Transaction, transactional
from core.kv.keys import BOOKING, IDEMPOTENCY, USER


class BookingNotFound(LookupError):
    def __init__(self, booking_id: str) -> None:
        super().__init__(f"no booking {booking_id!r}")
        self.booking_id = booking_id


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before with a different request body."""

    def __init__(self, key: str, booking_id: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used for another request (booking {booking_id})"
        )
        self.key, self.booking_id = key, booking_id


def fingerprint(body: bytes | str) -> str:
    data = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(data).hexdigest()


def _save(tr: Transaction, booking: Booking) -> None:
    tr.set(BOOKING.key(booking.id), booking.model_dump_json().encode())


@transactional
def get_booking(tr: Transaction, booking_id: str) -> Booking:
    raw = tr.get(BOOKING.key(booking_id))
    if raw is None:
        raise BookingNotFound(booking_id)
    return Booking.model_validate_json(raw)


@transactional
def find_idempotent(tr: Transaction, scope: str, key: str, body_hash: str) -> Booking | None:
    """The booking created earlier with this key, or None; `IdempotencyConflict` if the body differs."""
    raw = tr.get(IDEMPOTENCY.key(scope, key))
    if raw is None:
        return None
    booking_id, _, stored_hash = raw.decode().partition(" ")
    if stored_hash != body_hash:
        raise IdempotencyConflict(key, booking_id)
    return get_booking(tr, booking_id)


@transactional
def create_booking(
    tr: Transaction, booking: Booking, scope: str, key: str, body_hash: str, now: datetime | None = None
) -> tuple[Booking, bool]:
    """Store a new booking with its idempotency key, user index and inventory hold, atomically.

    Returns (booking, created). A repeat of the key returns the first booking and False. Raises
    `inventory.SoldOut` (nothing written) when a managed night has no room left.
    """
    existing = find_idempotent(tr, scope, key, body_hash)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    booking.hold_id = booking.hold_id or f"hold-{booking.id}"
    inventory.hold(tr, booking.hold_id, booking.hid, booking.room, booking.nights, booking.room_count, now)
    booking.history.append(HistoryEntry(at=now, state=booking.state, note="booking received"))
    _save(tr, booking)
    tr.set(IDEMPOTENCY.key(scope, key), f"{booking.id} {body_hash}".encode())
    tr.set(USER.key(booking.user_id, "booking", booking.id), b"")
    booking_event(tr, booking, "booking.received")
    return booking, True


@transactional
def transition(
    tr: Transaction,
    booking_id: str,
    target: BookingState,
    note: str = "",
    change: Callable[[Booking], None] | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to `target` (checked), apply `change`, record history and the event."""
    booking = get_booking(tr, booking_id)
    if booking.state == target:
        return booking
    check_transition(booking.state, target)
    previous = booking.state
    now = now or utcnow()
    booking.state = target
    if change is not None:
        change(booking)
    booking.updated_at = now
    booking.history.append(HistoryEntry(at=now, state=target, note=note))
    _save(tr, booking)
    if not (previous == BookingState.CANCELLING and target == BookingState.CONFIRMED):
        # A refused cancellation returns the booking to `confirmed` without a new event: the
        # booking was confirmed (and its revenue booked) once already, and `cancelling` wrote none.
        booking_event(tr, booking, f"booking.{target.value}")
    return booking


@transactional
def update(tr: Transaction, booking_id: str, change: Callable[[Booking], None], note: str = "") -> Booking:
    """Change fields of a booking without a state change (payment details, supplier ids)."""
    booking = get_booking(tr, booking_id)
    change(booking)
    booking.updated_at = utcnow()
    if note:
        booking.history.append(HistoryEntry(at=booking.updated_at, state=booking.state, note=note))
    _save(tr, booking)
    return booking


@transactional
def user_bookings(tr: Transaction, user_id: str, limit: int = 50, after: str | None = None) -> list[Booking]:
    """A user's bookings in id order (ids sort by creation time), paged by `after`."""
    begin, end = USER.range(user_id, "booking")
    if after is not None:
        begin = USER.key(user_id, "booking", after) + b"\x00"
    rows = tr.get_range(begin, end, limit=limit)
    return [get_booking(tr, USER.unpack(k)[2]) for k, _ in rows]
