"""The OpenAPI document is the contract partners code against: every route says who may call it and
how it can fail, and the paginated listing walks to the end by cursor."""

from __future__ import annotations

from typing import Any

import pytest

from core.booking import records
from core.config import Settings
from core.kv import open_store
from tests.booking_api.conftest import Api, v1_operations
from tests.core.booking.conftest import make_booking

PROBLEM = "application/problem+json"


async def test_every_v1_operation_needs_a_key_and_documents_its_failures(openapi_doc: dict[str, Any]) -> None:
    schemes = openapi_doc["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == ("header", "X-API-Key")
    ops = v1_operations(openapi_doc)
    assert len(ops) >= 15
    for method, path, op in ops:
        name = f"{method} {path}"
        assert {next(iter(s)) for s in op.get("security", [])} == {"bearer", "apiKey"}, name
        assert op.get("summary") and op.get("description"), f"{name} has no docstring"
        takes_input = bool(op.get("parameters") or op.get("requestBody"))
        for status in ("401", "403", "429", "500") + (("422",) if takes_input else ()):
            assert status in op["responses"], f"{name} does not document {status}"
        for status, answer in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = answer["content"][PROBLEM]["schema"]
                assert schema == {"$ref": "#/components/schemas/ProblemDetail"}, f"{name} {status}"
            elif status != "204":
                assert "$ref" in str(answer["content"]["application/json"]["schema"]), f"{name} {status}"
    assert (
        "HTTPValidationError" not in openapi_doc["components"]["schemas"]
    )  # every 422 is a problem document


async def test_booking_creation_documents_its_idempotency_key(openapi_doc: dict[str, Any]) -> None:
    create = openapi_doc["paths"]["/v1/bookings"]["post"]
    params = {p["name"]: p for p in create["parameters"]}
    assert params["Idempotency-Key"]["in"] == "header"
    assert "400" in create["responses"]  # the answer when the header is missing


async def test_tags_are_described_and_health_is_open(openapi_doc: dict[str, Any]) -> None:
    described = {t["name"]: t["description"] for t in openapi_doc["tags"]}
    used = {tag for _, _, op in v1_operations(openapi_doc) for tag in op.get("tags", [])}
    assert used <= set(described), used - set(described)
    for path in ("/healthz", "/readyz"):
        assert "security" not in openapi_doc["paths"][path]["get"]


async def test_user_bookings_walk_to_the_end_by_cursor(api: Api, settings: Settings) -> None:
    with open_store(settings) as store:
        made = [
            records.create_booking(store, make_booking(f"bk-page-{i}"), "k1", f"page-{i}", "b")[0]
            for i in range(5)
        ]
    user = made[0].user_id
    seen: list[str] = []
    pages: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        resp = await api.client.get(f"/v1/users/{user}/bookings", params=params, headers=api.auth("book"))
        assert resp.status_code == 200, resp.text
        page = resp.json()
        pages.append(len(page["bookings"]))
        seen += [b["booking_id"] for b in page["bookings"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [2, 2, 1]
    assert seen == sorted(b.id for b in made)


@pytest.mark.parametrize("limit", ["0", "201", "many"])
async def test_a_bad_page_size_names_the_field(api: Api, limit: str) -> None:
    resp = await api.client.get("/v1/users/u1/bookings", params={"limit": limit}, headers=api.auth("book"))
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in resp.json()["errors"]] == ["limit"]
