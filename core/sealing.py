"""Sealing for secrets the platform must read back: AES-256-GCM, so the store never holds them in clear.

API keys are only ever compared, so they are stored as hashes (core/booking/apikeys.py). A webhook's
signing secret has to be used again to sign each delivery, so it is sealed instead: encrypted with a
key that lives outside the store, bound (as associated data) to the record it belongs to, so a sealed
value copied into another record does not open.

The key is `IBE_SEALING_KEY` (32 bytes, base64) when set, as a deployment's secret manager would
provide it; otherwise a key file in the data folder (`sealing.key`, mode 0600), made on first use.
Losing the key loses the sealed secrets: partners then rotate their webhook secrets.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.config import get_settings

PREFIX = "sealed:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class SealingError(ValueError):
    """A sealed value that does not open: another key, another record, or tampered with."""


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SealingError(f"a sealing key is {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> str:
        """`sealed:v1:<base64 nonce + ciphertext>`, opening only with this key and `context`."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, value: str, context: str) -> str:
        """The plaintext of a sealed value; a value sealed before sealing existed is returned as is."""
        if not is_sealed(value):
            return value
        raw = base64.b64decode(value.removeprefix(PREFIX))
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise SealingError(f"a sealed value for {context} does not open with this sealing key") from None


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def sealer() -> Sealer:
    """The process's sealer, from the settings (`IBE_SEALING_KEY`, else the data folder's key file)."""
    settings = get_settings()
    if settings.sealing_key is not None:
        return _sealer_for_key(settings.sealing_key.get_secret_value())
    return _sealer_for_file(settings.data_path / "sealing.key")


@lru_cache(maxsize=4)
def _sealer_for_key(encoded: str) -> Sealer:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise SealingError("IBE_SEALING_KEY must be 32 bytes in base64") from None
    return Sealer(key)


@lru_cache(maxsize=4)
def _sealer_for_file(path: Path) -> Sealer:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
        try:
            os.link(draft, path)  # atomic, and loses to a key another process made first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _sealer_for_key(path.read_text().strip())
