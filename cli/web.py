"""`ibe web`: the guest front end (server-rendered pages over the booking API)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.output import console, fail


def register(app: typer.Typer) -> None:
    app.command("web")(web)


def front_end_key(settings: object) -> str:
    """The front end's booking-API key: IBE_WEB_API_KEY, else one made once and kept in the data folder.

    Only its hash is in the store (like every key); the token itself stays in a file only this
    user can read, so restarts reuse the key instead of minting a new one each time.
    """
    from core.booking.apikeys import create_api_key
    from core.kv import open_store

    given = getattr(settings, "web_api_key", None)
    if given is not None:
        return str(given.get_secret_value())
    path = Path(settings.data_path) / "web" / "api_key"  # type: ignore[attr-defined]
    if path.exists():
        return path.read_text().strip()
    with open_store(settings) as store:  # type: ignore[arg-type]
        token, _ = create_api_key(
            store, "ibe-web", ["search", "book"], "guest front end", rate_per_minute=60_000, burst=2_000
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token)
    return token


def web(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (0.0.0.0 in a container)."),
    port: int | None = typer.Option(None, help="Port (default: IBE_WEB_PORT, 8300)."),
    public_url: str = typer.Option(
        "", help="Absolute root of the site for canonical links and sitemaps (default: http://HOST:PORT)."
    ),
    popular: int = typer.Option(100, min=0, help="Hotel pages rendered ahead when a catalog load publishes."),
) -> None:
    """Serve the guest front end: search, hotel pages, booking, "my booking"."""
    import uvicorn

    from core.config import get_settings
    from core.observability import init_process
    from web.app import WebConfig, create_app

    settings = get_settings()
    telemetry = init_process(settings, "ibe-web")
    port = port or settings.web_port
    config = WebConfig(
        api_url=settings.web_booking_api_url,
        api_key=front_end_key(settings),
        public_url=public_url.rstrip("/") or f"http://{host}:{port}",
        popular_pages=popular,
    )
    console.print(f"guest front end on http://{host}:{port}  (booking API {config.api_url})")
    try:
        uvicorn.run(
            create_app(settings, config),
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,
            access_log=False,
        )
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    finally:
        telemetry.shutdown()
