"""The topics, their partitions, retention and compaction, created with the Kafka admin API.

| topic               | partitions | cleanup        | retention | key                    |
|---------------------|------------|----------------|-----------|------------------------|
| `booking.events`    | 4          | delete         | 7 days    | booking id             |
| `payment.events`    | 4          | delete         | 7 days    | booking id             |
| `search.events`     | 4          | delete         | 7 days    | search session id      |
| `inventory.updates` | 4          | compact,delete | 7 days    | hotel:room:night       |
| `user.activity`     | 4          | delete         | 7 days    | user id                |
| `events.dead_letter`| 1          | delete         | 30 days   | source topic/partition |

One booking's events share a key, hence a partition, hence an order. `prefix` namespaces every name
(tests and side-by-side deployments on one broker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.domain.events import BOOKING_EVENTS, INVENTORY_UPDATES, PAYMENT_EVENTS, SEARCH_EVENTS, USER_ACTIVITY

DEAD_LETTER = "events.dead_letter"
DAY_MS = 24 * 3600 * 1000
EVENT_RETENTION_MS = 7 * DAY_MS


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 4
    configs: dict[str, str] = field(default_factory=dict)


def topic_specs(prefix: str = "") -> list[TopicSpec]:
    events = {"retention.ms": str(EVENT_RETENTION_MS), "cleanup.policy": "delete"}
    compacted = {"retention.ms": str(EVENT_RETENTION_MS), "cleanup.policy": "compact,delete"}
    return [
        TopicSpec(prefix + BOOKING_EVENTS, 4, events),
        TopicSpec(prefix + PAYMENT_EVENTS, 4, events),
        TopicSpec(prefix + SEARCH_EVENTS, 4, events),
        TopicSpec(prefix + INVENTORY_UPDATES, 4, compacted),
        TopicSpec(prefix + USER_ACTIVITY, 4, events),
        TopicSpec(prefix + DEAD_LETTER, 1, {"retention.ms": str(30 * DAY_MS), "cleanup.policy": "delete"}),
    ]


async def ensure_topics(bootstrap: str, specs: list[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Existing topics are kept."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [NewTopic(s.name, s.partitions, 1, topic_configs=s.configs) for s in missing]
        )
        created = []
        for name, code, message in response.topic_errors:
            if code not in (0, 36):  # 36: created meanwhile by someone else
                raise RuntimeError(f"cannot create topic {name}: error {code} {message or ''}".strip())
            if code == 0:
                created.append(name)
        return created
    finally:
        await admin.close()


def group_consumer(
    bootstrap: str, topics: list[str], group_id: str, session_timeout_ms: int, **options: Any
) -> Any:
    """A consumer-group member that commits by hand (after its writes) and starts new groups at the
    beginning of the topics, so nothing published before the group first joined is skipped."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(100, session_timeout_ms // 4),
        **options,
    )
