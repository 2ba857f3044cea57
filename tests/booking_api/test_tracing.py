"""Telemetry of the booking path: one booking is ONE trace from the API request through the Temporal
client, the workflow and its activities down to the supplier and payment calls; errors quote the trace
id; `ibe worker`'s metrics endpoint counts saga outcomes and supplier/payment calls. Real Temporal dev
server, payments simulator over HTTP, scripted supplier or RateHawk simulator (conftest.py)."""

from __future__ import annotations

import asyncio
import signal
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from booking_api.app import create_app
from booking_api.services import AppConfig
from core.config import Settings
from tests.booking_api.conftest import Api, SagaEnv, load_catalog, make_keys
from tests.booking_api.test_e2e import TEST_HOTEL, booking_for, cheapest_rate, stay
from tests.booking_api.test_validation import booking_body
from tests.booking_api.test_worker_restart import kill, start_worker
from tests.core.observability.recording import in_trace, recorded_spans
from tests.servers import free_port


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


def metric(text: str, sample: str) -> float | None:
    """The value of one sample (`name{labels}` as Prometheus prints it) in a /metrics page."""
    return next((float(row.split()[-1]) for row in text.splitlines() if row.startswith(sample + " ")), None)


async def test_ibe_worker_serves_saga_outcomes_on_its_metrics_port(
    settings: Settings, embedded_stack: Settings, unique: str, payments_server: Any, ratehawk_server: Any,
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    """`ibe worker` as deployed (IBE_METRICS_PORT set), the API in-process, the simulators over HTTP."""
    settings = settings.model_copy(
        update={"ratehawk_base_url": ratehawk_server.url, "payments_base_url": payments_server.url,
                "deployment": f"t{unique}"}
    )  # fmt: skip
    load_catalog(settings)
    task_queue = f"tq-{unique}"
    port = free_port()
    monkeypatch.setenv("IBE_METRICS_PORT", str(port))
    log = settings.data_path / "worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    worker = start_worker(settings, task_queue, log)
    app = create_app(settings, AppConfig(task_queue=task_queue, redis_prefix=f"t{unique}:",
                                         booking_input={"poll_interval_s": 0.2}))  # fmt: skip
    try:
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://ibe.test") as client,
        ):  # fmt: skip
            env = SagaEnv(Api(client, app, make_keys(settings)), None, payments_server.simulator, settings)
            query = stay([{"adults": 2}])
            rate = await cheapest_rate(env, TEST_HOTEL, query)  # type: ignore[arg-type]
            resp = await env.book(booking_for(TEST_HOTEL, rate, query), "metrics-key-0001")
            doc = await env.wait_state(resp.json()["booking_id"], {"confirmed", "failed"}, timeout_s=40)
            assert doc["state"] == "confirmed", doc["history"]

            url = f"http://127.0.0.1:{port}/metrics"
            deadline = time.monotonic() + 10  # counted when the workflow returns, just after the state
            while True:
                text = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
                if metric(text, 'ibe_saga_outcomes_total{outcome="confirmed",saga="BookingSaga"}') == 1:
                    break
                assert time.monotonic() < deadline, f"saga outcome not counted:\n{log.read_text()[-2000:]}"
                await asyncio.sleep(0.2)
    finally:
        kill(worker, signal.SIGTERM)
    # One authorization, one capture and one finish call, each timed.
    for service, operation in [
        ("payments", "authorize"),
        ("payments", "capture"),
        ("ratehawk", "booking_finish"),
    ]:
        sample = (
            f'ibe_outbound_call_seconds_count{{operation="{operation}",outcome="ok",service="{service}"}}'
        )
        assert metric(text, sample) == 1, sample


async def test_the_apis_supplier_calls_are_client_spans_of_the_request(
    sim_env: Any, spans: InMemorySpanExporter
) -> None:
    resp = await sim_env.api.client.post(
        f"/v1/hotels/{TEST_HOTEL}/rates", json=stay([{"adults": 2}]), headers=sim_env.api.auth("search")
    )
    assert resp.status_code == 200, resp.text
    found = in_trace(spans, resp.headers["X-Trace-Id"])
    by_id = {s.context.span_id: s for s in found}
    [call] = [s for s in found if s.name == "ratehawk hotel_page"]
    assert call.kind == trace.SpanKind.CLIENT and call.attributes["peer.service"] == "ratehawk"
    ancestors, span = [], call
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        ancestors.append(span.name)
    assert ancestors[-1] == "POST /v1/hotels/{hid}/rates", ancestors  # under the request's SERVER span
