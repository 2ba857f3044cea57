from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.config import Settings
from core.observability import extract_context, inject_headers, setup_tracing, start_consumer_span


def _provider(tmp_path, name):
    exporter = InMemorySpanExporter()
    return setup_tracing(Settings(data_dir=tmp_path), name, exporter=exporter, install=False), exporter


def test_trace_continues_across_kafka_headers(tmp_path):
    api, api_spans = _provider(tmp_path, "ibe-api")
    sink, sink_spans = _provider(tmp_path, "ibe-sink")
    with api.get_tracer("api").start_as_current_span("POST /v1/bookings"):
        headers = inject_headers([("event_type", b"booking.created")])
    # ... the outbox keeps `headers`, the relay publishes them later, the sink receives them ...
    assert headers[0] == ("event_type", b"booking.created")
    assert all(isinstance(v, bytes) for _, v in headers)
    with start_consumer_span(sink.get_tracer("sink"), "booking.events", headers):
        pass
    (producer,) = api_spans.get_finished_spans()
    (consumer,) = sink_spans.get_finished_spans()
    assert consumer.context.trace_id == producer.context.trace_id
    assert consumer.parent.span_id == producer.context.span_id and consumer.parent.is_remote
    assert consumer.kind == trace.SpanKind.CONSUMER
    assert consumer.attributes["messaging.destination.name"] == "booking.events"
    assert consumer.resource.attributes["service.name"] == "ibe-sink"


def test_reinjecting_replaces_traceparent(tmp_path):
    provider, _ = _provider(tmp_path, "ibe-relay")
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("first"):
        headers = inject_headers()
    with tracer.start_as_current_span("second") as second:
        headers = inject_headers(headers)
    parents = [v for k, v in headers if k == "traceparent"]
    assert len(parents) == 1
    assert trace.format_span_id(second.get_span_context().span_id) in parents[0].decode()


def test_message_without_headers_starts_a_new_trace(tmp_path):
    provider, spans = _provider(tmp_path, "ibe-sink")
    assert trace.get_current_span(extract_context(None)).get_span_context().is_valid is False
    with start_consumer_span(provider.get_tracer("t"), "search.events", [("traceparent", b"garbage")]):
        pass
    (span,) = spans.get_finished_spans()
    assert span.parent is None
