"""Transactional-store write and read throughput on the embedded SQLite backend.

Writes N records of about 4 KB (the size of a compressed hotel record) in transactions of 1,000,
through the port and through bare sqlite3 `executemany` on the same kind of table (the ratio is the
port's overhead), then reads them back by range.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from core.kv.keys import Subspace
from core.kv.sqlite_backend import SqliteStore

SPACE = Subspace("bench")


def _value(i: int) -> bytes:
    return os.urandom(64) * 64 + i.to_bytes(8, "little")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.store")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args(argv)
    values = [_value(i) for i in range(args.batch)]

    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "port.sqlite3", prefix=b"\x02bench\x00")
        started = time.perf_counter()
        for first in range(0, args.records, args.batch):

            def write(tr, first=first):  # type: ignore[no-untyped-def]
                for i in range(first, min(first + args.batch, args.records)):
                    tr.set(SPACE.key(i), values[i % args.batch])

            store.run(write)
        port_write = time.perf_counter() - started

        started = time.perf_counter()
        count = sum(1 for _ in store.iter_range(*SPACE.range(), batch=5_000))
        port_read = time.perf_counter() - started
        store.close()
        assert count == args.records

        conn = sqlite3.connect(Path(tmp) / "bare.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
        started = time.perf_counter()
        for first in range(0, args.records, args.batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR REPLACE INTO kv VALUES (?, ?)",
                (
                    (SPACE.key(i), values[i % args.batch])
                    for i in range(first, min(first + args.batch, args.records))
                ),
            )
            conn.execute("COMMIT")
        bare_write = time.perf_counter() - started
        conn.close()

    n = args.records
    print(f"records: {n:,} of {len(values[0]):,} bytes, {args.batch:,} per transaction")
    print(f"port write: {n / port_write:>10,.0f} rows/s ({port_write:.2f} s)")
    print(
        f"bare write: {n / bare_write:>10,.0f} rows/s ({bare_write:.2f} s)  port/bare time ratio {port_write / bare_write:.2f}"
    )
    print(f"port range read: {n / port_read:>10,.0f} rows/s ({port_read:.2f} s)")
    print(f"extrapolated 3M-record load through the port: {3_000_000 / (n / port_write) / 60:.1f} min")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
