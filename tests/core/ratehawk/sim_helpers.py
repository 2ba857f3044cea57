"""Helpers for the simulator tests: an in-process simulator with a settable clock."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, SimulatorConfig, create_app

AUTH = (DEFAULT_KEY_ID, DEFAULT_API_KEY)
API = "/api/b2b/v3/"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sim:
    def __init__(self, http: httpx.AsyncClient, app: Any, clock: Clock) -> None:
        self.http = http
        self.app = app
        self.clock = clock

    @property
    def state(self) -> Any:
        return self.app.state.simulator.state

    async def raw(self, endpoint: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.http.post(API + endpoint, json=body if body is not None else {}, **kwargs)

    async def call(self, endpoint: str, body: Any = None) -> dict:
        return (await self.raw(endpoint, body)).json()

    def stay(self, days_ahead: int = 30, nights: int = 3, **extra: Any) -> dict:
        today = datetime.fromtimestamp(self.clock.now, UTC).date()
        checkin = today + timedelta(days=days_ahead)
        return {
            "checkin": checkin.isoformat(),
            "checkout": (checkin + timedelta(days=nights)).isoformat(),
            "residency": "gb",
            "language": "en",
            "currency": "EUR",
            "guests": [{"adults": 2, "children": []}],
            **extra,
        }

    async def hotel_page(self, hid: int, **stay: Any) -> list[dict]:
        answer = await self.call("search/hp/", {**self.stay(**stay), "hid": hid})
        assert answer["status"] == "ok", answer
        hotels = answer["data"]["hotels"]
        return hotels[0]["rates"] if hotels else []

    async def book(self, pid: str, book_hash: str, guests: list[list[dict]] | None = None) -> dict:
        """Form + finish; returns the finish answer."""
        form = await self.call(
            "hotel/order/booking/form/",
            {"partner_order_id": pid, "book_hash": book_hash, "language": "en", "user_ip": "10.0.0.1"},
        )
        assert form["status"] == "ok", form
        return await self.finish(pid, form["data"]["payment_types"][0], guests)

    async def finish(self, pid: str, payment: dict, guests: list[list[dict]] | None = None) -> dict:
        rooms = guests or [
            [{"first_name": "Ada", "last_name": "Lovelace"}, {"first_name": "Bob", "last_name": "Lee"}]
        ]
        return await self.call(
            "hotel/order/booking/finish/",
            {
                "partner": {"partner_order_id": pid},
                "user": {"email": "guest@example.com"},
                "language": "en",
                "rooms": [{"guests": room} for room in rooms],
                "payment_type": {k: payment[k] for k in ("type", "amount", "currency_code")},
            },
        )

    async def status(self, pid: str) -> dict:
        return await self.call("hotel/order/booking/finish/status/", {"partner_order_id": pid})


@asynccontextmanager
async def simulator(**config: Any) -> AsyncIterator[Sim]:
    clock = Clock()
    config.setdefault("hotels", 300)
    config.setdefault("seed", 2)
    config.setdefault("rate_limits", False)
    config.setdefault("lock_window_s", 0.5)
    app = create_app(SimulatorConfig(clock=clock, **config))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim", auth=AUTH) as http:
            yield Sim(http, app, clock)
