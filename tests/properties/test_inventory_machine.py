"""The inventory as a state machine against a model: set allotments, hold, release, consume, expire.

Hypothesis drives random sequences of operations on the real store (SQLite) and on a plain-Python
model of what they mean. After every step the store's counters equal the model's, held rooms never
exceed a managed night's allotment, and nothing is negative.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.booking import inventory as inv
from core.config import Settings
from core.kv import open_store

NIGHTS = [date(2030, 1, 1) + timedelta(days=i) for i in range(4)]
ROOM = "dbl"
START = datetime(2030, 1, 1, 12, tzinfo=UTC)


@dataclass
class ModelHold:
    nights: list[date]  # the managed nights it took
    rooms: int
    state: str  # held | sold | released
    expires_at: datetime | None


def test_inventory_matches_its_model(tmp_path: Path) -> None:
    runs = itertools.count(1)

    class Inventory(RuleBasedStateMachine):
        holds = Bundle("holds")

        def __init__(self) -> None:
            super().__init__()
            # each run its own store: the hold sweeper is global, as in production
            self.store = open_store(Settings(data_dir=tmp_path / f"run{next(runs)}"))
            self.hid = 7
            self.allotment: dict[date, int | None] = dict.fromkeys(NIGHTS)
            self.held: dict[date, int] = dict.fromkeys(NIGHTS, 0)
            self.model: dict[str, ModelHold] = {}
            self.now = START
            self.ids = itertools.count(1)

        def _free(self, night: date) -> int | None:
            a = self.allotment[night]
            return None if a is None else a - self.held[night]

        @rule(night=st.sampled_from(NIGHTS), count=st.none() | st.integers(0, 4))
        def set_allotment(self, night: date, count: int | None) -> None:
            if count is not None and count < self.held[night]:
                with pytest.raises(inv.AllotmentBelowHeld):
                    inv.set_allotments(self.store, self.hid, ROOM, {night: count})
                return
            inv.set_allotments(self.store, self.hid, ROOM, {night: count})
            self.allotment[night] = count

        @rule(target=holds, first=st.integers(0, 3), length=st.integers(1, 3), rooms=st.integers(1, 3),
              ttl_s=st.integers(1, 3600))  # fmt: skip
        def hold(self, first: int, length: int, rooms: int, ttl_s: int) -> str:
            hold_id = f"h{self.hid}-{next(self.ids)}"
            stay = NIGHTS[first : first + length]
            managed = [n for n in stay if self.allotment[n] is not None]
            if any(self._free(n) < rooms for n in managed):  # type: ignore[operator]
                with pytest.raises(inv.SoldOut):
                    inv.hold(
                        self.store, hold_id, self.hid, ROOM, stay, rooms, self.now, timedelta(seconds=ttl_s)
                    )
                return hold_id  # a hold id that was never taken: every operation on it is a no-op
            got = inv.hold(
                self.store, hold_id, self.hid, ROOM, stay, rooms, self.now, timedelta(seconds=ttl_s)
            )
            assert got.nights == managed and got.state == "held"
            for n in managed:
                self.held[n] += rooms
            self.model[hold_id] = ModelHold(managed, rooms, "held", self.now + timedelta(seconds=ttl_s))
            return hold_id

        @rule(hold_id=holds)
        def release(self, hold_id: str) -> None:
            inv.release(self.store, hold_id)
            m = self.model.get(hold_id)
            if m is not None and m.state != "released":
                for n in m.nights:
                    self.held[n] -= m.rooms
                m.state, m.expires_at = "released", None

        @rule(hold_id=holds)
        def consume(self, hold_id: str) -> None:
            inv.consume(self.store, hold_id)
            m = self.model.get(hold_id)
            if m is not None and m.state == "held":
                m.state, m.expires_at = "sold", None

        @rule(ms=st.integers(0, 4_000_000))  # the sweeper's clock has milliseconds, as a real one
        def expire(self, ms: int) -> None:
            self.now += timedelta(milliseconds=ms)
            expired = set(inv.expire_holds(self.store, self.now))
            due = {i for i, m in self.model.items() if m.state == "held" and m.expires_at <= self.now}  # type: ignore[operator]
            assert expired == due  # every due hold released, and none that is still live
            for hold_id in due:
                self.release(hold_id)

        def teardown(self) -> None:
            self.store.close()

        @invariant()
        def store_equals_model(self) -> None:
            nights = inv.night_inventory(self.store, self.hid, ROOM, NIGHTS)
            assert [n.allotment for n in nights] == [self.allotment[d] for d in NIGHTS]
            assert [n.held for n in nights] == [self.held[d] for d in NIGHTS]
            for n in nights:
                assert n.held >= 0
                assert n.allotment is None or n.held <= n.allotment  # never more held than the allotment
            for hold_id, m in self.model.items():
                got = inv.get_hold(self.store, hold_id)
                assert got is not None and (got.state, got.nights, got.rooms) == (m.state, m.nights, m.rooms)

    run_state_machine_as_test(
        Inventory, settings=settings(max_examples=40, stateful_step_count=25, deadline=None)
    )
