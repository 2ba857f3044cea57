"""What must hold after the storm, read from every system of record; each check names what breaks it.

The store says what the platform believes; the supplier simulator's orders, the payment provider's
ledger, the managed inventory, the outbox and the revenue marts say what really happened. A booking
the platform calls confirmed must have exactly one live supplier order and exactly one captured
payment for its price; a failed one neither a live order nor money taken; a cancelled one its
refund. Inventory holds must add up to what is sold, never above the allotment, and the marts must
equal the store to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chaos.nemesis import KillDone
from chaos.storm import StormReport
from core.booking import inventory
from core.domain.booking import Booking
from core.kv import Store
from core.kv.keys import INVENTORY_HOLD
from core.stack import ServiceStatus

LISTED = 5  # bookings named per failed check; the count is always complete


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


def _verdict(name: str, problems: list[str], ok: str) -> Verdict:
    if not problems:
        return Verdict(name, True, ok)
    more = f" (and {len(problems) - LISTED} more)" if len(problems) > LISTED else ""
    return Verdict(name, False, f"{len(problems)} problem(s): " + "; ".join(problems[:LISTED]) + more)


def stories_ended(report: StormReport, bookings: dict[str, Booking]) -> Verdict:
    """Every booking the API accepted reached a final state, the one its story leads to."""
    problems = []
    for trace in report.accepted:
        booking = bookings[trace.booking_id]  # type: ignore[index]
        if booking.state.value != trace.story.expect:
            problems.append(f"{booking.id} ({trace.story.name}) is {booking.state.value}")
    unsent = [t for t in report.traces if t.booking_id is None and t.outcome != "sold out"]
    problems += [f"booking #{t.index} ({t.story.name}): {t.outcome}" for t in unsent]
    counts = ", ".join(f"{n} {state}" for state, n in sorted(report.outcomes().items()))
    return _verdict("every booking ended as its story says", problems, counts)


def supplier_orders(bookings: dict[str, Booking], orders: list[dict[str, Any]]) -> Verdict:
    """One live order per confirmed booking; none for a failed or cancelled one; none unaccounted."""
    live: dict[str, list[str]] = defaultdict(list)
    for order in orders:
        if order["live"]:
            live[order["partner_order_id"].split("-")[0]].append(order["partner_order_id"])
    problems = []
    for booking in bookings.values():
        want = 1 if booking.state.value == "confirmed" else 0
        if len(live.get(booking.id, [])) != want:
            problems.append(
                f"{booking.id} is {booking.state.value} with live orders {live.get(booking.id, [])}"
            )
    problems += [
        f"live order(s) {ids} belong to no booking" for bid, ids in live.items() if bid not in bookings
    ]
    kept = sum(len(v) for v in live.values())
    return _verdict(
        "supplier orders", problems, f"{kept} live order(s) of {len(orders)}, one per confirmed booking"
    )


def payments(bookings: dict[str, Booking], ledger: dict[str, list[dict[str, Any]]]) -> Verdict:
    """One authorization per paying booking; captured once for confirmed, refunded for cancelled, none for failed."""
    problems = []
    for booking in bookings.values():
        taken = [p for p in ledger.get(booking.id, []) if p["status"] != "declined"]
        captured = sum((Decimal(p["amount_captured"]) for p in taken), Decimal(0))
        refunded = sum((Decimal(p["amount_refunded"]) for p in taken), Decimal(0))
        state = booking.state.value
        if state == "confirmed" and (len(taken) != 1 or captured != booking.price.amount or refunded):
            problems.append(f"{booking.id} confirmed at {booking.price.amount}: {_payments(taken)}")
        elif state == "cancelled":
            refund = booking.cancel.refund if booking.cancel else Decimal(0)
            if len(taken) != 1 or captured != booking.price.amount or refunded != refund:
                problems.append(f"{booking.id} cancelled with refund {refund}: {_payments(taken)}")
        elif state == "failed" and (captured or any(p["status"] == "authorized" for p in taken)):
            problems.append(f"{booking.id} failed: {_payments(taken)}")
    charged = sum(1 for b in bookings.values() if b.state.value in ("confirmed", "cancelled"))
    return _verdict(
        "payments", problems, f"{charged} booking(s) charged exactly once, no failed booking charged"
    )


def _payments(taken: Iterable[dict[str, Any]]) -> str:
    shown = [
        f"{p['status']} {p['amount_captured']}/{p['amount']} refunded {p['amount_refunded']}" for p in taken
    ]
    return ", ".join(shown) or "no payment"


def held_rooms(
    store: Store, bookings: dict[str, Booking], hid: int, room: str, nights: list[date], allotment: int,
    peak_held: int,
) -> Verdict:  # fmt: skip
    """Held rooms never above the allotment; what stays held is exactly what is sold."""
    problems = []
    if peak_held > allotment:
        problems.append(f"{peak_held} rooms held at one moment of the storm, allotment {allotment}")
    sold = sum(b.room_count for b in bookings.values() if b.state.value == "confirmed")
    for night in store.read(lambda tr: inventory.night_inventory(tr, hid, room, nights)):
        if not 0 <= night.held <= allotment or night.held != sold:
            problems.append(f"{night.night}: {night.held} held, {sold} sold, allotment {allotment}")
    begin, end = INVENTORY_HOLD.range()
    open_holds = [
        h.hold_id
        for key, raw in store.iter_range(begin, end)
        if (h := inventory.Hold.from_json(INVENTORY_HOLD.unpack(key)[0], raw)).state == "held"
    ]
    problems += [f"hold {hold_id} still open" for hold_id in open_holds]
    detail = f"peak {peak_held} of {allotment} held; {sold} sold, every other hold released"
    return _verdict("managed inventory", problems, detail)


def outbox_drained(backlog: dict[str, int]) -> Verdict:
    problems = [] if backlog["backlog"] == 0 else [f"{backlog['backlog']} event(s) never published"]
    return _verdict("outbox", problems, f"all {backlog['outbox_last']} event(s) published")


def api_answers(report: StormReport) -> Verdict:
    """The API never answered 500: only answers it documents, and 502/503/504 while a part was down."""
    problems = [f"{n} answer(s) {status}" for status, n in report.statuses.items() if status >= 500 and status not in (502, 503, 504)]  # fmt: skip
    shown = ", ".join(f"{status}: {n}" for status, n in sorted(report.statuses.items()))
    detail = f"{sum(report.statuses.values())} answers ({shown}), {report.transport_errors} transport errors"
    return _verdict("API answers", problems, detail)


def processes(kills: list[KillDone], statuses: list[ServiceStatus]) -> Verdict:
    """No process died on its own: each target was running when its kill came, and all run at the end."""
    problems = [
        f"{k.kill.target} was not running at {k.at_s:.1f} s (it had exited by itself)"
        for k in kills
        if k.pid is None
    ]
    problems += [f"{k.kill.target} did not come back: {k.error}" for k in kills if k.error]
    problems += [
        f"{s.name} is {s.state} at the end: {s.detail}"
        for s in statuses
        if s.state not in ("running", "external")
    ]
    return _verdict(
        "processes", problems, f"{len(kills)} kills, every process restarted and running at the end"
    )
