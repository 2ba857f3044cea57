-- Catalog: the analytical copy of RateHawk's hotel dumps (loaded by the catalog assets).
--
-- Every table is a ReplacingMergeTree keyed by the entity, with `version` = the load's version
-- (dump date as yyyymmdd * 10, + 1 for an incremental dump): a later load replaces a hotel's row.
-- Read the current state with argMax(..., version) or FINAL, and drop `is_deleted` rows (hotels
-- taken off sale). Child rows (room groups, amenities) carry the version of the hotel row they
-- came with: current children are those whose version equals the hotel's newest version (see the
-- *_current views), so a room group a hotel no longer lists disappears with its next version.
-- `load_id` names the load that wrote a row, so a re-run first deletes its own rows (idempotent).

CREATE TABLE IF NOT EXISTS {db}.dim_hotels
(
    hid                    Int64,
    id                     String,
    name                   String,
    kind                   LowCardinality(String),
    star_rating            UInt8,
    latitude               Float64,
    longitude              Float64,
    address                String,
    postal_code            String,
    phone                  String,
    email                  String,
    hotel_chain            LowCardinality(String),
    region_id              Int64,
    region_name            String,
    country_code           LowCardinality(String),
    check_in_time          String,
    check_out_time         String,
    front_desk_time_start  Nullable(String),
    front_desk_time_end    Nullable(String),
    is_closed              Bool,
    is_deleted             Bool,
    room_group_count       UInt16,
    image_count            UInt16,
    amenity_count          UInt16,
    floors_number          Nullable(Int32),
    rooms_number           Nullable(Int32),
    year_built             Nullable(Int32),
    year_renovated         Nullable(Int32),
    payment_methods        Array(LowCardinality(String)),
    serp_filters           Array(LowCardinality(String)),
    extra                  String CODEC(ZSTD(3)),
    content_hash           String,
    line_no                UInt64,
    dump_kind              LowCardinality(String),
    dump_date              Date,
    load_id                String,
    version                UInt64,
    loaded_at              DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY hid;

CREATE TABLE IF NOT EXISTS {db}.dim_regions
(
    region_id     Int64,
    type          LowCardinality(String),
    name          String,
    country_code  LowCardinality(String),
    latitude      Nullable(Float64),
    longitude     Nullable(Float64),
    iata          Nullable(String),
    hotel_count   UInt32,
    source        LowCardinality(String),
    load_id       String,
    version       UInt64,
    loaded_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY region_id;

CREATE TABLE IF NOT EXISTS {db}.hotel_room_groups
(
    hid            Int64,
    rg_index       UInt16,
    room_group_id  Nullable(Int64),
    name           String,
    main_name      Nullable(String),
    bathroom       Nullable(String),
    bedding_type   Nullable(String),
    rg_class       Nullable(Int32),
    rg_quality     Nullable(Int32),
    rg_capacity    Nullable(Int32),
    rg_bedrooms    Nullable(Int32),
    rg_balcony     Nullable(Int32),
    rg_view        Nullable(Int32),
    rg_club        Nullable(Int32),
    rg_family      Nullable(Int32),
    amenities      Array(LowCardinality(String)),
    image_count    UInt16,
    load_id        String,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (hid, rg_index);

CREATE TABLE IF NOT EXISTS {db}.hotel_amenities
(
    hid         Int64,
    group_name  LowCardinality(String),
    amenity     LowCardinality(String),
    is_paid     Bool,
    load_id     String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (hid, group_name, amenity);

-- Every rejected dump line, with every reason and its raw text: nothing is dropped silently.
CREATE TABLE IF NOT EXISTS {db}.catalog_quarantine
(
    load_id         String,
    dump_kind       LowCardinality(String),
    dump_date       Date,
    line_no         UInt64,
    hid             Nullable(Int64),
    reasons         Array(LowCardinality(String)),
    detail          String,
    raw             String CODEC(ZSTD(3)),
    quarantined_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (dump_date, load_id, line_no);

-- One row per load: the counts the reconciliation and freshness checks read.
CREATE TABLE IF NOT EXISTS {db}.catalog_loads
(
    load_id      String,
    dump_kind    LowCardinality(String),
    dump_date    Date,
    lines        UInt64,
    accepted     UInt64,
    deleted      UInt64,
    quarantined  UInt64,
    version      UInt64,
    loaded_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY load_id;

CREATE VIEW IF NOT EXISTS {db}.hotels_current AS
SELECT * FROM {db}.dim_hotels FINAL WHERE NOT is_deleted;

CREATE VIEW IF NOT EXISTS {db}.hotel_room_groups_current AS
SELECT rg.*
FROM {db}.hotel_room_groups AS rg FINAL
INNER JOIN (SELECT hid, max(version) AS version FROM {db}.dim_hotels GROUP BY hid) AS h
    ON rg.hid = h.hid AND rg.version = h.version;

CREATE VIEW IF NOT EXISTS {db}.hotel_amenities_current AS
SELECT a.*
FROM {db}.hotel_amenities AS a FINAL
INNER JOIN (SELECT hid, max(version) AS version FROM {db}.dim_hotels GROUP BY hid) AS h
    ON a.hid = h.hid AND a.version = h.version;
