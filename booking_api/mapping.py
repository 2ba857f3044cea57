"""From request models to domain records: what a route hands to the store, built in one place."""

from __future__ import annotations

import secrets
import time
from datetime import datetime

from booking_api.schemas import BookingCreate
from core.booking.apikeys import ApiKey
from core.domain.booking import Booking, GuestName, Price, RoomGuests, user_id_for


def new_booking_id() -> str:
    """Sortable by creation time (so a user's bookings list in order)."""
    return f"bk_{int(time.time() * 1000):012x}{secrets.token_hex(5)}"


def rooms_of(body: BookingCreate) -> list[RoomGuests]:
    """Each room's guests, the children's ages on the names that follow the adults."""
    rooms = []
    for room in body.rooms:
        names = [GuestName(first_name=g.first_name, last_name=g.last_name) for g in room.guests]
        for i, age in enumerate(room.children):
            names[room.adults + i].age = age
        rooms.append(RoomGuests(adults=room.adults, children=list(room.children), names=names))
    return rooms


def booking_from_request(body: BookingCreate, key: ApiKey, client_ip: str, now: datetime) -> Booking:
    """A new booking in state `received`, owned by the key's partner, for the guest's email."""
    return Booking(
        id=new_booking_id(),
        partner_id=key.partner_id,
        api_key_id=key.key_id,
        user_id=user_id_for(key.partner_id, body.user.email),
        email=body.user.email,
        phone=body.user.phone,
        hid=body.hid,
        room=body.room,
        checkin=body.checkin,
        checkout=body.checkout,
        residency=body.residency.lower(),
        language=body.language,
        rooms=rooms_of(body),
        book_hash=body.book_hash,
        price=Price(amount=body.price.amount, currency=body.price.currency),
        accepted_price=body.price.amount,
        payment_token=body.payment_token,
        user_ip=client_ip,
        sandbox_trigger=body.sandbox_trigger,
        created_at=now,
        updated_at=now,
    )
