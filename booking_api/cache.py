"""Search-result pages cached in Redis, served stale-while-revalidate, with identical searches coalesced.

ETG allows caching result pages only: hotel-page and prebook answers are never cached (their
routes do not use this).

A page is fresh for `ttl_s`, then stale for `stale_s` more: a stale page is served at once and
refreshed once in the background (one refresh per key at a time in a process, and across
processes through a short Redis lock). A miss computes the page once for all the identical
searches that arrive while it is being computed: fifty guests asking the same thing make one
supplier call. Redis being down only costs the cache: pages are then computed each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
Compute = Callable[[], Awaitable[Any]]


class SearchCache:
    def __init__(
        self,
        redis: Redis,
        ttl_s: int = 60,
        prefix: str = "ibe:serp:",
        stale_s: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis, self.ttl_s, self._prefix = redis, ttl_s, prefix
        self.stale_s, self._clock = stale_s, clock
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    def key(self, query: dict[str, Any]) -> str:
        return self._prefix + hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()

    async def _read(self, key: str) -> dict[str, Any] | None:
        try:
            raw = await self._redis.get(key)
        except RedisError as exc:
            log.warning("search cache unavailable: %s", exc)
            return None
        return None if raw is None else orjson.loads(raw)  # type: ignore[no-any-return]

    async def get(self, key: str) -> Any | None:
        """The cached page, fresh or stale, or None."""
        entry = await self._read(key)
        return None if entry is None else entry["page"]

    async def put(self, key: str, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        entry = {"page": value, "fresh_until": self._clock() + self.ttl_s}
        try:
            await self._redis.set(key, orjson.dumps(entry), ex=self.ttl_s + self.stale_s)
        except RedisError as exc:
            log.warning("search cache unavailable: %s", exc)

    async def get_or_compute(self, key: str, compute: Compute) -> tuple[Any, bool]:
        """(page, served from the cache): fresh from the cache, stale (refreshed behind), or computed
        once for every identical request waiting on it."""
        entry = await self._read(key)
        if entry is not None:
            if entry["fresh_until"] <= self._clock():
                self._refresh_behind(key, compute)
            return entry["page"], True
        return await self._coalesced(key, compute), False

    async def _coalesced(self, key: str, compute: Compute) -> Any:
        waiting = self._inflight.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            page = await compute()
            await self.put(key, page)
            future.set_result(page)
            return page
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # the waiters re-raise it; the future itself needs no more handling
            raise
        finally:
            del self._inflight[key]

    def _refresh_behind(self, key: str, compute: Compute) -> None:
        if key in self._refreshing or key in self._inflight:
            return
        task = asyncio.create_task(self._refresh(key, compute))
        self._refreshing[key] = task
        task.add_done_callback(lambda _: self._refreshing.pop(key, None))

    async def _refresh(self, key: str, compute: Compute) -> None:
        try:
            # One refresh across processes: the first to take the lock refreshes, the others serve stale.
            if not await self._redis.set(key + ":refresh", b"1", nx=True, ex=max(self.ttl_s, 5)):
                return
        except RedisError as exc:
            log.warning("search cache unavailable: %s", exc)
            return
        try:
            await self._coalesced(key, compute)
        except Exception as exc:  # the stale page stays served; the next stale hit tries again
            log.warning("search page refresh failed: %s", exc)
        finally:
            with contextlib.suppress(RedisError):
                await self._redis.delete(key + ":refresh")

    async def refreshed(self) -> None:
        """Wait for the background refreshes under way (tests, shutdown)."""
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel background refreshes (the stale pages stay cached)."""
        for task in list(self._refreshing.values()):
            task.cancel()
        await self.refreshed()
