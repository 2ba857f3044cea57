"""`ibe apikey create`: a partner API key (printed once; only its hash is stored)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.output import console, fail

apikey_app = typer.Typer(help="Manage the booking API's keys.")


class Scope(StrEnum):
    """What a key may do (`core.booking.apikeys.SCOPES`, spelled here so `--help` stays instant)."""

    SEARCH = "search"
    BOOK = "book"
    INVENTORY = "inventory"
    ADMIN = "admin"


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")


@apikey_app.command("create")
def create(
    partner: str = typer.Option(..., help="Partner id the key belongs to."),
    scope: Annotated[
        list[Scope] | None, typer.Option(help="What the key may do; repeat for several (default search).")
    ] = None,
    name: str = typer.Option("", help="A label for the key."),
    rate_per_minute: int = typer.Option(600, min=1, help="Sustained requests a minute."),
    burst: int = typer.Option(60, min=1, help="Requests allowed at once."),
) -> None:
    """Create a key and print it (it cannot be shown again)."""
    from core.booking.apikeys import create_api_key
    from core.config import get_settings
    from core.kv import StoreError, open_store

    try:
        with open_store(get_settings()) as store:
            token, record = create_api_key(
                store, partner, [s.value for s in scope or [Scope.SEARCH]], name, rate_per_minute, burst
            )
    except ValueError as exc:
        fail(str(exc))
    except StoreError as exc:
        fail(str(exc))
    console.print(f"key id {record.key_id}, partner {record.partner_id}, scopes {', '.join(record.scopes)}")
    console.print(token, highlight=False)
