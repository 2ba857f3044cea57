"""The RateHawk client wired to the real simulator app in-process, for the client's contract tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from core.ratehawk.client import RateHawkClient, RetryPolicy
from core.ratehawk.models import FinishRequest, GuestRoom, SearchParams
from core.ratehawk.simulator import DEFAULT_API_KEY, DEFAULT_KEY_ID, SimulatorConfig, create_app
from core.ratehawk.synthetic import TEST_HOTEL_HID

BASE_URL = "http://ratehawk-sim.test"


class WallClock:
    """The simulator's clock: real time plus an offset the test can move forward.

    `pause()` stops it: from then on only `advance()` moves it, and the client's sleeps advance it
    (see `simulated`), so a test of a time window does not race the machine's speed.
    """

    def __init__(self) -> None:
        self.offset = 0.0
        self.paused_at: float | None = None

    def __call__(self) -> float:
        return (time.time() if self.paused_at is None else self.paused_at) + self.offset

    def pause(self) -> None:
        self.paused_at = time.time()

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    async def sleep(self, seconds: float) -> None:
        """The client's sleep: moves a paused clock by `seconds` at once, else really waits."""
        if self.paused_at is None:
            await asyncio.sleep(seconds)
        else:
            self.advance(seconds)
            await asyncio.sleep(0)


@dataclass
class SimClient:
    client: RateHawkClient
    app: Starlette
    clock: WallClock

    @property
    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(self.app)

    @property
    def state(self) -> Any:
        return self.app.state.simulator.state

    def admin(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(self.app), base_url=BASE_URL)


@asynccontextmanager
async def simulated(
    *, timeout_s: float = 5.0, max_attempts: int = 4, api_key: str = DEFAULT_API_KEY, **config: Any
) -> AsyncIterator[SimClient]:
    clock = WallClock()
    config.setdefault("hotels", 300)
    config.setdefault("seed", 11)
    config.setdefault("lock_window_s", 0.05)
    app = create_app(SimulatorConfig(clock=clock, **config))
    async with LifespanManager(app):
        client = RateHawkClient(
            BASE_URL,
            DEFAULT_KEY_ID,
            api_key,
            transport=httpx.ASGITransport(app),
            timeout_s=timeout_s,
            sleep=clock.sleep,
            retry=RetryPolicy(
                max_attempts=max_attempts, base_delay_s=0.01, max_delay_s=0.05, lock_delay_s=0.1
            ),
        )
        async with client:
            yield SimClient(client, app, clock)


def stay(
    rooms: list[GuestRoom] | None = None,
    *,
    residency: str = "gb",
    currency: str = "EUR",
    days_ahead: int = 30,
    nights: int = 2,
) -> SearchParams:
    checkin = datetime.now(UTC).date() + timedelta(days=days_ahead)
    return SearchParams(
        checkin=checkin,
        checkout=checkin + timedelta(days=nights),
        residency=residency,
        currency=currency,
        guests=rooms or [GuestRoom(adults=2)],
    )


def finish_for(partner_order_id: str, params: SearchParams, payment: Any) -> FinishRequest:
    """A finish body with one named guest per searched guest, children with their ages."""
    rooms = []
    for n, room in enumerate(params.guests):
        guests: list[dict[str, Any]] = [
            {"first_name": f"Adult{a}", "last_name": f"Room{n}"} for a in range(room.adults)
        ]
        guests += [
            {"first_name": f"Child{c}", "last_name": f"Room{n}", "is_child": True, "age": age}
            for c, age in enumerate(room.children)
        ]
        rooms.append({"guests": guests})
    return FinishRequest.model_validate(
        {
            "partner": {"partner_order_id": partner_order_id},
            "user": {"email": "guest@example.com", "phone": "+441234567"},
            "rooms": rooms,
            "payment_type": {
                "type": payment.type,
                "amount": payment.amount,
                "currency_code": payment.currency_code,
            },
        }
    )


def today() -> date:
    return datetime.now(UTC).date()


async def start_booking(
    sim: SimClient, pid: str, params: SearchParams | None = None, hid: int = TEST_HOTEL_HID
):
    """Hotel page -> prebook -> form -> finish; returns (params, prebooked rate, form, finish outcome)."""
    client = sim.client
    params = params or stay()
    page = await client.hotel_page(params, hid)
    rate = page.hotels[0].rates[0]
    assert rate.book_hash and rate.book_hash.startswith("h-")
    prebooked = await client.prebook(rate.book_hash)
    assert prebooked.rate.book_hash and prebooked.rate.book_hash.startswith("p-")
    form = await client.booking_form(pid, prebooked.rate.book_hash, user_ip="10.1.2.3")
    outcome = await client.booking_finish(finish_for(pid, params, form.payment_types[0]))
    return params, prebooked, form, outcome
