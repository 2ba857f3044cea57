"""The API in-process (ASGI transport) on the session's real Redis and Temporal, with the RateHawk
and payments simulators as ASGI apps, and API keys of each scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from booking_api.app import create_app
from booking_api.services import AppConfig
from core.booking.apikeys import create_api_key
from core.config import Settings
from core.kv import open_store
from tests.servers import serve_in_thread


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Any
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, scope: str = "book") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    @property
    def services(self) -> Any:
        return self.app.state.services


def make_keys(settings: Settings, partner: str = "p1", **limits: int) -> dict[str, str]:
    with open_store(settings) as store:
        keys = {
            scope: create_api_key(store, partner, scopes, name=scope, **limits)[0]
            for scope, scopes in {
                "search": ["search"],
                "book": ["search", "book"],
                "inventory": ["inventory"],
                "admin": ["admin"],
            }.items()
        }
    return keys


@pytest.fixture
async def api(settings: Settings, embedded_stack: Settings, unique: str) -> AsyncIterator[Api]:
    app = create_app(settings, AppConfig(task_queue=f"tq-{unique}", redis_prefix=f"t{unique}:"))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ibe.test") as client:
            yield Api(client, app, make_keys(settings))


def v1_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every `/v1` operation of an OpenAPI document."""
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if path.startswith("/v1/")
    ]


@pytest.fixture
async def openapi_doc(api: Api) -> dict[str, Any]:
    resp = await api.client.get("/openapi.json")
    assert resp.status_code == 200
    return resp.json()  # type: ignore[no-any-return]


@dataclass
class SagaEnv:
    api: Api
    supplier: Any
    payments_sim: Any  # core.payments.simulator.PaymentsSimulator
    settings: Settings

    async def book(self, body: dict[str, Any], key: str, scope: str = "book") -> httpx.Response:
        return await self.api.client.post(
            "/v1/bookings", json=body, headers={**self.api.auth(scope), "Idempotency-Key": key}
        )

    async def wait_state(self, booking_id: str, states: set[str], timeout_s: float = 30.0) -> dict[str, Any]:
        import asyncio
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            resp = await self.api.client.get(f"/v1/bookings/{booking_id}", headers=self.api.auth("book"))
            doc = resp.json()
            if doc.get("state") in states:
                return doc  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"booking {booking_id} stuck in {doc.get('state')}: {doc.get('history')}"
                )
            await asyncio.sleep(0.1)


@pytest.fixture
def payments_server() -> Any:
    from core.payments.simulator import Faults, SimulatorConfig
    from core.payments.simulator import create_app as payments_app

    app = payments_app(SimulatorConfig(faults=Faults(hang_s=1.5), seed=7))
    with serve_in_thread(app) as served:
        served.simulator = app.state.simulator  # type: ignore[attr-defined]
        yield served


@pytest.fixture
async def saga_env(
    settings: Settings, embedded_stack: Settings, unique: str, payments_server: Any
) -> AsyncIterator[SagaEnv]:
    from booking_api.temporal.worker import booking_worker
    from core.payments.client import PaymentsClient
    from tests.booking_api.fake_supplier import FakeRateHawk

    supplier = FakeRateHawk()
    payments = PaymentsClient(
        payments_server.url, "sk_test_ibe", timeout_s=0.5, max_attempts=3, base_delay_s=0.05
    )
    task_queue = f"tq-{unique}"
    config = AppConfig(
        task_queue=task_queue, redis_prefix=f"t{unique}:", booking_input={"poll_interval_s": 0.1}
    )
    app = create_app(settings, config)
    try:
        async with (
            booking_worker(settings, task_queue, ratehawk=supplier, payments=payments),
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://ibe.test"
            ) as client,
        ):
            yield SagaEnv(
                Api(client, app, make_keys(settings)), supplier, payments_server.simulator, settings
            )
    finally:
        await payments.aclose()


SIM_SEED = 1
SIM_HOTELS = 40


def load_catalog(settings: Settings, seed: int = SIM_SEED, hotels: int = SIM_HOTELS) -> list[dict[str, Any]]:
    """The simulator's first `hotels` hotels, loaded into the store as the catalog pipeline would."""
    from core.ratehawk.synthetic.hotels import hid_at, hotel_record

    records = [hotel_record(seed, hid_at(i)) for i in range(hotels)]
    publish_records(settings, records, "test-load")
    return records


def publish_records(settings: Settings, records: list[dict[str, Any]], load_id: str) -> None:
    """`records` written as one full catalog load and published (the pointer flipped to it), and put
    in the search index, as the catalog pipeline's `hotel_search_index` would."""
    import orjson
    import xxhash

    from core.catalog.serving import ServingLoad, ServingRow
    from core.search import open_search_index
    from core.search.catalog import hotel_doc, region_of_hotel

    rows = []
    for rec in records:
        raw = orjson.dumps(rec)
        rows.append(ServingRow(rec["hid"], xxhash.xxh3_128_digest(raw), raw, rec["region"]["id"],
                               rec["latitude"], rec["longitude"]))  # fmt: skip
    with open_store(settings) as store:
        load = ServingLoad.open(store, load_id, "full")
        load.write(rows)
        load.publish()
    with open_search_index(settings) as index:
        index.put_regions(r for r in map(region_of_hotel, records) if r is not None)
        index.put_hotels(hotel_doc(rec) for rec in records)
        index.commit()


@pytest.fixture
def ratehawk_server() -> Any:
    from core.ratehawk.simulator import SimulatorConfig
    from core.ratehawk.simulator import create_app as ratehawk_app

    app = ratehawk_app(SimulatorConfig(hotels=SIM_HOTELS, seed=SIM_SEED, rate_limits=False))
    with serve_in_thread(app, lifespan="on") as served:
        yield served


@dataclass
class SimEnv(SagaEnv):
    catalog: list[dict[str, Any]] = field(default_factory=list)
    ratehawk_url: str = ""


@pytest.fixture
async def sim_env(
    settings: Settings, embedded_stack: Settings, unique: str, payments_server: Any, ratehawk_server: Any
) -> AsyncIterator[SimEnv]:
    """API + worker against the RateHawk and payments simulators over HTTP, catalog in the store."""
    from booking_api.temporal.worker import booking_worker
    from core.payments.client import PaymentsClient

    settings = settings.model_copy(
        # a deployment of its own: the supplier budget in the session's shared Redis is per deployment
        update={"ratehawk_base_url": ratehawk_server.url, "payments_base_url": payments_server.url,
                "deployment": f"t{unique}"}
    )  # fmt: skip
    catalog = load_catalog(settings)
    payments = PaymentsClient(
        payments_server.url, "sk_test_ibe", timeout_s=0.5, max_attempts=3, base_delay_s=0.05
    )
    task_queue = f"tq-{unique}"
    config = AppConfig(
        task_queue=task_queue, redis_prefix=f"t{unique}:", booking_input={"poll_interval_s": 0.2}
    )
    app = create_app(settings, config)
    try:
        async with (
            booking_worker(settings, task_queue, payments=payments),
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://ibe.test"
            ) as client,
        ):
            api = Api(client, app, make_keys(settings, burst=1000, rate_per_minute=60_000))
            yield SimEnv(api, None, payments_server.simulator, settings, catalog, ratehawk_server.url)
    finally:
        await payments.aclose()
