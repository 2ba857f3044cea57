"""The booking flow of the simulator: prebook, form, finish, status, cancel, order info, voucher.

Each function takes the state, the caller's key id and the request body, and returns the answer's
`data` (or, for the status, `(status, data)`), or raises `ApiError` with the contract's slug.
Inventory is taken when a finish is accepted (all nights or none) and given back on cancel, so heavy
booking of one hotel-room-night ends in `soldout`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.ratehawk.simulator.pricing import CONTRACT_MISMATCH_HASH, Offer, api_datetime, money, raised
from core.ratehawk.simulator.state import Order, SimulatorState
from core.ratehawk.simulator.validation import ApiError, invalid, parse_partner_order_id, require
from core.ratehawk.synthetic import PRICE_UP_10_HID, PRICE_UP_20_HID, hotel_basics

PREBOOK_PRICE_UP = {PRICE_UP_10_HID: 10, PRICE_UP_20_HID: 20}
# partner_order_id suffix -> outcome (see the package docstring)
UNKNOWN_TRIGGERS = {
    "unknown_success": "ok",
    "unknown_soldout": "soldout",
    "unknown_book_limit": "book_limit",
    "unknown_provider": "provider",
}
STATUS_TRIGGERS = ("soldout", "book_limit", "provider")
FINISH_TRIGGERS = ("insufficient_b2b_balance", "booking_form_expired", "email")
CANCEL_TRIGGER = "order_not_cancellable"
ORDER_STATUS_NAMES = {
    "form": "awaiting_finish",
    "processing": "processing",
    "ok": "completed",
    "failed": "rejected",
    "cancelled": "cancelled",
}


def _now(state: SimulatorState) -> float:
    return state.config.clock()


def _hotel_json(state: SimulatorState, offer: Offer, *, allotment: int, with_book_hash: bool) -> dict:
    record = state.ratebook.record(offer.hid)
    return {
        "hid": offer.hid,
        "id": record["id"],
        "rates": [offer.as_rate(record, with_book_hash=with_book_hash, allotment=allotment)],
    }


# -- prebook --------------------------------------------------------------------------------------


def prebook(state: SimulatorState, key_id: str, body: dict) -> dict:
    book_hash = require(body, "hash", str, "the book_hash (h-...) of a hotel-page rate")
    percent = body.get("price_increase_percent", 0)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise invalid("price_increase_percent: must be an integer from 0 to 100")
    if book_hash == CONTRACT_MISMATCH_HASH:
        raise ApiError("contract_mismatch", sentence="the rate belongs to another contract")
    if not book_hash.startswith("h-"):
        raise invalid("hash: must be a book_hash from the hotel page (h-...)")
    offer = state.offers.get(book_hash)
    if offer is None:
        raise ApiError("rate_not_found", sentence="no rate with this hash; search the hotel page again")
    free = state.available(offer)
    if free < len(offer.query.rooms):
        raise ApiError("no_available_rates", sentence="the rate is sold out")
    increase = PREBOOK_PRICE_UP.get(offer.hid, 0)
    if increase > percent:
        raise ApiError(
            "no_available_rates",
            sentence=f"the price rose {increase}%, above the allowed price_increase_percent {percent}",
        )
    new = raised(offer, increase)
    state.remember(new)
    hotel = _hotel_json(state, new, allotment=free, with_book_hash=True)
    return {"hotels": [hotel], "changes": {"price_changed": increase > 0}}


# -- booking form ---------------------------------------------------------------------------------


def booking_form(state: SimulatorState, key_id: str, body: dict) -> dict:
    pid = parse_partner_order_id(body.get("partner_order_id"))
    book_hash = require(body, "book_hash", str, "the book_hash of the prebooked rate (p-...)")
    language = body.get("language", "en")
    user_ip = require(body, "user_ip", str, "the guest's IP address")
    if book_hash == CONTRACT_MISMATCH_HASH:
        raise ApiError("contract_mismatch", sentence="the rate belongs to another contract")
    if state.order(key_id, pid) is not None:
        raise ApiError("double_booking_form", sentence=f"partner_order_id {pid!r} was used before")
    offer = state.offers.get(book_hash)
    if offer is None:
        raise ApiError("rate_not_found", sentence="no rate with this book_hash; prebook again")
    order = state.new_order(key_id, pid, offer, _now(state), user_ip, language)
    payment_types = [
        {
            "type": p["type"],
            "amount": p["amount"],
            "currency_code": p["currency_code"],
            "is_need_credit_card_data": False,
            "is_need_cvc": False,
            "recommended_price": None,
        }
        for p in offer.payment_types()
    ]
    return {
        "order_id": order.order_id,
        "item_id": order.item_id,
        "partner_order_id": pid,
        "payment_types": payment_types,
        "is_gender_specification_required": False,
        "upsell_data": [],
    }


# -- finish ---------------------------------------------------------------------------------------


def _check_guests(offer: Offer, rooms: Any) -> list[list[dict]]:
    if not isinstance(rooms, list) or not rooms:
        raise invalid("rooms: must be a list with one entry per booked room")
    if len(rooms) != len(offer.query.rooms):
        raise ApiError(
            "incorrect_guests_number",
            sentence=f"the rate is for {len(offer.query.rooms)} room(s), got {len(rooms)}",
        )
    out = []
    for i, (room, wanted) in enumerate(zip(rooms, offer.query.rooms, strict=True)):
        guests = room.get("guests") if isinstance(room, dict) else None
        if not isinstance(guests, list) or not guests:
            raise invalid(f"rooms[{i}].guests: must be a non-empty list")
        for g in guests:
            if (
                not isinstance(g, dict)
                or not str(g.get("first_name", "")).strip()
                or not str(g.get("last_name", "")).strip()
            ):
                raise invalid(f"rooms[{i}].guests: every guest needs first_name and last_name")
        if len(guests) != wanted.adults + len(wanted.children):
            raise ApiError(
                "incorrect_guests_number",
                sentence=f"room {i + 1} was searched for {wanted.adults + len(wanted.children)} guests, "
                f"got {len(guests)}",
            )
        children = [g for g in guests if g.get("is_child")]
        ages = sorted(g.get("age") for g in children if isinstance(g.get("age"), int))
        if len(ages) != len(children) or ages != sorted(wanted.children):
            raise ApiError(
                "incorrect_children_data",
                sentence=f"room {i + 1} was searched for children aged {sorted(wanted.children)}, got {ages}",
            )
        out.append(guests)
    return out


def _check_payment(offer: Offer, payment: Any) -> dict:
    if not isinstance(payment, dict):
        raise invalid("payment_type: must be an object with type, amount and currency_code")
    try:
        amount = Decimal(str(payment.get("amount")))
    except InvalidOperation:
        raise invalid("payment_type.amount: must be a decimal amount") from None
    for option in offer.payment_types():
        if (
            option["type"] == payment.get("type")
            and Decimal(option["amount"]) == amount
            and option["currency_code"] == payment.get("currency_code")
        ):
            return {
                "type": option["type"],
                "amount": option["amount"],
                "currency_code": option["currency_code"],
            }
    raise invalid(
        "payment_type: must be one of the payment types of the booking form (type, amount, currency)"
    )


def booking_finish(state: SimulatorState, key_id: str, body: dict) -> None:
    partner = require(body, "partner", dict, "an object with partner_order_id")
    pid = parse_partner_order_id(partner.get("partner_order_id"), "partner.partner_order_id")
    user = require(body, "user", dict, "an object with email")
    email = user.get("email")
    if not isinstance(email, str):
        raise invalid("user.email: this field is required")
    order = state.order(key_id, pid)
    if order is None:
        raise ApiError("order_not_found", sentence=f"no booking form for partner_order_id {pid!r}")
    if order.status != "form":
        raise ApiError("double_booking_finish", sentence="this order was finished before")
    for slug in FINISH_TRIGGERS:
        if pid.endswith(slug) and not pid.endswith("unknown_" + slug):
            order.status, order.outcome = "failed", slug
            raise ApiError(slug, sentence=f"sandbox trigger: partner_order_id ends with {slug!r}")
    now = _now(state)
    if now - order.created_at > state.config.form_ttl_s:
        order.status, order.outcome = "failed", "booking_form_expired"
        raise ApiError("booking_form_expired", sentence="the booking form lives 60 minutes; start again")
    local, _, domain = email.partition("@")
    if not local or "." not in domain:
        raise ApiError("email", sentence=f"user.email {email!r} is not an e-mail address")
    guests = _check_guests(order.offer, body.get("rooms"))
    payment = _check_payment(order.offer, body.get("payment_type"))
    order.guests, order.email, order.payment_type = guests, email, payment
    order.status, order.finished_at = "processing", now
    for suffix, outcome in UNKNOWN_TRIGGERS.items():
        if pid.endswith(suffix):
            order.unknown_first, order.outcome = True, outcome
            break
    else:
        order.outcome = next((s for s in STATUS_TRIGGERS if pid.endswith(s)), "ok")
    if order.outcome == "ok":
        taken = state.take(order.offer)
        if taken is None:
            order.outcome = "soldout"
        else:
            order.taken = taken
    return None


# -- status ---------------------------------------------------------------------------------------


def booking_status(state: SimulatorState, key_id: str, body: dict) -> tuple[str, dict]:
    pid = parse_partner_order_id(body.get("partner_order_id"))
    order = state.order(key_id, pid)
    if order is None or order.status == "form":
        raise ApiError("order_not_found", sentence=f"no finished booking for partner_order_id {pid!r}")
    if order.finished_at is None:  # finish refused
        raise ApiError("booking_finish_did_not_succeed", sentence=f"finish failed with {order.outcome}")
    order.polls += 1
    if order.unknown_first and order.polls == 1:
        raise ApiError("unknown", sentence="sandbox trigger: the outcome is not known yet")
    data = {"partner_order_id": pid, "percent": 100, "data_3ds": None}
    if order.status == "processing" and _now(state) - order.finished_at < state.config.faults.processing_s:
        return "processing", {**data, "percent": 50}
    if order.status == "processing":
        order.status = "ok" if order.outcome == "ok" else "failed"
    if order.outcome == "ok":
        return "ok", data
    raise ApiError(str(order.outcome), sentence="the booking did not succeed")


# -- cancel ---------------------------------------------------------------------------------------


def _amount(value: Decimal, currency: str) -> dict:
    return {"amount": money(value), "currency_code": currency}


def cancel(state: SimulatorState, key_id: str, body: dict) -> dict:
    pid = parse_partner_order_id(body.get("partner_order_id"))
    order = state.order(key_id, pid)
    if order is None:
        raise ApiError("order_not_found", sentence=f"no order with partner_order_id {pid!r}")
    if order.cancel_result is not None:
        return order.cancel_result
    if pid.endswith(CANCEL_TRIGGER):
        raise ApiError(CANCEL_TRIGGER, sentence="sandbox trigger: this order cannot be cancelled")
    if order.status == "failed" or (order.status == "processing" and order.outcome != "ok"):
        raise ApiError("order_not_cancellable", sentence="the booking did not succeed; nothing to cancel")
    currency = order.offer.currency
    now = _now(state)
    if order.status == "form":
        sell = payable = Decimal("0")
    else:
        sell = order.offer.total
        payable = order.offer.penalty_at(datetime.fromtimestamp(now, UTC))
        state.release(order.taken)
        order.taken = []
    order.status, order.cancelled_at = "cancelled", now
    order.cancel_result = {
        "amount_payable": _amount(payable, currency),
        "amount_refunded": _amount(sell - payable, currency),
        "amount_sell": _amount(sell, currency),
    }
    return order.cancel_result


# -- order info and voucher -----------------------------------------------------------------------


def _page_number(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(f"pagination.{name}: must be a positive integer") from None
    if number < 1 or (number > 100 and name == "page_size"):
        raise invalid(f"pagination.{name}: must be a positive integer (page_size at most 100)")
    return number


def _order_json(state: SimulatorState, order: Order) -> dict:
    offer = order.offer
    basics = hotel_basics(state.config.seed, offer.hid)
    fcb = offer.free_cancellation_before
    return {
        "order_id": order.order_id,
        "item_id": order.item_id,
        "partner_data": {"order_id": order.partner_order_id, "order_comment": None},
        "status": ORDER_STATUS_NAMES[order.status],
        "hotel_data": {"id": basics.id, "hid": offer.hid, "name": basics.name},
        "checkin_at": offer.query.checkin.isoformat(),
        "checkout_at": offer.query.checkout.isoformat(),
        "created_at": api_datetime(datetime.fromtimestamp(order.created_at, UTC)),
        "cancelled_at": (
            api_datetime(datetime.fromtimestamp(order.cancelled_at, UTC)) if order.cancelled_at else None
        ),
        "amount_sell": _amount(offer.total, offer.currency),
        "is_cancellable": order.status in ("form", "processing", "ok"),
        "cancellation_info": {"free_cancellation_before": api_datetime(fcb) if fcb else None},
        "meal_data": {"value": offer.meal},
        "rooms_data": [
            {
                "room_name": state.ratebook.record(offer.hid)["room_groups"][offer.rg_index]["name"],
                "guest_data": {"adults_number": r.adults, "children_number": len(r.children)},
            }
            for r in offer.query.rooms
        ],
        "user_data": {"email": order.email},
    }


def order_info(state: SimulatorState, key_id: str, body: dict) -> dict:
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise invalid("pagination: must be an object with page_size and page_number")
    size = _page_number(pagination.get("page_size"), "page_size", 10)
    page = _page_number(pagination.get("page_number"), "page_number", 1)
    wanted = (
        (body.get("search") or {}).get("partner_order_ids") if isinstance(body.get("search"), dict) else None
    )
    orders = [o for (k, _), o in state.orders.items() if k == key_id]
    if wanted is not None:
        if not isinstance(wanted, list):
            raise invalid("search.partner_order_ids: must be a list")
        orders = [o for o in orders if o.partner_order_id in set(wanted)]
    ordering = body.get("ordering") or {}
    descending = not isinstance(ordering, dict) or ordering.get("ordering_type", "desc") == "desc"
    orders.sort(key=lambda o: (o.created_at, o.order_id), reverse=descending)
    total = len(orders)
    chunk = orders[(page - 1) * size : page * size]
    return {
        "orders": [_order_json(state, o) for o in chunk],
        "current_page_number": page,
        "total_orders": total,
        "total_pages": max(1, -(-total // size)),
        "found_orders": total,
        "found_pages": max(1, -(-total // size)),
    }


def voucher(state: SimulatorState, key_id: str, body: dict) -> bytes:
    pid = parse_partner_order_id(body.get("partner_order_id"))
    order = state.order(key_id, pid)
    if order is None:
        raise ApiError("order_not_found", sentence=f"no order with partner_order_id {pid!r}")
    if order.status != "ok":
        raise ApiError("voucher_is_not_ready", sentence=f"the order is {ORDER_STATUS_NAMES[order.status]}")
    offer = order.offer
    lines = [
        "Hotel voucher",
        f"Order {order.order_id} / {pid}",
        f"{hotel_basics(state.config.seed, offer.hid).name} (hid {offer.hid})",
        f"{offer.query.checkin} - {offer.query.checkout}, {len(offer.query.rooms)} room(s)",
        f"Total {money(offer.total)} {offer.currency}",
    ]
    return _pdf(lines)


def _pdf(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with the given text lines."""
    text = (
        "BT /F1 12 Tf 50 780 Td 16 TL "
        + " ".join(
            "({}) '".format(line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)"))
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1", "replace")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
