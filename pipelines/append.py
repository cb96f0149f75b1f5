"""The append path of a build: the last warehouse plus only the rows of new files.

A monthly ledger added to a province's sources would otherwise re-check all of its
tens of millions of rows. When the new sources are the last build's files plus new
ones, and nothing in the new files can change how an old row was
judged, the result of a full rebuild is the old warehouse plus the new files' rows,
judged against it; this module builds exactly that from a copy of the old file.

The full rebuild stays the reference: whenever any of these does not hold, ``plan``
says why and the build falls back to it.

- the staging code, settings and salt (``stage.fingerprint``) and the decisions are
  those of the last build, and the as-of moment did not move back (nor forward past a
  start the last build rejected as being after it);
- the last build's files are all still there, unchanged, and new files of activities
  and sign-ins sort after the old ones (the summaries number activities and persons in
  file order); other new files may sort anywhere: with no key shared between old and
  new rows, the contract's path order decides nothing between them;
- the new files hold only orders, activities, sign-ins, ratings, targets, volunteer
  teams and redemptions (new units, divisions or brands reshape references and the
  unit tree; no table refers to a team or a redemption);
- no new row's key is an old loaded key (so no duplicate or conflict crosses the old
  and the new rows), new sign-ins and ratings belong to new activities, and no old
  row was rejected for lacking an order or activity code that a new file brings.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines import build as full
from pipelines import summaries
from pipelines.contract import TABLE_SPECS
from pipelines.settings import TABLES
from pipelines.validate import Context

APPENDABLE = frozenset(
    {"orders", "activities", "attendance", "ratings", "targets", "teams", "redemptions"}
)
# reject reasons naming a code of another table that a new file could bring
_REFERENCE_REASONS = {
    "orders": ("t_order_id", ("unknown_order",)),
    "activities": ("t_activity_id", ("unknown_activity", "activity_rejected")),
}
_KEYED = {"orders", "activities", "targets", "teams", "redemptions"}
# tables whose rows the summaries number in file order (activity_no, person_no): new
# files of these must sort after the old ones for the numbers to be a full build's
NUMBERED = ("activities", "attendance")


@dataclass
class Plan:
    """What an append adds to the last warehouse."""

    new_parts: dict[str, list]  # table -> build.Part of the new files
    old_manifest: dict
    old_rejected: dict[str, pl.Series]  # units/activities codes whose every row was rejected


class Fallback(Exception):
    """The append path does not apply; the message says why, in Chinese (empty for a
    first build)."""


def build_state(fingerprint: str, decisions: dict) -> dict[str, str]:
    """What must be unchanged for an append: the staging code and the decisions."""
    text = json.dumps(sorted((t, k, h) for (t, k), hs in decisions.items() for h in hs))
    return {"fingerprint": fingerprint, "decisions": text}


def plan(db: Path, parts: dict, source_rows: list[dict], as_of: dt.datetime, state: dict) -> Plan:
    """The append to make on ``db``, or Fallback with the reason a full rebuild is needed."""
    if not db.exists():
        raise Fallback("")  # the first build: nothing to append to
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise Fallback(f"上次的数据仓库无法读取：{type(exc).__name__}") from None
    try:
        return _plan(con, parts, source_rows, as_of, state)
    except duckdb.CatalogException:  # a warehouse of an older version
        raise Fallback("上次的数据仓库由旧版本生成") from None
    finally:
        con.close()


def _plan(con, parts, source_rows, as_of, state) -> Plan:
    old_state = dict(con.sql("SELECT key, value FROM build_state").fetchall())
    # only the keys of ``state``: the recorded sources and as-of may change (build.SOURCES_KEY)
    if {key: old_state.get(key) for key in state} != state:
        raise Fallback("程序版本、设置或冲突裁决有变化")
    (old_as_of, manifest_json), *_ = con.sql(
        "SELECT as_of, manifest_json FROM manifest ORDER BY built_at DESC LIMIT 1"
    ).fetchall()
    if as_of < old_as_of:
        raise Fallback("数据截至时间早于上次")
    if as_of > old_as_of and _count(
        con,
        "SELECT COUNT(*) FROM rejects WHERE reason_code IN "
        "('start_after_as_of', 'date_after_as_of', 'date_too_late')",
    ):
        raise Fallback("数据截至时间推后，上次因晚于截至时间而退回的记录需重新校验")

    columns = ("file", "sheet", "status", "table_name", "rows", "sha256")
    old_rows = sorted(
        con.sql(f"SELECT {', '.join(map(_quote, columns))} FROM source_files").fetchall(),
        key=repr,
    )
    old_files = {r[0] for r in old_rows}
    now = sorted(
        (tuple(r[c] for c in columns) for r in source_rows if r["file"] in old_files), key=repr
    )
    if now != old_rows:  # also when a new copy of an old file sorts before it
        raise Fallback("上次的文件有改动、撤回，或被排在其前的相同文件取代")

    new_parts = {t: [p for p in ps if p.file not in old_files] for t, ps in parts.items()}
    for table in NUMBERED:
        old = [p for p in parts.get(table, []) if p.file in old_files]
        new = new_parts.get(table)
        if old and new and min(map(_position, new)) < max(map(_position, old)):
            zh = TABLE_SPECS[table].zh
            raise Fallback(f"新文件的{zh}排在上次的{zh}文件之前")
    beyond = sorted(t for t, ps in new_parts.items() if ps and t not in APPENDABLE)
    if beyond:
        raise Fallback("新文件含" + "、".join(TABLE_SPECS[t].zh for t in beyond) + "表")
    _check_keys_are_new(con, new_parts)
    _check_old_rejects_stay(con, parts, old_files, new_parts)
    rejected = {t: _old_rejected_ids(con, t, parts, old_files) for t in ("units", "activities")}
    return Plan(new_parts, json.loads(manifest_json), rejected)


def _position(part) -> tuple:
    """A part's place in (source_file, source_sheet NULLS FIRST) order."""
    return (part.file, part.sheet is not None, part.sheet or "")


def _quote(name: str) -> str:
    return f'"{name}"'


def _count(con, sql: str, params=None) -> int:
    return con.sql(sql, params=params).fetchall()[0][0]


def _staged(parts: list, columns: list[str]) -> pl.DataFrame:
    frames = [pl.read_parquet(p.staged.valid, columns=columns) for p in parts]
    return pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


def _check_keys_are_new(con, new_parts: dict) -> None:
    """No new row may meet an old loaded row of the same key (or activity)."""
    for table in _KEYED:
        if not new_parts.get(table):
            continue
        keys = list(TABLE_SPECS[table].key)
        staged = _staged(new_parts[table], [f"t_{k}" for k in keys]).unique()
        con.register("new_keys", staged.to_arrow())
        try:
            on = " AND ".join(f"o.{k} = n.t_{k}" for k in keys)
            if _count(con, f"SELECT COUNT(*) FROM {table} AS o JOIN new_keys AS n ON {on}"):
                raise Fallback(f"新文件中有{TABLE_SPECS[table].zh}记录与已入库记录编码相同")
        finally:
            con.unregister("new_keys")
    for table in ("attendance", "ratings"):
        if not new_parts.get(table):
            continue
        ids = _staged(new_parts[table], ["t_activity_id"]).unique()
        con.register("new_ids", ids.to_arrow())
        try:
            if _count(
                con,
                "SELECT COUNT(*) FROM activities AS a "
                "JOIN new_ids AS n ON a.activity_id = n.t_activity_id",
            ):
                raise Fallback(f"新文件中有已入库活动的{TABLE_SPECS[table].zh}记录")
        finally:
            con.unregister("new_ids")


def _check_old_rejects_stay(con, parts: dict, old_files: set[str], new_parts: dict) -> None:
    """No old row was rejected for lacking a code that a new file brings."""
    for table, (column, codes) in _REFERENCE_REASONS.items():
        if not new_parts.get(table):
            continue
        rejected = con.sql(
            'SELECT table_name, file, sheet, "row" FROM rejects '
            "WHERE reason_code IN (SELECT UNNEST(CAST($codes AS VARCHAR[])))",
            params={"codes": list(codes)},
        ).fetchall()
        if not rejected:
            continue
        wanted: dict[tuple, list[int]] = {}
        for referrer, file, sheet, row in rejected:
            wanted.setdefault((referrer, file, sheet), []).append(row)
        named = set()
        for (referrer, file, sheet), rows in wanted.items():
            for p in parts.get(referrer, []):
                if p.file == file and p.sheet == sheet and p.file in old_files:
                    found = (
                        pl.scan_parquet(p.staged.valid)
                        .filter(pl.col("_row").is_in(rows))
                        .select(column)
                        .collect()
                    )
                    named.update(found[column].drop_nulls().to_list())
        brought = set(_staged(new_parts[table], [column])[column].drop_nulls().to_list())
        if named & brought:
            raise Fallback(f"新文件补报了上次退回行所缺的{TABLE_SPECS[table].zh}记录")


# ---------------------------------------------------------------- the append itself


def append(
    db: Path,
    the_plan: Plan,
    entries: list[dict],
    source_rows: list[dict],
    as_of: dt.datetime,
    decisions: dict,
    state: dict,
    say,
    write_units: dict[int, str] | None = None,
) -> dict:
    """A copy of the last warehouse plus the new files' rows, put in place atomically;
    ``write_units``: the restricted files' subtrees (``pipelines.scopes``)."""
    with full.new_warehouse(db, copy_of=db) as con:
        manifest = _append_rows(
            con, the_plan, entries, source_rows, as_of, decisions, say, write_units or {}
        )
        full.write_build_state(con, state)
    return manifest


def _append_rows(con, the_plan, entries, source_rows, as_of, decisions, say, write_units) -> dict:
    ctx = _context(con, as_of, the_plan.old_rejected)
    ctx.write_units = write_units
    results: dict[str, full.TableResult] = {}
    new_activities: list[pl.Series] = []
    for table in TABLES:
        new = the_plan.new_parts.get(table, [])
        if not new:
            continue
        say(f"增量校验 {TABLE_SPECS[table].zh} …")
        old_orders, old_rejected = ctx.order_ids, ctx.rejected.get(table)
        results[table] = full._process_table(table, new, ctx, decisions, con, say)
        _merge_keys(ctx, table, old_orders, old_rejected)
        if table == "activities" and ctx.activities is not None:
            new_activities.append(ctx.activities["activity_id"])

    rejects = [r for res in results.values() for r in res.rejects]
    reject_frame = full.sorted_rejects(rejects)
    if reject_frame is not None:
        con.register("reject_frame", reject_frame)
        con.execute("INSERT INTO rejects BY NAME SELECT * FROM reject_frame")
        con.unregister("reject_frame")
    touched = pl.concat([pl.Series([], dtype=pl.String), *new_activities]).unique().sort()
    summaries.extend(con, touched.to_list())

    manifest = _merged_manifest(the_plan.old_manifest, as_of, entries, results, reject_frame)
    con.execute("DELETE FROM source_files")
    full.insert_sources(con, source_rows)
    full.write_manifest(con, as_of, manifest)
    return manifest


def _old_rejected_ids(con, table: str, parts: dict, old_files: set[str]) -> pl.Series:
    """Codes of ``table`` whose every row the last build rejected, as a full build
    finds them: locally rejected codes and codes of rows rejected later, less loaded."""
    old = [p for p in parts.get(table, []) if p.file in old_files]
    column = {"units": "t_unit_id", "activities": "t_activity_id"}[table]
    ids = [full._locally_rejected_ids(old)]
    late: dict[tuple, list[int]] = {}
    for file, sheet, row in con.sql(
        'SELECT file, sheet, "row" FROM rejects WHERE table_name = $t', params={"t": table}
    ).fetchall():
        late.setdefault((file, sheet), []).append(row)
    for p in old:
        rows = late.get((p.file, p.sheet))
        if rows:
            found = pl.scan_parquet(p.staged.valid).filter(pl.col("_row").is_in(rows))
            ids.append(found.select(column).collect()[column])
    key = {"units": "unit_id", "activities": "activity_id"}[table]
    loaded = con.sql(f"SELECT {key} FROM {table}").pl()[key]
    rejected = pl.concat([i.cast(pl.String) for i in ids]).drop_nulls().unique()
    return rejected.filter(~rejected.is_in(loaded.implode()))


def _context(con, as_of: dt.datetime, old_rejected: dict[str, pl.Series]) -> Context:
    """The keys of the last warehouse that new rows are checked against."""
    ctx = Context(as_of=as_of)
    ctx.unit_levels = con.sql("SELECT unit_id, level, parent_id FROM units").pl()
    ctx.brand_ids = con.sql("SELECT brand_id FROM brands").pl()["brand_id"]
    ctx.order_ids = con.sql("SELECT order_id FROM orders").pl()["order_id"]
    ctx.rejected = dict(old_rejected)
    return ctx


def _merge_keys(ctx: Context, table: str, old_orders, old_rejected) -> None:
    """After the new rows of ``table`` (which left only their own keys in ``ctx``): the
    keys are the old ones plus the new ones."""
    if table == "orders":
        ctx.order_ids = pl.concat([old_orders, ctx.order_ids]).unique()
    if table == "activities":
        new_rejected = ctx.rejected.get(table, pl.Series([], dtype=pl.String))
        both = pl.concat([old_rejected, new_rejected]).unique()
        ctx.rejected[table] = both.filter(~both.is_in(ctx.activities["activity_id"].implode()))


_NO_ROWS = {"rows": 0, "loaded": 0, "duplicates": 0, "rejected": 0}


def _merged_manifest(old: dict, as_of, entries, results, reject_frame) -> dict:
    tables = {}
    for table in TABLES:
        # a table the last build did not know yet held nothing then
        before = dict(old["tables"].get(table, _NO_ROWS))
        res = results.get(table)
        if res is not None:
            before["rows"] += res.rows
            before["loaded"] += res.loaded
            before["duplicates"] += res.duplicates
            before["rejected"] += res.rejected
        tables[table] = before
    new = full._manifest(as_of, entries, {}, reject_frame)
    return {
        "as_of": as_of.isoformat(sep=" "),
        "tables": tables,
        "files": entries,
        "rejects": _in_contract_order(old["rejects"] + new["rejects"], entries),
    }


def _in_contract_order(rejects: list[dict], entries: list[dict]) -> list[dict]:
    """Rejects by table, then file, sheet and row, as a full build lists them."""
    order = {t: i for i, t in enumerate(TABLES)}
    files = {e["file"]: i for i, e in enumerate(entries)}
    sheets = {
        (e["file"], s["sheet"]): j for e in entries for j, s in enumerate(e.get("sheets", []))
    }
    return sorted(
        rejects,
        key=lambda r: (
            order[r["table"]],
            files[r["file"]],
            sheets.get((r["file"], r["sheet"]), 0),
            r["row"],
        ),
    )
