"""Prometheus endpoint for the processes that serve no HTTP API of their own (worker, relay, sink);
the API serves `/metrics` on its own port."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from core.config import Settings


def start_metrics_server(
    settings: Settings, *, addr: str = "0.0.0.0", registry: CollectorRegistry = REGISTRY
) -> Any | None:
    """Serve `/metrics` on `settings.metrics_port` in a daemon thread; None when no port is set.

    Binds every interface by default because the scraper runs in another pod or container. Returns the
    server: call `.shutdown()` on it to stop.
    """
    if settings.metrics_port is None:
        return None
    server, _thread = start_http_server(settings.metrics_port, addr=addr, registry=registry)
    return server
