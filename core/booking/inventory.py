"""Managed allotments per (hotel, room, night) and all-or-nothing holds with an expiry.

Two counters per night: the allotment a partner set (`inv`) and the rooms held or sold (`inv_held`).
A night without an allotment is not managed: the platform sells whatever the supplier offers.
A hold takes `rooms` on every managed night of a stay inside one transaction, or raises `SoldOut`
and takes nothing. Holds are released (compensation, cancellation, expiry) or consumed (the booking
was confirmed: the rooms stay taken and the hold no longer expires).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.booking.events import inventory_event
from core.kv import Transaction, decode_counter, encode_counter, transactional
from core.kv.keys import INVENTORY, INVENTORY_HELD, INVENTORY_HOLD, INVENTORY_HOLD_EXPIRY

HOLD_TTL = timedelta(minutes=30)


class SoldOut(Exception):
    """No room left on a managed night."""

    def __init__(self, hid: int, room: str, night: date, available: int) -> None:
        super().__init__(f"hotel {hid} room {room!r} has {available} room(s) left on {night.isoformat()}")
        self.hid, self.room, self.night, self.available = hid, room, night, available


class AllotmentBelowHeld(ValueError):
    """An allotment lower than the rooms already held or sold for that night."""

    def __init__(self, night: date, requested: int, held: int) -> None:
        super().__init__(
            f"{night.isoformat()}: allotment {requested} is below the {held} room(s) already held or sold"
        )
        self.night, self.requested, self.held = night, requested, held


@dataclass(frozen=True)
class NightInventory:
    night: date
    allotment: int | None  # None: not managed
    held: int

    @property
    def available(self) -> int | None:
        return None if self.allotment is None else max(self.allotment - self.held, 0)


@dataclass(frozen=True)
class Hold:
    hold_id: str
    hid: int
    room: str
    rooms: int
    nights: list[date]  # managed nights actually taken
    state: str  # held | sold | released
    expires_at: datetime | None

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "hid": self.hid,
                "room": self.room,
                "rooms": self.rooms,
                "nights": [n.isoformat() for n in self.nights],
                "state": self.state,
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            }
        ).encode()

    @classmethod
    def from_json(cls, hold_id: str, raw: bytes) -> Hold:
        d = json.loads(raw)
        return cls(
            hold_id=hold_id,
            hid=d["hid"],
            room=d["room"],
            rooms=d["rooms"],
            nights=[date.fromisoformat(n) for n in d["nights"]],
            state=d["state"],
            expires_at=datetime.fromisoformat(d["expires_at"]) if d["expires_at"] else None,
        )


def _night_keys(hid: int, room: str, night: date) -> tuple[bytes, bytes]:
    n = night.isoformat()
    return INVENTORY.key(hid, room, n), INVENTORY_HELD.key(hid, room, n)


@transactional
def set_allotments(
    tr: Transaction, hid: int, room: str, allotments: dict[date, int | None]
) -> list[NightInventory]:
    """Set the allotment of each night (None removes management of that night)."""
    out = []
    for night, count in sorted(allotments.items()):
        total_key, held_key = _night_keys(hid, room, night)
        held = decode_counter(tr.get(held_key))
        previous = decode_counter(tr.get(total_key))
        if count is None:
            tr.clear(total_key)
        else:
            if count < held:
                raise AllotmentBelowHeld(night, count, held)
            tr.set(total_key, encode_counter(count))
        inventory_event(tr, hid, room, night, (count or 0) - previous, max((count or 0) - held, 0))
        out.append(NightInventory(night, count, held))
    return out


@transactional
def night_inventory(tr: Transaction, hid: int, room: str, nights: list[date]) -> list[NightInventory]:
    out = []
    for night in nights:
        total_key, held_key = _night_keys(hid, room, night)
        raw = tr.get(total_key)
        out.append(
            NightInventory(
                night, None if raw is None else decode_counter(raw), decode_counter(tr.get(held_key))
            )
        )
    return out


def _expiry_key(expires_at: datetime, hold_id: str) -> bytes:
    # Rounded up to the second: the sweeper takes keys up to the second it is in, so a hold is
    # released at or after its expiry, never before (rounding down released it up to 1 s early).
    return INVENTORY_HOLD_EXPIRY.key(math.ceil(expires_at.timestamp()), hold_id)


def _clear_expiry(tr: Transaction, expires_at: datetime, hold_id: str) -> None:
    tr.clear(_expiry_key(expires_at, hold_id))
    tr.clear(INVENTORY_HOLD_EXPIRY.key(int(expires_at.timestamp()), hold_id))  # as written before the fix


@transactional
def get_hold(tr: Transaction, hold_id: str) -> Hold | None:
    raw = tr.get(INVENTORY_HOLD.key(hold_id))
    return None if raw is None else Hold.from_json(hold_id, raw)


def _take(tr: Transaction, hid: int, room: str, nights: list[date], rooms: int) -> list[date]:
    managed = []
    for inv in night_inventory(tr, hid, room, nights):
        if inv.allotment is None:
            continue
        if inv.allotment - inv.held < rooms:
            raise SoldOut(hid, room, inv.night, max(inv.allotment - inv.held, 0))
        managed.append(inv)
    for inv in managed:
        tr.add(_night_keys(hid, room, inv.night)[1], rooms)
        inventory_event(tr, hid, room, inv.night, -rooms, inv.allotment - inv.held - rooms)  # type: ignore[operator]
    return [inv.night for inv in managed]


@transactional
def hold(
    tr: Transaction,
    hold_id: str,
    hid: int,
    room: str,
    nights: list[date],
    rooms: int,
    now: datetime,
    ttl: timedelta = HOLD_TTL,
) -> Hold:
    """Take `rooms` on every managed night, all or nothing; idempotent for a live hold.

    A hold that exists and is live gets its expiry pushed out; a released one is taken again
    (so a saga step retried after its hold expired either re-holds or raises `SoldOut`).
    """
    current = get_hold(tr, hold_id)
    expires_at = now + ttl
    if current is not None and current.state == "sold":
        return current
    if current is not None and current.state == "held":
        if current.expires_at is not None:
            _clear_expiry(tr, current.expires_at, hold_id)
        taken = current.nights
    else:
        taken = _take(tr, hid, room, nights, rooms)
    new = Hold(hold_id, hid, room, rooms, taken, "held", expires_at)
    tr.set(INVENTORY_HOLD.key(hold_id), new.to_json())
    tr.set(_expiry_key(expires_at, hold_id), b"")
    return new


@transactional
def release(tr: Transaction, hold_id: str) -> Hold | None:
    """Give the rooms back (held or sold); idempotent."""
    current = get_hold(tr, hold_id)
    if current is None or current.state == "released":
        return current
    for inv in night_inventory(tr, current.hid, current.room, current.nights):
        tr.add(_night_keys(current.hid, current.room, inv.night)[1], -current.rooms)
        remaining = (inv.allotment or 0) - inv.held + current.rooms
        inventory_event(tr, current.hid, current.room, inv.night, current.rooms, max(remaining, 0))
    if current.expires_at is not None:
        _clear_expiry(tr, current.expires_at, hold_id)
    new = Hold(hold_id, current.hid, current.room, current.rooms, current.nights, "released", None)
    tr.set(INVENTORY_HOLD.key(hold_id), new.to_json())
    return new


@transactional
def consume(tr: Transaction, hold_id: str) -> Hold | None:
    """The booking was confirmed: the rooms stay taken for good and the hold stops expiring."""
    current = get_hold(tr, hold_id)
    if current is None or current.state != "held":
        return current
    if current.expires_at is not None:
        _clear_expiry(tr, current.expires_at, hold_id)
    new = Hold(hold_id, current.hid, current.room, current.rooms, current.nights, "sold", None)
    tr.set(INVENTORY_HOLD.key(hold_id), new.to_json())
    return new


@transactional
def expire_holds(tr: Transaction, now: datetime, limit: int = 500) -> list[str]:
    """Release up to `limit` holds whose expiry passed; returns their ids."""
    begin, _ = INVENTORY_HOLD_EXPIRY.range()
    end = INVENTORY_HOLD_EXPIRY.key(int(now.timestamp()) + 1)
    expired = []
    for key, _ in tr.get_range(begin, end, limit=limit):
        _, hold_id = INVENTORY_HOLD_EXPIRY.unpack(key)
        tr.clear(key)  # even if the hold is gone or already released: a stale entry must not stay due
        release(tr, hold_id)
        expired.append(hold_id)
    return expired
