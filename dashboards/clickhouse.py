"""The ClickHouse data source as dashboards see it: its reference and its query model.

grafana-foundation-sdk has no builder for the ClickHouse plugin's queries, so `SqlQuery` is one,
written to the plugin's v4 query model (grafana/clickhouse-datasource `src/types/sql.ts`, `CHSqlQuery`):
`pluginVersion`, `editorType: "sql"`, `rawSql`, `format` (sqlds: 0 time series, 1 table) and
`queryType` ("timeseries" or "table").
"""

from __future__ import annotations

import typing
from enum import IntEnum

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef

PLUGIN_TYPE = "grafana-clickhouse-datasource"
PLUGIN_VERSION = "4.10.1"
DATASOURCE_UID = "ibe-clickhouse"
DATASOURCE_NAME = "IBE ClickHouse"


def datasource_ref() -> DataSourceRef:
    return DataSourceRef(type_val=PLUGIN_TYPE, uid=DATASOURCE_UID)


class Format(IntEnum):
    """The plugin's result formats (its `Format` enum)."""

    TIMESERIES = 0
    TABLE = 1


class SqlDataquery(cogvariants.Dataquery):
    """One raw-SQL query of the ClickHouse plugin."""

    def __init__(self, ref_id: str, raw_sql: str, fmt: Format) -> None:
        self.ref_id = ref_id
        self.raw_sql = raw_sql
        self.format = fmt

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": datasource_ref().to_json(),
            "editorType": "sql",
            "format": int(self.format),
            "queryType": "timeseries" if self.format is Format.TIMESERIES else "table",
            "pluginVersion": PLUGIN_VERSION,
            "rawSql": self.raw_sql,
        }


class SqlQuery(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, raw_sql: str, fmt: Format = Format.TABLE, ref_id: str = "A") -> None:
        self._internal = SqlDataquery(ref_id, raw_sql.strip(), fmt)

    def build(self) -> SqlDataquery:
        return self._internal


def variable_query(raw_sql: str) -> dict[str, typing.Any]:
    """A query variable's query, in the plugin's variable model (`CHVariableQuery`, "Custom SQL"): the
    variable resolver runs `rawSql` through the same macro expansion as panels."""
    return {"refId": "variable", "queryType": "sql", "rawSql": raw_sql.strip()}
