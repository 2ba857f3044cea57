"""`ibe stack up|down|status`: the embedded engines of the platform."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import console, fail, table

stack_app = typer.Typer(
    help="Start, check and stop the embedded engines (Temporal, Kafka, Redis, Dagster UI)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(stack_app, name="stack")


def _print(statuses: list) -> None:  # type: ignore[type-arg]
    table(
        ["service", "state", "address", "pid", "detail"],
        [(s.name, s.state, s.address, s.pid or "", s.detail) for s in statuses],
    )


@stack_app.command("up")
def stack_up(
    dagster_ui: bool = typer.Option(False, "--dagster-ui", help="Also start `dagster dev` on the workspace."),
    platform: bool = typer.Option(
        False, "--platform", help="Also start the platform's processes: simulators, worker, API, relay, sink."
    ),
) -> None:
    """Start every embedded engine not already running (idempotent)."""
    from core.config import get_settings
    from core.stack import StackError, up

    settings = get_settings()
    try:
        statuses = up(
            settings,
            dagster_ui=dagster_ui,
            platform=platform,
            project_root=Path.cwd(),
            on_status=lambda s: console.print(f"  {s.name:<9} {s.state} at {s.address}"),
        )
    except StackError as exc:
        fail(str(exc))
    _print(statuses)
    console.print(f"data folder: {settings.data_path}  (logs in {settings.data_path / 'logs'})")


@stack_app.command("down")
def stack_down() -> None:
    """Stop the engines that `ibe stack up` started."""
    from core.config import get_settings
    from core.stack import down

    stopped = down(get_settings())
    if not stopped:
        console.print("nothing was running")
    for s in stopped:
        console.print(f"  {s.name:<9} stopped (pid {s.pid})")


@stack_app.command("status")
def stack_status() -> None:
    """Show each engine's state and whether it answers its protocol."""
    from core.config import get_settings
    from core.stack import status
    from streaming.health import health_lines, stream_health

    settings = get_settings()
    _print(status(settings))
    for line in health_lines(stream_health(settings)):  # outbox backlog, consumer lag, mart freshness
        console.print(f"  {line}", highlight=False)


@stack_app.command("check")
def stack_check() -> None:
    """Write and read one record through each port (store, warehouse, streams, cache, workflows)."""
    from core.config import get_settings
    from core.kv import StoreError
    from core.stack.smoke import run_all
    from core.warehouse import WarehouseError

    try:
        results = run_all(
            get_settings(),
            on_result=lambda r: console.print(
                f"  {r.port:<10} {r.engine:<12} ok  {r.seconds * 1000:6.0f} ms  {r.detail}"
            ),
        )
    except (StoreError, WarehouseError) as exc:
        fail(str(exc))
    except Exception as exc:
        fail(f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    console.print(f"all {len(results)} ports answered")
