"""Event schemas: the wire format round-trips, money stays Decimal, invalid messages say why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest

from core.domain.events import (
    BOOKING_EVENTS,
    EVENT_TYPES,
    TOPICS,
    BookingCancelled,
    BookingConfirmed,
    BookingCreated,
    InvalidEvent,
    InventoryChanged,
    PaymentCaptured,
    decode_event,
    encode_event,
)
from core.domain.money import CurrencyMismatch, Money


def test_round_trip_keeps_decimal_money_and_utc_time() -> None:
    local = datetime(2026, 11, 25, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    event = BookingConfirmed(
        aggregate_id="bk_1", hotel_id="h_1", amount=Money.of("129.905", "EUR"), occurred_at=local
    )
    wire = orjson.loads(encode_event(event))
    assert wire["amount"] == {"amount": "129.905", "currency": "EUR"}
    assert wire["occurred_at"] == "2026-11-25T00:00:00Z"
    assert wire["type"] == "booking.confirmed" and wire["schema_version"] == 1
    back = decode_event(encode_event(event))
    assert back == event
    assert back.occurred_at.tzinfo == UTC
    assert back.revenue_delta() == Money.of("129.905", "EUR")


def test_every_type_has_a_topic_and_booking_events_key_by_booking() -> None:
    assert {cls.topic for cls in EVENT_TYPES.values()} == set(TOPICS)
    created = BookingCreated(
        aggregate_id="bk_9", hotel_id="h", amount=Money.of(10, "USD"),
        checkin=date(2027, 1, 1), checkout=date(2027, 1, 3),
    )  # fmt: skip
    assert created.topic == BOOKING_EVENTS and created.key() == b"bk_9"
    paid = PaymentCaptured(aggregate_id="bk_9", payment_id="pay_1", amount=Money.of(10, "USD"))
    assert paid.key() == created.key()
    inv = InventoryChanged(aggregate_id="h", room="dbl", night=date(2027, 1, 1), delta=-1, remaining=4)
    assert inv.key() == b"h:dbl:2027-01-01"


def test_cancellation_subtracts_the_refund() -> None:
    event = BookingCancelled(aggregate_id="bk_1", hotel_id="h", refund=Money.of("100.00", "EUR"))
    assert event.revenue_delta() == Money.of("-100.00", "EUR")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "booking.exploded", "schema_version": 1}', "unknown event type"),
        (b'{"type": "booking.confirmed", "schema_version": 7}', "unknown event type"),
        (
            b'{"type": "booking.confirmed", "schema_version": 1, "aggregate_id": "b", "hotel_id": "h",'
            b' "amount": {"amount": 12.5, "currency": "EUR"}}',
            "amount",
        ),
        (
            b'{"type": "booking.confirmed", "schema_version": 1, "aggregate_id": "b", "hotel_id": "h",'
            b' "amount": {"amount": "1", "currency": "EUR"}, "occurred_at": "2026-01-01T00:00:00"}',
            "occurred_at",
        ),
    ],
)
def test_invalid_messages_are_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        decode_event(raw)
    assert reason in info.value.reason


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(ValueError):
        Money(amount=0.1, currency="EUR")  # type: ignore[arg-type]
    with pytest.raises(CurrencyMismatch):
        Money.of(1, "EUR") + Money.of(1, "USD")
    assert Money.of("10.005", "EUR").quantized().amount == Decimal("10.00")
    assert Money.of("100", "USD").convert(Decimal("0.9123"), "EUR") == Money.of("91.23", "EUR")


def test_event_ids_are_time_ordered_uuid7() -> None:
    import time
    import uuid

    from core.domain.events import new_event_id

    first = [new_event_id() for _ in range(100)]
    time.sleep(0.002)
    later = new_event_id()
    assert uuid.UUID(later).version == 7 and len(set(first)) == 100
    assert all(earlier < later for earlier in first)
