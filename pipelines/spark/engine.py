"""One SQL text, two engines: the load pass is written once, in a portable subset of
DuckDB SQL, and runs on Spark (transpiled by sqlglot) or on DuckDB as it is.

The subset (docs/scale.md): SELECT with joins (INNER, LEFT, ANTI, SEMI), CTEs,
GROUP BY, window functions with PARTITION BY / ORDER BY (explicit NULLS FIRST/LAST
where it matters: the engines' defaults differ, sqlglot writes them out), CASE,
COALESCE, CAST to the warehouse's types, ``||``, ``strftime`` with %Y %m %d %H %M,
``md5``, ``year``, ``ends_with``, ``date_trunc('month', …)``, aggregates with
``FILTER (WHERE …)``, exact ``COUNT(DISTINCT …)``. Not in it: DuckDB's ``UNPIVOT … INTO``
statement, ``age()``, ``percentile_cont``/``quantile_cont``/``median`` (sqlglot turns
them into Spark's approximate percentile), ``* EXCLUDE``/``REPLACE``, ``GROUP BY ALL``
over expressions, recursive CTEs, ``IN (subquery)`` outside WHERE: ``portable`` refuses
the first group, the load pass avoids the rest.

An engine materialises named relations (``table``), registers Parquet parts with their
provenance (``parquet``) and small Polars frames (``frame``), returns small results as
Polars (``rows``) and writes a relation as Parquet, one folder per table (``write``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp

# functions whose Spark translation is not the same figure (approximate, or another
# meaning), and DuckDB-only statements: the load pass must not use them
NOT_PORTABLE = {"age", "percentile_cont", "quantile_cont", "quantile", "median", "mode"}

# staged Parquet part of this build -> (source file, sheet, file position, sheet position)
Provenance = tuple[str, str, str | None, int, int]

# rows are ordered as the build orders them: file, sheet, row, packed into one BIGINT
# (at most 2^21 files, 1,024 sheets a file and 2^32 rows a sheet)
ORDER = "(r._file_idx * 4398046511104 + r._sheet_idx * 4294967296 + r._row)"


class NotPortable(ValueError):
    """The SQL uses a construct outside the portable subset."""


def portable(sql: str) -> str:
    """``sql`` itself, after checking it stays inside the portable subset."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if tree.find(exp.Pivot) is not None:
        raise NotPortable("UNPIVOT/PIVOT")
    for node in tree.find_all(exp.Func):
        name = (node.sql_name() if not isinstance(node, exp.Anonymous) else node.name).lower()
        if name in NOT_PORTABLE or type(node).__name__.lower() in {
            "percentilecont",
            "median",
        }:
            raise NotPortable(name)
    return sql


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """The Spark SQL of one portable DuckDB statement."""
    return sqlglot.transpile(portable(sql), read="duckdb", write="spark")[0]


class Engine(Protocol):
    def parquet(self, name: str, parts: list[Provenance]) -> None: ...
    def table(self, name: str, sql: str) -> None: ...
    def view(self, name: str, sql: str) -> None: ...
    def frame(self, name: str, frame: pl.DataFrame) -> None: ...
    def rows(self, sql: str) -> pl.DataFrame: ...
    def columns(self, name: str) -> list[str]: ...
    def write(self, sql: str, folder: Path, partition: str | None) -> None: ...


def _provenance_frame(parts: list[Provenance]) -> pl.DataFrame:
    return pl.DataFrame(
        [(Path(p).name, f, s, fi, si) for p, f, s, fi, si in parts],
        schema={
            "_part": pl.String,
            "_file": pl.String,
            "_sheet": pl.String,
            "_file_idx": pl.Int64,
            "_sheet_idx": pl.Int64,
        },
        orient="row",
    )


def _with_provenance(parts_view: str) -> str:
    return f"""SELECT r.*, {ORDER} AS _order FROM (
        SELECT d.* , p._file, p._sheet, p._file_idx, p._sheet_idx
        FROM {parts_view}_data AS d JOIN {parts_view}_parts AS p ON p._part = d._part
    ) AS r"""


class SparkEngine:
    """The load pass on Spark: relations are cached temp views."""

    def __init__(self, session) -> None:
        self.spark = session
        self._cached: dict[str, object] = {}

    def parquet(self, name: str, parts: list[Provenance]) -> None:
        from pyspark.sql import functions as F

        data = self.spark.read.option("mergeSchema", "true").parquet(*[p[0] for p in parts])
        data = data.withColumn(
            "_part", F.element_at(F.split(F.col("_metadata.file_path"), "/"), -1)
        )
        data.createOrReplaceTempView(f"{name}_data")
        self.frame(f"{name}_parts", _provenance_frame(parts))
        self.view(name, _with_provenance(name))

    def table(self, name: str, sql: str) -> None:
        # materialised and cut from its lineage: a pass of many steps over views of views
        # would otherwise plan (and print) every earlier step again in each later one
        df = self.spark.sql(to_spark(sql)).localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        self._cached[name] = df

    def view(self, name: str, sql: str) -> None:
        """A relation computed where it is read (a step read once, or cheap to redo)."""
        self.spark.sql(to_spark(sql)).createOrReplaceTempView(name)

    def frame(self, name: str, frame: pl.DataFrame) -> None:
        self.spark.createDataFrame(frame.to_arrow()).createOrReplaceTempView(name)

    def rows(self, sql: str) -> pl.DataFrame:
        return pl.from_arrow(self.spark.sql(to_spark(sql)).toArrow())

    def columns(self, name: str) -> list[str]:
        return self.spark.table(name).columns

    def write(self, sql: str, folder: Path, partition: str | None) -> None:
        """The rows of ``sql`` as Parquet in ``folder``, in ``_order`` (then dropped): one
        sub-folder per ``partition`` value; else files whose names sort as their rows."""
        df = self.spark.sql(to_spark(sql))
        if partition:
            # sorted by the partition column first, so the writer adds no sort of its own
            df = df.repartition(partition).sortWithinPartitions(partition, "_order")
            writer = df.drop("_order").write.partitionBy(partition)
        else:
            df = df.repartitionByRange("_order").sortWithinPartitions("_order")
            writer = df.drop("_order").write
        writer.mode("overwrite").parquet(str(folder))

    def close(self) -> None:
        for df in self._cached.values():
            df.unpersist()
        self._cached.clear()


class DuckEngine:
    """The same load pass on DuckDB (an in-memory database): the portable SQL as it is."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duckdb.connect()

    def parquet(self, name: str, parts: list[Provenance]) -> None:
        files = "[" + ", ".join(f"'{p[0]}'" for p in parts) + "]"
        self.con.execute(
            f"""CREATE OR REPLACE TEMP VIEW {name}_data AS
            SELECT * EXCLUDE (filename), parse_filename(filename) AS _part
            FROM read_parquet({files}, union_by_name = true, filename = true)"""
        )
        self.frame(f"{name}_parts", _provenance_frame(parts))
        self.view(name, _with_provenance(name))

    def table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {portable(sql)}")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {portable(sql)}")

    def frame(self, name: str, frame: pl.DataFrame) -> None:
        self.con.register(f"_{name}_frame", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}_frame")
        self.con.unregister(f"_{name}_frame")

    def rows(self, sql: str) -> pl.DataFrame:
        return self.con.sql(portable(sql)).pl()

    def columns(self, name: str) -> list[str]:
        return self.con.table(name).columns

    def write(self, sql: str, folder: Path, partition: str | None) -> None:
        options = f"FORMAT parquet, PARTITION_BY ({partition})" if partition else "FORMAT parquet"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder if partition else folder / "part-0.parquet"
        self.con.execute(
            f"COPY (SELECT * EXCLUDE (_order) FROM ({sql}) ORDER BY _order) TO '{target}' ({options})"
        )

    def close(self) -> None:
        self.con.close()
