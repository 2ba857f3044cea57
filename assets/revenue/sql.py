"""The statements that build one day of the revenue marts (tables: core/warehouse/migrations/0300_*.sql).

Each day is dropped from a mart before it is written again, so a re-run or a backfill of any range of
days leaves each day exactly once. `%(day)s` is the partition's day.
"""

from __future__ import annotations

REVENUE_TYPES = ("booking.confirmed", "booking.cancelled", "booking.refunded")

BOOKINGS = "revenue_bookings_daily"
BY_REGION = "revenue_daily_by_region"
BY_COUNTRY = "revenue_daily_by_country"
BY_CHAIN = "revenue_daily_by_chain"

DROP_DAY = "ALTER TABLE {db}.{table} DROP PARTITION %(day)s"

# The hotel's region, country and chain from the catalog (newest version of each hotel, including hotels
# since taken off sale: their bookings still belong to their country), only for the day's hotels.
_HOTELS_OF_THE_DAY = """
    SELECT
        toString(hid) AS hotel_id,
        argMax(region_id, version) AS region_id,
        argMax(region_name, version) AS region_name,
        argMax(country_code, version) AS country_code,
        argMax(hotel_chain, version) AS chain
    FROM {db}.dim_hotels
    WHERE hid IN (
        SELECT toInt64OrZero(hotel_id) FROM {db}.stream_events
        WHERE toDate(occurred_at) = %(day)s AND type IN %(types)s
    )
    GROUP BY hid
"""

INSERT_BOOKINGS = (
    """
INSERT INTO {db}.revenue_bookings_daily
SELECT
    toDate(e.occurred_at) AS day,
    e.aggregate_id AS booking_id,
    e.event_id,
    replaceOne(e.type, 'booking.', '') AS kind,
    e.occurred_at,
    e.hotel_id,
    h.region_id,
    if(h.hotel_id = '', 'unknown', h.region_name) AS region_name,
    if(h.hotel_id = '' OR h.country_code = '', 'unknown', h.country_code) AS country_code,
    if(h.chain = '', 'independent', h.chain) AS chain,
    e.currency,
    e.revenue,
    e.reporting_currency,
    e.fx_rate,
    e.revenue_reporting,
    now64(3, 'UTC') AS built_at
FROM {db}.stream_events AS e
LEFT JOIN ("""
    + _HOTELS_OF_THE_DAY
    + """) AS h ON h.hotel_id = e.hotel_id
WHERE toDate(e.occurred_at) = %(day)s AND e.type IN %(types)s
SETTINGS join_use_nulls = 0
"""
)

_TOTALS = """
    any(reporting_currency) AS reporting_currency,
    countIf(kind = 'confirmed') AS bookings_confirmed,
    countIf(kind = 'cancelled') AS bookings_cancelled,
    sum(revenue_reporting) AS revenue_reporting,
    now64(3, 'UTC') AS built_at
"""

INSERT_BY_REGION = (
    """
INSERT INTO {db}.revenue_daily_by_region
SELECT day, region_id, any(region_name), any(country_code),"""
    + _TOTALS
    + """
FROM {db}.revenue_bookings_daily
WHERE day = %(day)s
GROUP BY day, region_id
"""
)

INSERT_BY_COUNTRY = (
    """
INSERT INTO {db}.revenue_daily_by_country
SELECT day, country_code,"""
    + _TOTALS
    + """
FROM {db}.revenue_bookings_daily
WHERE day = %(day)s
GROUP BY day, country_code
"""
)

INSERT_BY_CHAIN = (
    """
INSERT INTO {db}.revenue_daily_by_chain
SELECT day, chain,"""
    + _TOTALS
    + """
FROM {db}.revenue_bookings_daily
WHERE day = %(day)s
GROUP BY day, chain
"""
)

DAY_TOTALS = """
SELECT count() AS rows, countIf(kind = 'confirmed'), countIf(kind = 'cancelled'), sum(revenue_reporting),
       any(reporting_currency)
FROM {db}.{table}
WHERE day = %(day)s
"""

MART_TOTALS = """
SELECT count() AS rows, sum(bookings_confirmed), sum(bookings_cancelled), sum(revenue_reporting),
       any(reporting_currency)
FROM {db}.{table}
WHERE day = %(day)s
"""

# Last 30 days up to the partition's day, for the trend chart in the asset's metadata.
TREND = """
SELECT day, {key} AS key, sum(revenue_reporting) AS revenue
FROM {db}.{table}
WHERE day > toDate(%(day)s) - 30 AND day <= toDate(%(day)s)
GROUP BY day, key
ORDER BY day, key
"""
