"""Numbered `.sql` migrations, applied once each, recorded with a checksum in `<db>.schema_migrations`.

Files are `migrations/NNNN_name.sql`; statements are separated by a line holding only `;`-ended
SQL (split on `;` at line ends). `{db}` in a file is the warehouse database name. A migration
already recorded is skipped, so applying twice changes nothing; one whose file changed after it was
applied is refused (`MigrationChanged`): an applied migration is history, a change is a new file.

Migrators take a lock first (`MigrationLock`), so two processes starting at once against one
ClickHouse server cannot both apply a migration.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from core.warehouse.client import Warehouse

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TABLE_ALREADY_EXISTS = "TABLE_ALREADY_EXISTS"


class MigrationChanged(ValueError):
    """A migration already applied to the warehouse no longer has the content it was applied with."""


class MigrationLocked(TimeoutError):
    """Another migrator held the migration lock longer than the timeout."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, recorded when it is applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self, database: str) -> list[str]:
        body = self.sql.replace("{db}", database)
        parts = re.split(r";\s*$", body, flags=re.MULTILINE)
        return [p.strip() for p in parts if p.strip() and not _only_comments(p)]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def discover(folder: Path | None = None) -> list[Migration]:
    root = folder or Path(str(resources.files("core.warehouse") / "migrations"))
    found = []
    for path in sorted(root.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {root}")
    return found


class MigrationLock:
    """A lock held by creating the table `<db>.schema_migrations_lock`: ClickHouse creates a table
    name once, so of two migrators creating it at the same moment one succeeds and the other waits.
    The table's comment names the holder (pid and host) for the one who waits."""

    def __init__(self, client: Client, database: str, owner: str | None = None) -> None:
        self.client = client
        self.database = database
        self.table = f"{database}.schema_migrations_lock"
        self.owner = owner or f"pid {os.getpid()} on {socket.gethostname()}"

    def holder(self) -> str | None:
        rows = self.client.query(
            "SELECT comment FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations_lock'",
            parameters={"db": self.database},
        ).result_rows
        return (rows[0][0] or "another migrator") if rows else None

    def try_acquire(self) -> bool:
        try:
            self.client.command(
                f"CREATE TABLE {self.table} (taken_at DateTime DEFAULT now()) ENGINE = Memory "
                f"COMMENT '{self.owner.replace(chr(39), '')}'"
            )
        except DatabaseError as exc:
            if _TABLE_ALREADY_EXISTS in str(exc):
                return False
            raise
        return True

    def acquire(self, timeout_s: float, poll_s: float = 0.2, report_every_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        next_report = time.monotonic() + report_every_s
        while not self.try_acquire():
            holder = self.holder()
            if time.monotonic() >= deadline:
                raise MigrationLocked(
                    f"the warehouse migrations are locked by {holder} (still after {timeout_s:.0f}s); if "
                    f"that process is gone, drop the lock: DROP TABLE {self.table}"
                )
            if time.monotonic() >= next_report:
                log.warning("waiting for the migration lock, held by %s ...", holder)
                next_report = time.monotonic() + report_every_s
            time.sleep(poll_s)

    def release(self) -> None:
        self.client.command(f"DROP TABLE IF EXISTS {self.table} SYNC")


def _prepare(client: Client, database: str) -> None:
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    # Tables made before checksums were recorded get the column; their rows are checksummed below.
    client.command(
        f"ALTER TABLE {database}.schema_migrations ADD COLUMN IF NOT EXISTS checksum String DEFAULT ''"
    )


def _applied(client: Client, database: str) -> dict[int, str]:
    """Version -> recorded checksum ('' for a row from before checksums were recorded)."""
    rows = client.query(f"SELECT version, checksum FROM {database}.schema_migrations FINAL").result_rows
    return {int(version): checksum for version, checksum in rows}


def _record(client: Client, database: str, migration: Migration) -> None:
    client.insert(
        f"{database}.schema_migrations",
        [[migration.version, migration.name, migration.checksum]],
        column_names=["version", "name", "checksum"],
    )


def migrate(warehouse: Warehouse, folder: Path | None = None, lock_timeout_s: float = 300.0) -> list[str]:
    """Apply every pending migration under the migration lock; returns the names applied now.

    Raises `MigrationChanged` (before applying anything) if an applied migration's file changed,
    and `MigrationLocked` if another migrator holds the lock longer than `lock_timeout_s`.
    """
    migrations = discover(folder)
    done: list[str] = []
    database = warehouse.database
    with warehouse.session() as client:
        _prepare(client, database)
        lock = MigrationLock(client, database)
        if not lock.try_acquire():
            if warehouse.embedded:
                # Embedded sessions are exclusive, so nobody else is migrating now: the lock was
                # left behind by a migrator that died holding it.
                log.warning("taking over the migration lock %s left behind", lock.holder())
                lock.release()
            lock.acquire(timeout_s=lock_timeout_s)
        try:
            applied = _applied(client, database)
            changed = [m for m in migrations if applied.get(m.version) not in (None, "", m.checksum)]
            if changed:
                m = changed[0]
                raise MigrationChanged(
                    f"migration {m.name} was applied with checksum {applied[m.version][:12]} but its file "
                    f"now has {m.checksum[:12]}: an applied migration must not change; put the change in "
                    "a new migration file (and restore this one)"
                )
            for migration in migrations:
                if migration.version in applied:
                    if applied[migration.version] == "":
                        _record(client, database, migration)  # adopt the checksum of a legacy row
                    continue
                for statement in migration.statements(database):
                    client.command(statement)
                _record(client, database, migration)
                done.append(migration.name)
        finally:
            lock.release()
    return done
