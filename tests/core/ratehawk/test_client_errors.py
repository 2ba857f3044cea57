"""Error mapping and the per-endpoint retry rules of the contract, against a scripted API."""

from __future__ import annotations

import base64
from decimal import Decimal

import httpx
import pytest

from core.domain.money import Money
from core.ratehawk import errors
from core.ratehawk.models import FinishRequest, SearchParams
from tests.core.ratehawk.fakes import FakeRateHawk, FakeTime, envelope, make_client

PARAMS = SearchParams.model_validate(
    {"checkin": "2027-03-01", "checkout": "2027-03-03", "residency": "uz", "guests": [{"adults": 2}]}
)
FORM = "hotel/order/booking/form/"
FINISH = "hotel/order/booking/finish/"
STATUS = "hotel/order/booking/finish/status/"
CANCEL = "hotel/order/cancel/"

RATE = {
    "match_hash": "m-1",
    "book_hash": "h-1",
    "daily_prices": ["48.95", "48.95"],
    "meal_data": {"value": "breakfast", "has_breakfast": True},
    "room_name": "Double room",
    "rg_ext": {"class": 3, "quality": 2},
    "allotment": 4,
    "amenities_data": ["wifi"],
    "payment_options": {
        "payment_types": [
            {
                "type": "deposit",
                "amount": "97.90",
                "currency_code": "EUR",
                "show_amount": "97.90",
                "show_currency_code": "EUR",
                "tax_data": {
                    "taxes": [
                        {"name": "city_tax", "amount": "4.10", "currency_code": "EUR",
                         "included_by_supplier": False},
                        {"name": "vat", "amount": "8.90", "currency_code": "EUR", "included_by_supplier": True},
                    ]
                },
                "cancellation_penalties": {
                    "policies": [{"start_at": None, "end_at": "2027-02-27T10:00:00", "amount_charge": "0.00",
                                  "amount_show": "0.00"}],
                    "free_cancellation_before": "2027-02-27T10:00:00",
                },
            }
        ]
    },
    "future_field": {"kept": True},
}  # fmt: skip


def finish_request(partner_order_id: str) -> FinishRequest:
    return FinishRequest.model_validate(
        {
            "partner": {"partner_order_id": partner_order_id},
            "user": {"email": "guest@example.com"},
            "rooms": [{"guests": [{"first_name": "Ada", "last_name": "Lovelace"}]}],
            "payment_type": {"type": "deposit", "amount": "97.90", "currency_code": "EUR"},
        }
    )


async def test_search_answer_is_typed_with_decimal_money_and_keeps_unknown_fields():
    api = FakeRateHawk()
    api.route("search/hp/", envelope({"hotels": [{"hid": 8473727, "id": "test_hotel", "rates": [RATE]}],
                                      "total_hotels": 1}))  # fmt: skip
    async with make_client(api, FakeTime()) as client:
        result = await client.hotel_page(PARAMS, 8473727)
    request = api.calls[-1][2]
    user, _, password = base64.b64decode(request.headers["authorization"].split()[1]).decode().partition(":")
    assert (user, password) == ("1000", "secret-key")
    assert api.bodies("search/hp/")[0]["residency"] == "uz"
    rate = result.hotels[0].rates[0]
    payment = rate.payment
    assert payment is not None and payment.amount == Decimal("97.90") and payment.currency_code == "EUR"
    assert payment.money == Money.of("97.90", "EUR")
    assert rate.daily_prices == [Decimal("48.95"), Decimal("48.95")]
    assert [t.name for t in payment.taxes_due_at_hotel] == ["city_tax"]
    assert payment.cancellation_penalties is not None and payment.cancellation_penalties.refundable
    assert payment.cancellation_penalties.free_cancellation_before.tzinfo is not None
    assert rate.model_dump()["future_field"] == {"kept": True}


@pytest.mark.parametrize(
    ("slug", "http", "family", "retryable"),
    [
        ("no_auth_header", 403, errors.AuthenticationError, False),
        ("incorrect_credentials", 403, errors.AuthenticationError, False),
        ("invalid_params", 400, errors.InvalidRequestError, False),
        ("contract_mismatch", 200, errors.ContractMismatchError, False),
        ("no_available_rates", 200, errors.RateUnavailableError, False),
        ("rate_not_found", 200, errors.RateUnavailableError, False),
        ("prebook_disabled", 200, errors.RateUnavailableError, False),
        ("some_new_slug", 200, errors.RateHawkError, False),
    ],
)
async def test_final_errors_are_typed_and_not_retried(slug, http, family, retryable):
    api = FakeRateHawk()
    api.route("hotel/prebook/", envelope(error=slug, http=http, debug={"validation_error": "hash is wrong"}))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(family) as caught:
            await client.prebook("h-00000000-0000-0000-0000-000000000000")
    assert type(caught.value) is family
    assert caught.value.slug == slug and caught.value.retryable is retryable
    assert api.counts["hotel/prebook/"] == 1
    if slug == "invalid_params":
        assert "hash is wrong" in str(caught.value)


async def test_reads_retry_5xx_and_unknown_then_succeed():
    api = FakeRateHawk()
    ok = envelope({"hotels": [], "total_hotels": 0})
    api.route("search/serp/geo/", [httpx.Response(502, text="bad gateway"), envelope(error="unknown"), ok])
    time = FakeTime()
    async with make_client(api, time) as client:
        result = await client.search_geo(PARAMS, 52.52, 13.40, 2000)
    assert result.total_hotels == 0 and api.counts["search/serp/geo/"] == 3
    assert client.stats.retries == 2 and time.slept  # it backed off between tries


async def test_reads_give_up_after_bounded_attempts_with_a_transient_error():
    api = FakeRateHawk()
    api.route("hotel/info/", envelope(error="timeout", http=200))
    async with make_client(api, FakeTime(), max_attempts=3) as client:
        with pytest.raises(errors.TransientError) as caught:
            await client.hotel_info(hid=1)
    assert caught.value.slug == "timeout" and caught.value.retryable
    assert api.counts["hotel/info/"] == 3


async def test_network_failure_is_transient():
    def broken(request, body):
        raise httpx.ConnectError("refused", request=request)

    api = FakeRateHawk()
    api.route("hotel/info/", broken)
    async with make_client(api, FakeTime(), max_attempts=2) as client:
        with pytest.raises(errors.TransientError) as caught:
            await client.hotel_info(hid=1)
    assert caught.value.slug == "network"


async def test_dump_not_ready_is_retryable_but_left_to_the_caller():
    api = FakeRateHawk()
    api.route("hotel/info/dump/", envelope(error="dump_not_ready"))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.DumpNotReadyError) as caught:
            await client.hotel_dump()
    assert caught.value.retryable and api.counts["hotel/info/dump/"] == 1


async def test_booking_form_is_never_retried_with_the_same_partner_order_id():
    api = FakeRateHawk()
    api.route(FORM, envelope(error="timeout"))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.TransientError):
            await client.booking_form("order-1", "p-1", user_ip="10.0.0.1")
    assert api.counts[FORM] == 1


async def test_booking_form_with_retries_uses_a_new_id_per_try():
    api = FakeRateHawk()
    form = {"order_id": 11, "item_id": 12, "partner_order_id": "order-4",
            "payment_types": [{"type": "deposit", "amount": "97.90", "currency_code": "EUR"}]}  # fmt: skip
    api.route(
        FORM,
        [
            envelope(error="timeout"),
            httpx.Response(503, text="unavailable"),
            envelope(error="double_booking_form"),
            envelope(form),
        ],
    )
    issued: list[str] = []

    async def next_id() -> str:
        issued.append(f"order-{len(issued) + 1}")
        return issued[-1]

    async with make_client(api, FakeTime()) as client:
        result = await client.booking_form_with_retries("p-1", next_id, user_ip="10.0.0.1")
    assert result.order_id == 11 and result.payment_types[0].amount == Decimal("97.90")
    assert [b["partner_order_id"] for b in api.bodies(FORM)] == ["order-1", "order-2", "order-3", "order-4"]


async def test_booking_form_final_error_stops_at_once():
    api = FakeRateHawk()
    api.route(FORM, envelope(error="insufficient_b2b_balance"))
    ids = iter(["a-1", "a-2"])

    async def next_id() -> str:
        return next(ids)

    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.AccountError):
            await client.booking_form_with_retries("p-1", next_id, user_ip="10.0.0.1")
    assert api.counts[FORM] == 1


async def test_booking_form_gives_up_after_ten_ids():
    api = FakeRateHawk()
    api.route(FORM, envelope(error="duplicate_reservation"))
    counter = iter(range(100))

    async def next_id() -> str:
        return f"id-{next(counter)}"

    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.BookingFormRetryError):
            await client.booking_form_with_retries("p-1", next_id, user_ip="10.0.0.1")
    assert api.counts[FORM] == 10


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (envelope(None), "accepted"),
        (envelope(error="timeout"), "pending"),
        (envelope(error="unknown"), "pending"),
        (httpx.Response(500, text="oops"), "pending"),
    ],
)
async def test_finish_goes_on_to_polling_on_ok_timeout_unknown_and_5xx(answer, outcome):
    api = FakeRateHawk()
    api.route(FINISH, answer)
    async with make_client(api, FakeTime()) as client:
        assert await client.booking_finish(finish_request("order-1")) == outcome
    assert api.counts[FINISH] == 1
    assert api.bodies(FINISH)[0]["payment_type"] == {
        "type": "deposit",
        "amount": "97.90",
        "currency_code": "EUR",
    }


@pytest.mark.parametrize(
    ("slug", "family"),
    [
        ("booking_form_expired", errors.BookingDataError),
        ("email", errors.BookingDataError),
        ("incorrect_children_data", errors.BookingDataError),
        ("insufficient_b2b_balance", errors.AccountError),
        ("book_hash_not_found", errors.RateUnavailableError),
    ],
)
async def test_finish_final_errors(slug, family):
    api = FakeRateHawk()
    api.route(FINISH, envelope(error=slug))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(family) as caught:
            await client.booking_finish(finish_request("order-1"))
    assert caught.value.slug == slug


async def test_status_polling_until_ok():
    api = FakeRateHawk()
    api.route(
        STATUS,
        [
            envelope({"partner_order_id": "o-1"}, status="processing"),
            envelope(error="unknown"),
            httpx.Response(502, text=""),
            envelope({"partner_order_id": "o-1"}),
        ],
    )
    time = FakeTime()
    async with make_client(api, time) as client:
        status = await client.wait_for_booking("o-1", interval_s=2.0)
    assert status.confirmed and api.counts[STATUS] == 4
    assert time.slept.count(2.0) == 3


@pytest.mark.parametrize("slug", ["soldout", "provider", "book_limit", "charge", "3ds", "block"])
async def test_status_final_failures_raise(slug):
    api = FakeRateHawk()
    api.route(STATUS, [envelope(error="unknown"), envelope(error=slug)])
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.BookingFailedError) as caught:
            await client.wait_for_booking("o-1", interval_s=1.0)
    assert caught.value.slug == slug and not caught.value.retryable


async def test_status_poll_gives_up_at_the_deadline_with_outcome_unknown():
    api = FakeRateHawk()
    api.route(STATUS, envelope({"partner_order_id": "o-1"}, status="processing"))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.TransientError):
            await client.wait_for_booking("o-1", interval_s=5.0, deadline_s=0.0)
    assert api.counts[STATUS] == 1


async def test_cancel_calls_once_more_on_timeout():
    api = FakeRateHawk()
    amounts = {"amount_payable": {"amount": "0.00", "currency_code": "EUR"},
               "amount_refunded": {"amount": "97.90", "currency_code": "EUR"},
               "amount_sell": {"amount": "97.90", "currency_code": "EUR"}}  # fmt: skip
    api.route(CANCEL, [envelope(error="timeout"), envelope(amounts)])
    async with make_client(api, FakeTime()) as client:
        result = await client.cancel("o-1")
    assert result.amount_refunded is not None and result.amount_refunded.as_money() == Money.of(
        "97.90", "EUR"
    )
    assert api.counts[CANCEL] == 2


async def test_cancel_timeout_twice_surfaces_and_not_cancellable_is_final():
    api = FakeRateHawk()
    api.route(CANCEL, envelope(error="timeout"))
    async with make_client(api, FakeTime()) as client:
        with pytest.raises(errors.TransientError):
            await client.cancel("o-1")
        assert api.counts[CANCEL] == 2
        api.route(CANCEL, envelope(error="order_not_cancellable"))
        with pytest.raises(errors.OrderNotCancellableError):
            await client.cancel("o-1")
        api.route(CANCEL, envelope(error="order_not_found"))
        with pytest.raises(errors.OrderNotFoundError):
            await client.cancel("o-1")


def test_search_params_follow_the_contract_limits():
    base = {"checkin": "2027-03-01", "residency": "gb", "guests": [{"adults": 2}]}
    with pytest.raises(ValueError, match="1 to 30 nights"):
        SearchParams.model_validate({**base, "checkout": "2027-04-05"})
    with pytest.raises(ValueError):
        SearchParams.model_validate(
            {**base, "checkout": "2027-03-02", "guests": [{"adults": 2, "children": [18]}]}
        )
    with pytest.raises(ValueError):
        SearchParams.model_validate({**base, "checkout": "2027-03-02", "guests": [{"adults": 1}] * 10})
    ok = SearchParams.model_validate(
        {**base, "checkout": "2027-03-02", "guests": [{"adults": 2, "children": [0, 17]}]}
    )
    assert ok.body()["guests"] == [{"adults": 2, "children": [0, 17]}]


async def test_lock_waits_out_the_lock_window_before_the_repeat():
    api = FakeRateHawk()
    api.route(CANCEL, [envelope(error="lock", http=429), envelope({})])
    time = FakeTime()
    async with make_client(api, time) as client:
        await client.cancel("o-1")
    assert api.counts[CANCEL] == 2 and max(time.slept) >= 1.5
    # a lock is about one partner_order_id, not the endpoint: other calls are not held back
    assert client.limiter.limit_for(CANCEL).requests == 30
