"""Tracer provider setup. Export is off by default: spans are still created (so trace ids reach logs
and problem+json errors) but go nowhere unless `IBE_OTLP_ENDPOINT` names an OTLP/HTTP collector.

OpenTelemetry allows one global tracer provider per process; `setup_tracing(..., install=False)` builds
a provider without installing it (tests pass their own in-memory exporter that way).
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from core.config import Settings

TRACES_PATH = "/v1/traces"


def otlp_traces_url(endpoint: str) -> str:
    """The collector's traces URL from a base URL (`http://collector:4318`) or a full traces URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def setup_tracing(
    settings: Settings,
    service_name: str,
    *,
    exporter: SpanExporter | None = None,
    install: bool = True,
) -> TracerProvider:
    """A tracer provider for one process (`ibe-api`, `ibe-worker`, ...).

    Spans go to the OTLP collector when `settings.otlp_endpoint` is set (batched, in the background),
    and to `exporter` when one is given (synchronously, for tests). The sampler follows the caller's
    decision when a parent exists, so a trace is never cut in half between processes.
    """
    resource = Resource.create(
        {"service.name": service_name, "service.namespace": "ibe", "deployment.name": settings.deployment}
    )
    sampler = ParentBased(TraceIdRatioBased(settings.otlp_sample_ratio))
    provider = TracerProvider(resource=resource, sampler=sampler)
    if settings.otlp_endpoint:
        # Imported here: the exporter pulls in protobuf and requests, which no process needs when off.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_traces_url(settings.otlp_endpoint)))
        )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if install:
        trace.set_tracer_provider(provider)
    return provider


def current_span_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span as lowercase hex, or None outside a recorded span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return trace.format_trace_id(ctx.trace_id), trace.format_span_id(ctx.span_id)


def current_trace_id() -> str | None:
    """The current trace id (32 hex digits), e.g. for a problem+json `trace_id` member."""
    ids = current_span_ids()
    return ids[0] if ids else None
