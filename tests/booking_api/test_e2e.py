"""End to end through the API with the RateHawk and payments simulators (over HTTP), the real
Temporal dev server and Redis: search, hotel page, prebook, the certification bookings, the sandbox
failure triggers with their compensations, cancellation, and the last room under contention."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
import pytest

from core.booking import inventory
from core.kv import open_store
from core.outbox import read_after
from tests.booking_api.conftest import SimEnv

TEST_HOTEL = 8473727  # always bookable
PLUS_10 = 8819557  # prebook raises the price 10%
CHECKIN = date.today() + timedelta(days=45)


def stay(
    rooms: list[dict[str, Any]], residency: str = "gb", nights: int = 2, checkin: date = CHECKIN
) -> dict:
    return {
        "checkin": checkin.isoformat(),
        "checkout": (checkin + timedelta(days=nights)).isoformat(),
        "residency": residency,
        "currency": "EUR",
        "guests": rooms,
    }


async def cheapest_rate(env: SimEnv, hid: int, query: dict) -> dict:
    resp = await env.api.client.post(f"/v1/hotels/{hid}/rates", json=query, headers=env.api.auth("search"))
    assert resp.status_code == 200, resp.text
    rates = resp.json()["rates"]
    assert rates and all(r["book_hash"].startswith("h-") for r in rates)
    return rates[0]


def booking_for(hid: int, rate: dict, query: dict, **extra: Any) -> dict:
    rooms = []
    for i, room in enumerate(query["guests"]):
        names = [{"first_name": f"Adult{i}{n}", "last_name": "Guest"} for n in range(room["adults"])]
        names += [
            {"first_name": f"Child{i}{n}", "last_name": "Guest"} for n in range(len(room.get("children", [])))
        ]
        rooms.append({"adults": room["adults"], "children": room.get("children", []), "guests": names})
    body = {
        "hid": hid,
        "room": rate["room_name"],
        "book_hash": rate["book_hash"],
        "checkin": query["checkin"],
        "checkout": query["checkout"],
        "residency": query["residency"],
        "rooms": rooms,
        "user": {"email": "guest@example.com"},
        "price": rate["price"],
        "payment_token": "tok_visa",
    }
    body.update(extra)
    return body


async def book_and_wait(env: SimEnv, body: dict, key: str, timeout_s: float = 40) -> dict:
    resp = await env.book(body, key)
    assert resp.status_code == 202, resp.text
    return await env.wait_state(resp.json()["booking_id"], {"confirmed", "failed"}, timeout_s)


async def test_search_region_cheapest_rates_with_catalog_content_and_cache(sim_env: SimEnv):
    region = sim_env.catalog[5]["region"]["id"]
    names = {r["hid"]: r["name"] for r in sim_env.catalog}
    query = {**stay([{"adults": 2}]), "region_id": region}
    h = {**sim_env.api.auth("search"), "X-Session-Id": "sess-1"}
    first = await sim_env.api.client.post("/v1/search", json=query, headers=h)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["cached"] is False and page["total_hotels"] >= 1
    assert int(first.headers["ratelimit-remaining"]) < int(first.headers["ratelimit-limit"])
    prices = []
    for hotel in page["hotels"]:
        assert hotel["name"] == names[hotel["hid"]]
        assert hotel["image"] and "{size}" not in hotel["image"] and hotel["address"]
        assert 1 <= len(hotel["rates"]) <= 2
        assert "book_hash" not in hotel["rates"][0]  # result pages never carry booking hashes
        amounts = [Decimal(r["price"]["amount"]) for r in hotel["rates"]]
        assert amounts == sorted(amounts)
        prices.append(amounts[0])
    assert prices == sorted(prices)
    second = await sim_env.api.client.post("/v1/search", json=query, headers=h)
    assert second.json() == {**page, "cached": True}
    await sim_env.api.services.search_events.flush()  # search events are written in batches
    with open_store(sim_env.settings) as store:
        searches = [orjson.loads(e.value) for e in read_after(store, 0) if e.topic == "search.events"]
    assert [(s["type"], s["aggregate_id"], s["region_id"]) for s in searches] == [
        ("search.performed", "sess-1", region)
    ] * 2


async def test_search_by_hids_and_geo(sim_env: SimEnv):
    hids = [r["hid"] for r in sim_env.catalog[3:8]]
    resp = await sim_env.api.client.post(
        "/v1/search", json={**stay([{"adults": 1}]), "hids": hids}, headers=sim_env.api.auth("search")
    )
    assert resp.status_code == 200, resp.text
    assert {h["hid"] for h in resp.json()["hotels"]} <= set(hids) and resp.json()["hotels"]
    rec = sim_env.catalog[4]
    geo = {"latitude": rec["latitude"], "longitude": rec["longitude"], "radius_m": 20_000}
    resp = await sim_env.api.client.post(
        "/v1/search", json={**stay([{"adults": 1}]), "geo": geo}, headers=sim_env.api.auth("search")
    )
    assert resp.status_code == 200, resp.text
    assert rec["hid"] in {h["hid"] for h in resp.json()["hotels"]}


async def test_suggest_and_hotel_content_with_policies(sim_env: SimEnv):
    rec = sim_env.catalog[6]
    city = rec["region"]["name"]
    resp = await sim_env.api.client.get(
        "/v1/suggest", params={"q": city[:5]}, headers=sim_env.api.auth("search")
    )
    assert resp.status_code == 200, resp.text
    assert any(r["name"] == city for r in resp.json()["regions"])
    hotel = (
        await sim_env.api.client.get(f"/v1/hotels/{rec['hid']}", headers=sim_env.api.auth("search"))
    ).json()
    assert hotel["name"] == rec["name"] and hotel["stars"] == rec["star_rating"]
    assert hotel["policies"]["metapolicy"] == rec["metapolicy_struct"]
    assert hotel["policies"]["extra_info"] == rec.get("metapolicy_extra_info")


async def test_prebook_shows_the_price_change_and_booking_at_the_new_price(sim_env: SimEnv):
    query = stay([{"adults": 2}])
    rate = await cheapest_rate(sim_env, PLUS_10, query)
    resp = await sim_env.api.client.post(
        "/v1/prebook",
        json={"book_hash": rate["book_hash"], "expected_price": rate["price"]["amount"]},
        headers=sim_env.api.auth("search"),
    )
    assert resp.status_code == 200, resp.text
    pre = resp.json()
    assert pre["price_changed"] is True and pre["previous_price"] == rate["price"]["amount"]
    new = Decimal(pre["price"]["amount"])
    # The supplier raises each night by 10 % and rounds it half-up to the cent; the stay is their sum.
    raised_nights = [
        (Decimal(p) * Decimal("1.1")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for p in rate["daily_prices"]
    ]
    assert len(raised_nights) == 2 and new == sum(raised_nights)
    assert "price changed" in pre["message"]
    # Booked at the old price the saga stops at prebook; at the shown new price it confirms.
    doc = await book_and_wait(sim_env, booking_for(PLUS_10, rate, query), "plus10-key-old")
    assert doc["state"] == "failed" and "PriceChanged" in doc["failure"]
    body = booking_for(PLUS_10, rate, query, price={"amount": str(new), "currency": "EUR"})
    doc = await book_and_wait(sim_env, body, "plus10-key-new")
    assert (
        doc["state"] == "confirmed"
        and doc["price"]["amount"] == str(new)
        and doc["supplier"]["price_changed"]
    )


async def test_certification_bookings(sim_env: SimEnv):
    cases = {
        "two-rooms": stay([{"adults": 2, "children": [3]}, {"adults": 2, "children": [1, 5, 17]}]),
        "children-0-17": stay([{"adults": 2, "children": [0, 17]}]),
        "residency-uz": stay([{"adults": 2}], residency="uz"),
    }

    async def run(name: str, query: dict) -> dict:
        rate = await cheapest_rate(sim_env, TEST_HOTEL, query)
        return await book_and_wait(sim_env, booking_for(TEST_HOTEL, rate, query), f"cert-{name}")

    docs = dict(zip(cases, await asyncio.gather(*(run(n, q) for n, q in cases.items())), strict=True))
    for name, doc in docs.items():
        assert doc["state"] == "confirmed", (name, doc["failure"], doc["history"])
        assert doc["payment"]["state"] == "captured"
    assert [len(r["names"]) for r in docs["two-rooms"]["rooms"]] == [3, 5]
    assert docs["residency-uz"]["residency"] == "uz"
    # Taxes the supplier does not include are shown apart and not added to the price.
    assert all("taxes_at_hotel" in d["price"] for d in docs.values())


@pytest.mark.parametrize(
    ("trigger", "state", "reason"),
    [
        ("unknown_success", "confirmed", None),
        ("unknown_soldout", "failed", "soldout"),
        ("unknown_book_limit", "failed", "book_limit"),
        ("unknown_provider", "failed", "provider"),
        ("soldout", "failed", "soldout"),
        ("insufficient_b2b_balance", "failed", "insufficient_b2b_balance"),
    ],
)
async def test_sandbox_triggers(sim_env: SimEnv, trigger: str, state: str, reason: str | None, caplog):
    caplog.set_level(logging.ERROR)
    query = stay([{"adults": 2}])
    rate = await cheapest_rate(sim_env, TEST_HOTEL, query)
    doc = await book_and_wait(
        sim_env, booking_for(TEST_HOTEL, rate, query, sandbox_trigger=trigger), f"trg-{trigger}"
    )
    assert doc["state"] == state, doc["history"]
    if reason:
        assert reason in doc["failure"]
        assert doc["payment"]["state"] == "voided"  # compensated
        payments = [p for p in sim_env.payments_sim.ledger.payments.values() if p.reference == doc["id"]]
        assert [p.status for p in payments] == ["voided"]
    # A failed order needs no cancellation and an operator has nothing to do.
    assert "OPERATOR ALERT" not in caplog.text


async def test_cancel_and_not_cancellable(sim_env: SimEnv):
    query = stay([{"adults": 2}])
    rate = await cheapest_rate(sim_env, TEST_HOTEL, query)
    ok, refused = await asyncio.gather(
        book_and_wait(sim_env, booking_for(TEST_HOTEL, rate, query), "cancel-ok-key"),
        book_and_wait(
            sim_env,
            booking_for(TEST_HOTEL, rate, query, sandbox_trigger="order_not_cancellable"),
            "cancel-refused-key",
        ),
    )
    assert ok["state"] == refused["state"] == "confirmed"
    resp = await sim_env.api.client.post(f"/v1/bookings/{ok['id']}/cancel", headers=sim_env.api.auth())
    assert resp.status_code == 202, resp.text
    expected_penalty = ok["price"]["amount"] if not rate["refundable"] else "0"
    assert Decimal(resp.json()["penalty"]["amount"]) == Decimal(expected_penalty)
    doc = await sim_env.wait_state(ok["id"], {"cancelled"})
    assert doc["cancel"]["supplier_amount_refunded"] is not None or doc["cancel"]["refund"] == "0"
    await sim_env.api.client.post(f"/v1/bookings/{refused['id']}/cancel", headers=sim_env.api.auth())
    for _ in range(100):
        doc = (
            await sim_env.api.client.get(f"/v1/bookings/{refused['id']}", headers=sim_env.api.auth())
        ).json()
        if doc["cancel"] and doc["cancel"]["error"]:
            break
        await asyncio.sleep(0.1)
    assert doc["state"] == "confirmed" and "order_not_cancellable" in doc["cancel"]["error"]


async def test_last_room_200_concurrent_requests_one_booking(sim_env: SimEnv):
    query = stay([{"adults": 2}], nights=2, checkin=CHECKIN + timedelta(days=10))
    rate = await cheapest_rate(sim_env, TEST_HOTEL, query)
    nights = [CHECKIN + timedelta(days=10 + i) for i in range(2)]
    put = await sim_env.api.client.put(
        f"/v1/inventory/{TEST_HOTEL}/{rate['room_name']}",
        json={"nights": [{"night": n.isoformat(), "allotment": 1} for n in nights]},
        headers=sim_env.api.auth("inventory"),
    )
    assert put.status_code == 200 and [n["available"] for n in put.json()["nights"]] == [1, 1]
    body = booking_for(TEST_HOTEL, rate, query)
    answers = await asyncio.gather(*(sim_env.book(body, f"last-room-{i:04d}") for i in range(200)))
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code == 409]
    assert len(accepted) == 1 and len(refused) == 199
    assert all(
        r.json()["type"].endswith("/sold-out") and r.json()["errors"][0]["field"] == "room" for r in refused
    )
    doc = await sim_env.wait_state(accepted[0].json()["booking_id"], {"confirmed", "failed"})
    assert doc["state"] == "confirmed"
    with open_store(sim_env.settings) as store:
        counters = inventory.night_inventory(store, TEST_HOTEL, rate["room_name"], nights)
    assert [(c.allotment, c.held, c.available) for c in counters] == [(1, 1, 0), (1, 1, 0)]


async def test_50_repeats_of_one_idempotency_key_one_booking(sim_env: SimEnv):
    query = stay([{"adults": 2}])
    rate = await cheapest_rate(sim_env, TEST_HOTEL, query)
    body = booking_for(TEST_HOTEL, rate, query)
    answers = await asyncio.gather(*(sim_env.book(body, "same-key-for-all-50") for _ in range(50)))
    assert {a.status_code for a in answers} == {202}
    ids = {a.json()["booking_id"] for a in answers}
    assert len(ids) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 49
    doc = await sim_env.wait_state(ids.pop(), {"confirmed", "failed"})
    assert doc["state"] == "confirmed"
    payments = [p for p in sim_env.payments_sim.ledger.payments.values() if p.reference == doc["id"]]
    assert len(payments) == 1
    # The same key with another body is refused.
    other = await sim_env.book({**body, "user": {"email": "other@example.com"}}, "same-key-for-all-50")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
