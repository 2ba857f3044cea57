"""Webhook secrets are sealed at rest: the store holds ciphertext that opens only with the sealing key
and only for the record it was sealed for."""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import asdict

import orjson
import pytest

from core import sealing, webhooks
from core.config import Settings, get_settings
from core.kv import Store
from core.kv.keys import WEBHOOK


def test_a_sealed_value_opens_only_with_its_key_and_context() -> None:
    one, other = sealing.Sealer(os.urandom(32)), sealing.Sealer(os.urandom(32))
    sealed = one.seal("whsec_abc", "webhook:p1:wh_1")
    assert sealed.startswith("sealed:v1:") and "whsec_abc" not in sealed
    assert sealed != one.seal("whsec_abc", "webhook:p1:wh_1")  # a fresh nonce each time
    assert one.open(sealed, "webhook:p1:wh_1") == "whsec_abc"
    with pytest.raises(sealing.SealingError, match="webhook:p1:wh_2"):
        one.open(sealed, "webhook:p1:wh_2")
    with pytest.raises(sealing.SealingError):
        other.open(sealed, "webhook:p1:wh_1")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(sealing.SealingError):
        one.open(tampered, "webhook:p1:wh_1")


def test_the_key_file_is_made_once_private_and_shared(settings: Settings) -> None:
    sealed = sealing.sealer().seal("s3cret", "ctx")
    key_file = settings.data_path / "sealing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text())) == 32
    sealing._sealer_for_file.cache_clear()  # as another process on the same data folder would
    sealing._sealer_for_key.cache_clear()
    assert sealing.sealer().open(sealed, "ctx") == "s3cret"


def test_a_configured_key_wins_and_a_malformed_one_is_a_clear_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IBE_SEALING_KEY", base64.b64encode(b"k" * 32).decode())
    get_settings.cache_clear()
    sealed = sealing.sealer().seal("s3cret", "ctx")
    assert sealing.Sealer(b"k" * 32).open(sealed, "ctx") == "s3cret"
    assert not (settings.data_path / "sealing.key").exists()
    monkeypatch.setenv("IBE_SEALING_KEY", "not base64!")
    get_settings.cache_clear()
    with pytest.raises(sealing.SealingError, match="IBE_SEALING_KEY"):
        sealing.sealer()


def test_the_store_holds_webhook_secrets_sealed(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_seal", "https://partner.example/hook")
    rotated = webhooks.rotate_secret(store, "p_seal", reg.webhook_id, overlap_s=3600)
    raw = store.run(lambda tr: tr.get(WEBHOOK.key("p_seal", reg.webhook_id)))
    assert raw is not None
    for secret in (reg.secret, rotated.secret):
        assert secret.encode() not in raw and secret.removeprefix("whsec_").encode() not in raw
    assert webhooks.get_webhook(store, "p_seal", reg.webhook_id) == rotated  # and read back in clear
    assert rotated.signing_secrets(rotated.previous_until_ms - 1) == [rotated.secret, reg.secret]


def test_a_registration_stored_before_sealing_still_reads(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_old", "https://partner.example/hook")
    legacy = orjson.dumps(asdict(reg))
    store.run(lambda tr: tr.set(WEBHOOK.key("p_old", reg.webhook_id), legacy))
    assert webhooks.get_webhook(store, "p_old", reg.webhook_id) == reg
