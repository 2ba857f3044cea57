"""The booking and cancellation sagas. Thin and deterministic: every side effect is an activity.

BookingSaga (workflow id `booking-<booking id>`, so a duplicate start joins the running saga):

    1. hold inventory          compensation: release the hold
    2. supplier prebook
    3. booking form            compensation: cancel every supplier order on record (each
                               partner_order_id tried is recorded before its call; a retryable form
                               failure is tried again with a new id, at most 10)
    4. authorize payment       compensation: void the authorization or refund (registered before
                               the call: a timeout may hide a charge that went through)
    5. supplier finish
    6. poll the status until `ok`, a final error, or the cut-off
    7. capture                 never compensated by cancelling the stay: retried without end, with
                               an operator alert on the booking
    8. confirm                 booking record + outbox event in one transaction
    9. sweep other partner_order_ids: any late success is cancelled

A final failure in steps 1-6 runs the registered compensations in reverse, then marks the booking
failed. CancellationSaga: supplier cancel -> refund what the policy allows -> release inventory ->
cancelled (with its event).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TypedDict

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    import core.observability.propagation  # noqa: F401 - loaded lazily by the outbox; pass it through
    from booking_api.temporal.activities import BookingActivities
    from booking_api.temporal.shared import (
        BUSINESS_ERRORS,
        FORM_RETRY,
        NOT_CANCELLABLE,
        SUPPLIER_CUTOFF,
        BookingInput,
        CancellationInput,
        FailInput,
        FormInput,
        OrderInput,
    )


class Options(TypedDict):
    start_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


# Every activity heartbeats each second (activity_support.heartbeating): a lost worker is noticed in 5 s.
HEARTBEAT = timedelta(seconds=5)
STORE_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=20),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10),
        non_retryable_error_types=list(BUSINESS_ERRORS),
    ),
}  # fmt: skip
SUPPLIER_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=8,
        non_retryable_error_types=list(BUSINESS_ERRORS),
    ),
}  # fmt: skip
# The form is never retried by Temporal: a new attempt needs a new partner_order_id (the loop below).
FORM_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(maximum_attempts=1),
}
PAYMENT_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=30),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=20), maximum_attempts=10,
        non_retryable_error_types=list(BUSINESS_ERRORS),
    ),
}  # fmt: skip
# After the supplier confirmed, capture is retried until it works (an operator is alerted meanwhile).
CAPTURE_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=30),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5), maximum_attempts=0
    ),
}
COMPENSATION_STEP: Options = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": HEARTBEAT,
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2), maximum_attempts=0,
        non_retryable_error_types=[NOT_CANCELLABLE],
    ),
}  # fmt: skip

A = BookingActivities


def _reason(err: BaseException) -> str:
    cause = err.cause if isinstance(err, ActivityError) else err
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}" if cause.type else cause.message
    return str(cause or err)


@workflow.defn(name="BookingSaga")
class BookingSaga:
    def __init__(self) -> None:
        self._step = "starting"
        self._compensations: list[str] = []
        self._partner_order_id: str | None = None

    @workflow.query
    def live_state(self) -> dict[str, object]:
        """Where the saga is now (the booking record holds the durable state)."""
        return {
            "step": self._step,
            "partner_order_id": self._partner_order_id,
            "compensations": list(self._compensations),
        }

    @workflow.run
    async def run(self, inp: BookingInput) -> str:
        bid = inp.booking_id
        try:
            self._step = "hold_inventory"
            self._compensations.append("release_inventory")
            await workflow.execute_activity_method(A.hold_inventory, bid, **STORE_STEP)
            self._step = "prebook"
            await workflow.execute_activity_method(A.prebook, bid, **SUPPLIER_STEP)
            self._step = "booking_form"
            self._compensations.append("cancel_supplier_orders")
            poid = await self._booking_form(inp)
            self._partner_order_id = poid
            self._step = "authorize_payment"
            self._compensations.append("void_or_refund_payment")
            await workflow.execute_activity_method(A.authorize_payment, bid, **PAYMENT_STEP)
            self._step = "finish"
            await workflow.execute_activity_method(A.finish, OrderInput(bid, poid), **SUPPLIER_STEP)
            self._step = "poll_status"
            await self._poll(inp, poid)
        except (ActivityError, ApplicationError) as err:
            await self._compensate(bid, _reason(err))
            return "failed"
        self._compensations.clear()
        self._step = "capture_payment"
        await workflow.execute_activity_method(A.capture_payment, bid, **CAPTURE_STEP)
        self._step = "confirm"
        await workflow.execute_activity_method(A.confirm_booking, bid, **STORE_STEP)
        self._step = "sweep_other_orders"
        await workflow.execute_activity_method(
            A.cancel_other_orders, OrderInput(bid, poid), **COMPENSATION_STEP
        )
        self._step = "done"
        return "confirmed"

    async def _booking_form(self, inp: BookingInput) -> str:
        for attempt in range(1, inp.max_form_attempts + 1):
            try:
                return await workflow.execute_activity_method(
                    A.create_form, FormInput(inp.booking_id, attempt), **FORM_STEP
                )
            except ActivityError as err:
                cause = err.cause
                # A form whose outcome is unknown (timed out) is also tried again under a new id.
                retry = isinstance(cause, TimeoutError) or (
                    isinstance(cause, ApplicationError) and cause.type == FORM_RETRY
                )
                if not retry or attempt == inp.max_form_attempts:
                    raise
                await workflow.sleep(min(2.0 ** (attempt - 1), 30.0) * 0.5)
        raise ApplicationError("no booking form attempt left", type=FORM_RETRY)

    async def _poll(self, inp: BookingInput, poid: str) -> None:
        deadline = workflow.now() + timedelta(seconds=inp.supplier_cutoff_s)
        while True:
            status = await workflow.execute_activity_method(
                A.check_status, OrderInput(inp.booking_id, poid), **SUPPLIER_STEP
            )
            if status == "ok":
                return
            if workflow.now() >= deadline:
                raise ApplicationError(
                    f"still processing after {inp.supplier_cutoff_s:.0f} s", type=SUPPLIER_CUTOFF
                )
            await workflow.sleep(inp.poll_interval_s)

    async def _compensate(self, bid: str, reason: str) -> None:
        self._step = "compensating"
        await workflow.execute_activity_method(A.mark_compensating, FailInput(bid, reason), **STORE_STEP)
        steps = {
            "release_inventory": A.release_inventory,
            "cancel_supplier_orders": A.cancel_supplier_orders,
            "void_or_refund_payment": A.void_or_refund_payment,
        }
        for name in reversed(self._compensations):
            self._step = f"compensating:{name}"
            # Shielded: a cancelled workflow still undoes what it did.
            await asyncio.shield(
                asyncio.ensure_future(workflow.execute_activity_method(steps[name], bid, **COMPENSATION_STEP))
            )
        self._compensations.clear()
        await workflow.execute_activity_method(A.mark_failed, FailInput(bid, reason), **STORE_STEP)
        self._step = "failed"


@workflow.defn(name="CancellationSaga")
class CancellationSaga:
    def __init__(self) -> None:
        self._step = "starting"

    @workflow.query
    def live_state(self) -> dict[str, object]:
        return {"step": self._step}

    @workflow.run
    async def run(self, inp: CancellationInput) -> str:
        bid = inp.booking_id
        self._step = "supplier_cancel"
        try:
            await workflow.execute_activity_method(A.supplier_cancel, bid, **SUPPLIER_STEP)
        except ActivityError as err:
            await workflow.execute_activity_method(
                A.cancellation_refused, FailInput(bid, _reason(err)), **STORE_STEP
            )
            self._step = "refused"
            return "refused"
        self._step = "refund"
        await workflow.execute_activity_method(A.refund_cancellation, bid, **PAYMENT_STEP)
        self._step = "release_inventory"
        await workflow.execute_activity_method(A.release_inventory, bid, **STORE_STEP)
        self._step = "cancelled"
        await workflow.execute_activity_method(A.mark_cancelled, bid, **STORE_STEP)
        return "cancelled"
