"""Authorize, capture (full or partial), void, refund: the state machine and its refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain.money import Money
from core.payments import errors
from core.payments.models import CARD_DECLINED, CARD_INSUFFICIENT_FUNDS, CARD_OK, PaymentStatus
from core.payments.port import PaymentProvider

EUR = "EUR"


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


async def test_client_fits_the_port(payments):
    assert isinstance(payments, PaymentProvider)


async def test_partial_capture_then_partial_refunds(payments):
    payment = await payments.authorize(eur("250.00"), CARD_OK, idempotency_key="a-1", reference="bk-1")
    assert payment.status is PaymentStatus.AUTHORIZED and payment.authorized == eur("250.00")
    captured = await payments.capture(payment.id, idempotency_key="c-1", amount=eur("199.90"))
    assert captured.status is PaymentStatus.CAPTURED and captured.captured == eur("199.90")
    first = await payments.refund(payment.id, idempotency_key="r-1", amount=eur("50.00"))
    assert first.status is PaymentStatus.PARTIALLY_REFUNDED and first.refundable == eur("149.90")
    with pytest.raises(errors.PaymentAmountError) as caught:
        await payments.refund(payment.id, idempotency_key="r-2", amount=eur("149.91"))
    assert caught.value.code == "amount_exceeds_captured" and caught.value.http_status == 422
    rest = await payments.refund(payment.id, idempotency_key="r-3")
    assert rest.status is PaymentStatus.REFUNDED and rest.refunded == eur("199.90")
    assert [r.amount for r in rest.refunds] == [Decimal("50.00"), Decimal("149.90")]
    assert [p.id for p in await payments.find("bk-1")] == [payment.id]
    assert (await payments.get(payment.id)).amount_refunded == Decimal("199.90")


async def test_capture_more_than_authorized_is_refused_and_changes_nothing(payments):
    payment = await payments.authorize(eur("100.00"), CARD_OK, idempotency_key="a-1")
    with pytest.raises(errors.PaymentAmountError) as caught:
        await payments.capture(payment.id, idempotency_key="c-1", amount=eur("100.01"))
    assert caught.value.code == "amount_exceeds_authorized" and caught.value.payment_id == payment.id
    assert (await payments.get(payment.id)).status is PaymentStatus.AUTHORIZED
    full = await payments.capture(payment.id, idempotency_key="c-2")
    assert full.captured == eur("100.00")


async def test_capture_happens_once(payments):
    payment = await payments.authorize(eur("80.00"), CARD_OK, idempotency_key="a-1")
    await payments.capture(payment.id, idempotency_key="c-1", amount=eur("30.00"))
    with pytest.raises(errors.PaymentStateError):
        await payments.capture(payment.id, idempotency_key="c-2", amount=eur("50.00"))


async def test_void_releases_and_blocks_capture_and_refund(payments):
    payment = await payments.authorize(eur("80.00"), CARD_OK, idempotency_key="a-1")
    voided = await payments.void(payment.id, idempotency_key="v-1")
    assert voided.status is PaymentStatus.VOIDED
    with pytest.raises(errors.PaymentStateError) as caught:
        await payments.capture(payment.id, idempotency_key="c-1")
    assert caught.value.code == "invalid_state"
    with pytest.raises(errors.PaymentStateError):
        await payments.refund(payment.id, idempotency_key="r-1")


async def test_void_after_capture_is_refused(payments):
    payment = await payments.authorize(eur("80.00"), CARD_OK, idempotency_key="a-1")
    await payments.capture(payment.id, idempotency_key="c-1")
    with pytest.raises(errors.PaymentStateError):
        await payments.void(payment.id, idempotency_key="v-1")


@pytest.mark.parametrize(
    ("card", "code"), [(CARD_DECLINED, "card_declined"), (CARD_INSUFFICIENT_FUNDS, "insufficient_funds")]
)
async def test_declines_are_final_and_recorded(payments, card, code):
    with pytest.raises(errors.PaymentDeclined) as caught:
        await payments.authorize(eur("80.00"), card, idempotency_key="a-1")
    assert caught.value.code == code and not caught.value.retryable
    record = await payments.get(caught.value.payment_id)
    assert record.status is PaymentStatus.DECLINED and record.decline_code == code
    with pytest.raises(errors.PaymentDeclined) as again:  # the repeat gets the same answer
        await payments.authorize(eur("80.00"), card, idempotency_key="a-1")
    assert again.value.payment_id == caught.value.payment_id
    assert payments.stats.replays == 1


async def test_currency_rules(payments):
    payment = await payments.authorize(Money.of("12000", "JPY"), CARD_OK, idempotency_key="a-1")
    assert payment.amount == Decimal("12000") and payment.currency == "JPY"
    with pytest.raises(errors.PaymentAmountError) as caught:
        await payments.capture(payment.id, idempotency_key="c-1", amount=eur("10.00"))
    assert caught.value.code == "currency_mismatch"
    with pytest.raises(errors.PaymentRequestError) as bad:
        await payments.authorize(Money.of("10.5", "JPY"), CARD_OK, idempotency_key="a-2")
    assert bad.value.code == "invalid_request" and "decimals" in str(bad.value)


async def test_unknown_payment_and_wrong_key(payments, payments_app):
    with pytest.raises(errors.PaymentNotFound):
        await payments.get("pay_missing")
    import httpx

    from core.payments.client import PaymentsClient

    async with PaymentsClient(
        "http://payments.test", "wrong", transport=httpx.ASGITransport(payments_app)
    ) as intruder:
        with pytest.raises(errors.PaymentRequestError) as caught:
            await intruder.authorize(eur("1.00"), CARD_OK, idempotency_key="x")
    assert caught.value.code == "unauthorized" and caught.value.http_status == 401
