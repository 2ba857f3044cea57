"""The embedded transactional store: one ordered (key BLOB, value BLOB) table in a SQLite file.

SQLite compares BLOBs with memcmp, which is FoundationDB's key order, so tuple-encoded keys sort
the same in both backends. Every transaction starts with `BEGIN IMMEDIATE`, taking the database's
single write lock up front: transactions are serializable across threads and processes, and a
read-modify-write never loses an update. WAL mode lets readers of other connections go on meanwhile.
Each thread (and each process after a fork) gets its own connection.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from core.kv.errors import RetryableConflict, RetryLimitExceeded, StoreUnavailable
from core.kv.port import KeyValue, Store, Transaction, decode_counter, encode_counter

R = TypeVar("R")

# Keys per `IN (...)` read, and the most pairs per multi-row INSERT (fewer when the SQLite build
# allows fewer bound parameters: 999 before 3.32). One statement per batch is one GIL-free
# sqlite3_step; executemany takes the GIL back after every row and stalls behind any busy thread.
GET_MANY_BATCH = 500
SET_MANY_BATCH = 4_000
_SCHEMA = "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"


class SqliteTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection, prefix: bytes) -> None:
        super().__init__(prefix)
        self._conn = conn
        self._set_batch = min(SET_MANY_BATCH, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 2)

    def _get(self, key: bytes) -> bytes | None:
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def _get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        found: dict[bytes, bytes] = {}
        for i in range(0, len(keys), GET_MANY_BATCH):
            part = keys[i : i + GET_MANY_BATCH]
            sql = f"SELECT key, value FROM kv WHERE key IN ({','.join('?' * len(part))})"
            found.update((bytes(k), bytes(v)) for k, v in self._conn.execute(sql, part))
        return [found.get(key) for key in keys]

    def _set(self, key: bytes, value: bytes) -> None:
        self._conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def _set_many(self, items: Sequence[KeyValue]) -> None:
        # Rows of one INSERT go in in order, so the last of a repeated key wins, as with `set`.
        for i in range(0, len(items), self._set_batch):
            part = items[i : i + self._set_batch]
            sql = f"INSERT OR REPLACE INTO kv (key, value) VALUES {','.join(['(?, ?)'] * len(part))}"
            self._conn.execute(sql, [x for pair in part for x in pair])

    def _clear(self, key: bytes) -> None:
        self._conn.execute("DELETE FROM kv WHERE key = ?", (key,))

    def _clear_range(self, begin: bytes, end: bytes) -> None:
        self._conn.execute("DELETE FROM kv WHERE key >= ? AND key < ?", (begin, end))

    def _get_range(self, begin: bytes, end: bytes, limit: int, reverse: bool) -> list[KeyValue]:
        order = "DESC" if reverse else "ASC"
        sql = f"SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key {order}"
        params: tuple[object, ...] = (begin, end)
        if limit > 0:
            sql += " LIMIT ?"
            params += (limit,)
        return [(bytes(k), bytes(v)) for k, v in self._conn.execute(sql, params)]

    def _add(self, key: bytes, delta: int) -> None:
        self._set(key, encode_counter(decode_counter(self._get(key)) + delta))


class SqliteStore(Store):
    """The embedded default backend of the transactional-store port."""

    def __init__(self, path: Path, prefix: bytes, busy_timeout_s: float = 60.0) -> None:
        self.path = path
        self.prefix = prefix
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection()  # fail now, with a clear message, if the file is unusable

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot open the store at {self.path}: {exc}") from None
        self._local.conn, self._local.pid = conn, os.getpid()
        with self._lock:
            self._all.append(conn)
        return conn

    def run(self, fn: Callable[[Transaction], R]) -> R:
        conn = self._connection()
        delay = 0.001
        for _attempt in range(self.max_retries):
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreUnavailable(f"store {self.path}: {exc}") from None
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 0.5)
                continue
            try:
                result = fn(SqliteTransaction(conn, self.prefix))
                conn.execute("COMMIT")
                return result
            except RetryableConflict:
                conn.execute("ROLLBACK")
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 0.5)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        raise RetryLimitExceeded(f"transaction gave up after {self.max_retries} attempts")

    def read(self, fn: Callable[[Transaction], R]) -> R:
        # A deferred transaction in WAL mode reads one snapshot and never takes the write lock.
        conn = self._connection()
        conn.execute("BEGIN DEFERRED")
        try:
            tr = SqliteTransaction(conn, self.prefix)
            tr.read_only = True
            return fn(tr)
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()
