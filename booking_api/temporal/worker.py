"""The Temporal worker of the booking sagas (`ibe worker`): opens the clients, runs until stopped."""

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
from core.config import Settings

log = logging.getLogger(__name__)


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_target, namespace=settings.temporal_namespace)


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
        ratehawk = RateHawkClient.from_settings(settings)
        own.append(ratehawk)
    if payments is None:
        payments = PaymentsClient.from_settings(settings)
        own.append(payments)
    acts = BookingActivities(store, ratehawk, payments)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[BookingSaga, CancellationSaga],
        activities=acts.all(),
        max_concurrent_activities=64,
    )
    try:
        async with worker:
            yield worker
    finally:
        await asyncio.gather(*(c.aclose() for c in own), return_exceptions=True)
        store.close()


async def run_worker(settings: Settings, task_queue: str, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or forever)."""
    async with booking_worker(settings, task_queue):
        log.info("booking worker polling %s on %s", task_queue, settings.temporal_target)
        await (stop or asyncio.Event()).wait()
