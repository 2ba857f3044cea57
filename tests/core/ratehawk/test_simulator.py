"""The simulator's wire: auth, envelopes, search, content, dumps, rate limits and injected faults."""

from __future__ import annotations

import hashlib
import math
import time
from decimal import Decimal

import pytest
import zstandard

from core.ratehawk.synthetic import TEST_HOTEL_HID, hid_at, hotel_basics, hotel_record, region_of
from tests.core.ratehawk.sim_helpers import API, simulator


async def test_auth_missing_and_wrong():
    async with simulator() as sim:
        sim.http.auth = None
        missing = await sim.http.post(API + "hotel/info/", json={"hid": TEST_HOTEL_HID})
        assert (missing.status_code, missing.json()["error"]) == (403, "no_auth_header")
        wrong = await sim.http.post(API + "hotel/info/", json={"hid": TEST_HOTEL_HID}, auth=("1000", "nope"))
        assert (wrong.status_code, wrong.json()["error"]) == (403, "incorrect_credentials")


async def test_bad_input_gets_the_contract_error_envelope():
    async with simulator() as sim:
        garbage = await sim.http.post(API + "search/hp/", content=b"{not json")
        assert (garbage.status_code, garbage.json()["error"]) == (400, "decoding_json")
        array = await sim.http.post(API + "search/hp/", json=[1, 2])
        assert (array.status_code, array.json()["error"]) == (400, "body_must_be_json_object")
        for body, words in [
            ({**sim.stay(days_ahead=-1), "hid": TEST_HOTEL_HID}, "past"),
            ({**sim.stay(nights=31), "hid": TEST_HOTEL_HID}, "30 nights"),
            ({**sim.stay(days_ahead=800), "hid": TEST_HOTEL_HID}, "730 days"),
            ({**sim.stay(guests=[{"adults": 2, "children": [18]}]), "hid": TEST_HOTEL_HID}, "0 to 17"),
            ({**sim.stay(guests=[{"adults": 7}]), "hid": TEST_HOTEL_HID}, "1 to 6"),
            ({**sim.stay(currency="XXX"), "hid": TEST_HOTEL_HID}, "currency"),
            (sim.stay(), "hid"),
        ]:
            answer = await sim.raw("search/hp/", body)
            payload = answer.json()
            assert (answer.status_code, payload["status"], payload["error"]) == (
                400,
                "error",
                "invalid_params",
            )
            assert words in payload["debug"]["validation_error"], payload
        unknown = await sim.raw("no/such/endpoint/", {})
        assert unknown.status_code == 404


async def test_rates_are_deterministic_and_priced_in_decimal_strings():
    async with simulator() as sim:
        hid = hid_at(5)
        first = await sim.hotel_page(hid)
        again = await sim.hotel_page(hid)
        assert first and first == again
    async with simulator() as other:  # a fresh simulator with the same seed gives the same rates
        assert await other.hotel_page(hid) == first
        uz = await other.hotel_page(hid, residency="uz")
        usd = await other.hotel_page(hid, currency="USD")
    assert [r["daily_prices"] for r in uz] != [r["daily_prices"] for r in first]
    for rate in first + usd:
        (deposit, *_) = rate["payment_options"]["payment_types"]
        assert deposit["amount"] == str(sum(Decimal(p) for p in rate["daily_prices"]))
        assert all(len(p.split(".")[1]) == 2 for p in rate["daily_prices"])
        assert rate["book_hash"].startswith("h-") and rate["match_hash"].startswith("m-")
        for tax in deposit["tax_data"]["taxes"]:
            Decimal(tax["amount"])
    assert {r["payment_options"]["payment_types"][0]["currency_code"] for r in usd} == {"USD"}
    eur = min(Decimal(r["payment_options"]["payment_types"][0]["amount"]) for r in first)
    dollars = min(Decimal(r["payment_options"]["payment_types"][0]["amount"]) for r in usd)
    assert dollars > eur
    amounts = [Decimal(r["payment_options"]["payment_types"][0]["amount"]) for r in first]
    assert amounts == sorted(amounts)


async def test_serp_endpoints_return_matching_hotels_without_book_hashes():
    async with simulator(serp_rates_per_hotel=2) as sim:
        region = region_of(2, hid_at(7))
        answer = await sim.call("search/serp/region/", {**sim.stay(), "region_id": region.id})
        hotels = answer["data"]["hotels"]
        assert hotels and answer["data"]["total_hotels"] == len(hotels)
        for hotel in hotels:
            assert hotel_basics(2, hotel["hid"]).region.id == region.id
            assert 1 <= len(hotel["rates"]) <= 2
            assert all(rate["book_hash"] is None for rate in hotel["rates"])

        wanted = [hid_at(i) for i in range(3, 13)] + [999]
        answer = await sim.call("search/serp/hotels/", {**sim.stay(), "hids": wanted})
        assert {h["hid"] for h in answer["data"]["hotels"]} <= set(wanted) - {999}
        assert answer["data"]["hotels"]

        basics = hotel_basics(2, hid_at(7))
        body = {**sim.stay(), "latitude": basics.latitude, "longitude": basics.longitude, "radius": 3000}
        answer = await sim.call("search/serp/geo/", body)
        for hotel in answer["data"]["hotels"]:
            b = hotel_basics(2, hotel["hid"])
            dy = (b.latitude - basics.latitude) * 111_195
            dx = (b.longitude - basics.longitude) * 111_195 * math.cos(math.radians(basics.latitude))
            assert math.hypot(dx, dy) <= 3000


async def test_hotel_info_and_multicomplete():
    async with simulator() as sim:
        hid = hid_at(42)
        answer = await sim.call("hotel/info/", {"hid": hid, "language": "en"})
        assert answer["data"] == hotel_record(2, hid)
        by_slug = await sim.call("hotel/info/", {"id": answer["data"]["id"], "language": "en"})
        assert by_slug["data"]["hid"] == hid
        assert (await sim.call("hotel/info/", {"hid": hid_at(5000)}))["error"] == "hotel_not_found"

        word = hotel_basics(2, hid).name.split()[-1]
        suggest = await sim.call("search/multicomplete/", {"query": word.lower(), "language": "en"})
        assert 1 <= len(suggest["data"]["hotels"]) <= 5
        assert all(word.lower() in h["name"].lower() for h in suggest["data"]["hotels"])
        cities = await sim.call("search/multicomplete/", {"query": "lond", "language": "en"})
        assert cities["data"]["regions"][0]["name"] == "London"


async def test_rate_limit_gives_429_with_headers_then_resets():
    async with simulator(rate_limits=True, limits={"hotel/info/": (3, 60)}) as sim:
        seen = []
        for _ in range(4):
            answer = await sim.raw("hotel/info/", {"hid": TEST_HOTEL_HID})
            seen.append((answer.status_code, answer.headers["X-RateLimit-Remaining"]))
        assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
        assert answer.json()["error"] == "endpoint_exceeded_limit"
        assert answer.headers["X-RateLimit-RequestsNumber"] == "3"
        assert answer.headers["X-RateLimit-SecondsNumber"] == "60"
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        assert answer.headers["X-RateLimit-Reset"].count("T") == 1
        other_endpoint = await sim.raw("search/multicomplete/", {"query": "rome"})
        assert other_endpoint.status_code == 200
        sim.clock.advance(61)
        assert (await sim.raw("hotel/info/", {"hid": TEST_HOTEL_HID})).status_code == 200
        overview = await sim.http.get(API + "overview/")
        limits = {e["endpoint"]: e for e in overview.json()["data"]}
        assert limits["api/b2b/v3/hotel/info/"]["requests_number"] == 3
        assert limits["api/b2b/v3/search/serp/region/"]["requests_number"] == 30


async def test_dump_link_is_signed_serves_ranges_and_expires(tmp_path):
    async with simulator(hotels=200, dump_dir=tmp_path) as sim:
        first = await sim.call("hotel/info/dump/", {"language": "en"})
        assert first["error"] == "dump_not_ready"
        assert sim.state.dumps.wait(60)
        link = (await sim.call("hotel/info/dump/", {"language": "en"}))["data"]
        url = link["url"]
        sim.http.auth = None  # the link itself is the credential
        whole = await sim.http.get(url)
        assert whole.status_code == 200
        assert hashlib.sha256(whole.content).hexdigest() == whole.headers["x-checksum-sha256"]
        lines = zstandard.ZstdDecompressor().decompress(whole.content, max_output_size=1 << 30).splitlines()
        assert len(lines) == 200
        part = await sim.http.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == whole.content[100:200]
        forged = await sim.http.get(url.replace("signature=", "signature=0"))
        assert forged.status_code == 403
        sim.clock.advance(3601)
        assert (await sim.http.get(url)).status_code == 403
        sim.http.auth = ("1000", "00000000-0000-4000-8000-000000000000")
        regions = await sim.call("hotel/region/dump/", {"language": "en"})
        incremental = await sim.call("hotel/info/incremental_dump/", {"language": "en"})
        assert regions["data"]["url"] != incremental["data"]["url"]


async def test_fault_settings_change_at_run_time():
    async with simulator() as sim:
        body = {"hid": TEST_HOTEL_HID}
        set_errors = await sim.http.post("/admin/faults", json={"error_rate": 1.0})
        assert set_errors.json()["data"]["error_rate"] == 1.0
        failing = await sim.raw("hotel/info/", body)
        assert (failing.status_code, failing.json()["error"]) == (500, "unknown")

        await sim.http.put("/admin/faults", json={"burst_every": 3, "burst_length": 2})
        codes = [(await sim.raw("hotel/info/", body)).status_code for _ in range(7)]
        assert codes == [200, 200, 503, 503, 200, 503, 503]

        await sim.http.put("/admin/faults", json={"timeout_rate": 1.0, "timeout_s": 0.01,
                                                  "endpoints": ["hotel/order/booking/form/"]})  # fmt: skip
        rates = await sim.hotel_page(TEST_HOTEL_HID)  # not in `endpoints`: unaffected
        form = {"partner_order_id": "late-form", "book_hash": rates[0]["book_hash"], "language": "en",
                "user_ip": "1.1.1.1"}  # fmt: skip
        timed_out = await sim.raw("hotel/order/booking/form/", form)
        assert (timed_out.status_code, timed_out.json()["error"]) == (504, "timeout")
        sim.clock.advance(5)
        await sim.http.put("/admin/faults", json={})
        # the timed-out form did go through: the same id is now a double booking
        assert (await sim.call("hotel/order/booking/form/", form))["error"] == "double_booking_form"

        await sim.http.put("/admin/faults", json={"latency_ms": 60})
        started = time.perf_counter()
        assert (await sim.raw("hotel/info/", body)).status_code == 200
        assert time.perf_counter() - started >= 0.06

        refused = await sim.http.post("/admin/faults", json={"error_rate": 2})
        assert refused.status_code == 400
        stats = (await sim.http.get("/admin/stats")).json()["data"]
        assert stats["hotel/info/ unknown"] == 5


@pytest.mark.parametrize("endpoint", ["search/serp/region/", "search/serp/geo/", "search/serp/hotels/"])
async def test_search_requires_its_own_fields(endpoint):
    async with simulator() as sim:
        answer = await sim.raw(endpoint, sim.stay())
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_params")
