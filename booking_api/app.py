"""The booking API: `create_app(settings)` builds the FastAPI app (served by `ibe api`).

Routes live in `routes/` (one router per resource), dependencies in `deps.py`, clients are opened by
the lifespan onto `app.state.services`, errors are problem+json (`problems.py`) carrying the trace id
of the request's span (`tracing.py`).
"""

from __future__ import annotations

from fastapi import FastAPI

from booking_api import openapi, problems
from booking_api.metrics import MetricsMiddleware
from booking_api.routes import bookings, catalog, health, inventory, search, suggest, webhooks
from booking_api.services import AppConfig, lifespan_for
from booking_api.tracing import TraceIdMiddleware
from core.config import Settings, get_settings


def create_app(settings: Settings | None = None, config: AppConfig | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="ETG IBE booking API",
        version="1",
        description="Search, hotel pages, prebook, bookings and cancellations over RateHawk, with "
        "API-key auth, per-key rate limits and RFC 9457 problem details.",
        lifespan=lifespan_for(settings, config or AppConfig()),
    )
    problems.install(app)
    openapi.install(app)
    for module in (health, catalog, suggest, search, bookings, inventory, webhooks):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(TraceIdMiddleware)
    return app
