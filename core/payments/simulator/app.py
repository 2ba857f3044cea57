"""HTTP face of the simulated card payment provider (a Starlette app; core stays FastAPI-free).

    POST /v1/payments                    authorize   {amount, currency, card_token, reference?}
    POST /v1/payments/{id}/capture       capture     {amount?, currency?}  (partial or full, once)
    POST /v1/payments/{id}/void          void
    POST /v1/payments/{id}/refunds       refund      {amount?, currency?}  (partial, several)
    GET  /v1/payments/{id}               the payment
    GET  /v1/payments?reference=R        payments made for a reference
    GET|POST /admin/faults, POST /admin/reset, GET /health

Auth is `Authorization: Bearer <api key>`. Every POST needs an `Idempotency-Key`: a repeat with
the same key and body gets the first answer again (`Idempotent-Replayed: true`), also while the
first is still running (it waits for it); the same key with another body is refused. Errors are
`{"error": {"code", "message", "payment_id"}}`.

Faults (at start through `SimulatorConfig.faults`, at run time through `POST /admin/faults`):
added latency, a share of calls or the next N calls answered 503 before anything happens, and
per operation "hang before" (nothing happens, no answer in time) or "hang after commit" (the
operation is done, but the answer comes too late): the case a saga must resolve by retrying with
the same idempotency key. The test cards `tok_timeout` and `tok_timeout_after_charge` do the same
for one authorization.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.payments.models import (
    CARD_TIMEOUT_AFTER_CHARGE,
    CARD_TIMEOUT_BEFORE_CHARGE,
    IDEMPOTENCY_HEADER,
    REPLAY_HEADER,
    AmountRequest,
    AuthorizeRequest,
    Payment,
)
from core.payments.simulator.ledger import Ledger, Refusal

OPERATIONS = ("authorize", "capture", "void", "refund")


@dataclass
class Faults:
    latency_s: float = 0.0
    error_rate: float = 0.0
    fail_next: int = 0
    hang_s: float = 30.0
    hang_before: dict[str, int] = field(default_factory=dict)  # operation -> next N calls
    hang_after_commit: dict[str, int] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name in ("hang_before", "hang_after_commit"):
            value = changes.get(name, {})
            if not isinstance(value, dict) or set(value) - set(OPERATIONS):
                raise ValueError(f"{name} maps operations ({', '.join(OPERATIONS)}) to counts")
        for name, value in changes.items():
            setattr(self, name, dict(value) if isinstance(value, dict) else type(getattr(self, name))(value))

    def take(self, table: dict[str, int], operation: str) -> bool:
        if table.get(operation, 0) > 0:
            table[operation] -= 1
            return True
        return False


@dataclass
class SimulatorConfig:
    api_key: str = "sk_test_ibe"
    faults: Faults = field(default_factory=Faults)
    seed: int | None = None


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: dict[str, Any]


class PaymentsSimulator:
    """State of one simulator instance: the ledger, the idempotency records, the faults."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.faults = config.faults
        self.ledger = Ledger()
        self.random = random.Random(config.seed)
        self.idempotency: dict[str, _Stored] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._hung_keys: set[str] = set()
        self.processed: dict[str, int] = dict.fromkeys(OPERATIONS, 0)  # operations really carried out

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(token.strip(), self.config.api_key)

    async def mutate(self, request: Request, operation: str, payment_id: str | None) -> Response:
        if not self.authorized(request):
            return _error(401, "unauthorized", "Missing or wrong API key.")
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > 255:
            return _error(
                400, "idempotency_key_required", f"Send an {IDEMPOTENCY_HEADER} header (1-255 chars)."
            )
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _error(400, "invalid_request", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return _error(400, "invalid_request", "The body must be a JSON object.")

        faults = self.faults
        if faults.latency_s:
            await asyncio.sleep(faults.latency_s)
        if faults.fail_next > 0 or (faults.error_rate and self.random.random() < faults.error_rate):
            faults.fail_next = max(0, faults.fail_next - 1)
            return _error(503, "service_unavailable", "Try again (nothing was done).")
        first_try_of_hanging_card = (
            operation == "authorize"
            and body.get("card_token") == CARD_TIMEOUT_BEFORE_CHARGE
            and key not in self._hung_keys
        )
        if faults.take(faults.hang_before, operation) or first_try_of_hanging_card:
            self._hung_keys.add(key)
            await asyncio.sleep(faults.hang_s)
            return _error(504, "timeout", "Gave up before doing anything.")

        fingerprint = hashlib.sha256(
            json.dumps([operation, payment_id, body], sort_keys=True, default=str).encode()
        ).hexdigest()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            stored = self.idempotency.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    return _error(
                        422, "idempotency_key_reused", "This Idempotency-Key was used for another request."
                    )
                return JSONResponse(stored.body, status_code=stored.status, headers={REPLAY_HEADER: "true"})
            status, answer = self._apply(operation, payment_id, body)
            self.idempotency[key] = _Stored(fingerprint, status, answer)
        hang = faults.take(faults.hang_after_commit, operation) or (
            operation == "authorize" and body.get("card_token") == CARD_TIMEOUT_AFTER_CHARGE
        )
        if hang:
            await asyncio.sleep(faults.hang_s)
        return JSONResponse(answer, status_code=status)

    def _apply(
        self, operation: str, payment_id: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        try:
            if operation == "authorize":
                payment = self.ledger.authorize(_parse(AuthorizeRequest, body))
                status = 201
            elif operation == "capture":
                payment = self.ledger.capture(str(payment_id), _parse(AmountRequest, body))
                status = 200
            elif operation == "void":
                payment = self.ledger.void(str(payment_id))
                status = 200
            else:
                payment = self.ledger.refund(str(payment_id), _parse(AmountRequest, body))
                status = 200
        except Refusal as refusal:
            if refusal.http_status == 402:
                self.processed[operation] += 1
            return refusal.http_status, _error_body(refusal.code, refusal.message, refusal.payment_id)
        self.processed[operation] += 1
        return status, _payment_json(payment)


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """The simulator as an ASGI app; its state lives on `app.state.simulator`."""
    simulator = PaymentsSimulator(config or SimulatorConfig())

    async def authorize(request: Request) -> Response:
        return await simulator.mutate(request, "authorize", None)

    async def capture(request: Request) -> Response:
        return await simulator.mutate(request, "capture", request.path_params["payment_id"])

    async def void(request: Request) -> Response:
        return await simulator.mutate(request, "void", request.path_params["payment_id"])

    async def refund(request: Request) -> Response:
        return await simulator.mutate(request, "refund", request.path_params["payment_id"])

    async def get_payment(request: Request) -> Response:
        if not simulator.authorized(request):
            return _error(401, "unauthorized", "Missing or wrong API key.")
        try:
            payment = simulator.ledger.get(request.path_params["payment_id"])
        except Refusal as refusal:
            return _error(refusal.http_status, refusal.code, refusal.message, refusal.payment_id)
        return JSONResponse(_payment_json(payment))

    async def list_payments(request: Request) -> Response:
        if not simulator.authorized(request):
            return _error(401, "unauthorized", "Missing or wrong API key.")
        reference = request.query_params.get("reference")
        if not reference:
            return _error(400, "invalid_request", "Filter by ?reference=...")
        return JSONResponse({"data": [_payment_json(p) for p in simulator.ledger.find(reference)]})

    async def faults(request: Request) -> Response:
        if not simulator.authorized(request):
            return _error(401, "unauthorized", "Missing or wrong API key.")
        if request.method == "POST":
            try:
                changes = await request.json()
                if not isinstance(changes, dict):
                    raise ValueError("send a JSON object of fault settings")
                simulator.faults.update(changes)
            except (ValueError, TypeError) as exc:
                return _error(400, "invalid_request", str(exc))
        return JSONResponse(asdict(simulator.faults))

    async def reset(request: Request) -> Response:
        if not simulator.authorized(request):
            return _error(401, "unauthorized", "Missing or wrong API key.")
        simulator.faults = Faults()
        return JSONResponse(asdict(simulator.faults))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/v1/payments", authorize, methods=["POST"]),
            Route("/v1/payments", list_payments, methods=["GET"]),
            Route("/v1/payments/{payment_id}", get_payment, methods=["GET"]),
            Route("/v1/payments/{payment_id}/capture", capture, methods=["POST"]),
            Route("/v1/payments/{payment_id}/void", void, methods=["POST"]),
            Route("/v1/payments/{payment_id}/refunds", refund, methods=["POST"]),
            Route("/admin/faults", faults, methods=["GET", "POST"]),
            Route("/admin/reset", reset, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    app.state.simulator = simulator
    return app


def _parse(model: type[BaseModel], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Refusal(400, "invalid_request", f"{where}: {first['msg']}") from None


def _payment_json(payment: Payment) -> dict[str, Any]:
    return payment.model_dump(mode="json")


def _error_body(code: str, message: str, payment_id: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "payment_id": payment_id}}


def _error(status: int, code: str, message: str, payment_id: str | None = None) -> JSONResponse:
    return JSONResponse(_error_body(code, message, payment_id), status_code=status)
