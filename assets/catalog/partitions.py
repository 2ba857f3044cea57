"""The catalog's partitions, declared once: dump date x dump kind.

A weekly full dump and a daily incremental dump are both partitions of the same assets, keyed by
the date the dump was taken (`date`) and its kind (`dump`: `full` or `incremental`). A full
partition replaces the catalog (hotels it no longer lists go off sale); an incremental partition
applies one day's changes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dagster import (
    AssetExecutionContext,
    DailyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

FULL = "full"
INCREMENTAL = "incremental"
DATE_DIM = "date"
DUMP_DIM = "dump"
START_DATE = "2026-01-01"

CATALOG_PARTITIONS = MultiPartitionsDefinition(
    {
        DATE_DIM: DailyPartitionsDefinition(start_date=START_DATE, end_offset=1),
        DUMP_DIM: StaticPartitionsDefinition([FULL, INCREMENTAL]),
    }
)

GROUP = "catalog"


@dataclass(frozen=True)
class CatalogPartition:
    dump_date: date
    kind: str

    @property
    def key(self) -> MultiPartitionKey:
        return partition_key(self.dump_date, self.kind)


def partition_key(dump_date: date, kind: str) -> MultiPartitionKey:
    """The partition key of a dump date and kind."""
    return MultiPartitionKey({DATE_DIM: dump_date.isoformat(), DUMP_DIM: kind})


def partition_of(context: AssetExecutionContext) -> CatalogPartition:
    keys = context.partition_key.keys_by_dimension  # type: ignore[attr-defined]
    return CatalogPartition(date.fromisoformat(keys[DATE_DIM]), keys[DUMP_DIM])
