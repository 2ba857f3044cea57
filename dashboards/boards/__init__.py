"""Every dashboard of the platform, one module each; `all_boards()` is the list the generator writes."""

from __future__ import annotations

from dashboards.spec import DashboardSpec


def all_boards() -> tuple[DashboardSpec, ...]:
    from dashboards.boards import funnel, pipeline_health

    return (funnel.board(), pipeline_health.board())
