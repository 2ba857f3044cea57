"""The serving copy of the catalog in the transactional store: how it is laid out, written and read.

Every write belongs to a *load* (one dump applied: a weekly full dump or a daily incremental one).
A load gets a sequence number `seq` when it starts, and writes versions keyed by that number; the
pointer ("catalog", "current") names the seq readers see. A reader takes, for each key, the newest
version with a seq at most the pointer's, so nothing of a load is visible until its last step flips
the pointer, and then all of it is, at once. Unchanged hotels are not written again (their content
hash is kept per hid), so a weekly refresh in which 2% of hotels changed writes 2% of the records.

Key layout (tuple-encoded, relative to the deployment; rows of `core/kv/keys.py`):

    ("catalog", "current")                      JSON {seq, load_id, kind, published_at, dump_date}
    ("catalog", "last_full")                    the same, for the newest published full load
    ("catalog", "active")                       load_id of the load being written (one at a time)
    ("catalog", "load", load_id, "touched", hid)  old and new places of a hid the load changed,
                                                until `compact` has dropped the versions it superseded
    ("catalog", "seq")                          8-byte counter: last seq handed out
    ("catalog", "load", load_id, "state")       JSON LoadState: seq, status, resumable cursor, counts
    ("catalog", "zdict", dict_id)               zstd dictionary bytes (see codec.py)
    ("hotel", hid, seq)                         zstd(raw dump line), or b"" = off sale (deleted)
    ("hotel_hash", hid)                         tuple(content hash, region_id, lat cell, lon cell)
                                                of the newest written version; absent = off sale
    ("idx", "region", region_id, hid, seq)      b"\\x01" listed, b"" = no longer in that region
    ("idx", "geo", lat_cell, lon_cell, hid, seq) struct <dd (lat, lon), b"" = moved away / off sale
    ("region", region_id, seq)                  JSON region record (region dump)

Loads are applied one at a time and in dump order: a load cannot start while another is half
written (re-run that one: it resumes), nor apply a dump older than the published one. A load is
resumable: its cursor (rows applied so far) is committed in the same transaction as the
rows, so a crashed load re-run with the same load id starts after the last committed chunk and
writes each row exactly once. Each transaction stays far inside the store's limits (10 MB).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from typing import Any

import fdb.tuple
import numpy as np
import orjson

from core.catalog.codec import Decoder, RecordCodec, load_codec, save_codec, train
from core.catalog.tuplekeys import element
from core.catalog.tuplekeys import pack as tpack
from core.domain.catalog import Hotel, NearbyHotel, Region, distance_km
from core.failpoints import failpoint
from core.kv import Store, Transaction, decode_counter
from core.kv.keys import CATALOG, HOTEL, HOTEL_HASH, INDEX, REGION, Subspace
from core.kv.limits import MAX_VALUE_BYTES
from core.kv.port import KeyValue

IDX_REGION = INDEX.sub("region")
IDX_GEO = INDEX.sub("geo")
POINTER_KEY = CATALOG.key("current")
LAST_FULL_KEY = CATALOG.key("last_full")
ACTIVE_KEY = CATALOG.key("active")
SEQ_KEY = CATALOG.key("seq")

GEO_CELL_DEG = 0.02  # about 2.2 km of latitude: a city-centre search reads a handful of ranges
MAX_RADIUS_KM = 200.0
TX_MAX_ROWS = 2_000
TX_MAX_BYTES = 4_000_000  # the store allows 10 MB a transaction; leave room for index keys
COMPACT_BATCH = 500
TRAIN_SAMPLES = 1_000  # about 6 MB of records: ~100x the dictionary, as zstd advises
_LIVE = b"\x01"
_GONE = b""
_POS = struct.Struct("<dd")

_decoder = Decoder()


# -- the pointer and load states ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoadPointer:
    """The load readers see."""

    seq: int
    load_id: str
    kind: str
    published_at: str
    dump_date: str | None = None


@dataclass(slots=True)
class LoadState:
    """Progress of one load, committed with every chunk of rows it writes."""

    load_id: str
    seq: int
    kind: str  # "full" or "incremental"
    status: str = "writing"  # "writing" -> "published"
    rows_done: int = 0  # rows of the input applied (the resume cursor)
    written: int = 0  # hotels whose content changed (new version written)
    unchanged: int = 0  # hotels skipped: same content hash as the version already stored
    off_sale: int = 0  # hotels taken off sale (deleted in the dump, or gone from a full dump)
    regions: int = 0
    dump_date: str | None = None  # ISO date the dump was taken
    started_at: str = field(default_factory=lambda: _now())
    published_at: str | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> LoadState:
        return cls(**orjson.loads(raw))


class StaleLoad(RuntimeError):
    """A load would make older content visible over newer content."""


class LoadInProgress(RuntimeError):
    """Another load is half written; it must be finished (re-run) first."""


def _dump_version(dump_date: str | None, kind: str) -> int:
    """Order of dumps: later dates win; a day's incremental dump wins over that day's full one."""
    if dump_date is None:
        return 0
    return int(dump_date.replace("-", "")) * 10 + (1 if kind == "incremental" else 0)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _state_key(load_id: str) -> bytes:
    return CATALOG.key("load", load_id, "state")


def _pointer(tr: Transaction) -> LoadPointer | None:
    raw = tr.get(POINTER_KEY)
    return None if raw is None else LoadPointer(**orjson.loads(raw))


def current_load(store: Store | Transaction) -> LoadPointer | None:
    """The published load readers see, or None before the first load."""
    if isinstance(store, Transaction):
        return _pointer(store)
    return store.read(_pointer)


def last_full_load(store: Store) -> LoadPointer | None:
    """The newest published full load (freshness: the weekly dump must not grow old)."""
    raw = store.read(lambda tr: tr.get(LAST_FULL_KEY))
    return None if raw is None else LoadPointer(**orjson.loads(raw))


def load_state(store: Store, load_id: str) -> LoadState | None:
    raw = store.read(lambda tr: tr.get(_state_key(load_id)))
    return None if raw is None else LoadState.from_json(raw)


# -- cells ----------------------------------------------------------------------------------------
def geo_cell(latitude: float, longitude: float) -> tuple[int, int]:
    """The (lat, lon) grid cell of a position; cells are GEO_CELL_DEG degrees on each side."""
    return math.floor((latitude + 90.0) / GEO_CELL_DEG), math.floor((longitude + 180.0) / GEO_CELL_DEG)


_LON_CELLS = round(360.0 / GEO_CELL_DEG)


# -- writing --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ServingRow:
    """One accepted dump line, as the serving load needs it."""

    hid: int
    content_hash: bytes
    raw: bytes
    region_id: int | None
    latitude: float | None
    longitude: float | None
    deleted: bool = False


class ServingLoad:
    """Writes one load: `open` (or resume), `write` rows, optionally `take_off_sale_missing`, `publish`.

    Safe to re-run: a published load does nothing again; an interrupted one resumes at its cursor.
    """

    def __init__(self, store: Store, state: LoadState) -> None:
        self.store = store
        self.state = state
        self._codec: RecordCodec | None = None

    @classmethod
    def open(cls, store: Store, load_id: str, kind: str, dump_date: str | None = None) -> ServingLoad:
        """Start the load `load_id`, or resume it if it was started before."""
        if kind not in ("full", "incremental"):
            raise ValueError(f"load kind must be 'full' or 'incremental', not {kind!r}")

        def start(tr: Transaction) -> LoadState:
            raw = tr.get(_state_key(load_id))
            if raw is not None:
                return LoadState.from_json(raw)
            active = tr.get(ACTIVE_KEY)
            if active is not None:
                raise LoadInProgress(
                    f"load {active.decode()} is still being written: re-run it to finish it before "
                    f"starting {load_id} (loads are applied one at a time, in dump order)"
                )
            current = _pointer(tr)
            if current is not None and _dump_version(current.dump_date, current.kind) > _dump_version(
                dump_date, kind
            ):
                raise StaleLoad(f"{load_id} is older than the published load {current.load_id}")
            tr.set(ACTIVE_KEY, load_id.encode())
            tr.add(SEQ_KEY, 1)
            seq = decode_counter(tr.get(SEQ_KEY))
            state = LoadState(load_id=load_id, seq=seq, kind=kind, dump_date=dump_date)
            tr.set(_state_key(load_id), state.to_json())
            return state

        return cls(store, store.run(start))

    @property
    def published(self) -> bool:
        return self.state.status == "published"

    def _ensure_codec(self, samples: list[bytes]) -> RecordCodec:
        if self._codec is None:
            codec = load_codec(self.store)
            if codec is None:
                codec = RecordCodec(train(samples))
                save_codec(self.store, codec)
            self._codec = codec
        return self._codec

    def write(
        self, rows: Iterable[ServingRow], progress: Callable[[LoadState], None] | None = None
    ) -> LoadState:
        """Apply `rows` (the load's whole input, in the same order on every run) after the cursor.

        Chunks are pipelined: while one chunk's transaction runs on a committer thread (the store
        does its I/O without the GIL), the next chunk is read, compressed and planned here. One
        chunk at most is in flight, and chunks commit in input order, each with its cursor. (A
        reader thread for the rows was measured too: its Python work contends for the GIL and
        it made the load slower, not faster.)
        """
        if self.published:
            return self.state
        it = islice(iter(rows), self.state.rows_done, None)
        first = list(islice(it, TRAIN_SAMPLES))
        codec = self._ensure_codec([r.raw for r in first if r.raw and not r.deleted])
        committer_codec = RecordCodec(codec.zdict)  # a zstd compressor must not be shared by threads
        cursor, in_flight_keys = self.state.rows_done, frozenset[bytes]()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="serving-commit") as committer:
            in_flight: Future[LoadState] | None = None
            for rows_of_chunk in _chunks(chain(first, it)):
                chunk = self._prepare(rows_of_chunk, codec, cursor, in_flight_keys)
                if in_flight is not None:
                    self._settle(in_flight, progress)
                in_flight = committer.submit(self._commit_chunk, chunk, committer_codec)
                cursor, in_flight_keys = cursor + len(chunk.rows), chunk.hash_writes
            if in_flight is not None:
                self._settle(in_flight, progress)
        return self.state

    def _settle(self, done: Future[LoadState], progress: Callable[[LoadState], None] | None) -> None:
        self.state = done.result()
        if progress is not None:
            progress(self.state)

    def _prepare(
        self, rows: list[ServingRow], codec: RecordCodec, start: int, in_flight_keys: frozenset[bytes]
    ) -> _Chunk:
        """Plan a chunk from the hash entries committed so far (read without the write lock).

        Only this load writes hash entries while it is active, so the one chunk still in flight
        is all that can change them before this chunk commits: rows whose hash key it writes are
        checked again inside the transaction.
        """
        live = [row for row in rows if not row.deleted]
        hash_keys = [HOTEL_HASH.raw + element(row.hid) for row in live]
        seen = self.store.read(lambda tr: tr.get_many(hash_keys))
        plans = _plan(live, seen, codec, self.state.seq, _touched(self.state.load_id))
        recheck = [i for i, key in enumerate(hash_keys) if key in in_flight_keys]
        deleted_keys = [HOTEL_HASH.raw + element(row.hid) for row in rows if row.deleted]
        written = [key for key, plan in zip(hash_keys, plans, strict=True) if plan is not None]
        return _Chunk(start, rows, live, hash_keys, seen, plans, recheck, frozenset(written + deleted_keys))

    def _commit_chunk(self, chunk: _Chunk, codec: RecordCodec) -> LoadState:
        """One transaction: the chunk's writes, off-sale steps and cursor.

        Rows whose hash entry the chunk before may have changed are read again and planned again
        if it did, so the outcome is the same as writing chunk after chunk without a pipeline.
        """
        seq, touched = self.state.seq, _touched(self.state.load_id)

        def apply(tr: Transaction) -> LoadState:
            state = LoadState.from_json(tr.get(_state_key(self.state.load_id)) or self.state.to_json())
            if state.rows_done != chunk.start:
                raise RuntimeError(
                    f"load {state.load_id} is at row {state.rows_done:,}, not {chunk.start:,}: "
                    "another process is writing it too (run one load at a time)"
                )
            plans = _replan_stale(tr, chunk, codec, seq, touched)
            writes: list[KeyValue] = []
            live_plans = iter(plans)
            for row in chunk.rows:
                if row.deleted:
                    tr.set_many(writes)  # written before the off-sale step reads the hash entry back
                    writes = []
                    state.off_sale += _take_off_sale(tr, row.hid, seq, touched)
                elif (plan := next(live_plans)) is not None:
                    writes.extend(plan)
                    state.written += 1
                else:
                    state.unchanged += 1
            state.rows_done += len(chunk.rows)
            writes.append((_state_key(state.load_id), state.to_json()))
            tr.set_many(writes)
            return state

        state = self.store.run(apply)
        failpoint("serving.chunk_committed")
        return state

    def write_regions(self, regions: Iterable[dict[str, Any]]) -> int:
        """Store region records (region dump lines) under this load; returns how many were written."""
        if self.published:
            return 0
        seq, count = self.state.seq, 0
        it = iter(regions)
        while batch := list(islice(it, TX_MAX_ROWS)):

            def apply(tr: Transaction, batch: list[dict[str, Any]] = batch) -> None:
                for rec in batch:
                    value = orjson.dumps(rec)
                    newest = tr.get_range(*REGION.range(int(rec["id"])), limit=1, reverse=True)
                    if not newest or newest[0][1] != value:  # unchanged regions are not written again
                        tr.set(REGION.key(int(rec["id"]), seq), value)

            self.store.run(apply)
            count += len(batch)
        self.state.regions = count
        self.store.run(lambda tr: tr.set(_state_key(self.state.load_id), self.state.to_json()))
        return count

    def take_off_sale_missing(self, seen_hids: Iterable[int]) -> int:
        """Full loads: take off sale every hotel on sale that the full dump no longer lists.

        The dump's hids are held as one sorted int64 array (8 bytes a hotel) and the hotels on sale
        are read in bounded batches, so memory stays small for millions of hotels.
        """
        if self.published:
            return 0
        seen = np.unique(np.fromiter(seen_hids, dtype=np.int64))
        begin, end = HOTEL_HASH.range()
        missing: list[int] = []
        batch: list[int] = []
        for key, _ in self.store.iter_range(begin, end, batch=10_000):
            batch.append(HOTEL_HASH.unpack(key)[0])
            if len(batch) >= 10_000:
                missing.extend(_not_in(batch, seen))
                batch = []
        missing.extend(_not_in(batch, seen))
        del seen
        removed = 0
        for i in range(0, len(missing), TX_MAX_ROWS):
            part = missing[i : i + TX_MAX_ROWS]

            def apply(tr: Transaction, part: list[int] = part) -> LoadState:
                state = LoadState.from_json(tr.get(_state_key(self.state.load_id)) or self.state.to_json())
                for hid in part:
                    state.off_sale += _take_off_sale(tr, hid, state.seq, _touched(state.load_id))
                tr.set(_state_key(state.load_id), state.to_json())
                return state

            before = self.state.off_sale
            self.state = self.store.run(apply)
            removed += self.state.off_sale - before
        return removed

    def publish(self) -> LoadState:
        """Flip the pointer to this load: everything it wrote becomes visible at once."""

        def flip(tr: Transaction) -> LoadState:
            state = LoadState.from_json(tr.get(_state_key(self.state.load_id)) or self.state.to_json())
            if state.status == "published":
                return state
            current = _pointer(tr)
            if current is not None and current.seq > state.seq:
                raise StaleLoad(
                    f"load {state.load_id} (seq {state.seq}) started before the published load "
                    f"{current.load_id} (seq {current.seq}); start it again as a new load"
                )
            if current is not None and _dump_version(current.dump_date, current.kind) > _dump_version(
                state.dump_date, state.kind
            ):
                raise StaleLoad(
                    f"load {state.load_id} applies a dump older than the published {current.load_id}; "
                    f"publishing it would bring back older content"
                )
            state.status, state.published_at = "published", _now()
            pointer = LoadPointer(state.seq, state.load_id, state.kind, state.published_at, state.dump_date)
            tr.set(POINTER_KEY, orjson.dumps(asdict(pointer)))
            if tr.get(ACTIVE_KEY) == state.load_id.encode():
                tr.clear(ACTIVE_KEY)
            if state.kind == "full":
                tr.set(LAST_FULL_KEY, orjson.dumps(asdict(pointer)))
            tr.set(_state_key(state.load_id), state.to_json())
            return state

        self.state = self.store.run(flip)
        return self.state

    def compact(self) -> int:
        """After publishing: drop the versions this load superseded (records and index entries).

        Only the hids the load wrote or took off sale are visited; bounded transactions, each
        removing its progress marks, so an interrupted compaction resumes. Returns the hids done.
        """
        if not self.published:
            raise RuntimeError(f"load {self.state.load_id} is not published: nothing may be compacted yet")
        touched, seq, done = _touched(self.state.load_id), self.state.seq, 0
        begin, end = touched.range()

        def step(tr: Transaction) -> int:
            rows = tr.get_range(begin, end, limit=COMPACT_BATCH)
            for key, value in rows:
                hid = touched.unpack(key)[0]
                old_region, old_lat, old_lon, new_region, new_lat, new_lon = fdb.tuple.unpack(value)
                _prune(tr, HOTEL, (hid,), seq)
                for region in {old_region, new_region} - {None}:
                    _prune(tr, IDX_REGION, (region, hid), seq)
                for cell in {(old_lat, old_lon), (new_lat, new_lon)} - {(None, None)}:
                    _prune(tr, IDX_GEO, (*cell, hid), seq)
                tr.clear(key)
            return len(rows)

        while n := self.store.run(step):
            done += n
        return done


def _not_in(hids: list[int], sorted_seen: np.ndarray) -> list[int]:
    if not hids:
        return []
    arr = np.asarray(hids, dtype=np.int64)
    pos = np.searchsorted(sorted_seen, arr).clip(0, max(len(sorted_seen) - 1, 0))
    present = sorted_seen[pos] == arr if len(sorted_seen) else np.zeros(len(arr), dtype=bool)
    return arr[~present].tolist()


_HashEntry = tuple[bytes, int | None, int | None, int | None]


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Rows of one transaction (input rows `start` onwards), planned from the hash entries `seen`.

    `plans[i]` holds the writes of `live[i]` (the rows that are not deletions), or None when its
    content hash is unchanged and it is skipped. `recheck` indexes the live rows whose hash entry
    the chunk before may change; `hash_writes` are the hash keys this chunk writes or clears.
    """

    start: int
    rows: list[ServingRow]
    live: list[ServingRow]
    hash_keys: list[bytes]
    seen: list[bytes | None]
    plans: list[list[KeyValue] | None]
    recheck: list[int]
    hash_writes: frozenset[bytes]


def _replan_stale(
    tr: Transaction, chunk: _Chunk, codec: RecordCodec, seq: int, touched: Subspace
) -> list[list[KeyValue] | None]:
    """The chunk's plans, redone for the rows whose hash entry changed since it was planned."""
    plans = list(chunk.plans)
    now = tr.get_many([chunk.hash_keys[i] for i in chunk.recheck])
    stale = [(i, raw) for i, raw in zip(chunk.recheck, now, strict=True) if raw != chunk.seen[i]]
    if stale:
        redone = _plan([chunk.live[i] for i, _ in stale], [raw for _, raw in stale], codec, seq, touched)
        for (i, _), plan in zip(stale, redone, strict=True):
            plans[i] = plan
    return plans


def _chunks(rows: Iterable[ServingRow]) -> Iterator[list[ServingRow]]:
    """Rows in transaction-sized lists: at most TX_MAX_ROWS rows and about TX_MAX_BYTES compressed."""
    chunk: list[ServingRow] = []
    size = 0
    for row in rows:
        chunk.append(row)
        size += len(row.raw) // 3  # a compressed record is a third of its line or less
        if len(chunk) >= TX_MAX_ROWS or size >= TX_MAX_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _plan(
    rows: list[ServingRow], raws: list[bytes | None], codec: RecordCodec, seq: int, touched: Subspace
) -> list[list[KeyValue] | None]:
    """The writes of each row given its stored hash entry (raw), or None if its content is unchanged."""
    olds = [_hash_entry(raw) for raw in raws]
    changed = [i for i, row in enumerate(rows) if _differs(olds[i], row.content_hash)]
    blobs = codec.compress_many([rows[i].raw for i in changed])
    plans: list[list[KeyValue] | None] = [None] * len(rows)
    for i, blob in zip(changed, blobs, strict=True):
        plans[i] = _row_writes(rows[i], olds[i], blob, seq, touched)
    return plans


def _differs(old: _HashEntry | None, content_hash: bytes) -> bool:
    return old is None or old[0] != content_hash


def _hash_entry(raw: bytes | None) -> _HashEntry | None:
    if raw is None:
        return None
    h, region_id, lat_i, lon_i = fdb.tuple.unpack(raw)
    return h, region_id, lat_i, lon_i


def _row_writes(
    row: ServingRow, old: _HashEntry | None, blob: bytes, seq: int, touched: Subspace
) -> list[KeyValue]:
    """The (key, value) pairs of a hotel's new version: record, index entries moved if its region
    or geo cell changed, hash entry and compaction mark.

    Keys and tuple values are joined from element encodings (a top-level tuple's encoding is its
    elements' joined), each element encoded once per row.
    """
    if len(blob) > MAX_VALUE_BYTES:
        raise ValueError(f"hotel {row.hid}: compressed record of {len(blob):,} bytes exceeds the store limit")
    hid = element(row.hid)
    hid_seq = hid + element(seq)
    writes = [(HOTEL.raw + hid_seq, blob)]
    lat_i = lon_i = None
    if row.latitude is not None and row.longitude is not None:
        lat_i, lon_i = geo_cell(row.latitude, row.longitude)
    region, cell = element(row.region_id), element(lat_i) + element(lon_i)
    if old is not None:
        _, old_region, old_lat, old_lon = old
        if old_region is not None and old_region != row.region_id:
            writes.append((IDX_REGION.raw + element(old_region) + hid_seq, _GONE))
        if old_lat is not None and (old_lat, old_lon) != (lat_i, lon_i):
            writes.append((IDX_GEO.raw + element(old_lat) + element(old_lon) + hid_seq, _GONE))
    if row.region_id is not None:
        writes.append((IDX_REGION.raw + region + hid_seq, _LIVE))
    if lat_i is not None:
        writes.append((IDX_GEO.raw + cell + hid_seq, _POS.pack(row.latitude, row.longitude)))
    writes.append((HOTEL_HASH.raw + hid, element(row.content_hash) + region + cell))
    if old is not None:  # a new hotel supersedes nothing: no compaction work for it
        writes.append((touched.raw + hid, tpack(old[1:]) + region + cell))
    return writes


def _take_off_sale(tr: Transaction, hid: int, seq: int, touched: Subspace) -> int:
    old = _hash_entry(tr.get(HOTEL_HASH.key(hid)))
    if old is None:
        return 0  # never on sale, or already off sale
    _, region_id, lat_i, lon_i = old
    tr.set(HOTEL.key(hid, seq), _GONE)
    if region_id is not None:
        tr.set(IDX_REGION.key(region_id, hid, seq), _GONE)
    if lat_i is not None:
        tr.set(IDX_GEO.key(lat_i, lon_i, hid, seq), _GONE)
    tr.clear(HOTEL_HASH.key(hid))
    tr.set(touched.key(hid), fdb.tuple.pack((region_id, lat_i, lon_i, None, None, None)))
    return 1


def _touched(load_id: str) -> Subspace:
    """Hids a load wrote or took off sale, with their old and new places (for `compact`)."""
    return CATALOG.sub("load", load_id, "touched")


def _prune(tr: Transaction, space: Subspace, items: tuple[Any, ...], seq: int) -> None:
    """Drop the versions of `items` that no reader of load `seq` or later can see.

    Keeps every version newer than `seq` and the newest one at or below it, unless that one is a
    removal marker with nothing newer (then nothing is left: the key simply does not exist).
    """
    rows = tr.get_range(*space.range(*items))
    visible = [(k, v) for k, v in rows if space.unpack(k)[-1] <= seq]
    if not visible:
        return
    newer = len(rows) > len(visible)
    stale = visible[:-1] if (visible[-1][1] or newer) else visible
    for key, _ in stale:
        tr.clear(key)


# -- reading --------------------------------------------------------------------------------------
def _visible_version(tr: Transaction, space: Subspace, items: tuple[Any, ...], seq: int) -> bytes | None:
    """The newest value of `items` written by a load with seq <= `seq`."""
    begin = space.key(*items)
    rows = tr.get_range(begin, space.key(*items, seq + 1), limit=1, reverse=True)
    return rows[0][1] if rows else None


def _decode_hotel(tr: Transaction, hid: int, seq: int) -> Hotel | None:
    blob = _visible_version(tr, HOTEL, (hid,), seq)
    if not blob:
        return None
    return Hotel.from_record(orjson.loads(_decoder.decompress(tr, blob)))


def get_hotel(store: Store | Transaction, hid: int) -> Hotel | None:
    """The hotel `hid` as currently on sale, or None (unknown, deleted, or not yet published)."""

    def read(tr: Transaction) -> Hotel | None:
        pointer = _pointer(tr)
        return None if pointer is None else _decode_hotel(tr, hid, pointer.seq)

    return read(store) if isinstance(store, Transaction) else store.read(read)


def get_hotels(store: Store, hids: Iterable[int]) -> dict[int, Hotel]:
    """Several hotels read in one transaction; hids not on sale are absent from the answer."""
    wanted = list(dict.fromkeys(hids))

    def read(tr: Transaction) -> dict[int, Hotel]:
        pointer = _pointer(tr)
        if pointer is None:
            return {}
        found = {}
        for hid in wanted:
            hotel = _decode_hotel(tr, hid, pointer.seq)
            if hotel is not None:
                found[hid] = hotel
        return found

    return store.read(read)


def get_raw_hotels(store: Store, hids: Iterable[int]) -> dict[int, bytes]:
    """The stored dump lines (exact bytes RateHawk sent) of the hids on sale, in one transaction."""
    wanted = list(dict.fromkeys(hids))

    def read(tr: Transaction) -> dict[int, bytes]:
        pointer = _pointer(tr)
        if pointer is None:
            return {}
        found = {}
        for hid in wanted:
            blob = _visible_version(tr, HOTEL, (hid,), pointer.seq)
            if blob:
                found[hid] = _decoder.decompress(tr, blob)
        return found

    return store.read(read)


def hids_on_sale(store: Store) -> Iterator[int]:
    """The hid of every hotel on sale (the newest load's content hashes), in hid order, streamed."""
    begin, end = HOTEL_HASH.range()
    for key, _ in store.iter_range(begin, end, batch=10_000):
        yield HOTEL_HASH.unpack(key)[0]


def get_region(store: Store, region_id: int) -> Region | None:
    """A region of the published region dump, or None."""

    def read(tr: Transaction) -> Region | None:
        pointer = _pointer(tr)
        raw = None if pointer is None else _visible_version(tr, REGION, (region_id,), pointer.seq)
        return Region.from_record(orjson.loads(raw)) if raw else None

    return store.read(read)


def _latest_per_hid(rows: Iterable[tuple[tuple[Any, ...], bytes]], seq: int) -> Iterator[tuple[int, bytes]]:
    """From index entries sorted by (..., hid, entry seq), the visible value for each hid."""
    last_hid: int | None = None
    last_value: bytes | None = None
    for (hid, entry_seq), value in rows:
        if entry_seq > seq:
            continue
        if hid != last_hid:
            if last_hid is not None and last_value:
                yield last_hid, last_value
            last_hid = hid
        last_value = value
    if last_hid is not None and last_value:
        yield last_hid, last_value


def hotels_in_region(
    store: Store, region_id: int, limit: int | None = None, after_hid: int | None = None
) -> list[int]:
    """Hids on sale in a region (the hotel's own `region.id`), ascending; page with `after_hid`."""

    def read(tr: Transaction) -> list[int]:
        pointer = _pointer(tr)
        if pointer is None:
            return []
        begin = IDX_REGION.key(region_id) if after_hid is None else IDX_REGION.key(region_id, after_hid + 1)
        end = IDX_REGION.range(region_id)[1]
        prefix = len(IDX_REGION.key(region_id))
        rows = ((fdb.tuple.unpack(k[prefix:]), v) for k, v in tr.get_range(begin, end))
        out = []
        for hid, _ in _latest_per_hid(rows, pointer.seq):
            out.append(hid)
            if limit is not None and len(out) >= limit:
                break
        return out

    return store.read(read)


def _lon_ranges(lo: int, hi: int) -> list[tuple[int, int]]:
    """Inclusive lon-cell ranges covering lo..hi, split where they cross the antimeridian."""
    if hi - lo + 1 >= _LON_CELLS:
        return [(0, _LON_CELLS - 1)]
    if lo < 0:
        return [(lo + _LON_CELLS, _LON_CELLS - 1), (0, hi)]
    if hi >= _LON_CELLS:
        return [(lo, _LON_CELLS - 1), (0, hi - _LON_CELLS)]
    return [(lo, hi)]


def hotels_near(
    store: Store, latitude: float, longitude: float, radius_km: float, limit: int | None = None
) -> list[NearbyHotel]:
    """Hotels on sale within `radius_km` of a point, nearest first (geo-cell index, exact distance)."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ValueError("latitude must be within -90..90 and longitude within -180..180")
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise ValueError(f"radius_km must be in (0, {MAX_RADIUS_KM:g}]")
    dlat = radius_km / 110.574
    cos_lat = max(math.cos(math.radians(min(89.9, abs(latitude) + dlat))), 1e-6)
    dlon = min(180.0, radius_km / (111.320 * cos_lat))
    lat_lo, lon_lo = geo_cell(max(-90.0, latitude - dlat), longitude - dlon)
    lat_hi, lon_hi = geo_cell(min(90.0, latitude + dlat), longitude + dlon)

    def read(tr: Transaction) -> list[NearbyHotel]:
        pointer = _pointer(tr)
        if pointer is None:
            return []
        hits = []
        for lat_i in range(lat_lo, lat_hi + 1):
            for lo, hi in _lon_ranges(lon_lo, lon_hi):
                begin = IDX_GEO.key(lat_i, lo)
                end = IDX_GEO.range(lat_i, hi)[1]
                rows = tr.get_range(begin, end)
                per_cell: dict[int, list[tuple[tuple[Any, ...], bytes]]] = {}
                for k, v in rows:
                    _, lon_i, hid, entry_seq = IDX_GEO.unpack(k)
                    per_cell.setdefault(lon_i, []).append(((hid, entry_seq), v))
                for cell_rows in per_cell.values():
                    for hid, value in _latest_per_hid(cell_rows, pointer.seq):
                        lat, lon = _POS.unpack(value)
                        d = distance_km(latitude, longitude, lat, lon)
                        if d <= radius_km:
                            hits.append(NearbyHotel(hid, lat, lon, d))
        hits.sort(key=lambda h: (h.distance_km, h.hid))
        return hits if limit is None else hits[:limit]

    return store.read(read)
