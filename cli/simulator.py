"""`ibe simulator`: serve the RateHawk API simulator on the configured port."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def simulator(
    hotels: Annotated[int, typer.Option(min=1, help="Hotels in the simulated catalog.")] = 10_000,
    seed: Annotated[
        int, typer.Option(min=0, help="Catalog seed (same as `ibe catalog generate --seed`).")
    ] = 0,
    port: Annotated[
        int, typer.Option(help="Port (default: settings.simulator_port, IBE_SIMULATOR_PORT).")
    ] = 0,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    dump_dir: Annotated[
        Path | None, typer.Option(help="Serve dumps from this folder (generated into it if empty).")
    ] = None,
    rate_limits: Annotated[bool, typer.Option(help="Enforce per-endpoint rate limits.")] = True,
    inventory: Annotated[int, typer.Option(min=1, help="Rooms per hotel, room group and night.")] = 5,
    latency_ms: Annotated[float, typer.Option(min=0, help="Added latency (mean), ms.")] = 0.0,
    latency_jitter_ms: Annotated[
        float, typer.Option(min=0, help="Jitter for the uniform latency, ms.")
    ] = 0.0,
    latency_distribution: Annotated[str, typer.Option(help="fixed, uniform or exponential.")] = "fixed",
    error_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of calls answered 5xx.")] = 0.0,
    burst_every: Annotated[int, typer.Option(min=0, help="Every N-th call starts a 5xx burst.")] = 0,
    burst_length: Annotated[int, typer.Option(min=0, help="Calls per 5xx burst.")] = 0,
    timeout_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of calls that time out.")] = 0.0,
    timeout_s: Annotated[float, typer.Option(min=0, help="How long a timed-out call hangs, s.")] = 30.0,
    processing_s: Annotated[float, typer.Option(min=0, help="Seconds a booking stays `processing`.")] = 0.0,
) -> None:
    """Serve the RateHawk B2B API v3 simulator (faults can be changed later at /admin/faults)."""
    import uvicorn
    from pydantic import ValidationError

    from cli.output import fail, step
    from core.config import get_settings
    from core.ratehawk.simulator import FaultSettings, SimulatorConfig, create_app

    settings = get_settings()
    try:
        faults = FaultSettings(
            latency_ms=latency_ms,
            latency_jitter_ms=latency_jitter_ms,
            latency_distribution=latency_distribution,  # type: ignore[arg-type]
            error_rate=error_rate,
            burst_every=burst_every,
            burst_length=burst_length,
            timeout_rate=timeout_rate,
            timeout_s=timeout_s,
            processing_s=processing_s,
        )
    except ValidationError as exc:
        fail(f"invalid fault settings: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    config = SimulatorConfig(
        seed=seed,
        hotels=hotels,
        credentials={settings.ratehawk_key_id: settings.ratehawk_api_key.get_secret_value()},
        rate_limits=rate_limits,
        inventory_per_room_night=inventory,
        dump_dir=dump_dir,
        faults=faults,
    )
    listen = port or settings.simulator_port
    step(f"RateHawk simulator on http://{host}:{listen}/api/b2b/v3/ (key id {settings.ratehawk_key_id})")
    uvicorn.run(create_app(config), host=host, port=listen, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("simulator")(simulator)
