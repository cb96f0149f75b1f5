"""The cross-row pass of a build, table by table, as portable SQL (``engine``).

For each table, in the contract's order, over its staged valid rows (``stage``):
units' parents to a fixpoint; the references and as-of rules (``validate.check_refs``,
same codes, same Chinese reasons, first failing rule wins); then duplicates and
conflicts (``dedup``): a row's key, a content hash, and per key the first row of each
version. Rows whose key is unique, or repeated with one content, are decided in SQL
(first: loaded, the rest: duplicates). Keys repeated with *different* content (the
conflicts a person must review, and the decisions adopting a version) are few: their
rows are brought to the driver and decided by ``dedup._resolve_repeats``, the DuckDB
engine's own code, so the kept version, the reason text and the content hash a
decision names are the same both ways. Rejected rows come back to the driver with
their raw text (``build._late_rejects``); loaded rows stay in the engine as
``w_<table>`` with the warehouse's column names and types.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines import build as duck_build
from pipelines import dedup
from pipelines.contract import TABLE_SPECS
from pipelines.schema import DDL
from pipelines.spark.engine import Engine
from pipelines.spark.rules import allowed_parents, allowed_text, first_failure, fmt, refs

# the column of a table whose codes a later table refers to (for "… was itself rejected")
ID_COLUMN = {"units": "t_unit_id", "activities": "t_activity_id"}
# keyed by person/rater only when that id is present; otherwise keyless (as ``dedup``)
OPTIONAL_KEYS = dedup.OPTIONAL_KEYS
# the year a table's rows are partitioned by in the Parquet output
PARTITION_YEAR = {
    "activities": "year(r.t_start_at)",
    "attendance": "year(a.start_at)",
    "ratings": "year(a.start_at)",
    "orders": "year(r.t_ordered_at)",
    "redemptions": "year(r.t_redeemed_at)",
    "targets": "r.t_year",
}
PART_COLUMN = "part_year"
# what a row's content is made of, as text, for the content hash: a NULL and a value
# never read alike (U+2400 and U+241F do not occur in ledgers)
_NULL, _SEP = "'\u2400'", "'\u241f'"


@dataclass
class Pass:
    """What the pass of the tables so far leaves for the next ones."""

    engine: Engine
    as_of: dt.datetime
    decisions: dict[tuple[str, str], list[str]]


def ddl_types() -> dict[str, list[tuple[str, str]]]:
    """Each warehouse table's columns and DuckDB types, from ``schema.DDL``."""
    con = duckdb.connect()
    try:
        for ddl in DDL.values():
            con.execute(ddl)
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


# ---------------------------------------------------------------- units' parents


def unit_parents(engine: Engine, name: str) -> None:
    """``validate.check_unit_parents`` to a fixpoint: a unit whose parent is not a valid
    unit of an allowed level is rejected; the first valid row of a code stands for it."""
    engine.view("allowed_parents", allowed_parents())
    cols = [c for c in engine.columns(name) if c not in ("_code", "_reason")]
    keep = ", ".join(f"r.{c}" for c in cols)
    for _ in range(100):
        engine.view(
            "unit_parents",
            f"""SELECT t_unit_id AS parent_id, t_level AS parent_level FROM (
                SELECT t_unit_id, t_level, ROW_NUMBER() OVER (
                    PARTITION BY t_unit_id ORDER BY _order) AS n
                FROM {name} WHERE _code IS NULL AND t_unit_id IS NOT NULL) AS v
            WHERE n = 1""",
        )
        engine.view(
            "rejected_parents",
            f"""SELECT DISTINCT id FROM (
                SELECT t_unit_id AS id FROM {name} WHERE _code IS NOT NULL
                UNION ALL SELECT id FROM local_rejected_units) AS x
            WHERE id IS NOT NULL""",
        )
        has = "r.t_parent_id IS NOT NULL"
        unknown = f"({has} AND p.parent_level IS NULL)"
        wrong = f"({has} AND p.parent_level IS NOT NULL AND al.level IS NULL)"
        newly = f"(r._code IS NULL AND ({unknown} OR {wrong}))"
        engine.table(
            f"{name}_next",
            f"""SELECT {keep},
                CASE WHEN {newly} AND {unknown} THEN 'unknown_parent'
                     WHEN {newly} THEN 'bad_parent_level' ELSE r._code END AS _code,
                CASE WHEN {newly} AND {unknown} AND x.id IS NOT NULL
                         THEN {fmt("parent_rejected", "r.t_parent_id")}
                     WHEN {newly} AND {unknown} THEN {fmt("unknown_parent", "r.t_parent_id")}
                     WHEN {newly} THEN {fmt("bad_parent_level", "r.t_level", "p.parent_level", allowed_text("r.t_level"))}
                     ELSE r._reason END AS _reason,
                {newly} AS _newly
            FROM {name} AS r
            LEFT JOIN unit_parents AS p ON p.parent_id = r.t_parent_id
            LEFT JOIN allowed_parents AS al ON al.level = r.t_level
                AND al.parent_level = p.parent_level
            LEFT JOIN rejected_parents AS x ON x.id = r.t_parent_id""",
        )
        changed = engine.rows(f"SELECT COUNT(*) AS n FROM {name}_next WHERE _newly")["n"][0]
        engine.table(name, f"SELECT {', '.join(cols)}, _code, _reason FROM {name}_next")
        if changed == 0:
            return


# ---------------------------------------------------------------- duplicates and conflicts


def _content_text(table: str) -> str:
    columns = dedup.content_columns(table)
    cells = [f"COALESCE(CAST(r.{c} AS VARCHAR), {_NULL})" for c in columns]
    return f" || {_SEP} || ".join(cells)


def _key(table: str) -> str:
    if table not in OPTIONAL_KEYS:
        parts = [f"CAST(r.t_{k} AS VARCHAR)" for k in TABLE_SPECS[table].key]
        return " || '|' || ".join(parts)
    first, second = (f"r.t_{k}" for k in OPTIONAL_KEYS[table])
    occurrence = f"ROW_NUMBER() OVER (PARTITION BY r._file_idx, r._h, {second} IS NULL ORDER BY r._order) - 1"
    return (
        f"CASE WHEN {second} IS NOT NULL THEN {first} || '|' || {second} "
        f"ELSE '~' || r._h || '#' || CAST({occurrence} AS VARCHAR) END"
    )


# ---------------------------------------------------------------- one table


def process_table(table: str, parts: list[duck_build.Part], run: Pass) -> duck_build.TableResult:
    """Check, deduplicate and keep one table's staged rows; ``loaded_*`` and
    ``rejected_*`` views for the tables after it; loaded rows as ``final_<table>``."""
    engine = run.engine
    result = duck_build.TableResult(rows=sum(p.staged.rows for p in parts))
    local = duck_build._local_rejects(table, parts) if parts else None
    if local is not None:
        result.rejects.append(local)
    id_column = ID_COLUMN.get(table)
    if id_column:
        ids = duck_build._locally_rejected_ids(parts) if parts else pl.Series([], dtype=pl.String)
        engine.frame(f"local_rejected_{table}", pl.DataFrame({"id": ids.cast(pl.String)}))
    if not parts:
        _empty_keys(table, engine)
        return result
    name = f"c_{table}"
    engine.parquet(
        f"v_{table}",
        [(p.staged.valid, p.file, p.sheet, p.file_idx, p.sheet_idx) for p in parts],
    )
    # units' fixpoint replaces it step by step: a table; elsewhere read once: a view
    (engine.table if table == "units" else engine.view)(
        name,
        f"SELECT r.*, CAST(NULL AS VARCHAR) AS _code, CAST(NULL AS VARCHAR) AS _reason "
        f"FROM v_{table} AS r",
    )
    if table == "units":
        unit_parents(engine, name)
    joins, checks = refs(table, run.as_of)
    cols = [c for c in engine.columns(name) if c not in ("_code", "_reason")]
    code, reason = first_failure(checks)
    engine.table(
        f"checked_{table}",
        f"""SELECT {", ".join(f"r.{c}" for c in cols)}, {code} AS _code, {reason} AS _reason
        FROM {name} AS r {" ".join(joins)}""",
    )
    invalid = engine.rows(f"SELECT * FROM checked_{table} WHERE _code IS NOT NULL ORDER BY _order")
    if invalid.height:
        result.rejects.append(duck_build._late_rejects(table, invalid, parts, with_kept=False))
    _deduplicate(table, cols, parts, run, result)
    if id_column:
        engine.frame(
            f"late_rejected_{table}",
            invalid.select(pl.col(id_column).cast(pl.String).alias("id")),
        )
        engine.view(
            f"rejected_{table}",
            f"""SELECT DISTINCT x.id FROM (
                SELECT id FROM local_rejected_{table} UNION ALL SELECT id FROM late_rejected_{table}
            ) AS x
            ANTI JOIN final_{table} AS f ON f.{id_column} = x.id
            WHERE x.id IS NOT NULL""",
        )
    _loaded_keys(table, engine)
    return result


def _deduplicate(table, cols, parts, run: Pass, result: duck_build.TableResult) -> None:
    engine = run.engine
    engine.view(
        f"hashed_{table}",
        f"""SELECT {", ".join(f"r.{c}" for c in cols)}, md5({_content_text(table)}) AS _h
        FROM checked_{table} AS r WHERE r._code IS NULL""",
    )
    engine.table(
        f"keyed_{table}",
        f"""SELECT k.*, COUNT(*) OVER (PARTITION BY k._key) AS _n,
            MIN(k._h) OVER (PARTITION BY k._key) AS _hmin,
            MAX(k._h) OVER (PARTITION BY k._key) AS _hmax,
            MIN(k._order) OVER (PARTITION BY k._key) AS _first
        FROM (SELECT r.*, {_key(table)} AS _key FROM hashed_{table} AS r) AS k""",
    )
    contested = engine.rows(f"SELECT * FROM keyed_{table} WHERE _hmin <> _hmax ORDER BY _order")
    decided = pl.DataFrame(schema={"_order": pl.Int64, "_status": pl.String})
    if contested.height:
        frame = contested.with_columns(pl.col("_h").alias("_h1"), pl.col("_h").alias("_h2")).drop(
            "_n", "_hmin", "_hmax", "_first", "_h"
        )
        resolved = dedup._resolve_repeats(table, frame, run.decisions)
        conflicts = resolved.filter(pl.col("_status") == "rejected")
        if conflicts.height:
            result.rejects.append(duck_build._late_rejects(table, conflicts, parts, with_kept=True))
        decided = resolved.select(pl.col("_order").cast(pl.Int64), "_status")
    engine.frame(f"decided_{table}", decided)
    engine.table(
        f"final_{table}",
        f"""SELECT k.*, COALESCE(d._status,
                CASE WHEN k._order = k._first THEN 'loaded' ELSE 'duplicate' END) AS _status
        FROM keyed_{table} AS k LEFT JOIN decided_{table} AS d ON d._order = k._order""",
    )
    counts = engine.rows(f"SELECT _status, COUNT(*) AS n FROM final_{table} GROUP BY _status")
    by_status = dict(zip(counts["_status"], counts["n"], strict=True))
    result.loaded = int(by_status.get("loaded", 0))
    result.duplicates = int(by_status.get("duplicate", 0))


_KEYS = {
    "units": ("loaded_units", "t_unit_id AS unit_id, t_level AS level, t_parent_id AS parent_id"),
    "brands": ("loaded_brands", "t_brand_id AS brand_id"),
    "orders": ("loaded_orders", "t_order_id AS order_id"),
    "activities": (
        "loaded_activities",
        "t_activity_id AS activity_id, t_start_at AS start_at, "
        "t_start_at_has_time AS start_has_time, t_unit_id AS unit_id",
    ),
}
_EMPTY_KEYS = {
    "loaded_units": "CAST(NULL AS VARCHAR) AS unit_id, CAST(NULL AS VARCHAR) AS level, "
    "CAST(NULL AS VARCHAR) AS parent_id",
    "loaded_brands": "CAST(NULL AS VARCHAR) AS brand_id",
    "loaded_orders": "CAST(NULL AS VARCHAR) AS order_id",
    "loaded_activities": "CAST(NULL AS VARCHAR) AS activity_id, "
    "CAST(NULL AS TIMESTAMP) AS start_at, CAST(NULL AS BOOLEAN) AS start_has_time, "
    "CAST(NULL AS VARCHAR) AS unit_id",
}


def empty_context(engine: Engine) -> None:
    """Every ``loaded_*``/``rejected_*`` relation, empty, before the first table."""
    for view, columns in _EMPTY_KEYS.items():
        engine.view(view, f"SELECT {columns} FROM (SELECT 1 AS one) AS x WHERE FALSE")
    for table in ID_COLUMN:
        engine.view(
            f"rejected_{table}",
            "SELECT CAST(NULL AS VARCHAR) AS id FROM (SELECT 1 AS one) AS x WHERE FALSE",
        )
    engine.frame("local_rejected_units", pl.DataFrame({"id": []}, schema={"id": pl.String}))


def _loaded_keys(table: str, engine: Engine) -> None:
    if table in _KEYS:
        view, columns = _KEYS[table]
        engine.view(view, f"SELECT {columns} FROM final_{table} WHERE _status = 'loaded'")


def _empty_keys(table: str, engine: Engine) -> None:
    if table in _KEYS:
        view = _KEYS[table][0]
        engine.view(view, f"SELECT {_EMPTY_KEYS[view]} FROM (SELECT 1 AS one) AS x WHERE FALSE")


# ---------------------------------------------------------------- warehouse columns

_DERIVED_SQL = {
    ("activities", "start_on"): "CAST(r.t_start_at AS DATE)",
    ("divisions", "is_village"): "NOT ends_with(r.t_code, '000')",
}


def warehouse_select(table: str, types: list[tuple[str, str]]) -> str:
    """The loaded rows of ``final_<table>`` as the warehouse table (its columns, types
    and provenance), with ``_order`` and the partition year."""
    stage_of = duck_build._STAGE[table]
    cells = []
    for column, kind in types:
        if (table, column) in _DERIVED_SQL:
            source = _DERIVED_SQL[(table, column)]
        elif column == "source_file":
            source = "r._file"
        elif column == "source_sheet":
            source = "r._sheet"
        elif column == "source_row":
            source = "r._row"
        elif column in stage_of:
            source = f"r.{stage_of[column]}"
        else:
            source = "NULL"
        cells.append(f"CAST({source} AS {kind}) AS {column}")
    year = PARTITION_YEAR.get(table)
    join = ""
    if year:
        cells.append(f"CAST({year} AS INTEGER) AS {PART_COLUMN}")
        if "a." in year:
            join = "LEFT JOIN loaded_activities AS a ON a.activity_id = r.t_activity_id"
    cells.append("r._order AS _order")
    return f"SELECT {', '.join(cells)} FROM final_{table} AS r {join} WHERE r._status = 'loaded'"
