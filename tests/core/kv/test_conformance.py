"""Store-port conformance: the same behaviour on SQLite and on FoundationDB."""

from __future__ import annotations

import pytest

from core.kv import LimitExceeded, ReadOnlyTransaction, Store, Transaction, decode_counter, transactional
from core.kv.chunks import get_chunked, set_chunked
from core.kv.keys import Subspace
from core.kv.limits import MAX_KEY_BYTES, MAX_VALUE_BYTES

SPACE = Subspace("conformance")


def test_tuple_keys_read_back_in_tuple_order(kv: Store) -> None:
    items = [("b", 2), ("a", 10), ("a", 2), ("a", -1), ("a", "x"), ("b", 1)]

    def write(tr: Transaction) -> None:
        for item in items:
            tr.set(SPACE.key(*item), repr(item).encode())

    kv.run(write)
    begin, end = SPACE.range()
    keys = [SPACE.unpack(k) for k, _ in kv.run(lambda tr: tr.get_range(begin, end))]
    # Tuple-layer order: elementwise; strings (type code 0x02) before integers; integers numerically.
    assert keys == [("a", "x"), ("a", -1), ("a", 2), ("a", 10), ("b", 1), ("b", 2)]


def test_range_reads_honour_limit_and_reverse(kv: Store) -> None:
    kv.run(lambda tr: [tr.set(SPACE.key(i), str(i).encode()) for i in range(20)])
    begin, end = SPACE.key(5), SPACE.key(15)
    first = kv.run(lambda tr: tr.get_range(begin, end, limit=3))
    last = kv.run(lambda tr: tr.get_range(begin, end, limit=3, reverse=True))
    assert [v for _, v in first] == [b"5", b"6", b"7"]
    assert [v for _, v in last] == [b"14", b"13", b"12"]
    assert len(kv.run(lambda tr: tr.get_range(begin, end))) == 10


def test_clear_and_clear_range(kv: Store) -> None:
    kv.run(lambda tr: [tr.set(SPACE.key(i), b"v") for i in range(10)])
    kv.run(lambda tr: tr.clear(SPACE.key(0)))
    kv.run(lambda tr: tr.clear_range(SPACE.key(3), SPACE.key(7)))
    left = [SPACE.unpack(k)[0] for k, _ in kv.run(lambda tr: tr.get_range(*SPACE.range()))]
    assert left == [1, 2, 7, 8, 9]
    assert kv.run(lambda tr: tr.get(SPACE.key(0))) is None


def test_atomic_add_counts_from_zero_and_goes_negative(kv: Store) -> None:
    key = SPACE.key("counter")
    kv.run(lambda tr: tr.add(key, 5))
    kv.run(lambda tr: tr.add(key, -7))
    assert decode_counter(kv.run(lambda tr: tr.get(key))) == -2


def test_transaction_rolls_back_on_error(kv: Store) -> None:
    key = SPACE.key("rollback")

    def half_done(tr: Transaction) -> None:
        tr.set(key, b"written")
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError):
        kv.run(half_done)
    assert kv.run(lambda tr: tr.get(key)) is None


def test_transactional_functions_compose_into_one_transaction(kv: Store) -> None:
    @transactional
    def put(tr: Transaction, name: str) -> None:
        tr.set(SPACE.key(name), b"1")

    @transactional
    def put_both(tr: Transaction) -> None:
        put(tr, "left")
        put(tr, "right")
        raise ValueError("abort both")

    with pytest.raises(ValueError):
        put_both(kv)
    assert kv.run(lambda tr: tr.get_range(*SPACE.range())) == []
    put(kv, "alone")
    assert kv.run(lambda tr: tr.get(SPACE.key("alone"))) == b"1"


def test_limits_are_enforced_with_a_clear_error(kv: Store) -> None:
    with pytest.raises(LimitExceeded, match="key is 10,001 bytes"):
        kv.run(lambda tr: tr.set(b"k" * (MAX_KEY_BYTES + 1), b"v"))
    with pytest.raises(LimitExceeded, match="set_chunked"):
        kv.run(lambda tr: tr.set(SPACE.key("big"), b"v" * (MAX_VALUE_BYTES + 1)))

    def too_much(tr: Transaction) -> None:
        for i in range(120):
            tr.set(SPACE.key("bulk", i), b"x" * 90_000)

    with pytest.raises(LimitExceeded, match="transaction writes"):
        kv.run(too_much)
    assert kv.run(lambda tr: tr.get_range(*SPACE.range("bulk"))) == []


def test_chunked_values_round_trip_and_shrink(kv: Store) -> None:
    key = SPACE.key("blob")
    big = bytes(range(256)) * 1500  # 384,000 bytes: four chunks
    chunks = kv.run(lambda tr: set_chunked(tr, key, big))
    assert chunks == 4
    assert kv.run(lambda tr: get_chunked(tr, key)) == big
    kv.run(lambda tr: set_chunked(tr, key, b"small"))
    assert kv.run(lambda tr: get_chunked(tr, key)) == b"small"


def test_iter_range_pages_through_a_large_range_in_order(kv: Store) -> None:
    kv.run(lambda tr: [tr.set(SPACE.key("page", i), b"%d" % i) for i in range(2_345)])
    seen = [SPACE.unpack(k)[1] for k, _ in kv.iter_range(*SPACE.range("page"), batch=500)]
    assert seen == list(range(2_345))


def test_read_transactions_see_committed_data_and_refuse_writes(kv: Store) -> None:
    kv.run(lambda tr: tr.set(SPACE.key("seen"), b"yes"))
    assert kv.read(lambda tr: tr.get(SPACE.key("seen"))) == b"yes"
    with pytest.raises(ReadOnlyTransaction):
        kv.read(lambda tr: tr.set(SPACE.key("nope"), b"x"))
    assert kv.run(lambda tr: tr.get(SPACE.key("nope"))) is None


def test_get_many_answers_in_the_order_asked_with_none_for_missing(kv: Store) -> None:
    kv.run(lambda tr: [tr.set(SPACE.key("many", i), b"%d" % i) for i in range(0, 1_200, 2)])
    wanted = [SPACE.key("many", i) for i in [5, 4, 1_198, 4, 0, 1_199]] + [
        SPACE.key("many", i)
        for i in range(1_200)  # more keys than one batched read takes
    ]
    expected = [None if i % 2 else b"%d" % i for i in [5, 4, 1_198, 4, 0, 1_199, *range(1_200)]]
    assert kv.read(lambda tr: tr.get_many(wanted)) == expected  # reads are allowed read-only
    assert kv.run(lambda tr: tr.get_many([])) == []


def test_get_many_sees_the_transactions_own_writes(kv: Store) -> None:
    kv.run(lambda tr: tr.set(SPACE.key("ryw", 1), b"old"))

    def write_then_read(tr: Transaction) -> list[bytes | None]:
        tr.set_many([(SPACE.key("ryw", 1), b"new"), (SPACE.key("ryw", 2), b"two")])
        tr.clear(SPACE.key("ryw", 1))
        return tr.get_many([SPACE.key("ryw", 1), SPACE.key("ryw", 2)])

    assert kv.run(write_then_read) == [None, b"two"]


def test_set_many_writes_in_order_and_the_last_of_a_repeated_key_wins(kv: Store) -> None:
    items = [(SPACE.key("set", i), b"%d" % i) for i in range(3_000)] + [(SPACE.key("set", 7), b"last")]
    kv.run(lambda tr: tr.set_many(items))
    stored = kv.read(lambda tr: tr.get_range(*SPACE.range("set")))
    assert len(stored) == 3_000
    assert dict(stored)[SPACE.key("set", 7)] == b"last"
    assert dict(stored)[SPACE.key("set", 2_999)] == b"2999"


def test_set_many_enforces_the_limits_and_writes_nothing_on_a_breach(kv: Store) -> None:
    good = (SPACE.key("lim", "good"), b"v")
    with pytest.raises(LimitExceeded, match="key is 10,001 bytes"):
        kv.run(lambda tr: tr.set_many([good, (b"k" * (MAX_KEY_BYTES + 1), b"v")]))
    with pytest.raises(LimitExceeded, match="set_chunked"):
        kv.run(lambda tr: tr.set_many([good, (SPACE.key("lim", "big"), b"v" * (MAX_VALUE_BYTES + 1))]))

    def too_much(tr: Transaction) -> None:
        tr.set_many([(SPACE.key("lim", i), b"x" * 90_000) for i in range(60)])
        tr.set_many([(SPACE.key("lim", 100 + i), b"x" * 90_000) for i in range(60)])

    with pytest.raises(LimitExceeded, match="transaction writes"):
        kv.run(too_much)
    assert kv.run(lambda tr: tr.get_range(*SPACE.range("lim"))) == []
    with pytest.raises(LimitExceeded, match="key is 10,001 bytes"):
        kv.read(lambda tr: tr.get_many([b"k" * (MAX_KEY_BYTES + 1)]))


def test_set_many_is_refused_in_a_read_transaction(kv: Store) -> None:
    with pytest.raises(ReadOnlyTransaction):
        kv.read(lambda tr: tr.set_many([(SPACE.key("ro"), b"x")]))
    assert kv.run(lambda tr: tr.get(SPACE.key("ro"))) is None
