"""FoundationDB's documented limits, enforced by the port in every backend.

See FoundationDB's "known limitations": keys up to 10,000 bytes, values up to 100,000 bytes, and
10,000,000 bytes of keys and values written in one transaction.
"""

from __future__ import annotations

from core.kv.errors import LimitExceeded

MAX_KEY_BYTES = 10_000
MAX_VALUE_BYTES = 100_000
MAX_TRANSACTION_BYTES = 10_000_000


def check_key(key: bytes) -> None:
    if len(key) > MAX_KEY_BYTES:
        raise LimitExceeded(f"key is {len(key):,} bytes; the limit is {MAX_KEY_BYTES:,}")


def check_value(key: bytes, value: bytes) -> None:
    if len(value) > MAX_VALUE_BYTES:
        raise LimitExceeded(
            f"value of {key!r:.60} is {len(value):,} bytes; the limit is {MAX_VALUE_BYTES:,} "
            "(use core.kv.chunks.set_chunked for large values)"
        )


def check_transaction(size: int) -> None:
    if size > MAX_TRANSACTION_BYTES:
        raise LimitExceeded(
            f"transaction writes {size:,} bytes; the limit is {MAX_TRANSACTION_BYTES:,} "
            "(split the work into smaller transactions)"
        )
