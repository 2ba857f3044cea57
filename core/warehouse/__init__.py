"""The warehouse port (ClickHouse / embedded chDB), its turn lock and its migrations."""

from core.warehouse.client import Warehouse, WarehouseError
from core.warehouse.lock import WarehouseBusy
from core.warehouse.migrate import MigrationChanged, MigrationLocked, migrate

__all__ = ["MigrationChanged", "MigrationLocked", "Warehouse", "WarehouseBusy", "WarehouseError", "migrate"]
