"""Entry point of the `ibe` command.

Every module of this package that defines `register(app)` adds its commands; heavy imports stay
inside the command functions, so `ibe --help` is instant.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import cli


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="ibe",
        help="ETG hotel IBE data platform: embedded stack, catalog, booking API, streams, analytics.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
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
