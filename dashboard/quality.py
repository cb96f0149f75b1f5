"""The import's side of the dashboard: what the last build loaded, rejected and could not
decide (read from the warehouse), and the ledger folder the page 数据导入与质量 stores
uploads in and rebuilds from.

Readers take a ``Warehouse`` and return plain dicts (called through ``ui.load``). The
folder functions are the only writers: they store and delete ledger files, record a
person's decision on a conflict (``pipelines.decisions``) and rebuild the warehouse with
``pipelines.build.build``, which writes a new file and swaps it in atomically, so other
sessions keep reading the old one until the new one is in place. Nothing imports
streamlit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dashboard import xlsx
from dashboard.warehouse import Warehouse
from pipelines import read, settings
from pipelines.build import BuildError, build
from pipelines.contract import HEADER_INDEX, TABLE_SPECS, normalize_header
from pipelines.decisions import record_decision

# The folder uploads are stored in: WENMING_LEDGERS, else settings.LEDGER_DIR.
LEDGERS_ENV = "WENMING_LEDGERS"

STATUS_LABELS = {
    "loaded": "已导入",
    "duplicate_file": "重复文件，已跳过",
    "unrecognised": "无法识别表格类型",
    "unreadable": "无法读取",
    "empty": "空表",
}
REASON_LABELS = {
    "missing_required": "缺少必填项",
    "bad_date": "日期无法识别",
    "bad_integer": "应为整数",
    "bad_number": "应为数字",
    "negative_number": "不能为负数",
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
}
# Columns of the rejects workbook before the row's own cells.
REJECT_FILE, REJECT_SHEET, REJECT_ROW, REJECT_REASON = "所在文件", "工作表", "行号", "退回原因"
NOTE_DUPLICATE_OF = "与“{file}”内容完全相同"
NOTE_HEADERS = "找到的表头：{headers}"
MSG_NOT_A_LEDGER = "“{name}”不是台账文件：只接受 {suffixes} 文件。"
MSG_NOT_A_FOLDER = "找不到文件夹“{path}”。"
MSG_INSIDE_LEDGERS = "“{path}”已在台账文件夹内，无需再导入。"
MSG_NOT_STORED = "台账文件夹中没有“{name}”。"
MSG_BUSY = "另一次构建正在进行，请稍候再试。"
# When a file of the same name but other content is stored, the new one is renamed.
RENAMED = "{stem}（{n}）{suffix}"

# Warehouse columns whose name differs from the contract key.
_STORED_AS = {"group": "person_group"}

_LOADED_PER_SOURCE = "\nUNION ALL\n".join(
    f"SELECT source_file, source_sheet, COUNT(*) AS n FROM {table} "
    "GROUP BY source_file, source_sheet"
    for table in settings.TABLES
)
# one row per input file (or workbook sheet) of the build, with what became of its rows
FILE_COUNTS = f"""
WITH loaded AS (
    {_LOADED_PER_SOURCE}
),
rejected AS (
    SELECT file, sheet, COUNT(*) AS n,
           SUM(CASE WHEN reason_code = 'conflict' THEN 1 ELSE 0 END) AS conflicts
    FROM rejects
    GROUP BY file, sheet
)
SELECT f.file, f.sheet, f.status, f.table_name, f."rows" AS "rows", f.modified_at,
       COALESCE((SELECT SUM(l.n) FROM loaded AS l
                 WHERE l.source_file = f.file
                   AND l.source_sheet IS NOT DISTINCT FROM f.sheet), 0) AS loaded,
       COALESCE(r.n, 0) AS rejected,
       COALESCE(r.conflicts, 0) AS conflicts
FROM source_files AS f
LEFT JOIN rejected AS r ON r.file = f.file AND r.sheet IS NOT DISTINCT FROM f.sheet
ORDER BY f.file, f.sheet NULLS FIRST"""

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


# --------------------------------------------------------------------------- readers


def latest_manifest(wh: Warehouse) -> dict[str, Any]:
    """The last build's manifest (``{as_of, tables, files, rejects}``), {} without one."""
    rows = wh.query(LATEST_MANIFEST)
    return json.loads(rows[0]["manifest_json"]) if rows else {}


def table_counts(wh: Warehouse) -> list[dict[str, Any]]:
    """One row per table in import order: ``{table, name, rows, loaded, duplicates,
    rejected}``. ``loaded`` and ``rejected`` are counted in the warehouse; ``duplicates``
    comes from the manifest (None when the manifest lacks it, and then ``rows`` is None
    too); ``rows == loaded + duplicates + rejected``."""
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


def file_counts(wh: Warehouse) -> list[dict[str, Any]]:
    """One row per input file of the last build (per sheet for a workbook), by file.

    Rows: ``{file, sheet, status, status_label, table, table_name, rows, loaded,
    duplicates, rejected, conflicts, note, modified_at}``; ``duplicates`` = rows −
    loaded − rejected; ``note`` says which file a skipped copy repeats, or the headers
    found in a file no table fits.
    """
    notes = _file_notes(latest_manifest(wh).get("files", []))
    rows = []
    for row in wh.query(FILE_COUNTS):
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
            elif part.get("status") in ("unrecognised", "empty") and part.get("headers"):
                notes[(entry["file"], sheet)] = NOTE_HEADERS.format(
                    headers="、".join(part["headers"])
                )
    return notes


def rejects(
    wh: Warehouse, table: str | None = None, reason_code: str | None = None
) -> list[dict[str, Any]]:
    """Rejected rows of the last build (optionally of one table / reason), by table, file
    and row: ``{file, sheet, row, table, table_name, reason_code, reason_label, reason,
    raw: {header: cell}, raw_text, row_key, content_hash, kept_file, kept_sheet,
    kept_row}`` (PII in ``raw`` is masked by the build)."""
    rows = wh.query(REJECTS, {"table": table, "reason_code": reason_code})
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


def conflicts(wh: Warehouse) -> list[dict[str, Any]]:
    """Each conflict of the last build with both versions side by side.

    Rows: the ``rejects`` row (``reason_code`` conflict) plus ``fields``: one
    ``{label, kept, new, differs}`` per contract column either version fills, ``kept``
    written from the row loaded from ``kept_file``/``kept_row`` and ``new`` as the
    clerk typed it. By table, key, file, row.
    """
    found = []
    for row in rejects(wh, reason_code="conflict"):
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


# --------------------------------------------------------------------------- ledger folder


def ledger_dir() -> Path:
    """Where stored ledger files live: ``WENMING_LEDGERS``, else ``settings.LEDGER_DIR``."""
    env = os.environ.get(LEDGERS_ENV)
    return Path(env) if env else settings.LEDGER_DIR


def stored_files(folder: Path) -> list[dict[str, Any]]:
    """The ledger files under ``folder`` in build order: ``{name, size, modified_at}``
    (``name`` relative to the folder, as the manifest names it)."""
    if not folder.is_dir():
        return []
    return [
        {
            "name": source.rel,
            "size": source.path.stat().st_size,
            "modified_at": dt.datetime.fromtimestamp(source.path.stat().st_mtime).replace(
                microsecond=0
            ),
        }
        for source in read.find_sources([folder])
    ]


def store_file(folder: Path, name: str, data: bytes) -> dict[str, str]:
    """Store one uploaded ledger file under ``folder`` (``name`` may hold subfolders).

    Returns ``{name, status}``: ``saved``; ``unchanged`` when a file of that name holds
    the same bytes already; ``renamed`` when it holds other bytes (the new file is kept
    beside it as ``名称（2）.csv``: nothing stored is overwritten). Raises ValueError for
    a name that is not a ledger file. The file appears whole or not at all.
    """
    relative = Path(*[part for part in Path(name).parts if part not in ("", ".", "..", "/")])
    if relative.suffix.lower() not in settings.LEDGER_SUFFIXES or relative.name.startswith("~$"):
        raise ValueError(
            MSG_NOT_A_LEDGER.format(name=name, suffixes="、".join(settings.LEDGER_SUFFIXES))
        )
    target = folder / relative
    n = 2
    while target.exists():
        if target.read_bytes() == data:
            return {"name": target.relative_to(folder).as_posix(), "status": "unchanged"}
        target = target.with_name(RENAMED.format(stem=relative.stem, n=n, suffix=relative.suffix))
        n += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    status = "saved" if target == folder / relative else "renamed"
    return {"name": target.relative_to(folder).as_posix(), "status": status}


def import_folder(folder: Path, source: Path) -> list[dict[str, str]]:
    """Store every ledger file below ``source`` under ``folder/<source's name>/``, keeping
    their relative paths; one ``store_file`` result per file."""
    source = source.expanduser()
    if not source.is_dir():
        raise ValueError(MSG_NOT_A_FOLDER.format(path=source))
    if source.resolve().is_relative_to(folder.resolve()):
        raise ValueError(MSG_INSIDE_LEDGERS.format(path=source))
    return [
        store_file(folder, f"{source.resolve().name}/{found.rel}", found.path.read_bytes())
        for found in read.find_sources([source])
    ]


def withdraw_file(folder: Path, name: str) -> None:
    """Delete a stored ledger file (``name`` relative to ``folder``) and the folders it
    leaves empty; its rows leave the warehouse at the next build."""
    root = folder.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        raise ValueError(MSG_NOT_STORED.format(name=name))
    path.unlink()
    parent = path.parent
    while parent != root and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def rebuild(folder: Path, db: Path, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Rebuild the warehouse ``db`` from every file stored under ``folder``; returns the
    manifest. One build at a time per warehouse (BuildError ``MSG_BUSY`` otherwise); on
    any failure the old warehouse stays in place."""
    with _build_lock(db):
        return build([folder], db, as_of=as_of)


@contextlib.contextmanager
def _build_lock(db: Path) -> Iterator[None]:
    # flock conflicts between two open() calls even in one process, so it serialises
    # the sessions (threads) of one server as well as two servers
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".build.lock"), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(MSG_BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def adopt(db: Path, conflict: dict[str, Any]) -> None:
    """Record that the conflict's new version is the right one; every later build keeps
    it (``pipelines.decisions``)."""
    sheet = f"“{conflict['sheet']}”表" if conflict["sheet"] else ""
    record_decision(
        db,
        conflict["table"],
        conflict["row_key"],
        conflict["content_hash"],
        note=f"{conflict['file']} {sheet}第{conflict['row']}行",
    )


def template_bytes() -> bytes:
    """The import template workbook: ``settings.TEMPLATE_PATH``, or written afresh into a
    temporary folder when that file is missing."""
    if settings.TEMPLATE_PATH.is_file():
        return settings.TEMPLATE_PATH.read_bytes()
    from pipelines.template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / settings.TEMPLATE_PATH.name).read_bytes()
