"""Free ports: from the configured range, never one that is taken, never the same twice in a row."""

from __future__ import annotations

import socket

import pytest

from core.stack.ports import RANGE_VARIABLE, free_port, service_ports_env


def test_ports_come_from_the_configured_range_and_do_not_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RANGE_VARIABLE, "24000-24099")
    picked = [free_port() for _ in range(50)]
    assert all(24_000 <= port <= 24_099 for port in picked)
    assert len(set(picked)) == 50


def test_a_taken_port_is_skipped_and_a_full_range_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RANGE_VARIABLE, "26000-26999")
    port = next(p for p in iter(free_port, None) if p < 26_999 and _free(p + 1))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        monkeypatch.setenv(RANGE_VARIABLE, f"{port}-{port + 1}")
        assert {free_port() for _ in range(5)} == {port + 1}
        monkeypatch.setenv(RANGE_VARIABLE, f"{port}-{port}")
        with pytest.raises(OSError, match=f"no free port in {port}-{port}"):
            free_port()


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_every_service_port_setting_gets_its_own_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RANGE_VARIABLE, "25000-25999")
    env = service_ports_env()
    assert {"IBE_API_PORT", "IBE_TEMPORAL_UI_PORT", "IBE_KAFKA_PORT"} <= env.keys()
    assert len(set(env.values())) == len(env)
