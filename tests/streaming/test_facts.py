"""Fact rows: the FX rate valid on the event's day, signed revenue rounded to the cent, provenance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.domain.events import BookingCancelled, BookingConfirmed, Event, SearchPerformed
from core.domain.money import Money
from streaming.facts import FACT_COLUMNS, FxRates, NoFxRate, fact_row

RATES = FxRates(
    by_currency={"USD": ([date(2026, 1, 1), date(2026, 6, 1)], [Decimal("0.90"), Decimal("0.95")])}
)


def _row(event: Event) -> dict[str, object]:
    return dict(
        zip(
            FACT_COLUMNS,
            fact_row(event, b"{}", RATES, "booking.events", 2, 41, 1_700_000_000_000),
            strict=True,
        )
    )


def test_rate_valid_on_the_event_day_is_used_and_stored() -> None:
    early = BookingConfirmed(aggregate_id="b", hotel_id="h", amount=Money.of("100.01", "USD"),
                             occurred_at=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
    late = early.model_copy(update={"occurred_at": datetime(2026, 7, 1, tzinfo=UTC)})
    assert (_row(early)["fx_rate"], _row(early)["revenue_reporting"]) == (Decimal("0.90"), Decimal("90.01"))
    assert (_row(late)["fx_rate"], _row(late)["revenue_reporting"]) == (Decimal("0.95"), Decimal("95.01"))
    assert _row(early)["_partition"] == 2 and _row(early)["_offset"] == 41


def test_cancellation_is_negative_and_non_revenue_events_are_zero() -> None:
    cancel = BookingCancelled(aggregate_id="b", hotel_id="h", refund=Money.of("40", "EUR"))
    assert _row(cancel)["revenue_reporting"] == Decimal("-40.00")
    search = SearchPerformed(aggregate_id="s", checkin=date(2027, 1, 1), checkout=date(2027, 1, 2))
    row = _row(search)
    assert (row["revenue"], row["currency"], row["fx_rate"]) == (Decimal(0), "", Decimal(1))


def test_no_rate_before_the_first_valid_day_or_for_unknown_currency() -> None:
    with pytest.raises(NoFxRate):
        RATES.rate("USD", date(2025, 12, 31))
    with pytest.raises(NoFxRate):
        RATES.rate("XAU", date(2026, 7, 1))
    assert RATES.rate("EUR", date(1999, 1, 1)) == Decimal(1)
