"""`/v1/suggest` answers from the platform's search index: typos and every script, no supplier call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from booking_api.app import create_app
from booking_api.services import AppConfig
from core.config import Settings
from core.search import HotelDoc, RegionDoc, open_search_index
from tests.booking_api.conftest import Api, make_keys

HOTELS = [
    HotelDoc(11, {"en": "Hôtel Zürich Mitte"}, region_id=1, region_names={"en": "Zurich"}, popularity=9),
    HotelDoc(12, {"ru": "Гостиница Москва", "en": "Gostinitsa Moskva"}, region_id=2, popularity=8),
    HotelDoc(13, {"ar": "فندق القاهرة الكبير", "en": "Cairo Grand"}, region_id=3, popularity=7),
    HotelDoc(14, {"ja": "東京グランドホテル", "en": "Tokyo Grand"}, region_id=4, popularity=6),
    HotelDoc(15, {"zh": "上海和平饭店", "en": "Peace Hotel Shanghai"}, region_id=5, popularity=5),
    HotelDoc(16, {"en": "Zurich Airport Lodge"}, region_id=1, region_names={"en": "Zurich"}, popularity=1),
]
REGIONS = [
    RegionDoc(1, {"en": "Zurich", "de": "Zürich"}, "City", "CH", hotel_count=900),
    RegionDoc(2, {"en": "Moscow", "ru": "Москва"}, "City", "RU", hotel_count=5000),
]


class RecordingSupplier:
    """Stands in for the RateHawk client: records whatever is asked of it, and answers nothing."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.asked.append(name)
        raise AssertionError(f"suggest called the supplier ({name})")


@pytest.fixture
async def indexed_api(settings: Settings, embedded_stack: Settings, unique: str) -> AsyncIterator[Api]:
    """The API with a supplier that records every call, and a search index holding HOTELS and REGIONS."""
    with open_search_index(settings) as index:
        index.put_hotels(HOTELS)
        index.put_regions(REGIONS)
        index.commit()
    supplier = RecordingSupplier()
    app = create_app(settings, AppConfig(task_queue=f"tq-{unique}", redis_prefix=f"t{unique}:"))
    async with LifespanManager(app) as manager:
        app.state.services.ratehawk = supplier
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ibe.test") as client:
            yield Api(client, app, make_keys(settings))


async def _suggest(api: Api, q: str, language: str = "en") -> dict:
    resp = await api.client.get(
        "/v1/suggest", params={"q": q, "language": language}, headers=api.auth("search")
    )
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


async def test_a_misspelt_prefix_finds_the_hotel_in_each_script(indexed_api: Api) -> None:
    cases = {
        ("hotel zurjch mi", "en"): (11, "Hôtel Zürich Mitte"),  # Latin: accent folded, a typo, a prefix
        ("гостенница мо", "ru"): (12, "Гостиница Москва"),  # Cyrillic
        ("فندك القاه", "ar"): (13, "فندق القاهرة الكبير"),  # Arabic
        ("東京グラソ", "ja"): (14, "東京グランドホテル"),  # Japanese
        ("和平饮", "zh"): (15, "上海和平饭店"),  # Chinese, from the middle of the name
    }
    for (q, language), (hid, name) in cases.items():
        hotels = (await _suggest(indexed_api, q, language))["hotels"]
        assert {
            "hid": hid,
            "name": name,
            "region_id": next(h.region_id for h in HOTELS if h.hid == hid),
        } in hotels, q
    assert indexed_api.services.ratehawk.asked == []


async def test_regions_come_before_hotels_and_in_the_guests_language(indexed_api: Api) -> None:
    found = await _suggest(indexed_api, "zuric", "de")
    assert list(found) == ["regions", "hotels"]
    assert found["regions"] == [{"id": 1, "name": "Zürich", "type": "City", "country_code": "CH"}]
    assert [h["hid"] for h in found["hotels"]] == [11, 16]  # both named Zurich: the more popular first
    assert (await _suggest(indexed_api, "москв", "ru"))["regions"][0]["name"] == "Москва"
    assert indexed_api.services.ratehawk.asked == []
