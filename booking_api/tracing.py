"""Telemetry wiring of the booking API and its sagas (the framework-free parts are in core/observability).

- HTTP requests: FastAPI's built-in OpenTelemetry support makes the SERVER span of each request
  (continuing a caller's `traceparent`, named by route template) whenever a tracer provider is
  installed; `TraceIdMiddleware` returns its trace id in an `X-Trace-Id` header, and problem+json
  errors carry it as `trace_id` (problems.py).
- `temporal_tracing()`: temporalio's OpenTelemetry interceptor, on the API's client and the worker, so
  the request's trace continues into the workflow and its activities (through Temporal headers).
- `traced(client, "ratehawk")`: the supplier client of the API (search, hotel page, prebook) and the
  worker's supplier and payment clients, with a CLIENT span and a latency observation around every call.
- `SagaOutcomes`: a worker interceptor counting finished sagas by outcome (`ibe_saga_outcomes_total`).

Spans use the global tracer provider (`core.observability.init_process`); with none installed they cost
next to nothing and go nowhere.
"""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any

from opentelemetry import trace
from temporalio import workflow
from temporalio.exceptions import FailureError
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from booking_api.metrics import outbound_metrics, saga_metrics
from core.observability import current_trace_id

TRACE_HEADER = "X-Trace-Id"
_OUTCOME_EXTERN = "ibe_saga_outcome"


def tracer() -> trace.Tracer:
    return trace.get_tracer("booking_api")


class TraceIdMiddleware:
    """Pure ASGI: the request's trace id in an `X-Trace-Id` response header (FastAPI's own SERVER span,
    which wraps all middleware and error handlers, is the current span here)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        trace_id = current_trace_id() if scope["type"] == "http" else None
        if trace_id is None:
            await self.app(scope, receive, send)
            return
        header = (b"x-trace-id", trace_id.encode())

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-trace-id" for k, _ in headers):  # problem+json sets it
                    message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


def temporal_tracing() -> Any:
    """The Temporal client/worker interceptor that carries the trace through workflows and activities."""
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return TracingInterceptor()


class _Traced:
    """Forwards everything to `target`; its public coroutine methods get a span and a latency sample."""

    def __init__(self, target: Any, service: str) -> None:
        self._target = target
        self._service = service

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name.startswith("_") or name == "aclose" or not inspect.iscoroutinefunction(attr):
            return attr
        service = self._service

        @functools.wraps(attr)
        async def call(*args: Any, **kwargs: Any) -> Any:
            start, outcome = time.perf_counter(), "ok"
            with tracer().start_as_current_span(
                f"{service} {name}", kind=trace.SpanKind.CLIENT, attributes={"peer.service": service}
            ):
                try:
                    return await attr(*args, **kwargs)
                except BaseException:
                    outcome = "error"
                    raise
                finally:
                    outbound_metrics().labels(service, name, outcome).observe(time.perf_counter() - start)

        return call


def traced(client: Any, service: str) -> Any:
    """`client` with a CLIENT span (`<service> <method>`) around each call (the API's and the worker's supplier and payment clients)."""
    outbound_metrics()  # registered now: /metrics lists the family before the first call
    return _Traced(client, service)


def _record_outcome(saga: str, outcome: str) -> None:
    saga_metrics().labels(saga, outcome).inc()


class _OutcomeInbound(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        try:
            result = await super().execute_workflow(input)
        except FailureError:  # fails the workflow (other exceptions only retry the workflow task)
            self._record("error")
            raise
        self._record(str(result))
        return result

    @staticmethod
    def _record(outcome: str) -> None:
        # A replay (a query on a finished saga, a worker restart) re-runs the code: count it once.
        if not workflow.unsafe.is_replaying():
            workflow.extern_functions()[_OUTCOME_EXTERN](workflow.info().workflow_type, outcome)


class SagaOutcomes(Interceptor):
    """Counts each finished saga under its result (`confirmed`, `failed`, `cancelled`, ...) or `error`."""

    def __init__(self) -> None:
        saga_metrics()  # registered now: /metrics lists the family before the first saga ends

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        # The counter lives outside the workflow sandbox; the workflow reaches it as an extern function.
        input.unsafe_extern_functions[_OUTCOME_EXTERN] = _record_outcome
        return _OutcomeInbound
