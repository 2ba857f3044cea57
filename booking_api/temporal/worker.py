"""The Temporal worker of the booking sagas (`ibe worker`): opens the clients, runs until stopped.

Telemetry (booking_api/tracing.py): the OpenTelemetry interceptor continues the API's trace into the
workflows and activities, the supplier and payment clients get a span per call, and finished sagas are
counted by outcome (served on IBE_METRICS_PORT by `ibe worker`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from booking_api.temporal.activities import BookingActivities
from booking_api.temporal.workflows import BookingSaga, CancellationSaga
from booking_api.tracing import SagaOutcomes, temporal_tracing, traced
from core.config import Settings

log = logging.getLogger(__name__)


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_target, namespace=settings.temporal_namespace, interceptors=[temporal_tracing()]
    )


def _interceptors(client: Client) -> list[Any]:
    """Saga outcome counting, plus tracing unless the client already has it (it applies to the worker)."""
    from temporalio.contrib.opentelemetry import TracingInterceptor

    has_tracing = any(isinstance(i, TracingInterceptor) for i in client.config()["interceptors"])
    return [SagaOutcomes()] + ([] if has_tracing else [temporal_tracing()])


@asynccontextmanager
async def booking_worker(
    settings: Settings,
    task_queue: str,
    *,
    client: Client | None = None,
    ratehawk: Any = None,
    payments: Any = None,
) -> AsyncIterator[Worker]:
    """A running worker for the booking task queue, with its store, supplier and payment clients
    (built from the settings unless given)."""
    from core.kv import open_store
    from core.payments.client import PaymentsClient
    from core.ratehawk.client import RateHawkClient

    client = client or await connect(settings)
    store = open_store(settings)
    own = []
    if ratehawk is None:
        ratehawk = RateHawkClient.from_settings(settings, shared_limits=True)  # one budget per key
        own.append(ratehawk)
    if payments is None:
        payments = PaymentsClient.from_settings(settings)
        own.append(payments)
    acts = BookingActivities(store, traced(ratehawk, "ratehawk"), traced(payments, "payments"))
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BookingSaga, CancellationSaga],
        activities=acts.all(),
        max_concurrent_activities=64,
        interceptors=_interceptors(client),
    )
    try:
        async with worker:
            yield worker
    finally:
        await asyncio.gather(*(c.aclose() for c in own), return_exceptions=True)
        store.close()


async def expire_holds_forever(settings: Settings, every_s: float = 30.0) -> None:
    """Release inventory holds whose expiry passed (bookings abandoned before their saga ran)."""
    from core.booking.inventory import expire_holds
    from core.domain.booking import utcnow
    from core.kv import open_store

    with open_store(settings) as store:
        while True:
            try:
                released = await asyncio.to_thread(expire_holds, store, utcnow())
                if released:
                    log.info("released %d expired inventory hold(s)", len(released))
            except Exception:
                log.exception("expiring inventory holds failed; trying again later")
            await asyncio.sleep(every_s)


async def run_worker(settings: Settings, task_queue: str, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or forever), with the hold-expiry sweep beside the worker."""
    async with booking_worker(settings, task_queue):
        log.info("booking worker polling %s on %s", task_queue, settings.temporal_target)
        sweeper = asyncio.create_task(expire_holds_forever(settings))
        try:
            await (stop or asyncio.Event()).wait()
        finally:
            sweeper.cancel()
