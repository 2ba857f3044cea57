"""Telemetry of the booking path: one booking is ONE trace from the API request through the Temporal
client, the workflow and its activities down to the supplier and payment calls; errors quote the trace
id; the worker's metrics endpoint counts saga outcomes. Real Temporal dev server, payments simulator
over HTTP, scripted supplier (tests/booking_api/conftest.py)."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.observability import start_metrics_server
from tests.booking_api.conftest import Api, SagaEnv
from tests.booking_api.test_validation import booking_body
from tests.conftest import free_port
from tests.core.observability.recording import in_trace, recorded_spans


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans() as exporter:
        yield exporter


async def test_one_booking_is_one_connected_trace(saga_env: SagaEnv, spans: InMemorySpanExporter):
    resp = await saga_env.book(booking_body(), "trace-key-0001")
    assert resp.status_code == 202, resp.text
    trace_id = resp.headers["X-Trace-Id"]
    assert len(trace_id) == 32
    bid = resp.json()["booking_id"]
    doc = await saga_env.wait_state(bid, {"confirmed", "failed"})
    assert doc["state"] == "confirmed", doc["history"]

    deadline = time.monotonic() + 10  # the workflow's span is recorded when the saga returns
    while not any(s.name == "RunWorkflow:BookingSaga" for s in in_trace(spans, trace_id)):
        assert time.monotonic() < deadline, sorted({s.name for s in in_trace(spans, trace_id)})
        await asyncio.sleep(0.1)
    found = in_trace(spans, trace_id)
    names = {s.name for s in found}

    # API -> Temporal client -> workflow -> activities -> supplier and payment calls, one trace.
    assert "POST /v1/bookings" in names
    assert {"StartWorkflow:BookingSaga", "RunWorkflow:BookingSaga"} <= names
    assert any(n.startswith("RunActivity:") for n in names), names
    assert {"payments authorize", "payments capture", "ratehawk booking_finish"} <= names, names
    # Connected: one root (the request), every other span's parent is a span of this trace.
    ids = {s.context.span_id for s in found}
    roots = [s for s in found if s.parent is None or s.parent.span_id not in ids]
    assert [r.name for r in roots] == ["POST /v1/bookings"]
    server = roots[0]
    assert server.kind == trace.SpanKind.SERVER
    assert server.attributes["http.route"] == "/v1/bookings"
    assert server.attributes["http.response.status_code"] == 202
    # The supplier's spans sit under an activity, the activities under the workflow.
    by_id = {s.context.span_id: s for s in found}
    finish = next(s for s in found if s.name == "ratehawk booking_finish")
    assert by_id[finish.parent.span_id].name.startswith("RunActivity:")


async def test_a_caller_traceparent_is_continued(api: Api, spans: InMemorySpanExporter):
    caller = "0af7651916cd43dd8448eb211c80319c"
    resp = await api.client.get("/healthz", headers={"traceparent": f"00-{caller}-b7ad6b7169203331-01"})
    assert resp.headers["X-Trace-Id"] == caller
    [server] = [s for s in in_trace(spans, caller) if s.kind == trace.SpanKind.SERVER]
    assert server.parent is not None and server.parent.span_id == 0xB7AD6B7169203331


async def test_problem_details_carry_the_trace_id(api: Api, spans: InMemorySpanExporter):
    # An invalid request (422), an unknown route (404) and an authentication failure (401).
    for method, path, headers in [
        ("POST", "/v1/bookings", api.auth()),
        ("GET", "/v1/nowhere", {}),
        ("GET", "/v1/bookings/b-1", {}),
    ]:
        resp = await api.client.request(method, path, headers=headers, content=b"{}")
        assert resp.headers["content-type"] == "application/problem+json", (path, resp.text)
        body = resp.json()
        assert len(body["trace_id"]) == 32, body
        assert resp.headers["X-Trace-Id"] == body["trace_id"]
        assert len(resp.headers.get_list("X-Trace-Id")) == 1
        [server] = [s for s in in_trace(spans, body["trace_id"]) if s.kind == trace.SpanKind.SERVER]
        assert server.attributes["http.response.status_code"] == resp.status_code


async def test_an_unexpected_error_still_quotes_the_trace_id(api: Api, spans: InMemorySpanExporter):
    async def boom() -> None:
        raise RuntimeError("boom")

    api.app.add_api_route("/v1/test-boom", boom)
    # raise_app_exceptions=False: read the answer a server sends (Starlette re-raises after answering).
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ibe.test") as client:
        resp = await client.get("/v1/test-boom")
    assert resp.status_code == 500
    body = resp.json()
    assert body["title"] == "Internal error" and len(body["trace_id"]) == 32
    [server] = [s for s in in_trace(spans, body["trace_id"]) if s.kind == trace.SpanKind.SERVER]
    assert server.status.status_code == trace.StatusCode.ERROR


async def test_worker_metrics_count_saga_outcomes(saga_env: SagaEnv):
    settings = saga_env.settings.model_copy(update={"metrics_port": free_port()})
    server = start_metrics_server(settings, addr="127.0.0.1")  # what `ibe worker` serves (init_process)
    try:
        url = f"http://127.0.0.1:{settings.metrics_port}/metrics"

        def confirmed() -> float:
            text = urllib.request.urlopen(url, timeout=5).read().decode()
            line = 'ibe_saga_outcomes_total{outcome="confirmed",saga="BookingSaga"} '
            return next(
                (float(row.removeprefix(line)) for row in text.splitlines() if row.startswith(line)), 0.0
            )

        before = await asyncio.to_thread(confirmed)
        resp = await saga_env.book(booking_body(), "metrics-key-0001")
        bid = resp.json()["booking_id"]
        assert (await saga_env.wait_state(bid, {"confirmed", "failed"}))["state"] == "confirmed"
        deadline = time.monotonic() + 10  # counted when the workflow returns, just after the state
        while await asyncio.to_thread(confirmed) < before + 1:
            assert time.monotonic() < deadline, "saga outcome not counted"
            await asyncio.sleep(0.1)
        text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
        assert (
            'ibe_outbound_call_seconds_count{operation="authorize",outcome="ok",service="payments"}' in text
        )
    finally:
        assert server is not None
        server.shutdown()
        server.server_close()
