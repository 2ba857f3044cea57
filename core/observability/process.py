"""One call that sets up a process's telemetry: `init_process(settings, "ibe-relay")` at the start of
a command gives JSON (or text) logs with trace ids, a tracer provider (exporting only when
`IBE_OTLP_ENDPOINT` is set) and, when `IBE_METRICS_PORT` is set, a Prometheus endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from core.config import Settings
from core.observability.logs import configure_logging
from core.observability.metrics import start_metrics_server
from core.observability.tracing import setup_tracing


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    metrics_server: Any | None

    def shutdown(self) -> None:
        """Flush spans still buffered for export and stop the metrics endpoint."""
        global _current
        self.tracer_provider.shutdown()
        if self.metrics_server is not None:
            self.metrics_server.shutdown()
            self.metrics_server.server_close()
        if _current is self:
            _current = None


_current: Telemetry | None = None


def init_process(settings: Settings, service: str) -> Telemetry:
    """Logs, traces and metrics for the process named `service`. Calling it again returns the same
    telemetry; a tracer provider installed earlier (OpenTelemetry allows one per process) is kept."""
    global _current
    if _current is not None:
        return _current
    configure_logging(settings, service)
    installed = trace.get_tracer_provider()
    provider = installed if isinstance(installed, TracerProvider) else setup_tracing(settings, service)
    _current = Telemetry(provider, start_metrics_server(settings))
    return _current
