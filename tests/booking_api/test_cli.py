"""`ibe apikey create` prints a key that works (stored hashed); a bad scope is one clear line."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import build_app
from core.booking.apikeys import lookup_api_key
from core.config import Settings
from core.kv import open_store


def test_apikey_create(settings: Settings):
    result = CliRunner().invoke(
        build_app(), ["apikey", "create", "--partner", "acme", "--scope", "book", "--scope", "search"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ibe_")
    with open_store(settings) as store:
        key = lookup_api_key(store, token)
    assert key is not None and key.partner_id == "acme" and key.scopes == ["book", "search"]


def test_apikey_create_refuses_unknown_scope(settings: Settings):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        build_app(), ["apikey", "create", "--partner", "acme", "--scope", "root"]
    )
    assert result.exit_code == 2  # a usage error naming the choices
    assert "'root' is not one of 'search', 'book', 'inventory', 'admin'" in result.output
    assert "Traceback" not in result.output


def test_api_and_worker_commands_are_registered():
    app = build_app()
    for command in (["api", "--help"], ["worker", "--help"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0 and "task-queue" in result.output


def test_worker_without_temporal_is_one_clear_line(settings: Settings):
    import os
    import subprocess
    import sys
    from pathlib import Path

    ibe = str(Path(sys.executable).parent / "ibe")
    env = {**os.environ, "IBE_TEMPORAL_ADDRESS": f"127.0.0.1:{settings.temporal_port}"}
    done = subprocess.run([ibe, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot reach Temporal" in done.stderr and "Traceback" not in done.stderr + done.stdout
