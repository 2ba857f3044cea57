"""Sink writes as tokened blocks, and the repair of marts that a crash in the middle of one left short.

An INSERT into `stream_events` also feeds every materialized view (the marts), but the table and each
view commit one after the other; a sink killed in between leaves facts the marts never summed, and
the redelivered batch is dropped as a duplicate by event id. So each write is one block carrying a
deduplication token (the batch id, also kept in the `_batch` column), and a starting sink inserts
its latest batches again with their tokens: the table and every view that has the block skip it,
a view that missed it takes it (ClickHouse's `deduplicate_blocks_in_dependent_materialized_views`;
the tables keep the last 1,000 block ids, migration 0400).
"""

from __future__ import annotations

import uuid
from typing import Any

from streaming.facts import FACT_COLUMNS

FACTS = "stream_events"
BATCH_COLUMNS = [*FACT_COLUMNS, "_batch"]
REINSERTED = 3  # the latest batches a starting sink writes again (a crash cuts short at most the last)


def new_batch_id() -> str:
    return uuid.uuid4().hex


def _token(batch_id: str) -> dict[str, Any]:
    return {"insert_deduplication_token": batch_id, "deduplicate_blocks_in_dependent_materialized_views": 1}


def insert_batch(client: Any, database: str, rows: list[list[Any]], batch_id: str) -> None:
    """Insert fact rows (FACT_COLUMNS) as one block whose token is `batch_id`."""
    client.insert(f"{database}.{FACTS}", [[*row, batch_id] for row in rows], column_names=BATCH_COLUMNS,
                  settings=_token(batch_id))  # fmt: skip


def reinsert_latest(client: Any, database: str, last: int = REINSERTED) -> list[str]:
    """Insert the latest `last` batches again with their tokens; returns their ids (newest first).

    Idempotent: a batch every table and view already has changes nothing.
    """
    latest = client.query(
        f"SELECT _batch FROM {database}.{FACTS} WHERE _batch != '' "
        "GROUP BY _batch ORDER BY max(ingested_at) DESC LIMIT %(last)s",
        parameters={"last": last},
    ).result_rows
    batch_ids = [str(r[0]) for r in latest]
    for batch_id in batch_ids:
        rows = client.query(
            f"SELECT {', '.join(FACT_COLUMNS)} FROM {database}.{FACTS} WHERE _batch = %(b)s",
            parameters={"b": batch_id},
        ).result_rows
        insert_batch(client, database, [list(r) for r in rows], batch_id)
    return batch_ids
