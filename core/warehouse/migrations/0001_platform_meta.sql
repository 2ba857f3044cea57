-- Platform bookkeeping: a heartbeat table the stack check and `make demo` write and read.
CREATE TABLE IF NOT EXISTS {db}.platform_heartbeat
(
    source     LowCardinality(String),
    note       String,
    written_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (source, written_at);
