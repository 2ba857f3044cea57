"""The payment simulator in-process (ASGI) with a client on it; backoff sleeps are near zero."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from core.payments.client import PaymentsClient
from core.payments.simulator import Faults, SimulatorConfig, create_app

API_KEY = "sk_test_unit"


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def payments_app():
    return create_app(SimulatorConfig(api_key=API_KEY, seed=7, faults=Faults(hang_s=5.0)))


@pytest.fixture
async def payments(payments_app) -> AsyncIterator[PaymentsClient]:
    client = PaymentsClient(
        "http://payments.test",
        API_KEY,
        transport=httpx.ASGITransport(payments_app),
        timeout_s=0.3,
        sleep=no_wait,
    )
    async with client:
        yield client
