"""A fast FoundationDB tuple packer for the few element types catalog writes use (ints, None, bytes).

`fdb.tuple.pack` is pure Python and general; writing a hotel packs five tuples, which made tuple
encoding the largest single cost of the serving load. `pack` here gives the same bytes for ints
below 2**64 - 1 in magnitude, None and bytes (checked against `fdb.tuple.pack` in the tests) and hands any other
tuple to `fdb.tuple.pack`.
"""

from __future__ import annotations

from typing import Any

import fdb.tuple

_INT_ZERO = 0x14
_LIMITS = [(1 << (i * 8)) - 1 for i in range(9)]  # largest magnitude in i bytes
_POSITIVE_HEADERS = [bytes((_INT_ZERO + n,)) for n in range(9)]


def _length(magnitude: int) -> int:
    return (magnitude.bit_length() + 7) // 8


def _element(value: Any) -> bytes | None:
    t = type(value)
    if t is int:
        if 0 < value < _LIMITS[8]:  # ids, sequence numbers and cells: the hot case
            n = (value.bit_length() + 7) >> 3
            return _POSITIVE_HEADERS[n] + value.to_bytes(n, "big")
        if value == 0:
            return b"\x14"
        if -_LIMITS[8] < value < 0:
            n = _length(-value)
            return bytes((_INT_ZERO - n,)) + (_LIMITS[n] + value).to_bytes(n, "big")
        return None
    if value is None:
        return b"\x00"
    if t is bytes:
        return b"\x01" + value.replace(b"\x00", b"\x00\xff") + b"\x00"
    return None


def element(value: Any) -> bytes:
    """One element's tuple encoding; a top-level tuple's encoding is its elements' joined.

    Hot keys are built from these (e.g. a hid's encoding reused for its five keys) to skip
    packing the same numbers again and again.
    """
    part = _element(value)
    return fdb.tuple.pack((value,)) if part is None else part


def pack(items: tuple[Any, ...]) -> bytes:
    """`fdb.tuple.pack(items)`, faster for tuples of ints, None and bytes."""
    parts = []
    for value in items:
        part = _element(value)
        if part is None:
            return fdb.tuple.pack(items)
        parts.append(part)
    return b"".join(parts)


def key(prefix: bytes, *items: Any) -> bytes:
    """`Subspace.key(*items)` of the subspace whose raw prefix is `prefix`."""
    return prefix + pack(items)
