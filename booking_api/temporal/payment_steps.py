"""The payment steps of the sagas: authorize, capture (alerting an operator when it keeps failing),
void or refund as compensation, and the refund of a cancellation. Every call carries an idempotency
key derived from the booking id, so a retry after an unknown outcome never charges twice."""

from __future__ import annotations

import logging
from decimal import Decimal

from temporalio import activity

from booking_api.temporal.activity_support import ActivityBase, final_error, heartbeating
from booking_api.temporal.shared import PAYMENT_DECLINED
from core.booking import records
from core.booking.events import payment_event
from core.domain.booking import Booking, BookingState
from core.domain.money import Money
from core.kv import Transaction
from core.payments.errors import PaymentDeclined, PaymentError, PaymentOutcomeUnknown
from core.payments.models import Payment, PaymentStatus

log = logging.getLogger(__name__)
S = BookingState
CAPTURE_ALERT_AFTER = 2  # failed capture attempts before an operator alert is raised


class PaymentSteps(ActivityBase):
    """Authorize, capture, void or refund: the saga steps that move money."""

    @activity.defn(name="booking.authorize_payment")
    @heartbeating
    async def authorize_payment(self, booking_id: str) -> None:
        b = await self._booking(booking_id)
        if b.state != S.SUPPLIER_FORM:
            return
        try:
            payment = await self.payments.authorize(
                Money(amount=b.price.amount, currency=b.price.currency),
                b.payment_token,
                idempotency_key=f"{b.id}:authorize",
                reference=b.id,
            )
        except PaymentDeclined as exc:
            raise final_error(PAYMENT_DECLINED, f"payment declined: {exc.code}", exc.code) from None
        except PaymentOutcomeUnknown:
            raise  # retried with the same idempotency key: the provider tells what happened
        except PaymentError as exc:
            raise final_error(PAYMENT_DECLINED, f"payment refused: {exc.code}", exc.code) from None
        if payment.status == PaymentStatus.DECLINED:
            raise final_error(
                PAYMENT_DECLINED, f"payment declined: {payment.decline_code}", payment.decline_code
            )

        def step(tr: Transaction) -> None:
            def change(bk: Booking) -> None:
                bk.payment.payment_id = payment.id
                bk.payment.state = "authorized"
                bk.payment.authorized = payment.amount
                bk.payment.currency = payment.currency

            bk = records.transition(
                tr, booking_id, S.PAYMENT_AUTHORIZED, f"payment {payment.id} authorized", change
            )
            payment_event(tr, bk, "authorized", payment.amount)

        await self._tx(step)

    @activity.defn(name="booking.capture_payment")
    @heartbeating
    async def capture_payment(self, booking_id: str) -> None:
        b = await self._booking(booking_id)
        if b.payment.state in ("captured", "refunded", "partially_refunded"):
            return
        try:
            payment = await self.payments.capture(
                b.payment.payment_id or "", idempotency_key=f"{b.id}:capture"
            )
        except Exception as exc:
            attempt = activity.info().attempt
            if attempt >= CAPTURE_ALERT_AFTER:
                alert = f"capture failing after the supplier confirmed (attempt {attempt}): {exc}"
                log.error("OPERATOR ALERT booking %s: %s", b.id, alert)

                def flag(bk: Booking) -> None:
                    bk.payment.alert = alert

                await self._tx(
                    lambda tr: records.update(tr, b.id, flag, note="operator alert: capture failing")
                )
            raise

        def step(tr: Transaction) -> None:
            def change(bk: Booking) -> None:
                bk.payment.state = "captured"
                bk.payment.captured = payment.amount_captured
                bk.payment.alert = None

            bk = records.update(tr, booking_id, change, note=f"payment {payment.id} captured")
            payment_event(tr, bk, "captured", payment.amount_captured)

        await self._tx(step)

    @activity.defn(name="booking.void_or_refund_payment")
    @heartbeating
    async def void_or_refund_payment(self, booking_id: str) -> None:
        """Undo every payment made for the booking (found by reference, so an authorization whose
        answer was lost is found too): void an authorization, refund a capture."""
        found = await self.payments.find(booking_id)
        for p in found:
            if p.status == PaymentStatus.AUTHORIZED:
                done = await self.payments.void(p.id, idempotency_key=f"{booking_id}:void:{p.id}")
                await self._record_payment(booking_id, done, "voided", done.amount)
            elif p.status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
                left = p.amount_captured - p.amount_refunded
                done = await self.payments.refund(p.id, idempotency_key=f"{booking_id}:refund:{p.id}")
                await self._record_payment(booking_id, done, "refunded", left)

    async def _record_payment(self, booking_id: str, payment: Payment, kind: str, amount: Decimal) -> None:
        def step(tr: Transaction) -> None:
            def change(bk: Booking) -> None:
                bk.payment.payment_id = bk.payment.payment_id or payment.id
                bk.payment.state = payment.status.value
                bk.payment.refunded = payment.amount_refunded

            bk = records.update(tr, booking_id, change, note=f"payment {payment.id} {kind}")
            payment_event(tr, bk, kind, amount)

        await self._tx(step)

    @activity.defn(name="cancellation.refund")
    @heartbeating
    async def refund_cancellation(self, booking_id: str) -> None:
        b = await self._booking(booking_id)
        if b.cancel is None or b.cancel.refund <= 0 or b.payment.payment_id is None:
            return
        if b.payment.state in ("refunded", "partially_refunded"):
            return
        amount = Money(amount=b.cancel.refund, currency=b.price.currency)
        payment = await self.payments.refund(
            b.payment.payment_id, idempotency_key=f"{b.id}:cancel-refund", amount=amount
        )
        await self._record_payment(booking_id, payment, "refunded", b.cancel.refund)
