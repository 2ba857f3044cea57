"""How the API starts the sagas and reads their live state (a Temporal client, connected lazily)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from booking_api.temporal.shared import (
    BookingInput,
    CancellationInput,
    booking_workflow_id,
    cancellation_workflow_id,
)
from booking_api.tracing import temporal_tracing
from core.config import Settings


class SagaStarter:
    def __init__(
        self, settings: Settings, task_queue: str, booking_input: dict[str, Any] | None = None
    ) -> None:
        self._settings = settings
        self.task_queue = task_queue
        self._client: Client | None = None
        self._lock = asyncio.Lock()
        self.booking_input = booking_input or {}

    async def client(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await asyncio.wait_for(
                        Client.connect(
                            self._settings.temporal_target,
                            namespace=self._settings.temporal_namespace,
                            interceptors=[temporal_tracing()],  # the request's trace goes on into the saga
                        ),
                        timeout=5.0,
                    )
        return self._client

    async def _start(self, workflow: str, arg: Any, workflow_id: str) -> None:
        client = await self.client()
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await client.start_workflow(
                workflow,
                arg,
                id=workflow_id,
                task_queue=self.task_queue,
                # A repeat joins the running saga; a finished one is never run again.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )

    async def start_booking(self, booking_id: str) -> None:
        await self._start(
            "BookingSaga", BookingInput(booking_id, **self.booking_input), booking_workflow_id(booking_id)
        )

    async def start_cancellation(self, booking_id: str) -> None:
        await self._start(
            "CancellationSaga", CancellationInput(booking_id), cancellation_workflow_id(booking_id)
        )

    async def live_state(self, booking_id: str) -> dict[str, Any] | None:
        try:
            client = await self.client()
            handle = client.get_workflow_handle(booking_workflow_id(booking_id))
            return await asyncio.wait_for(handle.query("live_state"), timeout=2.0)  # type: ignore[no-any-return]
        except Exception:
            return None

    async def ping(self) -> None:
        client = await self.client()
        await asyncio.wait_for(client.service_client.check_health(), timeout=3.0)
