"""Compensation's supplier side on its own: which orders on record are cancelled, and when a refused
cancel is an operator alert (a confirmed order stays booked) or nothing (the order failed)."""

from __future__ import annotations

import logging

import pytest

from booking_api.temporal.activities import BookingActivities
from core.booking import orders, records
from core.ratehawk.errors import make_error
from core.ratehawk.models import BookingStatus, CancelResult
from tests.booking_api.fake_supplier import FakeRateHawk
from tests.core.booking.conftest import make_booking

BID = "bk-comp-1"


class ScriptedSupplier(FakeRateHawk):
    """Cancel and status answers per partner_order_id: a slug raises that error, else ok/processing."""

    def __init__(self, cancel: dict[str, str], status: dict[str, str]) -> None:
        super().__init__()
        self.cancel_answers, self.status_answers = cancel, status

    async def cancel(self, partner_order_id: str) -> CancelResult:
        self.calls["cancel"] += 1
        answer = self.cancel_answers.get(partner_order_id, "ok")
        if answer != "ok":
            raise make_error(answer, endpoint="hotel/order/cancel/")
        self.cancelled.append(partner_order_id)
        return CancelResult()

    async def booking_status(self, partner_order_id: str) -> BookingStatus:
        self.calls["status"] += 1
        answer = self.status_answers.get(partner_order_id, "ok")
        if answer in ("ok", "processing"):
            return BookingStatus(status=answer, partner_order_id=partner_order_id)  # type: ignore[arg-type]
        raise make_error(answer, endpoint="hotel/order/booking/finish/status/")


def record(store, attempts: list[tuple[str, str]]) -> None:
    records.create_booking(store, make_booking(BID), "k1", "comp-key", "body")
    for n, (poid, state) in enumerate(attempts, start=1):
        orders.record_attempt(store, orders.OrderAttempt(BID, poid, n))
        orders.update_attempt(store, BID, poid, state)


def states(store) -> dict[str, str]:
    return {a.partner_order_id: a.state for a in orders.attempts(store, BID)}


async def test_an_order_the_supplier_failed_is_not_cancelled(store, caplog):
    # The status answered a final error (`soldout`): no booking exists under that id.
    record(store, [(f"{BID}-1-soldout", "failed")])
    supplier = ScriptedSupplier(cancel={}, status={})
    with caplog.at_level(logging.INFO):
        await BookingActivities(store, supplier, None)._cancel_attempts(BID, keep=None)  # type: ignore[arg-type]
    assert supplier.calls["cancel"] == 0
    assert states(store) == {f"{BID}-1-soldout": "failed"}
    assert "OPERATOR ALERT" not in caplog.text


async def test_not_cancellable_because_the_order_failed_is_no_alert(store, caplog):
    # The finish answer was lost (state `finishing`); the supplier refuses the cancel because the
    # order failed, which its status confirms: nothing to cancel, nothing for an operator.
    poid = f"{BID}-1"
    record(store, [(poid, "finishing")])
    supplier = ScriptedSupplier(cancel={poid: "order_not_cancellable"}, status={poid: "soldout"})
    with caplog.at_level(logging.INFO):
        await BookingActivities(store, supplier, None)._cancel_attempts(BID, keep=None)  # type: ignore[arg-type]
    assert states(store) == {poid: "failed"}
    assert "OPERATOR ALERT" not in caplog.text


async def test_a_confirmed_order_that_cannot_be_cancelled_is_an_alert(store, caplog):
    late, kept = f"{BID}-1", f"{BID}-2"
    record(store, [(late, "form_failed"), (kept, "ok")])
    supplier = ScriptedSupplier(cancel={late: "order_not_cancellable"}, status={late: "ok"})
    with caplog.at_level(logging.INFO):
        await BookingActivities(store, supplier, None)._cancel_attempts(BID, keep=kept)  # type: ignore[arg-type]
    assert states(store) == {late: "not_cancellable", kept: "ok"}
    assert f"OPERATOR ALERT booking {BID}: supplier order {late} is confirmed" in caplog.text


async def test_a_late_success_is_cancelled_and_a_processing_refusal_is_retried(store):
    late, processing = f"{BID}-1", f"{BID}-2"
    record(store, [(late, "form_failed"), (processing, "finishing")])
    supplier = ScriptedSupplier(
        cancel={processing: "order_not_cancellable"}, status={processing: "processing"}
    )
    acts = BookingActivities(store, supplier, None)  # type: ignore[arg-type]
    # Still processing: no outcome yet, so the activity fails and Temporal runs it again later.
    with pytest.raises(RuntimeError, match="still processing"):
        await acts._cancel_attempts(BID, keep=None)
    assert supplier.cancelled == [late] and states(store)[late] == "cancelled"
    supplier.cancel_answers = {}
    await acts._cancel_attempts(BID, keep=None)
    assert supplier.cancelled == [late, processing]
    assert states(store) == {late: "cancelled", processing: "cancelled"}
