"""The front end over HTTP (no browser): hotel pages from the page cache and their invalidation when
a catalog load publishes, sitemaps, rates never cached, the price-change notice, per-field
messages, languages and currencies, and the pages a guest sees when something fails."""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import date, timedelta

import httpx
import pytest

from tests.booking_api.conftest import publish_records
from tests.web.conftest import WebEnv, serve_here, web_key
from web import pages, sitemap

CHECKIN = date.today() + timedelta(days=40)
STAY = f"checkin={CHECKIN}&checkout={CHECKIN + timedelta(days=2)}&rooms=2"
PLUS_10 = 8819557  # the sandbox hotel whose prebook raises the price 10%


async def eventually(check, timeout_s: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_hotel_pages_cached_per_catalog_load_and_sitemaps(web_env: WebEnv, monkeypatch):
    c, web, catalog = web_env.client, web_env.web, web_env.sim.catalog
    hotel, popular = catalog[7], catalog[9]
    path = sitemap.hotel_path(hotel["hid"], hotel["name"])

    # Stable URL: a bare id or an old slug is sent to the canonical one.
    r = await c.get(f"/hotels/{hotel['hid']}-old-name?lang=en")
    assert r.status_code == 301 and r.headers["location"] == f"{path}?lang=en"
    r = await c.get(path)
    assert r.status_code == 200
    assert f"<title>{hotel['name']}" in r.text and '<meta name="description"' in r.text
    assert "stale-while-revalidate=" in r.headers["cache-control"] and "public" in r.headers["cache-control"]
    etag = r.headers["etag"]
    misses = web.cache.misses
    again = await c.get(path)
    assert again.content == r.content and web.cache.misses == misses  # from the page cache
    assert again.headers["content-encoding"] == "gzip"  # compressed once, when it was rendered
    r304 = await c.get(path, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and not r304.content
    # Everything ETG requires guests to see, and photos with alt text and a placeholder.
    assert "Hotel policies" in r.text
    for key, value in hotel["metapolicy_struct"].items():
        if value:
            assert f"<h3>{key.replace('_', ' ').capitalize()}</h3>" in r.text
    if hotel.get("metapolicy_extra_info"):
        assert "Additional information" in r.text
    assert re.search(r'<img src="https://cdn\.worldota\.net/[^"]+" alt="[^"]+, photo 1 of', r.text)
    assert "placeholder.svg" in r.text

    # Rates are never cached.
    rates = await c.get(f"/hotels/{hotel['hid']}/rates?{STAY}&partial=1")
    assert rates.headers["cache-control"] == "no-store"

    # Guests open `popular` most: its page is rendered ahead after the next publish.
    for _ in range(3):
        await c.get(sitemap.hotel_path(popular["hid"], popular["name"]))
    await web.watcher.popularity.flush()
    renamed = [{**rec, "name": "Renamed Palace"} if rec["hid"] == hotel["hid"] else rec for rec in catalog]
    seq_before = web.cache.seq
    publish_records(web_env.sim.settings, renamed, "web-test-2")

    async def new_load_visible():
        return web.cache.seq != seq_before and web.cache.get((popular["hid"], "en", "EUR"))

    assert await eventually(new_load_visible), "the page cache did not follow the catalog publish"
    moved = await c.get(path)
    new_path = sitemap.hotel_path(hotel["hid"], "Renamed Palace")
    assert moved.status_code == 301 and moved.headers["location"] == new_path
    fresh = await c.get(new_path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and "Renamed Palace" in fresh.text and fresh.headers["etag"] != etag

    # Sitemaps: an index, files of at most URLS_PER_FILE URLs, every hotel on sale once.
    monkeypatch.setattr(sitemap, "URLS_PER_FILE", 16)
    monkeypatch.setattr(pages, "URLS_PER_FILE", 16)
    web.sitemaps.clear()
    index = await c.get("/sitemap.xml")
    files = re.findall(r"<loc>([^<]+)</loc>", index.text)
    assert [f.rsplit("/", 1)[1] for f in files] == ["hotels-1.xml", "hotels-2.xml", "hotels-3.xml"]
    urls = []
    for f in files:
        part = re.findall(r"<loc>([^<]+)</loc>", (await c.get(httpx.URL(f).path)).text)
        assert len(part) <= 16
        urls += part
    assert sorted(urls) == sorted(
        web_env.url + sitemap.hotel_path(rec["hid"], rec["name"]) for rec in renamed
    )
    assert (await c.get("/sitemaps/hotels-4.xml")).status_code == 404
    assert "Sitemap: " in (await c.get("/robots.txt")).text


async def test_results_filters_price_change_and_field_messages(web_env: WebEnv):
    c = web_env.client
    region = next(r["region"] for r in web_env.sim.catalog if r["hid"] == PLUS_10)

    # Search form mistakes come back next to the field.
    bad = await c.get(f"/search?dest=x&checkin={CHECKIN}&checkout={CHECKIN - timedelta(days=1)}")
    assert bad.status_code == 400
    assert 'id="checkout-error">Check-out must be after check-in.' in bad.text
    assert 'aria-invalid="true" aria-describedby="checkout-error"' in bad.text
    assert f'value="{CHECKIN - timedelta(days=1)}"' in bad.text  # what the guest typed is kept
    no_dest = await c.get(f"/search?dest=&{STAY}")
    assert 'id="dest-error">Choose a destination from the list.' in no_dest.text

    # Results: price per night and total; each filter keeps only what matches.
    base = f"/search?dest={region['name']}&region_id={region['id']}&{STAY}"
    everything = await c.get(base)
    assert everything.status_code == 200 and everything.headers["cache-control"] == "no-store"
    cards = everything.text.count('class="hotel-card"')
    assert cards >= 1 and "per night" in everything.text and " total" in everything.text
    free = await c.get(base + "&free_cancel=1")
    assert text_of(free.text).count("Non-refundable") == 0
    assert free.text.count('class="hotel-card"') <= cards
    cheap = await c.get(base + "&price_max=1")
    assert 'class="hotel-card"' not in cheap.text and "No hotel matches these filters" in cheap.text

    # Language and currency carried to the supplier and the page.
    usd = await c.get(base.replace("rooms=2", "rooms=2&cur=USD&lang=de"))
    assert '<html lang="de">' in usd.text and " USD" in usd.text and "pro Nacht" in usd.text

    # Prebook at the hotel whose price rises: the new price is shown and must be accepted.
    page = await c.get(f"/hotels/{PLUS_10}/rates?{STAY}")
    offer = re.search(r'name="offer" value="([^"]+)"', page.text).group(1)
    details = await c.post("/book/prebook", data={"offer": offer})
    assert details.status_code == 200
    assert 'id="price-change"' in details.text and "The price has changed" in details.text
    draft = re.search(r'name="draft" value="([^"]+)"', details.text).group(1)
    missing = await c.post("/book/details", data={"draft": draft, "email": "not-an-email"})
    assert missing.status_code == 422
    assert 'id="email-error">Enter an email address' in missing.text
    assert 'id="accept_price-error">Tick the box to accept the new price' in missing.text
    assert 'id="g-0-1-last-error">Enter the guest' in missing.text
    forged = await c.post("/book/details", data={"draft": draft[:-3] + "abc", "email": "a@b.co"})
    assert forged.status_code == 400 and "Please check your request" in forged.text


async def test_guest_pages_when_things_fail(web_env: WebEnv):
    c = web_env.client
    region = web_env.sim.catalog[0]["region"]
    faults = f"{web_env.sim.ratehawk_url}/admin/faults"

    # The supplier fails: the guest is told, nothing of the failure's inside shows.
    async with httpx.AsyncClient() as admin:
        await admin.post(faults, json={"error_rate": 1.0, "error_http_status": 500})
        try:
            failed = await c.get(f"/search?dest={region['name']}&region_id={region['id']}&{STAY}")
        finally:
            await admin.put(faults, json={})
    assert failed.status_code == 502
    assert "The hotel&#39;s system did not answer" in failed.text or "The hotel's system" in failed.text
    assert "Traceback" not in failed.text and "supplier:" not in failed.text

    # A rate that is gone by the time the guest chooses it.
    page = await c.get(f"/hotels/8473727/rates?{STAY}")
    offer = re.search(r'name="offer" value="([^"]+)"', page.text).group(1)
    from web.tokens import sign, unsign

    data = unsign(offer, web_env.web.secret)
    gone = sign({**data, "book_hash": "h-00000000-0000-4000-8000-000000000000"}, web_env.web.secret)
    sold = await c.post("/book/prebook", data={"offer": gone})
    assert sold.status_code == 409 and "This room is no longer available" in sold.text

    # Unknown pages and tampered booking links.
    assert (await c.get("/hotels/999999999-nowhere")).status_code == 404
    link = await c.get("/bookings/bk_0123456789abcdef?t=forged")
    assert link.status_code == 403 and "This link is not valid" in link.text


async def test_timeout_page_when_the_booking_api_hangs(settings, embedded_stack, unique):
    from web.app import WebConfig, create_app

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        config = WebConfig(api_url=f"http://127.0.0.1:{silent.getsockname()[1]}", api_key=web_key(settings),
                           api_timeout_s=0.5, redis_prefix=f"t{unique}web:")  # fmt: skip
        async with (
            serve_here(create_app(settings, config), lifespan="on") as served,
            httpx.AsyncClient(base_url=served.url) as c,
        ):
            r = await c.get("/hotels/8473727-test-hotel")
    finally:
        silent.close()
    assert r.status_code == 504 and "This took too long" in r.text and "Nothing was booked" in r.text


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Hôtel de la Gare", "hotel-de-la-gare"), ("  ", "hotel"), ("A & B's Inn", "a-b-s-inn")],
)
def test_slugs_are_ascii_and_stable(name, slug):
    assert sitemap.slugify(name) == slug
