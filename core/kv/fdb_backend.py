"""The production backend: a FoundationDB cluster through the official bindings.

Used when `FDB_CLUSTER_FILE` is set. The bindings need `libfdb_c`; the error when it is missing
says so in one line. FoundationDB's own retry loop (`on_error`) decides what is retryable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from core.kv.errors import RetryableConflict, RetryLimitExceeded, StoreUnavailable
from core.kv.port import KeyValue, Store, Transaction, encode_counter

R = TypeVar("R")

API_VERSION = 730
CONNECT_TIMEOUT_S = 5.0


class FdbTransaction(Transaction):
    def __init__(self, tr: Any, prefix: bytes) -> None:
        super().__init__(prefix)
        self._tr = tr

    def _get(self, key: bytes) -> bytes | None:
        value = self._tr.get(key)
        return bytes(value) if value.present() else None

    def _get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        # Issue every read before waiting on any: they run concurrently in the client.
        futures = [self._tr.get(key) for key in keys]
        return [bytes(value) if value.present() else None for value in futures]

    def _set(self, key: bytes, value: bytes) -> None:
        self._tr.set(key, value)

    def _clear(self, key: bytes) -> None:
        self._tr.clear(key)

    def _clear_range(self, begin: bytes, end: bytes) -> None:
        self._tr.clear_range(begin, end)

    def _get_range(self, begin: bytes, end: bytes, limit: int, reverse: bool) -> list[KeyValue]:
        return [(bytes(kv.key), bytes(kv.value)) for kv in self._tr.get_range(begin, end, limit, reverse)]

    def _add(self, key: bytes, delta: int) -> None:
        self._tr.add(key, encode_counter(delta))


class FdbStore(Store):
    def __init__(
        self, cluster_file: Path, prefix: bytes, connect_timeout_s: float = CONNECT_TIMEOUT_S
    ) -> None:
        if not cluster_file.is_file():
            raise StoreUnavailable(f"FDB_CLUSTER_FILE {cluster_file} does not exist")
        try:
            import fdb

            fdb.api_version(API_VERSION)
            self._db = fdb.open(str(cluster_file))
        except Exception as exc:  # the bindings raise bare Exception when libfdb_c is missing
            raise StoreUnavailable(f"cannot open FoundationDB ({cluster_file}): {exc}") from None
        self._fdb = fdb
        self.prefix = prefix
        self._check_reachable(cluster_file, connect_timeout_s)

    def _check_reachable(self, cluster_file: Path, timeout_s: float) -> None:
        """Fail at once with the cluster file's name when no cluster answers (the client would wait forever)."""
        tr = self._db.create_transaction()
        tr.options.set_timeout(int(timeout_s * 1000))
        try:
            tr.get_read_version().wait()
        except self._fdb.FDBError as exc:
            raise StoreUnavailable(
                f"no FoundationDB cluster answered within {timeout_s:g} s at {cluster_file}: {exc}"
            ) from None

    def run(self, fn: Callable[[Transaction], R]) -> R:
        tr = self._db.create_transaction()
        for _attempt in range(self.max_retries):
            try:
                result = fn(FdbTransaction(tr, self.prefix))
                tr.commit().wait()
                return result
            except RetryableConflict:
                tr.reset()
            except self._fdb.FDBError as exc:
                tr.on_error(exc).wait()
        raise RetryLimitExceeded(f"transaction gave up after {self.max_retries} attempts")

    def read(self, fn: Callable[[Transaction], R]) -> R:
        tr = self._db.create_transaction()
        for _attempt in range(self.max_retries):
            try:
                wrapped = FdbTransaction(tr, self.prefix)
                wrapped.read_only = True
                return fn(wrapped)  # nothing to commit: reads are checked at their read version
            except self._fdb.FDBError as exc:
                tr.on_error(exc).wait()
        raise RetryLimitExceeded(f"read transaction gave up after {self.max_retries} attempts")
