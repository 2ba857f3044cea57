"""`ibe worker`: the Temporal worker running the booking and cancellation sagas."""

from __future__ import annotations

import typer

from cli.output import console, err_console


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(task_queue: str = typer.Option("ibe-booking", help="Temporal task queue to poll.")) -> None:
    """Run the booking sagas' worker until interrupted (SIGINT/SIGTERM stop it cleanly)."""
    import asyncio
    import os
    import signal
    import sys

    from booking_api.temporal.worker import run_worker
    from core.config import get_settings
    from core.observability import init_process

    settings = get_settings()
    # Logs with trace ids, traces (OTLP when configured), /metrics with the saga outcomes on
    # IBE_METRICS_PORT when it is set.
    telemetry = init_process(settings, "ibe-worker")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, task_queue, stop)

    console.print(f"booking worker: task queue {task_queue} on {settings.temporal_target}")
    try:
        asyncio.run(main())
        telemetry.shutdown()
    except RuntimeError as exc:
        if "connect" not in str(exc).lower():
            raise
        err_console.print(
            f"[bold red]error:[/] cannot reach Temporal at {settings.temporal_target}: start it with `ibe stack up`",
            highlight=False,
        )
        # Exit at once: the Temporal client's native threads can abort a normal interpreter shutdown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
