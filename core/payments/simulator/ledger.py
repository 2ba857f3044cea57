"""The simulated provider's books: the payment state machine, with no HTTP and no faults.

Every method either returns the payment as it now is or raises `Refusal` with the HTTP status
and error code the provider answers with.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from core.domain.money import minor_units
from core.payments.models import (
    CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS,
    AmountRequest,
    AuthorizeRequest,
    Payment,
    PaymentStatus,
    Refund,
    check_precision,
)


class Refusal(Exception):
    def __init__(self, http_status: int, code: str, message: str, payment_id: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.payment_id = payment_id


DECLINES = {
    CARD_DECLINED: ("card_declined", "The card was declined."),
    CARD_INSUFFICIENT_FUNDS: ("insufficient_funds", "The card has insufficient funds."),
}


def _in_minor_units(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)))


def _now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self.payments: dict[str, Payment] = {}

    def get(self, payment_id: str) -> Payment:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise Refusal(404, "payment_not_found", f"No payment {payment_id}.", payment_id)
        return payment

    def find(self, reference: str) -> list[Payment]:
        return [p for p in self.payments.values() if p.reference == reference]

    def authorize(self, request: AuthorizeRequest) -> Payment:
        try:
            request.check_precision()
        except ValueError as exc:
            raise Refusal(400, "invalid_request", str(exc)) from None
        now = self._clock()
        decline = DECLINES.get(request.card_token)
        zero = _in_minor_units(Decimal(0), request.currency)
        payment = Payment(
            id=f"pay_{uuid.uuid4().hex[:20]}",
            status=PaymentStatus.DECLINED if decline else PaymentStatus.AUTHORIZED,
            currency=request.currency,
            amount=_in_minor_units(request.amount, request.currency),
            amount_captured=zero,
            amount_refunded=zero,
            reference=request.reference,
            decline_code=decline[0] if decline else None,
            created_at=now,
            updated_at=now,
        )
        self.payments[payment.id] = payment
        if decline:
            raise Refusal(402, decline[0], decline[1], payment.id)
        return payment

    def capture(self, payment_id: str, request: AmountRequest) -> Payment:
        payment = self.get(payment_id)
        self._require(payment, PaymentStatus.AUTHORIZED, "capture")
        amount = self._amount(payment, request, payment.amount)
        if amount > payment.amount:
            raise Refusal(
                422,
                "amount_exceeds_authorized",
                f"Cannot capture {amount} {payment.currency}: {payment.amount} was authorized.",
                payment_id,
            )
        return self._update(payment, status=PaymentStatus.CAPTURED, amount_captured=amount)

    def void(self, payment_id: str) -> Payment:
        payment = self.get(payment_id)
        self._require(payment, PaymentStatus.AUTHORIZED, "void")
        return self._update(payment, status=PaymentStatus.VOIDED)

    def refund(self, payment_id: str, request: AmountRequest) -> Payment:
        payment = self.get(payment_id)
        if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            raise Refusal(
                409, "invalid_state", f"Cannot refund a payment that is {payment.status}.", payment_id
            )
        left = payment.amount_captured - payment.amount_refunded
        amount = self._amount(payment, request, left)
        if amount > left:
            raise Refusal(
                422,
                "amount_exceeds_captured",
                f"Cannot refund {amount} {payment.currency}: {left} is left of {payment.amount_captured} captured.",
                payment_id,
            )
        refunded = payment.amount_refunded + amount
        refund = Refund(id=f"re_{uuid.uuid4().hex[:20]}", amount=amount, created_at=self._clock())
        status = (
            PaymentStatus.REFUNDED
            if refunded == payment.amount_captured
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        return self._update(
            payment, status=status, amount_refunded=refunded, refunds=[*payment.refunds, refund]
        )

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _require(payment: Payment, status: PaymentStatus, action: str) -> None:
        if payment.status != status:
            raise Refusal(
                409, "invalid_state", f"Cannot {action} a payment that is {payment.status}.", payment.id
            )

    @staticmethod
    def _amount(payment: Payment, request: AmountRequest, default: Decimal) -> Decimal:
        if request.currency is not None and request.currency != payment.currency:
            raise Refusal(
                422,
                "currency_mismatch",
                f"The payment is in {payment.currency}, not {request.currency}.",
                payment.id,
            )
        if request.amount is None:
            return default
        try:
            check_precision(request.amount, payment.currency)
        except ValueError as exc:
            raise Refusal(400, "invalid_request", str(exc), payment.id) from None
        return _in_minor_units(request.amount, payment.currency)

    def _update(self, payment: Payment, **changes: object) -> Payment:
        updated = payment.model_copy(update={**changes, "updated_at": self._clock()})
        self.payments[payment.id] = updated
        return updated
