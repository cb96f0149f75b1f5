"""What the last build loaded, skipped, rejected and could not decide, read from the
warehouse (``manifest``, ``source_files``, ``rejects`` and the tables' provenance) for the
page 数据导入与质量.

Every function takes a ``Warehouse`` (called through ``ui.load``, that is through the
account's ``Reader``) and returns plain dicts; ``files`` (None: every file) keeps only
the rows of the input files an account may see (``Reader.files``);
``rejects_workbook`` turns rejected rows into the clerks' xlsx. Nothing here writes; the
ledger folder and the build are ``dashboard.ledgers``'. Nothing imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from dashboard import xlsx
from dashboard.metrics.reader import scoped_by_files
from dashboard.warehouse import Warehouse
from pipelines import settings
from pipelines.contract import HEADER_INDEX, TABLE_SPECS, normalize_header

STATUS_LABELS = {
    "loaded": "已导入",
    "duplicate_file": "重复文件，已跳过",
    "unrecognised": "无法识别表格类型",
    "needs_mapping": "需要映射台账格式",
    "unreadable": "无法读取",
    "empty": "空表",
}
REASON_LABELS = {
    "unit_name_unmatched": "阵地名称找不到",
    "unit_name_ambiguous": "阵地名称不唯一",
    "activity_unmatched": "找不到对应活动",
    "activity_ambiguous": "对应活动不唯一",
    "brand_name_unmatched": "品牌项目名称找不到",
    "brand_name_ambiguous": "品牌项目名称不唯一",
    "missing_required": "缺少必填项",
    "bad_date": "日期无法识别",
    "bad_integer": "应为整数",
    "bad_number": "应为数字",
    "negative_number": "不能为负数",
    "number_too_large": "数值超出合理范围",
    "date_too_early": "日期早于可接受年份",
    "date_too_late": "日期晚于可接受年份",
    "bad_enum": "取值不在允许范围",
    "unknown_category": "服务类别无法识别",
    "bad_division_code": "区划代码有误",
    "bad_serves": "服务村居有误",
    "serves_not_station": "非实践站填写了服务村居",
    "bad_bool": "应填是或否",
    "bad_coordinates": "经纬度有误",
    "missing_parent": "缺少上级编码",
    "unknown_parent": "上级阵地不存在",
    "bad_parent_level": "上级层级不符",
    "unknown_unit": "阵地编码不存在",
    "unit_rejected": "所属阵地本身被退回",
    "parent_rejected": "上级阵地本身被退回",
    "activity_rejected": "所属活动本身被退回",
    "id_scientific": "编号被存成科学计数法",
    "unknown_brand": "品牌项目不存在",
    "unknown_order": "点单编号不存在",
    "order_source_mismatch": "点单活动来源不符",
    "start_after_as_of": "开始时间晚于数据截止",
    "end_before_start": "结束早于开始",
    "end_too_late": "活动超过24小时",
    "bad_headcount": "人数有误",
    "headcount_with_person": "有编号的行人数应为1",
    "person_id_is_name": "参与者编号像姓名",
    "unknown_activity": "活动编码不存在",
    "bad_score": "满意度无法识别",
    "score_out_of_range": "满意度超出1–5分",
    "rated_before_start": "评价早于活动开始",
    "times_out_of_order": "点单环节时间颠倒",
    "bad_target_value": "目标值有误",
    "bad_year": "年度有误",
    "conflict": "编码相同内容不同（待决定）",
    "superseded": "已按人工决定改用新值",
    "date_after_as_of": "日期晚于数据截止",
    "points_not_positive": "积分应大于0",
    "service_hours_not_volunteer": "非志愿者填写了服务时长",
    "service_hours_too_long": "服务时长超过24小时",
    "out_of_scope": "不属于本账号的填报范围",
    "cell_too_long": "单元格超长",
    "extra_cells": "比表头多出单元格",
    "mixed_encoding": "混有其他编码",
}
# Columns of the rejects workbook before the row's own cells.
REJECT_FILE, REJECT_SHEET, REJECT_ROW, REJECT_REASON = "所在文件", "工作表", "行号", "退回原因"
NOTE_DUPLICATE_OF = "与“{file}”内容完全相同"
NOTE_HEADERS = "找到的表头：{headers}"

# Warehouse columns whose name differs from the contract key.
_STORED_AS = {"group": "person_group"}

_LOADED_PER_SOURCE = "\nUNION ALL\n".join(
    f"SELECT '{table}' AS table_name, source_file, source_sheet, COUNT(*) AS n FROM {table} "
    "GROUP BY source_file, source_sheet"
    for table in settings.TABLES
)
# one row per input file (or workbook sheet) and table of the build, with what became of
# its rows (a sheet read through a 报送格式 can feed two tables: activities and their
# headcount lines)
FILE_COUNTS = f"""
WITH loaded AS (
    {_LOADED_PER_SOURCE}
),
rejected AS (
    SELECT file, sheet, table_name, COUNT(*) AS n,
           SUM(CASE WHEN reason_code = 'conflict' THEN 1 ELSE 0 END) AS conflicts
    FROM rejects
    GROUP BY file, sheet, table_name
)
SELECT f.file, f.sheet, f.status, f.table_name, f."rows" AS "rows", f.modified_at,
       COALESCE((SELECT SUM(l.n) FROM loaded AS l
                 WHERE l.source_file = f.file
                   AND l.source_sheet IS NOT DISTINCT FROM f.sheet
                   AND l.table_name = f.table_name), 0) AS loaded,
       COALESCE(r.n, 0) AS rejected,
       COALESCE(r.conflicts, 0) AS conflicts
FROM source_files AS f
LEFT JOIN rejected AS r ON r.file = f.file AND r.sheet IS NOT DISTINCT FROM f.sheet
                       AND r.table_name = f.table_name
ORDER BY f.file, f.sheet NULLS FIRST, f.table_name"""

TABLE_ROWS = "\nUNION ALL\n".join(
    f"SELECT '{table}' AS table_name, COUNT(*) AS n FROM {table}" for table in settings.TABLES
)
REJECTS_PER_TABLE = "SELECT table_name, COUNT(*) AS n FROM rejects GROUP BY table_name"
LATEST_MANIFEST = "SELECT manifest_json FROM manifest ORDER BY built_at DESC LIMIT 1"
REJECTS = """
SELECT file, sheet, "row", table_name, reason_code, reason, raw, row_key, content_hash,
       kept_file, kept_sheet, kept_row
FROM rejects
WHERE table_name = COALESCE(CAST($table AS VARCHAR), table_name)
  AND reason_code = COALESCE(CAST($reason_code AS VARCHAR), reason_code)
ORDER BY table_name, file, sheet NULLS FIRST, "row" """


@scoped_by_files
def latest_manifest(wh: Warehouse, files: frozenset[str] | None = None) -> dict[str, Any]:
    """The last build's manifest (``{as_of, tables, files, rejects}``), {} without one.

    With ``files``: only those files' entries and rejects, and no per-table totals
    (they count every file)."""
    rows = wh.query(LATEST_MANIFEST)
    manifest = json.loads(rows[0]["manifest_json"]) if rows else {}
    if files is None or not manifest:
        return manifest
    return {
        **manifest,
        "tables": {},
        "files": [f for f in manifest.get("files", []) if f.get("file") in files],
        "rejects": [r for r in manifest.get("rejects", []) if r.get("file") in files],
    }


@scoped_by_files
def table_counts(wh: Warehouse, files: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """One row per table in import order: ``{table, name, rows, loaded, duplicates,
    rejected}``. ``loaded`` and ``rejected`` are counted in the warehouse; ``duplicates``
    comes from the manifest (None when the manifest lacks it, and then ``rows`` is None
    too); ``rows == loaded + duplicates + rejected``. With ``files``: the sums of those
    files' rows (``file_counts``)."""
    if files is not None:
        return _table_sums(file_counts(wh, files))
    manifest = latest_manifest(wh).get("tables", {})
    loaded = {row["table_name"]: row["n"] for row in wh.query(TABLE_ROWS)}
    rejected = {row["table_name"]: row["n"] for row in wh.query(REJECTS_PER_TABLE)}
    rows = []
    for table in settings.TABLES:
        duplicates = manifest.get(table, {}).get("duplicates")
        counts = {"loaded": loaded.get(table, 0), "rejected": rejected.get(table, 0)}
        rows.append(
            {
                "table": table,
                "name": TABLE_SPECS[table].zh,
                "rows": None if duplicates is None else sum(counts.values()) + duplicates,
                **counts,
                "duplicates": duplicates,
            }
        )
    return rows


def _table_sums(per_file: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for table in settings.TABLES:
        mine = [row for row in per_file if row["table"] == table]
        counts = {key: sum(row[key] for row in mine) for key in ("loaded", "rejected")}
        duplicates = sum(row["duplicates"] for row in mine)
        rows.append(
            {
                "table": table,
                "name": TABLE_SPECS[table].zh,
                "rows": sum(counts.values()) + duplicates,
                **counts,
                "duplicates": duplicates,
            }
        )
    return rows


@scoped_by_files
def file_counts(wh: Warehouse, files: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """One row per input file of the last build (per sheet for a workbook), by file.

    Rows: ``{file, sheet, status, status_label, table, table_name, rows, loaded,
    duplicates, rejected, conflicts, note, modified_at}``; ``duplicates`` = rows −
    loaded − rejected; ``note`` says which file a skipped copy repeats, or the headers
    found in a file no table fits.
    """
    notes = _file_notes(latest_manifest(wh).get("files", []))
    rows = []
    for row in wh.query(FILE_COUNTS):
        if files is not None and row["file"] not in files:
            continue
        table = row.pop("table_name")
        rows.append(
            {
                **row,
                "status_label": STATUS_LABELS.get(row["status"], row["status"]),
                "table": table,
                "table_name": TABLE_SPECS[table].zh if table in TABLE_SPECS else None,
                "duplicates": row["rows"] - row["loaded"] - row["rejected"],
                "note": notes.get((row["file"], row["sheet"])),
            }
        )
    return rows


def _file_notes(files: list[dict[str, Any]]) -> dict[tuple[str, str | None], str]:
    notes = {}
    for entry in files:
        parts = [(None, entry), *((s.get("sheet"), s) for s in entry.get("sheets", []))]
        for sheet, part in parts:
            if part.get("duplicate_of"):
                notes[(entry["file"], sheet)] = NOTE_DUPLICATE_OF.format(file=part["duplicate_of"])
            elif part.get("error"):
                notes[(entry["file"], sheet)] = part["error"]
            elif part.get("status") in ("unrecognised", "needs_mapping", "empty") and part.get(
                "headers"
            ):
                notes[(entry["file"], sheet)] = NOTE_HEADERS.format(
                    headers="、".join(part["headers"])
                )
    return notes


@scoped_by_files
def rejects(
    wh: Warehouse,
    table: str | None = None,
    reason_code: str | None = None,
    files: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Rejected rows of the last build (optionally of one table / reason), by table, file
    and row: ``{file, sheet, row, table, table_name, reason_code, reason_label, reason,
    raw: {header: cell}, raw_text, row_key, content_hash, kept_file, kept_sheet,
    kept_row}`` (PII in ``raw`` is masked by the build)."""
    rows = wh.query(REJECTS, {"table": table, "reason_code": reason_code})
    if files is not None:
        rows = [row for row in rows if row["file"] in files]
    for row in rows:
        row["table"] = row.pop("table_name")
        row["table_name"] = TABLE_SPECS[row["table"]].zh
        row["reason_label"] = REASON_LABELS.get(row["reason_code"], row["reason_code"])
        row["raw"] = json.loads(row["raw"])
        row["raw_text"] = "；".join(f"{k}：{v}" for k, v in row["raw"].items())
    return rows


def rejects_workbook(rows: Sequence[dict[str, Any]]) -> bytes:
    """The rejected rows as an xlsx for the clerks: one sheet per table, each row where it
    came from, why it was sent back and its cells under the headers the clerk used."""
    sheets: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        sheets.setdefault(row["table_name"], []).append(
            {
                REJECT_FILE: row["file"],
                REJECT_SHEET: row["sheet"],
                REJECT_ROW: row["row"],
                REJECT_REASON: row["reason"],
                **row["raw"],
            }
        )
    return xlsx.to_xlsx(sheets)


@scoped_by_files
def conflicts(wh: Warehouse, files: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Each conflict of the last build with both versions side by side.

    Rows: the ``rejects`` row (``reason_code`` conflict) plus ``fields``: one
    ``{label, kept, new, differs}`` per contract column either version fills, ``kept``
    written from the row loaded from ``kept_file``/``kept_row`` and ``new`` as the
    clerk typed it. By table, key, file, row.
    """
    found = []
    for row in rejects(wh, reason_code="conflict", files=files):
        kept = _kept_row(wh, row)
        new = _by_key(row["table"], row["raw"])
        fields = []
        for col in TABLE_SPECS[row["table"]].columns:
            old = _written(kept.get(_STORED_AS.get(col.key, col.key)))
            value = new.get(col.key, "")
            if old or value:
                differs = f"{col.zh} 保留“" in row["reason"]
                fields.append({"label": col.zh, "kept": old, "new": value, "differs": differs})
        found.append({**row, "fields": fields})
    return found


def _kept_row(wh: Warehouse, conflict: dict[str, Any]) -> dict[str, Any]:
    table = conflict["table"]
    if table not in settings.TABLES:
        return {}
    rows = wh.query(
        f"SELECT * FROM {table} WHERE source_file = $file "
        "AND source_sheet IS NOT DISTINCT FROM $sheet AND source_row = $row",
        {
            "file": conflict["kept_file"],
            "sheet": conflict["kept_sheet"],
            "row": conflict["kept_row"],
        },
    )
    return rows[0] if rows else {}


def _by_key(table: str, raw: dict[str, str]) -> dict[str, str]:
    index = HEADER_INDEX[table]
    return {index[normalize_header(h)]: v for h, v in raw.items() if normalize_header(h) in index}


def _written(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time() else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "；".join(map(str, value))
    return str(value)
