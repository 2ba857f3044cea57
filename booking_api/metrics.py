"""Prometheus metrics of the API (served at /metrics) and of the saga worker (on IBE_METRICS_PORT), and
the ASGI middleware that records the API's request counts and latency histograms."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from prometheus_client import Counter, Histogram


@lru_cache(maxsize=1)
def api_metrics() -> tuple[Counter, Histogram]:
    requests = Counter("ibe_api_requests_total", "API requests", ["method", "route", "status"])
    latency = Histogram(
        "ibe_api_request_seconds", "API request latency", ["method", "route"],
        buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )  # fmt: skip
    return requests, latency


@lru_cache(maxsize=1)
def saga_metrics() -> Counter:
    """Finished sagas by workflow type and result, counted by the worker (booking_api/tracing.py)."""
    return Counter("ibe_saga_outcomes_total", "Finished sagas by outcome", ["saga", "outcome"])


@lru_cache(maxsize=1)
def outbound_metrics() -> Histogram:
    """Latency of the worker's supplier (RateHawk) and payment calls, by operation and ok/error."""
    return Histogram(
        "ibe_outbound_call_seconds", "Supplier and payment call latency", ["service", "operation", "outcome"],
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )  # fmt: skip


class MetricsMiddleware:
    """Pure ASGI (no per-request task), labelled by route template so labels stay few."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests, self.latency = api_metrics()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.requests.labels(scope["method"], name, str(status)).inc()
            self.latency.labels(scope["method"], name).observe(time.perf_counter() - start)
