"""Dagster resources: the platform's engine ports, configurable, swappable in tests and the CLI.

Assets reach them by key (`RESOURCE_KEYS`); each wraps a port of `core` and reads the platform's
settings (`IBE_*`), with optional overrides, when it is used, never at import:

| key            | resource                               | swap for                                   |
|----------------|----------------------------------------|--------------------------------------------|
| `store`        | TransactionalStore (FoundationDB/SQLite) | a tmp data_dir in tests                  |
| `warehouse`    | AnalyticsWarehouse (ClickHouse/chDB)   | a tmp data_dir in tests                    |
| `search`       | SearchIndexResource (Elasticsearch/Tantivy) | a tmp data_dir in tests               |
| `ratehawk`     | RateHawkDumps (API or simulator)       | LocalDumpFolder (a dump folder on disk)    |
| `catalog_files`| CatalogFiles (landing/staging folders) | a tmp root                                 |
| `progress`     | Progress (silent) / Progress(echo=True) for `ibe catalog ingest`          |
| `clock`        | Clock (the wall clock)                 | Clock(frozen_at=...) in tests and replays  |
| `alerts`       | FailureWebhook (IBE_ALERT_WEBHOOK_URL) | a local HTTP server in tests               |
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import ConfigurableResource, RetryRequested, get_dagster_logger
from pydantic import Field

from core.catalog.files import LoadFolders
from core.config import Settings, get_settings
from core.kv import Store, open_store
from core.search import SearchIndex, open_search_index
from core.warehouse import Warehouse, migrate
from pipelines.progress import ProgressBar


def _settings(data_dir: str | None, **overrides: object) -> Settings:
    update = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        update["data_dir"] = Path(data_dir)
    return get_settings().model_copy(update=update) if update else get_settings()


class TransactionalStore(ConfigurableResource):
    """The transactional store: FoundationDB when a cluster file is configured, else the SQLite file."""

    data_dir: str | None = Field(default=None, description="Overrides IBE_DATA_DIR for the embedded store.")
    fdb_cluster_file: str | None = Field(default=None, description="Overrides FDB_CLUSTER_FILE.")

    @contextmanager
    def open(self) -> Iterator[Store]:
        settings = _settings(self.data_dir, fdb_cluster_file=self.fdb_cluster_file)
        store = open_store(settings)
        try:
            yield store
        finally:
            store.close()


class AnalyticsWarehouse(ConfigurableResource):
    """The analytical warehouse: a ClickHouse server when a URL is configured, else embedded chDB."""

    data_dir: str | None = Field(default=None, description="Overrides IBE_DATA_DIR for embedded chDB.")
    clickhouse_url: str | None = Field(default=None, description="Overrides IBE_CLICKHOUSE_URL.")
    database: str | None = Field(default=None, description="Overrides IBE_WAREHOUSE_DATABASE.")

    def open(self) -> Warehouse:
        """The warehouse, with every pending migration applied (idempotent and quick)."""
        settings = _settings(
            self.data_dir, clickhouse_url=self.clickhouse_url, warehouse_database=self.database
        )
        warehouse = Warehouse(settings, report=get_dagster_logger().warning)
        migrate(warehouse)
        return warehouse


class SearchIndexResource(ConfigurableResource):
    """The search index: Elasticsearch/OpenSearch when a URL is configured, else Tantivy in the data folder."""

    data_dir: str | None = Field(default=None, description="Overrides IBE_DATA_DIR for the embedded index.")
    search_url: str | None = Field(default=None, description="Overrides IBE_SEARCH_URL.")

    @contextmanager
    def open(self) -> Iterator[SearchIndex]:
        index = open_search_index(_settings(self.data_dir, search_url=self.search_url))
        try:
            yield index
        finally:
            index.close()


class CatalogFiles(ConfigurableResource):
    """Where catalog loads keep their landing, staged and validated files."""

    root: str | None = Field(default=None, description="Defaults to <data dir>/catalog.")
    data_dir: str | None = None

    def folders(self, dump_date: date, kind: str) -> LoadFolders:
        root = Path(self.root) if self.root else _settings(self.data_dir).data_path / "catalog"
        return LoadFolders(root, dump_date, kind)


class FetchedDump:
    """The files of one fetched dump: hotels (always) and regions (when the source has them)."""

    def __init__(self, hotels: Path, regions: Path | None, source: str) -> None:
        self.hotels, self.regions, self.source = hotels, regions, source


class DumpSource(ConfigurableResource):
    """Where dumps come from; `fetch` returns the dump files for a partition, `ready` says whether the
    source can hand out a dump of that kind now (the catalog sensor asks before starting a run)."""

    def fetch(self, kind: str, landing: Path, progress: Progress | None = None) -> FetchedDump:
        """The dump files; a download shows a bar on `progress` (bytes, with a total and an ETA)."""
        raise NotImplementedError

    def ready(self, kind: str) -> bool:
        raise NotImplementedError


class LocalDumpFolder(DumpSource):
    """A folder already holding dumps (`ibe catalog ingest DIR`, tests): nothing is downloaded."""

    path: str
    full_name: str = "hotels_full_en.jsonl.zst"
    incremental_name: str = "hotels_incremental_en.jsonl.zst"
    regions_name: str = "regions.jsonl.zst"

    def fetch(self, kind: str, landing: Path, progress: Progress | None = None) -> FetchedDump:
        folder = Path(self.path).expanduser().resolve()
        hotels = folder / (self.full_name if kind == "full" else self.incremental_name)
        if not hotels.exists():
            raise FileNotFoundError(f"no {kind} dump in {folder} (expected {hotels.name})")
        regions = folder / self.regions_name  # comes with the full dump, as from RateHawk
        has_regions = kind == "full" and regions.exists()
        return FetchedDump(hotels, regions if has_regions else None, f"folder {folder}")

    def ready(self, kind: str) -> bool:
        """True when the folder holds the dump of this kind."""
        name = self.full_name if kind == "full" else self.incremental_name
        return (Path(self.path).expanduser() / name).is_file()


class RateHawkDumps(DumpSource):
    """RateHawk's dump endpoints (the local simulator unless IBE_RATEHAWK_BASE_URL is set).

    `dump_not_ready` asks Dagster to retry the step later (up to `not_ready_retries` times).
    """

    base_url: str | None = Field(default=None, description="Overrides IBE_RATEHAWK_BASE_URL.")
    language: str = "en"
    not_ready_retries: int = 12
    not_ready_wait_s: float = 600.0

    def fetch(self, kind: str, landing: Path, progress: Progress | None = None) -> FetchedDump:
        from core.ratehawk.client import RateHawkClient
        from core.ratehawk.errors import DumpNotReadyError

        settings = _settings(None, ratehawk_base_url=self.base_url)
        name = f"hotels_{kind}_{self.language}.jsonl.zst"

        async def download() -> FetchedDump:
            async with RateHawkClient.from_settings(settings) as client:
                bar = (progress or Progress()).bar("download", None)
                try:
                    hotels = await client.download_hotel_dump(
                        landing / name, language=self.language, incremental=kind == "incremental",
                        progress=bar.update,
                    )  # fmt: skip
                finally:
                    bar.close()
                regions = None
                if kind == "full":
                    link = await client.region_dump(self.language)
                    regions = (await client.download(link.url, landing / "regions.jsonl.zst")).path
                return FetchedDump(hotels.path, regions, f"RateHawk {settings.ratehawk_url}")

        try:
            return asyncio.run(download())
        except DumpNotReadyError as exc:
            raise RetryRequested(
                max_retries=self.not_ready_retries, seconds_to_wait=self.not_ready_wait_s
            ) from exc

    def ready(self, kind: str) -> bool:
        """Asks RateHawk for the dump link: False while it answers `dump_not_ready` (other errors raise)."""
        from core.ratehawk.client import RateHawkClient
        from core.ratehawk.errors import DumpNotReadyError

        settings = _settings(None, ratehawk_base_url=self.base_url)

        async def ask() -> None:
            async with RateHawkClient.from_settings(settings) as client:
                ask_link = client.hotel_dump if kind == "full" else client.incremental_dump
                await ask_link(self.language)

        try:
            asyncio.run(ask())
        except DumpNotReadyError:
            return False
        return True


class Progress(ConfigurableResource):
    """Phase-by-phase progress of a catalog load: silent in Dagster (the run log has it), echoed by the CLI."""

    echo: bool = False

    def say(self, phase: str, message: str) -> None:
        get_dagster_logger().info(f"{phase}: {message}")
        if self.echo:
            print(f"[{time.strftime('%H:%M:%S')}] {phase:<10} {message}", flush=True)

    def bar(self, phase: str, total: float | None, unit: str = "bytes") -> ProgressBar:
        """A bar with a total and an ETA: drawn on a terminal, plain lines at each tenth otherwise
        (in Dagster, lines in the run log)."""
        from pipelines.progress import ProgressBar

        if self.echo:
            return ProgressBar(phase, total, unit, say=lambda line: self._echo_line(line))
        return ProgressBar(phase, total, unit, say=get_dagster_logger().info, tty=False)

    def _echo_line(self, line: str) -> None:
        get_dagster_logger().info(line)
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


class Clock(ConfigurableResource):
    """What "now" is for every asset and check that compares with the calendar (freshness, audit times).

    The wall clock (UTC) unless `frozen_at` is set: tests, back-fills and replays set it so that an
    outcome never depends on the day it runs.
    """

    frozen_at: str | None = Field(
        default=None, description="Freeze time at this ISO-8601 instant (UTC when it has no offset)."
    )

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        if self.frozen_at is None:
            return datetime.now(UTC)
        at = datetime.fromisoformat(self.frozen_at)
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)

    def today(self) -> date:
        """The current UTC date."""
        return self.now().date()

    @classmethod
    def at(cls, now: datetime | None) -> Clock:
        """The wall clock for `None`, else a clock frozen at `now`."""
        return cls(frozen_at=None if now is None else now.isoformat())


class FailureWebhook(ConfigurableResource):
    """Where failed runs are announced: a JSON POST to a webhook (Slack, Mattermost and Teams-style
    incoming webhooks read its `text`; anything else reads the structured fields)."""

    url: str | None = Field(
        default=None, description="Overrides IBE_ALERT_WEBHOOK_URL; unset there too: no alert."
    )
    ui_url: str | None = Field(
        default=None,
        description="Dagster UI root for the run link; default http://127.0.0.1:<IBE_DAGSTER_PORT>.",
    )
    timeout_s: float = 10.0

    def target(self) -> str | None:
        """The webhook URL, or None when alerts are off."""
        return self.url or _settings(None).alert_webhook_url

    def run_link(self, run_id: str) -> str:
        root = self.ui_url or f"http://127.0.0.1:{_settings(None).dagster_port}"
        return f"{root.rstrip('/')}/runs/{run_id}"

    def post(self, payload: dict) -> int:
        """POSTs `payload` as JSON; returns the HTTP status (raises on a transport error or a non-2xx)."""
        import httpx

        url = self.target()
        if url is None:
            raise RuntimeError("no alert webhook is configured (IBE_ALERT_WEBHOOK_URL)")
        response = httpx.post(url, json=payload, timeout=self.timeout_s)
        response.raise_for_status()
        return response.status_code


RESOURCE_KEYS = ("store", "warehouse", "search", "ratehawk", "catalog_files", "progress", "clock", "alerts")


def default_resources() -> dict[str, ConfigurableResource]:
    """The resources of a deployment: every engine from the settings."""
    return {
        "store": TransactionalStore(),
        "warehouse": AnalyticsWarehouse(),
        "search": SearchIndexResource(),
        "ratehawk": RateHawkDumps(),
        "catalog_files": CatalogFiles(),
        "progress": Progress(),
        "clock": Clock(),
        "alerts": FailureWebhook(),
    }


def folder_resources(
    dump_dir: Path, data_dir: Path | None = None, echo: bool = False, now: datetime | None = None
) -> dict[str, ConfigurableResource]:
    """Resources for ingesting a dump folder already on disk (`ibe catalog ingest DIR`, tests).

    `now` freezes the clock of the checks (default: the wall clock).
    """
    data = str(data_dir) if data_dir is not None else None
    return {
        "store": TransactionalStore(data_dir=data),
        "warehouse": AnalyticsWarehouse(data_dir=data),
        "search": SearchIndexResource(data_dir=data),
        "ratehawk": LocalDumpFolder(path=str(dump_dir)),
        "catalog_files": CatalogFiles(data_dir=data),
        "progress": Progress(echo=echo),
        "clock": Clock.at(now),
        "alerts": FailureWebhook(),
    }
