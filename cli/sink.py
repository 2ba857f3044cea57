"""`ibe sink`: write the topics' events into the warehouse marts (see streaming/sink.py)."""

from __future__ import annotations

import typer

from cli.output import console, fail


def register(app: typer.Typer) -> None:
    app.command("sink")(sink)


def sink(
    topic_prefix: str = typer.Option("", help="Prefix of every topic name (side-by-side deployments)."),
    group: str = typer.Option("ibe-warehouse-sink", help="Consumer group id."),
    max_records: int = typer.Option(5000, min=1, help="Micro-batch size bound."),
    max_wait_ms: int = typer.Option(200, min=1, help="Micro-batch time bound."),
    session_timeout_ms: int = typer.Option(
        10000, min=1000, help="Consumer session timeout: how soon the group notices this sink died."
    ),
    until_idle: float | None = typer.Option(
        None, "--until-idle", help="Exit after this many seconds without a message (one-shot runs)."
    ),
) -> None:
    """Consume the event topics in micro-batches, dedup by event id, insert facts, then commit offsets."""
    import asyncio

    from core.config import get_settings
    from core.observability import init_process
    from core.warehouse import MigrationChanged, MigrationLocked, Warehouse, WarehouseError, migrate
    from streaming.runner import IdleClock, keep_connected, run_process
    from streaming.sink import Sink

    settings = get_settings()
    warehouse = Warehouse(settings)
    try:
        migrate(warehouse)
    except (WarehouseError, MigrationChanged, MigrationLocked) as exc:
        fail(str(exc))
    init_process(settings, "ibe-sink")  # logs with trace ids, traces, metrics on IBE_METRICS_PORT
    worker = Sink(
        warehouse,
        settings.kafka_bootstrap_servers,
        topic_prefix=topic_prefix,
        group_id=group,
        max_records=max_records,
        max_wait_ms=max_wait_ms,
        session_timeout_ms=session_timeout_ms,
    )
    console.print(f"sink: {settings.kafka_bootstrap_servers} -> warehouse {warehouse.database}")
    clock = IdleClock(
        lambda: worker.stats.inserted + worker.stats.duplicates + worker.stats.dead_letters, grace_s=15.0
    )
    try:
        asyncio.run(
            run_process(
                lambda stop: keep_connected("sink", worker.run, stop), idle=clock, until_idle_s=until_idle
            )
        )
    except Exception as exc:
        fail(f"sink stopped: {type(exc).__name__}: {exc}")
    finally:
        warehouse.close()
    s = worker.stats
    console.print(
        f"sink: {s.inserted} inserted, {s.duplicates} duplicates dropped, {s.dead_letters} dead letters"
    )
