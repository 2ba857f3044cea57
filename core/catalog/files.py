"""Where a catalog load keeps its files, and the small JSON summaries its stages hand each other.

    <root>/<dump date>/<full|incremental>/
        landing/    the dump files as downloaded (or a pointer to a folder already on disk)
        staged/     hotels, room_groups, amenities, images, descriptions, regions .parquet
        validated/  accepted.parquet, quarantine.parquet
        <stage>.json  counts of each stage (read by the next stage and by the checks)

`root` defaults to `<data dir>/catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True)
class LoadFolders:
    root: Path
    dump_date: date
    kind: str

    @property
    def base(self) -> Path:
        return self.root / self.dump_date.isoformat() / self.kind

    @property
    def landing(self) -> Path:
        return self.base / "landing"

    @property
    def staged(self) -> Path:
        return self.base / "staged"

    @property
    def validated(self) -> Path:
        return self.base / "validated"

    def summary_path(self, stage: str) -> Path:
        return self.base / f"{stage}.json"

    def write_summary(self, stage: str, data: dict[str, Any]) -> None:
        path = self.summary_path(stage)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str))
        tmp.replace(path)

    def read_summary(self, stage: str) -> dict[str, Any]:
        path = self.summary_path(stage)
        if not path.exists():
            raise FileNotFoundError(
                f"no {stage} summary for the {self.kind} dump of {self.dump_date} ({path}): "
                f"materialize the upstream asset for this partition first"
            )
        return orjson.loads(path.read_bytes())
