"""The search index of the catalog (autocomplete and search narrowing), built in bulk from each load."""

from itertools import islice
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    MaterializeResult,
    asset,
    asset_check,
)

from assets.catalog.conventions import CODE_VERSION, FRESHNESS, OWNERS, tags
from assets.catalog.ingest import validated_hotels
from assets.catalog.partitions import CATALOG_PARTITIONS, FULL, GROUP, partition_of
from assets.catalog.serving import hotels_serving
from core.catalog.serving import hids_on_sale
from core.search.catalog import build_from_load

SEARCH_POOL = "search_index"  # one writer at a time (Tantivy's writer lock; give the pool a limit of 1)
SAMPLE_HIDS = 20


@asset(
    group_name=GROUP,
    partitions_def=CATALOG_PARTITIONS,
    deps=[validated_hotels, hotels_serving],
    required_resource_keys={"search", "catalog_files", "progress"},
    kinds={"tantivy", "elasticsearch"},
    pool=SEARCH_POOL,
    owners=OWNERS,
    tags=tags("search"),
    code_version=CODE_VERSION,
    freshness_policy=FRESHNESS,
)
def hotel_search_index(context: AssetExecutionContext) -> MaterializeResult:
    """Hotels and regions in the search index that answers `/v1/suggest` and narrows searches.

    Built in bulk from the load's validated hotels: names, region and city names (every language
    of the region dump), country, chain, kind, stars, position, filter amenities and a popularity
    figure per hotel; regions as documents of their own. `deleted` lines remove their hotels; a
    full dump also removes every hotel it no longer lists. The whole load becomes visible in one
    commit. Runs after the serving copy, so the index and the store change together.
    """
    part = partition_of(context)
    folders = context.resources.catalog_files.folders(part.dump_date, part.kind)
    progress = context.resources.progress
    regions = folders.staged / "regions.parquet"
    with context.resources.search.open() as index:
        build = build_from_load(
            index,
            folders.validated / "accepted.parquet",
            regions if regions.exists() else None,
            full=part.kind == FULL,
        )
        size = _folder_bytes(getattr(index, "path", None))
    progress.say(
        "search",
        f"{build.hotels_indexed:,} hotels indexed, {build.hotels_removed:,} removed, "
        f"{build.regions_indexed:,} regions in {build.seconds:.1f} s",
    )
    metadata = {
        "hotels_indexed": build.hotels_indexed,
        "hotels_removed": build.hotels_removed,
        "regions_indexed": build.regions_indexed,
        "hotels_in_index": build.hotels_in_index,
        "build_seconds": build.seconds,
    }
    if size is not None:
        metadata["index_mb"] = round(size / 1e6, 1)
    return MaterializeResult(metadata=metadata)


def _folder_bytes(path: Path | None) -> int | None:
    return None if path is None else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@asset_check(asset=hotel_search_index, required_resource_keys={"search", "store"},
             description="the index holds exactly the hotels on sale in the store")  # fmt: skip
def search_index_matches_catalog(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Fails when a hotel on sale cannot be found in the index, or the index offers one not on sale."""
    with context.resources.store.open() as store:
        on_sale = set(hids_on_sale(store))
    with context.resources.search.open() as index:
        indexed = index.hotel_ids()
    missing, extra = sorted(on_sale - indexed), sorted(indexed - on_sale)
    return AssetCheckResult(
        passed=not missing and not extra,
        metadata={
            "hotels_on_sale": len(on_sale),
            "hotels_in_index": len(indexed),
            "missing_from_index": len(missing),
            "not_on_sale_but_indexed": len(extra),
            "sample_missing": ", ".join(map(str, islice(missing, SAMPLE_HIDS))) or "none",
            "sample_not_on_sale": ", ".join(map(str, islice(extra, SAMPLE_HIDS))) or "none",
        },
    )
