"""The transactional outbox: events written in the same store transaction as the state they describe.

A booking's state change and its event commit together or not at all (`append_event(tr, event)` inside
the booking's transaction). The relay (`ibe relay`) reads the outbox in commit order, publishes, and
moves its cursor; published entries stay for the retention window so the relay can replay them when the
broker has lost data (the embedded broker keeps nothing across a restart).

Keys (rows in core/kv/keys.py):
    ("outbox", seq)                    framed entry, below
    ("outbox_seq",)                    8-byte counter: the last sequence handed out
    ("relay", "cursor")                8-byte counter: the last sequence published
    ("relay", "hw", topic, partition)  8-byte counter: highest broker offset the relay has seen

Commit order: every `append_event` reads and writes `outbox_seq`, so under serializable transactions two
writers of the outbox cannot both commit with the same view of it; the sequence order is the commit order
and a reader never sees sequence n+1 committed before n. The price is one hot key (writers of the outbox
conflict and retry); on FoundationDB a versionstamped key would remove it, the port has none yet.

An entry is framed as `<meta JSON>\\n<event JSON>`: the meta line (topic, key, trace headers, write time)
is small, and the event bytes are stored exactly as they go on the wire, so the relay does not re-encode.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import orjson

from core.domain.events import Event, encode_event
from core.kv import Store, Transaction, decode_counter, encode_counter, transactional
from core.kv.keys import OUTBOX, OUTBOX_SEQ, RELAY

DEFAULT_RETENTION = timedelta(days=7)

_SEQ_KEY = OUTBOX_SEQ.key()
_CURSOR_KEY = RELAY.key("cursor")
_HW = RELAY.sub("hw")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event as the relay publishes it."""

    seq: int
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    written_at_ms: int
    event_id: str


def _now_ms() -> int:
    return int(time.time() * 1000)


def _frame(
    topic: str, key: bytes, headers: Sequence[tuple[str, bytes]], event_id: str, value: bytes
) -> bytes:
    meta = {
        "t": topic,
        "k": base64.b64encode(key).decode(),
        "h": [[k, base64.b64encode(v).decode()] for k, v in headers],
        "w": _now_ms(),
        "id": event_id,
    }
    return orjson.dumps(meta) + b"\n" + value


def _unframe(seq: int, raw: bytes) -> OutboxEntry:
    head, _, value = raw.partition(b"\n")
    meta = orjson.loads(head)
    return OutboxEntry(
        seq=seq,
        topic=meta["t"],
        key=base64.b64decode(meta["k"]),
        value=value,
        headers=[(k, base64.b64decode(v)) for k, v in meta["h"]],
        written_at_ms=int(meta["w"]),
        event_id=meta["id"],
    )


def _trace_headers() -> list[tuple[str, bytes]]:
    from core.observability.propagation import inject_headers

    return inject_headers()


@transactional
def append_event(tr: Transaction, event: Event, headers: Sequence[tuple[str, bytes]] | None = None) -> int:
    """Add `event` to the outbox inside `tr` (or its own transaction, given a Store); returns its sequence.

    `headers` default to the current trace context, so the sink's span continues the writer's trace.
    """
    seq = decode_counter(tr.get(_SEQ_KEY)) + 1
    tr.set(_SEQ_KEY, encode_counter(seq))
    hdrs = list(headers) if headers is not None else _trace_headers()
    tr.set(OUTBOX.key(seq), _frame(event.topic, event.key(), hdrs, event.event_id, encode_event(event)))
    return seq


@transactional
def append_raw(tr: Transaction, topic: str, key: bytes, value: bytes, event_id: str = "") -> int:
    """Add pre-encoded bytes to the outbox (tools and tests that must publish a message as it is)."""
    seq = decode_counter(tr.get(_SEQ_KEY)) + 1
    tr.set(_SEQ_KEY, encode_counter(seq))
    tr.set(OUTBOX.key(seq), _frame(topic, key, [], event_id, value))
    return seq


@transactional
def read_after(tr: Transaction, after_seq: int, limit: int = 1000) -> list[OutboxEntry]:
    """Up to `limit` entries with sequence > `after_seq`, in commit order."""
    begin = OUTBOX.key(after_seq + 1)
    _, end = OUTBOX.range()
    return [_unframe(OUTBOX.unpack(k)[0], v) for k, v in tr.get_range(begin, end, limit=limit)]


@transactional
def read_unpublished(tr: Transaction, limit: int = 1000) -> list[OutboxEntry]:
    """The next entries the relay has not published yet, in commit order."""
    return read_after(tr, published_cursor(tr), limit)


@transactional
def published_cursor(tr: Transaction) -> int:
    """The sequence of the last entry the relay published (0: none)."""
    return decode_counter(tr.get(_CURSOR_KEY))


@transactional
def last_sequence(tr: Transaction) -> int:
    """The sequence of the last entry written (0: none)."""
    return decode_counter(tr.get(_SEQ_KEY))


@transactional
def mark_published(
    tr: Transaction, upto_seq: int, high_watermarks: dict[tuple[str, int], int] | None = None
) -> None:
    """Record that every entry up to `upto_seq` is on the broker, with the broker offsets seen.

    The cursor never moves back here (a late, slower relay cannot undo a newer mark); `replay_from`
    moves it back on purpose.
    """
    if upto_seq > published_cursor(tr):
        tr.set(_CURSOR_KEY, encode_counter(upto_seq))
    for (topic, partition), offset in (high_watermarks or {}).items():
        key = _HW.key(topic, partition)
        if offset > decode_counter(tr.get(key)):
            tr.set(key, encode_counter(offset))


@transactional
def high_watermarks(tr: Transaction) -> dict[tuple[str, int], int]:
    """Per (topic, partition), the highest offset the relay has seen the broker assign."""
    begin, end = _HW.range()
    return {
        (topic, int(partition)): decode_counter(v)
        for k, v in tr.get_range(begin, end)
        for topic, partition in [_HW.unpack(k)]
    }


@transactional
def replay_from(tr: Transaction, after_seq: int = 0) -> None:
    """Move the cursor back so the relay publishes again every retained entry after `after_seq`.

    Used when the broker lost data: the recorded offsets are forgotten too, since the new broker's
    offsets start again.
    """
    tr.set(_CURSOR_KEY, encode_counter(after_seq))
    tr.clear_range(*_HW.range())


def purge_published(store: Store, retention: timedelta = DEFAULT_RETENTION, batch: int = 500) -> int:
    """Delete published entries written before now - `retention`; returns how many. Bounded transactions."""
    horizon = _now_ms() - int(retention.total_seconds() * 1000)
    removed = 0
    while True:

        def step(tr: Transaction) -> int:
            cursor = published_cursor(tr)
            begin, end = OUTBOX.range()
            rows = tr.get_range(begin, end, limit=batch)
            gone = 0
            for key, raw in rows:
                seq = OUTBOX.unpack(key)[0]
                if seq > cursor or _unframe(seq, raw).written_at_ms >= horizon:
                    break
                tr.clear(key)
                gone += 1
            return gone

        gone = store.run(step)
        removed += gone
        if gone < batch:
            return removed


@transactional
def first_retained(tr: Transaction) -> int:
    """The sequence of the oldest entry still in the outbox (0: the outbox is empty)."""
    begin, end = OUTBOX.range()
    rows = tr.get_range(begin, end, limit=1)
    return OUTBOX.unpack(rows[0][0])[0] if rows else 0
