"""`ibe webhooks`: delivers booking events to the URLs partners registered, at least once.

Two loops in one process:
- a consumer group on `booking.events` queues one delivery per (event, matching registration) in the
  store, then commits its offsets (a crash in between queues the event again: at least once);
- a dispatcher claims due deliveries with a lease (so several dispatchers never take the same one, and
  one that dies mid-attempt leaves it due again), POSTs them signed in the Standard Webhooks format
  (core/webhooks.py), each attempt in a client span and counted in Prometheus, and on a failure
  (non-2xx, timeout, connection refused) retries with exponential backoff and jitter (base * 2^attempt,
  capped) until the retry window (a day) has passed since the first attempt; then the delivery is parked
  in the partner's dead letters, from which `replay_dead` queues it again.
A slow or dead partner never blocks the topic: retries wait in the store, not in the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opentelemetry import trace

from core import outbox, webhooks
from core.domain.events import BOOKING_EVENTS, InvalidEvent, decode_event
from core.kv import Store
from streaming.metrics import stream_metrics
from streaming.topics import ensure_topics, group_consumer, topic_specs

log = logging.getLogger(__name__)

WEBHOOKS_GROUP = "ibe-webhooks"
PURGE_EVERY_S = 3600.0
# Enqueue marks outlive the outbox retention (7 days), the longest a replay can reach back.
SEEN_RETENTION = outbox.DEFAULT_RETENTION + timedelta(days=1)


@dataclass
class RetryPolicy:
    base_delay_s: float = 5.0
    max_delay_s: float = 3600.0
    window_s: float = 24 * 3600.0
    timeout_s: float = 10.0

    def delay_s(self, attempts: int) -> float:
        """Delay before the next try after `attempts` failures: exponential, capped, +-20% jitter."""
        raw = min(self.base_delay_s * (2 ** max(attempts - 1, 0)), self.max_delay_s)
        return raw * random.uniform(0.8, 1.2)


@dataclass
class WebhookStats:
    queued: int = 0
    delivered: int = 0
    failures: int = 0
    parked: int = 0


class WebhookService:
    def __init__(
        self,
        store: Store,
        bootstrap: str,
        *,
        topic_prefix: str = "",
        group_id: str = WEBHOOKS_GROUP,
        policy: RetryPolicy | None = None,
        session_timeout_ms: int = 10000,
        tick_s: float = 0.05,
        concurrency: int = 16,
    ) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.prefix = topic_prefix
        self.group_id = group_id
        self.policy = policy or RetryPolicy()
        self.session_timeout_ms = session_timeout_ms
        self.tick_s = tick_s
        self.concurrency = concurrency
        self.stats = WebhookStats()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.consume(stop), self.dispatch(stop))

    # -- queueing ------------------------------------------------------------------------------------

    async def consume(self, stop: asyncio.Event) -> None:
        await ensure_topics(self.bootstrap, topic_specs(self.prefix))
        consumer = group_consumer(
            self.bootstrap, [self.prefix + BOOKING_EVENTS], self.group_id, self.session_timeout_ms
        )
        await consumer.start()
        try:
            while not stop.is_set():
                records = await consumer.getmany(timeout_ms=200, max_records=1000)
                messages = [m for batch in records.values() for m in batch]
                if messages:
                    queued = await asyncio.to_thread(self._queue, messages)
                    self.stats.queued += queued
                    stream_metrics()["webhooks_queued"].inc(queued)
                    await consumer.commit()
        finally:
            await consumer.stop()

    def _queue(self, messages: list[Any]) -> int:
        def work(tr: Any) -> int:
            queued = 0
            cache: dict[str, list[webhooks.Registration]] = {}
            for msg in messages:
                try:
                    event = decode_event(msg.value or b"")
                except InvalidEvent:
                    continue  # the warehouse sink dead-letters it with its reason
                partner = getattr(event, "partner_id", None)
                if not partner:
                    continue
                if partner not in cache:
                    cache[partner] = webhooks.list_webhooks(tr, partner)
                for registration in cache[partner]:
                    if registration.wants(event.type) and webhooks.enqueue(
                        tr, registration, event.event_id, event.type, msg.value
                    ):
                        queued += 1
            return queued

        return self.store.run(work)

    # -- delivery ------------------------------------------------------------------------------------

    async def dispatch(self, stop: asyncio.Event) -> None:
        import httpx

        last_purge = 0.0
        async with httpx.AsyncClient(timeout=self.policy.timeout_s) as client:
            while not stop.is_set():
                if time.monotonic() - last_purge > PURGE_EVERY_S:
                    horizon = int((time.time() - SEEN_RETENTION.total_seconds()) * 1000)
                    await asyncio.to_thread(webhooks.purge_seen, self.store, horizon)
                    last_purge = time.monotonic()
                lease_ms = int((self.policy.timeout_s + 30) * 1000)
                due = await asyncio.to_thread(webhooks.claim_due, self.store, lease_ms, self.concurrency)
                if due:
                    await asyncio.gather(*(self._attempt(client, d) for d in due))
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.tick_s)

    async def _attempt(self, client: Any, delivery: webhooks.Delivery) -> None:
        registration = await asyncio.to_thread(
            webhooks.get_webhook, self.store, delivery.partner_id, delivery.webhook_id
        )
        metrics = stream_metrics()
        if registration is None:
            await asyncio.to_thread(webhooks.park, self.store, delivery, "webhook deleted")
            self.stats.parked += 1
            metrics["webhooks_parked"].inc()
            return
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            **webhooks.signed_headers(registration, delivery.event_id, body),
            webhooks.EVENT_TYPE_HEADER: delivery.event_type,
            webhooks.DELIVERY_HEADER: delivery.delivery_id,
        }
        started = time.monotonic()
        with trace.get_tracer(__name__).start_as_current_span(
            "webhook deliver",
            kind=trace.SpanKind.CLIENT,
            attributes={"ibe.partner_id": delivery.partner_id, "ibe.event_type": delivery.event_type,
                        "ibe.webhook.attempt": delivery.attempts + 1, "http.request.method": "POST"},
        ) as span:  # fmt: skip
            try:
                response = await client.post(delivery.url, content=body, headers=headers)
                span.set_attribute("http.response.status_code", response.status_code)
                error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
            except Exception as exc:  # network errors of every kind are a failed attempt, retried
                error = f"{type(exc).__name__}: {exc}"[:300]
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))
        outcome = "failed" if error else "delivered"
        metrics["webhook_attempts"].labels(outcome=outcome).inc()
        metrics["webhook_attempt_seconds"].labels(outcome=outcome).observe(time.monotonic() - started)
        if not error:
            await asyncio.to_thread(webhooks.delivered, self.store, delivery)
            self.stats.delivered += 1
            return
        self.stats.failures += 1
        now_ms = int(time.time() * 1000)
        next_ms = now_ms + int(self.policy.delay_s(delivery.attempts + 1) * 1000)
        if next_ms - delivery.first_attempt_at_ms > self.policy.window_s * 1000:
            await asyncio.to_thread(webhooks.park, self.store, delivery, error)
            self.stats.parked += 1
            metrics["webhooks_parked"].inc()
            log.warning(
                "webhook %s parked after %d attempts: %s", delivery.delivery_id, delivery.attempts + 1, error
            )
        else:
            await asyncio.to_thread(webhooks.retry_later, self.store, delivery, error, next_ms)
