"""Errors of the payment provider, one class per family, each carrying the provider's code.

`PaymentOutcomeUnknown` is the one to handle with care: the provider may or may not have acted
(timeout, 5xx, network). Retry with the SAME idempotency key to learn the outcome; never assume.
"""

from __future__ import annotations


class PaymentError(Exception):
    retryable = False

    def __init__(
        self, code: str, message: str = "", *, http_status: int | None = None, payment_id: str | None = None
    ) -> None:
        self.code = code
        self.http_status = http_status
        self.payment_id = payment_id
        super().__init__(f"{code}: {message}" if message else code)


class PaymentOutcomeUnknown(PaymentError):
    """No answer (timeout, 5xx, network): repeat with the same idempotency key."""

    retryable = True


class PaymentDeclined(PaymentError):
    """The card was refused (`card_declined`, `insufficient_funds`); `payment_id` names the record."""


class PaymentStateError(PaymentError):
    """The payment is not in a state that allows this (`invalid_state`), e.g. capture after void."""


class PaymentAmountError(PaymentError):
    """`amount_exceeds_authorized`, `amount_exceeds_captured`, `currency_mismatch`."""


class PaymentNotFound(PaymentError):
    """`payment_not_found`."""


class IdempotencyConflict(PaymentError):
    """`idempotency_key_reused`: the key was used before for a different request."""


class PaymentRequestError(PaymentError):
    """`invalid_request`, `unauthorized`: the call itself is wrong."""


_FAMILIES: dict[str, type[PaymentError]] = {
    "card_declined": PaymentDeclined,
    "insufficient_funds": PaymentDeclined,
    "invalid_state": PaymentStateError,
    "amount_exceeds_authorized": PaymentAmountError,
    "amount_exceeds_captured": PaymentAmountError,
    "currency_mismatch": PaymentAmountError,
    "payment_not_found": PaymentNotFound,
    "idempotency_key_reused": IdempotencyConflict,
    "invalid_request": PaymentRequestError,
    "idempotency_key_required": PaymentRequestError,
    "unauthorized": PaymentRequestError,
}


def payment_error(
    code: str, message: str = "", *, http_status: int | None = None, payment_id: str | None = None
) -> PaymentError:
    if code in _FAMILIES:
        cls = _FAMILIES[code]
    elif http_status is not None and (http_status >= 500 or http_status == 429):
        cls = PaymentOutcomeUnknown
    else:
        cls = PaymentError
    return cls(code, message, http_status=http_status, payment_id=payment_id)
