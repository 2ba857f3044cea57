"""Errors as RFC 9457 problem details (`application/problem+json`), naming the field and the reason.

{"type": "https://ibe.etg.example/problems/validation", "title": "Request is not valid",
 "status": 422, "detail": "checkout: must be after checkin",
 "errors": [{"field": "checkout", "reason": "must be after checkin"}],
 "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}

`trace_id` is the request's trace (also in the `X-Trace-Id` header): quote it to find the logs and spans.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.observability import current_trace_id

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://ibe.etg.example/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise from a handler or dependency to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra


def field_problem(status: int, kind: str, title: str, field: str, reason: str, **extra: Any) -> Problem:
    return Problem(
        status, kind, title, f"{field}: {reason}", errors=[{"field": field, "reason": reason}], **extra
    )


def problem_response(request: Request, problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.kind,
        "title": problem.title,
        "status": problem.status,
        "instance": request.url.path,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    body.update(problem.extra)
    headers = dict(getattr(request.state, "rate_headers", None) or {})
    headers.update(problem.headers)
    trace_id = current_trace_id()  # FastAPI's request span covers every handler, the 500 one too
    if trace_id:
        body["trace_id"] = trace_id
        headers["X-Trace-Id"] = trace_id
    return Response(orjson.dumps(body), status_code=problem.status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        source = parts.pop(0)
        if source == "header" and parts:
            return str(parts[0])
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def _reason(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "is not valid"))
    return msg.removeprefix("Value error, ")


async def _on_validation(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (first.get("ctx") or {}).get("error") or "malformed JSON"
        return problem_response(
            request,
            Problem(
                400,
                "malformed-json",
                "Body is not valid JSON",
                f"body: {reason}",
                errors=[{"field": "body", "reason": f"malformed JSON ({reason})"}],
            ),
        )
    items = [{"field": _field(e["loc"]), "reason": _reason(e)} for e in errors]
    detail = "; ".join(f"{i['field']}: {i['reason']}" for i in items)
    return problem_response(request, Problem(422, "validation", "Request is not valid", detail, errors=items))


async def _on_problem(request: Request, exc: Problem) -> Response:
    return problem_response(request, exc)


async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem_response(
        request,
        Problem(
            exc.status_code,
            kind,
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            headers=dict(exc.headers or {}),
        ),
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, Problem(500, "internal", "Internal error", "the error was logged"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(Problem, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


class FieldError(BaseModel):
    field: str = Field(description="The field, header or parameter at fault, e.g. `rooms[0].adults`.")
    reason: str


class ProblemDetail(BaseModel):
    """An RFC 9457 problem document; routes may add members of their own (e.g. `booking_id`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    instance: str
    detail: str | None = None
    errors: list[FieldError] | None = None
    trace_id: str | None = None


WHEN = {
    400: "Malformed JSON, or a required header missing.",
    401: "No API key, or one that is unknown or revoked.",
    403: "The API key lacks the scope this route needs.",
    404: "No such resource for this partner.",
    409: "The request conflicts with the current state (sold out, not cancellable, rate gone).",
    422: "A field is not valid: `errors` names each field and why.",
    429: "The key's rate limit is reached: see the `RateLimit` headers.",
    502: "The supplier answered with an error.",
    503: "The supplier or a platform service is unavailable: retry shortly.",
}
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetail"}  # added to the schema by openapi.py


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status answered as problem+json, plus 500 (logged, never a trace)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in (*statuses, 500):
        out[status] = {
            "description": WHEN.get(status, "Internal error: logged with the trace id."),
            "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}},
        }
    return out


AUTHED = (401, 403, 429)
