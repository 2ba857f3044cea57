"""API keys: only a SHA-256 of each key is stored, with the partner it belongs to and its scopes."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field

from core.domain.booking import utcnow
from core.kv import Transaction, transactional
from core.kv.keys import APIKEY

SCOPES = ("search", "book", "inventory", "admin")


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    partner_id: str
    scopes: list[str]
    name: str = ""
    rate_per_minute: int = 600
    burst: int = 60
    created_at: str = field(default_factory=lambda: utcnow().isoformat())

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def key_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def create_api_key(
    tr: Transaction,
    partner_id: str,
    scopes: list[str],
    name: str = "",
    rate_per_minute: int = 600,
    burst: int = 60,
) -> tuple[str, ApiKey]:
    """A new key; the token is returned once and only its hash is kept."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; choose from {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("give at least one scope")
    key_id = secrets.token_hex(6)
    token = f"ibe_{key_id}_{secrets.token_urlsafe(24)}"
    record = ApiKey(key_id, partner_id, sorted(set(scopes)), name, rate_per_minute, burst)
    tr.set(APIKEY.key(key_hash(token)), json.dumps(asdict(record)).encode())
    return token, record


@transactional
def lookup_api_key(tr: Transaction, token: str) -> ApiKey | None:
    raw = tr.get(APIKEY.key(key_hash(token)))
    return None if raw is None else ApiKey(**json.loads(raw))
