"""The download asset against the RateHawk simulator over HTTP: waits out `dump_not_ready`, lands the files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from dagster import DagsterInstance, materialize

from assets.catalog import partition_key
from assets.catalog.ingest import file_digest, ratehawk_dump
from core.catalog.files import LoadFolders
from core.ratehawk.simulator import SimulatorConfig, create_app
from pipelines.resources import CatalogFiles, Progress, RateHawkDumps
from tests.assets.catalog.conftest import TODAY
from tests.servers import serve_in_thread


@contextmanager
def serve(app) -> Iterator[str]:
    with serve_in_thread(app, lifespan="on") as served:
        yield served.url


def test_dump_is_fetched_after_dump_not_ready(settings) -> None:
    app = create_app(SimulatorConfig(hotels=200, seed=2, rate_limits=False))  # builds its dumps on demand
    when = TODAY.date() - timedelta(days=1)
    with serve(app) as base_url:
        result = materialize(
            [ratehawk_dump],
            partition_key=partition_key(when, "full"),
            resources={
                "ratehawk": RateHawkDumps(base_url=base_url, not_ready_wait_s=0.5),
                "catalog_files": CatalogFiles(),
                "progress": Progress(),
            },
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        built = app.state.simulator.state.dumps.directory  # a temporary folder, gone at shutdown
        source_digests = [
            file_digest(built / name) for name in ("hotels_full_en.jsonl.zst", "regions.jsonl.zst")
        ]
    assert result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries, "the first ask should have met dump_not_ready"
    summary = LoadFolders(settings.data_path / "catalog", when, "full").read_summary("dump")
    landed = summary["hotels"]
    assert landed.startswith(str(settings.data_path))
    assert [file_digest(landed), file_digest(summary["regions"])] == source_digests
    assert summary["load_id"].startswith(f"full-{when.isoformat()}-")
