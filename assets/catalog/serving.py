"""The serving copy: accepted hotels into the transactional store, visible at once by pointer flip."""

import random
from collections.abc import Iterator
from pathlib import Path

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    asset,
)

from assets.catalog.conventions import CODE_VERSION, FRESHNESS, OWNERS, tags
from assets.catalog.ingest import share_of_dump, validated_hotels
from assets.catalog.partitions import CATALOG_PARTITIONS, FULL, GROUP, partition_of
from core.catalog.dumpfile import iter_lines
from core.catalog.serving import ServingLoad, ServingRow, get_raw_hotels
from core.catalog.stager import iter_row_groups
from core.catalog.staging import content_hash

STORE_RECONCILES = "store_reconciles"
SERVING_POOL = "catalog_serving"  # loads are applied one at a time (give the pool a limit of 1)
SAMPLE_HOTELS = 200

_ROW_COLUMNS = ["line_no", "hid", "content_hash", "region_id", "latitude", "longitude", "deleted"]


def serving_rows(dump: Path, accepted: Path) -> Iterator[ServingRow]:
    """Accepted rows joined with their raw lines, in dump order (one pass over the dump)."""
    lines = enumerate(iter_lines(dump), start=1)
    for frame in iter_row_groups(accepted, columns=_ROW_COLUMNS):
        for line_no, hid, digest, region_id, lat, lon, deleted in frame.iter_rows():
            number, raw = next(lines, (0, b""))
            while 0 < number < line_no:
                number, raw = next(lines, (0, b""))
            if number != line_no:
                raise RuntimeError(f"{dump.name} ended before accepted line {line_no}")
            yield ServingRow(hid, digest, raw, region_id, lat, lon, bool(deleted))


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    deps=[validated_hotels],
    required_resource_keys={"store", "catalog_files", "progress"},
    kinds={"foundationdb"},
    owners=OWNERS,
    tags=tags("serving"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
    pool=SERVING_POOL,
    check_specs=[
        AssetCheckSpec(STORE_RECONCILES, asset="hotels_serving",
                       description="every accepted line applied; a sample reads back with the same content"),
    ],
)  # fmt: skip
def hotels_serving(context: AssetExecutionContext) -> MaterializeResult:
    """Hotels on sale in the transactional store, read by the booking API (`core.catalog.serving`).

    Writes the accepted hotels (zstd with a trained dictionary), their room groups and the region
    and geo-cell indexes under this load's sequence number, in transactions within the store's
    limits, with a resume cursor committed alongside: a crashed run re-run resumes where it
    stopped. Hotels whose content hash did not change are skipped, `deleted` records and (for a
    full dump) hotels the dump no longer lists are taken off sale. Nothing is visible until the
    last step flips the catalog pointer; then the whole load is, at once, and the versions it
    superseded are dropped (compaction of the hids it touched). Loads go one at a time
    and in dump order (pool `catalog_serving`; the store refuses an older dump).
    """
    part = partition_of(context)
    folders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    progress = context.resources.progress
    dump = folders.read_summary("dump")
    validated = folders.read_summary("validated")
    accepted = folders.validated / "accepted.parquet"
    with context.resources.store.open() as store:
        load = ServingLoad.open(store, dump["load_id"], part.kind, part.dump_date.isoformat())
        if load.published:
            progress.say("store", f"load {load.state.load_id} already published: nothing to do")
        else:
            if load.state.rows_done:
                progress.say("store", f"resuming {load.state.load_id} after {load.state.rows_done:,} rows")
            with progress.bar("store", dump["bytes"]) as bar:
                on_rows = share_of_dump(bar, dump["bytes"], validated["accepted"])
                load.write(
                    serving_rows(Path(dump["hotels"]), accepted),
                    progress=lambda state: on_rows(state.rows_done),
                )
            if part.kind == FULL:
                gone = load.take_off_sale_missing(_listed_hids(accepted))
                progress.say("store", f"{gone:,} hotels no longer in the full dump taken off sale")
            regions = folders.staged / "regions.parquet"
            if regions.exists():
                load.write_regions(_region_records(regions))
            load.publish()
        compacted = load.compact()  # also finishes a compaction an earlier run left half done
        state = load.state
        sample_ok, sampled = _sample_matches(store, accepted)
    progress.say(
        "store",
        f"published {state.load_id}: {state.written:,} written, {state.unchanged:,} unchanged, "
        f"{state.off_sale:,} off sale",
    )
    reconciled = state.rows_done == validated["accepted"]
    return MaterializeResult(
        metadata={
            "load_id": state.load_id,
            "seq": state.seq,
            "rows_applied": state.rows_done,
            "written": state.written,
            "unchanged": state.unchanged,
            "off_sale": state.off_sale,
            "regions": state.regions,
            "superseded_versions_dropped_for": compacted,
        },
        check_results=[
            AssetCheckResult(
                check_name=STORE_RECONCILES,
                passed=reconciled and sample_ok,
                metadata={
                    "accepted_lines": validated["accepted"],
                    "rows_applied": state.rows_done,
                    "sampled_hotels": sampled,
                    "sample_content_matches": sample_ok,
                },
            ),
        ],
    )


def _region_records(path: Path) -> Iterator[dict]:
    import orjson

    for frame in iter_row_groups(path, columns=["record"]):
        for (record,) in frame.iter_rows():
            yield orjson.loads(record)


def _listed_hids(accepted: Path) -> Iterator[int]:
    """The hids a full dump lists (its accepted lines that are not deletions), streamed."""
    for frame in iter_row_groups(accepted, columns=["hid", "deleted"]):
        yield from frame.filter(~pl.col("deleted").fill_null(False))["hid"]


def _sample_matches(store, accepted: Path) -> tuple[bool, int]:
    """Read a sample of accepted hotels back from the store: the same bytes, or off sale if deleted."""
    rng = random.Random(0)
    picked: list[tuple[int, bytes, bool]] = []
    for frame in iter_row_groups(accepted, columns=["hid", "content_hash", "deleted"]):
        rows = frame.rows()
        picked.extend(rng.sample(rows, min(len(rows), max(1, SAMPLE_HOTELS // 10))))
    picked = rng.sample(picked, min(SAMPLE_HOTELS, len(picked)))
    found = get_raw_hotels(store, [hid for hid, _, _ in picked])
    for hid, digest, deleted in picked:
        raw = found.get(hid)
        if (raw is not None) if deleted else (raw is None or content_hash(raw) != digest):
            return False, len(picked)
    return True, len(picked)
