"""Store versus marts for one day, booking by booking.

The transactional store is the truth: a booking whose history has its first `confirmed` entry on the
day should add its price to that day's revenue once, and one whose `cancelled` entry is on the day
should subtract its refund once. The marts' view of the same day is `revenue_bookings_daily` (one row
per revenue event, from the stream facts). Anything else is a difference, named by booking:
missing from the marts, doubled in them, present only in them, or with another amount.
Refunds made outside a cancellation (`booking.refunded`) have no state of their own in the store and
are not compared here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from core.domain.booking import Booking, BookingState
from core.kv import Store
from core.kv.keys import BOOKING

KINDS = ("confirmed", "cancelled")


@dataclass(frozen=True)
class Entry:
    """One booking's revenue event of one kind on the day: how often, how much (signed), which currency."""

    booking_id: str
    kind: str
    count: int
    revenue: Decimal
    currency: str


@dataclass(frozen=True)
class Difference:
    booking_id: str
    kind: str
    problem: str
    store_revenue: Decimal | None
    mart_revenue: Decimal | None
    currency: str

    def row(self) -> dict[str, str]:
        return {
            "booking": self.booking_id,
            "event": self.kind,
            "problem": self.problem,
            "store": "" if self.store_revenue is None else f"{self.store_revenue} {self.currency}",
            "marts": "" if self.mart_revenue is None else f"{self.mart_revenue} {self.currency}",
        }


def expected_from_booking(booking: Booking, day: date) -> list[Entry]:
    """The revenue events the marts should hold for this booking on `day`."""
    found = []
    first_at: dict[BookingState, datetime] = {}
    for entry in booking.history:
        first_at.setdefault(entry.state, entry.at)
    confirmed_at = first_at.get(BookingState.CONFIRMED)
    if confirmed_at is not None and confirmed_at.date() == day:
        found.append(Entry(booking.id, "confirmed", 1, booking.price.amount, booking.price.currency))
    cancelled_at = first_at.get(BookingState.CANCELLED)
    if cancelled_at is not None and cancelled_at.date() == day:
        refund = booking.cancel.refund if booking.cancel else Decimal(0)
        found.append(Entry(booking.id, "cancelled", 1, -refund, booking.price.currency))
    return found


def store_entries(store: Store, day: date) -> dict[tuple[str, str], Entry]:
    """Every booking's expected revenue events on `day`, read in bounded store transactions."""
    begin, end = BOOKING.range()
    entries = {}
    for _, raw in store.iter_range(begin, end, batch=500):
        booking = Booking.model_validate_json(raw)
        for entry in expected_from_booking(booking, day):
            entries[(entry.booking_id, entry.kind)] = entry
    return entries


def mart_entries(rows: Iterable[tuple[str, str, int, Decimal, str]]) -> dict[tuple[str, str], Entry]:
    """From (booking_id, kind, events, sum of revenue, currency) rows of revenue_bookings_daily."""
    return {
        (booking_id, kind): Entry(booking_id, kind, int(count), Decimal(revenue), currency)
        for booking_id, kind, count, revenue, currency in rows
    }


def compare(store: dict[tuple[str, str], Entry], marts: dict[tuple[str, str], Entry]) -> list[Difference]:
    differences = []
    for key in sorted(store.keys() | marts.keys()):
        want, got = store.get(key), marts.get(key)
        booking_id, kind = key
        if want is not None and got is None:
            problem = "missing from the marts"
        elif want is None and got is not None:
            problem = f"in the marts ({got.count}x) but not {kind} in the store on this day"
        elif want is not None and got is not None and got.count != 1:
            problem = f"counted {got.count} times in the marts"
        elif (
            want is not None
            and got is not None
            and (got.revenue, got.currency) != (want.revenue, want.currency)
        ):
            problem = "amount differs"
        else:
            continue
        currency = (want or got).currency  # type: ignore[union-attr]
        differences.append(
            Difference(
                booking_id,
                kind,
                problem,
                want.revenue if want else None,
                got.revenue if got else None,
                currency,
            )
        )
    return differences
