"""What every saga activity shares: the base class holding the clients, heartbeating, and the
non-retryable business errors."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from booking_api.temporal.shared import SUPPLIER_FINAL
from core.booking import records
from core.domain.booking import Booking
from core.kv import Store, Transaction
from core.payments.port import PaymentProvider
from core.ratehawk.client import RateHawkClient
from core.ratehawk.errors import RateHawkError

log = logging.getLogger(__name__)
R = TypeVar("R")
P = ParamSpec("P")

HOLD_TTL = timedelta(hours=2)  # covers the saga's worst case (form retries + status cut-off)
HEARTBEAT_EVERY_S = 1.0


def heartbeating(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Heartbeat while the activity runs, so a killed worker's activity is retried within the
    heartbeat timeout instead of its whole start-to-close timeout."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        async def beat() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_EVERY_S)
                activity.heartbeat()

        task = asyncio.create_task(beat())
        try:
            return await fn(*args, **kwargs)
        finally:
            task.cancel()

    return wrapper


def final_error(kind: str, message: str, *details: Any) -> ApplicationError:
    """A business failure: not retried by Temporal; `kind` is one of `shared.BUSINESS_ERRORS`."""
    return ApplicationError(message, *details, type=kind, non_retryable=True)


def supplier_final(exc: RateHawkError) -> ApplicationError:
    return final_error(SUPPLIER_FINAL, f"supplier: {exc.slug}", exc.slug)


class ActivityBase:
    """Holds the store, the supplier client and the payment provider; store calls run off the loop."""

    def __init__(self, store: Store, ratehawk: RateHawkClient, payments: PaymentProvider) -> None:
        self.store = store
        self.ratehawk = ratehawk
        self.payments = payments

    async def _tx(self, fn: Callable[[Transaction], R]) -> R:
        return await asyncio.to_thread(self.store.run, fn)

    async def _read(self, fn: Callable[[Transaction], R]) -> R:
        """A read-only transaction: it does not wait for (or hold up) the writers."""
        return await asyncio.to_thread(self.store.read, fn)

    async def _booking(self, booking_id: str) -> Booking:
        return await self._read(lambda tr: records.get_booking(tr, booking_id))
