"""A local simulator of RateHawk's B2B API v3, built on the synthetic catalog (`shared/ratehawk-api.md`).

Run it with `ibe simulator`, or in-process in tests:

    app = create_app(SimulatorConfig(hotels=500, seed=1, rate_limits=False))
    async with LifespanManager(app):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sim")

Endpoints: every one of the contract under `/api/b2b/v3/` (overview, the three dumps, hotel info,
multicomplete, serp region/hotels/geo, hotel page, prebook, booking form, finish, finish status,
cancel, order info, voucher). Dump links point at `/dumps/<file>` on the simulator itself, signed and
valid `link_ttl_s` (1 h). Hotel content for hid h is `hotel_record(seed, h)`: nothing is loaded.
Catalog hids are `hid_at(0..hotels-1)`: the three sandbox hotels, then 10000003, 10000004, ...

Credentials (HTTP Basic): key id `1000`, API key `00000000-0000-4000-8000-000000000000` (the
defaults of `core.config.Settings`); `SimulatorConfig.credentials` takes others. Missing header:
403 `no_auth_header`; wrong: 403 `incorrect_credentials`.

Sandbox triggers (as ETG's sandbox):
- hid 8473727 (`test_hotel_do_not_book`): always bookable (unlimited inventory).
- hid 8819557: prebook raises the price 10%; hid 9744270: +20%. If the rise exceeds the request's
  `price_increase_percent`, prebook answers `no_available_rates`; otherwise the new rate with a
  `p-` hash and `changes.price_changed: true`.
- `partner_order_id` ending in `soldout`, `book_limit` or `provider`: finish is accepted, the status
  ends in that error. Ending in `insufficient_b2b_balance`, `booking_form_expired` or `email`:
  finish fails with that error. Ending in `order_not_cancellable`: cancel fails with it.
  `unknown_success`: the first status poll answers `unknown`, then `ok`; `unknown_soldout`,
  `unknown_book_limit`, `unknown_provider`: `unknown`, then that final error.
- hash `h-00000000-0000-0000-0000-000000000000` (prebook or form): `contract_mismatch`.
- the same `partner_order_id` on a second booking form: `double_booking_form`; the same
  `partner_order_id` on form, finish or cancel within `lock_window_s` (1 s): 429 `lock` (with
  `Retry-After`).

Behaviour: rates are deterministic per (hotel, dates, guests, residency, currency) and priced as
Decimal strings in the requested currency (21 currencies, fixed FX). Each (hotel, room group, night)
has `inventory_per_room_night` rooms (5); an accepted finish takes one per booked room on every
night, all or none, or ends in `soldout`; cancel gives them back. Rates with no room left disappear
from search. Result pages (serp) carry the cheapest `serp_rates_per_hotel` (5) rates of at most
`serp_max_hotels` (1000) hotels, without `book_hash`; the hotel page has every rate. Rate limits per key and endpoint (the contract's typical ones, `limits` overrides) with
`X-RateLimit-*` headers on every answer and 429 `endpoint_exceeded_limit` (+ `Retry-After`) above.

Admin (no auth, local use): `GET|POST|PUT /admin/faults` reads, merges or replaces the
`FaultSettings` (latency distribution, error rate, 5xx bursts, timeouts, `processing_s` during
which a finished booking's status stays `processing`); `POST /admin/reset` forgets orders,
inventory, hashes and rate-limit windows; `GET /admin/stats` counts answers per endpoint and slug;
`GET /admin/orders` lists every order with its status and whether it is live (booked, or sure to
be once its status is asked).
"""

from core.ratehawk.simulator.app import Simulator, create_app
from core.ratehawk.simulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_LIMITS,
    FaultSettings,
    SimulatorConfig,
)

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_KEY_ID",
    "DEFAULT_LIMITS",
    "FaultSettings",
    "Simulator",
    "SimulatorConfig",
    "create_app",
]
