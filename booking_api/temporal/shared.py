"""Names, inputs and error types shared by the workflows, the activities and the API that starts them."""

from __future__ import annotations

from dataclasses import dataclass

# Business failures: raised by activities as non-retryable `ApplicationError(type=...)`.
SOLD_OUT = "SoldOut"
PRICE_CHANGED = "PriceChanged"
SUPPLIER_FINAL = "SupplierFinal"  # a final answer of the supplier (soldout, provider, contract_mismatch, ...)
FORM_RETRY = "FormRetry"  # the booking form must be tried again with a NEW partner_order_id
PAYMENT_DECLINED = "PaymentDeclined"
NOT_CANCELLABLE = "NotCancellable"
SUPPLIER_CUTOFF = "SupplierCutoff"  # still `processing` at the contract's cut-off
BUSINESS_ERRORS = (SOLD_OUT, PRICE_CHANGED, SUPPLIER_FINAL, FORM_RETRY, PAYMENT_DECLINED, NOT_CANCELLABLE)


def booking_workflow_id(booking_id: str) -> str:
    return f"booking-{booking_id}"


def cancellation_workflow_id(booking_id: str) -> str:
    return f"cancel-{booking_id}"


@dataclass
class BookingInput:
    """The booking saga's single input; everything else is in the booking record."""

    booking_id: str
    poll_interval_s: float = 3.0
    supplier_cutoff_s: float = 900.0  # how long `processing` is polled before giving up
    max_form_attempts: int = 10  # the contract allows at most 10 partner_order_ids


@dataclass
class FormInput:
    booking_id: str
    attempt: int


@dataclass
class OrderInput:
    booking_id: str
    partner_order_id: str


@dataclass
class FailInput:
    booking_id: str
    reason: str


@dataclass
class CancellationInput:
    booking_id: str
