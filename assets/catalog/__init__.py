"""The catalog domain: RateHawk dump -> staged Parquet -> validated -> store (serving) + ClickHouse.

Asset graph (one partition = one dump: date x full|incremental):

    ratehawk_dump -> staged_hotels -> validated_hotels -> hotels_serving   (transactional store)
                                                       -> dim_hotels, dim_regions,
                                                          hotel_room_groups, hotel_amenities (ClickHouse)
                                                       -> quarantine      (ClickHouse + Parquet)

Resources used by key: `ratehawk`, `catalog_files`, `progress`, `store`, `warehouse`
(see pipelines/resources.py).
"""

from assets.catalog.ingest import ratehawk_dump, staged_hotels, validated_hotels
from assets.catalog.partitions import CATALOG_PARTITIONS, FULL, GROUP, INCREMENTAL, partition_key
from assets.catalog.serving import catalog_freshness, hotels_serving
from assets.catalog.warehouse import catalog_tables, quarantine

CATALOG_ASSETS = (ratehawk_dump, staged_hotels, validated_hotels, hotels_serving, catalog_tables, quarantine)
CATALOG_CHECKS = (catalog_freshness,)

__all__ = [
    "CATALOG_ASSETS",
    "CATALOG_CHECKS",
    "CATALOG_PARTITIONS",
    "FULL",
    "GROUP",
    "INCREMENTAL",
    "partition_key",
]
