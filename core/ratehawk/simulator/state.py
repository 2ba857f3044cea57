"""In-memory state of one simulator: issued hashes, inventory, orders, rate-limit windows, locks.

The app runs on one event loop and no handler awaits in the middle of a state change, so no lock is
needed. `reset()` (the admin endpoint) forgets everything but the configuration.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.ratehawk.simulator.config import SimulatorConfig
from core.ratehawk.simulator.dumps import DumpStore
from core.ratehawk.simulator.pricing import Offer, RateBook
from core.ratehawk.synthetic import TEST_HOTEL_HID, hid_at, hotel_basics
from core.ratehawk.synthetic.regions import city_index_of

MAX_OFFERS = 50_000
UNLIMITED = 1_000_000


@dataclass
class Order:
    order_id: int
    item_id: int
    partner_order_id: str
    key_id: str
    offer: Offer
    created_at: float
    user_ip: str | None
    language: str
    status: str = "form"  # form -> processing -> ok | failed; any -> cancelled
    finished_at: float | None = None
    outcome: str | None = None  # "ok" or the final error slug, decided at finish
    unknown_first: bool = False
    polls: int = 0
    taken: list[tuple[int, int, int]] = field(default_factory=list)  # inventory keys held
    guests: list[list[dict]] = field(default_factory=list)
    email: str | None = None
    payment_type: dict | None = None
    cancel_result: dict | None = None
    cancelled_at: float | None = None


class CatalogIndex:
    """Names, cities and positions of the simulator's hotels, built on first use."""

    def __init__(self, seed: int, hotels: int) -> None:
        self.seed = seed
        self.hotels = hotels
        self._built = False
        self.hids: list[int] = []
        self.names: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.by_city: dict[int, list[int]] = {}

    def build(self) -> CatalogIndex:
        if self._built:
            return self
        for i in range(self.hotels):
            hid = hid_at(i)
            b = hotel_basics(self.seed, hid)
            self.hids.append(hid)
            self.names.append(b.name.lower())
            self.lat.append(b.latitude)
            self.lon.append(b.longitude)
            self.by_city.setdefault(city_index_of(self.seed, hid), []).append(hid)
        self._built = True
        return self

    def within(self, lat: float, lon: float, radius_m: float) -> list[int]:
        self.build()
        out = []
        cos_lat = math.cos(math.radians(lat))
        for hid, hlat, hlon in zip(self.hids, self.lat, self.lon, strict=True):
            dy = (hlat - lat) * 111_195.0
            dx = (hlon - lon) * 111_195.0 * cos_lat
            if dx * dx + dy * dy <= radius_m * radius_m:
                out.append(hid)
        return out


class RateLimiter:
    """Fixed windows per (key, endpoint), as the X-RateLimit-* headers describe them."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, str], list[float]] = {}

    def hit(self, key: str, endpoint: str, limit: tuple[int, int], now: float) -> tuple[bool, dict[str, str]]:
        requests, seconds = limit
        window = self.windows.get((key, endpoint))
        if window is None or now >= window[0] + seconds:
            window = [now, 0]
            self.windows[(key, endpoint)] = window
        allowed = window[1] < requests
        if allowed:
            window[1] += 1
        reset_at = window[0] + seconds
        headers = {
            "X-RateLimit-SecondsNumber": str(seconds),
            "X-RateLimit-RequestsNumber": str(requests),
            "X-RateLimit-Remaining": str(max(0, requests - int(window[1]))),
            "X-RateLimit-Reset": datetime.fromtimestamp(reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(reset_at - now)))
        return allowed, headers


class SimulatorState:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.catalog = CatalogIndex(config.seed, config.hotels)
        self.ratebook = RateBook(config.seed)
        self.dumps = DumpStore(config)
        self.base_url = ""  # scheme://host of the current request, for dump links
        self.reset()

    def reset(self) -> None:
        self.offers: OrderedDict[str, Offer] = OrderedDict()
        self.booked: Counter[tuple[int, int, int]] = Counter()
        self.orders: dict[tuple[str, str], Order] = {}
        self.limiter = RateLimiter()
        self.last_seen: dict[tuple[str, str, str], float] = {}
        self.next_order_id = 100_000_001
        self.calls = 0
        self.burst_left = 0
        self.stats: Counter[str] = Counter()

    # -- hashes ---------------------------------------------------------------------------------
    def remember(self, offer: Offer) -> None:
        self.offers[offer.book_hash] = offer
        self.offers.move_to_end(offer.book_hash)
        while len(self.offers) > MAX_OFFERS:
            self.offers.popitem(last=False)

    # -- inventory ------------------------------------------------------------------------------
    def _capacity(self, hid: int) -> int:
        return UNLIMITED if hid == TEST_HOTEL_HID else self.config.inventory_per_room_night

    def inventory_keys(self, offer: Offer) -> list[tuple[int, int, int]]:
        return [(offer.hid, offer.rg_index, night.toordinal()) for night in offer.query.nights]

    def available(self, offer: Offer) -> int:
        """Rooms of this offer's room group still free on every night of the stay."""
        cap = self._capacity(offer.hid)
        return min(cap - self.booked[k] for k in self.inventory_keys(offer))

    def take(self, offer: Offer) -> list[tuple[int, int, int]] | None:
        """Hold one room per requested room on every night, all or nothing."""
        rooms = len(offer.query.rooms)
        if self.available(offer) < rooms:
            return None
        keys = self.inventory_keys(offer)
        for k in keys:
            self.booked[k] += rooms
        return [k for k in keys for _ in range(rooms)]

    def release(self, keys: list[tuple[int, int, int]]) -> None:
        for k in keys:
            self.booked[k] -= 1
            if self.booked[k] <= 0:
                del self.booked[k]

    # -- orders ---------------------------------------------------------------------------------
    def new_order(self, key_id: str, partner_order_id: str, offer: Offer, now: float, user_ip: str | None,
                  language: str) -> Order:  # fmt: skip
        order_id = self.next_order_id
        self.next_order_id += 1
        order = Order(
            order_id, order_id + 200_000_000, partner_order_id, key_id, offer, now, user_ip, language
        )
        self.orders[(key_id, partner_order_id)] = order
        return order

    def order(self, key_id: str, partner_order_id: str) -> Order | None:
        return self.orders.get((key_id, partner_order_id))
