"""The transactional-store port (FoundationDB's model) and its backends."""

from __future__ import annotations

import fdb.tuple

from core.config import Settings, get_settings
from core.kv.errors import (
    LimitExceeded,
    ReadOnlyTransaction,
    RetryableConflict,
    RetryLimitExceeded,
    StoreError,
    StoreUnavailable,
)
from core.kv.port import Store, Transaction, decode_counter, encode_counter, strinc, transactional

__all__ = [
    "LimitExceeded",
    "ReadOnlyTransaction",
    "RetryLimitExceeded",
    "RetryableConflict",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Transaction",
    "decode_counter",
    "encode_counter",
    "open_store",
    "strinc",
    "transactional",
]


def open_store(settings: Settings | None = None) -> Store:
    """Open the deployment's directory on FoundationDB if configured, else on the SQLite file."""
    settings = settings or get_settings()
    prefix = fdb.tuple.pack((settings.deployment,))
    if settings.fdb_cluster_file is not None:
        from core.kv.fdb_backend import FdbStore

        return FdbStore(settings.fdb_cluster_file, prefix)
    from core.kv.sqlite_backend import SqliteStore

    return SqliteStore(settings.store_path, prefix)
