"""The injectable clock: the wall clock (UTC) by default, frozen for tests, back-fills and replays."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines.resources import Clock


def test_the_wall_clock_is_the_default_and_timezone_aware() -> None:
    before = datetime.now(UTC)
    now = Clock().now()
    assert now.tzinfo is not None and before <= now <= datetime.now(UTC)
    assert Clock(frozen_at="2030-01-02T03:04:05").now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert Clock(frozen_at="2030-01-02T05:04:05+02:00").today().isoformat() == "2030-01-02"
