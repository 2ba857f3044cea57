"""W3C trace context (`traceparent`, `tracestate`, `baggage`) in Kafka message headers, so a trace
continues from the API through the outbox, the relay and the topic into the sink.

Kafka headers are a list of `(str, bytes)` pairs (aiokafka's `headers=` on send, `msg.headers` on
receive). The outbox stores the headers captured when the event was written (`inject_headers()` inside
the request's span), and the relay publishes them unchanged: the sink's span then has the request as its
parent even though the relay ran later in another process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter, Setter

KafkaHeaders = list[tuple[str, bytes]]


class _HeaderSetter(Setter[KafkaHeaders]):
    def set(self, carrier: KafkaHeaders, key: str, value: str) -> None:
        carrier[:] = [(k, v) for k, v in carrier if k != key]
        carrier.append((key, value.encode()))


class _HeaderGetter(Getter[Sequence[tuple[str, bytes]]]):
    def get(self, carrier: Sequence[tuple[str, bytes]], key: str) -> list[str] | None:
        values = [v.decode(errors="replace") for k, v in carrier if k.lower() == key.lower() and v]
        return values or None

    def keys(self, carrier: Sequence[tuple[str, bytes]]) -> list[str]:
        return [k for k, _ in carrier]


def inject_headers(headers: KafkaHeaders | None = None, context: Context | None = None) -> KafkaHeaders:
    """Headers with the current (or given) trace context added; other headers are kept."""
    carrier: KafkaHeaders = list(headers or [])
    propagate.inject(carrier, context=context, setter=_HeaderSetter())
    return carrier


def extract_context(headers: Sequence[tuple[str, bytes]] | None) -> Context:
    """The trace context carried by a message's headers (an empty context when there is none)."""
    return propagate.extract(list(headers or []), getter=_HeaderGetter())


@contextmanager
def start_consumer_span(
    tracer: trace.Tracer, topic: str, headers: Sequence[tuple[str, bytes]] | None, operation: str = "process"
) -> Iterator[trace.Span]:
    """A CONSUMER span for handling one message, child of the producer's trace when headers carry one."""
    with tracer.start_as_current_span(
        f"{topic} {operation}",
        context=extract_context(headers),
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    ) as span:
        yield span
