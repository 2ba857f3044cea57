"""Sitemaps of every hotel on sale: an index, and files of at most 50,000 URLs (the protocol's limit).

The hotels on sale are the `hotel_hash` rows of the store (one per hid on sale, in hid order), read
in bounded batches; the names (for the URL's slug) come from the visible catalog load. Files are
built on first request and kept until the next load publishes.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from core.catalog.serving import get_hotels
from core.kv import Store
from core.kv.keys import HOTEL_HASH

URLS_PER_FILE = 50_000
NAME_BATCH = 2_000


def slugify(name: str | None) -> str:
    """`Hôtel de la Gare` -> `hotel-de-la-gare` (ASCII, so the URL is the same in every client)."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "hotel"


def hotel_path(hid: int, name: str | None) -> str:
    return f"/hotels/{hid}-{slugify(name)}"


def on_sale_hids(store: Store) -> list[int]:
    begin, end = HOTEL_HASH.range()
    return [HOTEL_HASH.unpack(key)[0] for key, _ in store.iter_range(begin, end, batch=10_000)]


def file_count(hids: int) -> int:
    return max(1, -(-hids // URLS_PER_FILE))


def index_xml(base_url: str, files: int, lastmod: str | None) -> bytes:
    mod = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
    entries = "".join(
        f"<sitemap><loc>{escape(base_url)}/sitemaps/hotels-{n}.xml</loc>{mod}</sitemap>"
        for n in range(1, files + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
    ).encode()


def file_xml(store: Store, base_url: str, hids: list[int]) -> bytes:
    """One sitemap file: the canonical page URL of each hotel of `hids` still visible."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    ]
    for i in range(0, len(hids), NAME_BATCH):
        batch = hids[i : i + NAME_BATCH]
        hotels = get_hotels(store, batch)
        for hid in batch:
            hotel = hotels.get(hid)
            if hotel is not None:
                parts.append(f"<url><loc>{escape(base_url + hotel_path(hid, hotel.name))}</loc></url>")
    parts.append("</urlset>\n")
    return "".join(parts).encode()
