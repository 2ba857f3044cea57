"""Store keys sort as their tuples do: range scans (outbox order, hold expiry, inventory nights) rely on it."""

from __future__ import annotations

from datetime import date

import fdb.tuple
from hypothesis import given
from hypothesis import strategies as st

from core.catalog.tuplekeys import element, pack
from core.kv.keys import INVENTORY, INVENTORY_HOLD_EXPIRY, OUTBOX

ints = st.integers(min_value=-(2**70), max_value=2**70)  # past the fast packer's 64-bit range too
key_parts = st.tuples(ints, st.one_of(st.none(), st.binary(max_size=12)), ints)


@given(key_parts, key_parts)
def test_packed_tuples_sort_as_the_tuples(a, b) -> None:
    def sortable(t):  # None sorts first in the tuple layer
        return (t[0], (0, b"") if t[1] is None else (1, t[1]), t[2])

    assert (pack(a) < pack(b)) == (sortable(a) < sortable(b))
    assert (pack(a) == pack(b)) == (a == b)


@given(key_parts)
def test_fast_packer_gives_fdb_bytes(t) -> None:
    assert pack(t) == fdb.tuple.pack(t)
    assert b"".join(element(x) for x in t) == fdb.tuple.pack(t)
    assert fdb.tuple.unpack(pack(t)) == t


@given(st.tuples(st.integers(1, 2**40), st.text(max_size=8), st.dates(date(2000, 1, 1), date(2100, 1, 1))),
       st.tuples(st.integers(1, 2**40), st.text(max_size=8), st.dates(date(2000, 1, 1), date(2100, 1, 1))))  # fmt: skip
def test_inventory_keys_sort_by_hotel_room_night(a, b) -> None:
    ka, kb = INVENTORY.key(a[0], a[1], a[2].isoformat()), INVENTORY.key(b[0], b[1], b[2].isoformat())
    # strings sort by their UTF-8 bytes, which is code point order: Python's own str order
    assert (ka < kb) == (a < b)


@given(st.integers(0, 2**62), st.integers(0, 2**62), st.text(max_size=6), st.text(max_size=6))
def test_expiry_and_outbox_keys_sort_by_time_and_sequence(t1, t2, id1, id2) -> None:
    assert (INVENTORY_HOLD_EXPIRY.key(t1, id1) < INVENTORY_HOLD_EXPIRY.key(t2, id2)) == (
        (t1, id1) < (t2, id2)
    )
    assert (OUTBOX.key(t1) < OUTBOX.key(t2)) == (t1 < t2)
