"""The catalog domain: RateHawk dump -> staged Parquet -> validated -> store (serving) + ClickHouse.

Asset graph (one partition = one dump: date x full|incremental):

    ratehawk_dump -> staged_hotels -> validated_hotels -> hotels_serving   (transactional store)
                                                       -> dim_hotels, dim_regions,
                                                          hotel_room_groups, hotel_amenities (ClickHouse)
                                                       -> quarantine      (ClickHouse + Parquet)
                                    hotels_serving  -> hotel_search_index (Tantivy / Elasticsearch)

Checks, next to their assets: `lines_reconcile` (dump lines = accepted + quarantined, blocking),
`quarantine_share_warn` (2%, warning) and `quarantine_share_ceiling` (10%, blocking: nothing is
loaded), `store_reconciles` (every accepted line applied; a sample reads back byte for byte),
`warehouse_reconciles`, `quarantine_reconciles` and `search_index_matches_catalog` (the index holds
exactly the hotels on sale).

Every asset has owners, tags, a code version and Dagster's own freshness policy (conventions.py: warn
after 26 hours without a load, fail after 8 days); the ClickHouse tables carry `dagster/row_count` and
`dagster/column_schema`.

Resources used by key: `ratehawk`, `catalog_files`, `progress`, `store`, `warehouse`, `search`
(see pipelines/resources.py).
"""

from assets.catalog.ingest import ratehawk_dump, staged_hotels, validated_hotels
from assets.catalog.partitions import CATALOG_PARTITIONS, FULL, GROUP, INCREMENTAL, partition_key
from assets.catalog.search import hotel_search_index, search_index_matches_catalog
from assets.catalog.serving import hotels_serving
from assets.catalog.warehouse import catalog_tables, quarantine

CATALOG_ASSETS = (
    ratehawk_dump, staged_hotels, validated_hotels, hotels_serving, catalog_tables, quarantine,
    hotel_search_index,
)  # fmt: skip
CATALOG_CHECKS = (search_index_matches_catalog,)  # the others are declared with their asset (check_specs)

__all__ = [
    "CATALOG_ASSETS",
    "CATALOG_CHECKS",
    "CATALOG_PARTITIONS",
    "FULL",
    "GROUP",
    "INCREMENTAL",
    "partition_key",
]
