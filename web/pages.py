"""Search pages: home with autocomplete, results with filters, hotel pages (cached), rates, sitemaps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from web.api import GuestError
from web.sitemap import URLS_PER_FILE, file_count, file_xml, hotel_path, index_xml, on_sale_hids, slugify
from web.stay import Stay, StayErrors, default_stay, locale, parse_stay
from web.tokens import sign

router = APIRouter()

PAGE_SIZE = 20  # hotels per results page
API_PAGE = 100  # hotels per booking-API search page (its maximum)
API_PAGES = 3  # at most this many API pages per search: the 300 cheapest hotels are filtered
HOTEL_CACHE = "public, max-age=300, stale-while-revalidate=86400"
NO_STORE = {"Cache-Control": "no-store"}
SORTS = {"price": "Price (lowest first)", "price_desc": "Price (highest first)", "stars": "Stars",
         "name": "Name"}  # fmt: skip


def web_of(request: Request) -> Any:
    return request.app.state.web


def html(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
         **ctx: Any) -> HTMLResponse:  # fmt: skip
    body = web_of(request).templates.get_template(template).render(request=request, **ctx)
    return HTMLResponse(body, status_code=status, headers=headers)


def base_url(request: Request) -> str:
    configured = web_of(request).config.public_url
    return (configured or str(request.base_url)).rstrip("/")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


# -- home and autocomplete ------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    lang, cur = locale(request.query_params)
    stay = default_stay()
    stay.language, stay.currency = lang, cur
    return html(request, "home.html", stay=stay, errors={}, form={}, lang=lang, cur=cur,
                headers={"Cache-Control": "public, max-age=300"})  # fmt: skip


@router.get("/suggest")
async def suggest(request: Request) -> JSONResponse:
    """Destinations for the autocomplete: regions first, then hotels, from the API's `/v1/suggest`."""
    q = (request.query_params.get("q") or "").strip()
    lang, _ = locale(request.query_params)
    if len(q) < 2:
        return JSONResponse({"items": []})
    try:
        found = await web_of(request).api.suggest(q[:100], lang)
    except GuestError:
        return JSONResponse({"items": [], "error": "Suggestions are not available right now."}, 503)
    items = [
        {"kind": "region", "id": r["id"], "label": r["name"], "detail": f"{r['type']}, {r['country_code']}"}
        for r in found.get("regions", [])
    ]
    items += [
        {"kind": "hotel", "id": h["hid"], "label": h["name"], "detail": "Hotel",
         "url": hotel_path(h["hid"], h["name"])}
        for h in found.get("hotels", [])
    ]  # fmt: skip
    return JSONResponse({"items": items[:12]}, headers={"Cache-Control": "public, max-age=60"})


# -- results --------------------------------------------------------------------------------------
@dataclass
class Filters:
    stars: set[int]
    meal: str
    free_cancel: bool
    price_max: Decimal | None
    sort: str
    page: int

    @classmethod
    def parse(cls, params: Any) -> Filters:
        stars = {int(s) for s in params.getlist("stars") if s.isdigit() and 0 <= int(s) <= 5}
        try:
            price_max = Decimal(params.get("price_max")) if params.get("price_max") else None
        except ArithmeticError:
            price_max = None
        sort = params.get("sort") if params.get("sort") in SORTS else "price"
        page = int(params["page"]) if (params.get("page") or "").isdigit() else 1
        return cls(stars, params.get("meal") or "", params.get("free_cancel") == "1", price_max, sort,
                   max(page, 1))  # fmt: skip

    def params(self) -> list[tuple[str, str]]:
        out = [("stars", str(s)) for s in sorted(self.stars)]
        if self.meal:
            out.append(("meal", self.meal))
        if self.free_cancel:
            out.append(("free_cancel", "1"))
        if self.price_max is not None:
            out.append(("price_max", str(self.price_max)))
        out.append(("sort", self.sort))
        return out


def _rate_matches(rate: dict[str, Any], f: Filters, nights: int) -> bool:
    if f.meal and (rate.get("meal") or "nomeal") != f.meal:
        return False
    if f.free_cancel and not rate.get("free_cancellation_before"):
        return False
    return not (f.price_max is not None and Decimal(rate["price"]["amount"]) / nights > f.price_max)


def filter_hotels(hotels: list[dict[str, Any]], f: Filters, nights: int) -> list[dict[str, Any]]:
    out = []
    for hotel in hotels:
        if f.stars and (hotel.get("stars") or 0) not in f.stars:
            continue
        rates = [r for r in hotel.get("rates", []) if _rate_matches(r, f, nights)]
        if rates:
            out.append({**hotel, "rates": rates, "best": rates[0]})
    key: Callable[[dict[str, Any]], Any] = {
        "price": lambda h: Decimal(h["best"]["price"]["amount"]),
        "price_desc": lambda h: -Decimal(h["best"]["price"]["amount"]),
        "stars": lambda h: (-(h.get("stars") or 0), Decimal(h["best"]["price"]["amount"])),
        "name": lambda h: (h.get("name") or "").lower(),
    }[f.sort]
    return sorted(out, key=key)


async def _search_all(
    web: Any, body: dict[str, Any], session: str | None
) -> tuple[list[dict[str, Any]], int]:
    first = await web.api.search({**body, "page": 1, "page_size": API_PAGE}, session)
    hotels = list(first["hotels"])
    total = int(first["total_hotels"])
    more = min(API_PAGES, -(-total // API_PAGE))
    if more > 1:
        pages = await asyncio.gather(
            *(web.api.search({**body, "page": p, "page_size": API_PAGE}, session) for p in range(2, more + 1))
        )
        for page in pages:
            hotels.extend(page["hotels"])
    return hotels, total


@router.get("/search", response_class=HTMLResponse)
async def search(request: Request) -> Response:
    params = request.query_params
    lang, cur = locale(params)
    form = {k: params.get(k, "") for k in ("dest", "region_id", "hid")}
    try:
        stay = parse_stay(params)
    except StayErrors as exc:  # the guest's own dates stay in the form, beside the messages
        form.update(checkin=params.get("checkin", ""), checkout=params.get("checkout", ""))
        return html(request, "home.html", 400, NO_STORE, stay=default_stay(), errors=exc.errors, form=form,
                    lang=lang, cur=cur)  # fmt: skip
    web = web_of(request)
    if form["hid"].isdigit() and not form["region_id"]:
        hid = int(form["hid"])
        return RedirectResponse(f"{hotel_path(hid, form['dest'])}?{stay.query()}", 303)
    region_id = int(form["region_id"]) if form["region_id"].isdigit() else None
    if region_id is None and len(form["dest"].strip()) >= 2:
        found = await web.api.suggest(form["dest"].strip()[:100], lang)
        if found.get("regions"):
            region_id = found["regions"][0]["id"]
            form["dest"] = found["regions"][0]["name"]
    if region_id is None:
        return html(request, "home.html", 400, NO_STORE, stay=stay, form=form, lang=lang, cur=cur,
                    errors={"dest": "Choose a destination from the list."})  # fmt: skip
    filters = Filters.parse(params)
    hotels, total = await _search_all(web, {**stay.api_body(), "region_id": region_id},
                                      request.cookies.get("sid"))  # fmt: skip
    shown = filter_hotels(hotels, filters, stay.nights)
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(filters.page, pages)
    window = shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    meals = sorted({r.get("meal") or "nomeal" for h in hotels for r in h.get("rates", [])})
    base = [("dest", form["dest"]), ("region_id", str(region_id)), *stay.params()]
    return html(
        request, "results.html", 200, NO_STORE,  # rates: never cached
        stay=stay, form={**form, "region_id": region_id}, filters=filters, hotels=window, total=total,
        considered=len(hotels), matching=len(shown), page=page, pages=pages, meals=meals, sorts=SORTS,
        base_params=base, lang=lang, cur=cur, hotel_path=hotel_path,
    )  # fmt: skip


# -- hotel pages ----------------------------------------------------------------------------------
async def render_hotel_page(web: Any, hid: int, lang: str, cur: str) -> bytes:
    hotel = await web.api.hotel(hid)
    body = web.templates.get_template("hotel.html").render(
        hotel=hotel, lang=lang, cur=cur, canonical=hotel_path(hid, hotel.get("name")),
        images=[u.replace("1024x768", "640x400") for u in hotel.get("images", [])[:8]],
        request=None, base_url=web.config.public_url,
    )  # fmt: skip
    return body.encode()


async def cached_hotel_page(web: Any, hid: int, lang: str, cur: str) -> Any:
    return await web.cache.get_or_render((hid, lang, cur), lambda: render_hotel_page(web, hid, lang, cur))


def _hid_of(slug: str) -> tuple[int, str]:
    head, _, rest = slug.partition("-")
    if not head.isdigit():
        raise GuestError("not_found", "no such hotel page")
    return int(head), rest


@router.get("/hotels/{hid_slug}", response_class=HTMLResponse)
async def hotel_page(request: Request, hid_slug: str) -> Response:
    """The hotel's content, from the page cache; the rates are loaded apart (never cached)."""
    web = web_of(request)
    hid, slug = _hid_of(hid_slug)
    lang, cur = locale(request.query_params)
    page = await cached_hotel_page(web, hid, lang, cur)
    web.watcher.popularity.viewed(hid)
    headers = {"Cache-Control": HOTEL_CACHE, "ETag": page.etag, "Vary": "Accept-Encoding"}
    canonical = page.canonical
    if canonical and slug != canonical.rsplit("/", 1)[-1].partition("-")[2]:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(canonical + query, 301, headers={"Cache-Control": HOTEL_CACHE})
    if request.headers.get("if-none-match") == page.etag:
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="text/html; charset=utf-8", headers=headers)


def offer_token(web: Any, hid: int, hotel_name: str, rate: dict[str, Any], stay: Stay) -> str:
    return sign(
        {"hid": hid, "name": hotel_name, "book_hash": rate["book_hash"], "room": rate["room_name"],
         "meal": rate.get("meal"), "price": rate["price"], "taxes": rate.get("taxes_at_hotel", []),
         "free_before": rate.get("free_cancellation_before"), "stay": stay.params(),
         "residency": stay.residency},
        web.secret,
    )  # fmt: skip


@router.get("/hotels/{hid}/rates", response_class=HTMLResponse)
async def hotel_rates(request: Request, hid: int) -> Response:
    """Every rate of the hotel for the stay: a fragment for the hotel page, or a page of its own."""
    web = web_of(request)
    partial = request.query_params.get("partial") == "1"
    lang, cur = locale(request.query_params)
    template = "rates_fragment.html" if partial else "rates_page.html"
    try:
        stay = parse_stay(request.query_params)
    except StayErrors as exc:
        return html(request, template, 400, NO_STORE, errors=exc.errors, rates=[], hid=hid, hotel=None,
                    stay=None, lang=lang, cur=cur)  # fmt: skip
    try:
        hotel, found = await asyncio.gather(
            web.api.hotel(hid), web.api.rates(hid, stay.api_body(), request.cookies.get("sid"))
        )
    except GuestError as exc:
        if not partial:
            raise
        return html(request, template, 200, NO_STORE, errors={}, failure=exc.kind, rates=[], hid=hid,
                    hotel=None, stay=stay, lang=lang, cur=cur)  # fmt: skip
    rates = [{**r, "offer": offer_token(web, hid, hotel.get("name") or "", r, stay)} for r in found["rates"]]
    return html(request, template, 200, NO_STORE, errors={}, rates=rates, hid=hid, hotel=hotel, stay=stay,
                lang=lang, cur=cur, canonical=hotel_path(hid, hotel.get("name")))  # fmt: skip


# -- SEO: robots and sitemaps ---------------------------------------------------------------------
@router.get("/robots.txt")
async def robots(request: Request) -> Response:
    text = (
        f"User-agent: *\nDisallow: /book/\nDisallow: /bookings/\nSitemap: {base_url(request)}/sitemap.xml\n"
    )
    return Response(text, media_type="text/plain", headers={"Cache-Control": "public, max-age=3600"})


async def _sitemap_hids(web: Any) -> list[int]:
    key = ("hids", web.cache.seq)
    if key not in web.sitemaps:
        web.sitemaps.clear()  # a new load: every sitemap file is built again
        web.sitemaps[key] = await web.call(on_sale_hids, web.store)
    return web.sitemaps[key]  # type: ignore[no-any-return]


@router.get("/sitemap.xml")
async def sitemap_index(request: Request) -> Response:
    web = web_of(request)
    hids = await _sitemap_hids(web)
    body = index_xml(base_url(request), file_count(len(hids)), None)
    return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/sitemaps/hotels-{n}.xml")
async def sitemap_file(request: Request, n: int) -> Response:
    web = web_of(request)
    hids = await _sitemap_hids(web)
    if not 1 <= n <= file_count(len(hids)):
        raise GuestError("not_found", f"no sitemap {n}")
    key = ("file", web.cache.seq, n)
    if key not in web.sitemaps:
        part = hids[(n - 1) * URLS_PER_FILE : n * URLS_PER_FILE]
        web.sitemaps[key] = await web.call(file_xml, web.store, base_url(request), part)
    return Response(web.sitemaps[key], media_type="application/xml",
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


__all__ = ["router", "slugify"]
