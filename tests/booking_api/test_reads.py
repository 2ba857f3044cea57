"""Pure reads (booking status, a user's bookings, hotel content, saga activities' lookups) use read-only
store transactions: they answer while another writer holds the store's write lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from booking_api.temporal.activities import BookingActivities
from core.booking import orders, records
from core.config import Settings
from core.kv import Transaction, open_store
from tests.booking_api.conftest import Api
from tests.booking_api.fake_supplier import FakeRateHawk
from tests.core.booking.conftest import make_booking

HELD_S = 8.0  # how long the writer keeps the lock at most; every read must answer well before


@contextmanager
def writer_holding_the_lock(settings: Settings) -> Iterator[None]:
    """Another writer (its own store handle, as another process would be) inside a write transaction."""
    started, release = threading.Event(), threading.Event()

    def write(tr: Transaction) -> None:
        tr.set(b"\x02test-writer", b"busy")
        started.set()
        release.wait(HELD_S)

    def run() -> None:
        with open_store(settings) as store:
            store.run(write)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert started.wait(5), "the writer did not start"
        yield
    finally:
        release.set()
        thread.join(timeout=HELD_S + 5)


async def test_api_reads_do_not_queue_behind_a_writer(api: Api, settings: Settings):
    with open_store(settings) as store:
        booking, _ = records.create_booking(store, make_booking("bk-read-1"), "k1", "read-key", "body")
    auth = api.auth("book")
    # The first request authenticates the key (cached afterwards).
    assert (await api.client.get(f"/v1/bookings/{booking.id}", headers=auth)).status_code == 200
    with writer_holding_the_lock(settings):
        one, mine, hotel = await asyncio.wait_for(
            asyncio.gather(
                api.client.get(f"/v1/bookings/{booking.id}", headers=auth),
                api.client.get(f"/v1/users/{booking.user_id}/bookings", headers=auth),
                api.client.get("/v1/hotels/8473727", headers=auth),
            ),
            timeout=3.0,
        )
    assert one.status_code == 200 and one.json()["state"] == "received"
    assert [b["booking_id"] for b in mine.json()["bookings"]] == [booking.id]
    assert hotel.status_code == 404  # no catalog loaded here: an answer, not a wait


async def test_activity_lookups_do_not_queue_behind_a_writer(store, settings: Settings):
    records.create_booking(store, make_booking("bk-read-2"), "k1", "read-key-2", "body")
    orders.record_attempt(store, orders.OrderAttempt("bk-read-2", "bk-read-2-1", 1))
    orders.update_attempt(store, "bk-read-2", "bk-read-2-1", "failed", error="soldout")
    acts = BookingActivities(store, FakeRateHawk(), None)  # type: ignore[arg-type]
    with writer_holding_the_lock(settings):
        booking = await asyncio.wait_for(acts._booking("bk-read-2"), timeout=3.0)
        # Compensation only reads here: the one order on record failed, so nothing is written.
        await asyncio.wait_for(acts._cancel_attempts("bk-read-2", keep=None), timeout=3.0)
    assert booking.id == "bk-read-2"
