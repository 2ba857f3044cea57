"""The outbox: appended in the caller's transaction, read in commit order, marked, purged after retention."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from core import outbox
from core.domain.events import BookingConfirmed, decode_event
from core.domain.money import Money
from core.kv import Store, Transaction


def _confirmed(i: int) -> BookingConfirmed:
    return BookingConfirmed(aggregate_id=f"bk_{i}", hotel_id="h", amount=Money.of(i, "EUR"))


def test_event_commits_with_the_state_change_or_not_at_all(kv: Store) -> None:
    def book(tr: Transaction, fail: bool) -> None:
        tr.set(b"state", b"booked")
        outbox.append_event(tr, _confirmed(1))
        if fail:
            raise RuntimeError("saga step failed")

    with pytest.raises(RuntimeError):
        kv.run(lambda tr: book(tr, True))
    assert outbox.read_unpublished(kv) == []
    kv.run(lambda tr: book(tr, False))
    (entry,) = outbox.read_unpublished(kv)
    assert entry.topic == "booking.events" and entry.key == b"bk_1"
    assert decode_event(entry.value) == decode_event(_confirmed(1).to_json()).model_copy(
        update={"event_id": entry.event_id, "occurred_at": decode_event(entry.value).occurred_at}
    )


def test_concurrent_writers_are_read_in_commit_order_without_gaps(kv: Store) -> None:
    def writer(base: int) -> None:
        for i in range(50):
            outbox.append_event(kv, _confirmed(base + i))

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e.seq for e in outbox.read_after(kv, 0, limit=1000)]
    assert seqs == list(range(1, 201))
    # each writer's own events keep the order it wrote them in
    numbers = [int(e.key.split(b"_")[1]) for e in outbox.read_after(kv, 0, limit=1000)]
    for k in range(4):
        mine = [n for n in numbers if n // 1000 == k]
        assert mine == sorted(mine) and len(mine) == 50


def test_mark_published_moves_the_cursor_forward_only_and_replay_moves_it_back(kv: Store) -> None:
    for i in range(5):
        outbox.append_event(kv, _confirmed(i))
    outbox.mark_published(kv, 3, {("booking.events", 0): 2})
    assert [e.seq for e in outbox.read_unpublished(kv)] == [4, 5]
    outbox.mark_published(kv, 2)  # a late, slower relay
    assert outbox.published_cursor(kv) == 3
    assert outbox.high_watermarks(kv) == {("booking.events", 0): 2}
    outbox.replay_from(kv, 0)
    assert len(outbox.read_unpublished(kv)) == 5
    assert outbox.high_watermarks(kv) == {}


def test_purge_keeps_unpublished_and_recent_entries(kv: Store) -> None:
    for i in range(6):
        outbox.append_event(kv, _confirmed(i), headers=[("traceparent", b"00-abc")])
    outbox.mark_published(kv, 4)
    time.sleep(0.01)
    assert outbox.purge_published(kv, retention=timedelta(days=7)) == 0
    assert outbox.purge_published(kv, retention=timedelta(0), batch=2) == 4
    left = outbox.read_after(kv, 0)
    assert [e.seq for e in left] == [5, 6]
    assert left[0].headers == [("traceparent", b"00-abc")]
    assert outbox.first_retained(kv) == 5
    assert outbox.last_sequence(kv) == 6
