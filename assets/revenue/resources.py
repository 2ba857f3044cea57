"""Dagster resources for the platform's engines, built from the platform settings (IBE_* variables).

The warehouse and the store are opened inside the asset that needs them and closed after it, so a
run holds the embedded warehouse only for its short sessions (other processes take turns).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from core.config import get_settings
from core.kv import Store, open_store
from core.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[misc]
    """The analytical warehouse (ClickHouse, or embedded chDB) named by the settings."""

    def open(self) -> Warehouse:
        return Warehouse(get_settings())


class StoreResource(dg.ConfigurableResource):  # type: ignore[misc]
    """The transactional store (FoundationDB, or the embedded SQLite store) named by the settings."""

    @contextmanager
    def open(self) -> Iterator[Store]:
        store = open_store(get_settings())
        try:
            yield store
        finally:
            store.close()
