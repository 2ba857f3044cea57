"""The key schema of the transactional store: every subspace, written once, here.

All keys are `fdb.tuple`-encoded and relative to the deployment's directory (the store adds the
`(deployment,)` prefix). Add a row here before writing a new kind of key anywhere else.

| subspace              | key tuple                                        | value                                   | owner            |
|-----------------------|--------------------------------------------------|-----------------------------------------|------------------|
| `meta`                | ("meta", name)                                   | JSON: schema version, smoke records     | core             |
| `catalog_pointer`     | ("catalog", "current")                           | JSON {seq, load_id, kind}: visible load | catalog assets   |
| `catalog_last_full`   | ("catalog", "last_full")                         | JSON pointer of the newest full load    | catalog assets   |
| `catalog_active`      | ("catalog", "active")                            | load id being written (one at a time)   | catalog assets   |
| `catalog_seq`         | ("catalog", "seq")                               | 8-byte counter: last load seq           | catalog assets   |
| `catalog_load`        | ("catalog", "load", load_id, "state")            | JSON: progress, resumable cursor        | catalog assets   |
| `catalog_touched`     | ("catalog", "load", load_id, "touched", hid)     | old/new places, until compacted         | catalog assets   |
| `catalog_zdict`       | ("catalog", "zdict", dict_id) / ("catalog", "zdict_current") | zstd dictionary / its id    | catalog assets   |
| `hotel`               | ("hotel", hid, seq)                              | zstd(JSON) hotel content; b"" off sale  | catalog assets   |
| `hotel_hash`          | ("hotel_hash", hid)                              | tuple(hash, region, geo cell) newest    | catalog assets   |
| `idx_region`          | ("idx", "region", region_id, hid, seq)           | b"\\x01" listed, b"" removed            | catalog assets   |
| `idx_geo`             | ("idx", "geo", lat_cell, lon_cell, hid, seq)     | <dd lat, lon; b"" removed               | catalog assets   |
| `region`              | ("region", region_id, seq)                       | JSON region record                      | catalog assets   |
| `booking`             | ("booking", booking_id)                          | JSON booking record                     | booking API      |
| `idempotency`         | ("idem", api_key_id, idempotency_key)            | booking id                              | booking API      |
| `user_bookings`       | ("user", user_id, "booking", booking_id)         | empty                                   | booking API      |
| `inventory`           | ("inv", hid, room, night_iso)                    | 8-byte little-endian counter (rooms)    | booking API      |
| `supplier_order`      | ("supplier_order", booking_id, partner_order_id) | JSON attempt record                     | booking sagas    |
| `inventory_held`      | ("inv_held", hid, room, night_iso)               | 8-byte counter: rooms held or sold      | booking API      |
| `inventory_hold`      | ("hold", hold_id)                                | JSON hold: nights, rooms, state, expiry | booking API      |
| `inventory_hold_exp`  | ("hold_exp", expires_at_epoch_s, hold_id)        | empty (expiry index of live holds)      | booking API      |
| `apikey`              | ("apikey", sha256_hex)                           | JSON key record (scopes, partner)       | booking API      |
| `outbox`              | ("outbox", sequence)                             | JSON event envelope                     | streams          |
| `outbox_seq`          | ("outbox_seq",)                                  | 8-byte counter: last sequence assigned  | streams          |
| `relay_cursor`        | ("relay", "cursor")                              | 8-byte counter: last published sequence | streams          |
| `relay_hw`            | ("relay", "hw", topic, partition)                | 8-byte counter: highest offset seen     | streams          |
| `webhook`             | ("webhook", partner_id, webhook_id)              | JSON registration (url, secret, types)  | streams          |
| `webhook_due`         | ("webhook_due", due_at_ms, delivery_id)          | JSON pending delivery (attempt, event)  | streams          |
| `webhook_dead`        | ("webhook_dead", partner_id, delivery_id)        | JSON parked delivery + last error       | streams          |
| `webhook_seen`        | ("webhook_seen", webhook_id, event_id)           | 8-byte counter: enqueued at (ms)        | streams          |
"""

from __future__ import annotations

from typing import Any

import fdb.tuple

from core.kv.port import strinc


class Subspace:
    """A key prefix made of tuple elements, like FoundationDB's `Subspace`."""

    def __init__(self, *prefix: Any) -> None:
        self.raw = fdb.tuple.pack(prefix)

    def key(self, *items: Any) -> bytes:
        return self.raw + fdb.tuple.pack(items)

    def unpack(self, key: bytes) -> tuple[Any, ...]:
        return fdb.tuple.unpack(key[len(self.raw) :])

    def range(self, *items: Any) -> tuple[bytes, bytes]:
        """[begin, end) of every key under this subspace (and `items`, if given)."""
        start = self.key(*items) if items else self.raw
        return start, strinc(start)

    def sub(self, *items: Any) -> Subspace:
        child = Subspace()
        child.raw = self.key(*items)
        return child


META = Subspace("meta")
CATALOG = Subspace("catalog")
HOTEL = Subspace("hotel")
HOTEL_HASH = Subspace("hotel_hash")
INDEX = Subspace("idx")
REGION = Subspace("region")
BOOKING = Subspace("booking")
IDEMPOTENCY = Subspace("idem")
USER = Subspace("user")
INVENTORY = Subspace("inv")
INVENTORY_HELD = Subspace("inv_held")
INVENTORY_HOLD = Subspace("hold")
INVENTORY_HOLD_EXPIRY = Subspace("hold_exp")
SUPPLIER_ORDER = Subspace("supplier_order")
APIKEY = Subspace("apikey")
OUTBOX = Subspace("outbox")
OUTBOX_SEQ = Subspace("outbox_seq")
RELAY = Subspace("relay")
WEBHOOK = Subspace("webhook")
WEBHOOK_DUE = Subspace("webhook_due")
WEBHOOK_DEAD = Subspace("webhook_dead")
WEBHOOK_SEEN = Subspace("webhook_seen")
