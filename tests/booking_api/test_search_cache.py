"""The search-result cache on the session's real Redis: coalescing and stale-while-revalidate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from booking_api.cache import SearchCache
from core.config import Settings


class Supplier:
    """Counts the searches it answers; each answer takes `delay_s` and names its call number."""

    def __init__(self, delay_s: float = 0.2) -> None:
        self.calls, self.delay_s = 0, delay_s

    async def page(self) -> dict:
        self.calls += 1
        number = self.calls
        await asyncio.sleep(self.delay_s)
        return {"answer": number}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis(settings: Settings, embedded_stack: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_target)
    yield client
    await client.aclose()


async def test_fifty_identical_concurrent_searches_make_one_supplier_call(redis: Redis, unique: str) -> None:
    cache = SearchCache(redis, ttl_s=60, prefix=f"t{unique}:")
    supplier = Supplier()
    key = cache.key({"region_id": 1, "checkin": "+30d"})
    answers = await asyncio.gather(*(cache.get_or_compute(key, supplier.page) for _ in range(50)))
    assert supplier.calls == 1
    assert {a[0]["answer"] for a in answers} == {1}
    assert [cached for _, cached in answers] == [False] * 50  # none was in the cache yet
    assert await cache.get_or_compute(key, supplier.page) == ({"answer": 1}, True)
    other = cache.key({"region_id": 2, "checkin": "+30d"})
    assert (await cache.get_or_compute(other, supplier.page))[0] == {
        "answer": 2
    }  # another search: its own call


async def test_a_failed_supplier_call_fails_every_waiter_and_is_not_cached(redis: Redis, unique: str) -> None:
    cache = SearchCache(redis, ttl_s=60, prefix=f"t{unique}:")
    calls = 0

    async def failing() -> dict:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        raise RuntimeError("supplier down")

    key = cache.key({"q": 1})
    outcomes = await asyncio.gather(
        *(cache.get_or_compute(key, failing) for _ in range(10)), return_exceptions=True
    )
    assert calls == 1 and all(isinstance(o, RuntimeError) for o in outcomes)
    assert await cache.get(key) is None


async def test_a_stale_page_is_served_at_once_and_refreshed_once(redis: Redis, unique: str) -> None:
    clock = Clock()
    cache = SearchCache(redis, ttl_s=60, stale_s=300, prefix=f"t{unique}:", clock=clock)
    supplier = Supplier(delay_s=0.5)
    key = cache.key({"region_id": 1})
    await cache.get_or_compute(key, supplier.page)
    clock.now += 61  # past its freshness, within its stale window

    loop = asyncio.get_running_loop()
    started = loop.time()
    stale = await asyncio.gather(*(cache.get_or_compute(key, supplier.page) for _ in range(20)))
    assert loop.time() - started < supplier.delay_s / 2  # nobody waited for the supplier
    assert stale == [({"answer": 1}, True)] * 20
    await cache.refreshed()
    assert supplier.calls == 2  # twenty stale hits, one refresh
    assert await cache.get_or_compute(key, supplier.page) == ({"answer": 2}, True)
    await cache.refreshed()
    assert supplier.calls == 2  # the refreshed page is fresh again
