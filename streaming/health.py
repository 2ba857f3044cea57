"""Stream health for `ibe stack status` and dashboards: relay backlog, consumer lag, freshness, dead letters.

`stream_health(settings)` reads the store (outbox sequence vs the relay's cursor), the broker (the
sink group's committed offsets vs partition ends) and the warehouse (freshness = outbox commit -> row in
the marts, over the last 15 minutes). Each part reports its own error instead of failing the whole.
Tansu reports partition ends a little low (the last batch's base offset + 1), so lag there is a floor.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from core.config import Settings
from core.domain.events import TOPICS
from streaming.sink import SINK_GROUP

FRESHNESS_SQL = """
SELECT count(),
       quantile(0.5)(dateDiff('millisecond', _timestamp, ingested_at)),
       quantile(0.99)(dateDiff('millisecond', _timestamp, ingested_at))
FROM {db}.stream_events
WHERE ingested_at >= now64(3) - INTERVAL 15 MINUTE
"""


def relay_backlog(settings: Settings) -> dict[str, Any]:
    from core import outbox
    from core.kv import open_store

    if settings.fdb_cluster_file is None and not settings.store_path.exists():
        raise FileNotFoundError(f"no store yet at {settings.store_path}")
    with open_store(settings) as store:
        last, cursor = outbox.last_sequence(store), outbox.published_cursor(store)
        return {"outbox_last": last, "published": cursor, "backlog": max(last - cursor, 0)}


async def _lag(bootstrap: str, group: str, prefix: str) -> dict[str, int]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a broker that is down is reported once, as a status line
    try:
        await consumer.start()
    except Exception:
        await consumer.stop()
        raise
    finally:
        quiet.setLevel(level)
    try:
        lag: dict[str, int] = {}
        for topic in TOPICS:
            name = prefix + topic
            parts = consumer.partitions_for_topic(name) or await consumer._client._wait_on_metadata(name)
            tps = [TopicPartition(name, p) for p in sorted(parts or [])]
            if not tps:
                continue
            ends = await consumer.end_offsets(tps)
            total = 0
            for tp in tps:
                committed = await consumer.committed(tp)
                total += max(ends[tp] - (committed or 0), 0)
            lag[name] = total
        return lag
    finally:
        await consumer.stop()


def sink_lag(settings: Settings, group: str = SINK_GROUP, prefix: str = "") -> dict[str, int]:
    return asyncio.run(asyncio.wait_for(_lag(settings.kafka_bootstrap_servers, group, prefix), 10))


def freshness(settings: Settings) -> dict[str, Any]:
    from core.warehouse import Warehouse

    if settings.warehouse_embedded and not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse yet at {settings.warehouse_path}")
    # a status must not wait long for a warehouse turn held by a long job
    warehouse = Warehouse(settings.model_copy(update={"warehouse_lock_timeout_s": 5.0}))
    _, rows = warehouse.query(FRESHNESS_SQL.format(db=warehouse.database))
    count, p50, p99 = rows[0]
    dead = warehouse.query(
        f"SELECT count() FROM {warehouse.database}.stream_dead_letters FINAL "
        "WHERE received_at >= now64(3) - INTERVAL 1 DAY"
    )[1][0][0]
    return {
        "events_15m": int(count),
        "freshness_p50_ms": None if not count else float(p50),
        "freshness_p99_ms": None if not count else float(p99),
        "dead_letters_24h": int(dead),
    }


def stream_health(settings: Settings, prefix: str = "", group: str = SINK_GROUP) -> dict[str, Any]:
    """Every stream health figure that can be read now; a part that cannot says why under `errors`."""
    report: dict[str, Any] = {"errors": {}}
    for name, probe in (
        ("relay", lambda: relay_backlog(settings)),
        ("sink_lag", lambda: sink_lag(settings, group, prefix)),
        ("warehouse", lambda: freshness(settings)),
    ):
        try:
            report[name] = probe()
        except Exception as exc:  # a status line per part, never a traceback
            text = str(exc) if str(exc).startswith(type(exc).__name__) else f"{type(exc).__name__}: {exc}"
            report["errors"][name] = text.split(" from [")[0][:160]
    return report


def health_lines(report: dict[str, Any]) -> list[str]:
    """`stream_health`'s report as short lines for a console."""
    lines = []
    if "relay" in report:
        r = report["relay"]
        lines.append(
            f"relay     backlog {r['backlog']} (outbox {r['outbox_last']}, published {r['published']})"
        )
    if "sink_lag" in report:
        lag = report["sink_lag"]
        lines.append(
            f"sink      lag {sum(lag.values())} messages ({', '.join(f'{t} {n}' for t, n in lag.items())})"
        )
    if "warehouse" in report:
        w = report["warehouse"]
        p99 = "n/a" if w["freshness_p99_ms"] is None else f"{w['freshness_p99_ms']:.0f} ms"
        lines.append(
            f"marts     freshness p99 {p99} over {w['events_15m']} events (15 min), "
            f"dead letters {w['dead_letters_24h']} (24 h)"
        )
    lines += [f"{name:<9} unavailable: {error}" for name, error in report["errors"].items()]
    return lines
