"""Search-port conformance: the same answers on Tantivy and on Elasticsearch/OpenSearch."""

from __future__ import annotations

from core.search import GeoPoint, HotelDoc, HotelFilter, RegionDoc, SearchIndex

ZURICH = GeoPoint(47.3769, 8.5417)
HOTELS = [
    HotelDoc(101, {"en": "Hôtel Zürich Mitte", "de": "Hotel Zürich Mitte"}, region_id=7,
             region_names={"en": "Zurich"}, country_code="CH", chain="Alpina", kind="Hotel", stars=4,
             geo=ZURICH, amenities=("has_internet", "has_pool"), popularity=50),
    HotelDoc(102, {"en": "Zurich Lake Apartments"}, region_id=7, region_names={"en": "Zurich"},
             country_code="CH", kind="Apartment", stars=2, geo=GeoPoint(47.35, 8.55),
             amenities=("has_internet",), popularity=5),
    HotelDoc(201, {"en": "Gostinitsa Moskva", "ru": "Гостиница Москва"}, region_id=8, country_code="RU",
             kind="Hotel", stars=5, geo=GeoPoint(55.7558, 37.6173), amenities=("has_pool",), popularity=80),
    HotelDoc(301, {"en": "Cairo Grand Hotel", "ar": "فندق القاهرة الكبير"}, region_id=9, country_code="EG",
             kind="Resort", stars=5, geo=GeoPoint(30.0444, 31.2357), popularity=30),
    HotelDoc(401, {"en": "Tokyo Grand Hotel", "ja": "東京グランドホテル", "zh": "东京大酒店"}, region_id=10,
             country_code="JP", kind="Hotel", stars=3, geo=GeoPoint(35.6762, 139.6503), popularity=20),
]  # fmt: skip
REGIONS = [
    RegionDoc(7, {"en": "Zurich", "de": "Zürich", "ru": "Цюрих"}, "City", "CH", ZURICH, hotel_count=900),
    RegionDoc(8, {"en": "Moscow", "ru": "Москва"}, "City", "RU", hotel_count=5000),
    RegionDoc(9, {"en": "Cairo", "ar": "القاهرة"}, "City", "EG", hotel_count=700),
    RegionDoc(10, {"en": "Tokyo", "ja": "東京"}, "City", "JP", hotel_count=8000),
]


def _loaded(index: SearchIndex) -> SearchIndex:
    index.put_hotels(HOTELS)
    index.put_regions(REGIONS)
    index.commit()
    return index


def test_a_misspelt_prefix_finds_the_hotel_in_every_script(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    cases = {
        "hotel zurjch mi": 101,  # Latin, accents folded (Zürich), one typo, last word a prefix
        "гостенница мос": 201,  # Cyrillic, one typo
        "فندك القاه": 301,  # Arabic, one typo (ك for ق)
        "東京グラソ": 401,  # Japanese, one typo in the prefix
        "东京大洒": 401,  # Chinese, one typo
    }
    for query, hid in cases.items():
        found = [h.hid for h in index.suggest(query, limit=5).hotels]
        assert hid in found, f"{query!r} -> {found}"


def test_a_query_unlike_any_name_finds_nothing(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    assert index.suggest("xylophone", limit=5).hotels == []
    assert index.suggest("  ", limit=5).hotels == []


def test_regions_come_with_their_name_in_the_guests_language(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    found = index.suggest("москв", language="ru")
    assert [(r.region_id, r.name, r.type) for r in found.regions] == [(8, "Москва", "City")]
    assert 201 in [h.hid for h in found.hotels]
    assert {h.name for h in found.hotels if h.hid == 201} == {"Гостиница Москва"}
    zurich = index.suggest("zür", language="de").regions
    assert [(r.region_id, r.name) for r in zurich] == [(7, "Zürich")]


def test_a_hotel_named_after_the_query_ranks_above_one_merely_in_that_city(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    found = [h.hid for h in index.suggest("zurich", limit=5).hotels]
    assert found[:2] == [101, 102] or found[:2] == [102, 101]  # both named Zurich


def test_put_replaces_and_delete_removes(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    renamed = HotelDoc(102, {"en": "Seeblick Residence"}, region_id=7, country_code="CH", popularity=5)
    index.put_hotels([renamed])
    index.delete_hotels([201, 999_999])  # an absent hid is ignored
    index.commit()
    assert index.hotel_ids() == {101, 102, 301, 401}
    assert [h.hid for h in index.suggest("seebl").hotels] == [102]
    assert 102 not in [h.hid for h in index.suggest("zurich lake").hotels]
    assert index.suggest("гостиница").hotels == []
    assert index.region_count() == len(REGIONS)


def test_writes_are_invisible_until_commit(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    index.delete_hotels([101])
    assert 101 in index.hotel_ids()
    index.commit()
    assert 101 not in index.hotel_ids()


def test_filters_narrow_by_stars_kind_amenities_and_distance(search_index: SearchIndex) -> None:
    index = _loaded(search_index)
    assert index.find_hotels(HotelFilter(min_stars=5)) == [201, 301]  # most popular first
    assert index.find_hotels(HotelFilter(kinds=("Apartment", "Resort"))) == [301, 102]
    assert index.find_hotels(HotelFilter(amenities=("has_internet", "has_pool"))) == [101]
    assert index.find_hotels(HotelFilter(region_id=7, max_stars=3)) == [102]
    assert index.find_hotels(HotelFilter(country_code="JP")) == [401]
    near = HotelFilter(near=GeoPoint(47.37, 8.54), radius_m=2_000)
    assert index.find_hotels(near) == [101]  # 102 is about 3 km away
    wider = HotelFilter(near=GeoPoint(47.37, 8.54), radius_m=5_000)
    assert index.find_hotels(wider) == [101, 102]
