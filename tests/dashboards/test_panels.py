"""Every panel's SQL, expanded as Grafana would, runs on a seeded warehouse and returns its columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
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


def test_revenue_matches_the_seeded_events_and_the_currency_filter(seeded: Any) -> None:
    warehouse, events = seeded
    revenue = BOARDS["ibe-revenue"]
    eur = sum(
        (
            e.revenue_delta().amount
            for e in events
            if e.revenue_delta() is not None and e.revenue_delta().currency == "EUR"
        ),
        Decimal(0),
    )
    totals = run_board(warehouse, revenue, {"currency": ["EUR"]})[
        "Net revenue, bookings, average booking value"
    ]
    assert totals.rows[0][0] == eur
    confirmed_eur = [e for e in events if e.type == "booking.confirmed" and e.amount.currency == "EUR"]
    assert totals.rows[0][1] == len(confirmed_eur)
    average = sum((e.amount.amount for e in confirmed_eur), Decimal(0)) / len(confirmed_eur)
    assert abs(totals.rows[0][2] - average) < Decimal("0.0001")


def test_the_country_variable_filters_every_hotel_panel(seeded: Any) -> None:
    warehouse, _ = seeded
    revenue = BOARDS["ibe-revenue"]
    everything = run_board(warehouse, revenue)
    france = run_board(warehouse, revenue, {"country": ["FR"]})
    assert [r[0] for r in france["Net revenue by country"].rows] == ["FR"]
    assert set(france["Top hotels"].column("country")) == {"FR"}
    by_country = dict(everything["Net revenue by country"].rows)
    assert france["Net revenue, bookings, average booking value"].rows[0][0] == by_country["FR"]
    assert sum(by_country.values()) == everything["Net revenue, bookings, average booking value"].rows[0][0]
    assert "unknown" in by_country  # the hotel the catalog does not know, and the one without a country
    hotels = run_board(warehouse, BOARDS["ibe-catalog-quality"], {"country": ["DE", "IT"]})
    assert {r[0] for r in hotels["Hotels on sale by country"].rows} == {"DE", "IT"}
