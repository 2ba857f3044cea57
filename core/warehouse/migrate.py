"""Numbered `.sql` migrations, applied once each, recorded in `<db>.schema_migrations`.

Files are `migrations/NNNN_name.sql`; statements are separated by a line holding only `;`-ended
SQL (split on `;` at line ends). `{db}` in a file is the warehouse database name. A migration
already recorded is skipped, so applying twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from clickhouse_connect.driver.client import Client

from core.warehouse.client import Warehouse

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

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


def _applied(client: Client, database: str) -> set[int]:
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    rows = client.query(f"SELECT version FROM {database}.schema_migrations").result_rows
    return {int(r[0]) for r in rows}


def migrate(warehouse: Warehouse, folder: Path | None = None) -> list[str]:
    """Apply every pending migration; returns the names applied now."""
    done: list[str] = []
    with warehouse.session() as client:
        applied = _applied(client, warehouse.database)
        for migration in discover(folder):
            if migration.version in applied:
                continue
            for statement in migration.statements(warehouse.database):
                client.command(statement)
            client.insert(
                f"{warehouse.database}.schema_migrations",
                [[migration.version, migration.name]],
                column_names=["version", "name"],
            )
            done.append(migration.name)
    return done
