"""The clients one API process holds, opened by the app's lifespan and kept on `app.state.services`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread
from fastapi import FastAPI

from booking_api.cache import SearchCache
from booking_api.content import HotelSummaries
from booking_api.eventbuffer import EventBuffer
from booking_api.ratelimit import RateLimiter
from booking_api.temporal.starter import SagaStarter
from core.config import Settings
from core.kv import Store, Transaction
from core.search import SearchIndex

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from core.ratehawk.client import RateHawkClient

log = logging.getLogger(__name__)
R = TypeVar("R")

DEFAULT_TASK_QUEUE = "ibe-booking"


@dataclass
class Services:
    settings: Settings
    store: Store
    redis: Redis
    ratehawk: RateHawkClient
    sagas: SagaStarter
    limiter: RateLimiter
    cache: SearchCache
    search_events: EventBuffer
    hotels: HotelSummaries
    search: SearchIndex
    key_cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    async def tx(self, fn: Callable[[Transaction], R]) -> R:
        """Run a store transaction off the event loop (the store port is blocking)."""
        return await anyio.to_thread.run_sync(self.store.run, fn)

    async def read(self, fn: Callable[[Transaction], R]) -> R:
        """Run a read-only store transaction off the event loop: GETs never queue behind writers
        (on the embedded store a read-only transaction does not take the write lock)."""
        return await anyio.to_thread.run_sync(self.store.read, fn)

    async def call(self, fn: Callable[..., R], *args: Any) -> R:
        return await anyio.to_thread.run_sync(fn, *args)


@dataclass
class AppConfig:
    """What the app needs beyond the settings; tests swap clients here (e.g. an ASGI transport)."""

    task_queue: str = DEFAULT_TASK_QUEUE
    ratehawk_transport: Any = None
    search_cache_ttl_s: int = 60
    redis_prefix: str = "ibe:"  # tests sharing one Redis use their own
    booking_input: dict[str, Any] = field(default_factory=dict)  # BookingInput overrides (poll interval, ...)


def lifespan_for(settings: Settings, config: AppConfig) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from redis.asyncio import Redis

        from booking_api.tracing import traced
        from core.kv import open_store
        from core.ratehawk.client import RateHawkClient
        from core.search import open_search_index

        store = open_store(settings)
        search = open_search_index(settings)
        redis = Redis.from_url(settings.redis_target, socket_timeout=2.0, socket_connect_timeout=2.0)
        # RateHawk's limits are per key: every API process and worker paces through one budget in Redis.
        ratehawk = traced(  # each supplier call a CLIENT span under the request's, with its latency
            RateHawkClient.from_settings(
                settings, shared_limits=True, transport=config.ratehawk_transport, timeout_s=30.0
            ),
            "ratehawk",
        )
        sagas = SagaStarter(settings, config.task_queue, config.booking_input)

        def tx(fn: Callable[[Transaction], Any]) -> Any:
            return anyio.to_thread.run_sync(store.run, fn)

        search_events = EventBuffer(tx)
        services = Services(
            settings=settings,
            store=store,
            redis=redis,
            ratehawk=ratehawk,
            sagas=sagas,
            limiter=RateLimiter(redis, prefix=config.redis_prefix + "rl:"),
            cache=SearchCache(redis, ttl_s=config.search_cache_ttl_s, prefix=config.redis_prefix + "serp:"),
            search_events=search_events,
            hotels=HotelSummaries(store, anyio.to_thread.run_sync),
            search=search,
        )
        search_events.start()
        app.state.services = services
        try:
            yield
        finally:
            await search_events.close()
            await services.cache.aclose()
            await asyncio.gather(ratehawk.aclose(), redis.aclose(), return_exceptions=True)
            search.close()
            store.close()

    return lifespan
