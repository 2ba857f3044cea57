"""Serializable read-modify-write across threads and processes, on every backend present."""

from __future__ import annotations

import multiprocessing
import threading

from core.config import Settings
from core.kv import Store, Transaction, decode_counter, encode_counter, open_store
from core.kv.keys import Subspace

SPACE = Subspace("serial")
INCREMENTS = 500


def _increment(tr: Transaction) -> None:
    # A plain read-modify-write (not atomic add): lost updates would show in the total.
    key = SPACE.key("counter")
    tr.set(key, encode_counter(decode_counter(tr.get(key)) + 1))


def _worker(settings_json: str) -> None:
    settings = Settings.model_validate_json(settings_json)
    handle = open_store(settings)
    try:
        for _ in range(INCREMENTS):
            handle.run(_increment)
    finally:
        handle.close()


def test_threads_and_processes_never_lose_an_increment(kv: Store, backend_settings: Settings) -> None:
    threads = [
        threading.Thread(target=lambda: [kv.run(_increment) for _ in range(INCREMENTS)]) for _ in range(8)
    ]
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=_worker, args=(backend_settings.model_dump_json(),)) for _ in range(4)]
    for worker in [*threads, *processes]:
        worker.start()
    for thread in threads:
        thread.join()
    for proc in processes:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    assert decode_counter(kv.run(lambda tr: tr.get(SPACE.key("counter")))) == 12 * INCREMENTS


def test_transfers_never_show_a_different_sum(kv: Store) -> None:
    a, b = SPACE.key("account", "a"), SPACE.key("account", "b")
    kv.run(lambda tr: (tr.set(a, encode_counter(1000)), tr.set(b, encode_counter(0))))
    seen: list[int] = []

    def transfer(tr: Transaction, amount: int) -> None:
        tr.set(a, encode_counter(decode_counter(tr.get(a)) - amount))
        tr.set(b, encode_counter(decode_counter(tr.get(b)) + amount))

    def movers() -> None:
        for i in range(200):
            kv.run(lambda tr, i=i: transfer(tr, (i % 7) - 3))

    def auditor() -> None:
        for _ in range(200):
            seen.append(kv.run(lambda tr: decode_counter(tr.get(a)) + decode_counter(tr.get(b))))

    workers = [threading.Thread(target=movers) for _ in range(3)] + [
        threading.Thread(target=auditor) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(seen) == 400
    assert set(seen) == {1000}


def test_readers_go_on_while_a_writer_holds_the_write_lock(kv: Store) -> None:
    key = SPACE.key("snapshot")
    kv.run(lambda tr: tr.set(key, b"before"))
    writer_inside = threading.Event()
    release_writer = threading.Event()

    def slow_writer(tr: Transaction) -> None:
        tr.set(key, b"after")
        writer_inside.set()
        release_writer.wait(timeout=10)

    writer = threading.Thread(target=lambda: kv.run(slow_writer))
    writer.start()
    try:
        assert writer_inside.wait(timeout=10)
        # The writer has not committed: a reader neither waits for it nor sees its write.
        assert kv.read(lambda tr: tr.get(key)) == b"before"
    finally:
        release_writer.set()
        writer.join()
    assert kv.read(lambda tr: tr.get(key)) == b"after"
