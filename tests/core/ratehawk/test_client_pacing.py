"""The client-side limiter: published limits, X-RateLimit headers, and 429 backoff (fake clock)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from core.ratehawk.ratelimit import Limit, RateLimiter, endpoint_key, parse_reset
from tests.core.ratehawk.fakes import FakeRateHawk, FakeTime, envelope, make_client

SEARCH = {"checkin": "2027-03-01", "checkout": "2027-03-03", "residency": "gb", "guests": [{"adults": 2}]}


def _params():
    from core.ratehawk.models import SearchParams

    return SearchParams.model_validate(SEARCH)


def test_endpoint_names_are_normalised():
    assert endpoint_key("/api/b2b/v3/search/serp/region/") == "search/serp/region/"
    assert endpoint_key("search/serp/region") == "search/serp/region/"


def test_reset_header_formats():
    now = 1_700_000_000.0
    assert parse_reset("12", now_epoch=now) == 12.0
    assert parse_reset(str(now + 30), now_epoch=now) == 30.0
    moment = datetime.fromtimestamp(now, UTC) + timedelta(seconds=45)
    assert parse_reset(moment.strftime("%Y-%m-%dT%H:%M:%S"), now_epoch=now) == 45.0
    assert parse_reset("soon", now_epoch=now) is None


async def test_sliding_window_never_exceeds_the_limit():
    time = FakeTime()
    limiter = RateLimiter({"search/serp/region/": Limit(5, 10.0)}, clock=time.clock, sleep=time.sleep)
    sent: list[float] = []
    for _ in range(23):
        await limiter.acquire("search/serp/region/")
        sent.append(time.now)
    for i, t in enumerate(sent):
        in_window = [s for s in sent if t - 10.0 < s <= t]
        assert len(in_window) <= 5, (i, in_window)
    # 23 requests at 5 per 10 s need four full waits, and not much more
    assert 40.0 <= sent[-1] - sent[0] < 42.0


async def test_published_limits_are_loaded_before_the_first_call():
    api = FakeRateHawk(
        overview=[
            {"endpoint": "api/b2b/v3/search/serp/hotels/", "is_active": True, "is_limited": True,
             "requests_number": 2, "seconds_number": 60},
        ]
    )  # fmt: skip
    api.route("search/serp/hotels/", envelope({"hotels": [], "total_hotels": 0}))
    time = FakeTime()
    async with make_client(api, time) as client:
        start = time.now
        for _ in range(3):
            await client.search_hotels(_params(), [1])
    assert api.calls[0][0] == "overview/"
    assert client.limiter.limit_for("search/serp/hotels/") == Limit(2, 60.0)
    assert time.now - start >= 60.0  # the third call waited for the window
    assert client.stats.rate_limited == 0


async def test_headers_override_limits_and_remaining_zero_blocks_until_reset():
    api = FakeRateHawk()
    headers = {
        "X-RateLimit-RequestsNumber": "10",
        "X-RateLimit-SecondsNumber": "30",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "7",
    }
    api.route("search/multicomplete/", envelope({"hotels": [], "regions": []}, headers=headers))
    time = FakeTime()
    async with make_client(api, time) as client:
        await client.multicomplete("ber")
        before = time.now
        await client.multicomplete("ber")
    assert client.limiter.limit_for("search/multicomplete/") == Limit(10, 30.0)
    assert 7.0 <= time.now - before <= 8.0  # the reset, plus 1 s for whole-second resets


async def test_429_backs_off_until_reset_then_succeeds():
    api = FakeRateHawk()
    limited = envelope(error="endpoint_exceeded_limit", http=429, headers={"X-RateLimit-Reset": "20"})
    api.route("search/serp/region/", [limited, limited, envelope({"hotels": [], "total_hotels": 0})])
    time = FakeTime()
    async with make_client(api, time) as client:
        start = time.now
        result = await client.search_region(_params(), 6053839)
    assert result.total_hotels == 0
    assert api.counts["search/serp/region/"] == 3
    assert client.stats.rate_limited == 2 and client.stats.retries == 2
    assert time.now - start >= 40.0


async def test_a_long_run_paced_by_the_client_sees_no_429():
    """A server that enforces 3 requests per 5 s: 20 calls through the client never hit it."""
    time = FakeTime()
    sent: list[float] = []

    def strict(request: httpx.Request, body: dict) -> httpx.Response:
        recent = [t for t in sent if time.now - t < 5.0]
        if len(recent) >= 3:
            return envelope(error="endpoint_exceeded_limit", http=429)
        sent.append(time.now)
        return envelope({"hotels": [], "total_hotels": 0})

    api = FakeRateHawk(
        overview=[
            {
                "endpoint": "api/b2b/v3/search/hp/",
                "is_limited": True,
                "requests_number": 3,
                "seconds_number": 5,
            }
        ]
    )
    api.route("search/hp/", strict)
    async with make_client(api, time) as client:
        for _ in range(20):
            await client.hotel_page(_params(), 8473727)
    assert client.stats.rate_limited == 0
    assert len(sent) == 20


async def test_concurrent_first_calls_all_wait_for_the_published_limits():
    time = FakeTime()
    sent: list[float] = []
    api = FakeRateHawk(
        overview=[
            {
                "endpoint": "api/b2b/v3/search/hp/",
                "is_limited": True,
                "requests_number": 2,
                "seconds_number": 60,
            }
        ]
    )
    api.route("search/hp/", lambda request, body: sent.append(time.now) or envelope({"hotels": []}))

    async def slow_overview(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/overview/"):
            await asyncio.sleep(0.01)  # the other first callers run meanwhile
        return api(request)

    async with make_client(api, time) as client:
        client._http._transport = httpx.MockTransport(slow_overview)
        await asyncio.gather(*(client.hotel_page(_params(), 8473727) for _ in range(4)))
    assert api.counts["overview/"] == 1
    assert sent[:2] == [sent[0]] * 2 and sent[2] >= sent[0] + 60.0
