"""Search (result pages, cached briefly), the hotel page and prebook (never cached, per ETG)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header

from booking_api.answers import HotelRates, PrebookAnswer, SearchPage
from booking_api.deps import SearchKey, ServicesDep
from booking_api.problems import AUTHED, Problem, documented
from booking_api.schemas import PrebookRequest, RatesRequest, SearchRequest
from booking_api.views import RATES_PER_HOTEL, cheapest, price_in, rate_view
from core.domain.events import HotelViewed, PrebookRequested, SearchPerformed
from core.domain.money import Money
from core.ratehawk.errors import RateHawkError, RateUnavailableError, TransientError
from core.ratehawk.models import SearchResults

router = APIRouter(prefix="/v1", tags=["search"])
SessionId = Annotated[str | None, Header(alias="X-Session-Id", max_length=64)]


def _supplier_problem(exc: RateHawkError) -> Problem:
    if isinstance(exc, RateUnavailableError):
        return Problem(409, "rate-unavailable", "Rate no longer available", f"supplier: {exc.slug}")
    if isinstance(exc, TransientError):
        return Problem(
            503, "supplier-unavailable", "Supplier unavailable", f"supplier: {exc.slug}; retry shortly"
        )
    return Problem(502, "supplier-error", "Supplier error", f"supplier: {exc.slug}")


async def _supplier_search(services: Any, body: SearchRequest) -> SearchResults:
    # A result page shows the cheapest RATES_PER_HOTEL rates: the client validates only those.
    params = body.supplier_params()
    rh = services.ratehawk
    n = RATES_PER_HOTEL
    if body.region_id is not None:
        return await rh.search_region(params, body.region_id, cheapest=n)  # type: ignore[no-any-return]
    if body.hids is not None:
        return await rh.search_hotels(params, body.hids, cheapest=n)  # type: ignore[no-any-return]
    assert body.geo is not None
    geo = body.geo
    return await rh.search_geo(params, geo.latitude, geo.longitude, geo.radius_m, cheapest=n)  # type: ignore[no-any-return]


async def _result_page(services: Any, body: SearchRequest) -> dict[str, Any]:
    """One result page from the supplier's answer, cheapest hotel first, with catalog content."""
    try:
        results = await _supplier_search(services, body)
    except RateHawkError as exc:
        raise _supplier_problem(exc) from None
    hotels = [(h.hid, cheapest(h.rates, body.currency)) for h in results.hotels]
    hotels = [(hid, rates) for hid, rates in hotels if rates]
    hotels.sort(key=lambda item: Decimal(item[1][0]["price"]["amount"]))
    start = (body.page - 1) * body.page_size
    window = hotels[start : start + body.page_size]
    content = await services.hotels.get([hid for hid, _ in window])
    return {
        "total_hotels": len(hotels),
        "page": body.page,
        "page_size": body.page_size,
        "currency": body.currency,
        "hotels": [{**content[hid], "rates": rates} for hid, rates in window],
    }


@router.post("/search", response_model=SearchPage, responses=documented(400, *AUTHED, 422, 502, 503))
async def search(
    body: SearchRequest, services: ServicesDep, key: SearchKey, session: SessionId = None
) -> dict[str, Any]:
    """The cheapest 1-2 rates of each hotel, cheapest hotel first, with name, stars, address and
    first image from the catalog. Result pages are fresh for a minute, then served stale while one
    background refresh runs; identical searches in flight share one supplier call."""
    cache_key = services.cache.key({**body.model_dump(mode="json"), "v": 1})
    page, cached = await services.cache.get_or_compute(cache_key, lambda: _result_page(services, body))
    event = SearchPerformed(
        aggregate_id=session or uuid.uuid4().hex,
        region_id=body.region_id,
        checkin=body.checkin,
        checkout=body.checkout,
        guests=sum(r.adults + len(r.children) for r in body.guests),
        results=page["total_hotels"],
    )
    services.search_events.add(event)
    return {**page, "cached": cached}


@router.post("/hotels/{hid}/rates", response_model=HotelRates,
             responses=documented(400, *AUTHED, 409, 422, 502, 503))  # fmt: skip
async def hotel_rates(
    hid: int, body: RatesRequest, services: ServicesDep, key: SearchKey, session: SessionId = None
) -> dict[str, Any]:
    """The hotel page: every rate to choose from, each with the `h-...` hash to prebook or book."""
    try:
        results = await services.ratehawk.hotel_page(body.supplier_params(), hid)
    except RateHawkError as exc:
        raise _supplier_problem(exc) from None
    rates = [
        v
        for h in results.hotels
        if h.hid == hid
        for r in h.rates
        if (v := rate_view(r, body.currency, with_hash=True))
    ]
    rates.sort(key=lambda v: Decimal(v["price"]["amount"]))
    event = HotelViewed(aggregate_id=session or uuid.uuid4().hex, hotel_id=str(hid))
    services.search_events.add(event)
    return {"hid": hid, "currency": body.currency, "rates": rates}


@router.post("/prebook", response_model=PrebookAnswer,
             responses=documented(400, *AUTHED, 409, 422, 502, 503))  # fmt: skip
async def prebook(
    body: PrebookRequest, services: ServicesDep, key: SearchKey, session: SessionId = None
) -> dict[str, Any]:
    """Check a rate is still available; a price change is shown explicitly."""
    try:
        result = await services.ratehawk.prebook(body.book_hash, body.price_increase_percent)
    except RateHawkError as exc:
        raise _supplier_problem(exc) from None
    try:
        rate = result.rate
    except LookupError:
        raise Problem(
            409, "rate-unavailable", "Rate no longer available", "prebook returned no rate"
        ) from None
    pay = rate.payment
    if pay is None:
        raise Problem(502, "supplier-error", "Supplier error", "prebook returned a rate without a price")
    currency = pay.show_currency_code or pay.currency_code
    view = rate_view(rate, currency, with_hash=False) or {}
    amount = price_in(pay, currency)[0]
    changed = result.price_changed or (body.expected_price is not None and amount != body.expected_price)
    answer = {
        **view,
        "book_hash": body.book_hash,
        "prebooked_hash": rate.book_hash,
        "price_changed": changed,
        "previous_price": str(body.expected_price) if body.expected_price is not None else None,
    }
    if changed:
        answer["message"] = f"the price changed to {amount} {currency}; show it to the guest before booking"
    event = PrebookRequested(
        aggregate_id=session or uuid.uuid4().hex,
        hotel_id=str(result.hotels[0].hid) if result.hotels else "unknown",
        amount=Money(amount=amount, currency=currency),
    )
    services.search_events.add(event)
    return answer
