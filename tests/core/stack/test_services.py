"""Every port of every managed service is a setting, so a taken port's error names a real variable."""

from __future__ import annotations

from core.config import Settings
from core.stack.services import embedded_services


def test_every_port_is_named_by_its_setting(settings: Settings) -> None:
    specs = embedded_services(settings, dagster_ui=True, platform=True)
    assert {spec.name for spec in specs} >= {"temporal", "kafka", "redis", "dagster", "api", "simulator"}
    for spec in specs:
        for field, port in spec.ports.items():
            assert field in Settings.model_fields, f"{spec.name}: {field} is not a setting"
            assert getattr(settings, field) == port
