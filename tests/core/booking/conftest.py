from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.domain.booking import Booking, Price, RoomGuests, user_id_for, utcnow


def make_booking(
    booking_id: str, hid: int = 8473727, room: str = "Standard Double", nights: int = 2, rooms: int = 1
) -> Booking:
    checkin = date.today() + timedelta(days=30)
    now = utcnow()
    return Booking(
        id=booking_id,
        partner_id="p1",
        api_key_id="k1",
        user_id=user_id_for("p1", "guest@example.com"),
        email="guest@example.com",
        hid=hid,
        room=room,
        checkin=checkin,
        checkout=checkin + timedelta(days=nights),
        residency="gb",
        rooms=[RoomGuests(adults=2) for _ in range(rooms)],
        book_hash="h-11111111-1111-1111-1111-111111111111",
        price=Price(amount=Decimal("200.00"), currency="EUR"),
        accepted_price=Decimal("200.00"),
        payment_token="tok_visa",
        created_at=now,
        updated_at=now,
    )
