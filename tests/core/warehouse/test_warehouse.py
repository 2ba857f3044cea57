"""The warehouse port on embedded chDB: idempotent migrations, processes taking turns."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.config import Settings
from core.warehouse import Warehouse, WarehouseBusy, WarehouseError, migrate
from core.warehouse.lock import embedded_turn
from core.warehouse.migrate import discover


def test_migrations_apply_once_and_record_themselves(settings: Settings) -> None:
    warehouse = Warehouse(settings)
    first = migrate(warehouse)
    assert "0001_platform_meta" in first
    assert migrate(warehouse) == []
    _, rows = warehouse.query(f"SELECT version FROM {warehouse.database}.schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [m.version for m in discover()]


def test_migration_file_names_are_checked(tmp_path: Path) -> None:
    (tmp_path / "1_bad.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match=r"NNNN_name\.sql"):
        discover(tmp_path)


def _writer(settings_json: str, source: str, rounds: int) -> None:
    from datetime import UTC, datetime

    warehouse = Warehouse(Settings.model_validate_json(settings_json))
    for i in range(rounds):
        with warehouse.session() as client:
            client.insert(
                f"{warehouse.database}.platform_heartbeat",
                [[source, str(i), datetime.now(UTC)]],
                column_names=["source", "note", "written_at"],
            )


def test_two_processes_take_turns_and_both_succeed(settings: Settings) -> None:
    migrate(Warehouse(settings))
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(settings.model_dump_json(), f"p{n}", 5)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    _, rows = Warehouse(settings).query(
        f"SELECT source, count() FROM {settings.warehouse_database}.platform_heartbeat GROUP BY source ORDER BY source"
    )
    assert rows == [("p0", 5), ("p1", 5)]


@contextmanager
def lock_held_by_another_process(lock_path: Path, seconds: float) -> Iterator[int]:
    """Another process holds the warehouse turn for `seconds`; yields its pid once it holds it."""
    holder = (
        "import sys, time; from pathlib import Path; from core.warehouse.lock import embedded_turn\n"
        "with embedded_turn(Path(sys.argv[1]), 30):\n"
        "    print('holding', flush=True); time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(lock_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        yield proc.pid
    finally:
        proc.wait(timeout=30)


def test_a_waiter_says_it_waits_and_for_whom(settings: Settings) -> None:
    lock_path = settings.warehouse_path.parent / "warehouse.lock"
    with lock_held_by_another_process(lock_path, seconds=2.5) as holder_pid:
        said: list[str] = []
        started = time.monotonic()
        with embedded_turn(lock_path, timeout_s=30, report=said.append, report_every_s=0.5):
            waited = time.monotonic() - started
    assert waited > 1.0
    assert said and f"pid {holder_pid}" in said[0]


def test_a_waiter_gives_up_with_a_clear_error(settings: Settings) -> None:
    lock_path = settings.warehouse_path.parent / "warehouse.lock"
    with (
        lock_held_by_another_process(lock_path, seconds=3),
        pytest.raises(WarehouseBusy, match="still locked by pid"),
        embedded_turn(lock_path, timeout_s=0.5),
    ):
        pass


def test_threads_of_one_process_take_turns(settings: Settings) -> None:
    warehouse = Warehouse(settings)
    migrate(warehouse)
    errors: list[BaseException] = []

    def count() -> None:
        try:
            warehouse.query("SELECT count() FROM system.one")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_bad_sql_gives_the_engines_message_on_one_line(settings: Settings) -> None:
    with pytest.raises(WarehouseError) as caught:
        Warehouse(settings).query("SELEC 1")
    message = str(caught.value)
    assert "Syntax error" in message and "\n" not in message
