"""Read-only access to the warehouse file, safe to share between Streamlit sessions.

The build writes a new file and ``os.replace``s it over the old one, so a reader never
holds the file a writer writes. A reader opens an in-memory DuckDB connection and
``ATTACH``es the file ``READ_ONLY``; when the file's stamp (inode, mtime_ns, size)
changes, the next query attaches the new file on a new connection.

DuckDB 2.0 refuses concurrent calls on one connection ("connection is busy with another
call"), and every Streamlit session is a thread: each query runs on a cursor of its own,
and a cursor does not inherit ``USE``, so each cursor says ``USE wh`` itself.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.schema import SUMMARY_TABLES
from pipelines.settings import config

# tables a warehouse of this version always has (empty when nothing was sent); a file
# without one was built by an earlier version and is refused with MSG_OUTDATED
REQUIRED_TABLES = (*SUMMARY_TABLES, "teams", "redemptions")

ALIAS = "wh"

Stamp = tuple[int, int, int]
T = TypeVar("T")
MEMO_SIZE = 64  # figure results kept per Warehouse (see Warehouse.memo)

MSG_MISSING = "找不到数据仓库文件：{path}。请先用 wenming build 导入台账，或用 --db 指定文件。"
MSG_UNREADABLE = "无法打开数据仓库文件：{path}（{error}）。"
MSG_SETTINGS = (
    "wenming.toml 的 [read] 设置无效（{error}）。"
    'memory_limit 请写成 "3GB" 这样的大小，threads 写成整数（0 表示按 CPU 核数）。'
)
MSG_OUTDATED = (
    "数据仓库由旧版本程序生成，缺少数据表（{tables}），无法计算指标。"
    "请重新构建数据仓库：运行 wenming build，或在「数据导入与质量」页重新导入台账。"
)

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class WarehouseError(RuntimeError):
    """The warehouse cannot be read; the message is in Chinese, for the user."""


class WarehouseMissing(WarehouseError, FileNotFoundError):
    """The warehouse file does not exist (nothing has been built yet)."""

    def __init__(self, path: Path) -> None:
        super().__init__(MSG_MISSING.format(path=path))
        self.path = path


class WarehouseOutdated(WarehouseError):
    """The warehouse was built by a version without the summary tables: rebuild it."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(MSG_OUTDATED.format(tables="、".join(missing)))
        self.missing = missing


class Warehouse:
    """One warehouse file, read through a lazily (re)attached connection.

    ``query`` returns one dict per result row; ``frame`` a Polars DataFrame. Both take
    SQL with ``$name`` parameters and a dict of values (extra keys are ignored, so one
    dict of scope parameters serves every query).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = Path(path)
        # DuckDB's worker threads and memory cap; None: wenming.toml's [read] (ReadConfig)
        self.threads = threads
        self.memory_limit = memory_limit
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con_stamp: Stamp | None = None
        self._cache: dict[str, Any] = {}
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._memo_stamp: Stamp | None = None
        self._units: tuple[tuple[int, int], dict[str, dict[str, Any]]] | None = None

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def stamp(self) -> Stamp:
        """The file's (inode, mtime_ns, size): it changes when a build replaces the file."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise WarehouseMissing(self.path) from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def as_of(self) -> datetime | None:
        """The build's as-of time (``manifest.as_of``), or None for a warehouse without one."""
        return self._cached(
            "as_of", lambda: self.query("SELECT MAX(as_of) AS as_of FROM manifest")[0]["as_of"]
        )

    def build_info(self) -> dict[str, Any]:
        """The latest build: ``{as_of, built_at, files, data_until}``.

        ``data_until`` is the last activity date: the period presets count from it when
        the as-of year holds no activity (a 2025 ledger built in 2026 opens on 2025).
        """

        def load() -> dict[str, Any]:
            rows = self.query(_BUILD_INFO)
            info = rows[0] if rows else {"as_of": None, "built_at": None, "files": 0}
            info["data_until"] = self.query(_DATA_UNTIL)[0]["data_until"]
            return info

        return self._cached("build_info", load)

    def units(self) -> dict[str, dict[str, Any]]:
        """Every unit by id: ``{unit_id: {unit_id, name, level, parent_id, division_code}}``.

        Kept across a rebuild that did not change them (same ``units_digest``): the same
        dict, so what is built from it (the unit tree) can be kept too. Read it, never
        change it.
        """

        def load() -> dict[str, dict[str, Any]]:
            digest = self.units_digest()
            kept = self._units
            if kept is not None and kept[0] == digest:
                return kept[1]
            rows = self.query(_UNITS)
            units = {row["unit_id"]: row for row in rows}
            self._units = (digest, units)
            return units

        return self._cached("units", load)

    def units_digest(self) -> tuple[int, int]:
        """(how many units, a hash over every unit's id, name, level, parent and 区划代码):
        equal for two builds whose units are the same, whatever else changed."""

        def load() -> tuple[int, int]:
            row = self.query(_UNITS_DIGEST)[0]
            return (row["units"], int(row["digest"]))

        return self._cached("units_digest", load)

    def require_summaries(self) -> None:
        """Raise ``WarehouseOutdated`` when the file lacks a summary table
        (``pipelines.summaries``): it was built by an earlier version."""

        def load() -> list[str]:
            rows = self.query(
                # a Spark build's tables are views over its Parquet (pipelines.spark)
                "SELECT table_name FROM duckdb_tables() WHERE database_name = $db "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = $db",
                {"db": ALIAS},
            )
            present = {row["table_name"] for row in rows}
            return [table for table in REQUIRED_TABLES if table not in present]

        missing = self._cached("missing_summaries", load)
        if missing:
            raise WarehouseOutdated(missing)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one SELECT; one dict per row, DECIMAL as float, NULL as None."""
        cur = self._cursor()
        try:
            rel = cur.sql(sql, params=_used(sql, params))
            columns = rel.columns
            decimals = [i for i, kind in enumerate(rel.types) if str(kind).startswith("DECIMAL")]
            rows = rel.fetchall()
        finally:
            cur.close()
        if not decimals:  # most results: no cell to convert (a province's rows are many)
            return [dict(zip(columns, row, strict=True)) for row in rows]
        return [dict(zip(columns, map(_plain, row), strict=True)) for row in rows]

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """Run one SELECT into a Polars DataFrame."""
        cur = self._cursor()
        try:
            return cur.sql(sql, params=_used(sql, params)).pl()
        finally:
            cur.close()

    def arrow(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run one SELECT into an Arrow table (lists stay flat buffers, no Python objects)."""
        cur = self._cursor()
        try:
            return cur.sql(sql, params=_used(sql, params)).to_arrow_table()
        finally:
            cur.close()

    # -- connection ------------------------------------------------------------------

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._connection().cursor()
        cur.sql(f"USE {ALIAS}")
        return cur

    def _connection(self) -> duckdb.DuckDBPyConnection:
        stamp = self.stamp
        with self._lock:
            if self._con is None or stamp != self._con_stamp:
                # The old connection is not closed here: another session may still be
                # reading through one of its cursors; it goes when the last one does.
                self._con = _attach(self.path, self.threads, self.memory_limit)
                self._con_stamp = stamp
                self._cache = {}
            return self._con

    def memo(self, key: Hashable, load: Callable[[], T]) -> T:
        """``load()``'s result, kept for this build while it is among the last
        ``MEMO_SIZE`` asked for: a report and its briefing text read each figure once."""
        stamp = self.stamp
        with self._lock:
            if self._memo_stamp != stamp:
                self._memo.clear()
                self._memo_stamp = stamp
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = load()
        with self._lock:
            if self._memo_stamp == stamp:
                self._memo[key] = value
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        return value

    def _cached(self, key: str, load: Callable[[], T]) -> T:
        stamp = self.stamp
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and self._con_stamp == stamp:
                return hit[0]
        value = load()
        with self._lock:
            if self._con_stamp == stamp:
                self._cache[key] = (value,)
        return value


def _attach(
    path: Path, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(config=read_settings(threads, memory_limit))
    except (duckdb.Error, ValueError, TypeError) as exc:
        raise WarehouseError(MSG_SETTINGS.format(error=exc)) from exc
    try:
        con.sql(f"ATTACH $path AS {ALIAS} (READ_ONLY)", params={"path": str(path)})
    except duckdb.IOException as exc:
        con.close()
        if not path.exists():
            raise WarehouseMissing(path) from None
        raise WarehouseError(MSG_UNREADABLE.format(path=path, error=exc)) from exc
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(MSG_UNREADABLE.format(path=path, error=exc)) from exc
    return con


def read_settings(threads: int | None = None, memory_limit: str | None = None) -> dict[str, Any]:
    """DuckDB's settings for a reader: the arguments, else wenming.toml's ``[read]``.

    Every reader is an in-memory DuckDB instance of its own whose default cap is 80 % of
    the machine: twenty sessions' first visits at the province took the server to 12.7 GB.
    """
    read = config().read
    settings: dict[str, Any] = {
        "memory_limit": memory_limit or read.memory_limit,
        "temp_directory": _spill_folder(read.temp_directory),
    }
    threads = threads or read.threads
    if threads:
        settings["threads"] = int(threads)
    return settings


def _spill_folder(base: str) -> str:
    """A spill folder of this reader's own inside ``base``: DuckDB instances that share one
    folder overwrite each other's spill files and delete them when one closes
    (duckdb/duckdb#15173), and the pages' reader, the audit's and every `wenming report`
    process are instances of their own."""
    root = Path(base or Path(tempfile.gettempdir()) / "wenming-duckdb")
    root.mkdir(parents=True, exist_ok=True)
    # not created here: DuckDB makes the folder on its first spill and removes what it made
    return str(root / f"{os.getpid()}-{uuid.uuid4().hex}")


def _used(sql: str, params: dict[str, Any] | None) -> dict[str, Any] | None:
    """The parameters the SQL names: DuckDB refuses values for names a query lacks."""
    if not params:
        return None
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names} or None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


# files: every input file the build read, whatever became of it (loaded, a skipped
# byte-equal copy, unrecognised), once however many sheets it has: as the data page and
# `wenming build` count them
_BUILD_INFO = """
SELECT m.as_of, m.built_at,
       (SELECT COUNT(DISTINCT file) FROM source_files) AS files
FROM manifest AS m
ORDER BY m.built_at DESC
LIMIT 1"""

_UNITS = "SELECT unit_id, name, level, parent_id, division_code FROM units ORDER BY unit_id"
# order-free: a sum of per-unit hashes (unit_id is unique, so no two rows cancel out)
_UNITS_DIGEST = """
SELECT COUNT(*) AS units,
       COALESCE(SUM(hash(unit_id, name, level, parent_id, division_code)::HUGEINT), 0) AS digest
FROM units"""

_DATA_UNTIL = "SELECT MAX(start_on) AS data_until FROM activities"
