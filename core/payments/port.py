"""What the booking saga needs from a card payment provider. `PaymentsClient` implements it over
HTTP (the simulator or a real provider behind the same API); tests may pass any object that fits.

Every state-changing call takes an idempotency key: calling again with the same key returns the
first result, so after `PaymentOutcomeUnknown` the caller retries with the same key to learn
what happened, and never charges twice.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain.money import Money
from core.payments.models import Payment


@runtime_checkable
class PaymentProvider(Protocol):
    async def authorize(
        self, amount: Money, card_token: str, *, idempotency_key: str, reference: str | None = None
    ) -> Payment: ...

    async def capture(
        self, payment_id: str, *, idempotency_key: str, amount: Money | None = None
    ) -> Payment: ...

    async def void(self, payment_id: str, *, idempotency_key: str) -> Payment: ...

    async def refund(
        self, payment_id: str, *, idempotency_key: str, amount: Money | None = None
    ) -> Payment: ...

    async def get(self, payment_id: str) -> Payment: ...

    async def find(self, reference: str) -> list[Payment]: ...
