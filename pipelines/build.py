"""The build: ledger files in, a new warehouse file atomically in place, a manifest out.

Order of work: find and read files (``read``), per table normalise and validate
(``validate``), resolve duplicates and conflicts (``dedup``), then load every
table into a new DuckDB file beside the target and ``os.replace`` it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines import dedup, pii, read
from pipelines.contract import TABLE_SPECS
from pipelines.schema import DDL
from pipelines.settings import TABLES, config, decisions_path, salt_path
from pipelines.validate import Context, check_unit_parents, prepare


class BuildError(Exception):
    """Nothing could be built; the message is one line of Chinese for the user."""


@dataclass
class TableResult:
    loaded: pl.DataFrame
    rejects: pl.DataFrame
    rows: int
    duplicates: int


def load_decisions(db: Path) -> dict[tuple[str, str], list[str]]:
    """(table, key) -> adopted content hashes, oldest first."""
    path = decisions_path(db)
    if not path.exists():
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for d in json.loads(path.read_text(encoding="utf-8")).get("decisions", []):
        out.setdefault((d["table"], d["key"]), []).append(d["content_hash"])
    return out


def build(
    sources: list[str | os.PathLike],
    db: Path,
    as_of: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Build the warehouse at ``db`` from ``sources``; returns the manifest."""
    as_of = (as_of or dt.datetime.now()).replace(microsecond=0)
    say = progress or (lambda _msg: None)
    db = Path(db)
    if not db.parent.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(db.parent, os.W_OK):
        raise BuildError(f"目标目录不可写：{db.parent}")
    files = read.find_sources(sources)
    if not files:
        raise BuildError(
            "没有找到可读取的台账文件（.csv、.xlsx、.xls）：" + "、".join(map(str, sources))
        )

    salt = pii.load_salt(salt_path(db), config().salt)
    file_entries, frames, source_rows = _read_all(files, say)
    if not any(frames.values()):
        found = "；".join(f"{e['file']}（{e['status']}）" for e in file_entries)
        raise BuildError("没有可识别的台账表：" + found)

    decisions = load_decisions(db)
    ctx = Context(as_of=as_of)
    results: dict[str, TableResult] = {}
    for table in TABLES:
        say(f"校验 {TABLE_SPECS[table].zh} …")
        results[table] = _process_table(table, frames[table], ctx, decisions, salt)
        _remember(table, results[table].loaded, ctx)

    manifest = _manifest(as_of, file_entries, results)
    say("写入数据仓库 …")
    _write_warehouse(db, results, manifest, source_rows, as_of)
    return manifest


# ---------------------------------------------------------------- reading


def _read_all(
    files: list[read.SourceFile], say
) -> tuple[list[dict], dict[str, list[pl.DataFrame]], list[dict]]:
    seen: dict[str, str] = {}
    entries: list[dict] = []
    frames: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    source_rows: list[dict] = []
    for file_idx, source in enumerate(files):
        say(f"读取 {source.rel}（{file_idx + 1}/{len(files)}）")
        digest = read.file_sha256(source.path)
        modified = dt.datetime.fromtimestamp(source.path.stat().st_mtime).replace(microsecond=0)
        is_csv = source.path.suffix.lower() == ".csv"
        if digest in seen:
            entries.append(
                {
                    "file": source.rel,
                    "status": "duplicate_file",
                    "rows": 0,
                    "duplicate_of": seen[digest],
                }
            )
            source_rows.append(
                _source_row(source.rel, None, "duplicate_file", None, 0, digest, modified)
            )
            continue
        seen[digest] = source.rel
        try:
            sheets = read.read_source(source.path)
        except Exception as exc:  # a corrupt or foreign file must not stop the build
            entries.append(
                {"file": source.rel, "status": "unreadable", "rows": 0, "error": _unreadable(exc)}
            )
            source_rows.append(
                _source_row(source.rel, None, "unreadable", None, 0, digest, modified)
            )
            continue
        sheet_entries = []
        for sheet_idx, sheet in enumerate(sheets):
            n = sheet.frame.height if sheet.frame is not None else 0
            sheet_entries.append(
                {
                    "sheet": sheet.sheet,
                    "table": sheet.table,
                    "status": sheet.status,
                    "rows": n,
                    "headers": sheet.headers,
                }
            )
            source_rows.append(
                _source_row(source.rel, sheet.sheet, sheet.status, sheet.table, n, digest, modified)
            )
            if sheet.status == "loaded":
                frames[sheet.table].append(
                    sheet.frame.with_columns(
                        pl.lit(source.rel).alias("_file"),
                        pl.lit(sheet.sheet, dtype=pl.String).alias("_sheet"),
                        pl.lit(file_idx, dtype=pl.Int64).alias("_file_idx"),
                        pl.lit(sheet_idx, dtype=pl.Int64).alias("_sheet_idx"),
                        pl.lit(sheet.is_volunteer_file).alias("_vol"),
                    )
                )
        loaded = [s for s in sheet_entries if s["status"] == "loaded"]
        entry: dict = {"file": source.rel, "status": "loaded" if loaded else "unrecognised"}
        if is_csv:
            s = sheet_entries[0]
            entry.update({"table": s["table"], "rows": s["rows"], "headers": s["headers"]})
        else:
            entry.update({"sheets": sheet_entries, "rows": sum(s["rows"] for s in sheet_entries)})
            if not loaded:
                entry["headers"] = next((s["headers"] for s in sheet_entries if s["headers"]), [])
        entries.append(entry)
    return entries, frames, source_rows


def _unreadable(exc: Exception) -> str:
    return f"文件无法读取（可能已损坏或不是表格文件）：{type(exc).__name__}: {str(exc)[:200]}"


def _source_row(file, sheet, status, table, rows, digest, modified) -> dict:
    return {
        "file": file,
        "sheet": sheet,
        "status": status,
        "table_name": table,
        "rows": rows,
        "sha256": digest,
        "modified_at": modified,
    }


# ---------------------------------------------------------------- one table


def _process_table(
    table: str, parts: list[pl.DataFrame], ctx: Context, decisions, salt: str
) -> TableResult:
    spec = TABLE_SPECS[table]
    if not parts:
        empty = pl.DataFrame(schema={"_file": pl.String})
        return TableResult(empty, empty, 0, 0)
    frame = pl.concat(parts, how="diagonal_relaxed").sort(["_file_idx", "_sheet_idx", "_row"])
    frame = frame.with_row_index("_order")
    if "_vol" not in frame.columns:
        frame = frame.with_columns(pl.lit(False).alias("_vol"))
    for col in spec.columns:
        if col.key not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(col.key))
    prepared = prepare(table, frame, ctx)
    if table == "units":
        prepared = check_unit_parents(prepared)
    for column in ("t_person_id", "t_rater_id"):
        prepared = pii.hash_ids(prepared, column, salt)
    invalid = prepared.filter(pl.col("_code").is_not_null())
    valid = dedup.with_keys(table, prepared.filter(pl.col("_code").is_null()))
    resolved = dedup.resolve(table, valid, decisions)
    loaded = resolved.filter(pl.col("_status") == "loaded")
    duplicates = resolved.filter(pl.col("_status") == "duplicate").height
    rejected = pl.concat(
        [
            invalid.select(_reject_columns(table, with_kept=False)),
            resolved.filter(pl.col("_status") == "rejected").select(
                _reject_columns(table, with_kept=True)
            ),
        ],
        how="vertical_relaxed",
    ).sort("_order")
    return TableResult(loaded, rejected, frame.height, duplicates)


def _reject_columns(table: str, with_kept: bool) -> list[pl.Expr]:
    none_s, none_i = pl.lit(None, pl.String), pl.lit(None, pl.Int64)
    return [
        pl.col("_order"),
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(table).alias("table_name"),
        pl.col("_code").alias("reason_code"),
        pii.mask_text(pl.col("_reason")).alias("reason"),
        pii.mask_text(pl.col("_raw")).alias("raw"),
        (pl.col("_key") if with_kept else none_s).alias("row_key"),
        (pl.col("_stable") if with_kept else none_s).alias("content_hash"),
        (pl.col("_kept_file") if with_kept else none_s).alias("kept_file"),
        (pl.col("_kept_sheet") if with_kept else none_s).alias("kept_sheet"),
        (pl.col("_kept_row").cast(pl.Int64) if with_kept else none_i).alias("kept_row"),
    ]


def _remember(table: str, loaded: pl.DataFrame, ctx: Context) -> None:
    """Keys of a loaded table, for the reference rules of the tables after it."""
    if table == "units":
        ctx.unit_levels = _col_frame(loaded, {"t_unit_id": "unit_id", "t_level": "level"})
    elif table == "brands":
        ctx.brand_ids = _col_frame(loaded, {"t_brand_id": "brand_id"}).get_column("brand_id")
    elif table == "orders":
        ctx.order_ids = _col_frame(loaded, {"t_order_id": "order_id"}).get_column("order_id")
    elif table == "activities":
        ctx.activities = _col_frame(
            loaded,
            {
                "t_activity_id": "activity_id",
                "t_start_at": "start_at",
                "t_start_at_has_time": "start_has_time",
            },
        )


def _col_frame(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    if frame.height == 0 or not set(names) <= set(frame.columns):
        return pl.DataFrame(schema={v: pl.String for v in names.values()})
    return frame.select([pl.col(k).alias(v) for k, v in names.items()])


# ---------------------------------------------------------------- manifest


def _manifest(as_of: dt.datetime, files: list[dict], results: dict[str, TableResult]) -> dict:
    tables = {}
    rejects = []
    for table, r in results.items():
        tables[table] = {
            "rows": r.rows,
            "loaded": r.loaded.height,
            "duplicates": r.duplicates,
            "rejected": r.rejects.height,
        }
        for rec in r.rejects.drop("_order").to_dicts() if r.rejects.height else []:
            kept = (
                {"file": rec["kept_file"], "sheet": rec["kept_sheet"], "row": rec["kept_row"]}
                if rec["kept_file"] is not None
                else None
            )
            rejects.append(
                {
                    "file": rec["file"],
                    "sheet": rec["sheet"],
                    "row": rec["row"],
                    "table": table,
                    "reason_code": rec["reason_code"],
                    "reason": rec["reason"],
                    "raw": json.loads(rec["raw"]),
                    "kept_from": kept,
                }
            )
    return {"as_of": as_of.isoformat(sep=" "), "tables": tables, "files": files, "rejects": rejects}


# ---------------------------------------------------------------- loading

_STAGE: dict[str, dict[str, str]] = {
    "units": {
        "unit_id": "t_unit_id",
        "name": "t_name",
        "level": "t_level",
        "parent_id": "t_parent_id",
        "division_code": "t_division_code",
        "serves": "t_serves",
        "opened_on": "t_opened_on",
        "is_model": "t_is_model",
        "lng": "t_lng",
        "lat": "t_lat",
    },
    "divisions": {"code": "t_code", "name": "t_name", "urban_rural": "t_urban_rural"},
    "brands": {
        "brand_id": "t_brand_id",
        "name": "t_name",
        "unit_id": "t_unit_id",
        "category": "t_category",
        "started_on": "t_started_on",
    },
    "orders": {
        "order_id": "t_order_id",
        "ordered_at": "t_ordered_at",
        "category": "t_category",
        "content": "t_content",
        "unit_id": "t_unit_id",
        "dispatched_at": "t_dispatched_at",
        "accepted_unit_id": "t_accepted_unit_id",
        "accepted_at": "t_accepted_at",
        "completed_at": "t_completed_at",
        "status": "t_status",
    },
    "activities": {
        "activity_id": "t_activity_id",
        "title": "t_title",
        "unit_id": "t_unit_id",
        "brand_id": "t_brand_id",
        "category": "t_category",
        "start_at": "t_start_at",
        "end_at": "t_end_at",
        "source": "t_source",
        "order_id": "t_order_id",
        "volunteer_count": "t_volunteer_count",
        "volunteer_hours": "t_volunteer_hours_text",
        "target_group": "t_target_group",
        "reported_person_times": "t_reported_person_times",
        "location": "t_location",
    },
    "attendance": {
        "activity_id": "t_activity_id",
        "person_id": "t_person_id",
        "headcount": "t_headcount",
        "checked_in_at": "t_checked_in_at",
        "person_group": "t_group",
        "role": "t_role",
    },
    "ratings": {
        "activity_id": "t_activity_id",
        "rater_id": "t_rater_id",
        "score": "t_score",
        "comment": "t_comment",
        "rated_at": "t_rated_at",
    },
    "targets": {"year": "t_year", "unit_id": "t_unit_id", "metric": "t_metric", "value": "t_value"},
}

_DERIVED: dict[str, str] = {
    "activities": "start_on := CAST(start_at AS DATE)",
    "units": "is_model := coalesce(is_model, false)",
    "divisions": "is_village := NOT ends_with(code, '000')",
    "orders": (
        "status := coalesce(status, CASE WHEN completed_at IS NOT NULL THEN '已完成' "
        "WHEN accepted_at IS NOT NULL THEN '已接单' WHEN dispatched_at IS NOT NULL THEN '已派单' ELSE '待派单' END)"
    ),
}


def _stage(table: str, loaded: pl.DataFrame) -> pl.DataFrame:
    cols = [pl.col(src).alias(dst) for dst, src in _STAGE[table].items()]
    cols += [
        pl.col("_file").alias("source_file"),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").cast(pl.Int32).alias("source_row"),
    ]
    return loaded.sort("_order").select(cols)


def _write_warehouse(
    db: Path, results, manifest: dict, source_rows: list[dict], as_of: dt.datetime
) -> None:
    for stale in db.parent.glob(f".{db.name}.building-*"):
        stale.unlink(missing_ok=True)
    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    try:
        con = duckdb.connect(str(tmp))
        try:
            for ddl in DDL.values():
                con.execute(ddl)
            for table in TABLES:
                r = results[table]
                if r.loaded.height == 0:
                    continue
                con.register("stage", _stage(table, r.loaded))
                select = "*"
                if table in _DERIVED:
                    name, expr = _DERIVED[table].split(" := ")
                    select = (
                        f"* REPLACE ({expr} AS {name})"
                        if name in _STAGE[table]
                        else f"*, {expr} AS {name}"
                    )
                con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM stage")
                con.unregister("stage")
            con.execute(
                """INSERT INTO unit_tree
                WITH RECURSIVE t(unit_id, ancestor_id, depth) AS (
                    SELECT unit_id, unit_id, 0 FROM units
                    UNION ALL
                    SELECT t.unit_id, u.parent_id, t.depth + 1
                    FROM t JOIN units u ON u.unit_id = t.ancestor_id
                    WHERE u.parent_id IS NOT NULL
                ) SELECT unit_id, ancestor_id, depth FROM t"""
            )
            all_rejects = [r.rejects.drop("_order") for r in results.values() if r.rejects.height]
            if all_rejects:
                con.register("reject_frame", pl.concat(all_rejects, how="vertical_relaxed"))
                con.execute("INSERT INTO rejects BY NAME SELECT * FROM reject_frame")
            sources = pl.DataFrame(
                source_rows,
                schema={
                    "file": pl.String,
                    "sheet": pl.String,
                    "status": pl.String,
                    "table_name": pl.String,
                    "rows": pl.Int64,
                    "sha256": pl.String,
                    "modified_at": pl.Datetime("us"),
                },
            )
            con.register("sources", sources)
            con.execute("INSERT INTO source_files BY NAME SELECT * FROM sources")
            con.execute(
                "INSERT INTO manifest VALUES (?, ?, ?, ?)",
                [
                    as_of,
                    dt.datetime.now().replace(microsecond=0),
                    uuid.uuid4().hex,
                    json.dumps(manifest, ensure_ascii=False),
                ],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
