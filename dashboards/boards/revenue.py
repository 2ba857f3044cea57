"""Revenue: bookings and net revenue per hour, top hotels, revenue by country and chain, booking value.

Every panel reads the real-time hourly mart per hotel (mart_revenue_hotel_hourly, fed by the stream
sink) and takes the hotel's name, country and chain from the catalog (dim_hotels, newest version of
each hotel in the range). Revenue is net (confirmed minus refunds) in the reporting currency; the
`currency` variable filters by the currency the guest paid in, `country` by the hotel's country.
"""

from __future__ import annotations

from dashboards.spec import DashboardSpec, PanelSpec, VariableSpec, number, text, time

# The catalog's view of the hotels that have revenue in the range (hotels the catalog does not know
# stay in, as country 'unknown').
HOTELS = """
WITH hotels AS (
    SELECT
        toString(hid) AS hotel_id,
        argMax(name, version) AS hotel_name,
        argMax(country_code, version) AS country_code,
        argMax(hotel_chain, version) AS chain
    FROM dim_hotels
    WHERE hid IN (SELECT toInt64OrZero(hotel_id) FROM mart_revenue_hotel_hourly WHERE $__timeFilter(hour))
    GROUP BY hid
)
"""
FROM = """
FROM mart_revenue_hotel_hourly AS m
LEFT JOIN hotels AS h ON h.hotel_id = m.hotel_id
WHERE $__timeFilter(m.hour)
  AND $__conditionalAll(m.currency IN (${currency:singlequote}), $currency)
  AND $__conditionalAll(if(h.country_code = '', 'unknown', h.country_code) IN (${country:singlequote}), $country)
"""


def _query(select: str, rest: str = "") -> str:
    return HOTELS + select.strip("\n") + FROM + rest.strip("\n")


REVENUE_PER_HOUR = _query(
    """
SELECT
    $__timeInterval(m.hour) AS time,
    sum(m.revenue_reporting) AS `net revenue`
""",
    """
GROUP BY time
ORDER BY time
""",
)

BOOKINGS_PER_HOUR = _query(
    """
SELECT
    $__timeInterval(m.hour) AS time,
    sum(m.bookings_confirmed) AS confirmed,
    sum(m.bookings_cancelled) AS cancelled
""",
    """
GROUP BY time
ORDER BY time
""",
)

TOTALS = _query(
    """
SELECT
    sum(m.revenue_reporting) AS `net revenue`,
    sum(m.bookings_confirmed) AS bookings,
    sum(m.confirmed_value_reporting) / nullIf(sum(m.bookings_confirmed), 0) AS `average booking value`
"""
)

BOOKING_VALUE = _query(
    """
SELECT
    $__timeInterval(m.hour) AS time,
    sum(m.confirmed_value_reporting) / nullIf(sum(m.bookings_confirmed), 0) AS `average booking value`
""",
    """
GROUP BY time
HAVING sum(m.bookings_confirmed) > 0
ORDER BY time
""",
)

TOP_HOTELS = _query(
    """
SELECT
    m.hotel_id AS hotel_id,
    if(h.hotel_name = '', concat('hotel ', m.hotel_id), h.hotel_name) AS hotel,
    if(h.country_code = '', 'unknown', h.country_code) AS country,
    sum(m.bookings_confirmed) AS bookings,
    sum(m.revenue_reporting) AS `net revenue`
""",
    """
GROUP BY hotel_id, hotel, country
ORDER BY `net revenue` DESC, hotel_id
LIMIT 20
""",
)

BY_COUNTRY = _query(
    """
SELECT
    if(h.country_code = '', 'unknown', h.country_code) AS country,
    sum(m.revenue_reporting) AS `net revenue`
""",
    """
GROUP BY country
ORDER BY `net revenue` DESC, country
LIMIT 15
""",
)

BY_CHAIN = _query(
    """
SELECT
    if(h.chain = '', 'independent', h.chain) AS chain,
    sum(m.revenue_reporting) AS `net revenue`
""",
    """
GROUP BY chain
ORDER BY `net revenue` DESC, chain
LIMIT 15
""",
)

COUNTRIES = """
SELECT DISTINCT if(country_code = '', 'unknown', country_code) AS country
FROM dim_hotels
ORDER BY country
"""

CURRENCIES = """
SELECT DISTINCT currency
FROM mart_revenue_hotel_hourly
WHERE currency != ''
ORDER BY currency
"""

EUR = "currencyEUR"  # the reporting currency (streaming.facts.REPORTING_CURRENCY)


def board() -> DashboardSpec:
    return DashboardSpec(
        uid="ibe-revenue",
        title="IBE / Revenue",
        description="Net revenue (confirmed minus refunds, in the reporting currency) and bookings from the "
        "real-time marts, by hour, hotel, country and chain.",
        tags=("ibe", "revenue"),
        variables=(
            VariableSpec("country", "Hotel country", COUNTRIES),
            VariableSpec("currency", "Guest currency", CURRENCIES),
        ),
        panels=(
            PanelSpec("Net revenue per hour", "timeseries", REVENUE_PER_HOUR, (time(), number("net revenue")),
                      unit=EUR, width=12, main=True),
            PanelSpec("Bookings per hour", "timeseries", BOOKINGS_PER_HOUR,
                      (time(), number("confirmed"), number("cancelled")), width=12, main=True),
            PanelSpec("Net revenue, bookings, average booking value", "stat", TOTALS,
                      (number("net revenue"), number("bookings"), number("average booking value")),
                      description="Average booking value: confirmed bookings' amounts over their count.",
                      width=8, main=True),
            PanelSpec("Average booking value", "timeseries", BOOKING_VALUE,
                      (time(), number("average booking value")), unit=EUR, width=16, main=True),
            PanelSpec("Top hotels", "table", TOP_HOTELS,
                      (text("hotel_id"), text("hotel"), text("country"), number("bookings"), number("net revenue")),
                      width=24, height=10, main=True),
            PanelSpec("Net revenue by country", "barchart", BY_COUNTRY, (text("country"), number("net revenue")),
                      unit=EUR, width=12, main=True),
            PanelSpec("Net revenue by chain", "barchart", BY_CHAIN, (text("chain"), number("net revenue")),
                      unit=EUR, width=12, main=True),
        ),
    )  # fmt: skip
