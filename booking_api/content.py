"""Hotel summaries (name, stars, address, first image) for result pages, cached in-process.

Every result page shows up to 100 hotels; reading them from the store per search would put a store
transaction on the hot path of every search (and on the embedded store, every transaction takes its
single write lock). The catalog changes daily at most, so a summary is kept for `ttl_s` and misses
are read together in one transaction.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from booking_api.views import hotel_summary
from core.catalog.serving import get_hotels
from core.kv import Store


class HotelSummaries:
    def __init__(
        self,
        store: Store,
        call: Callable[..., Awaitable[Any]],
        ttl_s: float = 300.0,
        max_entries: int = 200_000,
    ) -> None:
        self._store, self._call = store, call
        self._ttl_s, self._max = ttl_s, max_entries
        self._entries: OrderedDict[int, tuple[float, dict[str, Any]]] = OrderedDict()

    async def get(self, hids: Iterable[int]) -> dict[int, dict[str, Any]]:
        now = time.monotonic()
        found: dict[int, dict[str, Any]] = {}
        missing = []
        for hid in hids:
            entry = self._entries.get(hid)
            if entry is not None and entry[0] > now:
                found[hid] = entry[1]
            else:
                missing.append(hid)
        if missing:
            hotels = await self._call(get_hotels, self._store, missing)
            for hid in missing:
                summary = hotel_summary(hotels.get(hid), hid)
                found[hid] = summary
                self._entries[hid] = (now + self._ttl_s, summary)
                self._entries.move_to_end(hid)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return found
