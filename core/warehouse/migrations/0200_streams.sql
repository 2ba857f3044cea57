-- Streams: event facts written by the sink (`ibe sink`), dead letters, FX rates, and the real-time marts.
--
-- The sink deduplicates by event_id BEFORE inserting into stream_events (it looks the batch's ids up in
-- this table inside the same warehouse turn), because every materialized view below fires on each
-- inserted block: a duplicate row that reached stream_events would already be counted in the marts.
-- The lookup reads only the days the batch's events occurred on (a redelivered event keeps its
-- occurred_at), hence the (day, event_id) order: its cost follows a day's volume, not the table's.
-- Marts are SummingMergeTree tables: always read them with sum() ... GROUP BY, never trusting merges.
-- Money is Decimal; revenue is signed (confirmed +amount, cancelled -refund, refunded -amount) and kept
-- both in the event's currency and in the reporting currency with the FX rate used beside it.

CREATE TABLE IF NOT EXISTS {db}.fx_rates
(
    currency           LowCardinality(String),
    reporting_currency LowCardinality(String),
    rate               Decimal(18, 8),
    valid_from         Date,
    source             String
)
ENGINE = ReplacingMergeTree
ORDER BY (reporting_currency, currency, valid_from);

-- Reference rates (units of EUR per unit of currency) so a fresh install converts; a daily feed inserts
-- newer rows with a later valid_from, and the sink uses the latest row valid on the event's day.
INSERT INTO {db}.fx_rates (currency, reporting_currency, rate, valid_from, source) VALUES
    ('EUR', 'EUR', 1, '2000-01-01', 'identity'),
    ('USD', 'EUR', 0.92, '2000-01-01', 'reference'),
    ('GBP', 'EUR', 1.17, '2000-01-01', 'reference'),
    ('CHF', 'EUR', 1.05, '2000-01-01', 'reference'),
    ('RUB', 'EUR', 0.0102, '2000-01-01', 'reference'),
    ('TRY', 'EUR', 0.027, '2000-01-01', 'reference'),
    ('AED', 'EUR', 0.25, '2000-01-01', 'reference'),
    ('JPY', 'EUR', 0.0061, '2000-01-01', 'reference'),
    ('CNY', 'EUR', 0.127, '2000-01-01', 'reference'),
    ('THB', 'EUR', 0.026, '2000-01-01', 'reference');

CREATE TABLE IF NOT EXISTS {db}.stream_events
(
    event_id           String,
    type               LowCardinality(String),
    schema_version     UInt16,
    occurred_at        DateTime64(6, 'UTC'),
    aggregate_id       String,
    hotel_id           String,
    partner_id         String,
    currency           LowCardinality(String),
    amount             Decimal(18, 4),
    revenue            Decimal(18, 4),
    reporting_currency LowCardinality(String),
    fx_rate            Decimal(18, 8),
    revenue_reporting  Decimal(18, 4),
    payload            String CODEC(ZSTD(3)),
    _topic             LowCardinality(String),
    _partition         UInt32,
    _offset            UInt64,
    _timestamp         DateTime64(3, 'UTC'),
    ingested_at        DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), event_id);

CREATE TABLE IF NOT EXISTS {db}.stream_dead_letters
(
    topic        LowCardinality(String),
    partition    UInt32,
    offset       UInt64,
    key          String,
    value        String,
    reason       String,
    consumer     LowCardinality(String),
    received_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
-- a redelivered poison message collapses into one row; the value is in the key because offsets start
-- again after the embedded broker restarts, and another message at the same offset must stay
ORDER BY (topic, partition, offset, cityHash64(value), consumer);

CREATE TABLE IF NOT EXISTS {db}.mart_revenue_hourly
(
    hour               DateTime('UTC'),
    currency           LowCardinality(String),
    reporting_currency LowCardinality(String),
    bookings_created   UInt64,
    bookings_confirmed UInt64,
    bookings_cancelled UInt64,
    revenue            Decimal(38, 4),
    revenue_reporting  Decimal(38, 4),
    fx_rate            SimpleAggregateFunction(max, Decimal(18, 8))
)
ENGINE = SummingMergeTree
ORDER BY (hour, reporting_currency, currency);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mv_revenue_hourly TO {db}.mart_revenue_hourly AS
SELECT
    toStartOfHour(occurred_at) AS hour,
    currency,
    reporting_currency,
    countIf(type = 'booking.created') AS bookings_created,
    countIf(type = 'booking.confirmed') AS bookings_confirmed,
    countIf(type = 'booking.cancelled') AS bookings_cancelled,
    sum(revenue) AS revenue,
    sum(revenue_reporting) AS revenue_reporting,
    max(fx_rate) AS fx_rate
FROM {db}.stream_events
WHERE type IN ('booking.created', 'booking.confirmed', 'booking.cancelled', 'booking.refunded')
GROUP BY hour, currency, reporting_currency;

CREATE TABLE IF NOT EXISTS {db}.mart_hotel_revenue_daily
(
    day                Date,
    hotel_id           String,
    currency           LowCardinality(String),
    reporting_currency LowCardinality(String),
    bookings_confirmed UInt64,
    bookings_cancelled UInt64,
    revenue            Decimal(38, 4),
    revenue_reporting  Decimal(38, 4),
    fx_rate            SimpleAggregateFunction(max, Decimal(18, 8))
)
ENGINE = SummingMergeTree
ORDER BY (day, hotel_id, reporting_currency, currency);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mv_hotel_revenue_daily TO {db}.mart_hotel_revenue_daily AS
SELECT
    toDate(occurred_at) AS day,
    hotel_id,
    currency,
    reporting_currency,
    countIf(type = 'booking.confirmed') AS bookings_confirmed,
    countIf(type = 'booking.cancelled') AS bookings_cancelled,
    sum(revenue) AS revenue,
    sum(revenue_reporting) AS revenue_reporting,
    max(fx_rate) AS fx_rate
FROM {db}.stream_events
WHERE type IN ('booking.confirmed', 'booking.cancelled', 'booking.refunded')
GROUP BY day, hotel_id, currency, reporting_currency;

CREATE TABLE IF NOT EXISTS {db}.mart_funnel_hourly
(
    hour   DateTime('UTC'),
    stage  LowCardinality(String),
    events UInt64
)
ENGINE = SummingMergeTree
ORDER BY (hour, stage);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mv_funnel_hourly TO {db}.mart_funnel_hourly AS
SELECT
    toStartOfHour(occurred_at) AS hour,
    multiIf(
        type = 'search.performed', '1_searches',
        type = 'search.prebooked', '2_prebooks',
        type = 'booking.created', '3_bookings',
        '4_confirmed'
    ) AS stage,
    count() AS events
FROM {db}.stream_events
WHERE type IN ('search.performed', 'search.prebooked', 'booking.created', 'booking.confirmed')
GROUP BY hour, stage;

-- Analyst views over the marts (the seed's two questions, the funnel and the cancellation rate).
CREATE VIEW IF NOT EXISTS {db}.v_revenue_hourly AS
SELECT
    hour,
    reporting_currency,
    sum(bookings_confirmed) AS bookings,
    sum(bookings_cancelled) AS cancellations,
    sum(revenue_reporting) AS revenue
FROM {db}.mart_revenue_hourly
GROUP BY hour, reporting_currency;

CREATE VIEW IF NOT EXISTS {db}.v_hotel_revenue_daily AS
SELECT
    day,
    hotel_id,
    reporting_currency,
    sum(bookings_confirmed) AS bookings,
    sum(bookings_cancelled) AS cancellations,
    sum(revenue_reporting) AS revenue
FROM {db}.mart_hotel_revenue_daily
GROUP BY day, hotel_id, reporting_currency;

CREATE VIEW IF NOT EXISTS {db}.v_funnel_daily AS
SELECT
    toDate(hour) AS day,
    sumIf(events, stage = '1_searches') AS searches,
    sumIf(events, stage = '2_prebooks') AS prebooks,
    sumIf(events, stage = '3_bookings') AS bookings,
    sumIf(events, stage = '4_confirmed') AS confirmed
FROM {db}.mart_funnel_hourly
GROUP BY day;

CREATE VIEW IF NOT EXISTS {db}.v_cancellation_rate_daily AS
SELECT
    day,
    sum(bookings_confirmed) AS confirmed,
    sum(bookings_cancelled) AS cancelled,
    if(confirmed = 0, 0, cancelled / confirmed) AS cancellation_rate
FROM {db}.mart_hotel_revenue_daily
GROUP BY day;
