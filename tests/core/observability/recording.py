"""Test helper: record the spans this process creates while a test runs, in memory.

OpenTelemetry allows one global tracer provider per process: the first use installs one (or joins the
one installed) with a recorder that exports only inside `recorded_spans()`, so other tests pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class _Recorder(SimpleSpanProcessor):
    recording = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            super().on_end(span)


_exporter = InMemorySpanExporter()
_recorder = _Recorder(_exporter)
_installed = False


@contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """The finished spans of the block, from every tracer of the global provider."""
    global _installed
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if not _installed:
        provider.add_span_processor(_recorder)
        _installed = True
    _exporter.clear()
    _recorder.recording = True
    try:
        yield _exporter
    finally:
        _recorder.recording = False
        _exporter.clear()


def in_trace(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    """The recorded spans of one trace (id as 32 hex digits)."""
    return [s for s in exporter.get_finished_spans() if trace.format_trace_id(s.context.trace_id) == trace_id]
