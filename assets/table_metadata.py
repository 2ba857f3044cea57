"""The standard table metadata of a warehouse asset, read from the table itself.

`dagster/table_name`, `dagster/row_count` and `dagster/column_schema` (names, ClickHouse types and
column comments from `system.columns`): the Dagster UI shows them on the asset's page and in the
catalog, and they can never drift from the migrations because they are read, not written down.
"""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue, TableColumn, TableSchema

from core.warehouse import Warehouse

_COLUMNS = """
SELECT name, type, comment FROM system.columns
WHERE database = {database:String} AND table = {table:String}
ORDER BY position
"""


def column_schema(warehouse: Warehouse, table: str) -> TableSchema:
    """The columns of `table` as ClickHouse has them (name, type, comment)."""
    _, rows = warehouse.query(_COLUMNS, {"database": warehouse.database, "table": table})
    if not rows:
        raise LookupError(f"{warehouse.database}.{table} has no columns: is the table migrated?")
    return TableSchema(
        columns=[TableColumn(name, kind, description=comment or None) for name, kind, comment in rows]
    )


def table_metadata(warehouse: Warehouse, table: str, row_count: int) -> dict[str, Any]:
    """`dagster/table_name`, `dagster/row_count` (the rows this materialization stands for: its
    partition's, or the whole table's when unpartitioned) and `dagster/column_schema` of `table`."""
    return {
        "dagster/table_name": MetadataValue.text(f"{warehouse.database}.{table}"),
        "dagster/row_count": MetadataValue.int(int(row_count)),
        "dagster/column_schema": MetadataValue.table_schema(column_schema(warehouse, table)),
    }
