"""Settings of one simulator instance: catalog, credentials, limits, inventory and fault settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DAY = 86_400

DEFAULT_KEY_ID = "1000"
DEFAULT_API_KEY = "00000000-0000-4000-8000-000000000000"

# endpoint (without the /api/b2b/v3/ prefix) -> (requests, seconds): the contract's typical limits.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "hotel/info/dump/": (100, DAY),
    "hotel/info/incremental_dump/": (100, DAY),
    "hotel/region/dump/": (100, DAY),
    "hotel/info/": (30, 60),
    "search/multicomplete/": (30, 60),
    "search/serp/region/": (30, 60),
    "search/serp/hotels/": (30, 60),
    "search/serp/geo/": (30, 60),
    "search/hp/": (30, 60),
    "hotel/prebook/": (30, 60),
    "hotel/order/booking/form/": (30, 60),
    "hotel/order/booking/finish/": (30, 60),
    "hotel/order/booking/finish/status/": (30, 60),
    "hotel/order/cancel/": (30, 60),
    "hotel/order/info/": (30, 60),
    "hotel/order/document/voucher/download/": (30, 60),
}
UNLIMITED_ENDPOINTS = ("overview/",)


class FaultSettings(BaseModel):
    """Faults injected before (errors, bursts) or after (timeouts) an endpoint does its work.

    - latency: `latency_ms` added to every answer; `fixed`, `uniform` (latency_ms +- latency_jitter_ms)
      or `exponential` (mean latency_ms).
    - `error_rate`: share of calls answered HTTP `error_http_status` with error `unknown`, nothing done.
    - `burst_every` / `burst_length`: every `burst_every`-th call starts `burst_length` calls in a row
      answered HTTP 503 (error `unknown`), nothing done.
    - `timeout_rate`: share of calls that do their work, then wait `timeout_s` and answer HTTP 504 with
      error `timeout` (the outcome is lost, as when a real call times out after the booking went through).
    - `processing_s`: a finished booking's status stays `processing` this long before its outcome.
    - `endpoints`: the endpoints (e.g. `hotel/order/booking/finish/`) the faults apply to; empty = all
      API endpoints (never the admin or dump-file routes). `processing_s` applies regardless.
    """

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0)
    latency_jitter_ms: float = Field(default=0.0, ge=0)
    latency_distribution: Literal["fixed", "uniform", "exponential"] = "fixed"
    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_http_status: int = Field(default=500, ge=500, le=599)
    burst_every: int = Field(default=0, ge=0)
    burst_length: int = Field(default=0, ge=0)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_s: float = Field(default=30.0, ge=0)
    processing_s: float = Field(default=0.0, ge=0)
    endpoints: list[str] = Field(default_factory=list)
    seed: int = 0


@dataclass
class SimulatorConfig:
    """Everything that makes one simulator: pass to `create_app`.

    `clock` gives the wall time (epoch seconds) for dates, link expiry, form expiry and rate-limit
    windows; tests may pass a fake one. Sleeps for latency and timeouts are real.
    """

    seed: int = 0
    hotels: int = 10_000
    credentials: dict[str, str] = field(default_factory=lambda: {DEFAULT_KEY_ID: DEFAULT_API_KEY})
    rate_limits: bool = True
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)  # overrides DEFAULT_LIMITS
    lock_window_s: float = 1.0
    inventory_per_room_night: int = 5
    form_ttl_s: float = 3600.0
    link_ttl_s: float = 3600.0
    link_secret: str = "ratehawk-simulator-dump-links"
    dump_dir: Path | None = None  # None: dumps are generated into a temporary folder on first request
    dump_bad_fraction: float = 0.0
    serp_rates_per_hotel: int = 5  # the cheapest N rates per hotel on result pages (the hotel page has all)
    serp_max_hotels: int = 1000  # hotels priced per region/geo search (bounds the work on big catalogs)
    faults: FaultSettings = field(default_factory=FaultSettings)
    clock: Callable[[], float] = time.time

    def limit_for(self, endpoint: str) -> tuple[int, int] | None:
        if endpoint in UNLIMITED_ENDPOINTS:
            return None
        return self.limits.get(endpoint) or DEFAULT_LIMITS.get(endpoint)
