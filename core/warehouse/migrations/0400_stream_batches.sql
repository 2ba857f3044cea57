-- Crash-safe marts. An INSERT into stream_events feeds every materialized view in the same pipeline,
-- but the table and each view commit their parts one after the other: a sink killed in between leaves
-- the facts in stream_events and some marts short of them, and the redelivered batch is then dropped
-- as a duplicate by event id. So each sink write is one block with a deduplication token (the batch
-- id, kept in _batch), and on start the sink inserts its latest batches again with their tokens:
-- stream_events and the views that have the block skip it, the views that missed it take it.
-- The windows keep the last 1,000 block ids per table (the sink re-inserts only its last few).

ALTER TABLE {db}.stream_events ADD COLUMN IF NOT EXISTS _batch String DEFAULT '';
ALTER TABLE {db}.stream_events MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {db}.mart_revenue_hourly MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {db}.mart_hotel_revenue_daily MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {db}.mart_funnel_hourly MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE {db}.mart_revenue_hotel_hourly MODIFY SETTING non_replicated_deduplication_window = 1000;
