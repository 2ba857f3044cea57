"""Booking records: idempotent creation, the state machine, history, outbox events, user index."""

from __future__ import annotations

import threading
from decimal import Decimal

import orjson
import pytest

from core.booking import inventory, orders, records
from core.booking.apikeys import create_api_key, key_hash, lookup_api_key
from core.booking.inventory import SoldOut
from core.booking.records import IdempotencyConflict
from core.domain.booking import BookingState, CancellationInfo, InvalidTransition, utcnow
from core.domain.events import decode_event
from core.kv.keys import APIKEY
from core.outbox import read_after
from tests.core.booking.conftest import make_booking

S = BookingState


def booking_events(kv):
    return [orjson.loads(e.value)["type"] for e in read_after(kv, 0) if e.topic == "booking.events"]


def test_50_repeats_of_one_idempotency_key_make_one_booking(kv):
    results, errors = [], []
    gate = threading.Barrier(50)

    def create(i: int) -> None:
        try:
            gate.wait()
            results.append(records.create_booking(kv, make_booking(f"bk{i:03d}"), "k1", "key-1", "body"))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = {b.id for b, _ in results}
    assert len(ids) == 1
    assert sum(created for _, created in results) == 1
    assert booking_events(kv) == ["booking.created"]


def test_same_key_with_another_body_is_refused(kv):
    records.create_booking(kv, make_booking("bk1"), "k1", "key-1", "body-a")
    with pytest.raises(IdempotencyConflict, match="already used"):
        records.create_booking(kv, make_booking("bk2"), "k1", "key-1", "body-b")
    # Keys are scoped per API key: another key may reuse the string.
    _, created = records.create_booking(kv, make_booking("bk3"), "k2", "key-1", "body-b")
    assert created


def test_sold_out_writes_nothing(kv):
    b = make_booking("bk1", nights=1)
    inventory.set_allotments(kv, b.hid, b.room, {b.checkin: 1})
    records.create_booking(kv, b, "k1", "a", "x")
    with pytest.raises(SoldOut):
        records.create_booking(kv, make_booking("bk2", nights=1), "k1", "b", "y")
    with pytest.raises(records.BookingNotFound):
        records.get_booking(kv, "bk2")
    assert records.find_idempotent(kv, "k1", "b", "y") is None
    assert [b.id for b in records.user_bookings(kv, b.user_id)] == ["bk1"]


def test_transitions_follow_the_state_machine_with_history_and_events(kv):
    records.create_booking(kv, make_booking("bk1"), "k1", "a", "x")
    for state in (S.INVENTORY_HELD, S.PREBOOKED, S.SUPPLIER_FORM, S.PAYMENT_AUTHORIZED, S.SUPPLIER_PENDING):
        records.transition(kv, "bk1", state)
    records.transition(
        kv, "bk1", S.SUPPLIER_CONFIRMED, change=lambda b: setattr(b.supplier, "partner_order_id", "bk1-1")
    )
    records.transition(kv, "bk1", S.CONFIRMED, note="captured")
    records.transition(kv, "bk1", S.CONFIRMED)  # a retried step: no second event, no history line
    b = records.get_booking(kv, "bk1")
    assert b.state == S.CONFIRMED
    assert [h.state for h in b.history][-2:] == [S.SUPPLIER_CONFIRMED, S.CONFIRMED]
    assert len(b.history) == 8
    assert booking_events(kv) == ["booking.created", "booking.supplier_confirmed", "booking.confirmed"]
    with pytest.raises(InvalidTransition, match="'confirmed' cannot move to 'compensating'"):
        records.transition(kv, "bk1", S.COMPENSATING)


def test_failed_booking_cannot_be_cancelled(kv):
    records.create_booking(kv, make_booking("bk1"), "k1", "a", "x")
    records.transition(kv, "bk1", S.COMPENSATING)
    records.transition(kv, "bk1", S.FAILED, change=lambda b: setattr(b, "failure", "soldout"))
    with pytest.raises(InvalidTransition):
        records.transition(kv, "bk1", S.CANCELLING)
    assert booking_events(kv)[-1] == "booking.failed"


def _confirm(kv, booking_id: str) -> None:
    records.create_booking(kv, make_booking(booking_id), "k1", booking_id, "x")
    for state in (S.INVENTORY_HELD, S.PREBOOKED, S.SUPPLIER_FORM, S.PAYMENT_AUTHORIZED, S.SUPPLIER_PENDING):
        records.transition(kv, booking_id, state)
    records.transition(kv, booking_id, S.SUPPLIER_CONFIRMED)
    records.transition(kv, booking_id, S.CONFIRMED)


def revenue_of(kv, booking_id: str) -> Decimal:
    total = Decimal("0")
    for entry in read_after(kv, 0):
        event = decode_event(entry.value)
        delta = event.revenue_delta()
        if event.aggregate_id == booking_id and delta is not None:
            total += delta.amount
    return total


def test_refused_cancellation_counts_the_revenue_once(kv):
    _confirm(kv, "bk1")
    records.transition(kv, "bk1", S.CANCELLING)
    records.transition(kv, "bk1", S.CONFIRMED, note="cancellation refused: order_not_cancellable")
    b = records.get_booking(kv, "bk1")
    assert b.state == S.CONFIRMED and b.history[-1].note.startswith("cancellation refused")
    assert booking_events(kv).count("booking.confirmed") == 1
    assert revenue_of(kv, "bk1") == Decimal("200.00")
    # A later cancellation that goes through then takes back what it refunds (here: all of it).
    records.transition(kv, "bk1", S.CANCELLING)
    records.transition(kv, "bk1", S.CANCELLED, change=_refund(Decimal("200.00")))
    assert revenue_of(kv, "bk1") == Decimal("0")


def _refund(amount: Decimal):
    def change(b) -> None:
        b.cancel = CancellationInfo(
            requested_at=utcnow(), penalty=Decimal("0"), refund=amount, currency="EUR"
        )

    return change


def test_user_index_pages_in_order(kv):
    for i in range(5):
        records.create_booking(kv, make_booking(f"bk{i}"), "k1", f"key{i}", "x")
    user = records.get_booking(kv, "bk0").user_id
    first = records.user_bookings(kv, user, limit=3)
    rest = records.user_bookings(kv, user, limit=3, after=first[-1].id)
    assert [b.id for b in first + rest] == [f"bk{i}" for i in range(5)]


def test_order_attempts_are_kept_in_order(kv):
    for n in (1, 2, 3):
        orders.record_attempt(kv, orders.OrderAttempt("bk1", orders.partner_order_id("bk1", n), n))
    orders.record_attempt(kv, orders.OrderAttempt("bk1", "bk1-1", 1, state="ignored"))  # idempotent
    orders.update_attempt(kv, "bk1", "bk1-2", "ok", order_id=77)
    got = orders.attempts(kv, "bk1")
    assert [(a.partner_order_id, a.state, a.order_id) for a in got] == [
        ("bk1-1", "trying", None),
        ("bk1-2", "ok", 77),
        ("bk1-3", "trying", None),
    ]
    assert orders.partner_order_id("bk1", 4, "soldout") == "bk1-4-soldout"


def test_api_keys_are_stored_hashed(kv):
    token, rec = create_api_key(kv, "p1", ["search", "book"], name="web")
    assert lookup_api_key(kv, token) == rec
    assert lookup_api_key(kv, token + "x") is None
    raw = kv.run(lambda tr: tr.get_range(*APIKEY.range()))
    assert [k for k, _ in raw] == [APIKEY.key(key_hash(token))]
    assert token.encode() not in raw[0][1]
    assert rec.allows("search") and not rec.allows("inventory")
    with pytest.raises(ValueError, match="unknown scope"):
        create_api_key(kv, "p1", ["root"])
