"""Versioned event schemas for the streams, and their wire format.

Wire format: one JSON object per Kafka message (UTF-8, encoded with orjson), flat:

    {"event_id": "6f1c...", "type": "booking.confirmed", "schema_version": 1,
     "occurred_at": "2026-11-25T00:31:07.123456Z", "aggregate_id": "bk_123",
     "hotel_id": "grand_hotel", "partner_id": "p_1", "amount": {"amount": "129.90", "currency": "EUR"}}

JSON rather than Avro or Protobuf: no schema registry runs in the embedded stack, every consumer here is
Python (pydantic validates the payload anyway), and analysts can read a message with any Kafka tool. The
(`type`, `schema_version`) pair selects the schema; a breaking change adds a new class with the next
version beside the old one, so consumers keep reading old messages still in a topic.

| topic               | types                                                                 | key (ordering)      |
|---------------------|-----------------------------------------------------------------------|---------------------|
| `booking.events`    | booking.created, .supplier_confirmed, .confirmed, .failed, .cancelled, .refunded | booking id |
| `payment.events`    | payment.authorized, .captured, .voided, .refunded                     | booking id          |
| `search.events`     | search.performed, search.hotel_viewed, search.prebooked              | search session id   |
| `inventory.updates` | inventory.changed (compacted: last value per hotel/room/night wins)   | hotel:room:night    |
| `user.activity`     | user.activity                                                         | user id             |

Revenue (what the marts sum, as signed amounts): `booking.confirmed` adds its `amount`;
`booking.cancelled` subtracts its `refund` (what the guest gets back from a confirmed booking; zero when
cancelled before confirmation or non-refundable); `booking.refunded` subtracts a refund made outside a
cancellation (do not emit it for a cancellation's refund, which `booking.cancelled` already carries).
Payment events are the cash side and are not counted as revenue.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from core.domain.money import Money

BOOKING_EVENTS = "booking.events"
PAYMENT_EVENTS = "payment.events"
SEARCH_EVENTS = "search.events"
INVENTORY_UPDATES = "inventory.updates"
USER_ACTIVITY = "user.activity"
TOPICS = (BOOKING_EVENTS, PAYMENT_EVENTS, SEARCH_EVENTS, INVENTORY_UPDATES, USER_ACTIVITY)


class InvalidEvent(ValueError):
    """A message that is not a valid event of a known type and version; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds first, then random bits.

    Time-ordered ids keep one batch's ids close together in the sink's (day, event_id) order, so its
    dedup lookup reads a few granules instead of the whole day.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | ((rand >> 62) & 0xFFF) << 64
        | 0b10 << 62
        | (rand & 0x3FFF_FFFF_FFFF_FFFF)
    )
    return str(uuid.UUID(int=value))


class Event(BaseModel):
    """Fields every event carries. Subclasses fix `type` and `schema_version` and add their payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    type: str
    schema_version: int
    event_id: str = Field(default_factory=new_event_id, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    occurred_at: AwareDatetime = Field(default_factory=_utcnow)
    aggregate_id: str = Field(min_length=1, max_length=200)

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def key(self) -> bytes:
        """The Kafka message key: events with one key stay in order (one partition)."""
        return self.aggregate_id.encode()

    def revenue_delta(self) -> Money | None:
        """The signed revenue this event books (None: not a revenue event)."""
        return None

    def to_json(self) -> bytes:
        return encode_event(self)


# -- booking.events -------------------------------------------------------------------------------


class BookingEvent(Event):
    """A change of one booking; `aggregate_id` is the booking id."""

    topic: ClassVar[str] = BOOKING_EVENTS
    hotel_id: str
    partner_id: str | None = None

    @property
    def booking_id(self) -> str:
        return self.aggregate_id


class BookingCreated(BookingEvent):
    type: Literal["booking.created"] = "booking.created"
    schema_version: Literal[1] = 1
    amount: Money
    checkin: date
    checkout: date
    rooms: int = Field(default=1, ge=1)
    user_id: str | None = None


class BookingSupplierConfirmed(BookingEvent):
    type: Literal["booking.supplier_confirmed"] = "booking.supplier_confirmed"
    schema_version: Literal[1] = 1
    partner_order_id: str
    supplier_status: str = "ok"


class BookingConfirmed(BookingEvent):
    type: Literal["booking.confirmed"] = "booking.confirmed"
    schema_version: Literal[1] = 1
    amount: Money

    def revenue_delta(self) -> Money:
        return self.amount


class BookingFailed(BookingEvent):
    type: Literal["booking.failed"] = "booking.failed"
    schema_version: Literal[1] = 1
    reason: str


class BookingCancelled(BookingEvent):
    type: Literal["booking.cancelled"] = "booking.cancelled"
    schema_version: Literal[1] = 1
    refund: Money
    reason: str = ""

    def revenue_delta(self) -> Money:
        return -self.refund


class BookingRefunded(BookingEvent):
    type: Literal["booking.refunded"] = "booking.refunded"
    schema_version: Literal[1] = 1
    amount: Money
    reason: str = ""

    def revenue_delta(self) -> Money:
        return -self.amount


# -- payment.events -------------------------------------------------------------------------------


class PaymentEvent(Event):
    """A payment step of one booking; `aggregate_id` is the booking id (same key as its booking)."""

    topic: ClassVar[str] = PAYMENT_EVENTS
    payment_id: str
    amount: Money


class PaymentAuthorized(PaymentEvent):
    type: Literal["payment.authorized"] = "payment.authorized"
    schema_version: Literal[1] = 1


class PaymentCaptured(PaymentEvent):
    type: Literal["payment.captured"] = "payment.captured"
    schema_version: Literal[1] = 1


class PaymentVoided(PaymentEvent):
    type: Literal["payment.voided"] = "payment.voided"
    schema_version: Literal[1] = 1


class PaymentRefunded(PaymentEvent):
    type: Literal["payment.refunded"] = "payment.refunded"
    schema_version: Literal[1] = 1


# -- search.events --------------------------------------------------------------------------------


class SearchEvent(Event):
    """A step of a guest's search session; `aggregate_id` is the search session id."""

    topic: ClassVar[str] = SEARCH_EVENTS


class SearchPerformed(SearchEvent):
    type: Literal["search.performed"] = "search.performed"
    schema_version: Literal[1] = 1
    region_id: int | None = None
    checkin: date
    checkout: date
    guests: int = Field(default=2, ge=1)
    results: int = Field(default=0, ge=0)


class HotelViewed(SearchEvent):
    type: Literal["search.hotel_viewed"] = "search.hotel_viewed"
    schema_version: Literal[1] = 1
    hotel_id: str


class PrebookRequested(SearchEvent):
    type: Literal["search.prebooked"] = "search.prebooked"
    schema_version: Literal[1] = 1
    hotel_id: str
    amount: Money | None = None


# -- inventory.updates ----------------------------------------------------------------------------


class InventoryChanged(Event):
    """A managed allotment counter changed; `aggregate_id` is the hotel id."""

    topic: ClassVar[str] = INVENTORY_UPDATES
    type: Literal["inventory.changed"] = "inventory.changed"
    schema_version: Literal[1] = 1
    room: str
    night: date
    delta: int
    remaining: int

    def key(self) -> bytes:
        # Compacted topic: the last message per (hotel, room, night) is the current count.
        return f"{self.aggregate_id}:{self.room}:{self.night.isoformat()}".encode()


# -- user.activity --------------------------------------------------------------------------------


class UserActivity(Event):
    """Something a signed-in user did (sign in, page view); `aggregate_id` is the user id."""

    topic: ClassVar[str] = USER_ACTIVITY
    type: Literal["user.activity"] = "user.activity"
    schema_version: Literal[1] = 1
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)


EVENT_TYPES: dict[tuple[str, int], type[Event]] = {
    (cls.model_fields["type"].default, cls.model_fields["schema_version"].default): cls
    for cls in (
        BookingCreated,
        BookingSupplierConfirmed,
        BookingConfirmed,
        BookingFailed,
        BookingCancelled,
        BookingRefunded,
        PaymentAuthorized,
        PaymentCaptured,
        PaymentVoided,
        PaymentRefunded,
        SearchPerformed,
        HotelViewed,
        PrebookRequested,
        InventoryChanged,
        UserActivity,
    )
}
REVENUE_TYPES = frozenset({"booking.confirmed", "booking.cancelled", "booking.refunded"})


def encode_event(event: Event) -> bytes:
    """The event as it goes on the wire (see the module docstring)."""
    return orjson.dumps(event.model_dump(mode="json"))


def _tag(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('type')}@{value.get('schema_version')}"
    return f"{getattr(value, 'type', None)}@{getattr(value, 'schema_version', None)}"


@lru_cache(maxsize=1)
def _adapter() -> TypeAdapter[Any]:
    """One validator for every (type, version), selected by tag: JSON parsed and validated in one pass."""
    tagged = tuple(Annotated[cls, Tag(f"{t}@{v}")] for (t, v), cls in EVENT_TYPES.items())
    union: Any = Annotated[Union[tagged], Discriminator(_tag)]  # noqa: UP007 - a runtime tuple of types
    return TypeAdapter(union)


def decode_event(raw: bytes | str | dict[str, Any]) -> Event:
    """Parse and validate one message; raises `InvalidEvent` with a one-line reason."""
    if not isinstance(raw, dict):
        try:
            event: Event = _adapter().validate_json(raw)
            return event
        except ValidationError:
            pass  # rare: the slower path below says precisely why
    if isinstance(raw, dict):
        data = raw
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidEvent(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("not a JSON object")
    kind, version = data.get("type"), data.get("schema_version")
    cls = EVENT_TYPES.get((kind, version)) if isinstance(kind, str) and isinstance(version, int) else None
    if cls is None:
        raise InvalidEvent(f"unknown event type/version: {kind!r} v{version!r}")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        raise InvalidEvent(
            f"{kind} v{version}: {where}: {first['msg']} ({exc.error_count()} errors)"
        ) from None


def topic_of(event: Event) -> str:
    return event.topic
