"""The payment provider's wire models, shared by its client and its simulator.

A payment is one card authorization in one currency; capture (full or partial, once), void and
refunds (partial, several) move it along:

    authorized -> captured -> partially_refunded -> refunded
    authorized -> voided
    declined (final)

Amounts travel as decimal strings next to the currency (`{"amount": "97.90", "currency": "EUR"}`);
in Python they are `core.domain.money.Money`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from core.domain.money import Money, minor_units

Amount = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"

# Card tokens of the test mode (what a tokenised card looks like to the platform).
CARD_OK = "tok_visa"
CARD_DECLINED = "tok_decline"
CARD_INSUFFICIENT_FUNDS = "tok_insufficient_funds"
CARD_TIMEOUT_AFTER_CHARGE = "tok_timeout_after_charge"
"""Authorizes, then the answer never comes in time: only an idempotent retry tells the outcome."""
CARD_TIMEOUT_BEFORE_CHARGE = "tok_timeout"
"""The first try hangs before anything happens; a retry with the same key authorizes for real."""


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DECLINED = "declined"


class Refund(BaseModel):
    id: str
    amount: Amount
    created_at: datetime


class Payment(BaseModel):
    """The provider's record of one payment."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: PaymentStatus
    currency: str
    amount: Amount = Field(description="authorized")
    amount_captured: Amount = Decimal(0)
    amount_refunded: Amount = Decimal(0)
    reference: str | None = None
    decline_code: str | None = None
    refunds: list[Refund] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime

    @property
    def authorized(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)

    @property
    def captured(self) -> Money:
        return Money(amount=self.amount_captured, currency=self.currency)

    @property
    def refunded(self) -> Money:
        return Money(amount=self.amount_refunded, currency=self.currency)

    @property
    def refundable(self) -> Money:
        return Money(amount=self.amount_captured - self.amount_refunded, currency=self.currency)


class AuthorizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount = Field(gt=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    card_token: str = Field(min_length=1)
    reference: str | None = Field(default=None, max_length=256)

    def check_precision(self) -> None:
        check_precision(self.amount, self.currency)


class AmountRequest(BaseModel):
    """Body of capture and refund: no amount means all that is left."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount | None = Field(default=None, gt=0, allow_inf_nan=False)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


def check_precision(amount: Decimal, currency: str) -> None:
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        raise ValueError(f"{currency} amounts have at most {minor_units(currency)} decimals, got {amount}")
