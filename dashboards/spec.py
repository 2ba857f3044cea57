"""What a dashboard says, kept apart from how Grafana spells it.

A dashboard is a list of `PanelSpec`s (title, visualization, SQL, and the columns that SQL must
return) plus its variables. `build()` turns one into a grafana-foundation-sdk dashboard; the tests
run every panel's SQL against a seeded warehouse and compare the returned columns with `columns`,
and `ibe report` draws the same panels from the same SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from grafana_foundation_sdk.builders import barchart, dashboard, piechart, stat, table, timeseries
from grafana_foundation_sdk.builders.common import ReduceDataOptions, VizLegendOptions, VizTooltipOptions
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueJustifyMode,
    BigValueTextMode,
    LegendDisplayMode,
    LegendPlacement,
    SortOrder,
    TableCellHeight,
    TooltipDisplayMode,
    VizOrientation,
)
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    VariableHide,
    VariableOption,
    VariableRefresh,
    VariableSort,
)
from grafana_foundation_sdk.models.piechart import PieChartLegendValues, PieChartType

from dashboards.clickhouse import Format, SqlQuery, datasource_ref, variable_query

Kind = Literal["time", "number", "string"]
Viz = Literal["timeseries", "stat", "table", "barchart", "piechart"]

GRID_WIDTH = 24


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


def time(name: str = "time") -> Column:
    return Column(name, "time")


def number(name: str) -> Column:
    return Column(name, "number")


def text(name: str) -> Column:
    return Column(name, "string")


@dataclass(frozen=True)
class PanelSpec:
    """One panel: its SQL (with Grafana macros) and the columns, in order, it must return."""

    title: str
    viz: Viz
    sql: str
    columns: tuple[Column, ...]
    description: str = ""
    unit: str | None = None
    width: int = 12
    height: int = 8
    main: bool = False  # drawn by `ibe report`

    @property
    def format(self) -> Format:
        return Format.TIMESERIES if self.viz == "timeseries" else Format.TABLE


@dataclass(frozen=True)
class VariableSpec:
    """A query variable whose options come from the warehouse; All means "no filter"."""

    name: str
    label: str
    sql: str
    multi: bool = True
    include_all: bool = True


@dataclass(frozen=True)
class DashboardSpec:
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    panels: tuple[PanelSpec, ...]
    variables: tuple[VariableSpec, ...] = ()
    time_from: str = "now-7d"
    refresh: str = "1m"
    file_name: str = field(default="")

    @property
    def json_name(self) -> str:
        return self.file_name or f"{self.uid.removeprefix('ibe-')}.json"


def _legend() -> VizLegendOptions:
    return (
        VizLegendOptions()
        .show_legend(True)
        .display_mode(LegendDisplayMode.LIST)
        .placement(LegendPlacement.BOTTOM)
        .calcs([])
    )


def _tooltip() -> VizTooltipOptions:
    return VizTooltipOptions().mode(TooltipDisplayMode.MULTI).sort(SortOrder.DESCENDING)


def _reduce() -> ReduceDataOptions:
    return ReduceDataOptions().calcs(["lastNotNull"]).values(False)


# Options that the panel schemas of the Grafana we deploy (11.3, deploy/compose.yaml) require but
# grafana-foundation-sdk 10.1 does not write; the values are Grafana's own defaults (each panel's
# `defaultOptions`). The schema check in the tests fails if one goes missing.
_SCHEMA_DEFAULTS: dict[str, dict[str, object]] = {
    "stat": {"percentChangeColorMode": "standard", "showPercentChange": False, "wideLayout": True},
    "table": {"frameIndex": 0},
    "piechart": {"displayLabels": ["percent"]},
}
# And fields the SDK writes that the schema does not have: the auto-interval knobs belong to
# interval variables only, and a variable `id` is not modelled.
_SCHEMA_DROPPED: dict[str, tuple[str, ...]] = {}
_VARIABLE_DROPPED = ("id", "auto", "auto_min", "auto_count")


def _panel(spec: PanelSpec) -> Any:  # one of the SDK's panel builders, which share no base type
    query = SqlQuery(spec.sql, spec.format)
    builder: Any
    if spec.viz == "timeseries":
        builder = timeseries.Panel().legend(_legend()).tooltip(_tooltip()).fill_opacity(10).line_width(1)
    elif spec.viz == "stat":
        builder = (
            stat.Panel()
            .reduce_options(_reduce())
            .color_mode(BigValueColorMode.VALUE)
            .graph_mode(BigValueGraphMode.NONE)
            .justify_mode(BigValueJustifyMode.AUTO)
            .text_mode(BigValueTextMode.AUTO)
            .orientation(VizOrientation.AUTO)
        )
    elif spec.viz == "table":
        builder = table.Panel().show_header(True).cell_height(TableCellHeight.SM)
    elif spec.viz == "barchart":
        builder = (
            barchart.Panel().legend(_legend()).tooltip(_tooltip()).orientation(VizOrientation.HORIZONTAL)
        )
    elif spec.viz == "piechart":
        builder = (
            piechart.Panel()
            .legend(
                piechart.PieChartLegendOptions()
                .show_legend(True)
                .display_mode(LegendDisplayMode.TABLE)
                .placement(LegendPlacement.RIGHT)
                .calcs([])
                .values([PieChartLegendValues.VALUE, PieChartLegendValues.PERCENT])
            )
            .tooltip(_tooltip())
            .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(True))
            .pie_type(PieChartType.DONUT)
            .orientation(VizOrientation.AUTO)
        )
    else:  # pragma: no cover - Literal guards it
        raise ValueError(spec.viz)
    builder = (
        builder.title(spec.title)
        .datasource(datasource_ref())
        .with_target(query)
        .span(spec.width)
        .height(spec.height)
    )
    if spec.description:
        builder = builder.description(spec.description)
    if spec.unit:
        builder = builder.unit(spec.unit)
    return builder


def _variable(spec: VariableSpec) -> dashboard.QueryVariable:
    all_option = VariableOption(selected=True, text="All", value="$__all")
    return (
        dashboard.QueryVariable(spec.name)
        .label(spec.label)
        .datasource(datasource_ref())
        .query(variable_query(spec.sql))
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(spec.multi)
        .include_all(spec.include_all)
        .current(all_option)
        .hide(VariableHide.DONT_HIDE)
    )


def build(spec: DashboardSpec) -> dict[str, Any]:
    """The dashboard's JSON model, as Grafana stores and provisions it."""
    board = (
        dashboard.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(list(spec.tags))
        .editable()
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .timezone("utc")
        .time(spec.time_from, "now")
        .refresh(spec.refresh)
    )
    for variable in spec.variables:
        board = board.with_variable(_variable(variable))
    for panel in spec.panels:
        board = board.with_panel(_panel(panel))
    data: dict[str, Any] = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    data.pop("style", None)  # the dashboard theme field is gone from Grafana's schema
    for index, panel in enumerate(data.get("panels") or [], start=1):
        panel["id"] = index
        options = {**_SCHEMA_DEFAULTS.get(panel["type"], {}), **(panel.get("options") or {})}
        for name in _SCHEMA_DROPPED.get(panel["type"], ()):
            options.pop(name, None)
        panel["options"] = options
    for variable in data.get("templating", {}).get("list", []):
        for name in _VARIABLE_DROPPED:
            variable.pop(name, None)
    return data
