"""The checker finds what a broken platform leaves behind, naming the booking, and passes a sound one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from chaos import invariants
from chaos.marts import store_net
from chaos.nemesis import KillDone
from chaos.schedule import Kill
from chaos.storm import STORIES, StormReport, Trace
from core.domain.booking import Booking, BookingState, CancellationInfo, Price, RoomGuests, utcnow
from core.stack import ServiceStatus

PRICE = Decimal("271.40")


def booking(n: int, state: str, refund: str | None = None) -> Booking:
    now = utcnow()
    b = Booking(
        id=f"bk_{n:04d}", partner_id="p", api_key_id="k", user_id="u", email="g@example.com", hid=8473727,
        room="Standard Twin room", checkin=now.date() + timedelta(days=45),
        checkout=now.date() + timedelta(days=47), residency="gb", rooms=[RoomGuests(adults=1)],
        book_hash="h-00000000", price=Price(amount=PRICE, currency="EUR"), accepted_price=PRICE,
        payment_token="tok_visa", created_at=now, updated_at=now, state=BookingState(state),
    )  # fmt: skip
    if refund is not None:
        b.cancel = CancellationInfo(requested_at=now, penalty=PRICE - Decimal(refund), refund=Decimal(refund),
                                    currency="EUR")  # fmt: skip
    return b


def order(poid: str, live: bool) -> dict[str, Any]:
    return {"partner_order_id": poid, "live": live, "status": "ok" if live else "failed"}


def payment(status: str, captured: str = "0", refunded: str = "0") -> dict[str, Any]:
    return {"status": status, "amount": str(PRICE), "amount_captured": captured, "amount_refunded": refunded}


SOUND = {
    "bk_0001": booking(1, "confirmed"),
    "bk_0002": booking(2, "failed"),
    "bk_0003": booking(3, "cancelled", refund="271.40"),
}
ORDERS = [order("bk_0001-1", True), order("bk_0002-1-soldout", False), order("bk_0003-1", False)]
LEDGER = {
    "bk_0001": [payment("captured", "271.40")],
    "bk_0002": [payment("voided")],
    "bk_0003": [payment("refunded", "271.40", "271.40")],
}


def test_a_sound_outcome_passes_every_check() -> None:
    assert invariants.supplier_orders(SOUND, ORDERS).passed
    assert invariants.payments(SOUND, LEDGER).passed
    assert store_net(SOUND) == PRICE


def test_a_second_live_order_or_a_live_order_of_a_failed_booking_is_named() -> None:
    doubled = invariants.supplier_orders(SOUND, [*ORDERS, order("bk_0001-2", True)])
    assert not doubled.passed and "bk_0001 is confirmed" in doubled.detail
    kept = invariants.supplier_orders(SOUND, [*ORDERS[:1], order("bk_0002-2", True), ORDERS[2]])
    assert not kept.passed and "bk_0002 is failed" in kept.detail
    stray = invariants.supplier_orders(SOUND, [*ORDERS, order("bk_9999-1", True)])
    assert not stray.passed and "belong to no booking" in stray.detail


def test_a_double_charge_a_charged_failure_and_a_missing_refund_are_named() -> None:
    double = invariants.payments(SOUND, {**LEDGER, "bk_0001": [payment("captured", "271.40")] * 2})
    assert not double.passed and "bk_0001 confirmed" in double.detail
    charged = invariants.payments(SOUND, {**LEDGER, "bk_0002": [payment("captured", "271.40")]})
    assert not charged.passed and "bk_0002 failed" in charged.detail
    held = invariants.payments(SOUND, {**LEDGER, "bk_0002": [payment("authorized")]})
    assert not held.passed and "bk_0002 failed" in held.detail
    unrefunded = invariants.payments(SOUND, {**LEDGER, "bk_0003": [payment("captured", "271.40")]})
    assert not unrefunded.passed and "bk_0003 cancelled" in unrefunded.detail


def test_a_booking_ending_against_its_story_is_named() -> None:
    story = next(s for s, _ in STORIES if s.expect == "confirmed")
    report = StormReport([Trace(0, story, booking_id="bk_0002", outcome="failed")])
    verdict = invariants.stories_ended(report, SOUND)
    assert not verdict.passed and "bk_0002" in verdict.detail


def test_a_process_that_exited_by_itself_is_named() -> None:
    kill = Kill(5.0, "relay", 1.0)
    died = invariants.processes([KillDone(kill, 5.0, None, 2.0)], [])
    assert not died.passed and "relay was not running" in died.detail
    down = invariants.processes([], [ServiceStatus("sink", "unhealthy", "(no port)", 1, "no answer")])
    assert not down.passed and "sink is unhealthy" in down.detail


def test_an_api_500_fails_while_retried_503s_do_not() -> None:
    report = StormReport([])
    report.statuses.update({202: 3, 503: 2})
    assert invariants.api_answers(report).passed
    report.statuses[500] += 1
    assert not invariants.api_answers(report).passed
