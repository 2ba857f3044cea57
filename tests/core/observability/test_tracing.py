import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.config import Settings
from core.observability import current_trace_id, setup_tracing
from core.observability.tracing import otlp_traces_url


def test_export_is_off_by_default(tmp_path):
    provider = setup_tracing(Settings(data_dir=tmp_path), "ibe-test", install=False)
    assert provider._active_span_processor._span_processors == ()
    with provider.get_tracer("t").start_as_current_span("s"):
        # Spans still exist (ids for logs and problem+json), they are just not sent anywhere.
        assert current_trace_id() is not None and len(current_trace_id()) == 32
    assert current_trace_id() is None


def test_otlp_export_reaches_a_collector(tmp_path):
    received: list[tuple[str, bytes, str]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, body, self.headers["Content-Type"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(data_dir=tmp_path, otlp_endpoint=f"http://127.0.0.1:{server.server_port}/")
        provider = setup_tracing(settings, "ibe-relay", install=False)
        with provider.get_tracer("t").start_as_current_span("publish booking.events"):
            pass
        assert provider.force_flush(10_000)
        provider.shutdown()
    finally:
        server.shutdown()
        server.server_close()
    assert received, "the collector got no export"
    path, body, content_type = received[0]
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    resource = request.resource_spans[0].resource
    attrs = {a.key: a.value.string_value for a in resource.attributes}
    assert attrs["service.name"] == "ibe-relay"
    assert request.resource_spans[0].scope_spans[0].spans[0].name == "publish booking.events"


def test_sample_ratio_zero_still_follows_a_sampled_parent(tmp_path):
    exporter = InMemorySpanExporter()
    provider = setup_tracing(
        Settings(data_dir=tmp_path, otlp_sample_ratio=0.0), "ibe-test", exporter=exporter, install=False
    )
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("unsampled root"):
        pass
    parent = trace.SpanContext(
        trace_id=0x1234, span_id=0x99, is_remote=True, trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED)
    )
    with tracer.start_as_current_span(
        "child", context=trace.set_span_in_context(trace.NonRecordingSpan(parent))
    ):
        pass
    names = [s.name for s in exporter.get_finished_spans()]
    assert names == ["child"]


def test_traces_url_accepts_base_or_full_url():
    assert otlp_traces_url("http://c:4318") == "http://c:4318/v1/traces"
    assert otlp_traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"
