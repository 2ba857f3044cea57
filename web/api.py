"""The booking API as the front end sees it: HTTP calls with the front end's own key.

Every failure becomes one of a few kinds a guest page can explain (`GuestError.kind`): the rate is
sold out, the supplier failed, the API took too long, the input was refused (with the field named),
or something else went wrong. Nothing of the API's internals travels further than this module.
"""

from __future__ import annotations

from typing import Any

import httpx

# Problem types of the booking API (booking_api/problems.py) -> what the guest is told.
SOLD_OUT = {"rate-unavailable", "sold-out"}
SUPPLIER = {"supplier-unavailable", "supplier-error", "saga-unavailable"}


class GuestError(Exception):
    """A failure a guest page explains: `kind` is sold_out, supplier, timeout, invalid, not_found or other."""

    def __init__(
        self, kind: str, detail: str = "", status: int = 0, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.status = kind, detail, status
        self.errors = errors or []


def _problem_kind(status: int, slug: str) -> str:
    if slug in SOLD_OUT:
        return "sold_out"
    if slug in SUPPLIER or status in (502, 503):
        return "supplier"
    if status == 504:
        return "timeout"
    if status == 404:
        return "not_found"
    if status in (400, 409, 422):
        return "invalid"
    return "other"


class BookingApi:
    """Async client of the booking API's `/v1` routes."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout_s: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "ibe-web"},
            timeout=httpx.Timeout(timeout_s, connect=3.0),
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            resp = await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise GuestError("timeout", f"{method} {path} took too long") from None
        except httpx.TransportError as exc:
            raise GuestError("supplier", f"booking API unreachable: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            try:
                doc = resp.json()
            except ValueError:
                doc = {}
            slug = str(doc.get("type", "")).rsplit("/", 1)[-1]
            raise GuestError(
                _problem_kind(resp.status_code, slug),
                str(doc.get("detail") or doc.get("title") or resp.reason_phrase),
                resp.status_code,
                list(doc.get("errors") or []),
            )
        return resp.json()

    async def suggest(self, q: str, language: str = "en") -> dict[str, Any]:
        return await self._call("GET", "/v1/suggest", params={"q": q, "language": language})  # type: ignore[no-any-return]

    async def hotel(self, hid: int) -> dict[str, Any]:
        return await self._call("GET", f"/v1/hotels/{hid}")  # type: ignore[no-any-return]

    async def search(self, body: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        return await self._call("POST", "/v1/search", json=body, headers=_session(session))  # type: ignore[no-any-return]

    async def rates(self, hid: int, body: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        return await self._call("POST", f"/v1/hotels/{hid}/rates", json=body, headers=_session(session))  # type: ignore[no-any-return]

    async def prebook(self, body: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        return await self._call("POST", "/v1/prebook", json=body, headers=_session(session))  # type: ignore[no-any-return]

    async def book(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return await self._call(
            "POST", "/v1/bookings", json=body, headers={"Idempotency-Key": idempotency_key}
        )  # type: ignore[no-any-return]

    async def booking(self, booking_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/v1/bookings/{booking_id}")  # type: ignore[no-any-return]

    async def cancel(self, booking_id: str) -> dict[str, Any]:
        return await self._call("POST", f"/v1/bookings/{booking_id}/cancel")  # type: ignore[no-any-return]


def _session(session: str | None) -> dict[str, str]:
    return {"X-Session-Id": session} if session else {}
