"""Signed tokens: a rate offer or a booking draft carried through the guest's forms unchanged.

The pages keep no session: what the guest chose travels in a hidden field, signed with the front
end's secret, so a form cannot be edited to book another rate at another price.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson


class BadToken(ValueError):
    """The token was not made by this front end (or was changed)."""


def sign(data: dict[str, Any], secret: bytes) -> str:
    body = base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=")
    mac = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    return f"{body.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def unsign(token: str, secret: bytes) -> dict[str, Any]:
    try:
        body, mac = token.encode().split(b".", 1)
        want = base64.urlsafe_b64encode(hmac.new(secret, body, hashlib.sha256).digest()[:16]).rstrip(b"=")
        if not hmac.compare_digest(want, mac):
            raise BadToken("signature does not match")
        data = orjson.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadToken(str(exc)) from None
    if not isinstance(data, dict):
        raise BadToken("not an object")
    return data


def booking_link_token(booking_id: str, email: str, secret: bytes) -> str:
    """What proves a guest may see a booking: its id and email, signed (so links can be shared by mail)."""
    msg = f"{booking_id}\x00{email.strip().lower()}".encode()
    return base64.urlsafe_b64encode(hmac.new(secret, msg, hashlib.sha256).digest()[:18]).decode()
