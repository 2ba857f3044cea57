"""The stream commands as a user runs them: webhooks management, and a one-shot relay."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import build_app
from core import outbox, webhooks
from core.config import Settings
from core.kv import Store
from streaming.synthetic import journeys
from tests.streaming.conftest import write_outbox


def test_webhooks_register_list_and_replay(settings: Settings, store: Store) -> None:
    app = build_app()
    result = CliRunner().invoke(app, ["webhooks", "register", "p_cli", "https://partner.example/h",
                                      "--event", "booking.confirmed"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "whsec_" in result.output
    (reg,) = webhooks.list_webhooks(store, "p_cli")
    listing = CliRunner().invoke(app, ["webhooks", "list", "p_cli"])
    assert reg.webhook_id in listing.output and reg.secret not in listing.output
    bad = CliRunner().invoke(app, ["webhooks", "register", "p_cli", "not-a-url"])
    assert bad.exit_code == 1 and "http" in bad.output and "Traceback" not in bad.output
    replay = CliRunner().invoke(app, ["webhooks", "replay", "p_cli"])
    assert replay.exit_code == 0 and "queued 0" in replay.output


def test_relay_command_publishes_the_outbox_and_exits_when_idle(
    settings: Settings, embedded_stack: Settings, store: Store, unique: str
) -> None:
    write_outbox(store, journeys(300, seed=51))
    result = CliRunner().invoke(
        build_app(), ["relay", "--topic-prefix", f"c{unique}.", "--until-idle", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert "published 300 events" in result.output
    assert outbox.published_cursor(store) == 300


def test_webhooks_rotate_prints_a_new_secret_once(settings: Settings, store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_rot_cli", "https://partner.example/h")
    result = CliRunner().invoke(build_app(), ["webhooks", "rotate", "p_rot_cli", reg.webhook_id])
    assert result.exit_code == 0, result.output
    (rotated,) = webhooks.list_webhooks(store, "p_rot_cli")
    assert rotated.secret in result.output and reg.secret not in result.output
    assert rotated.previous_secrets == [reg.secret]
    missing = CliRunner().invoke(build_app(), ["webhooks", "rotate", "p_rot_cli", "wh_nope"])
    assert missing.exit_code == 1 and "no webhook wh_nope" in missing.output
