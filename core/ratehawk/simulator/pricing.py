"""Deterministic rates: the same (hotel, dates, guests, residency, currency) always gives the same offers.

A night's price starts from the hotel's stars and city, then the room group's class and quality, the
occupancy, the weekday and month, the meal and refundability, the guest's residency (a few percent up
or down) and a per-night noise drawn from (seed, hid, room group, date). Prices are computed in EUR and
converted with a fixed table, always as Decimal with two places. Taxes the supplier does not include
(city tax) are listed apart and never added to the amount.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from core.ratehawk.synthetic import hotel_basics, hotel_record
from core.ratehawk.synthetic.regions import unit
from core.ratehawk.synthetic.vocab import cities

CENT = Decimal("0.01")
# Units of each currency per EUR (fixed: the simulator has no market data).
FX: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in (
        ("EUR", "1"),
        ("USD", "1.08"),
        ("GBP", "0.85"),
        ("CHF", "0.95"),
        ("RUB", "98.5"),
        ("AED", "3.97"),
        ("TRY", "35.2"),
        ("CNY", "7.8"),
        ("JPY", "160"),
        ("UZS", "13700"),
        ("KZT", "520"),
        ("THB", "38.4"),
        ("INR", "90.1"),
        ("BRL", "5.9"),
        ("MXN", "18.6"),
        ("CZK", "25.1"),
        ("GEL", "2.9"),
        ("IDR", "17100"),
        ("EGP", "52.3"),
        ("MAD", "10.8"),
        ("VND", "27300"),
    )
}
_STAR_BASE = {0: 55.0, 1: 40.0, 2: 62.0, 3: 92.0, 4: 145.0, 5: 270.0}
_CLASS_FACTOR = {
    1: 0.35,
    2: 0.8,
    3: 1.0,
    4: 1.25,
    5: 1.4,
    6: 1.6,
    7: 2.2,
    8: 1.0,
    9: 1.3,
    10: 2.8,
    11: 1.5,
    12: 1.6,
}
_MONTH_FACTOR = (0.85, 0.85, 0.9, 0.95, 1.0, 1.15, 1.3, 1.3, 1.1, 0.95, 0.9, 1.05)
_MEAL_FACTOR = {"nomeal": 1.0, "breakfast": 1.1, "half-board": 1.3}
_HASH_SALT = b"ratehawk-simulator-rate:"


def rate_hash(prefix: str, key: str) -> str:
    """A stable UUID-shaped hash (`h-...`, `m-...`, `p-...`) of a rate's identity."""
    hexed = hashlib.sha1(_HASH_SALT + key.encode()).hexdigest()
    return f"{prefix}-{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:32]}"


CONTRACT_MISMATCH_HASH = "h-00000000-0000-0000-0000-000000000000"


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def api_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class Room:
    adults: int
    children: tuple[int, ...]

    @property
    def occupancy(self) -> int:
        """Guests needing a bed (children under 2 sleep in a cot)."""
        return self.adults + sum(1 for age in self.children if age >= 2)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    checkin: date
    checkout: date
    residency: str
    language: str
    currency: str
    rooms: tuple[Room, ...]

    @property
    def nights(self) -> list[date]:
        return [self.checkin + timedelta(days=i) for i in range((self.checkout - self.checkin).days)]

    def key(self) -> str:
        rooms = ";".join(f"{r.adults}:{','.join(map(str, r.children))}" for r in self.rooms)
        return f"{self.checkin}|{self.checkout}|{self.residency}|{self.currency}|{rooms}"


@dataclass(frozen=True, slots=True)
class Offer:
    """One bookable rate. `book_hash` is `h-...` (hotel page) or `p-...` (after prebook)."""

    hid: int
    rg_index: int
    meal: str
    refundable: bool
    pay_at_hotel: bool
    query: SearchQuery
    daily_prices: tuple[Decimal, ...]
    local_currency: str
    local_total: Decimal
    city_tax_local: Decimal | None
    free_cancellation_before: datetime | None
    book_hash: str
    match_hash: str

    @property
    def total(self) -> Decimal:
        return sum(self.daily_prices, Decimal("0.00"))

    @property
    def currency(self) -> str:
        return self.query.currency

    def payment_types(self) -> list[dict]:
        """The payment types a booking of this offer may use, as the contract's objects."""
        total = money(self.total)
        vat = money(self.total / Decimal("11"))
        taxes = [{"name": "vat", "amount": vat, "currency_code": self.currency, "included_by_supplier": True}]
        if self.city_tax_local is not None:
            taxes.append(
                {
                    "name": "city_tax",
                    "amount": money(self.city_tax_local),
                    "currency_code": self.local_currency,
                    "included_by_supplier": False,
                }
            )
        fcb = self.free_cancellation_before
        if fcb is not None:
            policies = [
                {
                    "start_at": None,
                    "end_at": api_datetime(fcb),
                    "amount_charge": "0.00",
                    "amount_show": "0.00",
                },
                {"start_at": api_datetime(fcb), "end_at": None, "amount_charge": total, "amount_show": total},
            ]
        else:
            policies = [{"start_at": None, "end_at": None, "amount_charge": total, "amount_show": total}]
        penalties = {
            "policies": policies,
            "free_cancellation_before": api_datetime(fcb) if fcb is not None else None,
        }
        deposit = {
            "type": "deposit",
            "amount": total,
            "currency_code": self.currency,
            "show_amount": total,
            "show_currency_code": self.currency,
            "by": None,
            "is_need_credit_card_data": False,
            "is_need_cvc": False,
            "tax_data": {"taxes": taxes},
            "cancellation_penalties": penalties,
        }
        out = [deposit]
        if self.pay_at_hotel:
            out.append(
                {
                    **deposit,
                    "type": "hotel",
                    "amount": money(self.local_total),
                    "currency_code": self.local_currency,
                }
            )
        return out

    def penalty_at(self, now: datetime) -> Decimal:
        """What cancelling at `now` costs, in the offer's currency."""
        fcb = self.free_cancellation_before
        if fcb is not None and now < fcb:
            return Decimal("0.00")
        return self.total

    def as_rate(self, record: dict, *, with_book_hash: bool, allotment: int) -> dict:
        """The contract's rate object; `record` is the hotel's record (for the room group)."""
        rg = record["room_groups"][self.rg_index]
        return {
            "match_hash": self.match_hash,
            "book_hash": self.book_hash if with_book_hash else None,
            "daily_prices": [money(p) for p in self.daily_prices],
            "meal": self.meal,
            "meal_data": {"value": self.meal, "has_breakfast": self.meal != "nomeal", "no_child_meal": True},
            "room_name": rg["name"],
            "room_data_trans": {"main_room_type": rg["name_struct"]["main_name"]},
            "rg_ext": rg["rg_ext"],
            "allotment": allotment,
            "amenities_data": [*rg["room_amenities"][:6], "non-smoking"],
            "any_residency": False,
            "payment_options": {"payment_types": self.payment_types()},
        }


class RateBook:
    """Builds the offers of a hotel for a query (pure: no inventory, no state)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._record = lru_cache(maxsize=1024)(lambda hid: hotel_record(seed, hid))
        self._basics = lru_cache(maxsize=100_000)(lambda hid: hotel_basics(seed, hid))

    def record(self, hid: int) -> dict:
        return self._record(hid)

    def offers(self, hid: int, query: SearchQuery, now: datetime) -> list[Offer]:
        seed = self.seed
        basics = self._basics(hid)
        query_key = query.key()
        record = self.record(hid)
        city = cities()[basics.region.city_index or 0]
        local = city.country.currency if city.country.currency in FX else "EUR"
        star_base = _STAR_BASE[basics.star_rating] * (0.8 + city.weight / 100)
        residency_factor = (
            1 + (unit(seed, int.from_bytes(query.residency.encode(), "big"), 0x5E) - 0.5) * 0.06
        )
        need = max(room.occupancy for room in query.rooms)
        nights = query.nights
        fx = FX[query.currency]
        fx_local = FX[local]
        has_city_tax = unit(seed, hid, 0xC7) < 0.6
        offers: list[Offer] = []
        for g, rg in enumerate(record["room_groups"]):
            ext = rg["rg_ext"]
            if ext["capacity"] < need:
                continue
            room_factor = _CLASS_FACTOR.get(ext["class"], 1.0) * (1 + 0.06 * ext["quality"])
            per_night_eur: list[float] = []
            for night in nights:
                weekday = 1.12 if night.weekday() in (4, 5) else 1.0
                noise = 0.92 + 0.16 * unit(seed, hid, g, night.toordinal())
                per_night_eur.append(
                    star_base
                    * room_factor
                    * weekday
                    * _MONTH_FACTOR[night.month - 1]
                    * noise
                    * residency_factor
                )
            meals = ["nomeal"]
            if unit(seed, hid, g, 0xB1) < 0.7:
                meals.append("breakfast")
            if basics.star_rating >= 4 and unit(seed, hid, g, 0xB2) < 0.35:
                meals.append("half-board")
            fcb_days = 1 + int(unit(seed, hid, g, 0xFC) * 7)
            fcb = datetime(
                query.checkin.year, query.checkin.month, query.checkin.day, tzinfo=UTC
            ) - timedelta(days=fcb_days)
            refund_options = [False] if unit(seed, hid, g, 0xF0) < 0.6 else []
            if fcb > now:
                refund_options.append(True)
            if not refund_options:
                refund_options = [False]
            pay_at_hotel = unit(seed, hid, g, 0xA7) < 0.25
            for meal in meals:
                for refundable in refund_options:
                    factor = _MEAL_FACTOR[meal] * (1.0 if refundable else 0.9)
                    daily: list[Decimal] = []
                    local_total = Decimal("0")
                    for eur in per_night_eur:
                        night_eur = 0.0
                        for room in query.rooms:
                            occ = (
                                1 + 0.12 * (room.adults - 1) + 0.08 * sum(1 for a in room.children if a >= 2)
                            )
                            night_eur += eur * factor * occ
                        d = Decimal(repr(round(night_eur, 4)))
                        daily.append((d * fx).quantize(CENT, rounding=ROUND_HALF_UP))
                        local_total += (d * fx_local).quantize(CENT, rounding=ROUND_HALF_UP)
                    city_tax = None
                    if has_city_tax:
                        per = Decimal(str(1 + int(unit(seed, hid, 0xC8) * 5)))
                        city_tax = per * len(nights) * sum(r.adults for r in query.rooms) * fx_local
                    key = f"{seed}|{hid}|{query_key}|{g}|{meal}|{int(refundable)}"
                    offers.append(
                        Offer(
                            hid=hid,
                            rg_index=g,
                            meal=meal,
                            refundable=refundable,
                            pay_at_hotel=pay_at_hotel,
                            query=query,
                            daily_prices=tuple(daily),
                            local_currency=local,
                            local_total=local_total,
                            city_tax_local=city_tax,
                            free_cancellation_before=fcb if refundable else None,
                            book_hash=rate_hash("h", key),
                            match_hash=rate_hash("m", key),
                        )
                    )
        offers.sort(key=lambda o: (o.total, o.book_hash))
        return offers


def raised(offer: Offer, percent: int) -> Offer:
    """The offer after prebook, `percent` more expensive, with its `p-` hash."""
    factor = Decimal(100 + percent) / Decimal(100)
    daily = tuple((p * factor).quantize(CENT, rounding=ROUND_HALF_UP) for p in offer.daily_prices)
    return replace(
        offer,
        daily_prices=daily,
        local_total=(offer.local_total * factor).quantize(CENT, rounding=ROUND_HALF_UP),
        book_hash=rate_hash("p", f"prebook|{offer.book_hash}|{percent}"),
    )
