"""`stream_events`: the table the stream sink (`ibe sink`) writes, as an observed source of the marts.

Dagster does not write it; it observes it every 15 minutes (rows, newest event, newest ingest). The
observation's data version changes when the sink has landed new rows, which is what the revenue
marts' automation waits for (assets/revenue/conventions.py).
"""

import dagster as dg

from assets.revenue.conventions import CODE_VERSION, OBSERVE_SINK
from assets.table_metadata import table_metadata
from core.warehouse import Warehouse

TABLE = "stream_events"
GROUP = "streams"

_STATE = "SELECT count(), max(occurred_at), max(ingested_at) FROM {db}.stream_events"


@dg.multi_observable_source_asset(
    name="observe_stream_events",
    specs=[
        dg.AssetSpec(
            TABLE,
            group_name=GROUP,
            kinds={"clickhouse", "kafka"},
            owners=["team:streams"],
            tags={"domain": "streams", "layer": "sink"},
            code_version=CODE_VERSION,
            automation_condition=OBSERVE_SINK,
            description="Every domain event the stream sink has landed from the outbox topics, once per "
            "event id (written by `ibe sink`, not by Dagster; observed every 15 minutes). Table: stream_events.",
        )
    ],
    required_resource_keys={"warehouse"},
)
def stream_events(context: dg.AssetExecutionContext) -> dg.ObserveResult:
    """Rows, newest event and newest ingest of the sink's table; the data version moves with new rows."""
    handle: Warehouse = context.resources.warehouse.open()
    _, [(rows, newest_event, newest_ingest)] = handle.query(_STATE.replace("{db}", handle.database))
    version = f"{rows}:{newest_ingest.isoformat() if rows else '-'}"
    return dg.ObserveResult(
        asset_key=TABLE,
        data_version=dg.DataVersion(version),
        metadata={
            **table_metadata(handle, TABLE, rows),
            "newest_event_at": dg.MetadataValue.text(newest_event.isoformat() if rows else "none"),
            "newest_ingest_at": dg.MetadataValue.text(newest_ingest.isoformat() if rows else "none"),
        },
    )
