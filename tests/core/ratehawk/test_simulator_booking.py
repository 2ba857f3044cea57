"""The simulator's booking flow, inventory and every sandbox trigger of the contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.ratehawk.synthetic import PRICE_UP_10_HID, PRICE_UP_20_HID, TEST_HOTEL_HID, hid_at
from tests.core.ratehawk.sim_helpers import Sim, simulator

CHILD = {"is_child": True}


def adults(n: int) -> list[dict]:
    return [{"first_name": f"Adult{i}", "last_name": "Guest"} for i in range(n)]


def kids(*ages: int) -> list[dict]:
    return [{"first_name": f"Kid{a}", "last_name": "Guest", **CHILD, "age": a} for a in ages]


async def prebooked(sim: Sim, hid: int = TEST_HOTEL_HID, **stay) -> dict:
    rates = await sim.hotel_page(hid, **stay)
    answer = await sim.call("hotel/prebook/", {"hash": rates[0]["book_hash"], "price_increase_percent": 0})
    assert answer["status"] == "ok", answer
    return answer["data"]["hotels"][0]["rates"][0]


async def test_happy_path_books_reports_vouchers_and_cancels():
    async with simulator() as sim:
        rate = await prebooked(sim)
        assert rate["book_hash"].startswith("p-")
        assert (await sim.book("order-happy-1", rate["book_hash"]))["status"] == "ok"
        status = await sim.status("order-happy-1")
        assert (status["status"], status["error"]) == ("ok", None)

        info = await sim.call("hotel/order/info/", {"search": {"partner_order_ids": ["order-happy-1"]}})
        (order,) = info["data"]["orders"]
        assert order["status"] == "completed"
        total = sum(Decimal(p) for p in rate["daily_prices"])
        assert Decimal(order["amount_sell"]["amount"]) == total

        pdf = await sim.http.get(
            "/api/b2b/v3/hotel/order/document/voucher/download/",
            params={"data": '{"partner_order_id": "order-happy-1", "language": "en"}'},
        )
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

        cancelled = await sim.call("hotel/order/cancel/", {"partner_order_id": "order-happy-1"})
        amounts = {k: Decimal(v["amount"]) for k, v in cancelled["data"].items()}
        assert amounts["amount_sell"] == total
        assert amounts["amount_payable"] + amounts["amount_refunded"] == total
        sim.clock.advance(1)
        again = await sim.call("hotel/order/cancel/", {"partner_order_id": "order-happy-1"})
        assert again == cancelled  # a repeated cancel answers the same


async def test_refundable_rate_cancelled_early_is_refunded_in_full():
    async with simulator() as sim:
        rates = await sim.hotel_page(TEST_HOTEL_HID, days_ahead=60)
        refundable = next(
            r
            for r in rates
            if r["payment_options"]["payment_types"][0]["cancellation_penalties"]["free_cancellation_before"]
        )
        assert (await sim.book("order-refund-1", refundable["book_hash"]))["status"] == "ok"
        cancelled = await sim.call("hotel/order/cancel/", {"partner_order_id": "order-refund-1"})
        assert cancelled["data"]["amount_payable"]["amount"] == "0.00"
        assert cancelled["data"]["amount_refunded"] == cancelled["data"]["amount_sell"]


async def test_heavy_booking_of_one_room_night_ends_in_soldout():
    async with simulator(inventory_per_room_night=2) as sim:
        hid = hid_at(10)
        rates = await sim.hotel_page(hid, nights=2)
        target = rates[0]
        assert target["allotment"] == 2
        pids = [f"order-heavy-{i}" for i in range(3)]
        forms = []
        for pid in pids:  # forms do not hold rooms; the finish does
            form = await sim.call(
                "hotel/order/booking/form/",
                {
                    "partner_order_id": pid,
                    "book_hash": target["book_hash"],
                    "language": "en",
                    "user_ip": "1.1.1.1",
                },
            )
            forms.append(form["data"]["payment_types"][0])
        outcomes = []
        for pid, payment in zip(pids, forms, strict=True):
            assert (await sim.finish(pid, payment))["status"] == "ok"
            answer = await sim.status(pid)
            outcomes.append(answer["status"] if answer["status"] == "ok" else answer["error"])
        assert outcomes == ["ok", "ok", "soldout"]
        # the sold-out room group is gone from the hotel page; a cancel brings it back
        same_room = [r for r in await sim.hotel_page(hid, nights=2) if r["room_name"] == target["room_name"]]
        assert same_room == []
        await sim.call("hotel/order/cancel/", {"partner_order_id": pids[0]})
        back = [r for r in await sim.hotel_page(hid, nights=2) if r["room_name"] == target["room_name"]]
        assert back and back[0]["allotment"] == 1


@pytest.mark.parametrize("outcome", ["soldout", "book_limit", "provider"])
async def test_status_triggers_end_in_their_error(outcome):
    async with simulator() as sim:
        rate = await prebooked(sim)
        pid = f"cert-{outcome}"
        assert (await sim.book(pid, rate["book_hash"]))["status"] == "ok"
        answer = await sim.status(pid)
        assert (answer["status"], answer["error"]) == ("error", outcome)


@pytest.mark.parametrize("slug", ["insufficient_b2b_balance", "booking_form_expired", "email"])
async def test_finish_triggers_fail_the_finish(slug):
    async with simulator() as sim:
        rate = await prebooked(sim)
        answer = await sim.book(f"cert-{slug}", rate["book_hash"])
        assert (answer["status"], answer["error"]) == ("error", slug)


@pytest.mark.parametrize(
    ("suffix", "final"),
    [("unknown_success", None), ("unknown_soldout", "soldout"), ("unknown_book_limit", "book_limit"),
     ("unknown_provider", "provider")],
)  # fmt: skip
async def test_unknown_triggers_answer_unknown_then_the_outcome(suffix, final):
    async with simulator() as sim:
        rate = await prebooked(sim)
        pid = f"cert-{suffix}"
        assert (await sim.book(pid, rate["book_hash"]))["status"] == "ok"
        first = await sim.status(pid)
        assert first["error"] == "unknown"
        second = await sim.status(pid)
        if final is None:
            assert (second["status"], second["error"]) == ("ok", None)
        else:
            assert (second["status"], second["error"]) == ("error", final)


async def test_order_not_cancellable_trigger():
    async with simulator() as sim:
        rate = await prebooked(sim)
        pid = "cert-order_not_cancellable"
        await sim.book(pid, rate["book_hash"])
        assert (await sim.status(pid))["status"] == "ok"
        answer = await sim.call("hotel/order/cancel/", {"partner_order_id": pid})
        assert answer["error"] == "order_not_cancellable"


async def test_contract_mismatch_double_booking_form_and_lock():
    async with simulator() as sim:
        zero = "h-00000000-0000-0000-0000-000000000000"
        answer = await sim.call("hotel/prebook/", {"hash": zero})
        assert answer["error"] == "contract_mismatch"
        rate = await prebooked(sim)
        form = {
            "partner_order_id": "cert-double",
            "book_hash": rate["book_hash"],
            "language": "en",
            "user_ip": "1.1.1.1",
        }
        assert (await sim.call("hotel/order/booking/form/", form))["status"] == "ok"
        rapid = await sim.raw("hotel/order/booking/form/", form)
        assert (rapid.status_code, rapid.json()["error"]) == (429, "lock")
        sim.clock.advance(5)
        later = await sim.call("hotel/order/booking/form/", form)
        assert later["error"] == "double_booking_form"


@pytest.mark.parametrize(("hid", "percent"), [(PRICE_UP_10_HID, 10), (PRICE_UP_20_HID, 20)])
async def test_prebook_price_rise_hotels(hid, percent):
    async with simulator() as sim:
        (rate, *_) = await sim.hotel_page(hid)
        before = Decimal(rate["payment_options"]["payment_types"][0]["amount"])
        refused = await sim.call(
            "hotel/prebook/", {"hash": rate["book_hash"], "price_increase_percent": percent - 1}
        )
        assert refused["error"] == "no_available_rates"
        answer = await sim.call(
            "hotel/prebook/", {"hash": rate["book_hash"], "price_increase_percent": percent}
        )
        assert answer["data"]["changes"]["price_changed"] is True
        after = Decimal(
            answer["data"]["hotels"][0]["rates"][0]["payment_options"]["payment_types"][0]["amount"]
        )
        assert abs(after - before * (100 + percent) / 100) <= Decimal("0.01") * len(rate["daily_prices"])
        # the raised price is what the form and the finish ask for
        new_hash = answer["data"]["hotels"][0]["rates"][0]["book_hash"]
        assert (await sim.book(f"cert-rise-{percent}", new_hash))["status"] == "ok"


@pytest.mark.parametrize(
    ("guests", "rooms"),
    [
        ([{"adults": 2, "children": [3]}, {"adults": 2, "children": [1, 5, 17]}],
         [adults(2) + kids(3), adults(2) + kids(1, 5, 17)]),
        ([{"adults": 2, "children": [0, 17]}], [adults(2) + kids(0, 17)]),
    ],
)  # fmt: skip
async def test_certification_parties_book(guests, rooms):
    async with simulator() as sim:
        rates = await sim.hotel_page(TEST_HOTEL_HID, guests=guests, residency="uz")
        assert rates
        assert (await sim.book("cert-party", rates[0]["book_hash"], rooms))["status"] == "ok"
        assert (await sim.status("cert-party"))["status"] == "ok"


async def test_finish_checks_guests_children_and_payment():
    async with simulator() as sim:
        rates = await sim.hotel_page(TEST_HOTEL_HID, guests=[{"adults": 2, "children": [4]}])
        book_hash = rates[0]["book_hash"]
        form = await sim.call(
            "hotel/order/booking/form/",
            {"partner_order_id": "check-1", "book_hash": book_hash, "language": "en", "user_ip": "1.1.1.1"},
        )
        payment = form["data"]["payment_types"][0]
        wrong_count = await sim.finish("check-1", payment, [adults(2)])
        assert wrong_count["error"] == "incorrect_guests_number"
        sim.clock.advance(1)
        wrong_age = await sim.finish("check-1", payment, [adults(2) + kids(7)])
        assert wrong_age["error"] == "incorrect_children_data"
        sim.clock.advance(1)
        cheap = {**payment, "amount": "1.00"}
        wrong_pay = await sim.raw(
            "hotel/order/booking/finish/",
            {"partner": {"partner_order_id": "check-1"}, "user": {"email": "a@b.co"}, "language": "en",
             "rooms": [{"guests": adults(2) + kids(4)}], "payment_type": cheap},
        )  # fmt: skip
        assert (wrong_pay.status_code, wrong_pay.json()["error"]) == (400, "invalid_params")
        sim.clock.advance(1)
        assert (await sim.finish("check-1", payment, [adults(2) + kids(4)]))["status"] == "ok"
        sim.clock.advance(1)
        assert (await sim.finish("check-1", payment, [adults(2) + kids(4)]))[
            "error"
        ] == "double_booking_finish"


async def test_form_expires_after_an_hour():
    async with simulator() as sim:
        rate = await prebooked(sim)
        form = await sim.call(
            "hotel/order/booking/form/",
            {
                "partner_order_id": "late-1",
                "book_hash": rate["book_hash"],
                "language": "en",
                "user_ip": "1.1.1.1",
            },
        )
        sim.clock.advance(3601)
        answer = await sim.finish("late-1", form["data"]["payment_types"][0])
        assert answer["error"] == "booking_form_expired"


async def test_status_stays_processing_while_configured():
    async with simulator() as sim:
        await sim.http.post("/admin/faults", json={"processing_s": 30})
        rate = await prebooked(sim)
        await sim.book("slow-1", rate["book_hash"])
        assert (await sim.status("slow-1"))["status"] == "processing"
        sim.clock.advance(31)
        assert (await sim.status("slow-1"))["status"] == "ok"
