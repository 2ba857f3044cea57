"""Runs a panel's SQL the way Grafana would: macros expanded, read-only, in the warehouse database.

Used by the dashboard tests (every panel against a seeded warehouse) and by `ibe report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboards.macros import ALL, QueryContext, VariableValue, expand
from dashboards.spec import DashboardSpec, PanelSpec

READ_ONLY = {"readonly": 2}

_NUMERIC = ("Int", "UInt", "Float", "Decimal")


@dataclass(frozen=True)
class PanelResult:
    sql: str
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def kind_of(type_name: str) -> str:
    """The panel-facing kind of a ClickHouse type: time, number or string."""
    bare = type_name
    for wrapper in ("Nullable(", "LowCardinality("):
        while bare.startswith(wrapper):
            bare = bare[len(wrapper) : -1]
    if bare.startswith(("DateTime", "Date")):
        return "time"
    if bare.startswith(_NUMERIC):
        return "number"
    return "string"


def run_sql(client: Client, database: str, sql: str) -> PanelResult:
    client.database = database
    result = client.query(sql, settings=READ_ONLY)
    columns = list(result.column_names)
    types = [t.name for t in result.column_types]
    if not columns:
        # The embedded engine sends no block for an empty result: ask for the shape.
        described = client.query(f"DESCRIBE ({sql})", settings=READ_ONLY).result_rows
        columns = [str(r[0]) for r in described]
        types = [str(r[1]) for r in described]
    return PanelResult(sql, columns, types, [tuple(r) for r in result.result_rows])


def resolve_variables(
    client: Client,
    database: str,
    board: DashboardSpec,
    ctx: QueryContext,
    selected: Mapping[str, str | list[str]] | None = None,
) -> QueryContext:
    """The context with each variable's options queried and its selection (default: All) set."""
    values: dict[str, VariableValue] = dict(ctx.variables)
    chosen = selected or {}
    for variable in board.variables:
        expanded = expand(variable.sql, QueryContext(ctx.time_range, ctx.interval, values))
        options = [str(r[0]) for r in run_sql(client, database, expanded).rows]
        values[variable.name] = VariableValue(current=chosen.get(variable.name, ALL), options=options)
    return QueryContext(ctx.time_range, ctx.interval, values)


def run_panel(client: Client, database: str, panel: PanelSpec, ctx: QueryContext) -> PanelResult:
    return run_sql(client, database, expand(panel.sql, ctx))
