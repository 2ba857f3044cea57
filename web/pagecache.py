"""Hotel pages rendered once per catalog load (the design's ISR), kept in the front end's memory.

A hotel page holds catalog content only (rates are fetched apart and never cached, ETG's rule), so
it changes only when a catalog load publishes. The store records a publish by flipping the load
pointer ("catalog", "current") to the new load's `seq` (core/catalog/serving.py); `CatalogWatcher`
reads that pointer every few seconds, and when the seq moves it drops every page of the old load
and renders the most viewed hotels again ahead of their first request. Other pages are rendered
on first request. Each page's ETag names the load it was rendered from.

Popularity is counted per page view in this process and added to a sorted set in Redis every few
seconds, so every front-end process (and the next start) knows which hotels guests open most.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

PageKey = tuple[int, str, str]  # hid, language, currency


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    etag: str
    seq: int | None
    rendered_at: float
    canonical: str | None = None  # the page's own path (`/hotels/{hid}-{slug}`), from its markup
    gzipped: bytes = b""  # compressed once here, so a cached page costs no compression per request


def page_canonical(body: bytes) -> str | None:
    """The canonical path a page was rendered with (so a renamed hotel's old slug redirects)."""
    start = body.find(b'data-canonical="')
    if start < 0:
        return None
    start += len(b'data-canonical="')
    return body[start : body.find(b'"', start)].decode()


class PageCache:
    """Rendered hotel pages of the visible catalog load, at most `max_entries` (least recent dropped)."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self.seq: int | None = None
        self._max = max_entries
        self._pages: OrderedDict[PageKey, Page] = OrderedDict()
        self._rendering: dict[PageKey, asyncio.Future[Page]] = {}
        self.hits = self.misses = self.invalidations = 0

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: PageKey) -> Page | None:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            self.hits += 1
        return page

    def put(self, key: PageKey, body: bytes, seq: int | None) -> Page:
        digest = hashlib.blake2b(body, digest_size=8).hexdigest()
        page = Page(body, f'"{seq or 0}-{digest}"', seq, time.time(), page_canonical(body),
                    gzip.compress(body, compresslevel=6, mtime=0))  # fmt: skip
        if seq == self.seq:  # a page rendered from a load that has since been replaced is not kept
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)
        return page

    async def get_or_render(self, key: PageKey, render: Callable[[], Awaitable[bytes]]) -> Page:
        """The cached page, else render it once however many guests ask for it at the same moment."""
        page = self.get(key)
        if page is not None:
            return page
        pending = self._rendering.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[Page] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        seq = self.seq
        try:
            page = self.put(key, await render(), seq)
            future.set_result(page)
            return page
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, no "never retrieved" warning
            raise
        finally:
            self._rendering.pop(key, None)

    def invalidate(self, seq: int | None) -> int:
        """Drop every page (a new catalog load is visible); returns how many were dropped."""
        dropped = len(self._pages)
        self._pages.clear()
        self.seq = seq
        self.invalidations += 1
        return dropped


class Popularity:
    """Hotel page views, counted here and flushed into a Redis sorted set shared by all processes."""

    def __init__(self, redis: Any, key: str) -> None:
        self._redis, self._key = redis, key
        self._pending: Counter[int] = Counter()

    def viewed(self, hid: int) -> None:
        self._pending[hid] += 1

    async def flush(self) -> None:
        if not self._pending or self._redis is None:
            return
        pending, self._pending = self._pending, Counter()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for hid, n in pending.items():
                    pipe.zincrby(self._key, n, str(hid))
                await pipe.execute()
        except Exception as exc:  # popularity is a hint: losing a few views must not break pages
            log.warning("popularity flush failed: %s", exc)

    async def top(self, n: int) -> list[int]:
        if self._redis is None or n <= 0:
            return []
        try:
            found = await self._redis.zrevrange(self._key, 0, n - 1)
        except Exception as exc:
            log.warning("popularity read failed: %s", exc)
            return []
        return [int(h) for h in found]


class CatalogWatcher:
    """Follows the catalog load pointer; on a publish, empties the cache and renders popular pages."""

    def __init__(
        self,
        cache: PageCache,
        popularity: Popularity,
        read_seq: Callable[[], Awaitable[int | None]],
        warm: Callable[[int], Awaitable[None]],
        popular: int = 100,
        interval_s: float = 2.0,
    ) -> None:
        self.cache, self.popularity = cache, popularity
        self._read_seq, self._warm = read_seq, warm
        self._popular, self._interval = popular, interval_s
        self._task: asyncio.Task[None] | None = None
        self.warmed = 0

    async def check(self) -> bool:
        """Read the pointer once; True when a new load was found (and its popular pages rendered)."""
        await self.popularity.flush()
        seq = await self._read_seq()
        if seq == self.cache.seq and self.cache.invalidations:
            return False
        dropped = self.cache.invalidate(seq)
        log.info("catalog load seq %s visible: %d cached page(s) dropped", seq, dropped)
        self.warmed = 0
        hids = await self.popularity.top(self._popular)
        sem = asyncio.Semaphore(4)

        async def one(hid: int) -> None:
            async with sem:
                try:
                    await self._warm(hid)
                    self.warmed += 1
                except Exception as exc:  # an unrenderable page is rendered (or explained) on request
                    log.info("page of hotel %s not rendered ahead: %s", hid, exc)

        await asyncio.gather(*(one(h) for h in hids))
        return True

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("catalog watcher: %s", exc)
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="catalog-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.popularity.flush()
