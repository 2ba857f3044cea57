"""Money: a Decimal amount with its ISO 4217 currency, never a float.

On the wire (events, API) an amount is a decimal string, so no binary rounding ever touches it:
`{"amount": "129.90", "currency": "EUR"}`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# ISO 4217 minor units that are not 2; every other currency has cents.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "OMR": 3}

# A Decimal that goes on the wire as a string ("12.30"), never as a JSON number.
DecimalStr = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str, when_used="json")]


def minor_units(currency: str) -> int:
    """Digits after the decimal point for `currency` (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


class CurrencyMismatch(ValueError):
    """Arithmetic between two currencies; convert first."""


class Money(BaseModel):
    """An amount in one currency. Immutable; arithmetic only within one currency."""

    model_config = ConfigDict(frozen=True)

    amount: DecimalStr = Field(allow_inf_nan=False)
    currency: str

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        if not _CURRENCY.match(value):
            raise ValueError(f"currency must be a 3-letter ISO 4217 code, got {value!r}")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money amounts must be Decimal or decimal strings, never float")
        return value

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(amount=Decimal(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def quantized(self) -> Money:
        """Rounded (half even) to the currency's minor units."""
        exp = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(amount=self.amount.quantize(exp, rounding=ROUND_HALF_EVEN), currency=self.currency)

    def convert(self, rate: Decimal, currency: str) -> Money:
        """This amount in `currency` at `rate` (units of `currency` per unit of ours), rounded."""
        return Money(amount=self.amount * rate, currency=currency).quantized()

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
