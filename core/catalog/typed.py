"""Strict typed decoding of a hotel line (msgspec): which lines take the fast path of staging.

Almost every dump line is well formed. msgspec decodes a line straight into the typed fields staging
keeps (no dict of every nested value, as a generic JSON parser builds), about 3x less CPU than
`orjson.loads` plus picking the fields; the lines it accepts are then staged column-wise
(`columnar.py`). The types are strict, as staging's shape rules are:
a string where a number belongs, a number where a string belongs, `4.0` as a star rating, a room
group that is not an object... any of these makes `decode_hotel` return None, and staging then
takes the line through its general path (`staging._stage_line`), which names every problem. So the
fast path never decides that a line is bad, and decides that it is good only where the general path
would find no problem of shape and the same values.

Fields the platform does not model (`extra`) are found with a second, shallow decode of the top
level as raw JSON values (no nested value is built).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import msgspec
import orjson

_S = str | None
_I = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)] | None  # a wider int takes the general path


class Image(msgspec.Struct, gc=False):
    url: _S = None
    category_slug: _S = None


class NameStruct(msgspec.Struct, gc=False):
    main_name: _S = None
    bathroom: _S = None
    bedding_type: _S = None


class RgExt(msgspec.Struct, gc=False, rename={"class_": "class"}):
    class_: _I = None
    quality: _I = None
    sex: _I = None
    bathroom: _I = None
    bedding: _I = None
    family: _I = None
    capacity: _I = None
    club: _I = None
    bedrooms: _I = None
    balcony: _I = None
    view: _I = None
    floor: _I = None


class RoomGroup(msgspec.Struct, gc=False):
    room_group_id: _I = None
    name: _S = None
    name_struct: NameStruct | None = None
    rg_ext: RgExt | None = None
    room_amenities: list[str] | None = None
    images_ext: list[Image] | None = None


class AmenityGroup(msgspec.Struct, gc=False):
    group_name: _S = None
    amenities: list[str] | None = None
    non_free_amenities: list[str] | None = None


class Section(msgspec.Struct, gc=False):
    title: _S = None
    paragraphs: list[str] | None = None


class Region(msgspec.Struct, gc=False):
    id: _I = None
    name: _S = None
    country_code: _S = None
    type: _S = None
    iata: _S = None


class Facts(msgspec.Struct, gc=False):
    floors_number: _I = None
    rooms_number: _I = None
    year_built: _I = None
    year_renovated: _I = None


class Hotel(msgspec.Struct, gc=False):
    """The fields of a hotel line that staging types (see `staging.HOTELS_SCHEMA`)."""

    hid: _I = None
    id: _S = None
    name: _S = None
    kind: _S = None
    address: _S = None
    postal_code: _S = None
    phone: _S = None
    email: _S = None
    hotel_chain: _S = None
    check_in_time: _S = None
    check_out_time: _S = None
    front_desk_time_start: _S = None
    front_desk_time_end: _S = None
    metapolicy_extra_info: _S = None
    star_rating: _I = None  # 4.0 is not an int here: the general path types it
    latitude: float | None = None
    longitude: float | None = None
    is_closed: bool | None = None
    deleted: bool | None = None
    is_gender_specification_required: bool | None = None
    room_groups: list[RoomGroup] | None = None
    amenity_groups: list[AmenityGroup] | None = None
    images_ext: list[Image] | None = None
    description_struct: list[Section] | None = None
    payment_methods: list[str] | None = None
    serp_filters: list[str] | None = None
    region: Region | None = None
    facts: Facts | None = None
    metapolicy_struct: msgspec.Raw = msgspec.Raw(b"null")  # only its type is checked


_HOTEL = msgspec.json.Decoder(Hotel)
_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
# msgspec raises UnicodeDecodeError (not a DecodeError) for invalid UTF-8 inside a string.
_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError)


def decode_hotel(raw: bytes, known: frozenset[str]) -> tuple[Hotel, str | None] | None:
    """The typed fields of a well-formed line and its fields not in `known` as JSON, or None.

    None means "not certainly well formed": the caller takes the line through the general path.
    A key given twice keeps its last value, as with orjson.
    """
    try:
        top = _TOP.decode(raw)
        hotel = _HOTEL.decode(raw)
    except _ERRORS:
        return None
    if hotel.hid is None or bytes(hotel.metapolicy_struct)[:1] not in (b"{", b"n"):
        return None
    unknown = _unknown_keys(tuple(top), known)
    if not unknown:
        return hotel, None
    extra = {key: orjson.loads(bytes(top[key])) for key in unknown}  # re-encoded as the general path does
    return hotel, orjson.dumps(extra).decode()


@lru_cache(maxsize=1024)
def _unknown_keys(keys: tuple[str, ...], known: frozenset[str]) -> tuple[str, ...]:
    """The keys not in `known`, in order (dump lines mostly share one key sequence: cached)."""
    return tuple(key for key in keys if key not in known)
