"""The client's hot path: a pool that keeps a connection per concurrent caller, and searches that keep
only the cheapest rates of each hotel (the same ones a result page would pick) before validation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pytest

from core.ratehawk.client import RateHawkClient
from core.ratehawk.ratelimit import Limit, RateLimiter
from core.ratehawk.synthetic import TEST_HOTEL_HID
from core.ratehawk.synthetic.hotels import hid_at
from tests.core.ratehawk.client_sim import simulated, stay
from tests.servers import serve_in_thread

ENDPOINT = "search/serp/hotels/"


class CountingServer:
    """A stand-in supplier that records each caller's TCP connection.

    It answers no request of a wave until `wave` requests are in flight at once (or 5 s have passed),
    so a client that serves its concurrent callers over fewer connections is seen, however slow
    the machine.
    """

    def __init__(self) -> None:
        self.connections: set[tuple[str, int]] = set()
        self.port = 0
        self.wave = 1
        self.in_flight = 0
        self._all_in: asyncio.Event | None = None

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.connections.add(tuple(scope["client"]))
        while (await receive()).get("more_body"):
            pass
        all_in = self._all_in = self._all_in or asyncio.Event()
        self.in_flight += 1
        if self.in_flight >= self.wave:
            all_in.set()
        with contextlib.suppress(TimeoutError):  # fewer callers than a wave: the test's count shows it
            await asyncio.wait_for(all_in.wait(), timeout=5)
        self.in_flight -= 1
        if self.in_flight == 0:
            self._all_in = None  # the next wave waits for its own callers
        body = orjson.dumps({"status": "ok", "data": {"hotels": []}})
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def counting_server() -> Iterator[CountingServer]:
    stand_in = CountingServer()
    with serve_in_thread(stand_in.app, timeout_s=10, interface="asgi3") as served:
        stand_in.port = served.port
        yield stand_in


def unpaced_client(server: CountingServer, **pool: int) -> RateHawkClient:
    limiter = RateLimiter({ENDPOINT: Limit(1_000_000, 1.0)})
    url = f"http://127.0.0.1:{server.port}"
    return RateHawkClient(url, "1000", "key", load_published_limits=False, limiter=limiter, **pool)  # type: ignore[arg-type]


async def test_32_concurrent_callers_reuse_their_connections(counting_server: CountingServer):
    counting_server.wave = 32
    async with unpaced_client(counting_server) as client:
        for _ in range(3):  # three waves of 32 concurrent searches
            await asyncio.gather(*(client.search_hotels(stay(), [TEST_HOTEL_HID]) for _ in range(32)))
    # One connection per concurrent caller, kept alive between waves (a pool that keeps fewer
    # connections than callers closes some after each wave and opens them again in the next; one
    # that shares connections makes the first wave wait out the server and opens fewer).
    assert len(counting_server.connections) == 32


async def test_the_pool_size_is_configurable(counting_server: CountingServer):
    counting_server.wave = 4
    async with unpaced_client(counting_server, max_connections=4) as client:
        await asyncio.gather(*(client.search_hotels(stay(), [TEST_HOTEL_HID]) for _ in range(16)))
    assert len(counting_server.connections) == 4  # 16 callers share the 4 allowed


def _price(rate: Any, currency: str) -> Decimal:
    pay = rate.payment
    return pay.show_amount if pay.show_currency_code == currency and pay.show_amount else pay.amount


@pytest.mark.parametrize("currency", ["EUR", "USD"])
async def test_search_keeps_the_cheapest_rates_a_result_page_would_pick(currency: str):
    hids = [hid_at(i) for i in range(0, 30)]
    async with simulated() as sim:
        params = stay(currency=currency)
        full = await sim.client.search_hotels(params, hids)
        trimmed = await sim.client.search_hotels(params, hids, cheapest=2)
    assert any(len(h.rates) > 2 for h in full.hotels)  # something to trim
    assert [h.hid for h in trimmed.hotels] == [h.hid for h in full.hotels]
    for whole, kept in zip(full.hotels, trimmed.hotels, strict=True):
        expected = sorted(whole.rates, key=lambda r: _price(r, currency))[:2]
        assert [(r.match_hash, _price(r, currency)) for r in kept.rates] == [
            (r.match_hash, _price(r, currency)) for r in expected
        ]
        assert all(isinstance(r.payment.amount, Decimal) for r in kept.rates)
