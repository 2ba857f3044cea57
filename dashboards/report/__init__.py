"""`ibe report`: the main dashboards' panels as PNG charts and one HTML page, from the warehouse.

For people without Grafana: every panel marked `main` in dashboards/boards/ runs with the same SQL,
expanded the same way (dashboards/macros.py), and is drawn with matplotlib; stats and tables are
HTML. The page lists each panel's query so a number can be traced back to the marts.
"""

from __future__ import annotations

from dashboards.report.build import Report, build_report

__all__ = ["Report", "build_report"]
