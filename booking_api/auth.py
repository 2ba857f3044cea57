"""API-key authentication, scopes and the per-key rate limit, as FastAPI dependencies.

A key is sent as `Authorization: Bearer <key>` (or `X-API-Key: <key>`). Only its SHA-256 is stored
(core/booking/apikeys.py); lookups are cached in-process for a few seconds, so a revoked key stops
working within that time. Scopes: `search`, `book`, `inventory`, `admin` (admin implies all).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from booking_api.problems import Problem
from core.booking.apikeys import ApiKey, key_hash, lookup_api_key

KEY_CACHE_TTL_S = 10.0
# Declared for OpenAPI (the Authorize button in /docs, client generators); `authenticate` reads the
# headers itself so that a missing or bad key is a problem+json 401, not FastAPI's plain 403.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="`Authorization: Bearer <key>`")
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                              description="The same key in the `X-API-Key` header.")  # fmt: skip


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return request.headers.get("x-api-key") or None


async def authenticate(request: Request) -> ApiKey:
    services = request.app.state.services
    token = _token(request)
    if token is None:
        raise Problem(
            401, "missing-credentials", "Authentication required",
            "send your API key as `Authorization: Bearer <key>`",
            errors=[{"field": "Authorization", "reason": "missing"}],
            headers={"WWW-Authenticate": 'Bearer realm="ibe"'},
        )  # fmt: skip
    digest = key_hash(token)
    cached = services.key_cache.get(digest)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        key = cached[1]
    else:
        key = await services.read(lambda tr: lookup_api_key(tr, token))
        if len(services.key_cache) > 10_000:
            services.key_cache.clear()
        services.key_cache[digest] = (now + KEY_CACHE_TTL_S, key)
    if key is None:
        raise Problem(
            401, "invalid-credentials", "Authentication failed", "the API key is not valid",
            errors=[{"field": "Authorization", "reason": "unknown or revoked API key"}],
            headers={"WWW-Authenticate": 'Bearer realm="ibe", error="invalid_token"'},
        )  # fmt: skip
    return key


def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency: an authenticated key holding `scope`, within its rate limit."""

    async def dependency(
        request: Request,
        response: Response,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
        _header: Annotated[str | None, Security(API_KEY_HEADER)],
    ) -> ApiKey:
        key = await authenticate(request)
        if not key.allows(scope):
            raise Problem(
                403, "insufficient-scope", "Forbidden",
                f"this API key lacks the `{scope}` scope (it has: {', '.join(key.scopes)})",
                errors=[{"field": "Authorization", "reason": f"scope `{scope}` required"}],
            )  # fmt: skip
        decision = await request.app.state.services.limiter.take(key.key_id, key.rate_per_minute, key.burst)
        headers = decision.headers()
        request.state.rate_headers = headers
        if not decision.allowed:
            raise Problem(
                429, "rate-limited", "Too many requests",
                f"rate limit of {key.rate_per_minute} requests a minute (burst {key.burst}) reached; "
                f"retry in {decision.reset_s} s",
            )  # fmt: skip
        response.headers.update(headers)
        request.state.api_key = key
        return key

    dependency.__name__ = f"require_{scope}"
    return dependency
