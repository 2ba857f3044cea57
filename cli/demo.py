"""`ibe demo`: the platform's main job end to end on the embedded engines, step by step."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from cli.output import console, fail, step


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    keep_running: bool = typer.Option(True, help="Leave the embedded stack up at the end so the UIs can be opened."),
) -> None:
    """Bring the embedded stack up, check every port, and run the main job end to end."""
    from core.config import get_settings
    from core.kv import StoreError
    from core.stack import StackError, down, up
    from core.stack.smoke import run_all
    from core.warehouse import WarehouseError

    settings = get_settings()
    started = time.perf_counter()
    step(f"1. Starting the embedded stack (data folder {settings.data_path})")
    try:
        up(settings, project_root=Path.cwd(), on_status=lambda s: console.print(f"   {s.name:<9} {s.state} at {s.address}"))
    except StackError as exc:
        fail(str(exc))

    step("2. Writing and reading one record through each port")
    try:
        run_all(settings, on_result=lambda r: console.print(f"   {r.port:<10} {r.engine:<12} ok  {r.detail}"))
    except (StoreError, WarehouseError) as exc:
        fail(str(exc))

    step("3. Booking through the API and the sagas: a happy booking, a supplier failure, a cancellation")
    import asyncio

    from booking_api.demo import booking_demo

    asyncio.run(booking_demo(settings, lambda line: console.print(f"   {line}", highlight=False, soft_wrap=True)))

    step("4. Streams: the relay publishes the outbox, the sink fills the revenue marts")
    from core.warehouse import Warehouse
    from streaming.marts import revenue_last_24h
    from streaming.oneshot import drain

    # its own consumer group, so a sink already running (`ibe stack up --platform`) is not disturbed;
    # events that sink wrote already are dropped by event id
    moved = drain(settings, group_id="ibe-demo-sink")
    console.print(f"   relay published {moved.published} events; sink inserted {moved.inserted} new facts")
    for hour, bookings, cancellations, revenue, currency in revenue_last_24h(Warehouse(settings)):
        console.print(
            f"   {hour:%Y-%m-%d %H:00} UTC  bookings {bookings}  cancellations {cancellations}  "
            f"revenue {revenue:.2f} {currency}"
        )

    if not keep_running:
        step("5. Stopping the embedded stack")
        down(settings)

    console.print(f"\n[bold green]Demo finished in {time.perf_counter() - started:.0f} s.[/] Where to look:")
    console.print(f"   Temporal UI     http://127.0.0.1:{settings.temporal_ui_port}")
    console.print("   Dagster UI      make dagster-ui, then http://127.0.0.1:%d" % settings.dagster_port)
    console.print(f"   Warehouse SQL   .venv/bin/ibe sql \"SHOW TABLES FROM {settings.warehouse_database}\"")
    console.print(f"   Files and logs  {settings.data_path}")
    if keep_running:
        console.print("   Stop the stack  make stack-down")
