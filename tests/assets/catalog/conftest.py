"""A generated dump with bad lines, and a helper that materializes the whole catalog graph on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from core.ratehawk.synthetic import FULL_DUMP, INCREMENTAL_DUMP, iter_dump_lines, read_bad_lines, write_dumps

HOTELS = 3000
BAD_FRACTION = 0.03
# The tests' own "now", fixed so that no outcome depends on the day the suite runs; every dump date is
# relative to it. (Any instant after the partitions' start works: `now` is what the run believes.)
TODAY = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
DUMP_DATE = TODAY.date() - timedelta(days=3)


@dataclass
class Dumps:
    folder: Path
    full_lines: list[bytes]
    full_bad: list[dict]
    incremental_lines: list[bytes]
    incremental_bad: list[dict]


@pytest.fixture(scope="session")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Dumps:
    folder = tmp_path_factory.mktemp("dumps")
    write_dumps(folder, HOTELS, seed=7, bad_fraction=BAD_FRACTION, workers=1)
    return Dumps(
        folder,
        list(iter_dump_lines(folder / FULL_DUMP)),
        read_bad_lines(folder / FULL_DUMP),
        list(iter_dump_lines(folder / INCREMENTAL_DUMP)),
        read_bad_lines(folder / INCREMENTAL_DUMP),
    )


@pytest.fixture(scope="session")
def suite_loaded() -> None:
    """Import Great Expectations once for the session (it costs seconds)."""
    from quality.catalog.suite import hotel_suite

    hotel_suite()


def materialize_catalog(
    dump_dir: Path, kind: str, when: date = DUMP_DATE, now: datetime = TODAY
) -> dict[str, Any]:
    """Run every catalog asset and check for one partition, in-process, as `ibe catalog ingest` does,
    with the run's clock frozen at `now`."""
    from cli.catalog_ingest import run_ingest

    return run_ingest(dump_dir, kind, when, echo=False, now=now)


def checks_of(outcome: dict[str, Any]) -> dict[str, bool]:
    return {name.split(":", 1)[1]: passed for name, (passed, _) in outcome["checks"].items()}


@pytest.fixture
def catalog_env(settings: Settings, suite_loaded: None) -> Iterator[Settings]:
    yield settings
