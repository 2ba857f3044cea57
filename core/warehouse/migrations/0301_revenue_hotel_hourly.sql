-- Analytics: real-time revenue per hour and hotel, so the Revenue dashboard can filter every panel by the
-- hotel's country (mart_revenue_hourly has no hotel). Fed by the stream facts like the streams' marts (the
-- sink deduplicates before inserting, so each event is summed once). Read with sum() ... GROUP BY.
-- Columns are qualified (e.) so an alias never shadows the column it sums.
-- confirmed_value_reporting sums confirmed bookings' amounts only (gross), for the average booking value.

CREATE TABLE IF NOT EXISTS {db}.mart_revenue_hotel_hourly
(
    hour                      DateTime('UTC'),
    hotel_id                  String,
    currency                  LowCardinality(String),
    reporting_currency        LowCardinality(String),
    bookings_confirmed        UInt64,
    bookings_cancelled        UInt64,
    revenue                   Decimal(38, 4),
    revenue_reporting         Decimal(38, 4),
    confirmed_value_reporting Decimal(38, 4)
)
ENGINE = SummingMergeTree
ORDER BY (hour, hotel_id, reporting_currency, currency);

-- Facts already in the warehouse when this migration runs are summed once here, before the view exists;
-- on an embedded warehouse the migration holds the only session, so nothing lands in between.
INSERT INTO {db}.mart_revenue_hotel_hourly
SELECT
    toStartOfHour(e.occurred_at) AS hour,
    e.hotel_id AS hotel_id,
    e.currency AS currency,
    e.reporting_currency AS reporting_currency,
    countIf(e.type = 'booking.confirmed') AS bookings_confirmed,
    countIf(e.type = 'booking.cancelled') AS bookings_cancelled,
    sum(e.revenue) AS revenue,
    sum(e.revenue_reporting) AS revenue_reporting,
    sumIf(e.revenue_reporting, e.type = 'booking.confirmed') AS confirmed_value_reporting
FROM {db}.stream_events AS e
WHERE e.type IN ('booking.confirmed', 'booking.cancelled', 'booking.refunded')
GROUP BY hour, hotel_id, currency, reporting_currency;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mv_revenue_hotel_hourly TO {db}.mart_revenue_hotel_hourly AS
SELECT
    toStartOfHour(e.occurred_at) AS hour,
    e.hotel_id AS hotel_id,
    e.currency AS currency,
    e.reporting_currency AS reporting_currency,
    countIf(e.type = 'booking.confirmed') AS bookings_confirmed,
    countIf(e.type = 'booking.cancelled') AS bookings_cancelled,
    sum(e.revenue) AS revenue,
    sum(e.revenue_reporting) AS revenue_reporting,
    sumIf(e.revenue_reporting, e.type = 'booking.confirmed') AS confirmed_value_reporting
FROM {db}.stream_events AS e
WHERE e.type IN ('booking.confirmed', 'booking.cancelled', 'booking.refunded')
GROUP BY hour, hotel_id, currency, reporting_currency;
