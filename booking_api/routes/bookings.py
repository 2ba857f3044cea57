"""Bookings: create (idempotent, starts the saga), status, cancel; a user's bookings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from booking_api.answers import BookingAccepted, BookingView, CancellationAccepted, UserBookings
from booking_api.deps import BookKey, ServicesDep
from booking_api.mapping import booking_from_request
from booking_api.problems import AUTHED, Problem, documented, field_problem
from booking_api.schemas import BookingCreate
from core.booking import records
from core.booking.apikeys import ApiKey
from core.booking.events import user_activity
from core.booking.inventory import SoldOut
from core.domain.booking import (
    Booking,
    BookingState,
    InvalidTransition,
)
from core.kv import Transaction

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["bookings"])
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=8, max_length=128, description="unique per booking attempt"),
]


def _status_body(request: Request, booking: Booking) -> dict[str, Any]:
    return {
        "booking_id": booking.id,
        "state": booking.state.value,
        "status_url": str(request.url_for("get_booking", booking_id=booking.id)),
    }


def _owned(booking: Booking, key: ApiKey) -> Booking:
    if booking.partner_id != key.partner_id:
        raise Problem(404, "not-found", "Not found", f"no booking {booking.id}")
    return booking


@router.post("/bookings", status_code=202, response_model=BookingAccepted,
             responses=documented(400, *AUTHED, 409, 422, 503))  # fmt: skip
async def create_booking(
    request: Request,
    response: Response,
    body: BookingCreate,
    services: ServicesDep,
    key: BookKey,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Validate, hold the managed inventory, store the booking and start its saga; 202 with a
    status URL. A repeat with the same `Idempotency-Key` returns the same booking."""
    if idempotency_key is None:
        raise field_problem(400, "idempotency-key-required", "Idempotency-Key required",
                            "Idempotency-Key", "header missing: send a unique key per booking attempt")  # fmt: skip
    body_hash = records.fingerprint(body.model_dump_json())
    now = datetime.now(UTC)
    booking = booking_from_request(body, key, request.client.host if request.client else "127.0.0.1", now)

    def create(tr: Transaction) -> tuple[Booking, bool]:
        stored, created = records.create_booking(tr, booking, key.key_id, idempotency_key, body_hash, now)
        if created:
            user_activity(
                tr, stored.user_id, "booking.requested", {"booking_id": stored.id, "hid": stored.hid}
            )
        return stored, created

    try:
        stored, created = await services.tx(create)
    except SoldOut as exc:
        raise field_problem(409, "sold-out", "Sold out", "room", str(exc),
                            night=exc.night.isoformat(), available=exc.available) from None  # fmt: skip
    except records.IdempotencyConflict as exc:
        raise field_problem(422, "idempotency-key-reused", "Idempotency-Key reused",
                            "Idempotency-Key", str(exc)) from None  # fmt: skip
    if stored.state == BookingState.RECEIVED or created:
        try:
            await services.sagas.start_booking(stored.id)
        except Exception as exc:  # the booking is stored; a repeat of the request starts the saga
            log.warning("saga start failed for %s: %s", stored.id, exc)
            raise Problem(503, "saga-unavailable", "Booking accepted but not started",
                          "the workflow service did not answer; repeat the request with the same Idempotency-Key",
                          booking_id=stored.id) from None  # fmt: skip
    response.headers["Location"] = str(request.url_for("get_booking", booking_id=stored.id))
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return _status_body(request, stored)


@router.get("/bookings/{booking_id}", name="get_booking", response_model=BookingView,
            responses=documented(*AUTHED, 404, 422))  # fmt: skip
async def get_booking(
    booking_id: str, services: ServicesDep, key: BookKey, live: bool = False
) -> dict[str, Any]:
    """State, price breakdown (taxes paid at the hotel apart), supplier order, payment, history."""
    try:
        booking = _owned(await services.read(lambda tr: records.get_booking(tr, booking_id)), key)
    except records.BookingNotFound:
        raise Problem(404, "not-found", "Not found", f"no booking {booking_id}") from None
    out = booking.public()
    if live:
        out["saga"] = await services.sagas.live_state(booking_id)
    return out


@router.post("/bookings/{booking_id}/cancel", status_code=202, response_model=CancellationAccepted,
             responses=documented(*AUTHED, 404, 409, 422, 503))  # fmt: skip
async def cancel_booking(
    request: Request, booking_id: str, services: ServicesDep, key: BookKey
) -> dict[str, Any]:
    """Start the cancellation saga; the penalty comes from the rate's cancellation policy."""
    now = datetime.now(UTC)

    def begin(tr: Transaction) -> Booking:
        booking = _owned(records.get_booking(tr, booking_id), key)
        if booking.state == BookingState.CANCELLING:
            return booking
        quote = booking.cancellation_quote(now)

        def change(b: Booking) -> None:
            b.cancel = quote

        out = records.transition(
            tr,
            booking_id,
            BookingState.CANCELLING,
            f"cancellation requested (penalty {quote.penalty})",
            change,
        )
        user_activity(tr, booking.user_id, "booking.cancel_requested", {"booking_id": booking_id})
        return out

    try:
        booking = await services.tx(begin)
    except records.BookingNotFound:
        raise Problem(404, "not-found", "Not found", f"no booking {booking_id}") from None
    except InvalidTransition as exc:
        raise Problem(
            409, "not-cancellable", "Booking cannot be cancelled", str(exc), state=exc.current.value
        ) from None
    try:
        await services.sagas.start_cancellation(booking_id)
    except Exception as exc:  # stored as cancelling; a repeat of the request starts the saga
        log.warning("cancellation saga start failed for %s: %s", booking_id, exc)
        raise Problem(503, "saga-unavailable", "Cancellation accepted but not started",
                      "the workflow service did not answer; repeat the request", booking_id=booking_id) from None  # fmt: skip
    assert booking.cancel is not None
    return {
        **_status_body(request, booking),
        "penalty": {"amount": str(booking.cancel.penalty), "currency": booking.cancel.currency},
        "refund": {"amount": str(booking.cancel.refund), "currency": booking.cancel.currency},
    }


@router.get("/users/{user_id}/bookings", tags=["users"], response_model=UserBookings,
            responses=documented(*AUTHED, 404, 422))  # fmt: skip
async def user_bookings(
    user_id: str,
    services: ServicesDep,
    key: BookKey,
    limit: Annotated[int, Query(ge=1, le=200, description="Bookings per page.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=64, description="`next_cursor` of the previous page.")
    ] = None,
) -> dict[str, Any]:
    """A user's bookings (the partner's customer, identified by email within the partner), oldest
    first, a page at a time: follow `next_cursor` until it is null. A user the partner has no booking
    for is a 404 (users are the partner's own: another partner's user is not found)."""
    found = await services.read(lambda tr: records.user_bookings(tr, user_id, limit + 1, cursor))
    page = found[:limit]
    mine = [b for b in page if b.partner_id == key.partner_id]
    if cursor is None and not mine:
        raise Problem(404, "not-found", "Not found", f"no bookings for user {user_id}")
    return {
        "user_id": user_id,
        "bookings": [
            {
                "booking_id": b.id,
                "state": b.state.value,
                "hid": b.hid,
                "checkin": b.checkin.isoformat(),
                "checkout": b.checkout.isoformat(),
                "price": {"amount": str(b.price.amount), "currency": b.price.currency},
            }
            for b in mine
        ],
        "next_cursor": page[-1].id if len(found) > limit else None,
    }
