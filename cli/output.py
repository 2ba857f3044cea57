"""Console helpers shared by the commands: one-line errors and readable tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line and exit non-zero, without a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def step(message: str) -> None:
    console.print(f"[bold cyan]==>[/] {message}", highlight=False)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
    out = Table(title=title, show_lines=False)
    for name in columns:
        out.add_column(str(name))
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console.print(out)
