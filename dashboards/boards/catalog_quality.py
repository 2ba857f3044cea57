"""Catalog quality: hotels on sale, what the dumps' loads accepted and quarantined, and how fresh they are.

Reads the catalog's warehouse tables (core/warehouse/migrations/0100_catalog.sql): `catalog_loads` (one
row per load with its line counts), `catalog_quarantine` (every rejected line with its reasons) and the
current hotels (`hotels_current`).
"""

from __future__ import annotations

from dashboards.spec import DashboardSpec, PanelSpec, VariableSpec, number, text, time

LOADS = """
WITH loads AS (
    SELECT
        l.load_id AS load_id,
        argMax(l.dump_kind, l.loaded_at) AS dump_kind,
        argMax(l.dump_date, l.loaded_at) AS dump_date,
        argMax(l.lines, l.loaded_at) AS lines,
        argMax(l.accepted, l.loaded_at) AS accepted,
        argMax(l.deleted, l.loaded_at) AS deleted,
        argMax(l.quarantined, l.loaded_at) AS quarantined,
        max(l.loaded_at) AS loaded_at
    FROM catalog_loads AS l
    GROUP BY l.load_id
)
"""

HOTELS_ON_SALE = """
SELECT count() AS hotels
FROM hotels_current
WHERE $__conditionalAll(country_code IN (${country:singlequote}), $country)
"""

DUMP_AGE = (
    LOADS
    + """
SELECT dateDiff('hour', toDateTime(max(dump_date)), now('UTC')) AS age_h
FROM loads
"""
)

FRESHNESS = (
    LOADS
    + """
SELECT
    dump_kind AS kind,
    max(dump_date) AS last_dump,
    max(loaded_at) AS last_loaded,
    dateDiff('hour', toDateTime(max(dump_date)), now('UTC')) AS age_h
FROM loads
GROUP BY kind
ORDER BY kind
"""
)

LOAD_TABLE = (
    LOADS
    + """
SELECT
    loaded_at,
    dump_kind AS kind,
    dump_date,
    lines,
    accepted,
    deleted,
    quarantined,
    quarantined / nullIf(lines, 0) AS quarantine_share
FROM loads
WHERE $__timeFilter(loaded_at)
ORDER BY loaded_at DESC
LIMIT 50
"""
)

SHARE_BY_REASON = (
    LOADS
    + """,
per_reason AS (
    SELECT load_id, arrayJoin(reasons) AS reason, count() AS lines_with_reason
    FROM catalog_quarantine
    GROUP BY load_id, reason
)
SELECT
    loads.loaded_at AS time,
    per_reason.reason AS reason,
    per_reason.lines_with_reason / nullIf(loads.lines, 0) AS share
FROM per_reason
INNER JOIN loads ON loads.load_id = per_reason.load_id
WHERE $__timeFilter(loads.loaded_at)
ORDER BY time, reason
"""
)

REASONS = """
SELECT
    arrayJoin(reasons) AS reason,
    count() AS lines,
    uniqExact(load_id) AS loads
FROM catalog_quarantine
WHERE $__timeFilter(quarantined_at)
GROUP BY reason
ORDER BY lines DESC, reason
"""

BY_COUNTRY = """
SELECT
    if(country_code = '', 'unknown', country_code) AS country,
    count() AS hotels
FROM hotels_current
WHERE $__conditionalAll(country_code IN (${country:singlequote}), $country)
GROUP BY country
ORDER BY hotels DESC, country
LIMIT 20
"""

COUNTRIES = """
SELECT DISTINCT if(country_code = '', 'unknown', country_code) AS country
FROM dim_hotels
ORDER BY country
"""


def board() -> DashboardSpec:
    return DashboardSpec(
        uid="ibe-catalog-quality",
        title="IBE / Catalog quality",
        description="RateHawk dump loads: hotels on sale, accepted and quarantined lines by reason, and the "
        "freshness of the newest dump.",
        tags=("ibe", "catalog"),
        time_from="now-30d",
        refresh="5m",
        variables=(VariableSpec("country", "Hotel country", COUNTRIES),),
        panels=(
            PanelSpec("Hotels on sale", "stat", HOTELS_ON_SALE, (number("hotels"),), width=6, main=True),
            PanelSpec("Hours since the newest dump", "stat", DUMP_AGE, (number("age_h"),),
                      description="Age of the newest loaded dump's date: above 24 the daily incremental is late.",
                      unit="h", width=6),
            PanelSpec("Freshness by dump kind", "table", FRESHNESS,
                      (text("kind"), time("last_dump"), time("last_loaded"), number("age_h")), width=12),
            PanelSpec("Quarantine share by reason", "timeseries", SHARE_BY_REASON,
                      (time(), text("reason"), number("share")),
                      description="Share of a load's dump lines quarantined for each reason (a line may have several).",
                      unit="percentunit", width=12, main=True),
            PanelSpec("Quarantined lines by reason", "barchart", REASONS,
                      (text("reason"), number("lines"), number("loads")), width=12, main=True),
            PanelSpec("Loads", "table", LOAD_TABLE,
                      (time("loaded_at"), text("kind"), time("dump_date"), number("lines"), number("accepted"),
                       number("deleted"), number("quarantined"), number("quarantine_share")),
                      width=16, height=9),
            PanelSpec("Hotels on sale by country", "barchart", BY_COUNTRY, (text("country"), number("hotels")),
                      width=8, height=9),
        ),
    )  # fmt: skip
