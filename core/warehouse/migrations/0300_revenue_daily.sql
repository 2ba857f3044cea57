-- Analytics: the daily revenue marts, written by the Dagster assets in assets/revenue/ one day partition
-- at a time (the day's partition is dropped, then rewritten, so re-runs and backfills never double).
--
-- revenue_bookings_daily keeps one row per revenue event of a booking (confirmed +amount, cancelled
-- -refund, refunded -amount, as the stream facts carry them) with the hotel's region, country and chain
-- as the catalog knew them when the day was built. The three marts by region, country and chain are
-- sums of it; the reconciliation assets compare it booking by booking with the transactional store.
-- Money is Decimal: in the booking's currency and in the reporting currency, with the rate used.

CREATE TABLE IF NOT EXISTS {db}.revenue_bookings_daily
(
    day                Date,
    booking_id         String,
    event_id           String,
    kind               LowCardinality(String),
    occurred_at        DateTime64(6, 'UTC'),
    hotel_id           String,
    region_id          Int64,
    region_name        String,
    country_code       LowCardinality(String),
    chain              String,
    currency           LowCardinality(String),
    revenue            Decimal(18, 4),
    reporting_currency LowCardinality(String),
    fx_rate            Decimal(18, 8),
    revenue_reporting  Decimal(18, 4),
    built_at           DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, booking_id, kind, event_id);

CREATE TABLE IF NOT EXISTS {db}.revenue_daily_by_region
(
    day                Date,
    region_id          Int64,
    region_name        String,
    country_code       LowCardinality(String),
    reporting_currency LowCardinality(String),
    bookings_confirmed UInt64,
    bookings_cancelled UInt64,
    revenue_reporting  Decimal(38, 4),
    built_at           DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, region_id);

CREATE TABLE IF NOT EXISTS {db}.revenue_daily_by_country
(
    day                Date,
    country_code       LowCardinality(String),
    reporting_currency LowCardinality(String),
    bookings_confirmed UInt64,
    bookings_cancelled UInt64,
    revenue_reporting  Decimal(38, 4),
    built_at           DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, country_code);

CREATE TABLE IF NOT EXISTS {db}.revenue_daily_by_chain
(
    day                Date,
    chain              String,
    reporting_currency LowCardinality(String),
    bookings_confirmed UInt64,
    bookings_cancelled UInt64,
    revenue_reporting  Decimal(38, 4),
    built_at           DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, chain);

-- One row per reconciled day: what the store and the marts said, and how many bookings differ.
CREATE TABLE IF NOT EXISTS {db}.revenue_reconciliation
(
    day                 Date,
    store_confirmed     UInt64,
    store_cancelled     UInt64,
    mart_confirmed      UInt64,
    mart_cancelled      UInt64,
    differing_bookings  UInt64,
    checked_at          DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(checked_at)
ORDER BY day;
