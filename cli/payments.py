"""`ibe payments-simulator`: the simulated card payment provider, on `settings.payments_port`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("payments-simulator")(payments_simulator)


def payments_simulator(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int | None = typer.Option(None, help="Port (default: IBE_PAYMENTS_PORT, 8200)."),
    latency_ms: float = typer.Option(0.0, min=0.0, help="Latency added to every state change."),
    error_rate: float = typer.Option(
        0.0, min=0.0, max=1.0, help="Share of calls answered 503 (nothing done)."
    ),
    hang_s: float = typer.Option(
        30.0, min=0.0, help="How long a simulated timeout keeps the caller waiting."
    ),
    seed: int | None = typer.Option(None, help="Seed of the fault dice."),
) -> None:
    """Serve the payment-provider simulator (authorize, capture, void, refund, idempotency keys).

    Test cards: tok_visa (ok), tok_decline, tok_insufficient_funds, tok_timeout (the first try hangs before charging), tok_timeout_after_charge (charges, then answers too late).

    Faults can be changed while it runs: POST /admin/faults.
    """
    import socket

    import uvicorn

    from cli.output import fail, step
    from core.config import get_settings
    from core.payments.simulator import Faults, SimulatorConfig, create_app

    settings = get_settings()
    port = port or settings.payments_port
    config = SimulatorConfig(
        api_key=settings.payments_api_key.get_secret_value(),
        faults=Faults(latency_s=latency_ms / 1000.0, error_rate=error_rate, hang_s=hang_s),
        seed=seed,
    )
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    step(f"payments simulator on http://{host}:{port}")
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)
