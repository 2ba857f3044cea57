"""Observability helpers shared by every process: JSON logs with the trace id, OpenTelemetry tracing
with OTLP export (off unless `IBE_OTLP_ENDPOINT` is set), W3C trace context in Kafka message headers,
and a Prometheus endpoint for processes that serve no HTTP API (`IBE_METRICS_PORT`).

A process calls `init_process(settings, "ibe-<name>")` once at start for all of it. Framework wiring
(FastAPI middleware, the Temporal interceptor, the relay's and sink's spans) lives with those
processes; this package imports no dagster, fastapi or temporalio.
"""

from core.observability.logs import JsonFormatter, configure_logging
from core.observability.metrics import start_metrics_server
from core.observability.process import Telemetry, init_process
from core.observability.propagation import extract_context, inject_headers, start_consumer_span
from core.observability.tracing import current_span_ids, current_trace_id, setup_tracing

__all__ = [
    "JsonFormatter",
    "Telemetry",
    "configure_logging",
    "current_span_ids",
    "current_trace_id",
    "extract_context",
    "init_process",
    "inject_headers",
    "setup_tracing",
    "start_consumer_span",
    "start_metrics_server",
]
