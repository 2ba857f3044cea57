"""Entry point of the `ibe` command.

Every module of this package that defines `register(app)` adds its commands; heavy imports stay
inside the command functions, so `ibe --help` is instant.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

import cli

DISTRIBUTION = "etg-ibe"


def installed_version() -> str:
    """The installed distribution's version (pyproject.toml's `version`)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ibe {installed_version()}")
        raise typer.Exit()


def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """ETG hotel IBE data platform: embedded stack, catalog, booking API, streams, analytics."""


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="ibe",
        help="ETG hotel IBE data platform: embedded stack, catalog, booking API, streams, analytics.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    for module_info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda m: m.name):
        if module_info.name in {"main", "output"}:
            continue
        module = importlib.import_module(f"cli.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    return app


def main() -> None:
    build_app()()
