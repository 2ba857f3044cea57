"""Bookings made through the real booking records (store + outbox), their events written to the
warehouse the way the stream sink writes them, and a small catalog of the hotels they are in."""

from __future__ import annotations

import time as clock
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.booking import records
from core.domain.booking import (
    Booking,
    BookingState,
    CancellationInfo,
    Price,
    RoomGuests,
    utcnow,
)
from core.domain.events import decode_event
from core.kv import Store
from core.outbox import read_after
from core.warehouse import Warehouse
from streaming.facts import FACT_COLUMNS, FxRates, fact_row

# hid -> (name, region id, region name, country, chain)
HOTELS = {
    101: ("Adlon", 536, "Berlin", "DE", "Kempinski"),
    102: ("Ritz", 2734, "Paris", "FR", "Ritz-Carlton"),
    103: ("Le Petit", 2734, "Paris", "FR", ""),
    104: ("Danieli", 1869, "Venice", "IT", "Marriott"),
}
FORWARD = [
    BookingState.INVENTORY_HELD, BookingState.PREBOOKED, BookingState.SUPPLIER_FORM,
    BookingState.PAYMENT_AUTHORIZED, BookingState.SUPPLIER_PENDING, BookingState.SUPPLIER_CONFIRMED,
    BookingState.CONFIRMED,
]  # fmt: skip


@dataclass(frozen=True)
class Made:
    booking_id: str
    hid: int
    amount: Decimal
    currency: str
    cancelled_refund: Decimal | None = None


def wait_clear_of_midnight(margin_s: float = 5.0) -> None:
    """Store history and events are stamped with the wall clock: keep a test's bookings on one UTC day."""
    now = datetime.now(UTC)
    to_midnight = (
        datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC) - now
    ).total_seconds()
    if to_midnight < margin_s:
        clock.sleep(to_midnight + 0.5)


def seed_catalog(warehouse: Warehouse) -> None:
    rows = [
        [hid, name, chain, region_id, region, country, 20261101 * 10, "load-test"]
        for hid, (name, region_id, region, country, chain) in HOTELS.items()
    ]
    with warehouse.session() as client:
        client.insert(
            f"{warehouse.database}.dim_hotels",
            rows,
            column_names=[
                "hid",
                "name",
                "hotel_chain",
                "region_id",
                "region_name",
                "country_code",
                "version",
                "load_id",
            ],
        )


def make_booking(
    store: Store, n: int, hid: int, amount: str, currency: str = "EUR", refund: str | None = None
) -> Made:
    """Book through the store's records: received -> ... -> confirmed (and cancelled with a refund)."""
    now = utcnow()
    booking = Booking(
        id=f"bk_test_{n:04d}",
        partner_id="p_test",
        api_key_id="k_test",
        user_id=f"u_{n}",
        email=f"guest{n}@example.com",
        hid=hid,
        room="Double room",
        checkin=date(2027, 3, 1),
        checkout=date(2027, 3, 3),
        residency="de",
        rooms=[RoomGuests(adults=2)],
        book_hash=f"h-{n}",
        price=Price(amount=Decimal(amount), currency=currency),
        accepted_price=Decimal(amount),
        payment_token="tok_test",
        created_at=now,
        updated_at=now,
    )
    records.create_booking(store, booking, "k_test", f"idem-{n}", f"hash-{n}")
    for state in FORWARD:
        records.transition(store, booking.id, state)
    if refund is not None:
        records.transition(store, booking.id, BookingState.CANCELLING)

        def cancel(b: Booking) -> None:
            b.cancel = CancellationInfo(
                requested_at=utcnow(),
                penalty=Decimal(amount) - Decimal(refund),
                refund=Decimal(refund),
                currency=currency,
            )

        records.transition(store, booking.id, BookingState.CANCELLED, change=cancel)
    return Made(booking.id, hid, Decimal(amount), currency, Decimal(refund) if refund is not None else None)


def outbox_events(store: Store) -> list[Any]:
    events, after = [], 0
    while True:
        entries = read_after(store, after, 1000)
        if not entries:
            return events
        events += [decode_event(e.value) for e in entries]
        after = entries[-1].seq


def write_facts(warehouse: Warehouse, events: Iterable[Any]) -> int:
    """One stream_events row per event, as the sink writes them (the real-time marts' views fire)."""
    with warehouse.session() as client:
        fx = FxRates.load(client, warehouse.database)
        rows = [
            fact_row(e, e.to_json(), fx, e.topic, 0, i, int(e.occurred_at.timestamp() * 1000))
            for i, e in enumerate(events)
        ]
        if rows:
            client.insert(f"{warehouse.database}.stream_events", rows, column_names=FACT_COLUMNS)
    return len(rows)


def standard_bookings(store: Store) -> list[Made]:
    """Six bookings across three countries, one in USD, one cancelled with a partial refund."""
    return [
        make_booking(store, 1, 101, "200.00"),
        make_booking(store, 2, 101, "150.50"),
        make_booking(store, 3, 102, "300.00"),
        make_booking(store, 4, 103, "120.00", refund="60.00"),
        make_booking(store, 5, 104, "100.00", currency="USD"),
        make_booking(store, 6, 999, "80.00"),  # a hotel the catalog does not know
    ]
