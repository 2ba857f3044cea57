"""The transactional-store port: an ordered key-value store with serializable transactions.

Modelled on FoundationDB's API so the same code runs on FoundationDB and on the embedded SQLite
backend. Callers pass keys *relative to the deployment's directory*; the transaction adds the
directory prefix, so the bytes on disk are identical in both backends (tuple-encoded with
`fdb.tuple`) and one cluster can host several deployments.

A function that takes a transaction as its first argument and is decorated with `transactional`
can be called with a store (it runs in its own transaction, retried on conflicts) or with an open
transaction (it joins it), so small functions compose into one atomic unit.
"""

from __future__ import annotations

import functools
import struct
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Concatenate, ParamSpec, TypeVar

from core.kv.errors import ReadOnlyTransaction
from core.kv.limits import MAX_KEY_BYTES, MAX_VALUE_BYTES, check_key, check_transaction, check_value

P = ParamSpec("P")
R = TypeVar("R")

KeyValue = tuple[bytes, bytes]


def encode_counter(value: int) -> bytes:
    """Counters are 8-byte little-endian signed integers, as FoundationDB's atomic add uses."""
    return struct.pack("<q", value)


def decode_counter(raw: bytes | None) -> int:
    if raw is None:
        return 0
    return int.from_bytes(raw.ljust(8, b"\x00")[:8], "little", signed=True)


class Transaction(ABC):
    """One serializable transaction. Keys are relative to the deployment prefix."""

    def __init__(self, prefix: bytes) -> None:
        self._prefix = prefix
        self._written = 0

    # Backends implement the raw operations on absolute keys.
    @abstractmethod
    def _get(self, key: bytes) -> bytes | None: ...

    def _get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """Backends override this to read many keys in fewer round trips."""
        return [self._get(key) for key in keys]

    @abstractmethod
    def _set(self, key: bytes, value: bytes) -> None: ...

    def _set_many(self, items: Sequence[KeyValue]) -> None:
        """Backends override this to write many pairs at once (the last of a repeated key wins)."""
        for key, value in items:
            self._set(key, value)

    @abstractmethod
    def _clear(self, key: bytes) -> None: ...

    @abstractmethod
    def _clear_range(self, begin: bytes, end: bytes) -> None: ...

    @abstractmethod
    def _get_range(self, begin: bytes, end: bytes, limit: int, reverse: bool) -> list[KeyValue]: ...

    @abstractmethod
    def _add(self, key: bytes, delta: int) -> None: ...

    read_only = False

    def _count(self, nbytes: int) -> None:
        if self.read_only:
            raise ReadOnlyTransaction("cannot write inside a read-only transaction (use Store.run)")
        self._written += nbytes
        check_transaction(self._written)

    def get(self, key: bytes) -> bytes | None:
        """The value at `key`, or None."""
        check_key(key)
        return self._get(self._prefix + key)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """The values at `keys` (None where missing), in the order asked: one batched read."""
        for key in keys:
            check_key(key)
        prefix = self._prefix
        return self._get_many([prefix + key for key in keys])

    def set(self, key: bytes, value: bytes) -> None:
        check_key(key)
        check_value(key, value)
        self._count(len(key) + len(value))
        self._set(self._prefix + key, value)

    def set_many(self, items: Sequence[KeyValue]) -> None:
        """`set` every (key, value) pair in order, in one batched write; the same limits apply.

        Every pair is checked before anything is written, so a pair over a limit writes none.
        """
        size = 0
        for key, value in items:
            if len(key) > MAX_KEY_BYTES or len(value) > MAX_VALUE_BYTES:  # one test per pair: hot path
                check_key(key)
                check_value(key, value)
            size += len(key) + len(value)
        self._count(size)
        prefix = self._prefix
        self._set_many([(prefix + key, value) for key, value in items])

    def clear(self, key: bytes) -> None:
        check_key(key)
        self._count(len(key))
        self._clear(self._prefix + key)

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Remove every key in [begin, end)."""
        self._count(len(begin) + len(end))
        self._clear_range(self._prefix + begin, self._prefix + end)

    def get_range(self, begin: bytes, end: bytes, limit: int = 0, reverse: bool = False) -> list[KeyValue]:
        """Key-value pairs with begin <= key < end in key order (descending if `reverse`).

        `limit` 0 means no limit. Keys come back relative to the deployment prefix.
        """
        cut = len(self._prefix)
        rows = self._get_range(self._prefix + begin, self._prefix + end, limit, reverse)
        return [(k[cut:], v) for k, v in rows]

    def add(self, key: bytes, delta: int) -> None:
        """Atomically add `delta` to the little-endian counter at `key` (missing counts as 0)."""
        check_key(key)
        self._count(len(key) + 8)
        self._add(self._prefix + key, delta)


class Store(ABC):
    """A handle on one deployment's directory in a transactional store."""

    max_retries: int = 50

    @abstractmethod
    def run(self, fn: Callable[[Transaction], R]) -> R:
        """Run `fn` in a serializable transaction, retrying it on conflicts (bounded)."""

    @abstractmethod
    def read(self, fn: Callable[[Transaction], R]) -> R:
        """Run `fn` in a read-only transaction: a consistent snapshot that never waits for writers.

        Writing inside it raises `ReadOnlyTransaction`. On the embedded backend this is what lets
        many readers go on while a catalog load or a booking holds the write lock.
        """

    def iter_range(self, begin: bytes, end: bytes, batch: int = 1000) -> Iterator[KeyValue]:
        """Read a large range in bounded transactions (each well inside the 5-second limit)."""
        cursor = begin

        def page(tr: Transaction) -> list[KeyValue]:
            return tr.get_range(cursor, end, limit=batch)

        while True:
            rows = self.read(page)
            yield from rows
            if len(rows) < batch:
                return
            cursor = rows[-1][0] + b"\x00"

    def close(self) -> None:  # noqa: B027 - backends without resources need not override it
        """Release the backend's resources."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def transactional(
    fn: Callable[Concatenate[Transaction, P], R],
) -> Callable[Concatenate[Transaction | Store, P], R]:
    """Let `fn(tr, ...)` be called with a Store (own transaction) or a Transaction (joins it)."""

    @functools.wraps(fn)
    def wrapper(db_or_tr: Transaction | Store, *args: P.args, **kwargs: P.kwargs) -> R:
        if isinstance(db_or_tr, Transaction):
            return fn(db_or_tr, *args, **kwargs)
        return db_or_tr.run(lambda tr: fn(tr, *args, **kwargs))

    return wrapper


def strinc(key: bytes) -> bytes:
    """The first key after every key that starts with `key` (FoundationDB's strinc)."""
    stripped = key.rstrip(b"\xff")
    if not stripped:
        raise ValueError("key must contain a byte other than 0xff")
    return stripped[:-1] + bytes([stripped[-1] + 1])
