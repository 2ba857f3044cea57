"""Loading the analytical copy of a catalog load into ClickHouse, in bulk, from the staged Parquet.

Embedded (chDB), the engine reads the Parquet files itself (`INSERT ... SELECT ... FROM file()`),
which is the fastest path measured here; against a ClickHouse server, which cannot see local
files, the same rows go as Arrow batches (`insert_arrow`). Never row by row.

Each load first deletes the rows it wrote before (by `load_id`), so re-running a partition changes
nothing. Sessions are opened per table and kept short: in embedded mode other processes (the
stream sink, an analyst's `ibe sql`) take their turns in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow.parquet as pq
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from core.warehouse import Warehouse
from core.warehouse.client import WarehouseError, one_line

T = TypeVar("T")
HOTEL_TABLES = ("dim_hotels", "hotel_room_groups", "hotel_amenities", "dim_regions")


def load_version(dump_date: date, kind: str) -> int:
    """Version of a load's rows: later dumps win; an incremental dump wins over that day's full one."""
    return int(dump_date.strftime("%Y%m%d")) * 10 + (1 if kind == "incremental" else 0)


@dataclass(frozen=True)
class LoadSpec:
    """What one catalog load writes into the warehouse, and from which files."""

    load_id: str
    kind: str
    dump_date: date
    staged: Path  # folder of staged tables (room_groups.parquet, amenities.parquet, ...)
    validated: Path  # folder with accepted.parquet and quarantine.parquet
    regions: Path | None = None  # staged regions.parquet of the region dump, if there is one

    @property
    def version(self) -> int:
        return load_version(self.dump_date, self.kind)

    @property
    def accepted(self) -> Path:
        return self.validated / "accepted.parquet"

    @property
    def changed_lines(self) -> Path:
        return self.validated / "changed_lines.parquet"

    @property
    def quarantine(self) -> Path:
        return self.validated / "quarantine.parquet"

    def params(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "kind": self.kind,
            "dump_date": self.dump_date,
            "version": self.version,
        }


def _s(col: str) -> str:
    return f"ifNull({col}, '')"


# SELECT lists over the Parquet files; {p} are the load's parameters.
_HOTELS_SELECT = f"""
    hid, {_s("id")}, {_s("name")}, {_s("kind")}, toUInt8(ifNull(star_rating, 0)),
    ifNull(latitude, 0), ifNull(longitude, 0), {_s("address")}, {_s("postal_code")}, {_s("phone")},
    {_s("email")}, {_s("hotel_chain")}, ifNull(region_id, 0), {_s("region_name")},
    {_s("region_country_code")}, {_s("check_in_time")}, {_s("check_out_time")}, front_desk_time_start,
    front_desk_time_end, ifNull(is_closed, false), ifNull(deleted, false), room_group_count, image_count,
    amenity_count, floors_number, rooms_number, year_built, year_renovated, payment_methods, serp_filters,
    {_s("extra")}, hex(content_hash), line_no,
    {{kind:String}}, {{dump_date:Date}}, {{load_id:String}}, {{version:UInt64}}
"""
_HOTELS_COLUMNS = """
    hid, id, name, kind, star_rating, latitude, longitude, address, postal_code, phone, email, hotel_chain,
    region_id, region_name, country_code, check_in_time, check_out_time, front_desk_time_start,
    front_desk_time_end, is_closed, is_deleted, room_group_count, image_count, amenity_count, floors_number,
    rooms_number, year_built, year_renovated, payment_methods, serp_filters, extra, content_hash, line_no,
    dump_kind, dump_date, load_id, version
"""
_RG_COLUMNS = """hid, rg_index, room_group_id, name, main_name, bathroom, bedding_type, rg_class, rg_quality,
    rg_capacity, rg_bedrooms, rg_balcony, rg_view, rg_club, rg_family, amenities, image_count, load_id, version"""
_RG_SELECT = """hid, rg_index, room_group_id, ifNull(name, ''), main_name, bathroom, bedding_type, rg_class,
    rg_quality, rg_capacity, rg_bedrooms, rg_balcony, rg_view, rg_club, rg_family, amenities, image_count,
    {load_id:String}, {version:UInt64}"""
_AM_COLUMNS = "hid, group_name, amenity, is_paid, load_id, version"
_AM_SELECT = "hid, ifNull(group_name, ''), amenity, is_paid, {load_id:String}, {version:UInt64}"
_REGION_COLUMNS = (
    "region_id, type, name, country_code, latitude, longitude, iata, hotel_count, source, load_id, version"
)


# Settings of the bulk statements, so that their memory does not grow with the dump. With
# ClickHouse's defaults (parsing threads reading ahead, 1M-row insert blocks, in-memory hash joins)
# loading the room groups of 1M hotels peaked at 2.0 GB; with these, at 1.0 GB (measured). The
# content-hash anti-join over 3M current hotels peaks at 1.0 GB with 16 grace-hash buckets (1.2 GB
# with one). ReplacingMergeTree dedupes on merge and readers use FINAL, so inserts skip the
# merge-on-insert (`optimize_on_insert = 0`): twice as fast.
BULK_SETTINGS = (
    " SETTINGS max_parsing_threads = 1, max_insert_threads = 1, min_insert_block_size_rows = 65536, "
    "max_insert_block_size = 65536, min_insert_block_size_bytes = 67108864, join_algorithm = 'grace_hash', "
    "grace_hash_join_initial_buckets = 16, max_bytes_in_join = 134217728, optimize_on_insert = 0"
)
SLICE_LINES = 250_000  # dump lines per bulk statement: what each statement reads and writes stays bounded


def _file(path: Path) -> str:
    return "file('" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "', Parquet)"


class CatalogWarehouse:
    """The catalog's tables in one warehouse database."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.db = warehouse.database

    def _exec(self, sql: str, params: dict[str, Any]) -> None:
        self._run(lambda client: client.command(sql, parameters=params))

    def _query(self, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
        return self._run(lambda client: list(client.query(sql, parameters=params).result_rows))

    def _run(self, work: Callable[[Client], T]) -> T:
        """One statement in its own session (other processes take turns in between)."""
        with self.warehouse.session() as client:
            try:
                result = work(client)
            except ClickHouseError as exc:
                raise WarehouseError(one_line(exc)) from None
            if self.warehouse.embedded:
                # chDB runs in this process, and what the statement's reads cached would stay
                # resident: its mark cache may grow to GBs, the Parquet metadata cache held 470 MB
                # after a load of 3M hotels (`use_parquet_metadata_cache = 0` does not stop it),
                # and its allocator keeps freed memory until purged.
                client.command("SYSTEM DROP MARK CACHE")
                client.command("SYSTEM DROP PARQUET METADATA CACHE")
                client.command("SYSTEM JEMALLOC PURGE")
            return result

    def _delete_load(self, table: str, spec: LoadSpec) -> None:
        self._exec(
            f"DELETE FROM {self.db}.{table} WHERE load_id = {{load_id:String}}", {"load_id": spec.load_id}
        )

    def _write_changed_lines(self, spec: LoadSpec) -> None:
        """Write `changed_lines.parquet`: the accepted lines (not deletions) whose content the warehouse
        does not hold as current, judged once, against the warehouse as it was before this load.

        Unchanged hotels keep their rows (and version): a weekly refresh in which 2% of the hotels
        changed writes 2% of the rows. A join (spilling to disk as needed), not a set of every
        current hotel in memory; sorted, so each slice reads only its own row groups.
        """
        self._exec(
            f"INSERT INTO FUNCTION {_file(spec.changed_lines)} SELECT a.line_no FROM {_file(spec.accepted)} AS a "
            f"LEFT ANTI JOIN (SELECT hid, content_hash FROM {self.db}.hotels_current) AS c "
            f"ON a.hid = c.hid AND hex(a.content_hash) = c.content_hash WHERE NOT ifNull(a.deleted, false) "
            f"ORDER BY a.line_no{BULK_SETTINGS}, engine_file_truncate_on_insert = 1",
            spec.params(),
        )

    def _slices(self, spec: LoadSpec) -> list[tuple[int, int]]:
        """The dump's line numbers in slices of SLICE_LINES (Parquet statistics let each read only its own)."""
        rows = self._query(f"SELECT max(line_no) FROM {_file(spec.accepted)}")
        last = int(rows[0][0] or 0)
        return [(lo, min(lo + SLICE_LINES - 1, last)) for lo in range(1, last + 1, SLICE_LINES)]

    def reconcile(self, spec: LoadSpec) -> dict[str, int]:
        """After a load: hotels the dump lists that are current with its content, deletions still current."""
        if not self.warehouse.embedded:  # the server path writes every accepted line under the load id
            n = self.count("dim_hotels", spec.load_id, "line_no > 0 AND NOT is_deleted")
            return {"listed_current": n, "deleted_current": 0}
        accepted, current = _file(spec.accepted), f"{self.db}.hotels_current"
        rows = self._query(  # the same bounded anti-join as the load's, not a set of all hotels
            f"SELECT (SELECT countIf(NOT ifNull(deleted, false)) FROM {accepted}) - (SELECT count() FROM {accepted} "
            f"AS a LEFT ANTI JOIN (SELECT hid, content_hash FROM {current}) AS c ON a.hid = c.hid "
            f"AND hex(a.content_hash) = c.content_hash WHERE NOT ifNull(a.deleted, false)), "
            f"(SELECT count() FROM {current} WHERE hid IN (SELECT hid FROM {accepted} WHERE ifNull(deleted, false)))"
            f"{BULK_SETTINGS}"
        )
        return {"listed_current": int(rows[0][0]), "deleted_current": int(rows[0][1])}

    def load(self, spec: LoadSpec, progress: Callable[[int], None] | None = None) -> dict[str, int]:
        """Load the accepted hotels, their room groups and amenities, and the regions; returns row counts.

        Embedded, the load goes in slices of the dump's lines; `progress` hears the last line of each.
        """
        for table in HOTEL_TABLES:
            self._delete_load(table, spec)
        if self.warehouse.embedded:
            self._write_changed_lines(spec)
            for lo, hi in self._slices(spec):
                self._load_slice(spec, lo, hi)
                if progress is not None:
                    progress(hi)
        else:
            self._load_via_arrow(spec)
        if spec.kind == "full":
            self._take_off_sale_missing(spec)
        self._load_regions(spec)
        return self.counts(spec.load_id)

    def _load_slice(self, spec: LoadSpec, lo: int, hi: int) -> None:
        """Bulk-insert the changed hotels of dump lines `lo..hi` with their room groups and amenities."""
        p = {**spec.params(), "lo": lo, "hi": hi}
        in_slice = "line_no BETWEEN {lo:Int64} AND {hi:Int64}"
        changed = f"(SELECT line_no FROM {_file(spec.changed_lines)} WHERE {in_slice})"
        self._exec(
            f"INSERT INTO {self.db}.hotel_room_groups ({_RG_COLUMNS}) SELECT {_RG_SELECT} "
            f"FROM {_file(spec.staged / 'room_groups.parquet')} WHERE {in_slice} AND line_no IN {changed}"
            f"{BULK_SETTINGS}",
            p,
        )
        self._exec(
            f"INSERT INTO {self.db}.hotel_amenities ({_AM_COLUMNS}) SELECT {_AM_SELECT} "
            f"FROM {_file(spec.staged / 'amenities.parquet')} WHERE {in_slice} AND line_no IN {changed}"
            f"{BULK_SETTINGS}",
            p,
        )
        self._exec(
            f"INSERT INTO {self.db}.dim_hotels ({_HOTELS_COLUMNS}) SELECT {_HOTELS_SELECT} "
            f"FROM {_file(spec.accepted)} WHERE {in_slice} AND (ifNull(deleted, false) OR line_no IN {changed})"
            f"{BULK_SETTINGS}",
            p,
        )

    def _take_off_sale_missing(self, spec: LoadSpec) -> None:
        """A full dump lists every hotel on sale: older hotels it does not list get a deleted row."""
        if self.warehouse.embedded:
            hids = f"(SELECT hid FROM {_file(spec.accepted)})"
        else:
            listed = pl.read_parquet(spec.accepted, columns=["hid"])["hid"].to_list()
            hids = "(" + ",".join(map(str, listed or [0])) + ")"
        self._exec(
            f"INSERT INTO {self.db}.dim_hotels (hid, is_deleted, line_no, dump_kind, dump_date, load_id, version) "
            f"SELECT hid, true, 0, {{kind:String}}, {{dump_date:Date}}, {{load_id:String}}, {{version:UInt64}} "
            f"FROM {self.db}.dim_hotels FINAL "
            f"WHERE NOT is_deleted AND version < {{version:UInt64}} AND hid NOT IN {hids}{BULK_SETTINGS}",
            spec.params(),
        )

    def _load_regions(self, spec: LoadSpec) -> None:
        p = spec.params()
        if spec.regions is not None and spec.regions.exists():
            if self.warehouse.embedded:
                source = (
                    f"SELECT region_id, ifNull(type, ''), ifNull(name, ''), ifNull(country_code, ''), latitude, "
                    f"longitude, iata, toUInt32(hotel_count), 'region_dump', {{load_id:String}}, {{version:UInt64}} "
                    f"FROM {_file(spec.regions)}"
                )
                self._exec(
                    f"INSERT INTO {self.db}.dim_regions ({_REGION_COLUMNS}) {source}{BULK_SETTINGS}", p
                )
                return
            frame = pl.read_parquet(spec.regions).drop("line_no", "record")
            self._insert_frame("dim_regions", frame.with_columns(
                pl.lit("region_dump").alias("source"), pl.lit(spec.load_id).alias("load_id"),
                pl.lit(spec.version, pl.UInt64).alias("version")))  # fmt: skip
            return
        # No region dump with this load: the regions the hotels name, as they name them.
        accepted = _file(spec.accepted) if self.warehouse.embedded else None
        if accepted is None:
            return
        self._exec(
            f"INSERT INTO {self.db}.dim_regions ({_REGION_COLUMNS}) "
            f"SELECT region_id, any(ifNull(region_type, '')), any(ifNull(region_name, '')), "
            f"any(ifNull(region_country_code, '')), NULL, NULL, any(region_iata), toUInt32(count()), 'hotels', "
            f"{{load_id:String}}, {{version:UInt64}} FROM {accepted} "
            f"WHERE region_id IS NOT NULL AND NOT ifNull(deleted, false) GROUP BY region_id{BULK_SETTINGS}",
            p,
        )

    def _insert_frame(self, table: str, frame: pl.DataFrame) -> None:
        with self.warehouse.session() as client:
            client.insert_arrow(f"{self.db}.{table}", frame.to_arrow())

    def _load_via_arrow(self, spec: LoadSpec) -> None:
        """Server path: stream the Parquet row groups as Arrow inserts (the server cannot read our files)."""
        accepted_lines: set[int] = set()
        pf = pq.ParquetFile(spec.accepted)
        for i in range(pf.num_row_groups):
            frame = pl.from_arrow(pf.read_row_group(i))
            assert isinstance(frame, pl.DataFrame)
            accepted_lines.update(frame.filter(~pl.col("deleted").fill_null(False))["line_no"].to_list())
            out = frame.select(
                "hid", pl.col("id").fill_null(""), pl.col("name").fill_null(""), pl.col("kind").fill_null(""),
                pl.col("star_rating").fill_null(0).cast(pl.UInt8), pl.col("latitude").fill_null(0.0),
                pl.col("longitude").fill_null(0.0),
                *[pl.col(c).fill_null("") for c in ("address", "postal_code", "phone", "email", "hotel_chain")],
                pl.col("region_id").fill_null(0), pl.col("region_name").fill_null(""),
                pl.col("region_country_code").fill_null("").alias("country_code"),
                pl.col("check_in_time").fill_null(""), pl.col("check_out_time").fill_null(""),
                "front_desk_time_start", "front_desk_time_end", pl.col("is_closed").fill_null(False),
                pl.col("deleted").fill_null(False).alias("is_deleted"), "room_group_count", "image_count",
                "amenity_count", "floors_number", "rooms_number", "year_built", "year_renovated",
                "payment_methods", "serp_filters", pl.col("extra").fill_null(""),
                pl.col("content_hash").bin.encode("hex").str.to_uppercase(), "line_no",
                pl.lit(spec.kind).alias("dump_kind"), pl.lit(spec.dump_date).alias("dump_date"),
                pl.lit(spec.load_id).alias("load_id"), pl.lit(spec.version, pl.UInt64).alias("version"),
            )  # fmt: skip
            self._insert_frame("dim_hotels", out)
        for name, table, extra in (
            ("room_groups.parquet", "hotel_room_groups", ("sex", "bathroom", "bedding", "floor")),
            ("amenities.parquet", "hotel_amenities", ()),
        ):
            pf = pq.ParquetFile(spec.staged / name)
            for i in range(pf.num_row_groups):
                frame = pl.from_arrow(pf.read_row_group(i))
                assert isinstance(frame, pl.DataFrame)
                frame = frame.filter(pl.col("line_no").is_in(sorted(accepted_lines))).drop(
                    "line_no", *[f"rg_{e}" for e in extra]
                )
                if frame.height:
                    self._insert_frame(table, frame.with_columns(
                        pl.lit(spec.load_id).alias("load_id"), pl.lit(spec.version, pl.UInt64).alias("version")))  # fmt: skip

    def load_quarantine(self, spec: LoadSpec) -> int:
        """Put the load's quarantined lines into `catalog_quarantine` (replacing an earlier run's)."""
        self._delete_load("catalog_quarantine", spec)
        if self.warehouse.embedded:
            self._exec(
                f"INSERT INTO {self.db}.catalog_quarantine "
                f"(load_id, dump_kind, dump_date, line_no, hid, reasons, detail, raw) "
                f"SELECT {{load_id:String}}, {{kind:String}}, {{dump_date:Date}}, line_no, hid, reasons, "
                f"ifNull(detail, ''), ifNull(raw, '') FROM {_file(spec.quarantine)}{BULK_SETTINGS}",
                spec.params(),
            )
        else:
            frame = pl.read_parquet(spec.quarantine).with_columns(
                pl.lit(spec.load_id).alias("load_id"), pl.lit(spec.kind).alias("dump_kind"),
                pl.lit(spec.dump_date).alias("dump_date"), pl.col("detail").fill_null(""),
            )  # fmt: skip
            if frame.height:
                self._insert_frame("catalog_quarantine", frame)
        return self.count("catalog_quarantine", spec.load_id)

    def record_load(self, spec: LoadSpec, lines: int, accepted: int, deleted: int, quarantined: int) -> None:
        with self.warehouse.session() as client:
            client.insert(
                f"{self.db}.catalog_loads",
                [[spec.load_id, spec.kind, spec.dump_date, lines, accepted, deleted, quarantined, spec.version]],
                column_names=["load_id", "dump_kind", "dump_date", "lines", "accepted", "deleted", "quarantined",
                              "version"],
            )  # fmt: skip

    def count(self, table: str, load_id: str, where: str = "1") -> int:
        rows = self._query(
            f"SELECT count() FROM {self.db}.{table} WHERE load_id = {{load_id:String}} AND {where}",
            {"load_id": load_id},
        )
        return int(rows[0][0])

    def counts(self, load_id: str) -> dict[str, int]:
        """Rows a load wrote, per table (`dim_hotels_from_dump`: hotel rows from dump lines, i.e. new,
        changed or deleted hotels; unchanged ones are not written again)."""
        parts = [
            f"SELECT '{table}', count() FROM {self.db}.{table} WHERE load_id = {{load_id:String}}"
            for table in (*HOTEL_TABLES, "catalog_quarantine")
        ]
        parts.append(
            f"SELECT 'dim_hotels_from_dump', count() FROM {self.db}.dim_hotels "
            f"WHERE load_id = {{load_id:String}} AND line_no > 0"
        )
        rows = self._query(" UNION ALL ".join(parts), {"load_id": load_id})
        return {str(name): int(n) for name, n in rows}

    def last_full_load(self) -> tuple[str, date] | None:
        """(load_id, dump date) of the newest full load recorded, or None."""
        _, rows = self.warehouse.query(
            f"SELECT load_id, dump_date FROM {self.db}.catalog_loads FINAL WHERE dump_kind = 'full' "
            f"ORDER BY dump_date DESC, loaded_at DESC LIMIT 1"
        )
        return (rows[0][0], rows[0][1]) if rows else None
