"""The booking and cancellation sagas end to end through the API, on the real Temporal dev server,
with the payments simulator over HTTP and a scripted supplier: every branch and its compensations."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import orjson

from core.booking import inventory, orders
from core.kv import open_store
from core.outbox import read_after
from tests.booking_api.conftest import SagaEnv
from tests.booking_api.test_validation import booking_body


def events(env: SagaEnv, booking_id: str) -> list[str]:
    with open_store(env.settings) as store:
        out = []
        for e in read_after(store, 0, limit=100_000):
            body = orjson.loads(e.value)
            if body.get("aggregate_id") == booking_id:
                out.append(body["type"])
        return out


def payments_of(env: SagaEnv, booking_id: str):
    return [p for p in env.payments_sim.ledger.payments.values() if p.reference == booking_id]


async def test_happy_path(saga_env: SagaEnv):
    resp = await saga_env.book(booking_body(), "happy-key-0001")
    assert resp.status_code == 202, resp.text
    bid = resp.json()["booking_id"]
    assert resp.json()["status_url"].endswith(f"/v1/bookings/{bid}")
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "confirmed", doc["history"]
    assert doc["price"] == {"amount": "200.00", "currency": "EUR",
                            "taxes_at_hotel": [{"name": "city_tax", "amount": "4.50", "currency": "EUR"}]}  # fmt: skip
    assert doc["payment"]["state"] == "captured" and Decimal(doc["payment"]["captured"]) == Decimal("200.00")
    assert doc["supplier"]["partner_order_id"] == f"{bid}-1" and doc["supplier"]["status"] == "ok"
    assert [h["state"] for h in doc["history"]][-2:] == ["supplier_confirmed", "confirmed"]
    assert "payment_token" not in doc
    assert events(saga_env, bid) == [
        "booking.created", "payment.authorized", "booking.supplier_confirmed", "payment.captured", "booking.confirmed",
    ]  # fmt: skip
    [payment] = payments_of(saga_env, bid)
    assert payment.status == "captured"
    user = await saga_env.api.client.get(f"/v1/users/{doc['user_id']}/bookings", headers=saga_env.api.auth())
    assert [b["booking_id"] for b in user.json()["bookings"]] == [bid]


async def test_supplier_final_failure_is_compensated(saga_env: SagaEnv):
    body = booking_body(sandbox_trigger="soldout")
    bid = (await saga_env.book(body, "soldout-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed"
    assert doc["failure"].startswith("SupplierFinal: supplier: soldout")
    assert doc["payment"]["state"] == "voided"
    [payment] = payments_of(saga_env, bid)
    assert payment.status == "voided" and payment.amount_captured == 0
    # The supplier reported the order failed: there is no booking to cancel.
    assert saga_env.supplier.calls["cancel"] == 0
    with open_store(saga_env.settings) as store:
        tried = orders.attempts(store, bid)
    assert [(a.partner_order_id, a.state) for a in tried] == [(f"{bid}-1-soldout", "failed")]
    assert events(saga_env, bid) == [
        "booking.created", "payment.authorized", "payment.voided", "booking.failed",
    ]  # fmt: skip


async def test_payment_decline_releases_inventory_and_cancels_the_order(saga_env: SagaEnv):
    first = (date.today() + timedelta(days=100)).isoformat()
    body = booking_body(
        payment_token="tok_decline", checkin=first, checkout=_nights(first, 3)[-1].isoformat()
    )
    with open_store(saga_env.settings) as store:
        inventory.set_allotments(store, 8473727, "Standard Double", dict.fromkeys(_nights(first, 2), 1))
    bid = (await saga_env.book(body, "decline-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "PaymentDeclined" in doc["failure"]
    assert saga_env.supplier.cancelled == [f"{bid}-1"]
    with open_store(saga_env.settings) as store:
        nights = inventory.night_inventory(store, 8473727, "Standard Double", _nights(first, 2))
    assert [n.available for n in nights] == [1, 1]


async def test_prebook_contract_mismatch_fails_before_any_order(saga_env: SagaEnv):
    body = booking_body(book_hash="h-00000000-0000-0000-0000-000000000000")
    bid = (await saga_env.book(body, "mismatch-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "contract_mismatch" in doc["failure"]
    assert saga_env.supplier.calls["form"] == 0 and payments_of(saga_env, bid) == []


async def test_price_rise_above_the_accepted_price_fails(saga_env: SagaEnv):
    saga_env.supplier.price_increase = Decimal("0.10")
    body = booking_body(price={"amount": "210.00", "currency": "EUR"})
    bid = (await saga_env.book(body, "price-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "PriceChanged" in doc["failure"] and "220.00" in doc["failure"]
    # Accepting the new price books it.
    body = booking_body(price={"amount": "220.00", "currency": "EUR"})
    bid = (await saga_env.book(body, "price-key-0002")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert (
        doc["state"] == "confirmed"
        and doc["price"]["amount"] == "220.00"
        and doc["supplier"]["price_changed"]
    )


async def test_payment_timeout_after_charge_is_resolved_by_idempotent_retry(saga_env: SagaEnv):
    bid = (
        await saga_env.book(booking_body(payment_token="tok_timeout_after_charge"), "tmo-key-0001")
    ).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"}, timeout_s=40)
    assert doc["state"] == "confirmed", doc["history"]
    [payment] = payments_of(saga_env, bid)  # one authorization, not two
    assert payment.status == "captured"


async def test_supplier_unknown_then_ok(saga_env: SagaEnv):
    bid = (await saga_env.book(booking_body(sandbox_trigger="unknown_success"), "unk-key-0001")).json()[
        "booking_id"
    ]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "confirmed"
    assert saga_env.supplier.calls["status"] >= 2


async def test_supplier_unknown_then_final_error_is_compensated(saga_env: SagaEnv):
    bid = (await saga_env.book(booking_body(sandbox_trigger="unknown_book_limit"), "unk-key-0002")).json()[
        "booking_id"
    ]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "book_limit" in doc["failure"]
    assert doc["payment"]["state"] == "voided"


async def test_form_retried_with_new_id_and_abandoned_order_cancelled(saga_env: SagaEnv):
    saga_env.supplier.form_failures = ["timeout", "double_booking_form"]
    bid = (await saga_env.book(booking_body(), "form-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "confirmed"
    assert doc["supplier"]["partner_order_id"] == f"{bid}-3"
    # The two abandoned ids were on record before their calls; any order behind them is cancelled
    # (by the sweep right after confirmation).
    with open_store(saga_env.settings) as store:
        for _ in range(100):
            tried = orders.attempts(store, bid)
            if all(a.state != "form_failed" for a in tried):
                break
            await asyncio.sleep(0.1)
    assert [(a.partner_order_id, a.state) for a in tried] == [
        (f"{bid}-1", "cancelled"), (f"{bid}-2", "cancelled"), (f"{bid}-3", "ok"),
    ]  # fmt: skip
    assert sorted(saga_env.supplier.cancelled) == [f"{bid}-1", f"{bid}-2"]


async def test_finish_failure_compensates(saga_env: SagaEnv):
    bid = (
        await saga_env.book(booking_body(sandbox_trigger="insufficient_b2b_balance"), "fin-key-0001")
    ).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "insufficient_b2b_balance" in doc["failure"]
    assert doc["payment"]["state"] == "voided"


async def test_cancellation_refunds_per_policy(saga_env: SagaEnv):
    bid = (await saga_env.book(booking_body(), "cancel-key-0001")).json()["booking_id"]
    await saga_env.wait_state(bid, {"confirmed"})
    resp = await saga_env.api.client.post(f"/v1/bookings/{bid}/cancel", headers=saga_env.api.auth())
    assert resp.status_code == 202, resp.text
    assert resp.json()["penalty"] == {"amount": "0", "currency": "EUR"}
    assert resp.json()["refund"]["amount"] == "200.00"
    doc = await saga_env.wait_state(bid, {"cancelled"})
    assert doc["payment"]["state"] == "refunded" and doc["cancel"]["refund"] == "200.00"
    assert events(saga_env, bid)[-2:] == ["payment.refunded", "booking.cancelled"]
    again = await saga_env.api.client.post(f"/v1/bookings/{bid}/cancel", headers=saga_env.api.auth())
    assert again.status_code == 409 and again.json()["state"] == "cancelled"


async def test_cancellation_refused_by_supplier_keeps_the_booking(saga_env: SagaEnv):
    bid = (
        await saga_env.book(booking_body(sandbox_trigger="order_not_cancellable"), "cancel-key-0002")
    ).json()["booking_id"]
    await saga_env.wait_state(bid, {"confirmed"})
    await saga_env.api.client.post(f"/v1/bookings/{bid}/cancel", headers=saga_env.api.auth())
    for _ in range(100):
        doc = (await saga_env.api.client.get(f"/v1/bookings/{bid}", headers=saga_env.api.auth())).json()
        if doc["cancel"] and doc["cancel"]["error"]:
            break
        await asyncio.sleep(0.1)
    assert doc["state"] == "confirmed" and "order_not_cancellable" in doc["cancel"]["error"]
    assert doc["payment"]["state"] == "captured"
    # Confirmed once in the stream: the refusal adds no second `booking.confirmed` (revenue counted once).
    assert events(saga_env, bid).count("booking.confirmed") == 1


def _nights(first: str, n: int):
    d = date.fromisoformat(first)
    return [d + timedelta(days=i) for i in range(n)]


async def test_form_final_error_is_compensated_without_payment(saga_env: SagaEnv):
    saga_env.supplier.form_failures = ["reservation_is_not_allowed"]
    bid = (await saga_env.book(booking_body(), "formfinal-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "failed" and "reservation_is_not_allowed" in doc["failure"]
    assert payments_of(saga_env, bid) == [] and saga_env.supplier.calls["finish"] == 0
    # The one id tried is on record, and its (possible) order was asked to cancel.
    assert saga_env.supplier.cancelled == [f"{bid}-1"]


async def test_capture_failing_after_supplier_confirmed_alerts_and_retries(saga_env: SagaEnv):
    # Every capture call hangs (no answer in time) for two whole activity attempts.
    saga_env.payments_sim.faults.hang_before = {"capture": 6}
    bid = (await saga_env.book(booking_body(), "capture-key-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"}, timeout_s=40)
    assert doc["state"] == "confirmed"  # never compensated by cancelling the stay
    notes = [h["note"] for h in doc["history"]]
    assert "operator alert: capture failing" in notes
    assert doc["payment"]["state"] == "captured" and doc["payment"]["alert"] is None
    assert saga_env.supplier.cancelled == []
    [payment] = payments_of(saga_env, bid)
    assert payment.status == "captured"


async def test_live_state_query(saga_env: SagaEnv):
    bid = (await saga_env.book(booking_body(), "live-key-0001")).json()["booking_id"]
    await saga_env.wait_state(bid, {"confirmed"})
    for _ in range(50):
        resp = await saga_env.api.client.get(f"/v1/bookings/{bid}?live=true", headers=saga_env.api.auth())
        if resp.json()["saga"]["step"] == "done":
            break
        await asyncio.sleep(0.1)
    assert resp.json()["saga"] == {"step": "done", "partner_order_id": f"{bid}-1", "compensations": []}


async def test_finish_answer_lost_then_double_booking_finish_goes_on_polling(saga_env: SagaEnv):
    saga_env.supplier.finish_answers_lost = 1
    bid = (await saga_env.book(booking_body(), "finish-lost-0001")).json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"}, timeout_s=40)
    assert doc["state"] == "confirmed", doc["history"]
    assert saga_env.supplier.calls["finish"] == 2 and saga_env.supplier.finished == [f"{bid}-1"]
    assert "finish " + f"{bid}-1: already finished" in [h["note"] for h in doc["history"]]
    assert saga_env.supplier.cancelled == []
