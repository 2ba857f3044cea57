"""The booking part of `ibe demo`: two happy bookings that stay confirmed (revenue the marts show),
a supplier failure that is compensated, and a cancellation, with their histories printed."""

from __future__ import annotations

import time
from decimal import Decimal

from core.config import Settings
from core.domain.events import decode_event
from core.kv import open_store
from core.outbox import read_after


async def test_booking_demo(settings: Settings, embedded_stack: Settings, unique: str):
    from booking_api.demo import booking_demo

    settings = settings.model_copy(update={"deployment": f"t{unique}"})  # its own supplier budget
    lines: list[str] = []
    started = time.monotonic()
    results = await booking_demo(settings, lines.append)
    elapsed = time.monotonic() - started
    assert [d["state"] for d in results] == ["confirmed", "confirmed", "failed", "cancelled"]
    happy = results[:2]
    assert len({(d["hid"], d["checkin"]) for d in happy}) == 2  # two different stays
    assert results[2]["payment"]["state"] == "voided"
    text = "\n".join(lines)
    assert "happy booking" in text and "-> confirmed" in text and "soldout" in text
    assert text.count("history of") == 4 and "compensating" in text and "cancelled" in text
    assert "OPERATOR ALERT" not in text

    # The revenue the marts will show: both happy bookings, plus whatever the cancellation kept.
    cancelled = results[3]
    expected = sum(Decimal(d["price"]["amount"]) for d in happy) + (
        Decimal(cancelled["price"]["amount"]) - Decimal(cancelled["cancel"]["refund"])
    )
    ids = {d["id"] for d in results}
    revenue = Decimal(0)
    with open_store(settings) as store:
        for entry in read_after(store, 0, limit=100_000):
            event = decode_event(entry.value)
            delta = event.revenue_delta()
            if event.aggregate_id in ids and delta is not None:
                revenue += delta.amount
    assert revenue == expected and revenue > 0
    assert elapsed < 30, f"the demo's booking step took {elapsed:.1f} s"  # about 5 s on an idle box
