"""RateHawk (ETG B2B API v3): the client, the simulator and the synthetic catalog behind it.

- `core.ratehawk.synthetic`: deterministic hotel records and dump files (`ibe catalog generate`).
- `core.ratehawk.simulator`: the HTTP simulator of the API (`ibe simulator`), built on the synthetic catalog.
- `core.ratehawk.client` / `core.ratehawk.models`: the async client and its typed models.

The contract both sides follow is `shared/ratehawk-api.md`.
"""
