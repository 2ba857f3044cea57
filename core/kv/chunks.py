"""Values larger than FoundationDB's 100 KB value limit, stored as numbered chunks.

A value stored under `key` lives at `key + pack((i,))` for i = 0..n-1; writing clears the old
chunks first, so a shorter value never leaves a stale tail.
"""

from __future__ import annotations

import fdb.tuple

from core.kv.limits import MAX_VALUE_BYTES
from core.kv.port import Transaction, strinc

CHUNK_BYTES = MAX_VALUE_BYTES


def set_chunked(tr: Transaction, key: bytes, value: bytes) -> int:
    """Store `value` under `key` in chunks; returns the number of chunks."""
    tr.clear_range(key, strinc(key))
    count = max(1, -(-len(value) // CHUNK_BYTES))
    for i in range(count):
        tr.set(key + fdb.tuple.pack((i,)), value[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES])
    return count


def get_chunked(tr: Transaction, key: bytes) -> bytes | None:
    rows = tr.get_range(key, strinc(key))
    if not rows:
        return None
    return b"".join(value for _, value in rows)


def clear_chunked(tr: Transaction, key: bytes) -> None:
    tr.clear_range(key, strinc(key))
