"""The booking part of `ibe demo`: bookings through the API and the sagas, histories printed.

Runs the RateHawk and payments simulators, a saga worker and the API inside this process (ASGI
transports, no ports), on the embedded stack's Temporal and Redis and the deployment's store. The
three stories: happy bookings that stay confirmed (the sandbox's test hotel and a catalog hotel, on
other dates), one the supplier fails (`soldout`) that is compensated, and a booking that is then
cancelled. The bookings run at once, so the step takes seconds, and the revenue marts show the
confirmed ones.
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
CATALOG_HOTELS = range(3, 13)  # catalog hotels after the three sandbox ones (hid_at(3), ...)
GUESTS = [{"first_name": "Ada", "last_name": "Lovelace"}, {"first_name": "Charles", "last_name": "Babbage"}]


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
            first = date.today() + timedelta(days=30)

            async def offer(hid: int, checkin: date, nights: int) -> dict[str, Any] | None:
                """The booking request for the cheapest rate of `hid` on that stay (None: no rate)."""
                stay = {"checkin": checkin.isoformat(), "checkout": (checkin + timedelta(days=nights)).isoformat(),
                        "residency": "gb", "currency": "EUR", "guests": [{"adults": 2}]}  # fmt: skip
                page = (await client.post(f"/v1/hotels/{hid}/rates", json=stay, headers=auth)).json()
                if not page.get("rates"):
                    return None
                rate = page["rates"][0]
                say(f"hotel {hid}, {stay['checkin']} +{nights} nights: {len(page['rates'])} rates, "
                    f"cheapest {rate['price']['amount']} {rate['price']['currency']}")  # fmt: skip
                return {**{k: stay[k] for k in ("checkin", "checkout", "residency")},
                        "hid": hid, "room": rate["room_name"], "book_hash": rate["book_hash"],
                        "rooms": [{"adults": 2, "guests": GUESTS}], "user": {"email": "ada@example.com"},
                        "price": rate["price"], "payment_token": "tok_visa"}  # fmt: skip

            async def catalog_offer() -> dict[str, Any] | None:
                """A catalog hotel with a rate two weeks later (else the test hotel on those dates)."""
                from core.ratehawk.synthetic.hotels import hid_at

                for hid in [*(hid_at(i) for i in CATALOG_HOTELS), TEST_HOTEL]:
                    found = await offer(hid, first + timedelta(days=14), 3)
                    if found is not None:
                        return found
                return None

            async def book(label: str, request: dict[str, Any]) -> dict[str, Any]:
                resp = await client.post(
                    "/v1/bookings", json=request, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
                )
                doc = await _wait(client, resp.json()["status_url"], auth, {"confirmed", "failed"})
                say(
                    f"{label}: {doc['id']} at hotel {doc['hid']} -> {doc['state']}"
                    + (f" ({doc['failure']})" if doc["failure"] else "")
                )
                return doc

            test_hotel, other, later = await asyncio.gather(
                offer(TEST_HOTEL, first, 2), catalog_offer(), offer(TEST_HOTEL, first + timedelta(days=30), 1)
            )
            if test_hotel is None or other is None or later is None:
                raise RuntimeError("the supplier simulator offered no rate for the demo's stays")
            stories = [
                ("happy booking", test_hotel),
                ("happy booking", other),
                ("supplier fails (soldout)", {**test_hotel, "sandbox_trigger": "soldout"}),
                ("booking to cancel", later),
            ]
            results = list(await asyncio.gather(*(book(label, request) for label, request in stories)))
            to_cancel = results[-1]
            if to_cancel["state"] == "confirmed":
                resp = await client.post(f"/v1/bookings/{to_cancel['id']}/cancel", headers=auth)
                say(f"cancel {to_cancel['id']}: penalty {resp.json()['penalty']['amount']} EUR")
                results[-1] = await _wait(client, resp.json()["status_url"], auth, {"cancelled", "confirmed"})
            kept = [d for d in results if d["state"] == "confirmed"]
            say(
                f"{len(kept)} bookings stay confirmed, worth "
                + ", ".join(f"{d['price']['amount']} {d['price']['currency']}" for d in kept)
            )
            for doc in results:
                say(f"history of {doc['id']} ({doc['state']}):")
                for entry in doc["history"]:
                    say(f"    {entry['at'][11:23]}  {entry['state']:<19} {entry['note']}")
        await ratehawk.aclose()
        await payments.aclose()
    return results
