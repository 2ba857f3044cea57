"""Every saga path, scripted: the activities answer as the supplier and the payment provider would.

A path is a saga (booking or cancellation) and, per activity name, the answers it gives in turn
(the last one repeats). The histories these runs leave are what `record.py` writes to
`histories/` and what `test_replay.py` replays against today's workflow code. The activities
here only answer: the histories hold the results, so the workflow's decisions are what is tested.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHistory
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from booking_api.temporal import shared
from booking_api.temporal.workflows import BookingSaga, CancellationSaga

HISTORIES = Path(__file__).with_name("histories")
WORKFLOWS = [BookingSaga, CancellationSaga]
OK = None  # an activity that returns nothing


def fail(kind: str, message: str = "scripted") -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


@dataclass
class Path_:
    name: str
    saga: str  # "booking" | "cancellation"
    answers: dict[str, list[Any]] = field(default_factory=dict)  # activity -> answers in turn
    result: str = "confirmed"
    cutoff_s: float = 900.0

    def answer(self, activity_name: str, calls: dict[str, int]) -> Any:
        script = self.answers.get(activity_name)
        if not script:
            return _DEFAULTS.get(activity_name, OK)
        n = calls[activity_name] = calls.get(activity_name, 0) + 1
        return script[min(n, len(script)) - 1]


_DEFAULTS: dict[str, Any] = {"booking.create_form": "po-1", "booking.check_status": "ok"}
ACTIVITIES = [
    "booking.hold_inventory", "booking.release_inventory", "booking.prebook", "booking.create_form",
    "booking.authorize_payment", "booking.capture_payment", "booking.void_or_refund_payment",
    "booking.finish", "booking.check_status", "booking.confirm", "booking.cancel_supplier_orders",
    "booking.cancel_other_orders", "booking.mark_compensating", "booking.mark_failed",
    "cancellation.supplier_cancel", "cancellation.refund", "cancellation.mark_cancelled", "cancellation.refused",
]  # fmt: skip

PATHS = [
    Path_("happy", "booking", {"booking.check_status": ["processing", "processing", "ok"]}),
    Path_("form_retried_with_new_id", "booking",
          {"booking.create_form": [fail(shared.FORM_RETRY), fail(shared.FORM_RETRY), "po-3"]}),
    Path_("price_changed", "booking", {"booking.prebook": [fail(shared.PRICE_CHANGED)]}, "failed"),
    Path_("sold_out_at_hold", "booking", {"booking.hold_inventory": [fail(shared.SOLD_OUT)]}, "failed"),
    Path_("form_final_error", "booking", {"booking.create_form": [fail(shared.SUPPLIER_FINAL)]}, "failed"),
    Path_("payment_declined", "booking", {"booking.authorize_payment": [fail(shared.PAYMENT_DECLINED)]}, "failed"),
    Path_("finish_final_error", "booking", {"booking.finish": [fail(shared.SUPPLIER_FINAL)]}, "failed"),
    Path_("status_final_error", "booking",
          {"booking.check_status": ["processing", fail(shared.SUPPLIER_FINAL)]}, "failed"),
    Path_("supplier_cutoff", "booking", {"booking.check_status": ["processing"]}, "failed"),
    Path_("cancelled_with_penalty", "cancellation", result="cancelled"),
    Path_("cancellation_refused", "cancellation",
          {"cancellation.supplier_cancel": [fail(shared.NOT_CANCELLABLE)]}, "refused"),
]  # fmt: skip


def scripted_activities(path: Path_, log: list[str]) -> list[Callable[..., Any]]:
    calls: dict[str, int] = {}

    def make(name: str) -> Callable[..., Any]:
        @activity.defn(name=name)
        async def run(*args: Any) -> Any:
            log.append(name)
            answer = path.answer(name, calls)
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return run

    return [make(name) for name in ACTIVITIES]


async def run_path(client: Client, path: Path_) -> tuple[str, WorkflowHistory, list[str]]:
    """Run one path on a worker with scripted activities; (result, history, activities called)."""
    queue = f"replay-{path.name}-{uuid.uuid4().hex[:6]}"
    log: list[str] = []
    async with Worker(
        client, task_queue=queue, workflows=WORKFLOWS, activities=scripted_activities(path, log)
    ):
        wid = f"{path.saga}-{path.name}"
        if path.saga == "booking":
            inp: Any = shared.BookingInput(
                f"bk-{path.name}", poll_interval_s=30.0, supplier_cutoff_s=path.cutoff_s
            )
            handle = await client.start_workflow(
                BookingSaga.run, inp, id=wid, task_queue=queue, execution_timeout=timedelta(days=2)
            )
        else:
            handle = await client.start_workflow(
                CancellationSaga.run, shared.CancellationInput(f"bk-{path.name}"), id=wid, task_queue=queue
            )
        result = await handle.result()
        history = await handle.fetch_history()
    return result, history, log
