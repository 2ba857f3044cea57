"""The auth matrix, walked from the OpenAPI document rather than hand-listed: every `/v1` operation is
called with no key, a bad key, a key of each scope it does not grant, and another partner's key for a
resource it does not own. Each answers 401, 403 or 404 as documented: never a 2xx, never a 5xx."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from core import webhooks
from core.booking import records
from core.config import Settings
from core.kv import open_store
from tests.booking_api.conftest import Api, make_keys, v1_operations
from tests.core.booking.conftest import make_booking

GRANTS = {"search": {"search"}, "book": {"search", "book"}, "inventory": {"inventory"}, "admin": {"*"}}
OWNED = ("booking_id", "user_id", "webhook_id")  # path parameters naming a partner's own resource


def required_scope(op: dict[str, Any]) -> str:
    (scope,) = {s for requirement in op["security"] for scopes in requirement.values() for s in scopes}
    return scope  # type: ignore[no-any-return]


def url_for(path: str, op: dict[str, Any], values: dict[str, str]) -> str:
    types = {p["name"]: p["schema"].get("type") for p in op.get("parameters", []) if p["in"] == "path"}
    fill = {name: values.get(name, "8473727" if kind == "integer" else "x1") for name, kind in types.items()}
    return re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)


async def call(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    body = {} if method in ("POST", "PUT") else None
    return await client.request(method, url, json=body, headers=headers)


async def test_no_key_a_bad_key_and_a_key_without_the_scope_are_refused(
    api: Api, openapi_doc: dict[str, Any]
) -> None:
    ops = v1_operations(openapi_doc)
    assert len(ops) >= 15
    for method, path, op in ops:
        url, scope = url_for(path, op, {}), required_scope(op)
        missing = await call(api.client, method, url, {})
        assert missing.status_code == 401, f"{method} {path} without a key: {missing.status_code}"
        assert missing.json()["errors"][0]["field"] == "Authorization"
        assert missing.headers["www-authenticate"].startswith("Bearer")
        bad = await call(api.client, method, url, {"Authorization": "Bearer ibe_not_a_key"})
        assert bad.status_code == 401, f"{method} {path} with a bad key: {bad.status_code}"
        also_bad = await call(api.client, method, url, {"X-API-Key": "ibe_not_a_key"})
        assert also_bad.status_code == 401, f"{method} {path} with a bad X-API-Key: {also_bad.status_code}"
        for held, grants in GRANTS.items():
            answer = await call(api.client, method, url, api.auth(held))
            name = f"{method} {path} (needs `{scope}`) with a `{held}` key"
            assert answer.status_code < 500, f"{name}: {answer.status_code} {answer.text}"
            if scope in grants or "*" in grants:
                assert answer.status_code not in (401, 403), f"{name}: {answer.status_code} {answer.text}"
            else:
                assert answer.status_code == 403, f"{name}: {answer.status_code}"
                assert f"`{scope}`" in answer.json()["detail"]


async def test_another_partners_key_finds_nothing_it_does_not_own(
    api: Api, openapi_doc: dict[str, Any], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    others = make_keys(settings, partner="p2")
    with open_store(settings) as store:
        booking, _ = records.create_booking(store, make_booking("bk-owned-1"), "k1", "owned-1", "body")
        hook = webhooks.register_webhook(store, "p1", "https://partner.example/hook")
        queued = webhooks.enqueue(store, hook, "ev-owned-1", "booking.confirmed", b"{}")
        assert queued is not None
        webhooks.park(store, queued, "HTTP 410")
    values = {"booking_id": booking.id, "user_id": booking.user_id, "webhook_id": hook.webhook_id}
    tried = []
    for method, path, op in v1_operations(openapi_doc):
        if not any(f"{{{name}}}" in path for name in OWNED):
            continue
        scope = required_scope(op)
        answer = await call(
            api.client, method, url_for(path, op, values), {"Authorization": f"Bearer {others[scope]}"}
        )
        assert answer.status_code == 404, f"{method} {path} with p2's key: {answer.status_code} {answer.text}"
        tried.append(f"{method} {path}")
    assert len(tried) >= 4, tried

    p2 = {"Authorization": f"Bearer {others['book']}"}
    replay = await api.client.post(
        "/v1/webhooks/dead/replay", json={"delivery_ids": [queued.delivery_id]}, headers=p2
    )
    assert replay.status_code == 404 and replay.json()["errors"][0]["field"] == "delivery_ids"
    assert (await api.client.get("/v1/webhooks", headers=p2)).json() == {"webhooks": []}
    assert (await api.client.get("/v1/webhooks/dead", headers=p2)).json() == {"deliveries": []}

    # p1 still has all of it: the booking, its webhook and the parked delivery, and may replay it.
    p1 = api.auth("book")
    assert (await api.client.get(f"/v1/bookings/{booking.id}", headers=p1)).json()["state"] == "received"
    assert [
        w["webhook_id"] for w in (await api.client.get("/v1/webhooks", headers=p1)).json()["webhooks"]
    ] == [hook.webhook_id]
    replayed = await api.client.post(
        "/v1/webhooks/dead/replay", json={"delivery_ids": [queued.delivery_id]}, headers=p1
    )
    assert replayed.json() == {"replayed": 1}


async def test_no_api_key_or_webhook_secret_rests_in_clear(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """After keys are used, a webhook registered and its secret rotated, no file of the data folder
    (store, its journal, engine logs, warehouse) and no log line holds a key or a secret."""
    caplog.set_level(logging.DEBUG)
    created = await api.client.post(
        "/v1/webhooks", json={"url": "https://partner.example/hook"}, headers=api.auth("book")
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    with open_store(settings) as store:
        rotated = webhooks.rotate_secret(store, "p1", created.json()["webhook_id"], overlap_s=3600)
    for scope in GRANTS:
        assert (await api.client.get("/v1/webhooks", headers=api.auth(scope))).status_code in (200, 403)
    needles = {*api.keys.values(), secret, rotated.secret}
    needles |= {n.removeprefix("whsec_") for n in needles}
    files = [p for p in settings.data_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("kv.sqlite3") for p in files), "the store was not found to scan"
    leaks = [(p, n) for p in files for n in needles if n.encode() in p.read_bytes()]
    assert not leaks, leaks
    assert not [n for n in needles if n in caplog.text]
