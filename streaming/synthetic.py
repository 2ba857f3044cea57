"""Synthetic booking traffic for the demo, the benchmark and the tests: whole booking journeys."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingCreated,
    BookingFailed,
    BookingRefunded,
    BookingSupplierConfirmed,
    Event,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentVoided,
    PrebookRequested,
    SearchPerformed,
)
from core.domain.money import Money

CURRENCIES = ("EUR", "EUR", "USD", "GBP")


def journeys(
    n_events: int,
    *,
    seed: int = 7,
    hotels: int = 200,
    now: datetime | None = None,
    span: timedelta | None = None,
) -> Iterator[Event]:
    """About `n_events` events: searches, prebooks and bookings (confirmed, some failed, cancelled or
    refunded), with occurred_at spread over `span` before `now` (default: since midnight UTC, at most 3 h)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    if span is None:
        midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
        span = min(timedelta(hours=3), now - midnight) or timedelta(seconds=1)
    produced = 0
    i = 0
    while produced < n_events:
        i += 1
        booking_id = f"bk_{seed}_{i}"
        session = f"s_{seed}_{i}"
        hotel = f"hotel_{rng.randrange(hotels)}"
        currency = rng.choice(CURRENCIES)
        price = Money(amount=Decimal(rng.randrange(5000, 90000)) / 100, currency=currency)
        t = now - span * rng.random()
        checkin = date(2027, 1, 1) + timedelta(days=rng.randrange(300))
        tick = iter(range(100))

        def at(t0: datetime = t, tick: Iterator[int] = tick) -> datetime:
            return min(t0 + timedelta(milliseconds=next(tick)), now)

        batch: list[Event] = [
            SearchPerformed(aggregate_id=session, checkin=checkin, checkout=checkin + timedelta(days=2),
                            results=rng.randrange(1, 500), occurred_at=at()),
            PrebookRequested(aggregate_id=session, hotel_id=hotel, amount=price, occurred_at=at()),
            BookingCreated(aggregate_id=booking_id, hotel_id=hotel, amount=price, checkin=checkin,
                           checkout=checkin + timedelta(days=2), partner_id="p_demo", occurred_at=at()),
            PaymentAuthorized(aggregate_id=booking_id, payment_id=f"pay_{i}", amount=price, occurred_at=at()),
        ]  # fmt: skip
        roll = rng.random()
        if roll < 0.05:
            batch += [
                BookingFailed(aggregate_id=booking_id, hotel_id=hotel, reason="sold out", occurred_at=at()),
                PaymentVoided(aggregate_id=booking_id, payment_id=f"pay_{i}", amount=price, occurred_at=at()),
            ]
        else:
            batch += [
                BookingSupplierConfirmed(aggregate_id=booking_id, hotel_id=hotel, partner_order_id=f"po_{i}",
                                         occurred_at=at()),
                PaymentCaptured(aggregate_id=booking_id, payment_id=f"pay_{i}", amount=price, occurred_at=at()),
                BookingConfirmed(aggregate_id=booking_id, hotel_id=hotel, amount=price, partner_id="p_demo",
                                 occurred_at=at()),
            ]  # fmt: skip
            if roll < 0.15:
                refund = price if roll < 0.10 else Money(amount=(price.amount / 2).quantize(Decimal("0.01")),
                                                         currency=currency)  # fmt: skip
                batch.append(BookingCancelled(aggregate_id=booking_id, hotel_id=hotel, refund=refund,
                                              partner_id="p_demo", occurred_at=at()))  # fmt: skip
            elif roll < 0.18:
                goodwill = Money(amount=Decimal("10.00"), currency=currency)
                batch.append(BookingRefunded(aggregate_id=booking_id, hotel_id=hotel, amount=goodwill,
                                             partner_id="p_demo", occurred_at=at()))  # fmt: skip
        for event in batch:
            if produced >= n_events:
                return
            produced += 1
            yield event
