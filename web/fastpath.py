"""The hot path of a CDN-facing site: a hotel page already in the page cache is answered here, in
plain ASGI, before FastAPI's routing and exception layers (which cost more than the page itself).

Anything else (a miss, an old slug to redirect, other pages) goes on to the app unchanged, so the
route in pages.py stays the one definition of what a hotel page answers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from web.i18n import CURRENCIES, DEFAULT_CURRENCY, DEFAULT_LANGUAGE, LANGUAGES
from web.pages import HOTEL_CACHE as CACHE_CONTROL

HOTEL_CACHE = CACHE_CONTROL.encode()


def _locale(query: bytes) -> tuple[str, str]:
    if not query:
        return DEFAULT_LANGUAGE, DEFAULT_CURRENCY
    params = dict(parse_qsl(query.decode("latin-1")))
    lang = params.get("lang") or DEFAULT_LANGUAGE
    cur = (params.get("cur") or DEFAULT_CURRENCY).upper()
    return (lang if lang in LANGUAGES else DEFAULT_LANGUAGE), (cur if cur in CURRENCIES else DEFAULT_CURRENCY)


class CachedHotelPages:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        path: str = scope["path"]
        if not path.startswith("/hotels/") or path.count("/") != 2:
            return await self.app(scope, receive, send)
        web = getattr(scope["app"].state, "web", None) if "app" in scope else None
        head = path[8:].partition("-")[0]
        if web is None or not head.isdigit():
            return await self.app(scope, receive, send)
        hid = int(head)
        page = web.cache.get((hid, *_locale(scope.get("query_string", b""))))
        if page is None or page.canonical != path:
            return await self.app(scope, receive, send)
        web.watcher.popularity.viewed(hid)
        etag = page.etag.encode()
        headers = [(b"cache-control", HOTEL_CACHE), (b"etag", etag), (b"vary", b"Accept-Encoding")]
        if any(k == b"if-none-match" and v == etag for k, v in scope["headers"]):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return None
        body = page.body
        if any(k == b"accept-encoding" and b"gzip" in v for k, v in scope["headers"]):
            body = page.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers += [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        return None
