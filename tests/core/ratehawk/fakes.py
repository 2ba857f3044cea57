"""A scripted stand-in for the RateHawk API (httpx.MockTransport) and a fake clock, for fast tests of
the client's pacing, retries and error mapping. Answers follow the contract's envelope exactly."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

from core.ratehawk.client import RateHawkClient, RetryPolicy
from core.ratehawk.ratelimit import RateLimiter

Handler = Callable[[httpx.Request, dict[str, Any]], httpx.Response]


def envelope(
    data: Any = None,
    *,
    error: str | None = None,
    status: str | None = None,
    http: int = 200,
    debug: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"data": data, "debug": debug, "error": error, "status": status or ("error" if error else "ok")}
    return httpx.Response(http, json=body, headers=headers)


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class FakeRateHawk:
    """Routes by endpoint (`search/serp/region/`); each route is a handler or a list of answers
    given in turn (the last one repeats). Records every call as (endpoint, body, request)."""

    def __init__(self, overview: list[dict[str, Any]] | None = None) -> None:
        self.routes: dict[str, Handler | list[httpx.Response]] = {}
        self.calls: list[tuple[str, dict[str, Any], httpx.Request]] = []
        self.counts: defaultdict[str, int] = defaultdict(int)
        self.overview = overview or []

    def route(self, endpoint: str, answer: Handler | list[httpx.Response] | httpx.Response) -> None:
        self.routes[endpoint] = [answer] if isinstance(answer, httpx.Response) else answer

    def bodies(self, endpoint: str) -> list[dict[str, Any]]:
        return [body for name, body, _ in self.calls if name == endpoint]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        assert path.startswith("/api/b2b/v3/"), path
        endpoint = path.removeprefix("/api/b2b/v3/")
        body = json.loads(request.content) if request.content else {}
        self.calls.append((endpoint, body, request))
        index = self.counts[endpoint]
        self.counts[endpoint] += 1
        if endpoint == "overview/" and endpoint not in self.routes:
            return envelope(self.overview)
        answer = self.routes.get(endpoint)
        if answer is None:
            return envelope(error="invalid_params", http=400, debug={"validation_error": "no route"})
        if isinstance(answer, list):
            return answer[min(index, len(answer) - 1)]
        return answer(request, body)


def make_client(api: FakeRateHawk, time: FakeTime, *, max_attempts: int = 4, **kwargs: Any) -> RateHawkClient:
    return RateHawkClient(
        "https://api.example.test",
        "1000",
        "secret-key",
        transport=httpx.MockTransport(api),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay_s=0.5, max_delay_s=5.0),
        limiter=RateLimiter(clock=time.clock, sleep=time.sleep),
        sleep=time.sleep,
        **kwargs,
    )
