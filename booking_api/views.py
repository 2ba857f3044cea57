"""How supplier rates and catalog hotels are shown to partners (shared by search, hotel page, prebook)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.domain.catalog import Hotel
from core.ratehawk.models import PaymentType, Rate

RATES_PER_HOTEL = 2  # ETG certification: the cheapest 1-2 rates per hotel on a results page


def price_in(pay: PaymentType, currency: str) -> tuple[Decimal, str]:
    """The amount in the currency the guest asked for, when the supplier gave it."""
    if pay.show_currency_code == currency and pay.show_amount is not None:
        return pay.show_amount, currency
    return pay.amount, pay.currency_code


def rate_view(rate: Rate, currency: str, *, with_hash: bool) -> dict[str, Any] | None:
    pay = rate.payment
    if pay is None:
        return None
    amount, cur = price_in(pay, currency)
    penalties = pay.cancellation_penalties
    view: dict[str, Any] = {
        "room_name": rate.room_name,
        "meal": rate.meal_data.value if rate.meal_data else None,
        "has_breakfast": bool(rate.meal_data and rate.meal_data.has_breakfast),
        "price": {"amount": str(amount), "currency": cur},
        # Taxes the supplier does not include: shown apart, never added to the price.
        "taxes_at_hotel": [
            {"name": t.name, "amount": str(t.amount), "currency": t.currency_code or pay.currency_code}
            for t in pay.taxes_due_at_hotel
        ],
        "payment_type": pay.type,
        "refundable": bool(penalties and penalties.refundable),
        "free_cancellation_before": (
            penalties.free_cancellation_before.isoformat()
            if penalties and penalties.free_cancellation_before
            else None
        ),
        "match_hash": rate.match_hash,
    }
    if with_hash:
        view["book_hash"] = rate.book_hash
        view["cancellation_penalties"] = [
            {
                "start_at": p.start_at.isoformat() if p.start_at else None,
                "end_at": p.end_at.isoformat() if p.end_at else None,
                "amount": str(p.amount_show if p.amount_show is not None else p.amount_charge),
            }
            for p in (penalties.policies if penalties else [])
        ]
        view["daily_prices"] = [str(p) for p in rate.daily_prices]
    return view


def cheapest(rates: list[Rate], currency: str, n: int = RATES_PER_HOTEL) -> list[dict[str, Any]]:
    views = [v for r in rates if (v := rate_view(r, currency, with_hash=False)) is not None]
    views.sort(key=lambda v: Decimal(v["price"]["amount"]))
    return views[:n]


def image_url(hotel: Hotel, size: str = "640x400") -> str | None:
    images = hotel.record.get("images_ext") or hotel.record.get("images") or []
    for image in images:
        url = image.get("url") if isinstance(image, dict) else image
        if url:
            return str(url).replace("{size}", size)
    return None


def hotel_summary(hotel: Hotel | None, hid: int) -> dict[str, Any]:
    if hotel is None:
        return {"hid": hid, "name": None, "stars": None, "address": None, "image": None}
    return {
        "hid": hid,
        "name": hotel.name,
        "stars": hotel.star_rating,
        "address": hotel.address,
        "image": image_url(hotel),
        "kind": hotel.kind,
        "region": hotel.region.name if hotel.region else None,
    }


def hotel_content(hotel: Hotel) -> dict[str, Any]:
    """The hotel page's content, including the policies guests must see before booking."""
    rec = hotel.record
    return {
        **hotel_summary(hotel, hotel.hid),
        "latitude": hotel.latitude,
        "longitude": hotel.longitude,
        "check_in_time": hotel.check_in_time,
        "check_out_time": hotel.check_out_time,
        "phone": rec.get("phone"),
        "email": rec.get("email"),
        "amenity_groups": rec.get("amenity_groups") or [],
        "description": rec.get("description_struct") or [],
        "images": [
            str(i.get("url", "")).replace("{size}", "1024x768")
            for i in (rec.get("images_ext") or [])
            if isinstance(i, dict)
        ],
        "room_groups": [
            {"name": rg.get("name"), "rg_ext": rg.get("rg_ext") or {}}
            for rg in (rec.get("room_groups") or [])
        ],
        "policies": {
            "metapolicy": rec.get("metapolicy_struct") or {},
            "extra_info": rec.get("metapolicy_extra_info"),
        },
        "payment_methods": rec.get("payment_methods") or [],
    }
