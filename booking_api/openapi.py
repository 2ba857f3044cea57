"""The OpenAPI document: tag descriptions, and the problem+json schema every error response refers to."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from booking_api.problems import ProblemDetail

TAGS = [
    {"name": "search", "description": "Result pages (cached a minute), the hotel page's rates and prebook "
     "(never cached, per ETG). Needs the `search` scope."},
    {"name": "catalog", "description": "Hotel content and autocomplete, from the platform's own catalog and "
     "search index: no supplier call. Needs the `search` scope."},
    {"name": "bookings", "description": "Create a booking (a Temporal saga: hold, authorize, supplier order, "
     "capture, with compensations), follow it, cancel it. Needs the `book` scope."},
    {"name": "users", "description": "A partner's customer's bookings, newest last, by cursor."},
    {"name": "inventory", "description": "Managed allotments per hotel, room and night. Needs `inventory`."},
    {"name": "webhooks", "description": "Booking events pushed in the Standard Webhooks format; parked "
     "deliveries and their replay. Needs the `book` scope."},
    {"name": "health", "description": "Liveness and readiness, for orchestrators; no key needed."},
]  # fmt: skip


def install(app: FastAPI) -> None:
    """Build the document once, on first request, with `ProblemDetail` among its components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes, tags=TAGS,
            )  # fmt: skip
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            problem = ProblemDetail.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["ProblemDetail"] = problem
            for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced by ours
                if f"/{unused}" not in str(doc["paths"]):
                    schemas.pop(unused, None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
