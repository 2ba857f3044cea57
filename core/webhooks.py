"""Partner webhooks: registrations, signatures, and the delivery queue, all in the transactional store.

Framework free: the booking API's `POST /v1/webhooks` route calls `register_webhook`, `list_webhooks`,
`delete_webhook`, `dead_deliveries` and `replay_dead` from here; the `ibe webhooks` process
(streaming/webhooks.py) fills and drains the queue.

Signatures follow Standard Webhooks (https://www.standardwebhooks.com), made with the `standardwebhooks`
library, so a partner verifies with any off-the-shelf implementation (`Webhook(secret).verify(body,
headers)`): `webhook-id` is the event id (the receiver's dedup key: delivery is at least once, the id is
the same on every retry), `webhook-timestamp` the unix seconds of the attempt (receivers refuse old
ones), and `webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. Secrets are
`whsec_<base64>`. After `rotate_secret` the header carries one signature per secret, space separated,
the new one and the previous ones for the overlap, so a partner switches keys without losing a delivery.

Keys (rows in core/kv/keys.py):
    ("webhook", partner_id, webhook_id)        JSON registration
    ("webhook_due", due_at_ms, delivery_id)    JSON delivery waiting for its next attempt
    ("webhook_dead", partner_id, delivery_id)  JSON delivery parked after the retry window, with last error
    ("webhook_seen", webhook_id, event_id)     when the event was queued for that webhook (dedup)
"""

from __future__ import annotations

import base64
import functools
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson
from standardwebhooks import Webhook

from core import sealing
from core.kv import Store, Transaction, decode_counter, encode_counter, transactional
from core.kv.keys import WEBHOOK, WEBHOOK_DEAD, WEBHOOK_DUE, WEBHOOK_SEEN

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
# How long the previous secrets keep signing after a rotation, unless the rotation says otherwise.
ROTATION_OVERLAP_S = 24 * 3600
EVENT_TYPE_HEADER = "X-IBE-Event-Type"
DELIVERY_HEADER = "X-IBE-Delivery"
ALL_EVENTS = "*"
WEBHOOK_EVENT_TYPES = frozenset(
    {
        "booking.created",
        "booking.supplier_confirmed",
        "booking.confirmed",
        "booking.failed",
        "booking.cancelled",
        "booking.refunded",
    }
)


class WebhookError(ValueError):
    """A registration request that cannot be accepted; the message says why (for a 422)."""


class NotParked(LookupError):
    """Replay named deliveries that are not among the partner's dead letters (nothing was replayed)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"no parked delivery {', '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class Registration:
    webhook_id: str
    partner_id: str
    url: str
    secret: str
    event_types: list[str]
    created_at_ms: int
    active: bool = True
    previous_secrets: list[str] = field(default_factory=list)  # still signing until previous_until_ms
    previous_until_ms: int = 0

    def wants(self, event_type: str) -> bool:
        return self.active and (ALL_EVENTS in self.event_types or event_type in self.event_types)

    def signing_secrets(self, now_ms: int) -> list[str]:
        """The current secret, then the previous ones while the rotation overlap lasts."""
        return [self.secret, *(self.previous_secrets if now_ms < self.previous_until_ms else [])]

    def public(self) -> dict[str, object]:
        """The registration without its secrets (what a listing shows)."""
        data = asdict(self)
        data.pop("secret")
        data.pop("previous_secrets")
        return data

    def to_json(self) -> bytes:
        """The stored form: the secrets sealed (core/sealing.py), bound to this registration."""
        seal, context = sealing.sealer().seal, _sealing_context(self.partner_id, self.webhook_id)
        return orjson.dumps(
            {
                **asdict(self),
                "secret": seal(self.secret, context),
                "previous_secrets": [seal(s, context) for s in self.previous_secrets],
            }
        )

    @classmethod
    def from_json(cls, raw: bytes) -> Registration:
        data = orjson.loads(raw)
        opened, context = sealing.sealer().open, _sealing_context(data["partner_id"], data["webhook_id"])
        data["secret"] = opened(data["secret"], context)
        data["previous_secrets"] = [opened(s, context) for s in data["previous_secrets"]]
        return cls(**data)


def _sealing_context(partner_id: str, webhook_id: str) -> str:
    return f"webhook:{partner_id}:{webhook_id}"


@dataclass
class Delivery:
    """One event to one registration; `delivery_id` is stable across retries."""

    delivery_id: str
    webhook_id: str
    partner_id: str
    url: str
    event_id: str
    event_type: str
    body: str
    first_attempt_at_ms: int
    attempts: int = 0
    last_error: str = ""
    due_at_ms: int = 0
    history: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> Delivery:
        return cls(**orjson.loads(raw))


def _now_ms() -> int:
    return int(time.time() * 1000)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookError(f"url must be an absolute http(s) URL, got {url!r}")
    return url


@transactional
def register_webhook(
    tr: Transaction,
    partner_id: str,
    url: str,
    event_types: list[str] | None = None,
    secret: str | None = None,
) -> Registration:
    """Register `url` for the partner's booking events (all of them when `event_types` is None).

    Returns the registration with its signing secret: show it to the partner once.
    """
    if not partner_id:
        raise WebhookError("partner_id is required")
    types = sorted(set(event_types or [ALL_EVENTS]))
    unknown = [t for t in types if t != ALL_EVENTS and t not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise WebhookError(f"unknown event types: {', '.join(unknown)}")
    registration = Registration(
        webhook_id=f"wh_{uuid.uuid4().hex[:16]}",
        partner_id=partner_id,
        url=_check_url(url),
        secret=secret or new_secret(),
        event_types=types,
        created_at_ms=_now_ms(),
    )
    tr.set(WEBHOOK.key(partner_id, registration.webhook_id), registration.to_json())
    return registration


@transactional
def list_webhooks(tr: Transaction, partner_id: str) -> list[Registration]:
    begin, end = WEBHOOK.range(partner_id)
    return [Registration.from_json(v) for _, v in tr.get_range(begin, end)]


@transactional
def get_webhook(tr: Transaction, partner_id: str, webhook_id: str) -> Registration | None:
    raw = tr.get(WEBHOOK.key(partner_id, webhook_id))
    return Registration.from_json(raw) if raw else None


@transactional
def delete_webhook(tr: Transaction, partner_id: str, webhook_id: str) -> bool:
    """Remove a registration; False if there was none. Deliveries already queued still run."""
    key = WEBHOOK.key(partner_id, webhook_id)
    if tr.get(key) is None:
        return False
    tr.clear(key)
    return True


@transactional
def webhooks_for(tr: Transaction, partner_id: str, event_type: str) -> list[Registration]:
    return [r for r in list_webhooks(tr, partner_id) if r.wants(event_type)]


# -- signatures -----------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(
    registration: Registration, msg_id: str, body: bytes, now: datetime | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: id, timestamp and a signature per signing secret."""
    at = now or datetime.now(UTC)
    secrets_now = registration.signing_secrets(int(at.timestamp() * 1000))
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(int(at.timestamp())),
        SIGNATURE_HEADER: " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets_now),
    }


@transactional
def rotate_secret(
    tr: Transaction,
    partner_id: str,
    webhook_id: str,
    overlap_s: float = ROTATION_OVERLAP_S,
    now_ms: int | None = None,
) -> Registration:
    """Give the registration a new secret; the old one keeps signing too for `overlap_s` (0: at once
    no longer). Returns the registration with its new secret: show it to the partner once."""
    raw = tr.get(WEBHOOK.key(partner_id, webhook_id))
    if raw is None:
        raise WebhookError(f"no webhook {webhook_id} for partner {partner_id}")
    now = _now_ms() if now_ms is None else now_ms
    current = Registration.from_json(raw)
    rotated = Registration(
        **{
            **asdict(current),
            "secret": new_secret(),
            "previous_secrets": current.signing_secrets(now) if overlap_s > 0 else [],
            "previous_until_ms": now + int(overlap_s * 1000),
        }
    )
    tr.set(WEBHOOK.key(partner_id, webhook_id), rotated.to_json())
    return rotated


# -- delivery queue -------------------------------------------------------------------------------


@transactional
def enqueue(
    tr: Transaction, registration: Registration, event_id: str, event_type: str, body: bytes
) -> Delivery | None:
    """Queue the event for the registration, due now; None if this (webhook, event) was queued before.

    The topic may deliver an event again (consumer restart, the relay replaying after the broker lost
    data); the `webhook_seen` mark keeps that from becoming a second delivery to the partner.
    """
    seen_key = WEBHOOK_SEEN.key(registration.webhook_id, event_id)
    if tr.get(seen_key) is not None:
        return None
    now = _now_ms()
    tr.set(seen_key, encode_counter(now))
    delivery = Delivery(
        delivery_id=f"{registration.webhook_id}:{event_id}",
        webhook_id=registration.webhook_id,
        partner_id=registration.partner_id,
        url=registration.url,
        event_id=event_id,
        event_type=event_type,
        body=body.decode(),
        first_attempt_at_ms=now,
        due_at_ms=now,
    )
    tr.set(WEBHOOK_DUE.key(now, delivery.delivery_id), delivery.to_json())
    return delivery


@transactional
def due_deliveries(tr: Transaction, now_ms: int | None = None, limit: int = 100) -> list[Delivery]:
    """Deliveries whose next attempt is due, oldest first."""
    begin, _ = WEBHOOK_DUE.range()
    end = WEBHOOK_DUE.key(now_ms if now_ms is not None else _now_ms() + 1)
    return [Delivery.from_json(v) for _, v in tr.get_range(begin, end, limit=limit)]


@transactional
def claim_due(tr: Transaction, lease_ms: int, limit: int = 100, now_ms: int | None = None) -> list[Delivery]:
    """Take due deliveries for one attempt: each moves `lease_ms` into the future in this transaction.

    Two dispatchers never take the same delivery, and one that dies mid-attempt leaves it due again when
    the lease ends (at least once). Finish each with `delivered`, `retry_later` or `park`.
    """
    now = now_ms if now_ms is not None else _now_ms()
    claimed = []
    for delivery in due_deliveries(tr, now + 1, limit):
        tr.clear(WEBHOOK_DUE.key(delivery.due_at_ms, delivery.delivery_id))
        delivery.due_at_ms = now + lease_ms
        tr.set(WEBHOOK_DUE.key(delivery.due_at_ms, delivery.delivery_id), delivery.to_json())
        claimed.append(delivery)
    return claimed


@transactional
def delivered(tr: Transaction, delivery: Delivery) -> None:
    tr.clear(WEBHOOK_DUE.key(delivery.due_at_ms, delivery.delivery_id))


@transactional
def retry_later(tr: Transaction, delivery: Delivery, error: str, due_at_ms: int) -> Delivery:
    tr.clear(WEBHOOK_DUE.key(delivery.due_at_ms, delivery.delivery_id))
    delivery.attempts += 1
    delivery.last_error = error
    delivery.history = ([*delivery.history, error])[-10:]
    delivery.due_at_ms = due_at_ms
    tr.set(WEBHOOK_DUE.key(due_at_ms, delivery.delivery_id), delivery.to_json())
    return delivery


@transactional
def park(tr: Transaction, delivery: Delivery, error: str) -> None:
    """Move a delivery past its retry window to the partner's dead letters."""
    tr.clear(WEBHOOK_DUE.key(delivery.due_at_ms, delivery.delivery_id))
    delivery.attempts += 1
    delivery.last_error = error
    delivery.history = ([*delivery.history, error])[-10:]
    tr.set(WEBHOOK_DEAD.key(delivery.partner_id, delivery.delivery_id), delivery.to_json())


@transactional
def dead_deliveries(tr: Transaction, partner_id: str, limit: int = 1000) -> list[Delivery]:
    """The partner's parked deliveries (event id, type, attempts, last error, body)."""
    begin, end = WEBHOOK_DEAD.range(partner_id)
    return [Delivery.from_json(v) for _, v in tr.get_range(begin, end, limit=limit)]


@transactional
def replay_dead(tr: Transaction, partner_id: str, delivery_ids: list[str] | None = None) -> int:
    """Queue the partner's parked deliveries again (all, or those named), with a fresh retry window.

    Naming a delivery the partner has not parked (another partner's, or one already replayed) raises
    `NotParked` and replays nothing."""
    now = _now_ms()
    count = 0
    parked = dead_deliveries(tr, partner_id)
    if delivery_ids is not None:
        missing = sorted(set(delivery_ids) - {d.delivery_id for d in parked})
        if missing:
            raise NotParked(missing)
    for delivery in parked:
        if delivery_ids is not None and delivery.delivery_id not in delivery_ids:
            continue
        tr.clear(WEBHOOK_DEAD.key(partner_id, delivery.delivery_id))
        current = get_webhook(tr, partner_id, delivery.webhook_id)
        if current is not None:
            delivery.url = current.url  # the partner may have fixed its endpoint
        delivery.first_attempt_at_ms = now
        delivery.due_at_ms = now
        delivery.attempts = 0
        tr.set(WEBHOOK_DUE.key(now, delivery.delivery_id), delivery.to_json())
        count += 1
    return count


def purge_seen(store: Store, older_than_ms: int, batch: int = 1000) -> int:
    """Forget enqueue marks older than `older_than_ms` (past the outbox retention nothing replays them)."""
    removed = 0
    begin, end = WEBHOOK_SEEN.range()
    while True:

        def step(tr: Transaction, start: bytes) -> tuple[int, bytes | None]:
            rows = tr.get_range(start, end, limit=batch)
            gone = 0
            for key, value in rows:
                if decode_counter(value) < older_than_ms:
                    tr.clear(key)
                    gone += 1
            return gone, (rows[-1][0] + b"\x00" if len(rows) == batch else None)

        gone, begin_next = store.run(functools.partial(step, start=begin))
        removed += gone
        if begin_next is None:
            return removed
        begin = begin_next
