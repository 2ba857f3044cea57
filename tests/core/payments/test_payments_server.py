"""`ibe payments-simulator` as a real process on a free port, used over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from core.config import Settings
from core.domain.money import Money
from core.payments.client import PaymentsClient
from core.payments.models import CARD_OK, CARD_TIMEOUT_AFTER_CHARGE, PaymentStatus
from tests.servers import ibe_process


@pytest.fixture
def payments_server(settings: Settings) -> Iterator[Settings]:
    with ibe_process(
        "payments-simulator", "--hang-s", "3",
        ready_url=f"{settings.payments_url}/health", ready=lambda r: r.status_code == 200,
    ):  # fmt: skip
        yield settings


async def test_booking_payment_over_http_with_a_lost_answer(payments_server: Settings):
    async with PaymentsClient.from_settings(payments_server, timeout_s=0.5) as client:
        payment = await client.authorize(
            Money.of("310.40", "USD"),
            CARD_TIMEOUT_AFTER_CHARGE,
            idempotency_key="bk-1/auth",
            reference="bk-1",
        )
        assert payment.status is PaymentStatus.AUTHORIZED
        assert client.stats.retries >= 1 and client.stats.replays == 1
        captured = await client.capture(payment.id, idempotency_key="bk-1/capture")
        assert captured.captured == Money.of("310.40", "USD")
        assert len(await client.find("bk-1")) == 1
        other = await client.authorize(Money.of("5", "USD"), CARD_OK, idempotency_key="bk-2/auth")
        assert other.amount_captured == 0 and str(other.amount) == "5.00"


def test_a_taken_port_is_one_clear_error_line(payments_server: Settings):
    command = [sys.executable, "-c", "from cli.main import main; main()", "payments-simulator"]
    done = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot listen on" in done.stderr and "Traceback" not in done.stderr
