"""`ibe demo`: the platform's main job end to end on the embedded engines, step by step.

Each step says what it does; the catalog steps run the very commands an operator would type
(`ibe catalog generate`, `ibe catalog ingest`, `ibe report`), printed before they run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.output import console, fail, step, table

if TYPE_CHECKING:
    from core.warehouse import Warehouse

DEMO_SEED = 7


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def _say(line: str) -> None:
    console.print(f"   {line}", highlight=False, soft_wrap=True)


def _ibe(*args: str) -> None:
    """Run one `ibe` command as its own process, as an operator would, and stop the demo if it fails."""
    console.print(f"   [dim]$ ibe {' '.join(args)}[/]", highlight=False)
    result = subprocess.run([str(Path(sys.executable).parent / "ibe"), *args], check=False)
    if result.returncode != 0:
        fail(f"`ibe {' '.join(args)}` failed (exit {result.returncode}); see its message above")


def _catalog_ready(dumps: Path, hotels: int, bad_fraction: float) -> bool:
    """True when `dumps` already holds a catalog generated with these parameters (re-runs skip it)."""
    try:
        manifest = json.loads((dumps / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(
        manifest.get("hotels") == hotels
        and manifest.get("seed") == DEMO_SEED
        and manifest.get("bad_fraction") == bad_fraction
    )


def _hotel_names(warehouse: Warehouse, hotel_ids: list[str]) -> dict[str, str]:
    """Names from the catalog's dimension, for the hotel ids the marts report."""
    hids = [int(h) for h in hotel_ids if str(h).isdigit()]
    if not hids:
        return {}
    _, rows = warehouse.query(
        f"SELECT hid, name FROM {warehouse.database}.hotels_current WHERE hid IN %(hids)s",
        parameters={"hids": hids},
    )
    return {str(hid): name for hid, name in rows}


def demo(
    hotels: Annotated[int, typer.Option(help="Hotels in the generated catalog.", min=100)] = 20_000,
    bad_fraction: Annotated[float, typer.Option(help="Share of deliberately broken dump lines.")] = 0.01,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the embedded stack up at the end so the UIs can be opened.")
    ] = True,
) -> None:
    """Run the platform end to end on the embedded engines: catalog, bookings, streams, analytics."""
    from core.config import get_settings
    from core.kv import StoreError
    from core.stack import StackError, down, up
    from core.stack.smoke import run_all
    from core.warehouse import Warehouse, WarehouseError

    # The sagas' expected failures are part of the story; Temporal's worker would print each as a trace.
    logging.getLogger("temporalio").setLevel(logging.CRITICAL)
    settings = get_settings()
    started = time.perf_counter()

    step(f"1. Starting the embedded engines (data folder {settings.data_path})")
    try:
        up(
            settings,
            project_root=Path.cwd(),
            on_status=lambda s: _say(f"{s.name:<9} {s.state} at {s.address}"),
        )
    except StackError as exc:
        fail(str(exc))

    step("2. Writing and reading one record through each port")
    try:
        run_all(settings, on_result=lambda r: _say(f"{r.port:<10} {r.engine:<12} ok  {r.detail}"))
    except (StoreError, WarehouseError) as exc:
        fail(str(exc))

    dumps = settings.data_path / "demo" / "dumps"
    step(f"3. Generating a synthetic RateHawk catalog: {hotels:,} hotels, {bad_fraction:.0%} broken lines")
    if _catalog_ready(dumps, hotels, bad_fraction):
        _say(f"already generated in {dumps} (same seed and size): reusing it")
    else:
        _ibe("catalog", "generate", "--hotels", str(hotels), "--seed", str(DEMO_SEED),
             "--bad-fraction", str(bad_fraction), "--out", str(dumps))  # fmt: skip

    step("4. Ingesting the full and the incremental dump through the Dagster asset graph")
    _ibe("catalog", "ingest", str(dumps), "--dump", "all")

    step("5. Booking through the API and the sagas: a happy booking, a supplier failure, a cancellation")
    from booking_api.demo import booking_demo

    asyncio.run(booking_demo(settings, _say))

    step("6. Streams: the relay publishes the outbox, the sink fills the revenue marts")
    from streaming.marts import revenue_last_24h, top_hotels_today
    from streaming.oneshot import drain

    # Its own consumer group, so a sink already running (`ibe stack up --platform`) is not disturbed;
    # events that sink wrote already are dropped by event id.
    moved = drain(settings, group_id="ibe-demo-sink")
    _say(f"relay published {moved.published} events; sink inserted {moved.inserted} new facts")

    step("7. The analysts' two questions, answered from the real-time marts")
    warehouse = Warehouse(settings)
    table(
        ["hour (UTC)", "bookings", "cancellations", "revenue", "currency"],
        [(f"{h:%Y-%m-%d %H:00}", b, c, f"{r:.2f}", cur) for h, b, c, r, cur in revenue_last_24h(warehouse)],
        title="Bookings and revenue per hour, last 24 hours",
    )
    top = top_hotels_today(warehouse)
    names = _hotel_names(warehouse, [hotel for hotel, *_ in top])
    table(
        ["hotel", "name", "revenue", "bookings", "currency"],
        [(hotel, names.get(hotel, ""), f"{revenue:.2f}", count, cur) for hotel, revenue, count, cur in top],
        title="Top hotels by revenue today",
    )

    front_end = None
    if keep_running:
        # The platform's processes and the guest front end come up while the report renders, so the
        # demo ends with a site to open at no extra wait (`ibe stack up --platform`, as an operator would).
        front_end = subprocess.Popen(
            [str(Path(sys.executable).parent / "ibe"), "stack", "up", "--platform"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    step("8. Rendering the dashboards for people without Grafana")
    report_dir = settings.data_path / "report"
    _ibe("report", "--last", "24h", "--out", str(report_dir))

    if not keep_running:
        step("9. Stopping the embedded engines")
        down(settings)

    web_row = None
    if front_end is not None:
        try:
            _, errors = front_end.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            front_end.kill()
            errors = "still starting after 180 s"
        if front_end.returncode == 0:
            web_row = (
                "guest front end",
                f"http://127.0.0.1:{settings.web_port}  (search, hotel pages, booking)",
            )
        else:
            _say(f"the guest front end did not start: {(errors or '').strip()[-300:]}")

    db = settings.warehouse_database
    console.print(f"\n[bold green]Demo finished in {time.perf_counter() - started:.0f} s.[/] Where to look:")
    rows = [
        *([web_row] if web_row else []),
        ("report (HTML, PNG)", str(report_dir / "index.html")),
        ("Temporal UI", f"http://127.0.0.1:{settings.temporal_ui_port}  (booking sagas and their histories)"),
        ("Dagster UI", f"make dagster-ui, then http://127.0.0.1:{settings.dagster_port}"),
        ("warehouse tables", f'.venv/bin/ibe sql "SHOW TABLES FROM {db}"'),
        (
            "quarantined lines",
            f'.venv/bin/ibe sql "SELECT arrayJoin(reasons) AS reason, count() FROM {db}.catalog_quarantine GROUP BY reason"',
        ),
        (
            "revenue mart",
            f'.venv/bin/ibe sql "SELECT * FROM {db}.v_revenue_hourly ORDER BY hour DESC LIMIT 24"',
        ),
        ("dumps and staged files", str(settings.data_path / "demo")),
        ("engine logs", str(settings.data_path / "logs")),
        ("dashboards as JSON", "dashboards/json/"),
    ]
    if keep_running:
        rows.append(("stop the engines", "make stack-down"))
    table(["what", "where"], rows)
