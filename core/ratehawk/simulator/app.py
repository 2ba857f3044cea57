"""The simulator's ASGI app: auth, rate limits, locks and faults around the endpoint handlers."""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import random
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from core.ratehawk.simulator import booking, search
from core.ratehawk.simulator.config import DEFAULT_LIMITS, FaultSettings, SimulatorConfig
from core.ratehawk.simulator.dumps import FILES_BY_ENDPOINT
from core.ratehawk.simulator.state import SimulatorState
from core.ratehawk.simulator.validation import LANGUAGES, ApiError, invalid

API_PREFIX = "/api/b2b/v3/"
LOCK_MEMORY = 10_000
Handler = Callable[[SimulatorState, str, dict], Any]
# endpoint -> partner_order_id location, for the `lock` on rapid repeats
LOCKED = {
    "hotel/order/booking/form/": ("partner_order_id",),
    "hotel/order/booking/finish/": ("partner", "partner_order_id"),
    "hotel/order/cancel/": ("partner_order_id",),
}


def envelope(data: Any = None, error: str | None = None, status: str = "ok", debug: Any = None) -> bytes:
    return orjson.dumps({"data": data, "debug": debug, "error": error, "status": status})


def json_response(body: bytes, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def error_response(exc: ApiError, headers: dict[str, str] | None = None) -> Response:
    body = envelope(error=exc.slug, status="error", debug=exc.debug())
    return json_response(body, exc.http_status, {**(headers or {}), **exc.headers})


def _dump_link(endpoint: str) -> Handler:
    def handler(state: SimulatorState, key_id: str, body: dict) -> dict:
        language = body.get("language", "en")
        if language not in LANGUAGES:
            raise invalid(f"language: '{language}' is not supported")
        dumps = state.dumps
        if not dumps.ready():
            raise ApiError("dump_not_ready", sentence="the dump is being prepared; try again later")
        _, name = FILES_BY_ENDPOINT[endpoint]
        return {"url": state.base_url + dumps.signed_path(name), "last_update": dumps.last_update()}

    return handler


def _overview(state: SimulatorState, key_id: str, body: dict) -> list[dict]:
    out = []
    for endpoint in HANDLERS:
        limit = state.config.limit_for(endpoint)
        limited = state.config.rate_limits and limit is not None
        out.append(
            {
                "endpoint": f"api/b2b/v3/{endpoint}",
                "is_active": True,
                "is_limited": limited,
                "requests_number": limit[0] if limited and limit else None,
                "seconds_number": limit[1] if limited and limit else None,
            }
        )
    return out


HANDLERS: dict[str, Handler] = {
    "overview/": _overview,
    "hotel/info/dump/": _dump_link("hotel/info/dump/"),
    "hotel/info/incremental_dump/": _dump_link("hotel/info/incremental_dump/"),
    "hotel/region/dump/": _dump_link("hotel/region/dump/"),
    "hotel/info/": search.hotel_info,
    "search/multicomplete/": search.multicomplete,
    "search/serp/region/": search.serp_region,
    "search/serp/hotels/": search.serp_hotels,
    "search/serp/geo/": search.serp_geo,
    "search/hp/": search.hotel_page,
    "hotel/prebook/": booking.prebook,
    "hotel/order/booking/form/": booking.booking_form,
    "hotel/order/booking/finish/": booking.booking_finish,
    "hotel/order/booking/finish/status/": booking.booking_status,
    "hotel/order/cancel/": booking.cancel,
    "hotel/order/info/": booking.order_info,
    "hotel/order/document/voucher/download/": booking.voucher,
}
assert set(DEFAULT_LIMITS) <= set(HANDLERS)


class Simulator:
    """Holds the state and runs one API call through auth, limits, locks, faults and the handler."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.state = SimulatorState(config)
        self._rng = random.Random(config.faults.seed)

    def set_faults(self, faults: FaultSettings) -> None:
        self.config.faults = faults
        self._rng = random.Random(faults.seed)
        self.state.burst_left = 0
        self.state.calls = 0

    # -- pipeline -------------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("authorization")
        if not header:
            raise ApiError("no_auth_header", 403, "use HTTP Basic auth: key id and API key")
        scheme, _, encoded = header.partition(" ")
        try:
            key_id, _, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key_id = secret = ""
        if scheme.lower() != "basic" or self.config.credentials.get(key_id) != secret or not secret:
            raise ApiError("incorrect_credentials", 403, "the key id or API key is wrong")
        return key_id

    async def _body(self, request: Request) -> dict:
        if request.method == "GET":
            raw = request.query_params.get("data", "").encode()
            if not raw:
                return {}
        else:
            raw = await request.body()
            if not raw.strip():
                raw = b"{}"
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ApiError("decoding_json", 400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError("body_must_be_json_object", 400, "the body must be a JSON object")
        return body

    def _lock(self, key_id: str, endpoint: str, body: dict) -> None:
        path = LOCKED.get(endpoint)
        if path is None:
            return
        value: Any = body
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str):
            return
        now = self.config.clock()
        seen = self.state.last_seen
        if len(seen) > LOCK_MEMORY:  # forget ids sent longer ago than the window
            for stale in [k for k, at in seen.items() if now - at >= self.config.lock_window_s]:
                del seen[stale]
        key = (key_id, endpoint, value)
        last = seen.get(key)
        seen[key] = now
        if last is not None and now - last < self.config.lock_window_s:
            exc = ApiError("lock", 429, "the same partner_order_id was sent moments ago; wait and retry")
            exc.headers["Retry-After"] = str(max(1, math.ceil(self.config.lock_window_s)))
            raise exc

    async def _faults_before(self, endpoint: str) -> bool:
        """Latency, bursts and errors; returns whether this call will time out after its work."""
        f = self.config.faults
        if f.endpoints and endpoint not in f.endpoints:
            return False
        rng = self._rng
        if f.latency_ms > 0:
            if f.latency_distribution == "uniform":
                delay = f.latency_ms + (rng.random() * 2 - 1) * f.latency_jitter_ms
            elif f.latency_distribution == "exponential":
                delay = rng.expovariate(1 / f.latency_ms)
            else:
                delay = f.latency_ms
            await asyncio.sleep(max(0.0, delay) / 1000)
        state = self.state
        state.calls += 1
        if state.burst_left == 0 and f.burst_every and f.burst_length and state.calls % f.burst_every == 0:
            state.burst_left = f.burst_length
        if state.burst_left > 0:
            state.burst_left -= 1
            raise ApiError("unknown", 503, "injected fault: 5xx burst")
        if f.error_rate and rng.random() < f.error_rate:
            raise ApiError("unknown", f.error_http_status, "injected fault: server error")
        return bool(f.timeout_rate) and rng.random() < f.timeout_rate

    async def call(self, request: Request, endpoint: str) -> Response:
        handler = HANDLERS.get(endpoint)
        if handler is None:
            return error_response(ApiError("endpoint_not_found", 404, f"no endpoint {endpoint!r}"))
        headers: dict[str, str] = {}
        self.state.stats[f"{endpoint} total"] += 1
        try:
            key_id = self._authenticate(request)
            limit = self.config.limit_for(endpoint)
            if self.config.rate_limits and limit is not None:
                allowed, headers = self.state.limiter.hit(key_id, endpoint, limit, self.config.clock())
                if not allowed:
                    raise ApiError(
                        "endpoint_exceeded_limit", 429, f"at most {limit[0]} calls in {limit[1]} s"
                    )
            time_out = await self._faults_before(endpoint)
            body = await self._body(request)
            self._lock(key_id, endpoint, body)
            self.state.base_url = str(request.base_url).rstrip("/")
            result = handler(self.state, key_id, body)
            if time_out:
                await asyncio.sleep(self.config.faults.timeout_s)
                raise ApiError("timeout", 504, "injected fault: timeout after the work was done")
        except ApiError as exc:
            self.state.stats[f"{endpoint} {exc.slug}"] += 1
            return error_response(exc, headers)
        self.state.stats[f"{endpoint} ok"] += 1
        if isinstance(result, bytes):
            return Response(result, media_type="application/pdf", headers=headers)
        if isinstance(result, tuple):  # (status, data): the finish status
            status, data = result
            return json_response(envelope(data, status=status), headers=headers)
        return json_response(envelope(result), headers=headers)


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """The simulator as an ASGI app; `app.state.simulator` holds its `Simulator` (state and config)."""
    sim = Simulator(config or SimulatorConfig())

    async def api(request: Request) -> Response:
        return await sim.call(request, request.path_params["endpoint"].strip("/") + "/")

    async def dump_file(request: Request) -> Response:
        name = request.path_params["name"]
        dumps = sim.state.dumps
        path = dumps.check(name, request.query_params.get("expires"), request.query_params.get("signature"))
        if path is None:
            return Response("link expired or invalid\n", status_code=403, media_type="text/plain")
        sha = dumps.sha256(name) or ""
        return FileResponse(
            path,
            media_type="application/zstd",
            headers={"X-Checksum-Sha256": sha, "ETag": f'"{sha}"'},
        )

    async def admin_faults(request: Request) -> Response:
        if request.method in ("POST", "PUT"):
            try:
                patch = orjson.loads(await request.body() or b"{}")
                base = {} if request.method == "PUT" else sim.config.faults.model_dump()
                sim.set_faults(FaultSettings.model_validate({**base, **patch}))
            except (orjson.JSONDecodeError, TypeError, ValidationError) as exc:
                return json_response(envelope(error="invalid_params", status="error", debug=str(exc)), 400)
        return json_response(envelope(sim.config.faults.model_dump()))

    async def admin_reset(request: Request) -> Response:
        sim.state.reset()
        return json_response(envelope({"reset": True}))

    async def admin_stats(request: Request) -> Response:
        return json_response(envelope(dict(sorted(sim.state.stats.items()))))

    async def admin_orders(request: Request) -> Response:
        orders = [
            {"partner_order_id": o.partner_order_id, "order_id": o.order_id, "status": o.status,
             "outcome": o.outcome, "live": o.status == "ok" or (o.status == "processing" and o.outcome == "ok")}
            for o in sim.state.orders.values()
        ]  # fmt: skip
        return json_response(envelope({"orders": orders}))

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await asyncio.to_thread(sim.state.dumps.close)

    app = Starlette(
        routes=[
            Route("/api/b2b/v3/{endpoint:path}", api, methods=["GET", "POST"]),
            Route("/dumps/{name}", dump_file, methods=["GET", "HEAD"]),
            Route("/admin/faults", admin_faults, methods=["GET", "POST", "PUT"]),
            Route("/admin/reset", admin_reset, methods=["POST"]),
            Route("/admin/stats", admin_stats, methods=["GET"]),
            Route("/admin/orders", admin_orders, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.simulator = sim
    return app
