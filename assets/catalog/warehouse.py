"""The analytical copy: catalog tables and the quarantine in ClickHouse, loaded in bulk from Parquet."""

from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from assets.catalog.conventions import CODE_VERSION, FRESHNESS, OWNERS, tags
from assets.catalog.ingest import share_of_dump, staged_hotels, validated_hotels
from assets.catalog.metadata import bars, table
from assets.catalog.partitions import CATALOG_PARTITIONS, GROUP, partition_of
from assets.table_metadata import table_metadata
from core.catalog.files import LoadFolders
from core.catalog.warehouse_load import CatalogWarehouse, LoadSpec

WAREHOUSE_RECONCILES = "warehouse_reconciles"
QUARANTINE_RECONCILES = "quarantine_reconciles"

_TABLE_DOCS = {
    "dim_hotels": "One row per hotel and load version (ReplacingMergeTree): typed fields, unknown fields as "
    "JSON in `extra`; `is_deleted` rows are hotels taken off sale. Current state: `hotels_current`.",
    "dim_regions": "Regions of the region dump (or, without one, the regions hotels name), per version.",
    "hotel_room_groups": "Room groups of each hotel version (rg_ext decoded); current: `hotel_room_groups_current`.",
    "hotel_amenities": "Amenities of each hotel version, paid or free; current: `hotel_amenities_current`.",
}


def _spec(context: AssetExecutionContext) -> tuple[LoadSpec, LoadFolders, dict]:
    part = partition_of(context)
    folders: LoadFolders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    dump = folders.read_summary("dump")
    regions = folders.staged / "regions.parquet"
    spec = LoadSpec(
        dump["load_id"], part.kind, part.dump_date, folders.staged, folders.validated,
        regions if regions.exists() else None,
    )  # fmt: skip
    return spec, folders, dump


@multi_asset(
    specs=[
        AssetSpec(name, deps=[validated_hotels, staged_hotels], group_name=GROUP, description=doc,
                  kinds={"clickhouse"}, owners=OWNERS, tags=tags("warehouse"), code_version=CODE_VERSION,
                  freshness_policy=FRESHNESS)
        for name, doc in _TABLE_DOCS.items()
    ],
    partitions_def=CATALOG_PARTITIONS,
    required_resource_keys={"warehouse", "catalog_files", "progress"},
    check_specs=[
        AssetCheckSpec(WAREHOUSE_RECONCILES, asset="dim_hotels",
                       description="every hotel the dump lists is current with its content, deleted ones are "
                                   "not; dump lines = accepted + quarantined"),
    ],
)  # fmt: skip
def catalog_tables(context: AssetExecutionContext) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Loads the accepted hotels, their room groups and amenities, and the regions into ClickHouse.

    Bulk inserts straight from the staged Parquet (never row by row), of the hotels whose content
    changed (compared by content hash with the current rows; unchanged hotels keep theirs). The
    load's own earlier rows are deleted first, so a re-run changes nothing. A full dump also writes
    a deleted row for each hotel it no longer lists.
    """
    spec, folders, dump = _spec(context)
    progress = context.resources.progress
    validated = folders.read_summary("validated")
    warehouse = context.resources.warehouse.open()
    catalog = CatalogWarehouse(warehouse)
    progress.say("warehouse", f"bulk loading {spec.load_id} (version {spec.version})")
    with progress.bar("warehouse", dump["bytes"]) as bar:
        counts = catalog.load(spec, progress=share_of_dump(bar, dump["bytes"], validated["lines"]))
    progress.say("warehouse", ", ".join(f"{t} {n:,}" for t, n in counts.items() if t != "catalog_quarantine"))
    for name in _TABLE_DOCS:
        yield MaterializeResult(
            asset_key=name,
            metadata={
                "rows_loaded": counts[name],
                "load_id": spec.load_id,
                "version": spec.version,
                **table_metadata(warehouse, name, counts[name]),
            },
        )
    rec = catalog.reconcile(spec)
    listed = validated["accepted"] - validated["deleted"]
    yield AssetCheckResult(
        check_name=WAREHOUSE_RECONCILES,
        asset_key="dim_hotels",
        passed=rec["listed_current"] == listed
        and rec["deleted_current"] == 0
        and validated["accepted"] + validated["quarantined"] == validated["lines"],
        metadata={"dump_lines": validated["lines"], "listed_hotels": listed,
                  "listed_current_same_content": rec["listed_current"], "deleted_still_current": rec["deleted_current"],
                  "rows_written": counts["dim_hotels_from_dump"], "quarantined": validated["quarantined"]},
    )  # fmt: skip


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    deps=[validated_hotels],
    required_resource_keys={"warehouse", "catalog_files", "progress"},
    kinds={"clickhouse", "parquet"},
    owners=OWNERS,
    tags=tags("quarantine"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
    check_specs=[
        AssetCheckSpec(QUARANTINE_RECONCILES, asset="quarantine",
                       description="every rejected line is in the quarantine table, with at least one reason"),
    ],
)  # fmt: skip
def quarantine(context: AssetExecutionContext) -> MaterializeResult:
    """Every rejected dump line, in ClickHouse (`catalog_quarantine`) and Parquet, never dropped.

    One row per line: load id, line number, hid when readable, every reason (shape problems,
    failed expectations, `duplicate_hid` for an older copy of a hotel), a short detail, and the
    raw line text, so an engineer can see exactly what RateHawk sent and why it was refused.
    """
    spec, folders, dump = _spec(context)
    progress = context.resources.progress
    validated = folders.read_summary("validated")
    warehouse = context.resources.warehouse.open()
    catalog = CatalogWarehouse(warehouse)
    loaded = catalog.load_quarantine(spec)
    catalog.record_load(
        spec, validated["lines"], validated["accepted"], validated["deleted"], validated["quarantined"]
    )
    _, samples = warehouse.query(
        f"SELECT line_no, hid, arrayStringConcat(reasons, ', '), left(detail, 80), left(raw, 80) "
        f"FROM {warehouse.database}.catalog_quarantine WHERE load_id = {{load_id:String}} "
        f"ORDER BY line_no LIMIT 10",
        {"load_id": spec.load_id},
    )
    progress.say("quarantine", f"{loaded:,} lines in catalog_quarantine")
    empty_reasons = catalog.count("catalog_quarantine", spec.load_id, "empty(reasons)")
    return MaterializeResult(
        metadata={
            "quarantined": loaded,
            "reasons": bars(validated["reasons"], "reason", validated["lines"]),
            "first_lines": table(
                [
                    dict(zip(("line_no", "hid", "reasons", "detail", "raw"), row, strict=True))
                    for row in samples
                ],
                [
                    ("line_no", "int"),
                    ("hid", "int"),
                    ("reasons", "string"),
                    ("detail", "string"),
                    ("raw", "string"),
                ],
            ),
            "parquet": MetadataValue.path(str(spec.quarantine)),
            "dump": MetadataValue.path(str(Path(dump["hotels"]))),
            **table_metadata(warehouse, "catalog_quarantine", loaded),
        },
        check_results=[
            AssetCheckResult(
                check_name=QUARANTINE_RECONCILES,
                passed=loaded == validated["quarantined"] and empty_reasons == 0,
                metadata={
                    "rejected": validated["quarantined"],
                    "in_table": loaded,
                    "without_reason": empty_reasons,
                },
            )
        ],
    )
