"""A broker outage does not end a stream process: it reconnects, and a stop request still ends it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiokafka.errors import KafkaConnectionError

from streaming.runner import keep_connected


async def test_a_process_reconnects_after_the_broker_was_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    starts = []

    async def main(stop: asyncio.Event) -> None:
        starts.append(len(starts))
        if len(starts) < 3:
            raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 1)]")

    with caplog.at_level(logging.WARNING):
        await keep_connected("relay", main, asyncio.Event(), first_backoff_s=0.01)
    assert len(starts) == 3
    assert caplog.text.count("relay: broker unavailable") == 2


async def test_a_stop_during_the_wait_ends_it_at_once() -> None:
    stop = asyncio.Event()

    async def main(stop_: asyncio.Event) -> None:
        stop.set()
        raise KafkaConnectionError("down")

    await asyncio.wait_for(keep_connected("sink", main, stop, first_backoff_s=30), timeout=5)


async def test_an_error_that_is_not_the_broker_still_ends_the_process() -> None:
    async def main(stop: asyncio.Event) -> None:
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        await keep_connected("relay", main, asyncio.Event(), first_backoff_s=0.01)
