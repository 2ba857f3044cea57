"""The workload: a steady stream of bookings through `ibe api`, every outcome represented.

Each booking's story is drawn from the seed: a plain booking (some cancelled once confirmed), a
declined card, a card whose charge times out after it was made, a supplier that fails the order
after the payment was authorized, and a supplier whose first status answer is unknown. The client
behaves as a careful partner: it repeats a request that met a transport error, a 502, 503 or 504,
with the same Idempotency-Key, and follows the booking's status until it is final.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from core.payments.models import CARD_DECLINED, CARD_OK, CARD_TIMEOUT_AFTER_CHARGE

TEST_HOTEL = 8473727  # the sandbox's always-bookable hotel: the platform's allotment is the limit
FINAL = {"confirmed", "failed", "cancelled"}
RETRIED = {502, 503, 504}
GUEST = {"first_name": "Grace", "last_name": "Hopper"}


@dataclass(frozen=True)
class Story:
    name: str
    card: str = CARD_OK
    trigger: str | None = None
    cancel: bool = False
    expect: str = "confirmed"  # the final state this story must reach when it is not sold out


STORIES = (
    (Story("confirmed"), 45),
    (Story("cancelled", cancel=True, expect="cancelled"), 15),
    (Story("card declined", card=CARD_DECLINED, expect="failed"), 10),
    (Story("charge timed out after it was made", card=CARD_TIMEOUT_AFTER_CHARGE), 10),
    (Story("supplier sold out after payment", trigger="soldout", expect="failed"), 10),
    (Story("supplier status unknown first", trigger="unknown_success"), 10),
)


def stories(seed: int, count: int) -> list[Story]:
    """The story of each booking of the storm, drawn from the seed."""
    rng = random.Random(f"stories-{seed}")
    return rng.choices([s for s, _ in STORIES], weights=[w for _, w in STORIES], k=count)


@dataclass
class Trace:
    """What the client saw of one booking."""

    index: int
    story: Story
    booking_id: str | None = None
    outcome: str = "not sent"  # a final state, "sold out", or what went wrong
    attempts: int = 0


@dataclass
class StormReport:
    traces: list[Trace]
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0

    @property
    def accepted(self) -> list[Trace]:
        return [t for t in self.traces if t.booking_id is not None]

    def outcomes(self) -> Counter[str]:
        return Counter(t.outcome for t in self.traces)


@dataclass(frozen=True)
class Stay:
    checkin: date
    length: int  # nights

    @property
    def checkout(self) -> date:
        return self.checkin + timedelta(days=self.length)

    @property
    def nights(self) -> list[date]:
        return [self.checkin + timedelta(days=i) for i in range(self.length)]


class Storm:
    """Bookings at `rate` per second for `seconds`, against the API at `api` with a `book` key."""

    def __init__(self, api: str, token: str, seed: int, stay: Stay, settle_s: float) -> None:
        self.api, self.seed, self.stay, self.settle_s = api, seed, stay, settle_s
        self.auth = {"Authorization": f"Bearer {token}"}
        self.report = StormReport([])
        self.deadline = float("inf")

    async def _call(
        self, http: httpx.AsyncClient, method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        """The request, repeated while the platform cannot answer it yet; None past the deadline."""
        while time.monotonic() < self.deadline:
            try:
                resp = await http.request(
                    method, self.api + path, headers={**self.auth, **kw.pop("headers", {})}, **kw
                )
            except httpx.TransportError:
                self.report.transport_errors += 1
            else:
                self.report.statuses[resp.status_code] += 1
                if resp.status_code not in RETRIED:
                    return resp
            await asyncio.sleep(0.5)
        return None

    async def rate(self, http: httpx.AsyncClient) -> dict[str, Any]:
        """The cheapest rate of the test hotel for the stay: what every booking books."""
        body = {"checkin": self.stay.checkin.isoformat(), "checkout": self.stay.checkout.isoformat(),
                "residency": "gb", "currency": "EUR", "guests": [{"adults": 1}]}  # fmt: skip
        resp = await self._call(http, "POST", f"/v1/hotels/{TEST_HOTEL}/rates", json=body)
        if resp is None or resp.status_code != 200:
            raise RuntimeError(f"no rates for the storm: {resp.status_code if resp else 'no answer'}")
        return dict(resp.json()["rates"][0])

    async def _state(self, http: httpx.AsyncClient, booking_id: str, until: set[str]) -> str:
        while time.monotonic() < self.deadline:
            resp = await self._call(http, "GET", f"/v1/bookings/{booking_id}")
            if resp is not None and resp.status_code == 200 and resp.json()["state"] in until:
                return str(resp.json()["state"])
            await asyncio.sleep(0.3)
        return "not final in time"

    async def book(self, http: httpx.AsyncClient, trace: Trace, rate: dict[str, Any]) -> None:
        story = trace.story
        body = {"hid": TEST_HOTEL, "room": rate["room_name"], "book_hash": rate["book_hash"],
                "checkin": self.stay.checkin.isoformat(), "checkout": self.stay.checkout.isoformat(),
                "residency": "gb", "rooms": [{"adults": 1, "children": [], "guests": [GUEST]}],
                "user": {"email": f"guest{trace.index}@example.com"}, "price": rate["price"],
                "payment_token": story.card, "sandbox_trigger": story.trigger}  # fmt: skip
        key = {"Idempotency-Key": f"chaos-{self.seed}-{trace.index}"}
        resp = await self._call(http, "POST", "/v1/bookings", json=body, headers=key)
        if resp is None:
            trace.outcome = "never accepted"
            return
        if resp.status_code == 409 and resp.json().get("type", "").endswith("sold-out"):
            trace.outcome = "sold out"
            return
        if resp.status_code != 202:
            trace.outcome = f"refused {resp.status_code}: {resp.text[:200]}"
            return
        trace.booking_id = resp.json()["booking_id"]
        state = await self._state(http, trace.booking_id, FINAL)
        if state == "confirmed" and story.cancel:
            cancelled = await self._call(http, "POST", f"/v1/bookings/{trace.booking_id}/cancel")
            if cancelled is None or cancelled.status_code != 202:
                trace.outcome = f"cancel refused: {cancelled.status_code if cancelled else 'no answer'}"
                return
            state = await self._state(http, trace.booking_id, {"cancelled"})
        trace.outcome = state

    async def run(self, seconds: float, rate_per_s: float) -> StormReport:
        count = max(1, round(seconds * rate_per_s))
        self.report = StormReport([Trace(i, s) for i, s in enumerate(stories(self.seed, count))])
        self.deadline = time.monotonic() + seconds + self.settle_s
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=15.0) as http:
            rate = await self.rate(http)
            tasks = []
            for trace in self.report.traces:
                await asyncio.sleep(max(0.0, started + trace.index / rate_per_s - time.monotonic()))
                tasks.append(asyncio.create_task(self.book(http, trace, rate)))
            await asyncio.gather(*tasks)
        return self.report
