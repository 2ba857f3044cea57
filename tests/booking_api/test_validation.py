"""Bad input gets the right 4xx as RFC 9457 problem+json naming the field and the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.booking_api.conftest import Api

IN_30 = date.today() + timedelta(days=30)


def search_body(**overrides):
    body = {
        "checkin": IN_30.isoformat(),
        "checkout": (IN_30 + timedelta(days=2)).isoformat(),
        "residency": "gb",
        "currency": "EUR",
        "guests": [{"adults": 2, "children": []}],
        "region_id": 2395,
    }
    body.update(overrides)
    return body


def booking_body(**overrides):
    body = {
        "hid": 8473727,
        "room": "Standard Double",
        "book_hash": "h-11111111-1111-1111-1111-111111111111",
        "checkin": IN_30.isoformat(),
        "checkout": (IN_30 + timedelta(days=2)).isoformat(),
        "residency": "gb",
        "rooms": [{"adults": 2, "children": [], "guests": [
            {"first_name": "Ada", "last_name": "Lovelace"}, {"first_name": "Charles", "last_name": "Babbage"}]}],
        "user": {"email": "ada@example.com"},
        "price": {"amount": "250.00", "currency": "EUR"},
        "payment_token": "tok_visa",
    }  # fmt: skip
    body.update(overrides)
    return body


def problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert doc["status"] == status and doc["type"].startswith("https://") and doc["title"]
    return doc


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"checkin": "2020-01-01", "checkout": "2020-01-03"}, "checkin", "in the past"),
        ({"checkout": (IN_30 - timedelta(days=1)).isoformat()}, "checkout", "checkout must be after checkin"),
        ({"checkout": (IN_30 + timedelta(days=31)).isoformat()}, "checkout", "at most 30 nights"),
        ({"guests": [{"adults": 7}]}, "guests[0].adults", "less than or equal to 6"),
        (
            {"guests": [{"adults": 2, "children": [4, 18]}]},
            "guests[0].children[1]",
            "less than or equal to 17",
        ),
        ({"currency": "XYZ"}, "currency", "unknown currency 'XYZ'"),
        ({"guests": []}, "guests", "at least 1 item"),
    ],
)
async def test_search_rejects_bad_stays(api: Api, overrides, field, reason):
    doc = problem(
        await api.client.post("/v1/search", json=search_body(**overrides), headers=api.auth("search")), 422
    )
    assert {"field": field, "reason": doc["errors"][0]["reason"]} in doc["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in doc["errors"]), doc


async def test_one_search_target_is_required(api: Api):
    body = search_body(hids=[1, 2])
    doc = problem(await api.client.post("/v1/search", json=body, headers=api.auth("search")), 422)
    assert "exactly one of region_id, hids or geo" in doc["detail"]


async def test_malformed_json_is_400(api: Api):
    resp = await api.client.post(
        "/v1/search",
        content=b'{"checkin": "2030-01-01",',
        headers={**api.auth("search"), "content-type": "application/json"},
    )
    doc = problem(resp, 400)
    assert doc["errors"][0]["field"] == "body" and "malformed JSON" in doc["errors"][0]["reason"]


async def test_missing_and_wrong_credentials_are_401(api: Api):
    doc = problem(await api.client.post("/v1/search", json=search_body()), 401)
    assert doc["errors"] == [{"field": "Authorization", "reason": "missing"}]
    resp = await api.client.post(
        "/v1/search", json=search_body(), headers={"Authorization": "Bearer ibe_nope"}
    )
    assert problem(resp, 401)["type"].endswith("invalid-credentials")
    assert resp.headers["www-authenticate"].startswith("Bearer")


async def test_wrong_scope_is_403(api: Api):
    doc = problem(await api.client.post("/v1/bookings", json=booking_body(), headers=api.auth("search")), 403)
    assert "lacks the `book` scope" in doc["detail"]
    doc = problem(
        await api.client.put("/v1/inventory/1/std", json={"nights": []}, headers=api.auth("book")), 403
    )
    assert "`inventory`" in doc["detail"]


async def test_booking_validation(api: Api):
    h = {**api.auth("book"), "Idempotency-Key": "validation-0001"}
    doc = problem(
        await api.client.post("/v1/bookings", json=booking_body(checkin="2020-01-01"), headers=h), 422
    )
    assert doc["errors"][0]["field"] == "checkin"
    rooms = [{"adults": 2, "children": [5], "guests": [{"first_name": "A", "last_name": "B"}]}]
    doc = problem(await api.client.post("/v1/bookings", json=booking_body(rooms=rooms), headers=h), 422)
    assert "3 guest name(s) needed, 1 given" in doc["detail"]
    doc = problem(
        await api.client.post(
            "/v1/bookings", json=booking_body(price={"amount": "10", "currency": "ABC"}), headers=h
        ),
        422,
    )
    assert doc["errors"][0]["field"] == "price.currency"
    # No Idempotency-Key: refused before anything is stored.
    doc = problem(await api.client.post("/v1/bookings", json=booking_body(), headers=api.auth("book")), 400)
    assert doc["errors"][0]["field"] == "Idempotency-Key"


async def test_unknown_booking_route_and_method_are_problems(api: Api):
    doc = problem(await api.client.get("/v1/bookings/bk_nope", headers=api.auth("book")), 404)
    assert "bk_nope" in doc["detail"]
    problem(await api.client.get("/v1/nothing-here"), 404)
    problem(await api.client.delete("/v1/search", headers=api.auth("search")), 405)


async def test_rate_limit_headers_and_429(api: Api, settings):
    from tests.booking_api.conftest import make_keys

    token = make_keys(settings, partner="p-rl", rate_per_minute=1, burst=3)["search"]
    h = {"Authorization": f"Bearer {token}"}
    statuses = []
    for _ in range(5):
        resp = await api.client.get("/v1/hotels/1", headers=h)
        statuses.append(resp.status_code)
        assert resp.headers["ratelimit-limit"] == "3"
    assert statuses[:3] == [404, 404, 404] and statuses[3:] == [429, 429]
    assert int(resp.headers["retry-after"]) >= 1
    assert resp.headers["ratelimit-remaining"] == "0"
    assert problem(resp, 429)["type"].endswith("rate-limited")


def metric_sample(exposition: str, name: str, labels: dict[str, str]) -> float:
    """One sample of a Prometheus text exposition (0 when the series does not exist yet)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


async def test_health_ready_metrics_and_openapi(api: Api):
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"store", "redis", "temporal"}
    labels = {"method": "GET", "route": "/v1/hotels/{hid}", "status": "404"}

    async def not_found_count() -> float:  # a process-wide counter: the test reads how far it moves
        return metric_sample((await api.client.get("/metrics")).text, "ibe_api_requests_total", labels)

    before = await not_found_count()
    assert (await api.client.get("/v1/hotels/1", headers=api.auth("search"))).status_code == 404
    assert await not_found_count() == before + 1
    spec = (await api.client.get("/openapi.json")).json()
    assert "/v1/bookings/{booking_id}/cancel" in spec["paths"]


async def test_webhook_registration(api: Api):
    h = api.auth("book")
    resp = await api.client.post("/v1/webhooks", json={"url": "https://partner.example/hooks"}, headers=h)
    assert resp.status_code == 201, resp.text
    reg = resp.json()
    assert reg["secret"].startswith("whsec_") and reg["event_types"] == ["*"]
    listed = (await api.client.get("/v1/webhooks", headers=h)).json()["webhooks"]
    assert [w["webhook_id"] for w in listed] == [reg["webhook_id"]] and "secret" not in listed[0]
    bad = await api.client.post("/v1/webhooks", json={"url": "ftp://x.example/a"}, headers=h)
    assert problem(bad, 422)["errors"][0]["field"] == "url"
    bad = await api.client.post(
        "/v1/webhooks", json={"url": "https://p.example/h", "event_types": ["booking.nope"]}, headers=h
    )
    assert problem(bad, 422)["errors"][0]["field"] == "event_types"
    assert (await api.client.delete(f"/v1/webhooks/{reg['webhook_id']}", headers=h)).status_code == 204
    assert (await api.client.delete(f"/v1/webhooks/{reg['webhook_id']}", headers=h)).status_code == 404
    assert (await api.client.get("/v1/webhooks/dead", headers=h)).json() == {"deliveries": []}
