"""The guest front end: `create_app(settings, WebConfig(...))` builds the app `ibe web` serves.

Server-rendered pages (Jinja2) over the booking API, called over HTTP with the front end's own key
(`api.py`); catalog pages cached per catalog load (`pagecache.py`); sitemaps (`sitemap.py`). Routes
live in `pages.py` (search, hotel pages, sitemaps) and `booking.py` (prebook to cancellation);
`errors.py` turns every failure into a page a guest understands.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from jinja2 import Environment
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from core.config import Settings
from web import booking, errors, pages
from web.api import BookingApi
from web.fastpath import CachedHotelPages
from web.pagecache import CatalogWatcher, PageCache, Popularity
from web.render import environment

STATIC = Path(__file__).parent / "static"


@dataclass
class WebConfig:
    """What the front end needs beyond the settings; tests swap the transport or the intervals."""

    api_url: str
    api_key: str
    public_url: str = ""  # absolute root for sitemaps and canonical links; "" = the request's own
    popular_pages: int = 100  # hotel pages rendered ahead when a catalog load publishes
    watch_interval_s: float = 2.0
    api_timeout_s: float = 20.0
    redis_prefix: str = "web:"
    api_transport: Any = None
    status_poll_ms: int = 1000


@dataclass
class Web:
    """Clients and caches of one front-end process, on `app.state.web`."""

    settings: Settings
    config: WebConfig
    api: BookingApi
    templates: Environment
    cache: PageCache
    watcher: CatalogWatcher
    store: Any
    redis: Any
    secret: bytes
    sitemaps: dict[Any, bytes] = field(default_factory=dict)

    async def call(self, fn: Any, *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args)


def create_app(settings: Settings, config: WebConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from redis.asyncio import Redis

        from core.catalog.serving import current_load
        from core.kv import open_store

        store = open_store(settings)
        redis = Redis.from_url(settings.redis_target, socket_timeout=2.0, socket_connect_timeout=2.0)
        api = BookingApi(config.api_url, config.api_key, config.api_timeout_s, config.api_transport)
        cache = PageCache()

        async def read_seq() -> int | None:
            pointer = await anyio.to_thread.run_sync(current_load, store)
            return None if pointer is None else pointer.seq

        async def warm(hid: int) -> None:
            await pages.cached_hotel_page(web, hid, "en", "EUR")

        watcher = CatalogWatcher(
            cache,
            Popularity(redis, config.redis_prefix + "popular"),
            read_seq,
            warm,
            popular=config.popular_pages,
            interval_s=config.watch_interval_s,
        )
        # The secret signing offers and booking links: derived from the key, so every process agrees.
        secret = hashlib.sha256(b"ibe-web\x00" + config.api_key.encode()).digest()
        web = Web(settings, config, api, environment(), cache, watcher, store, redis, secret)
        app.state.web = web
        watcher.start()
        try:
            yield
        finally:
            await watcher.stop()
            await api.aclose()
            await redis.aclose()
            store.close()

    app = FastAPI(title="ETG IBE guest front end", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)  # fmt: skip
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(CachedHotelPages)  # outermost: a cached page skips every other layer
    app.include_router(pages.router)
    app.include_router(booking.router)
    app.mount("/static", CachedStatic(StaticFiles(directory=STATIC)), name="static")
    return app


class CachedStatic:
    """Static files (script, styles, placeholder): their URLs carry a content hash (`asset()` in
    render.py), so browsers and CDNs keep them for a year."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"cache-control", b"public, max-age=31536000, immutable"),
                ]
            await send(message)

        await self.app(scope, receive, with_header)
