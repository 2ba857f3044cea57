"""The warehouse port: ClickHouse through clickhouse-connect, chDB embedded by default.

`Warehouse.session()` yields a clickhouse-connect client. On a ClickHouse server the client is
opened once and shared; on embedded chDB each session takes its turn (see `lock.py`) and closes
the engine when done, so other processes can open the same data path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from core.config import Settings, get_settings
from core.warehouse.lock import embedded_turn


class WarehouseError(Exception):
    """A query or command failed; the message is the engine's, on one line."""


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.split(". Stack trace")[0][:800]


class Warehouse:
    """A handle on the analytical database named by the settings."""

    def __init__(self, settings: Settings | None = None, report: Callable[[str], None] | None = None) -> None:
        self.settings = settings or get_settings()
        self.database = self.settings.warehouse_database
        self._report = report
        self._server_client: Client | None = None

    @property
    def embedded(self) -> bool:
        return self.settings.warehouse_embedded

    @contextmanager
    def session(self) -> Iterator[Client]:
        """A client for a short unit of work; in embedded mode, holding the turn lock."""
        if not self.embedded:
            if self._server_client is None:
                self._server_client = clickhouse_connect.get_client(dsn=self.settings.warehouse_dsn)
            yield self._server_client
            return
        path = self.settings.warehouse_path
        with embedded_turn(
            path.parent / "warehouse.lock", self.settings.warehouse_lock_timeout_s, self._report
        ):
            path.mkdir(parents=True, exist_ok=True)
            try:
                client = clickhouse_connect.get_client(dsn=self.settings.warehouse_dsn)
            except Exception as exc:
                raise WarehouseError(
                    f"cannot open the embedded warehouse at {path}: {one_line(exc)}"
                ) from None
            try:
                yield client
            finally:
                client.close()

    def query(
        self, sql: str, parameters: dict[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one query in its own session; returns (column names, rows)."""
        with self.session() as client:
            try:
                result = client.query(sql, parameters=parameters)
            except ClickHouseError as exc:
                raise WarehouseError(one_line(exc)) from None
            return list(result.column_names), [tuple(r) for r in result.result_rows]

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> None:
        with self.session() as client:
            try:
                client.command(sql, parameters=parameters)
            except ClickHouseError as exc:
                raise WarehouseError(one_line(exc)) from None

    def close(self) -> None:
        if self._server_client is not None:
            self._server_client.close()
            self._server_client = None
