"""Supplier order attempts: every `partner_order_id` tried for a booking, recorded BEFORE the call.

RateHawk says to retry a failed booking form with a new `partner_order_id`; a try that timed out
may still succeed later. Because every id is on record first, compensation and the post-confirm
sweep can find each try and cancel any order that exists beside the one the booking kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from core.domain.booking import utcnow
from core.kv import Transaction, transactional
from core.kv.keys import SUPPLIER_ORDER


@dataclass
class OrderAttempt:
    booking_id: str
    partner_order_id: str
    attempt: int
    state: str = "trying"  # trying | form_ok | form_failed | finishing | ok | failed | cancelled | absent
    order_id: int | None = None
    error: str | None = None
    recorded_at: str = field(default_factory=lambda: utcnow().isoformat())


def partner_order_id(booking_id: str, attempt: int, trigger: str | None = None) -> str:
    """Unique per contract; a sandbox trigger (e.g. `soldout`) goes last, as the sandbox expects."""
    base = f"{booking_id}-{attempt}"
    return f"{base}-{trigger}" if trigger else base


@transactional
def record_attempt(tr: Transaction, attempt: OrderAttempt) -> OrderAttempt:
    """Put the try on record (idempotent: an existing record is returned unchanged)."""
    key = SUPPLIER_ORDER.key(attempt.booking_id, attempt.partner_order_id)
    raw = tr.get(key)
    if raw is not None:
        return OrderAttempt(**json.loads(raw))
    tr.set(key, json.dumps(asdict(attempt)).encode())
    return attempt


@transactional
def update_attempt(
    tr: Transaction,
    booking_id: str,
    poid: str,
    state: str,
    order_id: int | None = None,
    error: str | None = None,
) -> OrderAttempt:
    key = SUPPLIER_ORDER.key(booking_id, poid)
    raw = tr.get(key)
    if raw is None:
        raise LookupError(f"no attempt {poid!r} on record for booking {booking_id}")
    attempt = OrderAttempt(**json.loads(raw))
    attempt.state = state
    if order_id is not None:
        attempt.order_id = order_id
    attempt.error = error
    tr.set(key, json.dumps(asdict(attempt)).encode())
    return attempt


@transactional
def attempts(tr: Transaction, booking_id: str) -> list[OrderAttempt]:
    rows = tr.get_range(*SUPPLIER_ORDER.range(booking_id))
    return sorted((OrderAttempt(**json.loads(v)) for _, v in rows), key=lambda a: a.attempt)
