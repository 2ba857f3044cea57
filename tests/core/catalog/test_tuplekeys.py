"""The fast tuple packer gives exactly FoundationDB's tuple encoding."""

from __future__ import annotations

import random

import fdb.tuple

from core.catalog.tuplekeys import element, key, pack
from core.kv.keys import HOTEL


def test_pack_matches_fdb_tuple_encoding() -> None:
    rng = random.Random(1)
    edges = [0, 1, -1, 255, 256, -255, -256, 2**63 - 1, -(2**63), 2**64 - 1, -(2**64 - 1), 2**64, -(2**64)]
    values = edges + [rng.randint(-(2**40), 2**40) for _ in range(2000)] + [None, b"", b"a\x00b", b"\x00\xff"]
    values += [rng.randbytes(16) for _ in range(200)]
    for _ in range(3000):
        items = tuple(rng.choice(values) for _ in range(rng.randint(0, 5)))
        assert pack(items) == fdb.tuple.pack(items), items
    assert pack(("text", 1.5)) == fdb.tuple.pack(("text", 1.5))  # other types: fdb's own packer
    assert key(HOTEL.raw, 8473727, 3) == HOTEL.key(8473727, 3)


def test_joined_elements_are_the_tuple_encoding() -> None:
    rng = random.Random(2)
    values = [0, -1, 2**64, None, b"a\x00b", "text"] + [rng.randint(-(2**40), 2**40) for _ in range(500)]
    for _ in range(1000):
        items = tuple(rng.choice(values) for _ in range(rng.randint(1, 5)))
        assert b"".join(element(v) for v in items) == fdb.tuple.pack(items), items
    assert HOTEL.raw + element(8473727) + element(3) == HOTEL.key(8473727, 3)
