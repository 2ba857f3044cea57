"""`ibe api`: the booking API (FastAPI under uvicorn)."""

from __future__ import annotations

import typer

from cli.output import console, fail


def register(app: typer.Typer) -> None:
    app.command("api")(api)


def api(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (0.0.0.0 in a container)."),
    port: int | None = typer.Option(None, help="Port (default: IBE_API_PORT, 8000)."),
    task_queue: str = typer.Option("ibe-booking", help="Temporal task queue of the booking sagas."),
) -> None:
    """Serve the booking API (OpenAPI at /docs, metrics at /metrics)."""
    import uvicorn

    from booking_api.app import create_app
    from booking_api.services import AppConfig
    from core.config import get_settings
    from core.observability import init_process

    settings = get_settings()
    telemetry = init_process(settings, "ibe-api")  # logs with trace ids, traces (OTLP when configured)
    port = port or settings.api_port
    console.print(f"booking API on http://{host}:{port}  (docs: /docs, task queue {task_queue})")
    try:
        uvicorn.run(
            create_app(settings, AppConfig(task_queue=task_queue)),
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,  # uvicorn's own lines go through the root logger (JSON with trace ids)
            access_log=False,
        )
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    finally:
        telemetry.shutdown()  # flush the spans still buffered for export
