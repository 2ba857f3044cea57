"""Result-page hotel summaries come from the catalog once, then from the in-process cache."""

from __future__ import annotations

import anyio.to_thread

from booking_api.content import HotelSummaries
from core.config import Settings
from core.kv import open_store
from tests.booking_api.conftest import load_catalog


async def test_summaries_are_read_once_then_cached(settings: Settings):
    records = load_catalog(settings, hotels=5)
    calls = []

    async def call(fn, *args):
        calls.append(args[1])
        return await anyio.to_thread.run_sync(fn, *args)

    with open_store(settings) as store:
        cache = HotelSummaries(store, call, ttl_s=60)
        hids = [r["hid"] for r in records] + [999_999_999]
        first = await cache.get(hids)
        second = await cache.get(hids[:3])
    assert calls == [hids]  # one store read for the page, none for the repeat
    assert first[records[0]["hid"]]["name"] == records[0]["name"]
    assert first[999_999_999]["name"] is None  # not in the catalog: shown without content
    assert second == {h: first[h] for h in hids[:3]}
