"""Async client of the RateHawk B2B API v3; the same code talks to the simulator and the real API.

Which failures are retried, per the contract (/work/shared/ratehawk-api.md):

| calls | retried here (bounded, backoff) | surfaced |
|---|---|---|
| reads: overview, dumps, hotel info, multicomplete, searches, hotel page, prebook (choice: it creates nothing), order info, voucher | 429, `timeout`, `unknown`, 5xx, network | typed final errors |
| booking form | 429 `endpoint_exceeded_limit` (refused before any work) | everything else; `booking_form_with_retries()` retries with a NEW `partner_order_id` |
| booking finish | 429 `endpoint_exceeded_limit` | `timeout`/`unknown`/5xx/network return `"pending"` (go on polling) |
| finish status | 429 | `timeout`/`unknown`/5xx/network answer `processing`; final failures raise |
| cancel | 429, and `timeout` once more | the rest |

Every request first waits for the client-side limiter (`ratelimit.RateLimiter`, or with
`from_settings(..., shared_limits=True)` the Redis-backed `SharedRateLimiter` that all processes on
one key share), which starts from the limits of `GET overview/` and follows the `X-RateLimit-*`
headers of each answer.

Hot path (an uncached search costs the API about one supplier call): bodies are encoded and answers
decoded with orjson; the connection pool keeps as many keep-alive connections as the process has
concurrent callers (`max_connections`, `max_keepalive_connections`), so no request pays for a new
connection or a pool eviction; and a search may keep only the `cheapest` rates of each hotel before
the answer is validated (a result page shows 1-2 of them; the hotel page takes every rate).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import orjson

from core.ratehawk.errors import (
    AuthenticationError,
    BookingFormRetryError,
    DumpDownloadError,
    RateHawkError,
    RateLimitedError,
    TransientError,
    make_error,
)
from core.ratehawk.models import (
    BookingForm,
    BookingStatus,
    CancelResult,
    DumpLink,
    EndpointLimit,
    FinishOutcome,
    FinishRequest,
    HotelInfo,
    Multicomplete,
    OrdersPage,
    PrebookResult,
    SearchParams,
    SearchResults,
)
from core.ratehawk.ratelimit import Limiter, RateLimiter, SharedRateLimiter, parse_reset

if TYPE_CHECKING:
    from core.config import Settings

log = logging.getLogger(__name__)

API_PATH = "/api/b2b/v3/"
USER_AGENT = "etg-ibe/0.1 (+ratehawk-client)"
Sleep = Callable[[float], Awaitable[None]]
RetryRule = Callable[[RateHawkError, int], bool]
JSON_HEADERS = {"Content-Type": "application/json"}
# The pool: an API process makes at most one supplier call per request in flight (32 concurrent clients
# in the benchmark, with room to spare) and a worker fewer; keeping a connection alive per concurrent
# caller means no request waits for a new connection or an eviction (httpx's default keeps 20).
DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_MAX_KEEPALIVE = 64


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter."""

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    lock_delay_s: float = 1.5  # `lock` refuses a repeated partner_order_id for a short window

    def delay(self, attempt: int, slug: str = "") -> float:
        pause = random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))
        return max(pause, self.lock_delay_s) if slug == "lock" else pause


@dataclass
class ClientStats:
    """What the client did; tests and benchmarks assert on it."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 `endpoint_exceeded_limit` answers received
    locked: int = 0  # 429 `lock` answers (a repeated partner_order_id, not a rate limit)
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class DownloadedDump:
    path: Path
    size: int
    sha256: str
    resumed_from: int  # bytes already on disk when the last successful attempt started
    attempts: int


def _price_key(rate: Any, currency: str | None) -> tuple[int, Decimal]:
    """A rate's price as a result page compares it: the first payment type's `show_amount` when it is
    in the asked currency, else its `amount`; rates without a readable price sort last."""
    try:
        pay = rate["payment_options"]["payment_types"][0]
        if pay.get("show_currency_code") == currency and pay.get("show_amount") is not None:
            return 0, Decimal(str(pay["show_amount"]))
        return 0, Decimal(str(pay["amount"]))
    except (KeyError, IndexError, TypeError, AttributeError, InvalidOperation):
        return 1, Decimal(0)


def _keep_cheapest(data: Any, n: int | None, currency: str | None) -> Any:
    """Keep the `n` cheapest rates of each hotel of a search answer (stable among equal prices), so
    only those are validated; None keeps every rate."""
    if n is None or not isinstance(data, dict) or not isinstance(data.get("hotels"), list):
        return data
    for hotel in data["hotels"]:
        rates = hotel.get("rates") if isinstance(hotel, dict) else None
        if isinstance(rates, list) and len(rates) > n:
            hotel["rates"] = sorted(rates, key=lambda r: _price_key(r, currency))[:n]
    return data


def _retry_reads(exc: RateHawkError, attempt: int) -> bool:
    return isinstance(exc, TransientError)


def _retry_refused(exc: RateHawkError, attempt: int) -> bool:
    return isinstance(exc, RateLimitedError) and exc.slug == "endpoint_exceeded_limit"


def _retry_cancel(exc: RateHawkError, attempt: int) -> bool:
    if isinstance(exc, RateLimitedError):
        return True
    return isinstance(exc, TransientError) and exc.slug == "timeout" and attempt == 1


def _retry_rate_limits(exc: RateHawkError, attempt: int) -> bool:
    return isinstance(exc, RateLimitedError)


class RateHawkClient:
    """One client per process (or per worker); share it, it holds the connection pool and limiter.

    Use as `async with RateHawkClient.from_settings(settings) as client: ...`.
    """

    def __init__(
        self,
        base_url: str,
        key_id: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: Limiter | None = None,
        load_published_limits: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE,
        keepalive_expiry_s: float = 30.0,
    ) -> None:
        root = base_url.rstrip("/")
        if root.endswith(API_PATH.rstrip("/")):
            root = root[: -len(API_PATH.rstrip("/"))]
        self.base_url = root
        self._auth = httpx.BasicAuth(str(key_id), api_key)
        self._timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.limiter: Limiter = limiter or RateLimiter(sleep=sleep)
        self._owns_limiter = limiter is None
        self._sleep = sleep
        self._limits_loaded = not load_published_limits
        self._limits_lock = asyncio.Lock()
        self.stats = ClientStats()
        self._http = httpx.AsyncClient(
            base_url=root + API_PATH,
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=min(max_keepalive_connections, max_connections),
                keepalive_expiry=keepalive_expiry_s,
            ),
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, shared_limits: bool = False, **kwargs: Any
    ) -> RateHawkClient:
        """A client for the configured API. `shared_limits` paces through Redis (`settings.redis_target`)
        so that every process using this key shares its budget."""
        client = cls(
            settings.ratehawk_url,
            settings.ratehawk_key_id,
            settings.ratehawk_api_key.get_secret_value(),
            **kwargs,
        )
        if shared_limits and "limiter" not in kwargs:
            namespace = f"{settings.deployment}:ratehawk:{settings.ratehawk_key_id}"
            client.limiter = SharedRateLimiter.from_url(settings.redis_target, namespace)
        return client

    async def __aenter__(self) -> RateHawkClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._owns_limiter:
            await self.limiter.aclose()

    # -- transport -----------------------------------------------------------------------------
    async def _ensure_limits(self) -> None:
        if self._limits_loaded:
            return
        async with self._limits_lock:  # every other first caller waits here until the limits are in
            if self._limits_loaded:
                return
            try:
                await self.overview()
            except AuthenticationError:
                raise
            except RateHawkError as exc:
                log.warning("ratehawk: published limits unavailable (%s); using the contract's", exc)
            self._limits_loaded = True

    async def _send(
        self, method: str, endpoint: str, body: Mapping[str, Any] | None, params: Mapping[str, str] | None
    ) -> tuple[httpx.Response, dict[str, Any] | None]:
        await self.limiter.acquire(endpoint)
        self.stats.requests += 1
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._http.request(
                    method,
                    endpoint,
                    content=orjson.dumps(body) if body is not None else None,
                    headers=JSON_HEADERS if body is not None else None,
                    params=params,
                    auth=self._auth,
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise TransientError("timeout", endpoint=endpoint, message=f"no answer: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TransientError("network", endpoint=endpoint, message=repr(exc)) from exc
        self.stats.statuses[response.status_code] += 1
        await self.limiter.observe(endpoint, response.headers)
        payload: dict[str, Any] | None = None
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                decoded = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                decoded = None
            payload = decoded if isinstance(decoded, dict) else None
        return response, payload

    def _error_of(
        self, endpoint: str, response: httpx.Response, payload: dict[str, Any] | None
    ) -> RateHawkError:
        status = response.status_code
        slug = (payload or {}).get("error") or f"http_{status}"
        debug = (payload or {}).get("debug")
        retry_after = None
        if status == 429:
            if slug == "lock":
                self.stats.locked += 1
            else:
                self.stats.rate_limited += 1
            hint = response.headers.get("retry-after") or response.headers.get("x-ratelimit-reset")
            retry_after = parse_reset(hint) if hint else None
        return make_error(
            str(slug), endpoint=endpoint, http_status=status, debug=debug, retry_after=retry_after
        )

    async def _call(
        self,
        endpoint: str,
        body: Mapping[str, Any] | None = None,
        *,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
        retry_if: RetryRule = _retry_reads,
        accept: frozenset[str] = frozenset({"ok"}),
    ) -> dict[str, Any]:
        """One API call with the endpoint's retry rule; returns the whole envelope."""
        if endpoint != "overview/":
            await self._ensure_limits()
        attempt = 0
        while True:
            attempt += 1
            try:
                response, payload = await self._send(method, endpoint, body, params)
                if response.status_code < 400 and payload is not None and payload.get("status") in accept:
                    return payload
                if response.status_code < 400 and payload is None:
                    raise TransientError(
                        "invalid_response", endpoint=endpoint, http_status=response.status_code
                    )
                raise self._error_of(endpoint, response, payload)
            except RateHawkError as exc:
                if isinstance(exc, RateLimitedError) and exc.slug == "endpoint_exceeded_limit":
                    # Hold the endpoint until the server's reset; every caller's acquire() waits for it.
                    pause = exc.retry_after if exc.retry_after is not None else self.retry.delay(2)
                    await self.limiter.block(endpoint, pause)
                if attempt >= self.retry.max_attempts or not retry_if(exc, attempt):
                    raise
                self.stats.retries += 1
                if exc.slug != "endpoint_exceeded_limit":
                    # (after a rate limit, the limiter already holds the endpoint until its reset)
                    await self._sleep(self.retry.delay(attempt, exc.slug))
                log.info("ratehawk: retrying %s after %s (attempt %d)", endpoint, exc.slug, attempt + 1)

    async def _data(self, endpoint: str, body: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return (await self._call(endpoint, body, **kwargs)).get("data")

    # -- overview and static content -----------------------------------------------------------
    async def overview(self) -> list[EndpointLimit]:
        """The key's endpoints and their published limits; also loads them into the limiter."""
        data = await self._data("overview/", None, method="GET")
        entries = [EndpointLimit.model_validate(e) for e in (data or [])]
        self.limiter.load_published(entries)
        return entries

    async def hotel_dump(self, language: str = "en", inventory: str | None = None) -> DumpLink:
        """Signed link to the weekly full dump; raises `DumpNotReadyError` while it is rebuilt."""
        body = {"language": language, **({"inventory": inventory} if inventory else {})}
        return DumpLink.model_validate(await self._data("hotel/info/dump/", body))

    async def incremental_dump(self, language: str = "en", inventory: str | None = None) -> DumpLink:
        body = {"language": language, **({"inventory": inventory} if inventory else {})}
        return DumpLink.model_validate(await self._data("hotel/info/incremental_dump/", body))

    async def region_dump(self, language: str = "en") -> DumpLink:
        return DumpLink.model_validate(await self._data("hotel/region/dump/", {"language": language}))

    async def hotel_info(
        self, *, hid: int | None = None, id: str | None = None, language: str = "en"
    ) -> HotelInfo:
        if (hid is None) == (id is None):
            raise ValueError("give exactly one of hid or id")
        body: dict[str, Any] = {"language": language, **({"hid": hid} if hid is not None else {"id": id})}
        return HotelInfo.model_validate(await self._data("hotel/info/", body))

    async def multicomplete(self, query: str, language: str = "en") -> Multicomplete:
        return Multicomplete.model_validate(
            await self._data("search/multicomplete/", {"query": query, "language": language})
        )

    # -- search --------------------------------------------------------------------------------
    # `cheapest=n` keeps the n cheapest rates of each hotel (in `params.currency` when the supplier
    # shows it), as a result page does; most of a search's cost is validating rates it would drop.
    async def _search(
        self, endpoint: str, body: dict[str, Any], params: SearchParams, cheapest: int | None
    ) -> SearchResults:
        data = _keep_cheapest(await self._data(endpoint, body), cheapest, params.currency)
        return SearchResults.model_validate(data)

    async def search_region(
        self, params: SearchParams, region_id: int, *, cheapest: int | None = None
    ) -> SearchResults:
        body = {**params.body(), "region_id": region_id}
        return await self._search("search/serp/region/", body, params, cheapest)

    async def search_hotels(
        self, params: SearchParams, hids: list[int], *, cheapest: int | None = None
    ) -> SearchResults:
        if not 1 <= len(hids) <= 300:
            raise ValueError("search/serp/hotels/ takes 1 to 300 hids")
        body = {**params.body(), "hids": list(hids)}
        return await self._search("search/serp/hotels/", body, params, cheapest)

    async def search_geo(
        self,
        params: SearchParams,
        latitude: float,
        longitude: float,
        radius_m: int,
        *,
        cheapest: int | None = None,
    ) -> SearchResults:
        body = {**params.body(), "latitude": latitude, "longitude": longitude, "radius": radius_m}
        return await self._search("search/serp/geo/", body, params, cheapest)

    async def hotel_page(self, params: SearchParams, hid: int) -> SearchResults:
        """The rates of the hotel a guest picked, with their `h-...` book hashes. Never cache it."""
        body = {**params.body(), "hid": hid}
        return SearchResults.model_validate(await self._data("search/hp/", body))

    # -- booking flow --------------------------------------------------------------------------
    async def prebook(self, book_hash: str, price_increase_percent: int = 0) -> PrebookResult:
        """Check the rate is still there; the answer's `p-...` hash is the one to book with."""
        if not 0 <= price_increase_percent <= 100:
            raise ValueError("price_increase_percent is 0 to 100")
        body = {"hash": book_hash, "price_increase_percent": price_increase_percent}
        return PrebookResult.model_validate(await self._data("hotel/prebook/", body))

    async def booking_form(
        self, partner_order_id: str, book_hash: str, *, user_ip: str, language: str = "en"
    ) -> BookingForm:
        """Create the booking form. Raises `TransientError`/`BookingFormRetryError` (retry with a
        new `partner_order_id`) or a final error; see `booking_form_with_retries`."""
        body = {
            "partner_order_id": partner_order_id,
            "book_hash": book_hash,
            "language": language,
            "user_ip": user_ip,
        }
        data = await self._data("hotel/order/booking/form/", body, retry_if=_retry_refused)
        return BookingForm.model_validate(data)

    async def booking_form_with_retries(
        self,
        book_hash: str,
        next_partner_order_id: Callable[[], Awaitable[str]],
        *,
        user_ip: str,
        language: str = "en",
        max_attempts: int = 10,
    ) -> BookingForm:
        """The contract's form retry: on `timeout`, `unknown`, 5xx, `double_booking_form` or
        `duplicate_reservation`, try again with a new id (at most 10 tries). `next_partner_order_id`
        must record each id durably before returning it, so a late success can be found."""
        last: RateHawkError | None = None
        for attempt in range(1, max_attempts + 1):
            partner_order_id = await next_partner_order_id()
            try:
                return await self.booking_form(
                    partner_order_id, book_hash, user_ip=user_ip, language=language
                )
            except (TransientError, BookingFormRetryError) as exc:
                last = exc
                log.info("ratehawk: form %s failed with %s, new id", partner_order_id, exc.slug)
                if attempt < max_attempts:
                    await self._sleep(self.retry.delay(attempt))
        assert last is not None
        raise last

    async def booking_finish(self, request: FinishRequest) -> FinishOutcome:
        """Start the booking. `accepted` or `pending` both mean: poll `booking_status()` now.
        Final errors (`BookingDataError`, `RateUnavailableError`, `AccountError`, ...) raise."""
        try:
            await self._call("hotel/order/booking/finish/", request.body(), retry_if=_retry_refused)
        except TransientError as exc:
            if isinstance(exc, RateLimitedError) and exc.slug == "endpoint_exceeded_limit":
                raise
            log.info(
                "ratehawk: finish %s answered %s; polling decides", request.partner.partner_order_id, exc.slug
            )
            return "pending"
        return "accepted"

    async def booking_status(self, partner_order_id: str) -> BookingStatus:
        """One status poll: `ok` is the only success; `processing` (also returned for `timeout`,
        `unknown`, 5xx and network failures) means poll again; final failures raise
        `BookingFailedError` or `OrderNotFoundError`."""
        try:
            envelope = await self._call(
                "hotel/order/booking/finish/status/",
                {"partner_order_id": partner_order_id},
                retry_if=_retry_rate_limits,
                accept=frozenset({"ok", "processing"}),
            )
        except RateLimitedError:
            raise
        except TransientError as exc:
            return BookingStatus(
                status="processing", partner_order_id=partner_order_id, data={"transient": exc.slug}
            )
        return BookingStatus(
            status=envelope["status"], partner_order_id=partner_order_id, data=envelope.get("data")
        )

    async def wait_for_booking(
        self, partner_order_id: str, *, interval_s: float = 3.0, deadline_s: float = 600.0
    ) -> BookingStatus:
        """Poll until `ok` (returned) or a final failure (raised). Past `deadline_s` the outcome is
        still unknown: raises `TransientError("timeout")` and the order must be reconciled later."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + deadline_s
        while True:
            status = await self.booking_status(partner_order_id)
            if status.confirmed:
                return status
            if loop.time() + interval_s > give_up:
                raise TransientError(
                    "timeout",
                    endpoint="hotel/order/booking/finish/status/",
                    message=f"still processing after {deadline_s:.0f} s",
                )
            await self._sleep(interval_s)

    async def cancel(self, partner_order_id: str) -> CancelResult:
        """Cancel an order; `timeout` is tried once more, as the contract says."""
        data = await self._data(
            "hotel/order/cancel/", {"partner_order_id": partner_order_id}, retry_if=_retry_cancel
        )
        return CancelResult.model_validate(data or {})

    async def order_info(
        self,
        *,
        partner_order_ids: list[str] | None = None,
        page: int = 1,
        page_size: int = 10,
        language: str = "en",
    ) -> OrdersPage:
        """A page of orders (not the source of truth for booking status: poll the status)."""
        body: dict[str, Any] = {
            "ordering": {"ordering_type": "desc", "ordering_by": "created_at"},
            "pagination": {"page_size": str(page_size), "page_number": str(page)},
            "language": language,
        }
        if partner_order_ids:
            body["search"] = {"partner_order_ids": list(partner_order_ids)}
        return OrdersPage.model_validate(await self._data("hotel/order/info/", body) or {})

    async def voucher(self, partner_order_id: str, language: str = "en") -> bytes:
        """The order's voucher PDF (small, so returned whole)."""
        endpoint = "hotel/order/document/voucher/download/"
        await self._ensure_limits()
        query = {"data": json.dumps({"partner_order_id": partner_order_id, "language": language})}
        attempt = 0
        while True:
            attempt += 1
            try:
                response, payload = await self._send("GET", endpoint, None, query)
                if response.status_code == 200 and payload is None:
                    return response.content
                raise self._error_of(endpoint, response, payload)
            except RateHawkError as exc:
                if attempt >= self.retry.max_attempts or not _retry_reads(exc, attempt):
                    raise
                self.stats.retries += 1
                await self._sleep(self.retry.delay(attempt))

    # -- dump files ----------------------------------------------------------------------------
    async def download_hotel_dump(
        self,
        dest: Path,
        *,
        language: str = "en",
        inventory: str | None = None,
        incremental: bool = False,
        **kwargs: Any,
    ) -> DownloadedDump:
        """Ask for the dump link and download it, asking for a fresh link if it expires meanwhile."""
        ask = self.incremental_dump if incremental else self.hotel_dump

        async def fresh_url() -> str:
            return (await ask(language, inventory)).url

        return await self.download(await fresh_url(), dest, refresh_url=fresh_url, **kwargs)

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        expected_sha256: str | None = None,
        refresh_url: Callable[[], Awaitable[str]] | None = None,
        max_attempts: int = 8,
        chunk_size: int = 1 << 20,
        verify_zstd: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> DownloadedDump:
        """Stream `url` to `dest` without holding it in memory.

        Bytes go to `dest.part`; an interrupted transfer (here or in an earlier process) resumes
        with an HTTP Range request guarded by `If-Range`, so a changed file restarts from zero.
        The SHA-256 of the finished file is checked against `expected_sha256` or the server's
        digest header (`X-Checksum-Sha256`, `Repr-Digest`, `Digest`) when there is one; the size
        is checked against the server's. `verify_zstd` also decodes the file once to prove it whole.
        `progress(bytes_on_disk, total_or_None)` is called as chunks arrive.
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        meta_path = dest.with_name(dest.name + ".part.json")
        attempt = 0
        last_error: Exception | None = None
        while attempt < max_attempts:
            attempt += 1
            meta = _read_meta(meta_path) if part.exists() else {}
            offset = part.stat().st_size if part.exists() else 0
            headers = {"Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
                validator = meta.get("etag") or meta.get("last_modified")
                if validator:
                    headers["If-Range"] = validator
            try:
                result = await self._fetch_into(url, part, meta_path, offset, headers, chunk_size, progress)
            except _LinkExpired as exc:
                last_error = exc.error
                if refresh_url is None:
                    raise exc.error from None
                url = await refresh_url()
                continue
            except (httpx.TransportError, TimeoutError, TransientError) as exc:
                last_error = exc
                log.info("ratehawk: dump download interrupted (%r); resuming", exc)
                await self._sleep(self.retry.delay(attempt))
                continue
            started_from, size, total, server_digest = result
            if total is not None and size != total:
                last_error = DumpDownloadError("size_mismatch", message=f"got {size} of {total} bytes")
                continue
            digest = await asyncio.to_thread(_sha256_of, part)
            wanted = (expected_sha256 or server_digest or "").lower() or None
            if wanted and digest != wanted:
                part.unlink(missing_ok=True)
                meta_path.unlink(missing_ok=True)
                last_error = DumpDownloadError("checksum_mismatch", message=f"sha256 {digest} != {wanted}")
                continue
            if verify_zstd:
                await asyncio.to_thread(_check_zstd, part)
            part.replace(dest)
            meta_path.unlink(missing_ok=True)
            return DownloadedDump(dest, size, digest, started_from, attempt)
        if isinstance(last_error, RateHawkError):
            raise last_error
        raise DumpDownloadError(
            "download_failed", message=f"gave up after {attempt} attempts: {last_error!r}"
        )

    async def _fetch_into(
        self,
        url: str,
        part: Path,
        meta_path: Path,
        offset: int,
        headers: dict[str, str],
        chunk_size: int,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> tuple[int, int, int | None, str | None]:
        auth = self._auth if _same_origin(url, self.base_url) else None
        request = self._http.build_request("GET", url, headers=headers)
        response = await self._http.send(request, auth=auth, stream=True)
        try:
            status = response.status_code
            if status in (401, 403, 404, 410):
                raise _LinkExpired(DumpDownloadError("link_refused", http_status=status, endpoint="dump"))
            if status == 416:
                # Nothing left to send: the part is already whole if the server's size matches.
                total = _total_from_content_range(response.headers.get("content-range"))
                if total is not None and total == offset:
                    return offset, offset, total, _server_sha256(response.headers, _read_meta(meta_path))
                part.unlink(missing_ok=True)
                meta_path.unlink(missing_ok=True)
                raise TransientError("range_not_satisfiable", endpoint="dump", http_status=416)
            if status >= 500 or status == 429:
                raise TransientError(f"http_{status}", endpoint="dump", http_status=status)
            if status not in (200, 206):
                raise DumpDownloadError(f"http_{status}", endpoint="dump", http_status=status)
            if status == 206:
                start, total = _range_of(response.headers.get("content-range"))
                if start != offset:
                    part.unlink(missing_ok=True)
                    meta_path.unlink(missing_ok=True)
                    raise TransientError("range_mismatch", endpoint="dump", http_status=206)
                meta = _read_meta(meta_path)
            else:
                offset = 0
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                meta = {
                    "etag": response.headers.get("etag"),
                    "last_modified": response.headers.get("last-modified"),
                    "total": total,
                    "sha256": _server_sha256(response.headers, {}),
                }
                meta_path.write_text(json.dumps(meta))
            total = total if total is not None else meta.get("total")
            size = offset
            # Chunks are written as they arrive (a buffered file batches them), so a dropped
            # connection loses nothing that was received.
            with part.open("r+b" if offset else "wb", buffering=chunk_size) as sink:
                sink.seek(offset)
                sink.truncate()
                async for chunk in response.aiter_raw():
                    sink.write(chunk)
                    size += len(chunk)
                    if progress is not None:
                        progress(size, total)
            return offset, size, total, meta.get("sha256") or _server_sha256(response.headers, {})
        finally:
            await response.aclose()


class _LinkExpired(Exception):
    def __init__(self, error: RateHawkError) -> None:
        super().__init__(str(error))
        self.error = error


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return not a.netloc or (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _range_of(content_range: str | None) -> tuple[int | None, int | None]:
    # "bytes 100-199/1000" -> (100, 1000); total "*" -> None
    if not content_range or not content_range.startswith("bytes "):
        return None, None
    span, _, total = content_range[6:].partition("/")
    start = span.split("-", 1)[0]
    return (int(start) if start.isdigit() else None), (int(total) if total.isdigit() else None)


def _total_from_content_range(content_range: str | None) -> int | None:
    if not content_range:
        return None
    _, _, total = content_range.rpartition("/")
    return int(total) if total.isdigit() else None


def _server_sha256(headers: Mapping[str, str], meta: Mapping[str, Any]) -> str | None:
    if meta.get("sha256"):
        return str(meta["sha256"])
    value = headers.get("x-checksum-sha256")
    if value:
        return value.strip().lower()
    for name in ("repr-digest", "content-digest", "digest"):
        header = headers.get(name)
        if not header:
            continue
        for item in header.split(","):
            algo, _, encoded = item.strip().partition("=")
            if algo.strip().lower() == "sha-256":
                try:
                    return base64.b64decode(encoded.strip().strip(":")).hex()
                except ValueError:
                    continue
    return None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _check_zstd(path: Path) -> None:
    import zstandard

    try:
        with (
            path.open("rb") as source,
            zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True) as reader,
        ):
            while reader.read(1 << 22):
                pass
    except zstandard.ZstdError as exc:
        raise DumpDownloadError("corrupt_zstd", endpoint="dump", message=str(exc)) from exc
