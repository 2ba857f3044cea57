"""The booking flow: prebook (with the price-change notice), guest details, payment, the
confirmation page that follows the booking until it is final, "my booking", and cancellation.

What the guest chose travels between the steps in a signed draft (web/tokens.py); the booking API
is the only place anything is stored. A booking page is opened with a link token made from the
booking id and the guest's email, so only someone who knows both sees it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from core.domain.booking import CancellationPolicy
from web.api import GuestError
from web.pages import NO_STORE, html, web_of
from web.sitemap import hotel_path
from web.stay import Stay, locale, parse_stay
from web.tokens import BadToken, booking_link_token, sign, unsign

router = APIRouter()

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
FINAL = {"confirmed", "failed", "cancelled"}
STATES = {
    "received": "We received your booking",
    "inventory_held": "Holding your room",
    "prebooked": "Checking the rate with the hotel",
    "supplier_form": "Sending your booking to the hotel",
    "payment_authorized": "Card authorized",
    "supplier_pending": "Waiting for the hotel to confirm",
    "supplier_confirmed": "The hotel confirmed; taking payment",
    "confirmed": "Booking confirmed",
    "compensating": "The booking could not be completed; releasing your room and card",
    "failed": "The booking could not be made",
    "cancelling": "Cancelling your booking",
    "cancelled": "Booking cancelled",
}
TEST_CARDS = {
    "tok_visa": "Test Visa card 4242 4242 4242 4242 (approved)",
    "tok_decline": "Test card 4000 0000 0000 0002 (declined)",
}


def _draft(form: FormData, request: Request, field: str = "draft") -> dict[str, Any]:
    try:
        return unsign(str(form.get(field) or ""), web_of(request).secret)
    except BadToken:
        raise GuestError(
            "invalid", "the booking form was changed or is incomplete; choose the room again"
        ) from None


def _stay(draft: dict[str, Any]) -> Stay:
    from starlette.datastructures import QueryParams

    return parse_stay(QueryParams([*draft["stay"], ("residency", draft.get("residency") or "gb")]))


def _guest_slots(stay: Stay) -> list[tuple[int, int, str]]:
    """(room, guest, label) for every guest name the booking needs: adults first, then children."""
    slots = []
    for r, room in enumerate(stay.rooms):
        slots += [(r, g, f"Adult {g + 1}") for g in range(room.adults)]
        slots += [(r, room.adults + c, f"Child {c + 1} (age {age})") for c, age in enumerate(room.children)]
    return slots


def _details_page(request: Request, draft: dict[str, Any], token: str, errors: dict[str, str],
                  values: dict[str, str], status: int = 200) -> HTMLResponse:  # fmt: skip
    stay = _stay(draft)
    return html(request, "details.html", status, NO_STORE, draft=draft, token=token, stay=stay,
                slots=_guest_slots(stay), errors=errors, values=values, lang=stay.language,
                cur=stay.currency, hotel_url=hotel_path(draft["hid"], draft["name"]))  # fmt: skip


@router.post("/book/prebook", response_class=HTMLResponse)
async def prebook(request: Request) -> HTMLResponse:
    """Ask the supplier whether the rate still holds; a new price is shown before anything else."""
    form = await request.form()
    web = web_of(request)
    offer = _draft(form, request, "offer")
    shown = Decimal(offer["price"]["amount"])
    result = await web.api.prebook({"book_hash": offer["book_hash"], "expected_price": str(shown)},
                                   request.cookies.get("sid"))  # fmt: skip
    price = result.get("price") or offer["price"]
    changed = bool(result.get("price_changed")) and Decimal(price["amount"]) != shown
    draft = {
        **offer,
        "price": price,
        "previous": offer["price"] if changed else None,
        "changed": changed,
        "taxes": result.get("taxes_at_hotel", offer.get("taxes", [])),
        "free_before": result.get("free_cancellation_before", offer.get("free_before")),
        "idem": uuid.uuid4().hex,  # one per booking attempt: a double click books once
    }
    return _details_page(request, draft, sign(draft, web.secret), {}, {})


def _validate_details(
    form: FormData, draft: dict[str, Any], stay: Stay
) -> tuple[dict[str, str], dict[str, str]]:
    values = {k: str(v).strip() for k, v in form.items() if k != "draft"}
    errors: dict[str, str] = {}
    for r, g, _ in _guest_slots(stay):
        for part, label in (("first", "first name"), ("last", "last name")):
            name = f"g-{r}-{g}-{part}"
            value = values.get(name, "")
            if not value:
                errors[name] = f"Enter the guest's {label}."
            elif len(value) > 100:
                errors[name] = f"The {label} can have at most 100 characters."
            elif not re.fullmatch(r"[^\d<>@]+", value):
                errors[name] = f"The {label} can only have letters, spaces, hyphens and apostrophes."
    if not EMAIL.match(values.get("email", "")):
        errors["email"] = "Enter an email address like name@example.com; we send the confirmation there."
    if values.get("phone") and not PHONE.match(values["phone"]):
        errors["phone"] = "Enter a phone number with digits only, e.g. +44 20 7946 0000."
    if draft.get("changed") and values.get("accept_price") != "1":
        errors["accept_price"] = "Tick the box to accept the new price, or go back and choose another room."
    return errors, values


@router.post("/book/details", response_class=HTMLResponse)
async def details(request: Request) -> HTMLResponse:
    form = await request.form()
    web = web_of(request)
    draft = _draft(form, request)
    stay = _stay(draft)
    errors, values = _validate_details(form, draft, stay)
    if errors:
        return _details_page(request, draft, str(form["draft"]), errors, values, 422)
    rooms = []
    for r, room in enumerate(stay.rooms):
        names = [{"first_name": values[f"g-{r}-{g}-first"], "last_name": values[f"g-{r}-{g}-last"]}
                 for g in range(room.guests)]  # fmt: skip
        rooms.append({"adults": room.adults, "children": room.children, "guests": names})
    guest = {"rooms": rooms, "email": values["email"], "phone": values.get("phone") or None}
    full = {**draft, "guest": guest}
    return html(request, "payment.html", 200, NO_STORE, draft=full, token=sign(full, web.secret), stay=stay,
                cards=TEST_CARDS, errors={}, lang=stay.language, cur=stay.currency)  # fmt: skip


@router.post("/book/pay")
async def pay(request: Request) -> Response:
    form = await request.form()
    web = web_of(request)
    draft = _draft(form, request)
    stay = _stay(draft)
    card = str(form.get("card") or "")
    if card not in TEST_CARDS:
        return html(request, "payment.html", 422, NO_STORE, draft=draft, token=str(form["draft"]), stay=stay,
                    cards=TEST_CARDS, errors={"card": "Choose a card."}, lang=stay.language,
                    cur=stay.currency)  # fmt: skip
    guest = draft["guest"]
    body = {
        "hid": draft["hid"], "room": draft["room"], "book_hash": draft["book_hash"],
        "checkin": stay.checkin.isoformat(), "checkout": stay.checkout.isoformat(),
        "residency": stay.residency, "language": stay.language, "rooms": guest["rooms"],
        "user": {"email": guest["email"], **({"phone": guest["phone"]} if guest.get("phone") else {})},
        "price": draft["price"], "payment_token": card,
    }  # fmt: skip
    made = await web.api.book(body, draft["idem"])
    booking_id = made["booking_id"]
    link = booking_link_token(booking_id, guest["email"], web.secret)
    return RedirectResponse(f"/bookings/{booking_id}?t={link}&lang={stay.language}", 303)


# -- the booking page, status, "my booking", cancellation -----------------------------------------
async def _owned_booking(request: Request, booking_id: str, token: str | None = None) -> dict[str, Any]:
    web = web_of(request)
    token = token if token is not None else request.query_params.get("t") or ""
    if not re.fullmatch(r"bk_[0-9a-f]{10,40}", booking_id):
        raise GuestError("link", "not a booking number")
    try:
        booking = await web.api.booking(booking_id)
    except GuestError as exc:
        if exc.kind == "not_found":
            raise GuestError("link", "no such booking") from None
        raise
    if token != booking_link_token(booking_id, booking["email"], web.secret):
        raise GuestError("link", "the link does not match the booking")
    return booking  # type: ignore[no-any-return]


def _failure_kind(booking: dict[str, Any]) -> str | None:
    if booking["state"] != "failed":
        return None
    reason = (booking.get("failure") or "").lower()
    if "sold" in reason or "unavailable" in reason or "no_room" in reason:
        return "sold_out"
    if "price" in reason:
        return "price_changed"
    if "declin" in reason or "insufficient" in reason or "payment" in reason or "card" in reason:
        return "payment"
    if "timeout" in reason or "timed out" in reason:
        return "timeout"
    return "supplier"


def _penalty_now(booking: dict[str, Any]) -> tuple[Decimal, Decimal]:
    policy = CancellationPolicy.model_validate(booking.get("cancellation") or {})
    total = Decimal(str(booking["price"]["amount"]))
    paid = Decimal(str(booking.get("payment", {}).get("captured") or 0)) or total
    penalty = policy.penalty_at(datetime.now(UTC), total)
    return penalty, max(paid - penalty, Decimal("0"))


@router.get("/bookings/{booking_id}", response_class=HTMLResponse)
async def booking_page(request: Request, booking_id: str) -> HTMLResponse:
    web = web_of(request)
    booking = await _owned_booking(request, booking_id)
    lang, cur = locale(request.query_params)
    try:
        hotel = await web.api.hotel(booking["hid"])
    except GuestError:
        hotel = {"name": f"Hotel {booking['hid']}"}
    penalty = _penalty_now(booking) if booking["state"] == "confirmed" else None
    return html(request, "booking.html", 200, NO_STORE, booking=booking, hotel=hotel, states=STATES,
                final=booking["state"] in FINAL, failure=_failure_kind(booking), penalty=penalty,
                token=request.query_params.get("t"), poll_ms=web.config.status_poll_ms, lang=lang,
                cur=cur)  # fmt: skip


@router.get("/bookings/{booking_id}/status")
async def booking_status(request: Request, booking_id: str) -> JSONResponse:
    booking = await _owned_booking(request, booking_id)
    state = booking["state"]
    return JSONResponse({"state": state, "label": STATES.get(state, state), "final": state in FINAL},
                        headers=NO_STORE)  # fmt: skip


@router.get("/my-booking", response_class=HTMLResponse)
async def my_booking_form(request: Request) -> HTMLResponse:
    lang, cur = locale(request.query_params)
    return html(request, "my_booking.html", 200, NO_STORE, errors={}, values={}, lang=lang, cur=cur)


@router.post("/my-booking", response_class=HTMLResponse)
async def my_booking(request: Request) -> Response:
    form = await request.form()
    web = web_of(request)
    lang, cur = locale(request.query_params)
    values = {
        "booking_id": str(form.get("booking_id") or "").strip(),
        "email": str(form.get("email") or "").strip(),
    }
    errors = {}
    if not re.fullmatch(r"bk_[0-9a-f]{10,40}", values["booking_id"]):
        errors["booking_id"] = (
            "Enter the booking number from your confirmation, like bk_0190a1b2c3d4e5f6a7b8."
        )
    if not EMAIL.match(values["email"]):
        errors["email"] = "Enter the email address you booked with."
    if not errors:
        try:
            booking = await web.api.booking(values["booking_id"])
        except GuestError as exc:
            if exc.kind != "not_found":
                raise
            booking = None
        if booking is None or booking["email"].lower() != values["email"].lower():
            errors["booking_id"] = "We found no booking with this number and email. Check both and try again."
        else:
            link = booking_link_token(booking["id"], booking["email"], web.secret)
            return RedirectResponse(f"/bookings/{booking['id']}?t={link}&lang={lang}", 303)
    return html(request, "my_booking.html", 422, NO_STORE, errors=errors, values=values, lang=lang, cur=cur)


@router.get("/bookings/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel_form(request: Request, booking_id: str) -> HTMLResponse:
    """What cancelling costs now, before the guest confirms it."""
    web = web_of(request)
    booking = await _owned_booking(request, booking_id)
    lang, cur = locale(request.query_params)
    if booking["state"] != "confirmed":
        raise GuestError(
            "invalid", f"this booking is {STATES.get(booking['state'], booking['state']).lower()}"
        )
    penalty, refund = _penalty_now(booking)
    try:
        hotel = await web.api.hotel(booking["hid"])
    except GuestError:
        hotel = {"name": f"Hotel {booking['hid']}"}
    return html(request, "cancel.html", 200, NO_STORE, booking=booking, hotel=hotel, penalty=penalty,
                refund=refund, token=request.query_params.get("t"), lang=lang, cur=cur)  # fmt: skip


@router.post("/bookings/{booking_id}/cancel")
async def cancel(request: Request, booking_id: str) -> Response:
    web = web_of(request)
    form = await request.form()
    token = str(form.get("t") or "")
    await _owned_booking(request, booking_id, token)
    await web.api.cancel(booking_id)
    return RedirectResponse(f"/bookings/{booking_id}?t={token}", 303)
