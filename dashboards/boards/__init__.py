"""Every dashboard of the platform, one module each; `all_boards()` is the list the generator writes."""

from __future__ import annotations

from dashboards.spec import DashboardSpec


def all_boards() -> tuple[DashboardSpec, ...]:
    from dashboards.boards import catalog_quality, funnel, pipeline_health, revenue

    return (revenue.board(), funnel.board(), catalog_quality.board(), pipeline_health.board())
