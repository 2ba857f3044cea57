"""One synthetic hotel record: a pure function of (seed, hid, revision).

The record follows the hotel schema of the contract (`shared/ratehawk-api.md`, "One hotel record")
field by field, plus a few fields the platform does not use (`semantic_version`, `keys_pickup`,
`images`), as the real feed carries such fields too.

Two random streams per hotel: the *basics* (city, kind, stars, name, position) depend only on
(seed, hid), so they stay put across revisions; the *details* (descriptions, rooms, images, policies)
also depend on the revision, which the incremental dump bumps to simulate a content update.

Catalog hids: the first three are the sandbox test hotels of the contract (8473727, 8819557,
9744270); hotel number i >= 3 has hid `FIRST_HID + i`. `catalog_hids(n)` lists a catalog of n hotels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.ratehawk.synthetic import vocab
from core.ratehawk.synthetic.regions import Region, city_index_of, city_regions

TEST_HOTEL_HID = 8473727  # always bookable
PRICE_UP_10_HID = 8819557  # prebook raises the price 10%
PRICE_UP_20_HID = 9744270  # prebook raises the price 20%
SANDBOX_HIDS = (TEST_HOTEL_HID, PRICE_UP_10_HID, PRICE_UP_20_HID)
_SANDBOX_NAMES = {
    TEST_HOTEL_HID: ("test_hotel_do_not_book", "Test Hotel (Do Not Book)"),
    PRICE_UP_10_HID: ("test_hotel_price_up_10", "Test Hotel Price Up 10 (Do Not Book)"),
    PRICE_UP_20_HID: ("test_hotel_price_up_20", "Test Hotel Price Up 20 (Do Not Book)"),
}
_SANDBOX_ROOM_TYPES = (0, 1, 6, 11, 12)  # double, twin, family (4), 2-bedroom apartment (5), villa (6)
FIRST_HID = 10_000_000
IMAGE_HOST = "https://cdn.worldota.net/t/{size}/content"


def hid_at(index: int) -> int:
    """The hid of hotel number `index` (0-based) of a synthetic catalog."""
    if index < len(SANDBOX_HIDS):
        return SANDBOX_HIDS[index]
    return FIRST_HID + index


def index_of(hid: int) -> int | None:
    """Inverse of `hid_at`, or None for a hid no synthetic catalog uses."""
    if hid in SANDBOX_HIDS:
        return SANDBOX_HIDS.index(hid)
    if hid >= FIRST_HID + len(SANDBOX_HIDS):
        return hid - FIRST_HID
    return None


def catalog_hids(n: int) -> range | list[int]:
    """Every hid of a catalog of n hotels, in dump order."""
    return [hid_at(i) for i in range(n)]


def in_catalog(hid: int, n: int) -> bool:
    index = index_of(hid)
    return index is not None and index < n


def _pick(r: float, cumulative: tuple[tuple[object, float], ...]) -> object:
    for value, edge in cumulative:
        if r < edge:
            return value
    return cumulative[-1][0]


def _cumulative(pairs: tuple[tuple[object, float], ...]) -> tuple[tuple[object, float], ...]:
    total = sum(w for _, w in pairs)
    acc = 0.0
    out = []
    for value, w in pairs:
        acc += w / total
        out.append((value, acc))
    return tuple(out)


_KINDS_CUM = _cumulative(vocab.KINDS)
_STARS_HOTEL_CUM = _cumulative(vocab.STARS_HOTEL)
_STARS_OTHER_CUM = _cumulative(vocab.STARS_OTHER)
_HOTEL_LIKE = {"Hotel", "Resort", "Apart-hotel", "Boutique_and_Design", "Mini-hotel", "Sanatorium", "Castle"}


@dataclass(frozen=True, slots=True)
class HotelBasics:
    """What search and suggest need about a hotel, without building the whole record."""

    hid: int
    id: str
    name: str
    kind: str
    star_rating: int
    region: Region
    latitude: float
    longitude: float
    hotel_chain: str | None


def _slug(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "_":
            out.append("_")
    return "".join(out).strip("_")


def hotel_basics(seed: int, hid: int) -> HotelBasics:
    """City, kind, stars, name and position of a hotel; stable across revisions."""
    city_i = city_index_of(seed, hid)
    region = city_regions()[city_i]
    rng = random.Random((seed & 0xFFFFFFFF) << 40 | (hid & 0xFFFFFFFFFF))
    r = rng.random
    kind = str(_pick(r(), _KINDS_CUM))
    hotel_like = kind in _HOTEL_LIKE
    stars = int(_pick(r(), _STARS_HOTEL_CUM if hotel_like else _STARS_OTHER_CUM))  # type: ignore[call-overload]
    chain = None
    if hotel_like and stars >= 3 and r() < 0.3:
        chain = vocab.CHAINS[int(r() * len(vocab.CHAINS))]
    heads, tails = vocab.NAME_HEADS, vocab.NAME_TAILS
    style = r()
    word = vocab.KIND_WORD[kind]
    if chain is not None:
        name = f"{chain} {region.name} {heads[int(r() * len(heads))]}"
    elif style < 0.35:
        name = f"{heads[int(r() * len(heads))]} {tails[int(r() * len(tails))]} {word}"
    elif style < 0.6:
        name = f"{word} {heads[int(r() * len(heads))]} {region.name}"
    elif style < 0.8:
        name = f"{heads[int(r() * len(heads))]} {word}"
    else:
        street = vocab.STREETS[int(r() * len(vocab.STREETS))]
        name = f"{street} {tails[int(r() * len(tails))]} {word}"
    # Spread within ~10 km of the centre, denser near it.
    lat = round(region.latitude + (r() - 0.5) * 0.18 * r(), 6)
    lon = round(region.longitude + (r() - 0.5) * 0.24 * r(), 6)
    slug = f"{_slug(name)}_{hid}"
    if hid in _SANDBOX_NAMES:
        slug, name = _SANDBOX_NAMES[hid]
        kind, stars, chain = "Hotel", 4, None
    return HotelBasics(hid, slug, name, kind, stars, region, lat, lon, chain)


def _postal(rng_r, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append("0123456789"[int(rng_r() * 10)])
        elif ch == "A":
            out.append("ABCDEFGHJKLMNPRSTUWXYZ"[int(rng_r() * 22)])
        else:
            out.append(ch)
    return "".join(out)


def _price(r, low: float, high: float) -> str:
    return f"{low + (high - low) * r():.2f}"


def _images(rng: random.Random, count: int, categories: tuple[str, ...]) -> list[dict]:
    bits = rng.getrandbits
    r = rng.random
    out = []
    n_cat = len(categories)
    for _ in range(count):
        digest = f"{bits(160):040x}"
        out.append(
            {
                "url": f"{IMAGE_HOST}/{digest[:2]}/{digest[2:4]}/{digest}.jpeg",
                "category_slug": categories[int(r() * n_cat)],
            }
        )
    return out


def _paragraphs(r, count: int, sentences_per: tuple[int, int]) -> list[str]:
    pool = vocab.SENTENCES
    n = len(pool)
    lo, hi = sentences_per
    out = []
    for _ in range(count):
        k = lo + int(r() * (hi - lo + 1))
        out.append(" ".join(pool[int(r() * n)] for _ in range(k)))
    return out


def _room_group(rng: random.Random, rg_index: int, type_index: int | None = None) -> dict:
    r = rng.random
    drawn = int(r() * len(vocab.ROOM_TYPES))
    name, rg_class, bedding_word, capacity = vocab.ROOM_TYPES[drawn if type_index is None else type_index]
    quality_i = int(r() * len(vocab.ROOM_QUALITIES))
    quality = vocab.ROOM_QUALITIES[quality_i]
    view = int(r() * 4)
    balcony = 1 if r() < 0.3 else 0
    bathroom = 2 if r() < 0.85 else 1
    full_name = f"{quality} {name}".strip() if quality else name
    if balcony:
        full_name += " with balcony"
    amenities = vocab.ROOM_AMENITIES
    n_am = len(amenities)
    chosen = sorted({amenities[int(r() * n_am)] for _ in range(3 + int(r() * 4))})
    return {
        "name": full_name,
        "name_struct": {
            "main_name": name,
            "bathroom": "private bathroom" if bathroom == 2 else "shared bathroom",
            "bedding_type": bedding_word,
        },
        "rg_ext": {
            "class": rg_class,
            "quality": quality_i,
            "sex": 0,
            "bathroom": bathroom,
            "bedding": 1 + int(r() * 4),
            "family": 1 if rg_class in (5, 9) else 0,
            "capacity": capacity,
            "club": 1 if r() < 0.03 else 0,
            "bedrooms": 2 if "2 bedrooms" in name else 1 if rg_class in (9, 10, 12) else 0,
            "balcony": balcony,
            "view": view,
            "floor": 0,
        },
        "room_group_id": rg_index + 1,
        "room_amenities": chosen,
        "images_ext": _images(rng, int(r() * 2.2), ("room", "bathroom", "view")),
    }


def _metapolicy(r, currency: str) -> dict:
    return {
        "add_fee": [
            {
                "currency": currency,
                "fee_type": "service",
                "price": _price(r, 1, 10),
                "price_unit": "per_guest_per_night",
            }
        ]
        if r() < 0.2
        else [],
        "check_in_check_out": [
            {
                "check_in_check_out_type": "early",
                "currency": currency,
                "inclusion": "not_included",
                "price": _price(r, 10, 60),
            }
        ]
        if r() < 0.4
        else [],
        "children": [
            {"age_start": 0, "age_end": 5, "currency": currency, "extra_bed": "available", "price": "0.00"}
        ],
        "children_meal": [],
        "cot": [
            {
                "amount": 1,
                "currency": currency,
                "inclusion": "included" if r() < 0.5 else "not_included",
                "price": _price(r, 0, 20),
                "price_unit": "per_room_per_night",
            }
        ],
        "deposit": [
            {
                "availability": "available",
                "currency": currency,
                "deposit_type": "damage",
                "payment_type": "cash",
                "price": _price(r, 50, 300),
                "price_unit": "per_room_per_stay",
                "pricing_method": "fixed",
            }
        ]
        if r() < 0.25
        else [],
        "extra_bed": [
            {
                "amount": 1,
                "currency": currency,
                "inclusion": "not_included",
                "price": _price(r, 10, 50),
                "price_unit": "per_room_per_night",
            }
        ]
        if r() < 0.5
        else [],
        "internet": [
            {
                "currency": currency,
                "inclusion": "included",
                "internet_type": "wifi",
                "price": "0.00",
                "price_unit": "per_room_per_night",
                "work_area": "whole_hotel",
            }
        ],
        "meal": [
            {
                "currency": currency,
                "inclusion": "not_included",
                "meal_type": "breakfast",
                "price": _price(r, 5, 35),
            }
        ]
        if r() < 0.6
        else [],
        "no_show": {"availability": "available", "day_period": "after_midday", "time": "12:00:00"},
        "parking": [
            {
                "currency": currency,
                "inclusion": "not_included",
                "price": _price(r, 5, 45),
                "price_unit": "per_car_per_night",
                "territory_type": "on_site",
            }
        ]
        if r() < 0.5
        else [],
        "pets": [
            {
                "currency": currency,
                "inclusion": "not_included",
                "pets_type": "unspecified",
                "price": _price(r, 10, 40),
                "price_unit": "per_pet_per_night",
            }
        ]
        if r() < 0.3
        else [],
        "shuttle": [],
        "visa": {"visa_support": "unsupported"},
    }


def hotel_record(seed: int, hid: int, revision: int = 0) -> dict:
    """The full dump line (as a dict) for a hotel: every field of the contract's hotel schema."""
    b = hotel_basics(seed, hid)
    country = vocab.countries()[b.region.country_code]
    rng = random.Random(
        ((seed & 0xFFFFFFFF) << 48) | ((hid & 0xFFFFFFFFFF) << 8) | (revision & 0xFF) | 1 << 90
    )
    r = rng.random
    currency = country.currency
    hotel_like = b.kind in _HOTEL_LIKE

    # Amenity groups: a hotel has more of them and longer lists the higher its stars.
    groups = []
    richness = 0.1 + 0.12 * b.star_rating
    for group_name, items in vocab.AMENITY_GROUPS:
        if r() > richness + 0.2:
            continue
        n_items = len(items)
        picked = sorted({items[int(r() * n_items)] for _ in range(1 + int(r() * n_items * 0.8))})
        paid = [a for a in picked if r() < 0.12]
        groups.append({"group_name": group_name, "amenities": picked, "non_free_amenities": paid})

    n_rooms = 1 + int(r() ** 2.6 * 12) if hotel_like else 1 + int(r() ** 2.5 * 4)
    if hid in _SANDBOX_NAMES:
        # Test hotels fit every certification party (up to 2 adults + 3 children per room).
        room_groups = [_room_group(rng, i, t) for i, t in enumerate(_SANDBOX_ROOM_TYPES)]
    else:
        room_groups = [_room_group(rng, i) for i in range(n_rooms)]

    n_images = 5 + int(r() ** 4 * 36)
    images = _images(rng, n_images, vocab.IMAGE_CATEGORIES)

    titles = vocab.DESCRIPTION_TITLES
    n_sections = 2 + int(r() * 2)
    description = [
        {"title": titles[i], "paragraphs": _paragraphs(r, 1 + int(r() * 2), (2, 3))}
        for i in range(n_sections)
    ]
    facts = {
        "floors_number": 1 + int(r() ** 2 * 30) if hotel_like else 1 + int(r() * 4),
        "rooms_number": 5 + int(r() ** 2 * 600) if hotel_like else 1 + int(r() * 8),
        "year_built": 1850 + int(r() * 172),
        "year_renovated": 2005 + int(r() * 20) if r() < 0.6 else None,
        "electricity": {"frequency": [50], "voltage": [220, 230], "sockets": ["c", "f"]},
    }
    extra = " ".join(vocab.EXTRA_INFO[int(r() * len(vocab.EXTRA_INFO))] for _ in range(int(r() * 3)))
    street = vocab.STREETS[int(r() * len(vocab.STREETS))]
    street_type = vocab.STREET_TYPES[int(r() * len(vocab.STREET_TYPES))]
    n_methods = len(vocab.PAYMENT_METHODS)
    n_filters = len(vocab.SERP_FILTERS)
    check_in = 12 + int(r() * 5)
    desk_24h = hotel_like and r() < 0.7
    phone_digits = "".join("0123456789"[int(r() * 10)] for _ in range(9))
    return {
        "hid": hid,
        "id": b.id,
        "name": b.name,
        "kind": b.kind,
        "star_rating": b.star_rating,
        "address": f"{street} {street_type}, {1 + int(r() * 250)}, {b.region.name}",
        "postal_code": _postal(r, country.postal_pattern),
        "latitude": b.latitude,
        "longitude": b.longitude,
        "region": b.region.brief(),
        "hotel_chain": b.hotel_chain or "No chain",
        "phone": f"{country.phone_prefix}{phone_digits}",
        "email": f"reservations@{b.id[:40].replace('_', '-')}.example",
        "check_in_time": f"{check_in:02d}:00:00",
        "check_out_time": f"{check_in - 3 + int(r() * 2):02d}:00:00",
        "front_desk_time_start": None if desk_24h else f"{7 + int(r() * 3):02d}:00:00",
        "front_desk_time_end": None if desk_24h else f"{20 + int(r() * 4):02d}:00:00",
        "amenity_groups": groups,
        "images_ext": images,
        "description_struct": description,
        "metapolicy_struct": _metapolicy(r, currency),
        "metapolicy_extra_info": extra,
        "policy_struct": [],
        "room_groups": room_groups,
        "facts": facts,
        "payment_methods": sorted(
            {vocab.PAYMENT_METHODS[int(r() * n_methods)] for _ in range(2 + int(r() * 4))}
        ),
        "serp_filters": sorted({vocab.SERP_FILTERS[int(r() * n_filters)] for _ in range(1 + int(r() * 7))}),
        "star_certificate": (
            {"certificate_id": f"C{hid:09d}", "valid_to": f"{2027 + int(r() * 3)}-12-31"}
            if b.star_rating >= 3 and r() < 0.2
            else None
        ),
        "is_closed": False,
        "is_gender_specification_required": r() < 0.01,
        "deleted": False,
        "keys_pickup": None,
        "semantic_version": revision,
    }
