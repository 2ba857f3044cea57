"""Every panel's SQL, expanded as Grafana would, runs on a seeded warehouse and returns its columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboards.boards import all_boards
from dashboards.macros import QueryContext, TimeRange, auto_interval
from dashboards.runner import kind_of, resolve_variables, run_panel
from dashboards.spec import DashboardSpec

BOARDS = {board.uid: board for board in all_boards()}


def context() -> QueryContext:
    span = TimeRange.last(timedelta(days=7), datetime.now(UTC) + timedelta(minutes=1))
    return QueryContext(span, auto_interval(span, max_data_points=300))


def run_board(warehouse: Any, board: DashboardSpec, selected: dict[str, Any] | None = None) -> dict[str, Any]:
    with warehouse.session() as client:
        ctx = resolve_variables(client, warehouse.database, board, context(), selected)
        return {panel.title: run_panel(client, warehouse.database, panel, ctx) for panel in board.panels}


@pytest.mark.parametrize("uid", sorted(BOARDS))
def test_every_panel_returns_the_columns_it_expects(seeded: Any, uid: str) -> None:
    warehouse, _ = seeded
    board = BOARDS[uid]
    results = run_board(warehouse, board)
    for panel in board.panels:
        result = results[panel.title]
        expected = [(c.name, c.kind) for c in panel.columns]
        got = [(name, kind_of(t)) for name, t in zip(result.columns, result.types, strict=True)]
        assert got == expected, f"{board.title} / {panel.title}: {result.sql}"
        assert result.rows, f"{board.title} / {panel.title} is empty on seeded data: {result.sql}"
        if panel.viz == "timeseries":
            times = result.column("time")
            assert times == sorted(times), f"{panel.title}: time column not ascending"
