"""The data folder `ibe stack up` prepares: Dagster's home with telemetry off, user edits kept."""

from __future__ import annotations

import yaml

from core.config import Settings
from core.stack import prepare_data_dir


def test_dagster_home_has_telemetry_off_and_pooled_assets_one_at_a_time(settings: Settings) -> None:
    prepare_data_dir(settings)
    config = yaml.safe_load((settings.dagster_home / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["pools"]["default_limit"] == 1
    for sub in ("run", "logs", "store", "warehouse"):
        assert (settings.data_path / sub).is_dir()


def test_a_dagster_yaml_the_user_owns_is_left_alone(settings: Settings) -> None:
    settings.dagster_home.mkdir(parents=True)
    own = "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 7\n"
    (settings.dagster_home / "dagster.yaml").write_text(own)
    prepare_data_dir(settings)
    assert (settings.dagster_home / "dagster.yaml").read_text() == own
