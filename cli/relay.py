"""`ibe relay`: publish the store's outbox to the topics (see streaming/relay.py)."""

from __future__ import annotations

import typer

from cli.output import console, fail


def register(app: typer.Typer) -> None:
    app.command("relay")(relay)


def relay(
    topic_prefix: str = typer.Option("", help="Prefix of every topic name (side-by-side deployments)."),
    batch: int = typer.Option(2000, min=1, help="Outbox entries per publish round."),
    until_idle: float | None = typer.Option(
        None, "--until-idle", help="Exit after this many seconds with nothing to publish (one-shot runs)."
    ),
) -> None:
    """Publish the outbox in commit order with acks=all; replay it if the broker lost data."""
    import asyncio

    from core.config import get_settings
    from core.kv import StoreError, open_store
    from core.observability import init_process
    from streaming.relay import Relay
    from streaming.runner import IdleClock, keep_connected, run_process

    settings = get_settings()
    try:
        store = open_store(settings)
    except StoreError as exc:
        fail(str(exc))
    init_process(settings, "ibe-relay")  # logs with trace ids, traces, metrics on IBE_METRICS_PORT
    worker = Relay(store, settings.kafka_bootstrap_servers, topic_prefix=topic_prefix, batch=batch)
    console.print(f"relay: outbox {settings.store_path} -> {settings.kafka_bootstrap_servers}")
    try:
        asyncio.run(
            run_process(
                lambda stop: keep_connected("relay", worker.run, stop),
                idle=IdleClock(lambda: worker.stats.published),
                until_idle_s=until_idle,
            )
        )
    except Exception as exc:
        fail(f"relay stopped: {type(exc).__name__}: {exc}")
    finally:
        store.close()
    console.print(f"relay: published {worker.stats.published} events, {worker.stats.replays} replays")
