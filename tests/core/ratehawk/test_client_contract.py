"""Contract tests: the client against the RateHawk simulator, every endpoint and the ETG
certification cases of the contract. The published rate limits are on; no test may see a 429."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from core.ratehawk import errors
from core.ratehawk.models import GuestRoom, SearchParams
from core.ratehawk.ratelimit import Limit
from core.ratehawk.simulator import DEFAULT_LIMITS
from core.ratehawk.synthetic import PRICE_UP_10_HID, PRICE_UP_20_HID, TEST_HOTEL_HID
from tests.core.ratehawk.client_sim import SimClient, finish_for, simulated, start_booking, stay, today

CONTRACT_MISMATCH_HASH = "h-00000000-0000-0000-0000-000000000000"


@pytest.fixture
async def sim() -> AsyncIterator[SimClient]:
    async with simulated() as handle:
        yield handle
        assert handle.client.stats.rate_limited == 0


async def test_overview_publishes_the_limits_the_client_paces_by(sim):
    entries = await sim.client.overview()
    endpoints = {e.endpoint.removeprefix("api/b2b/v3/") for e in entries}
    assert set(DEFAULT_LIMITS) <= endpoints
    assert sim.client.limiter.limit_for("search/hp/") == Limit(30, 60.0)
    assert sim.client.limiter.limit_for("hotel/info/dump/") == Limit(100, 86_400.0)


async def test_static_content_endpoints(sim):
    client = sim.client
    hotel = await client.hotel_info(hid=TEST_HOTEL_HID)
    assert hotel.hid == TEST_HOTEL_HID and hotel.name and hotel.region is not None
    assert "room_groups" in hotel.model_dump()  # the full record, untyped fields kept
    same = await client.hotel_info(id=hotel.id)
    assert same.hid == TEST_HOTEL_HID
    with pytest.raises(errors.RateUnavailableError) as caught:
        await client.hotel_info(hid=1)
    assert caught.value.slug == "hotel_not_found"
    assert hotel.region.name
    suggestions = await client.multicomplete(hotel.region.name[:4])
    assert suggestions.regions and len(suggestions.regions) <= 5 and len(suggestions.hotels) <= 5


async def test_search_endpoints_return_decimal_money_in_the_asked_currency(sim):
    client = sim.client
    hotel = await client.hotel_info(hid=TEST_HOTEL_HID)
    params = stay(currency="USD")
    by_region = await client.search_region(params, hotel.region.id)
    assert by_region.hotels and all(h.rates for h in by_region.hotels)
    by_hids = await client.search_hotels(params, [TEST_HOTEL_HID, PRICE_UP_10_HID])
    assert {h.hid for h in by_hids.hotels} <= {TEST_HOTEL_HID, PRICE_UP_10_HID} and by_hids.hotels
    near = await client.search_geo(params, hotel.latitude, hotel.longitude, 2_000)
    assert TEST_HOTEL_HID in {h.hid for h in near.hotels}
    for result in (by_region, by_hids, near):
        for h in result.hotels:
            for rate in h.rates:
                assert rate.book_hash is None  # result pages carry no book hash
                assert rate.payment is not None and rate.payment.currency_code == "USD"
                assert isinstance(rate.payment.amount, Decimal) and rate.payment.amount > 0
    page = await client.hotel_page(params, TEST_HOTEL_HID)
    rates = page.hotels[0].rates
    assert rates and all(r.book_hash and r.book_hash.startswith("h-") for r in rates)
    assert all(r.daily_prices and len(r.daily_prices) == 2 for r in rates)


async def test_booking_happy_path_then_order_info_voucher_and_cancel(sim):
    client = sim.client
    _, prebooked, form, outcome = await start_booking(sim, "ibe-happy-0001")
    assert outcome == "accepted"
    assert form.partner_order_id == "ibe-happy-0001" and form.payment_types[0].amount > 0
    assert not prebooked.price_changed
    status = await client.wait_for_booking("ibe-happy-0001", interval_s=0.01, deadline_s=5)
    assert status.confirmed
    page = await client.order_info(partner_order_ids=["ibe-happy-0001"])
    assert page.total_orders == 1 and page.orders[0]["order_id"] == form.order_id
    pdf = await client.voucher("ibe-happy-0001")
    assert pdf.startswith(b"%PDF")
    cancelled = await client.cancel("ibe-happy-0001")
    assert cancelled.amount_sell is not None and cancelled.amount_sell.amount == form.payment_types[0].amount
    assert cancelled.amount_sell.currency_code == form.payment_types[0].currency_code
    assert cancelled.amount_payable is not None and cancelled.amount_refunded is not None
    payable, refunded = cancelled.amount_payable.as_money(), cancelled.amount_refunded.as_money()
    assert payable + refunded == cancelled.amount_sell.as_money() == form.payment_types[0].money


@pytest.mark.parametrize(
    ("rooms", "residency"),
    [
        ([GuestRoom(adults=2, children=[3]), GuestRoom(adults=2, children=[1, 5, 17])], "gb"),
        ([GuestRoom(adults=2, children=[0, 17])], "gb"),
        ([GuestRoom(adults=2)], "uz"),
    ],
    ids=["two-rooms-with-children", "children-0-and-17", "residency-uz"],
)
async def test_certification_parties_book(sim, rooms, residency):
    params = stay(rooms, residency=residency)
    pid = f"ibe-cert-{residency}-{len(rooms)}-{sum(len(r.children) for r in rooms)}"
    _, _, form, outcome = await start_booking(sim, pid, params)
    assert outcome == "accepted"
    assert (await sim.client.wait_for_booking(pid, interval_s=0.01, deadline_s=5)).confirmed
    [order] = (await sim.client.order_info(partner_order_ids=[pid])).orders
    assert order["order_id"] == form.order_id
    assert [
        (r["guest_data"]["adults_number"], r["guest_data"]["children_number"]) for r in order["rooms_data"]
    ] == [(room.adults, len(room.children)) for room in rooms]


async def test_wrong_children_data_is_refused(sim):
    params = stay([GuestRoom(adults=2, children=[0, 17])])
    page = await sim.client.hotel_page(params, TEST_HOTEL_HID)
    prebooked = await sim.client.prebook(page.hotels[0].rates[0].book_hash)
    form = await sim.client.booking_form("ibe-kids-0001", prebooked.rate.book_hash, user_ip="10.1.2.3")
    wrong = stay([GuestRoom(adults=2, children=[1, 17])])
    with pytest.raises(errors.BookingDataError) as caught:
        await sim.client.booking_finish(finish_for("ibe-kids-0001", wrong, form.payment_types[0]))
    assert caught.value.slug == "incorrect_children_data"


@pytest.mark.parametrize(("hid", "rise"), [(PRICE_UP_10_HID, 10), (PRICE_UP_20_HID, 20)])
async def test_prebook_price_rise_needs_the_guests_consent(sim, hid, rise):
    client = sim.client
    page = await client.hotel_page(stay(), hid)
    rate = page.hotels[0].rates[0]
    with pytest.raises(errors.RateUnavailableError) as caught:
        await client.prebook(rate.book_hash, price_increase_percent=rise - 1)
    assert caught.value.slug == "no_available_rates"
    prebooked = await client.prebook(rate.book_hash, price_increase_percent=rise)
    assert prebooked.price_changed
    before, after = rate.payment.amount, prebooked.rate.payment.amount
    assert abs(after / before - Decimal(100 + rise) / 100) < Decimal("0.01")


@pytest.mark.parametrize("outcome", ["success", "soldout", "book_limit", "provider"])
async def test_unknown_first_then_the_outcome(sim, outcome):
    pid = f"ibe-u-0001-unknown_{outcome}"
    await start_booking(sim, pid)
    first = await sim.client.booking_status(pid)
    assert first.status == "processing" and first.data == {"transient": "unknown"}
    if outcome == "success":
        assert (await sim.client.wait_for_booking(pid, interval_s=0.01, deadline_s=5)).confirmed
    else:
        with pytest.raises(errors.BookingFailedError) as caught:
            await sim.client.wait_for_booking(pid, interval_s=0.01, deadline_s=5)
        assert caught.value.slug == outcome


@pytest.mark.parametrize("slug", ["soldout", "book_limit", "provider"])
async def test_status_triggers_end_in_final_errors(sim, slug):
    pid = f"ibe-t-0001-{slug}"
    _, _, _, outcome = await start_booking(sim, pid)
    assert outcome == "accepted"
    with pytest.raises(errors.BookingFailedError) as caught:
        await sim.client.wait_for_booking(pid, interval_s=0.01, deadline_s=5)
    assert caught.value.slug == slug and not caught.value.retryable


@pytest.mark.parametrize(
    ("slug", "family"),
    [
        ("insufficient_b2b_balance", errors.AccountError),
        ("booking_form_expired", errors.BookingDataError),
        ("email", errors.BookingDataError),
    ],
)
async def test_finish_triggers_are_final(sim, slug, family):
    with pytest.raises(family) as caught:
        await start_booking(sim, f"ibe-f-0001-{slug}")
    assert caught.value.slug == slug


async def test_double_booking_form_then_a_new_id_succeeds(sim):
    client = sim.client
    page = await client.hotel_page(stay(), TEST_HOTEL_HID)
    prebooked = await client.prebook(page.hotels[0].rates[0].book_hash)
    sim.clock.pause()  # from here the simulator's time moves only when the test or the client waits
    await client.booking_form("ibe-dup-0001", prebooked.rate.book_hash, user_ip="10.1.2.3")
    sim.clock.advance(0.06)  # past the simulator's lock window
    with pytest.raises(errors.BookingFormRetryError) as caught:
        await client.booking_form("ibe-dup-0001", prebooked.rate.book_hash, user_ip="10.1.2.3")
    assert caught.value.slug == "double_booking_form" and caught.value.retryable
    ids = iter(["ibe-dup-0001", "ibe-dup-0002"])
    tried: list[str] = []

    async def next_id() -> str:
        tried.append(next(ids))
        return tried[-1]

    form = await client.booking_form_with_retries(prebooked.rate.book_hash, next_id, user_ip="10.1.2.3")
    assert form.partner_order_id == "ibe-dup-0002" and tried == ["ibe-dup-0001", "ibe-dup-0002"]
    assert client.stats.locked == 1  # the immediate repeat of ibe-dup-0001 met the lock, not a rate limit


async def test_order_not_cancellable(sim):
    pid = "ibe-c-0001-order_not_cancellable"
    await start_booking(sim, pid)
    assert (await sim.client.wait_for_booking(pid, interval_s=0.01, deadline_s=5)).confirmed
    with pytest.raises(errors.OrderNotCancellableError):
        await sim.client.cancel(pid)
    with pytest.raises(errors.OrderNotFoundError):
        await sim.client.cancel("ibe-never-booked")


async def test_contract_mismatch_on_prebook_and_form(sim):
    with pytest.raises(errors.ContractMismatchError) as caught:
        await sim.client.prebook(CONTRACT_MISMATCH_HASH)
    assert caught.value.slug == "contract_mismatch" and not caught.value.retryable
    with pytest.raises(errors.ContractMismatchError):
        await sim.client.booking_form("ibe-cm-0001", CONTRACT_MISMATCH_HASH, user_ip="10.1.2.3")


async def test_bad_input_gets_invalid_params_with_a_sentence(sim):
    past = SearchParams.model_construct(
        checkin=today().replace(year=today().year - 1),
        checkout=today().replace(year=today().year - 1).replace(day=1),
        residency="gb",
        language="en",
        guests=[GuestRoom(adults=2)],
        currency="EUR",
        timeout=None,
        filter=None,
    )
    with pytest.raises(errors.InvalidRequestError) as caught:
        await sim.client.hotel_page(past, TEST_HOTEL_HID)
    assert caught.value.slug == "invalid_params" and caught.value.http_status == 400
    assert "checkin" in str(caught.value)


async def test_wrong_credentials_are_final():
    async with simulated(api_key="not-the-key") as handle:
        with pytest.raises(errors.AuthenticationError) as caught:
            await handle.client.hotel_info(hid=TEST_HOTEL_HID)
    assert caught.value.slug == "incorrect_credentials" and caught.value.http_status == 403


async def test_finite_inventory_ends_in_soldout():
    async with simulated(inventory_per_room_night=1) as handle:
        client = handle.client
        hid = (
            await client.search_region(stay(), (await client.hotel_info(hid=TEST_HOTEL_HID)).region.id)
        ).hotels
        other = next(h for h in hid if h.hid != TEST_HOTEL_HID and h.hid > 10_000_000)
        params = stay()
        page = await client.hotel_page(params, other.hid)
        prebooked = await client.prebook(page.hotels[0].rates[0].book_hash)
        forms = [
            await client.booking_form(pid, prebooked.rate.book_hash, user_ip="10.1.2.3")
            for pid in ("ibe-inv-1", "ibe-inv-2")
        ]
        for form in forms:
            await client.booking_finish(finish_for(form.partner_order_id, params, form.payment_types[0]))
        assert (await client.wait_for_booking("ibe-inv-1", interval_s=0.01, deadline_s=5)).confirmed
        with pytest.raises(errors.BookingFailedError) as caught:
            await client.wait_for_booking("ibe-inv-2", interval_s=0.01, deadline_s=5)
        assert caught.value.slug == "soldout"
