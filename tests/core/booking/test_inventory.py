"""Managed allotments: all-or-nothing holds, release, consume, expiry, and the last room under contention."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from core.booking import inventory
from core.booking.inventory import AllotmentBelowHeld, SoldOut
from core.domain.booking import utcnow
from core.outbox import read_after

HID, ROOM = 1001, "Standard Double"
N1 = date(2030, 5, 1)
NIGHTS = [N1 + timedelta(days=i) for i in range(3)]


def available(kv, nights=NIGHTS):
    return [n.available for n in inventory.night_inventory(kv, HID, ROOM, nights)]


def test_unmanaged_nights_are_not_limited(kv):
    for i in range(5):
        h = inventory.hold(kv, f"h{i}", HID, ROOM, NIGHTS, 3, utcnow())
        assert h.nights == []
    assert available(kv) == [None, None, None]


def test_hold_takes_every_managed_night_or_none(kv):
    inventory.set_allotments(kv, HID, ROOM, {NIGHTS[0]: 2, NIGHTS[1]: 1, NIGHTS[2]: 2})
    inventory.hold(kv, "a", HID, ROOM, NIGHTS, 1, utcnow())
    assert available(kv) == [1, 0, 1]
    with pytest.raises(SoldOut) as err:
        inventory.hold(kv, "b", HID, ROOM, NIGHTS, 1, utcnow())
    assert err.value.night == NIGHTS[1]
    # Nothing of the refused hold was taken, and no hold record was written.
    assert available(kv) == [1, 0, 1]
    assert inventory.get_hold(kv, "b") is None
    # A stay avoiding the full night still books.
    inventory.hold(kv, "c", HID, ROOM, [NIGHTS[2]], 1, utcnow())
    assert available(kv) == [1, 0, 0]


def test_release_is_idempotent_and_consume_stops_expiry(kv):
    inventory.set_allotments(kv, HID, ROOM, dict.fromkeys(NIGHTS, 2))
    now = utcnow()
    inventory.hold(kv, "a", HID, ROOM, NIGHTS, 1, now, ttl=timedelta(seconds=10))
    inventory.hold(kv, "b", HID, ROOM, NIGHTS, 1, now, ttl=timedelta(seconds=10))
    assert available(kv) == [0, 0, 0]
    inventory.release(kv, "a")
    inventory.release(kv, "a")
    assert available(kv) == [1, 1, 1]
    inventory.consume(kv, "b")
    assert inventory.expire_holds(kv, now + timedelta(minutes=5)) == []
    assert available(kv) == [1, 1, 1]
    inventory.release(kv, "b")  # a cancellation gives sold rooms back
    assert available(kv) == [2, 2, 2]


def test_expired_holds_are_released_and_a_retried_hold_takes_again(kv):
    inventory.set_allotments(kv, HID, ROOM, {N1: 1})
    now = utcnow()
    inventory.hold(kv, "a", HID, ROOM, [N1], 1, now, ttl=timedelta(seconds=30))
    inventory.hold(kv, "a", HID, ROOM, [N1], 1, now)  # same hold again: extends, takes nothing more
    assert available(kv, [N1]) == [0]
    assert inventory.expire_holds(kv, now + timedelta(minutes=31)) == ["a"]
    assert available(kv, [N1]) == [1]
    assert inventory.get_hold(kv, "a").state == "released"
    inventory.hold(kv, "a", HID, ROOM, [N1], 1, now)
    assert available(kv, [N1]) == [0]


def test_allotment_cannot_drop_below_rooms_taken(kv):
    inventory.set_allotments(kv, HID, ROOM, {N1: 2})
    inventory.hold(kv, "a", HID, ROOM, [N1], 2, utcnow())
    with pytest.raises(AllotmentBelowHeld, match="below the 2 room"):
        inventory.set_allotments(kv, HID, ROOM, {N1: 1})
    inventory.set_allotments(kv, HID, ROOM, {N1: 5})
    assert available(kv, [N1]) == [3]


def test_changes_publish_inventory_updates(kv):
    inventory.set_allotments(kv, HID, ROOM, {N1: 2})
    inventory.hold(kv, "a", HID, ROOM, [N1], 1, utcnow())
    inventory.release(kv, "a")
    events = [e for e in read_after(kv, 0) if e.topic == "inventory.updates"]
    assert [e.key for e in events] == [f"{HID}:{ROOM}:{N1.isoformat()}".encode()] * 3
    import orjson

    assert [(orjson.loads(e.value)["delta"], orjson.loads(e.value)["remaining"]) for e in events] == [
        (2, 2),
        (-1, 1),
        (1, 2),
    ]


def test_last_room_200_concurrent_holds_exactly_one(kv):
    inventory.set_allotments(kv, HID, ROOM, dict.fromkeys(NIGHTS, 1))
    won, refused, errors = [], [], []
    start = threading.Barrier(200)

    def attempt(i: int) -> None:
        try:
            start.wait()
            inventory.hold(kv, f"h{i}", HID, ROOM, NIGHTS, 1, utcnow())
            won.append(i)
        except SoldOut:
            refused.append(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(won) == 1 and len(refused) == 199
    assert available(kv) == [0, 0, 0]
    inventory.release(kv, f"h{won[0]}")
    assert available(kv) == [1, 1, 1]


def test_a_hold_is_never_released_before_its_expiry_within_the_second(kv):
    """Expiry keys were rounded down to the second, so the sweeper released a hold up to 1 s early."""
    now = datetime(2030, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    inventory.set_allotments(kv, 1, "r", {date(2030, 1, 2): 1})
    inventory.hold(kv, "x", 1, "r", [date(2030, 1, 2)], 1, now, timedelta(seconds=10))
    assert inventory.expire_holds(kv, now + timedelta(seconds=9, milliseconds=600)) == []  # 0.4 s left
    assert inventory.expire_holds(kv, now + timedelta(seconds=10.5)) == ["x"]  # within a second after it
    assert inventory.expire_holds(kv, now + timedelta(seconds=20)) == []  # swept once, not again
