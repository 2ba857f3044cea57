"""The `ibe catalog` command group; its commands live in cli/catalog_*.py modules."""

from __future__ import annotations

import typer

catalog_app = typer.Typer(
    name="catalog", help="The hotel catalog: generate synthetic dumps, ingest dumps.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
