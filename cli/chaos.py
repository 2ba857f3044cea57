"""`ibe chaos`: a seeded booking storm while the platform's processes are killed; exits 1 on a broken invariant."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.output import console, fail


def register(app: typer.Typer) -> None:
    app.command("chaos")(chaos)


def chaos(
    seed: Annotated[
        int, typer.Option(help="Draws the kill schedule and the bookings' stories; same seed, same run.")
    ] = 1,
    minutes: Annotated[float, typer.Option(min=0.25, help="How long the storm lasts.")] = 2.0,
    rate: Annotated[float, typer.Option(min=0.1, max=50, help="Bookings started per second.")] = 1.0,
    settle: Annotated[
        float, typer.Option(min=10, help="Seconds bookings and streams get to finish after the storm.")
    ] = 240.0,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of the run's own platform (default: a new temporary one).")
    ] = None,
    keep: Annotated[
        bool, typer.Option(help="Keep the run's data folder (store, logs, warehouse) afterwards.")
    ] = False,
) -> None:
    """Book through `ibe api` while the worker, relay, sink, Kafka and Temporal are SIGKILLed and restarted
    at points drawn from the seed, on a platform of its own (fresh folder, free ports); then check that
    every confirmed booking has one supplier order and one captured payment, no failed booking kept
    money or an order, held rooms never passed the allotment, the outbox is empty and the revenue marts
    equal the store to the cent.

    Exit codes: 0 every invariant holds; 1 an invariant is broken (each failure is named); 2 bad options.
    """
    from chaos.run import ChaosConfig, run

    folder = data_dir or Path(tempfile.mkdtemp(prefix="ibe-chaos-"))
    config = ChaosConfig(seed=seed, minutes=minutes, data_dir=folder, bookings_per_s=rate, settle_s=settle)
    try:
        result = run(config, say=lambda line: console.print(f"  {line}", highlight=False, soft_wrap=True))
    finally:
        if data_dir is None and not keep:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        elif data_dir is None:
            console.print(f"data folder kept: {folder} (logs in {folder / 'logs'})")
    if not result.passed:
        fail(f"chaos seed {seed}: {sum(not v.passed for v in result.verdicts)} invariant(s) broken")
    console.print(f"[bold green]chaos seed {seed}: every invariant holds[/] ({len(result.kills)} kills)")
