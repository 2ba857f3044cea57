"""Which processes `ibe stack` calls its own: pid plus create time plus program, read with psutil."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psutil

from core.config import Settings
from core.stack import down, process

SLEEP = shutil.which("sleep") or "/bin/sleep"


def test_a_spawned_process_is_recognised_by_pid_create_time_and_program(tmp_path: Path) -> None:
    record = process.spawn([SLEEP, "60"], tmp_path / "sleep.log", tmp_path / "sleep.pid")
    try:
        stored = process.read_pid(tmp_path / "sleep.pid")
        assert stored == record and stored.create_time == psutil.Process(record.pid).create_time()
        assert process.is_ours(stored)
    finally:
        process.stop(record, grace_s=2)
    assert not process.is_ours(record)  # gone


def test_down_leaves_alone_a_program_that_now_has_the_pid_of_its_file(settings: Settings) -> None:
    """The pid file names the very program now running under that pid (`sleep`), but that process
    was created later than the one the file recorded: the pid was reused, so it is not ours."""
    bystander = subprocess.Popen([SLEEP, "60"])
    try:
        created = psutil.Process(bystander.pid).create_time()
        pid_dir = settings.data_path / "run"
        pid_dir.mkdir(parents=True, exist_ok=True)
        stale = process.PidRecord(bystander.pid, [SLEEP, "60"], created - 30, created - 30)
        (pid_dir / "kafka.pid").write_text(stale.as_json())
        assert down(settings) == []
        assert bystander.poll() is None, "down signalled a program it did not start"
        assert not (pid_dir / "kafka.pid").exists()  # the stale file is dropped
    finally:
        bystander.kill()
        bystander.wait()


def test_the_program_is_matched_by_name_not_by_substring() -> None:
    assert process.program_name(["env", "DAGSTER_HOME=/x", "/venv/bin/dagster", "dev"]) == "dagster"
    assert process.program_name(["/venv/bin/ibe", "relay"]) == "ibe"
    me = psutil.Process()
    # The same pid and create time, but a program this process does not run ("ibe" is in "libexec"
    # and in many paths; only a whole word of the command line counts).
    other = process.PidRecord(me.pid, ["/usr/libexec/ib"], me.create_time(), me.create_time())
    assert not process.is_ours(other)
    assert process.is_ours(process.PidRecord(me.pid, [me.cmdline()[0]], me.create_time(), me.create_time()))
