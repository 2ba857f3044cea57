"""The evidence a failed chaos run prints for each booking that did not end: its saga's status and the
activity it waits on, with the attempt and the last failure, read from a real Temporal."""

from __future__ import annotations

import asyncio
import uuid

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from booking_api.temporal.shared import BookingInput, booking_workflow_id
from booking_api.temporal.workflows import BookingSaga
from chaos.sagas import describe_sagas
from core.config import Settings


@activity.defn(name="booking.hold_inventory")
async def hold_inventory_failing(booking_id: str) -> None:
    raise RuntimeError("the store is unreachable")


async def test_a_stalled_saga_names_the_step_it_retries_and_why(
    settings: Settings, embedded_stack: Settings
) -> None:
    client = await Client.connect(settings.temporal_target)
    queue, booking_id = f"sagas-{uuid.uuid4().hex[:8]}", f"bk{uuid.uuid4().hex[:10]}"
    async with Worker(client, task_queue=queue, workflows=[BookingSaga], activities=[hold_inventory_failing]):
        handle = await client.start_workflow(
            BookingSaga.run, BookingInput(booking_id), id=booking_workflow_id(booking_id), task_queue=queue
        )
        try:
            for _ in range(100):  # until Temporal has recorded a failed attempt
                pending = (await handle.describe()).raw_description.pending_activities
                if pending and pending[0].last_failure.message:
                    break
                await asyncio.sleep(0.1)
            lines = await asyncio.to_thread(describe_sagas, settings, [booking_id, "bk-never-started"])
        finally:
            await handle.terminate("test over")
    stalled, unknown = lines
    assert stalled.startswith(f"{booking_id}: saga RUNNING")
    assert "booking.hold_inventory attempt" in stalled
    assert "the store is unreachable" in stalled
    assert unknown.startswith("bk-never-started: no saga")


def test_temporal_down_is_said_not_raised(settings: Settings) -> None:
    (line,) = describe_sagas(settings, ["bk1"])  # the settings' Temporal port has no server
    assert line.startswith("Temporal did not answer")
