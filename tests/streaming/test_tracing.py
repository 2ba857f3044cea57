"""Traces through the stream: an event written inside a request's span reaches the sink on the real
broker and is processed in a CONSUMER span of that same trace; the relay's round and the sink's write
link to it; events written outside any trace cost no span."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core import outbox
from core.domain.events import topic_of
from streaming.relay import Relay
from streaming.sink import Sink
from streaming.synthetic import journeys
from tests.core.observability.recording import recorded_spans
from tests.streaming.conftest import StreamEnv, write_outbox


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


async def _relay_and_sink(env: StreamEnv, expected: int) -> None:
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    sink = Sink(env.warehouse, env.bootstrap, topic_prefix=env.prefix, group_id=env.group)
    await relay.start()
    try:
        await sink.start()
        while await relay.publish_round():
            pass
        deadline = time.monotonic() + 30
        while sink.stats.inserted < expected:
            assert time.monotonic() < deadline, f"sink inserted {sink.stats.inserted} of {expected}"
            await sink.consume_once()
    finally:
        await asyncio.gather(relay.stop(), sink.stop())


def test_a_traced_event_is_processed_in_its_writers_trace(stream_env: StreamEnv, spans: InMemorySpanExporter):
    env = stream_env
    traced, *untraced = list(journeys(6, seed=31))
    with trace.get_tracer("test").start_as_current_span("POST /v1/bookings") as request:
        env.store.run(lambda tr: outbox.append_event(tr, traced))  # headers: the current trace context
    write_outbox(env.store, untraced)  # no trace context
    asyncio.run(_relay_and_sink(env, expected=6))

    request_ctx = request.get_span_context()
    finished = spans.get_finished_spans()
    consumers = [s for s in finished if s.kind == trace.SpanKind.CONSUMER]
    # One consumer span: the traced event's, a child of the request, named after its topic.
    [consumer] = consumers
    assert consumer.context.trace_id == request_ctx.trace_id
    assert consumer.parent is not None and consumer.parent.span_id == request_ctx.span_id
    assert consumer.name == f"{env.prefix}{topic_of(traced)} process"
    assert consumer.attributes["messaging.system"] == "kafka"
    # The relay's round and the sink's write link to the trace.
    [publish] = [s for s in finished if s.name == "outbox publish"]
    assert [link.context.span_id for link in publish.links] == [request_ctx.span_id]
    [write] = [s for s in finished if s.name == "sink write"]
    assert [link.context.span_id for link in write.links] == [consumer.context.span_id]
