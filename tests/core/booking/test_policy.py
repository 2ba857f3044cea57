"""The cancellation penalty a guest sees comes from the rate's policy windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain.booking import CancellationPolicy, Penalty

T0 = datetime(2030, 5, 1, tzinfo=UTC)
TOTAL = Decimal("300.00")


def test_free_before_the_date_then_the_windows_apply():
    policy = CancellationPolicy(
        free_cancellation_before=T0,
        penalties=[
            Penalty(start_at=None, end_at=T0, amount=Decimal("0")),
            Penalty(start_at=T0, end_at=T0 + timedelta(days=2), amount=Decimal("100.00")),
            Penalty(start_at=T0 + timedelta(days=2), end_at=None, amount=Decimal("300.00")),
        ],
    )
    assert policy.penalty_at(T0 - timedelta(hours=1), TOTAL) == 0
    assert policy.penalty_at(T0 + timedelta(hours=1), TOTAL) == Decimal("100.00")
    assert policy.penalty_at(T0 + timedelta(days=3), TOTAL) == TOTAL


def test_non_refundable_costs_everything_and_never_more_than_paid():
    assert CancellationPolicy().penalty_at(T0, TOTAL) == TOTAL
    capped = CancellationPolicy(penalties=[Penalty(amount=Decimal("999"))])
    assert capped.penalty_at(T0, TOTAL) == TOTAL
