"""One record through each port: the check `ibe stack check` and `make demo` run after `up`.

Each step writes something and reads it back through the same client the platform uses, so a
green check means the engines answer *and* the project's ports work against them.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from core.config import LOOPBACK, Settings
from core.kv import open_store
from core.kv.keys import META
from core.warehouse import Warehouse, migrate


@dataclass(frozen=True)
class SmokeResult:
    port: str
    engine: str
    detail: str
    seconds: float


def _timed(port: str, engine: str, fn: Callable[[], str]) -> SmokeResult:
    start = time.perf_counter()
    detail = fn()
    return SmokeResult(port, engine, detail, time.perf_counter() - start)


def check_store(settings: Settings, token: str) -> str:
    store = open_store(settings)
    try:
        key = META.key("smoke")
        store.run(lambda tr: tr.set(key, token.encode()))
        got = store.run(lambda tr: tr.get(key))
    finally:
        store.close()
    if got != token.encode():
        raise RuntimeError(f"store returned {got!r}, expected {token!r}")
    return f"wrote and read meta/smoke in {settings.store_path if settings.fdb_cluster_file is None else 'FoundationDB'}"


def check_warehouse(settings: Settings, token: str) -> str:
    warehouse = Warehouse(settings)
    migrate(warehouse)
    db = warehouse.database
    with warehouse.session() as client:
        client.insert(
            f"{db}.platform_heartbeat",
            [["smoke", token, datetime.now(UTC)]],
            column_names=["source", "note", "written_at"],
        )
        rows = client.query(
            f"SELECT count() FROM {db}.platform_heartbeat WHERE note = {{t:String}}", parameters={"t": token}
        ).result_rows
    if rows[0][0] != 1:
        raise RuntimeError("heartbeat row not found after insert")
    return f"inserted and selected a heartbeat row in {db} ({'chDB' if warehouse.embedded else 'ClickHouse'})"


async def _kafka_round_trip(bootstrap: str, token: str) -> str:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.structs import TopicPartition

    topic = "ibe.smoke"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, token.encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        batch = await consumer.getmany(tp, timeout_ms=5000)
    finally:
        await consumer.stop()
    values = [m.value for m in batch.get(tp, [])]
    if token.encode() not in values:
        raise RuntimeError(f"message not read back from {topic}")
    return f"produced and consumed one message on {topic} (offset {meta.offset})"


def check_kafka(settings: Settings, token: str) -> str:
    return asyncio.run(_kafka_round_trip(settings.kafka_bootstrap_servers, token))


def check_redis(settings: Settings, token: str) -> str:
    import redis

    client = redis.Redis.from_url(settings.redis_target, socket_timeout=2)
    try:
        client.set("ibe:smoke", token, ex=60)
        got = client.get("ibe:smoke")
    finally:
        client.close()
    if got != token.encode():
        raise RuntimeError(f"redis returned {got!r}")
    return "SET and GET ibe:smoke"


def check_temporal(settings: Settings, token: str) -> str:
    """Start a workflow execution through Temporal's HTTP API and describe it back.

    No worker picks it up; it is terminated at once. The execution stays in the history, which is
    how a restart is seen to keep Temporal's data.
    """
    if settings.temporal_address:
        return "external Temporal: checked by the worker on start"
    base = f"http://{LOOPBACK}:{settings.temporal_http_port}/api/v1/namespaces/{settings.temporal_namespace}"
    workflow_id = f"ibe-smoke-{token}"
    with httpx.Client(timeout=5) as http:
        started = http.post(
            f"{base}/workflows/{workflow_id}",
            json={"workflowType": {"name": "IbeSmoke"}, "taskQueue": {"name": "ibe-smoke"}},
        )
        started.raise_for_status()
        described = http.get(f"{base}/workflows/{workflow_id}")
        described.raise_for_status()
        http.post(f"{base}/workflows/{workflow_id}/terminate", json={"reason": "smoke check"})
    return f"started and described workflow {workflow_id}"


def run_all(settings: Settings, on_result: Callable[[SmokeResult], None] | None = None) -> list[SmokeResult]:
    token = uuid.uuid4().hex[:12]
    steps = [
        ("store", "FoundationDB" if settings.fdb_cluster_file else "SQLite", check_store),
        ("warehouse", "ClickHouse" if settings.clickhouse_url else "chDB", check_warehouse),
        ("streams", "Kafka" if settings.kafka_bootstrap else "Tansu", check_kafka),
        ("cache", "Redis" if settings.redis_url else "Valkey", check_redis),
        ("workflows", "Temporal", check_temporal),
    ]
    results = []
    for port, engine, check in steps:
        result = _timed(port, engine, functools.partial(check, settings, token))
        results.append(result)
        if on_result:
            on_result(result)
    return results
