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


def _config(settings: object, public_url: str, popular: int) -> object:
    from web.app import WebConfig

    return WebConfig(
        api_url=settings.web_booking_api_url,  # type: ignore[attr-defined]
        api_key=front_end_key(settings),
        public_url=public_url,
        popular_pages=popular,
    )


def app_from_env() -> object:
    """The app of one worker process of `ibe web --workers N` (the parent passes its choices in env)."""
    from core.config import get_settings
    from core.observability import init_process
    from web.app import create_app

    settings = get_settings()
    init_process(settings, "ibe-web")
    config = _config(
        settings, os.environ["IBE_WEB_PUBLIC_URL"], int(os.environ.get("IBE_WEB_POPULAR", "100"))
    )
    return create_app(settings, config)  # type: ignore[arg-type]


def web(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (0.0.0.0 in a container)."),
    port: int | None = typer.Option(None, help="Port (default: IBE_WEB_PORT, 8300)."),
    public_url: str = typer.Option(
        "", help="Absolute root of the site for canonical links and sitemaps (default: http://HOST:PORT)."
    ),
    popular: int = typer.Option(100, min=0, help="Hotel pages rendered ahead when a catalog load publishes."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each keeps its own page cache)."),
) -> None:
    """Serve the guest front end: search, hotel pages, booking, "my booking"."""
    import uvicorn

    from core.config import get_settings
    from core.observability import init_process
    from web.app import create_app

    settings = get_settings()
    port = port or settings.web_port
    root = public_url.rstrip("/") or f"http://{host}:{port}"
    options = dict(
        host=host, port=port, log_level=settings.log_level.lower(), log_config=None, access_log=False
    )
    console.print(f"guest front end on http://{host}:{port}  (booking API {settings.web_booking_api_url})")
    if workers > 1:
        # Each worker imports the app anew: the key is made here once and handed down in the environment.
        os.environ.update(IBE_WEB_API_KEY=front_end_key(settings), IBE_WEB_PUBLIC_URL=root,
                          IBE_WEB_POPULAR=str(popular))  # fmt: skip
        try:
            uvicorn.run("cli.web:app_from_env", factory=True, workers=workers, **options)  # type: ignore[arg-type]
        except OSError as exc:
            fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
        return
    telemetry = init_process(settings, "ibe-web")
    try:
        uvicorn.run(create_app(settings, _config(settings, root, popular)), **options)  # type: ignore[arg-type]
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    finally:
        telemetry.shutdown()
