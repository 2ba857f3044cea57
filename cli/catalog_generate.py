"""`ibe catalog generate`: write a synthetic RateHawk catalog (full, incremental and region dumps)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.catalog import catalog_app


def generate(
    hotels: Annotated[int, typer.Option("--hotels", min=0, help="Number of hotels in the full dump.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the dumps and manifest.json into.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Same seed, same bytes.")] = 0,
    bad_fraction: Annotated[
        float, typer.Option("--bad-fraction", min=0.0, max=1.0, help="Share of deliberately broken lines.")
    ] = 0.0,
    workers: Annotated[int, typer.Option("--workers", min=0, help="Worker processes (0: one per core).")] = 0,
) -> None:
    """Write a deterministic synthetic catalog in RateHawk's dump format, with a bad-line manifest."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from cli.output import console, fail, table
    from core.ratehawk.synthetic import write_dumps

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {out}: {exc.strerror}")
    started = time.perf_counter()
    with Progress(
        TextColumn("full dump"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        task = bar.add_task("hotels", total=hotels)
        manifest = write_dumps(
            out,
            hotels,
            seed=seed,
            bad_fraction=bad_fraction,
            workers=workers or None,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    elapsed = time.perf_counter() - started
    rows = [
        (f.name, f.lines, f.bad_lines, f"{f.raw_bytes / 1e6:.1f}", f"{f.bytes / 1e6:.1f}")
        for f in manifest.files.values()
    ]
    table(("file", "lines", "bad lines", "raw MB", "zstd MB"), rows, title=str(out))
    rate = hotels / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{hotels} hotels in {elapsed:.1f} s ({rate:,.0f} hotels/s); manifest: {out / 'manifest.json'}"
    )


def register(app: typer.Typer) -> None:
    catalog_app.command("generate")(generate)
