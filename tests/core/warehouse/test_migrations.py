"""Migrations on embedded chDB: recorded with a checksum, applied once under a lock, never rewritten."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from core.config import Settings
from core.warehouse import MigrationChanged, MigrationLocked, Warehouse, migrate
from core.warehouse.migrate import MigrationLock, discover


def _migrate_in_a_process(settings_json: str, folder: str, results) -> None:
    results.put(migrate(Warehouse(Settings.model_validate_json(settings_json)), Path(folder)))


def _one_table_migration(folder: Path) -> Path:
    folder.mkdir()
    (folder / "0001_hits.sql").write_text(
        "CREATE TABLE {db}.hits (n UInt32) ENGINE = MergeTree ORDER BY n;\nINSERT INTO {db}.hits VALUES (1);\n"
    )
    return folder


def test_two_concurrent_migrators_apply_each_migration_once(settings: Settings, tmp_path: Path) -> None:
    """The migration inserts a row: applied twice, the table would hold two."""
    folder = _one_table_migration(tmp_path / "migrations")
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_migrate_in_a_process, args=(settings.model_dump_json(), str(folder), results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    applied = sorted([results.get(timeout=5), results.get(timeout=5)])
    assert applied == [[], ["0001_hits"]]
    warehouse = Warehouse(settings)
    assert warehouse.query(f"SELECT count() FROM {warehouse.database}.hits")[1] == [(1,)]
    _, rows = warehouse.query(f"SELECT version, checksum FROM {warehouse.database}.schema_migrations FINAL")
    assert rows == [(1, discover(folder)[0].checksum)]


def test_a_changed_applied_migration_is_refused_with_a_clear_error(
    settings: Settings, tmp_path: Path
) -> None:
    folder = _one_table_migration(tmp_path / "migrations")
    warehouse = Warehouse(settings)
    migrate(warehouse, folder)
    (folder / "0001_hits.sql").write_text((folder / "0001_hits.sql").read_text().replace("(1)", "(2)"))
    (folder / "0002_more.sql").write_text(
        "CREATE TABLE {db}.more (n UInt32) ENGINE = MergeTree ORDER BY n;\n"
    )
    with pytest.raises(
        MigrationChanged, match=r"migration 0001_hits was applied with checksum .* new migration"
    ):
        migrate(warehouse, folder)
    _, tables = warehouse.query(f"SELECT name FROM system.tables WHERE database = '{warehouse.database}'")
    assert ("more",) not in tables  # nothing applied after the refusal
    assert ("schema_migrations_lock",) not in tables  # and the lock was released


def test_a_migrator_waits_for_the_lock_holder_and_names_it(settings: Settings) -> None:
    warehouse = Warehouse(settings)
    migrate(warehouse)
    with warehouse.session() as client:
        holder = MigrationLock(client, warehouse.database, owner="pid 4242 on build-7")
        assert holder.try_acquire()
        waiter = MigrationLock(client, warehouse.database)
        with pytest.raises(MigrationLocked, match=r"locked by pid 4242 on build-7 .* DROP TABLE"):
            waiter.acquire(timeout_s=0.5)
        releaser = threading.Timer(1.0, holder.release)
        started = time.monotonic()
        releaser.start()
        waiter.acquire(timeout_s=30)
        assert time.monotonic() - started >= 0.9  # it got the lock only once the holder let go
        waiter.release()


def test_an_embedded_lock_left_by_a_dead_migrator_is_taken_over(settings: Settings, tmp_path: Path) -> None:
    """Embedded sessions are exclusive, so a lock found there was left by a migrator that died."""
    warehouse = Warehouse(settings)
    with warehouse.session() as client:
        client.command(f"CREATE DATABASE IF NOT EXISTS {warehouse.database}")
        assert MigrationLock(client, warehouse.database, owner="pid 1 that crashed").try_acquire()
    folder = _one_table_migration(tmp_path / "migrations")
    assert migrate(warehouse, folder, lock_timeout_s=1) == ["0001_hits"]
