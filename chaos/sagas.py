"""Where the sagas of bookings that did not end stand, read from Temporal: the evidence a failed run
needs (workflow status, the activity it waits on, its attempt and last failure)."""

from __future__ import annotations

import asyncio

from booking_api.temporal.shared import booking_workflow_id
from core.config import Settings


async def _describe(settings: Settings, booking_ids: list[str]) -> list[str]:
    from temporalio.client import Client

    client = await asyncio.wait_for(
        Client.connect(settings.temporal_target, namespace=settings.temporal_namespace), timeout=10
    )
    lines = []
    for bid in booking_ids:
        try:
            desc = await client.get_workflow_handle(booking_workflow_id(bid)).describe()
        except Exception as exc:  # a saga Temporal does not know is the finding itself
            lines.append(f"{bid}: no saga ({type(exc).__name__}: {exc})")
            continue
        status = desc.status.name if desc.status else "UNKNOWN"
        pending = [
            f"{a.activity_type.name} attempt {a.attempt}"
            + (f", last failure: {a.last_failure.message}" if a.last_failure.message else "")
            for a in desc.raw_description.pending_activities
        ]
        waits = "; ".join(pending) or "no activity pending"
        lines.append(f"{bid}: saga {status}, {desc.history_length} events, {waits}")
    return lines


def describe_sagas(settings: Settings, booking_ids: list[str]) -> list[str]:
    """One line per booking: its saga's status and what it waits on."""
    if not booking_ids:
        return []
    try:
        return asyncio.run(_describe(settings, booking_ids))
    except Exception as exc:
        return [f"Temporal did not answer: {exc}"]
