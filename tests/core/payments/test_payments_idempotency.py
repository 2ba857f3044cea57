"""Idempotency keys under repeats, concurrency and lost answers (the saga's hard cases)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.domain.money import Money
from core.payments import errors
from core.payments.client import PaymentsClient
from core.payments.models import CARD_OK, CARD_TIMEOUT_AFTER_CHARGE, CARD_TIMEOUT_BEFORE_CHARGE, PaymentStatus
from tests.core.payments.conftest import API_KEY, no_wait


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def books(app):
    return app.state.simulator


async def test_concurrent_repeats_charge_once(payments, payments_app):
    results = await asyncio.gather(
        *(
            payments.authorize(eur("120.00"), CARD_OK, idempotency_key="same", reference="bk-9")
            for _ in range(25)
        )
    )
    assert len({p.id for p in results}) == 1
    assert books(payments_app).processed["authorize"] == 1
    assert len(books(payments_app).ledger.payments) == 1
    assert payments.stats.replays == 24


async def test_concurrent_captures_with_one_key_capture_once(payments, payments_app):
    payment = await payments.authorize(eur("120.00"), CARD_OK, idempotency_key="a")
    captures = await asyncio.gather(
        *(payments.capture(payment.id, idempotency_key="cap", amount=eur("70.00")) for _ in range(10))
    )
    assert {c.amount_captured for c in captures} == {eur("70.00").amount}
    assert books(payments_app).processed["capture"] == 1


async def test_same_key_other_request_is_refused(payments):
    await payments.authorize(eur("10.00"), CARD_OK, idempotency_key="k")
    with pytest.raises(errors.IdempotencyConflict):
        await payments.authorize(eur("11.00"), CARD_OK, idempotency_key="k")


async def test_charge_that_succeeded_while_the_answer_timed_out_is_learned_by_retry(payments, payments_app):
    payment = await payments.authorize(
        eur("99.00"), CARD_TIMEOUT_AFTER_CHARGE, idempotency_key="t-1", reference="bk-3"
    )
    assert payment.status is PaymentStatus.AUTHORIZED
    assert payments.stats.retries == 1 and payments.stats.replays == 1
    assert books(payments_app).processed["authorize"] == 1


async def test_when_retries_run_out_the_outcome_is_unknown_not_failed(payments_app):
    async with PaymentsClient(
        "http://payments.test",
        API_KEY,
        transport=httpx.ASGITransport(payments_app),
        timeout_s=0.2,
        max_attempts=1,
    ) as impatient:
        with pytest.raises(errors.PaymentOutcomeUnknown) as caught:
            await impatient.authorize(
                eur("99.00"), CARD_TIMEOUT_AFTER_CHARGE, idempotency_key="t-2", reference="bk-4"
            )
        assert caught.value.retryable
        # the money was authorized all the same: a lookup or a later retry with the key shows it
        [found] = await impatient.find("bk-4")
        assert found.status is PaymentStatus.AUTHORIZED
        later = await impatient.authorize(
            eur("99.00"), CARD_TIMEOUT_AFTER_CHARGE, idempotency_key="t-2", reference="bk-4"
        )
        assert later.id == found.id


async def test_timeout_before_the_charge_then_retry_charges_once(payments, payments_app):
    payment = await payments.authorize(eur("42.00"), CARD_TIMEOUT_BEFORE_CHARGE, idempotency_key="t-3")
    assert payment.status is PaymentStatus.AUTHORIZED
    assert payments.stats.retries == 1 and payments.stats.replays == 0
    assert books(payments_app).processed["authorize"] == 1


async def test_runtime_faults_through_the_admin_endpoint(payments, payments_app):
    admin = httpx.AsyncClient(transport=httpx.ASGITransport(payments_app), base_url="http://payments.test",
                              headers={"Authorization": f"Bearer {API_KEY}"})  # fmt: skip
    async with admin:
        answer = await admin.post("/admin/faults", json={"fail_next": 2, "hang_after_commit": {"capture": 1}})
        assert answer.status_code == 200 and answer.json()["fail_next"] == 2
        bad = await admin.post("/admin/faults", json={"explode": True})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"

        payment = await payments.authorize(eur("60.00"), CARD_OK, idempotency_key="f-1")
        assert payments.stats.retries == 2  # two 503s, then the authorization
        captured = await payments.capture(payment.id, idempotency_key="f-2")
        assert captured.status is PaymentStatus.CAPTURED and payments.stats.retries == 3
        assert books(payments_app).processed == {"authorize": 1, "capture": 1, "void": 0, "refund": 0}

        await admin.post("/admin/faults", json={"error_rate": 1.0})
        with pytest.raises(errors.PaymentOutcomeUnknown):
            await payments.void(payment.id, idempotency_key="f-3")
        reset = await admin.post("/admin/reset")
        assert reset.json()["error_rate"] == 0.0


async def test_post_without_idempotency_key_is_refused(payments_app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(payments_app), base_url="http://p.test"
    ) as raw:
        answer = await raw.post(
            "/v1/payments",
            json={"amount": "1.00", "currency": "EUR", "card_token": CARD_OK},
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "idempotency_key_required"
    async with PaymentsClient(
        "http://p.test", API_KEY, transport=httpx.ASGITransport(payments_app), sleep=no_wait
    ) as c:
        with pytest.raises(ValueError):
            await c.void("pay_x", idempotency_key="")
