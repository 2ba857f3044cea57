"""`ibe webhooks`: deliver booking events to partner URLs; register, list, inspect and replay."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import console, fail, table

webhooks_app = typer.Typer(
    help="Partner webhooks: run the deliverer (no subcommand), or manage registrations and dead letters.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.callback()
def webhooks_run(
    ctx: typer.Context,
    topic_prefix: str = typer.Option("", help="Prefix of every topic name."),
    group: str = typer.Option("ibe-webhooks", help="Consumer group id."),
) -> None:
    """Consume booking.events and deliver them, signed, retried with backoff for a day, then parked."""
    if ctx.invoked_subcommand is not None:
        return
    import asyncio

    from core.config import get_settings
    from core.kv import StoreError, open_store
    from core.observability import init_process
    from streaming.runner import run_process
    from streaming.webhooks import WebhookService

    settings = get_settings()
    try:
        store = open_store(settings)
    except StoreError as exc:
        fail(str(exc))
    init_process(settings, "ibe-webhooks")  # logs with trace ids, traces, metrics on IBE_METRICS_PORT
    service = WebhookService(
        store, settings.kafka_bootstrap_servers, topic_prefix=topic_prefix, group_id=group
    )
    console.print(f"webhooks: {settings.kafka_bootstrap_servers} -> partner URLs")
    try:
        asyncio.run(run_process(service.run))
    except Exception as exc:
        fail(f"webhooks stopped: {type(exc).__name__}: {exc}")
    finally:
        store.close()


@webhooks_app.command("register")
def webhooks_register(
    partner: str = typer.Argument(..., help="Partner id."),
    url: str = typer.Argument(..., help="The partner's https endpoint."),
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Event type to send (repeatable; default all).")
    ] = None,
) -> None:
    """Register a URL; prints the signing secret once."""
    from core import webhooks
    from core.config import get_settings
    from core.kv import open_store

    with open_store(get_settings()) as store:
        try:
            reg = webhooks.register_webhook(store, partner, url, event or None)
        except webhooks.WebhookError as exc:
            fail(str(exc))
    console.print(f"webhook {reg.webhook_id} for {partner}: {url} ({', '.join(reg.event_types)})")
    console.print(f"signing secret (shown once): {reg.secret}")


@webhooks_app.command("list")
def webhooks_list(partner: str = typer.Argument(..., help="Partner id.")) -> None:
    from core import webhooks
    from core.config import get_settings
    from core.kv import open_store

    with open_store(get_settings()) as store:
        regs = webhooks.list_webhooks(store, partner)
    table(["webhook", "url", "events"], [(r.webhook_id, r.url, ", ".join(r.event_types)) for r in regs])


@webhooks_app.command("rotate")
def webhooks_rotate(
    partner: str = typer.Argument(..., help="Partner id."),
    webhook_id: str = typer.Argument(..., help="The webhook's id (`ibe webhooks list`)."),
    overlap_hours: float = typer.Option(24.0, min=0, help="Hours the old secret keeps signing too."),
) -> None:
    """Give a webhook a new signing secret; prints it once. Deliveries carry both signatures for the
    overlap, so the partner can switch keys at any moment within it."""
    from core import webhooks
    from core.config import get_settings
    from core.kv import open_store

    with open_store(get_settings()) as store:
        try:
            reg = webhooks.rotate_secret(store, partner, webhook_id, overlap_s=overlap_hours * 3600)
        except webhooks.WebhookError as exc:
            fail(str(exc))
    console.print(f"webhook {reg.webhook_id}: new secret, the old one also signs for {overlap_hours:g} h")
    console.print(f"signing secret (shown once): {reg.secret}")


@webhooks_app.command("dead")
def webhooks_dead(partner: str = typer.Argument(..., help="Partner id.")) -> None:
    """Deliveries parked after the retry window, with their last error."""
    from core import webhooks
    from core.config import get_settings
    from core.kv import open_store

    with open_store(get_settings()) as store:
        dead = webhooks.dead_deliveries(store, partner)
    table(
        ["delivery", "event", "type", "attempts", "last error"],
        [(d.delivery_id, d.event_id, d.event_type, d.attempts, d.last_error) for d in dead],
    )


@webhooks_app.command("replay")
def webhooks_replay(partner: str = typer.Argument(..., help="Partner id.")) -> None:
    """Queue every parked delivery of the partner again."""
    from core import webhooks
    from core.config import get_settings
    from core.kv import open_store

    with open_store(get_settings()) as store:
        count = webhooks.replay_dead(store, partner)
    console.print(f"queued {count} deliveries again")
