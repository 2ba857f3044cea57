"""Liveness, readiness (each engine checked) and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from booking_api.answers import Liveness, Readiness
from booking_api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, dict[str, Any]]:
    start = time.perf_counter()
    try:
        await asyncio.wait_for(probe, timeout=3.0)
        return name, {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 1)}
    except Exception as exc:
        return name, {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "An engine does not answer."}},
)
async def readyz(services: ServicesDep) -> Response:
    """Ready when the store, Redis and Temporal all answer (503 naming the one that does not)."""
    checks = dict(
        await asyncio.gather(
            _check("store", services.read(lambda tr: tr.get(b"\x02meta\x00"))),
            _check("redis", services.redis.ping()),
            _check("temporal", services.sagas.ping()),
        )
    )
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
