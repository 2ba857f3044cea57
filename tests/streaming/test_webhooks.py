"""Partner webhooks: registration, Standard Webhooks signatures (checked with the `standardwebhooks`
library's verifier, as a partner would), key rotation, retries with backoff, dead letters and replay."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from prometheus_client import REGISTRY
from standardwebhooks import Webhook, WebhookVerificationError

from core import webhooks
from core.domain.events import BookingConfirmed, BookingCreated
from core.domain.money import Money
from core.kv import Store
from streaming.relay import Relay
from streaming.webhooks import RetryPolicy, WebhookService
from tests.servers import free_port
from tests.streaming.conftest import StreamEnv, run_until, write_outbox


class Receiver:
    """A partner endpoint on a free port that fails its first `fail_first` requests with HTTP 500."""

    def __init__(self, port: int, fail_first: int = 0) -> None:
        self.port = port
        self.fail_first = fail_first
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.fail_first else 200
                receiver.requests.append((status, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ok(self) -> list[tuple[int, dict[str, str], bytes]]:
        return [r for r in self.requests if r[0] == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_port() -> Iterator[int]:
    yield free_port()


def _events(partner: str) -> list:
    return [
        BookingCreated(aggregate_id="bk_w1", hotel_id="h", partner_id=partner, amount=Money.of("80.00", "EUR"),
                       checkin=date(2027, 2, 1), checkout=date(2027, 2, 3)),
        BookingConfirmed(aggregate_id="bk_w1", hotel_id="h", partner_id=partner, amount=Money.of("80.00", "EUR")),
        BookingConfirmed(aggregate_id="bk_other", hotel_id="h", partner_id="someone_else",
                         amount=Money.of("1.00", "EUR")),
    ]  # fmt: skip


def test_registration_validates_and_hides_the_secret(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p1", "https://partner.example/hook", ["booking.confirmed"])
    assert reg.secret.startswith("whsec_") and "secret" not in reg.public()
    assert [r.webhook_id for r in webhooks.list_webhooks(store, "p1")] == [reg.webhook_id]
    assert webhooks.webhooks_for(store, "p1", "booking.confirmed") == [reg]
    assert webhooks.webhooks_for(store, "p1", "booking.created") == []
    with pytest.raises(webhooks.WebhookError, match="unknown event types"):
        webhooks.register_webhook(store, "p1", "https://x.example", ["payment.captured"])
    with pytest.raises(webhooks.WebhookError, match="http"):
        webhooks.register_webhook(store, "p1", "ftp://x.example")
    assert webhooks.delete_webhook(store, "p1", reg.webhook_id)
    assert webhooks.list_webhooks(store, "p1") == []


def test_a_partner_verifies_deliveries_with_the_standard_webhooks_library(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_sig", "https://partner.example/hook")
    body = b'{"type":"booking.confirmed","amount":"80.00"}'
    headers = webhooks.signed_headers(reg, "ev-1", body)
    assert headers["webhook-id"] == "ev-1" and headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert Webhook(reg.secret).verify(body, headers) == orjson.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(reg.secret).verify(body.replace(b"80.00", b"8.00"), headers)  # tampered
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)  # somebody else's key
    with pytest.raises(WebhookVerificationError, match="too old"):
        old = webhooks.signed_headers(reg, "ev-1", body, now=_ago(seconds=600))
        Webhook(reg.secret).verify(body, old)  # a replayed request


def _ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def test_after_a_rotation_both_keys_verify_until_the_overlap_ends(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_rot", "https://partner.example/hook")
    rotated = webhooks.rotate_secret(store, "p_rot", reg.webhook_id, overlap_s=3600)
    assert rotated.secret != reg.secret
    assert webhooks.get_webhook(store, "p_rot", reg.webhook_id) == rotated
    body = b'{"a":1}'
    headers = webhooks.signed_headers(rotated, "ev-2", body)
    assert len(headers["webhook-signature"].split(" ")) == 2  # one signature per key
    Webhook(reg.secret).verify(body, headers)  # a partner still on the old key
    Webhook(rotated.secret).verify(body, headers)  # and one that already switched
    assert "previous_secrets" not in rotated.public()

    # A rotation whose overlap ended an hour ago: only the newest key signs.
    two_hours_ago = int((time.time() - 7200) * 1000)
    again = webhooks.rotate_secret(store, "p_rot", reg.webhook_id, overlap_s=3600, now_ms=two_hours_ago)
    headers = webhooks.signed_headers(again, "ev-3", body)
    Webhook(again.secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(rotated.secret).verify(body, headers)
    with pytest.raises(webhooks.WebhookError, match="no webhook"):
        webhooks.rotate_secret(store, "p_rot", "wh_missing")


def _attempts(outcome: str) -> float:
    return REGISTRY.get_sample_value("ibe_webhook_attempts_total", {"outcome": outcome}) or 0.0


def test_receiver_failing_three_times_then_gets_signed_events(
    stream_env: StreamEnv, receiver_port: int
) -> None:
    env = stream_env
    receiver = Receiver(receiver_port, fail_first=3)
    failed_before, delivered_before = _attempts("failed"), _attempts("delivered")
    try:
        reg = webhooks.register_webhook(env.store, "p_w", receiver.url)
        events = _events("p_w")
        write_outbox(env.store, events)
        relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
        service = WebhookService(
            env.store, env.bootstrap, topic_prefix=env.prefix, group_id=env.group, session_timeout_ms=2000,
            policy=RetryPolicy(base_delay_s=0.05, max_delay_s=0.5, window_s=30),
        )  # fmt: skip
        asyncio.run(run_until([relay.run, service.run], lambda: len(receiver.ok()) >= 2, timeout_s=30))
    finally:
        receiver.close()
    assert len(receiver.requests) >= 5 and [r[0] for r in receiver.requests[:3]] == [500, 500, 500]
    got = {}
    for _, headers, body in receiver.ok():
        got[headers["webhook-id"]] = Webhook(reg.secret).verify(body, headers)
    mine = {e.event_id: orjson.loads(e.to_json()) for e in events[:2]}
    assert got == mine  # the partner's two events, as on the wire; the other partner's event is not sent
    # Prometheus counts every attempt (the process serves these on IBE_METRICS_PORT).
    assert _attempts("failed") - failed_before >= 3
    assert _attempts("delivered") - delivered_before >= 2
    assert webhooks.due_deliveries(env.store) == []


def test_receiver_down_past_the_window_is_parked_then_replayed(
    stream_env: StreamEnv, receiver_port: int
) -> None:
    env = stream_env
    url = f"http://127.0.0.1:{receiver_port}/hooks"  # nothing listens there yet
    webhooks.register_webhook(env.store, "p_down", url, ["booking.confirmed"])
    write_outbox(env.store, _events("p_down"))
    relay = Relay(env.store, env.bootstrap, topic_prefix=env.prefix)
    service = WebhookService(
        env.store, env.bootstrap, topic_prefix=env.prefix, group_id=env.group, session_timeout_ms=2000,
        policy=RetryPolicy(base_delay_s=0.05, max_delay_s=0.2, window_s=1.0, timeout_s=1.0),
    )  # fmt: skip
    asyncio.run(run_until([relay.run, service.run], lambda: service.stats.parked >= 1, timeout_s=30))
    (dead,) = webhooks.dead_deliveries(env.store, "p_down")
    assert dead.event_type == "booking.confirmed" and dead.attempts >= 3
    assert "Connect" in dead.last_error
    assert webhooks.due_deliveries(env.store) == []

    receiver = Receiver(receiver_port)
    try:
        assert webhooks.replay_dead(env.store, "p_down") == 1
        service = WebhookService(
            env.store, env.bootstrap, topic_prefix=env.prefix, group_id=env.group, session_timeout_ms=2000,
            policy=RetryPolicy(base_delay_s=0.05, window_s=5),
        )  # fmt: skip
        asyncio.run(run_until([service.run], lambda: len(receiver.ok()) >= 1, timeout_s=30))
    finally:
        receiver.close()
    (_, headers, _body) = receiver.ok()[0]
    assert headers["webhook-id"] == dead.event_id
    assert webhooks.dead_deliveries(env.store, "p_down") == []


def test_an_event_delivered_again_by_the_topic_is_queued_once(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_dup", "https://partner.example/h")
    first = webhooks.enqueue(store, reg, "ev-1", "booking.confirmed", b"{}")
    assert first is not None and first.delivery_id == f"{reg.webhook_id}:ev-1"
    assert webhooks.enqueue(store, reg, "ev-1", "booking.confirmed", b"{}") is None  # replayed by the topic
    assert len(webhooks.due_deliveries(store)) == 1
    assert webhooks.purge_seen(store, older_than_ms=0) == 0
    assert webhooks.purge_seen(store, older_than_ms=2**62) == 1
    assert webhooks.enqueue(store, reg, "ev-1", "booking.confirmed", b"{}") is not None  # past retention


def test_a_claimed_delivery_is_not_taken_twice_and_comes_back_after_its_lease(store: Store) -> None:
    reg = webhooks.register_webhook(store, "p_lease", "https://partner.example/h")
    webhooks.enqueue(store, reg, "ev-9", "booking.confirmed", b"{}")
    (claimed,) = webhooks.claim_due(store, lease_ms=60_000)
    assert webhooks.claim_due(store, lease_ms=60_000) == []  # a second dispatcher finds nothing
    (again,) = webhooks.claim_due(store, lease_ms=60_000, now_ms=claimed.due_at_ms)  # the first one died
    assert again.delivery_id == claimed.delivery_id
    webhooks.delivered(store, again)
    assert webhooks.due_deliveries(store, now_ms=2**62) == []
