"""HTTP client of the payment provider (the simulator's API, see `simulator/app.py`).

Timeouts, network failures, 429 and 5xx are retried with the SAME idempotency key (bounded, with
backoff): the provider answers a repeat with the first result, so a charge that went through while
its answer was lost is found, not repeated. When the retries run out, `PaymentOutcomeUnknown` is
raised and the caller must retry later with the same key (or look the payment up).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from core.domain.money import Money
from core.payments.errors import PaymentOutcomeUnknown, payment_error
from core.payments.models import IDEMPOTENCY_HEADER, REPLAY_HEADER, Payment

if TYPE_CHECKING:
    from core.config import Settings

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class PaymentsClientStats:
    requests: int = 0
    retries: int = 0
    replays: int = 0  # answers the provider marked as repeats of a first result


class PaymentsClient:
    """Implements `core.payments.port.PaymentProvider`; share one per process."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        base_delay_s: float = 0.2,
        max_delay_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._sleep = sleep
        self.stats = PaymentsClientStats()
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=httpx.Timeout(timeout_s),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "etg-ibe/0.1 (+payments-client)"},
        )

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> PaymentsClient:
        return cls(settings.payments_url, settings.payments_api_key.get_secret_value(), **kwargs)

    async def __aenter__(self) -> PaymentsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the port ------------------------------------------------------------------------------
    async def authorize(
        self, amount: Money, card_token: str, *, idempotency_key: str, reference: str | None = None
    ) -> Payment:
        body: dict[str, Any] = {
            "amount": str(amount.amount),
            "currency": amount.currency,
            "card_token": card_token,
        }
        if reference is not None:
            body["reference"] = reference
        return await self._payment("POST", "/v1/payments", body, idempotency_key)

    async def capture(self, payment_id: str, *, idempotency_key: str, amount: Money | None = None) -> Payment:
        return await self._payment(
            "POST", f"/v1/payments/{payment_id}/capture", _amount(amount), idempotency_key
        )

    async def void(self, payment_id: str, *, idempotency_key: str) -> Payment:
        return await self._payment("POST", f"/v1/payments/{payment_id}/void", {}, idempotency_key)

    async def refund(self, payment_id: str, *, idempotency_key: str, amount: Money | None = None) -> Payment:
        return await self._payment(
            "POST", f"/v1/payments/{payment_id}/refunds", _amount(amount), idempotency_key
        )

    async def get(self, payment_id: str) -> Payment:
        return await self._payment("GET", f"/v1/payments/{payment_id}", None, None)

    async def find(self, reference: str) -> list[Payment]:
        data = await self._request("GET", "/v1/payments", None, None, params={"reference": reference})
        return [Payment.model_validate(item) for item in data["data"]]

    # -- transport -----------------------------------------------------------------------------
    async def _payment(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str | None
    ) -> Payment:
        return Payment.model_validate(await self._request(method, path, body, idempotency_key))

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        idempotency_key: str | None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if method == "POST" and not idempotency_key:
            raise ValueError("every payment operation needs an idempotency key")
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(method, path, body, headers, params)
            except PaymentOutcomeUnknown:
                if attempt >= self._max_attempts:
                    raise
                self.stats.retries += 1
                delay = min(self._max_delay_s, self._base_delay_s * 2 ** (attempt - 1))
                await self._sleep(random.uniform(delay / 2, delay))

    async def _once(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        params: dict[str, str] | None,
    ) -> dict[str, Any]:
        self.stats.requests += 1
        try:
            # asyncio.timeout also bounds in-process transports, which ignore httpx's timeouts.
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.request(method, path, json=body, headers=headers, params=params)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise PaymentOutcomeUnknown("timeout", f"no answer within {self._timeout_s} s") from exc
        except httpx.TransportError as exc:
            raise PaymentOutcomeUnknown("network", repr(exc)) from exc
        if response.headers.get(REPLAY_HEADER) == "true":
            self.stats.replays += 1
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code < 300 and isinstance(payload, dict):
            return payload
        error = (payload or {}).get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            raise payment_error(
                str(error.get("code") or f"http_{response.status_code}"),
                str(error.get("message") or ""),
                http_status=response.status_code,
                payment_id=error.get("payment_id"),
            )
        raise payment_error(
            f"http_{response.status_code}", response.text[:200], http_status=response.status_code
        )


def _amount(amount: Money | None) -> dict[str, Any]:
    return {} if amount is None else {"amount": str(amount.amount), "currency": amount.currency}
