"""Catalog ingest: fetch the dump, stage it into typed Parquet, validate it (quarantine the rest)."""

from pathlib import Path

import xxhash
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.catalog.conventions import CODE_VERSION, FRESHNESS, OWNERS, tags
from assets.catalog.metadata import bars, table
from assets.catalog.partitions import CATALOG_PARTITIONS, GROUP, partition_of
from core.catalog.stager import stage_dump, stage_regions


def share_of_dump(bar, dump_bytes: int, lines: int):
    """A progress callback for a step that counts lines: the bar's total stays the compressed dump's
    bytes, and `n` lines done move it by the same share of them."""
    return lambda n: bar.update(dump_bytes * min(n / lines, 1.0) if lines else 0)


LINES_RECONCILE = "lines_reconcile"
QUARANTINE_SHARE_WARN = "quarantine_share_warn"
QUARANTINE_SHARE_CEILING = "quarantine_share_ceiling"


def file_digest(path: Path) -> str:
    """xxh3-64 of a file's bytes, streamed (a 2 GB dump in well under a second)."""
    h = xxhash.xxh3_64()
    with open(path, "rb") as fh:
        while block := fh.read(8 << 20):
            h.update(block)
    return h.hexdigest()


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    required_resource_keys={"ratehawk", "catalog_files", "progress"},
    kinds={"python"},
    owners=OWNERS,
    tags=tags("landing"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
)
def ratehawk_dump(context: AssetExecutionContext) -> MaterializeResult:
    """RateHawk's hotel dump for the partition's date and kind, in the landing folder.

    Asks the API (the simulator by default) for the dump link and streams the zstd JSON-lines file
    to disk, resuming an interrupted download; `dump_not_ready` retries the step later. For a full
    dump the region dump comes along. With a local dump folder (`ibe catalog ingest DIR`) nothing
    is downloaded. The load id (kind, date, file digest) names everything the load writes.
    """
    part = partition_of(context)
    folders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    progress = context.resources.progress
    progress.say("fetch", f"{part.kind} dump of {part.dump_date}")
    fetched = context.resources.ratehawk.fetch(part.kind, folders.landing, progress)
    digest = file_digest(fetched.hotels)
    summary = {
        "hotels": str(fetched.hotels),
        "regions": str(fetched.regions) if fetched.regions else None,
        "bytes": fetched.hotels.stat().st_size,
        "digest": digest,
        "load_id": f"{part.kind}-{part.dump_date.isoformat()}-{digest[:10]}",
        "source": fetched.source,
    }
    folders.write_summary("dump", summary)
    progress.say(
        "fetch", f"{fetched.hotels.name}: {summary['bytes'] / 1e6:,.1f} MB compressed ({fetched.source})"
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(fetched.hotels)),
            "compressed_bytes": summary["bytes"],
            "load_id": summary["load_id"],
            "source": fetched.source,
            "region_dump": MetadataValue.path(summary["regions"]) if summary["regions"] else "none",
        }
    )


class StagingConfig(Config):
    """How staging parses: lines per batch (memory) and parsing processes (0: automatic)."""

    batch_lines: int = 5_000
    workers: int = 0


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    deps=[ratehawk_dump],
    required_resource_keys={"catalog_files", "progress"},
    kinds={"polars", "parquet"},
    owners=OWNERS,
    tags=tags("staging"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
)
def staged_hotels(context: AssetExecutionContext, config: StagingConfig) -> MaterializeResult:
    """Every dump line as typed rows in Parquet: hotels, room groups, amenities, images, descriptions, regions.

    Streams the dump in bounded batches (memory does not grow with the dump) and parses each line
    once. Every line becomes one `hotels` row, good or bad, with its problems of shape (not JSON,
    no hid, a field of the wrong type) next to it, so nothing is lost before validation. Fields the
    platform does not model are kept as JSON in `extra`.
    """
    part = partition_of(context)
    folders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    progress = context.resources.progress
    dump = folders.read_summary("dump")
    progress.say("stage", f"parsing {Path(dump['hotels']).name}")
    with progress.bar("stage", dump["bytes"]) as bar:  # compressed bytes read, of the dump's size
        result = stage_dump(
            Path(dump["hotels"]),
            folders.staged,
            batch_lines=config.batch_lines,
            workers=config.workers or None,
            read_progress=bar.update,
        )
    regions = stage_regions(Path(dump["regions"]), folders.staged) if dump["regions"] else 0
    summary = {"lines": result.lines, "raw_bytes": result.raw_bytes, "problems": result.problems,
               "rows": result.rows, "regions": regions}  # fmt: skip
    folders.write_summary("staged", summary)
    progress.say(
        "stage", f"{result.lines:,} lines, {result.raw_bytes / 1e6:,.0f} MB raw, {regions:,} regions"
    )
    return MaterializeResult(
        metadata={
            "lines": result.lines,
            "raw_mb": round(result.raw_bytes / 1e6, 1),
            "regions": regions,
            "rows_per_table": table(
                [{"table": t, "rows": n} for t, n in result.rows.items()],
                [("table", "string"), ("rows", "int")],
            ),
            "shape_problems": bars(result.problems, "problem", result.lines),
            "folder": MetadataValue.path(str(folders.staged)),
        }
    )


class ValidationConfig(Config):
    """Thresholds of the quarantine share (quarantined lines / dump lines), and rows per suite run."""

    frame_rows: int = 100_000  # a Great Expectations run costs ~0.5 s whatever its size; memory grows with it
    warn_share: float = 0.02
    fail_share: float = 0.10


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    deps=[staged_hotels],
    required_resource_keys={"catalog_files", "progress"},
    kinds={"great_expectations", "parquet"},
    owners=OWNERS,
    tags=tags("validated"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
    check_specs=[
        AssetCheckSpec(LINES_RECONCILE, asset="validated_hotels", blocking=True,
                       description="dump lines = accepted + quarantined"),
        AssetCheckSpec(QUARANTINE_SHARE_WARN, asset="validated_hotels",
                       description="the quarantined share stays under the warning threshold"),
        AssetCheckSpec(QUARANTINE_SHARE_CEILING, asset="validated_hotels", blocking=True,
                       description="a dump above the hard ceiling is not loaded at all"),
    ],
)  # fmt: skip
def validated_hotels(context: AssetExecutionContext, config: ValidationConfig) -> MaterializeResult:
    """Staged hotels that pass the catalog expectations (`quality/`), and the quarantine of the rest.

    Runs the Great Expectations suite (hid present and positive, name, kind in RateHawk's set, star
    rating 0-5, coordinates in range, region with an ISO country code, well-formed check-in/out and
    front-desk times, record size) and the shape rules; a hid on several lines keeps the newest
    line. Every rejected line goes to `quarantine.parquet` with its line number, every reason and
    its raw text. A dump whose quarantined share passes the ceiling stops here (blocking check).
    """
    from quality.catalog.suite import hotel_suite
    from quality.catalog.validate import validate_staged

    part = partition_of(context)
    folders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    progress = context.resources.progress
    dump = folders.read_summary("dump")
    staged = folders.read_summary("staged")
    progress.say("validate", "loading the expectation suite")
    suite = hotel_suite()
    with progress.bar("validate", dump["bytes"]) as bar:
        result = validate_staged(
            folders.staged, Path(dump["hotels"]), folders.validated, suite,
            progress=share_of_dump(bar, dump["bytes"], staged["lines"]), frame_rows=config.frame_rows,
        )  # fmt: skip
    folders.write_summary("validated", result.as_metadata())
    progress.say(
        "validate",
        f"{result.accepted:,} accepted ({result.deleted:,} deleted), {result.quarantined:,} quarantined",
    )
    share = result.quarantined / result.lines if result.lines else 0.0
    reconciled = result.lines == staged["lines"] == result.accepted + result.quarantined
    expectations = [
        {"reason": s.reason, "severity": s.severity, "unexpected": s.unexpected, "evaluated": s.evaluated,
         "description": s.description}
        for s in result.stats.values()
    ]  # fmt: skip
    return MaterializeResult(
        metadata={
            "lines": result.lines,
            "accepted": result.accepted,
            "deleted": result.deleted,
            "quarantined": result.quarantined,
            "quarantine_share": round(share, 6),
            "quarantine_reasons": bars(dict(result.reasons), "reason", result.lines),
            "warnings": bars(dict(result.warnings), "warning", result.lines),
            "expectations": table(
                expectations,
                [
                    ("reason", "string"),
                    ("severity", "string"),
                    ("unexpected", "int"),
                    ("evaluated", "int"),
                    ("description", "string"),
                ],
            ),
            "ge_suite_success": result.suite_success,
        },
        check_results=[
            AssetCheckResult(
                check_name=LINES_RECONCILE,
                passed=reconciled,
                metadata={
                    "dump_lines": staged["lines"],
                    "accepted": result.accepted,
                    "quarantined": result.quarantined,
                },
            ),
            AssetCheckResult(
                check_name=QUARANTINE_SHARE_WARN,
                passed=share <= config.warn_share,
                severity=AssetCheckSeverity.WARN,
                metadata={"share": round(share, 6), "threshold": config.warn_share},
            ),
            AssetCheckResult(
                check_name=QUARANTINE_SHARE_CEILING,
                passed=share <= config.fail_share,
                metadata={"share": round(share, 6), "ceiling": config.fail_share},
            ),
        ],
    )
