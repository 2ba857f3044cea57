"""The booking part of `ibe demo`: three bookings through the API and the sagas, histories printed.

Runs the RateHawk and payments simulators, a saga worker and the API inside this process (ASGI
transports, no ports), on the embedded stack's Temporal and Redis and the deployment's store:
a happy booking, one the supplier fails (`soldout`) that is compensated, and the cancellation of
the first one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from core.config import Settings

TEST_HOTEL = 8473727  # the sandbox's always-bookable hotel


async def _wait(
    client: httpx.AsyncClient, url: str, auth: dict[str, str], states: set[str]
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        doc: dict[str, Any] = (await client.get(url, headers=auth)).json()
        if doc["state"] in states or time.monotonic() > deadline:
            return doc
        await asyncio.sleep(0.2)


async def booking_demo(settings: Settings, say: Callable[[str], None]) -> list[dict[str, Any]]:
    from asgi_lifespan import LifespanManager

    from booking_api.app import create_app
    from booking_api.services import AppConfig
    from booking_api.temporal.worker import booking_worker
    from core.booking.apikeys import create_api_key
    from core.kv import open_store
    from core.payments.client import PaymentsClient
    from core.payments.simulator import create_app as payments_app
    from core.ratehawk.client import RateHawkClient
    from core.ratehawk.simulator import SimulatorConfig
    from core.ratehawk.simulator import create_app as ratehawk_app

    queue = f"demo-{uuid.uuid4().hex[:8]}"
    with open_store(settings) as store:
        token, _ = create_api_key(store, "demo-partner", ["search", "book"], "demo")
    auth = {"Authorization": f"Bearer {token}"}
    supplier_sim = ratehawk_app(SimulatorConfig(hotels=100, rate_limits=False))
    async with LifespanManager(supplier_sim) as sim:
        sim_transport = httpx.ASGITransport(app=sim.app)
        ratehawk = RateHawkClient.from_settings(settings, transport=sim_transport)
        payments = PaymentsClient(
            "http://payments", "sk_test_ibe", transport=httpx.ASGITransport(app=payments_app())
        )
        app = create_app(
            settings,
            AppConfig(
                task_queue=queue, ratehawk_transport=sim_transport, booking_input={"poll_interval_s": 0.5}
            ),
        )
        async with (
            booking_worker(settings, queue, ratehawk=ratehawk, payments=payments),
            LifespanManager(app) as api,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app), base_url="http://ibe") as client,
        ):
            checkin = date.today() + timedelta(days=30)
            stay = {"checkin": checkin.isoformat(), "checkout": (checkin + timedelta(days=2)).isoformat(),
                    "residency": "gb", "currency": "EUR", "guests": [{"adults": 2}]}  # fmt: skip
            page = (await client.post(f"/v1/hotels/{TEST_HOTEL}/rates", json=stay, headers=auth)).json()
            rate = page["rates"][0]
            say(f"hotel {TEST_HOTEL}: {len(page['rates'])} rates, cheapest {rate['price']['amount']} EUR")
            booking = {**{k: stay[k] for k in ("checkin", "checkout", "residency")},
                       "hid": TEST_HOTEL, "room": rate["room_name"], "book_hash": rate["book_hash"],
                       "rooms": [{"adults": 2, "guests": [{"first_name": "Ada", "last_name": "Lovelace"},
                                                          {"first_name": "Charles", "last_name": "Babbage"}]}],
                       "user": {"email": "ada@example.com"}, "price": rate["price"], "payment_token": "tok_visa"}  # fmt: skip
            results = []
            for label, extra in (
                ("happy booking", {}),
                ("supplier fails (soldout)", {"sandbox_trigger": "soldout"}),
            ):
                resp = await client.post(
                    "/v1/bookings",
                    json={**booking, **extra},
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                )
                doc = await _wait(client, resp.json()["status_url"], auth, {"confirmed", "failed"})
                say(
                    f"{label}: {doc['id']} -> {doc['state']}"
                    + (f" ({doc['failure']})" if doc["failure"] else "")
                )
                results.append(doc)
            happy = results[0]
            if happy["state"] == "confirmed":
                resp = await client.post(f"/v1/bookings/{happy['id']}/cancel", headers=auth)
                say(f"cancel {happy['id']}: penalty {resp.json()['penalty']['amount']} EUR")
                results[0] = await _wait(client, resp.json()["status_url"], auth, {"cancelled", "confirmed"})
            for doc in results:
                say(f"history of {doc['id']} ({doc['state']}):")
                for entry in doc["history"]:
                    say(f"    {entry['at'][11:23]}  {entry['state']:<19} {entry['note']}")
        await ratehawk.aclose()
        await payments.aclose()
    return results
