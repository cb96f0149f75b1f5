"""Shared helpers for the ledger-import tests (``tests/test_import_*.py``).

Fixtures are small literal ledgers: files in ``tests/fixtures/ledgers/`` or rows
written by the test itself, so every expected number can be checked by hand.
The CLI is always run with ``--as-of`` so builds are reproducible.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import xlsxwriter

from pipelines.cli import main

LEDGERS = Path(__file__).parent / "fixtures" / "ledgers"
BASE = LEDGERS / "base"
SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "manifest.schema.json"
AS_OF = "2025-12-31T23:59:59"
TABLES = (
    "units",
    "divisions",
    "brands",
    "activities",
    "attendance",
    "ratings",
    "orders",
    "targets",
)

# The base ledgers (tests/fixtures/ledgers/base): 5 units, 1 brand, 1 order, 2 activities.
#   ZX01 中心 ─ S01 所 ─ Z01 站 ─ D01 点
#                     └ Z02 站
#   PP01 at Z01; DD01 at Z01 (2025-03-01 09:00)
#   HD01 at Z01 2025-03-05 14:30 (理论宣讲); HD02 at Z02 2025-03-06, date only (卫生健康)
BASE_FILES = {
    "units": "阵地.csv",
    "brands": "品牌项目.csv",
    "orders": "点单.csv",
    "activities": "活动.csv",
}


# ---------------------------------------------------------------- writing ledgers


def write_csv(
    path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8", newline: str = "\r\n"
) -> Path:
    """A CSV ledger as Excel writes one (CRLF lines); ``None`` cells are left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]], first_row: int = 0):
    """A workbook, one sheet per entry; rows start at 0-based ``first_row`` (blank rows above).

    ``None`` cells are left empty; strings are written as text (never converted
    to numbers), numbers as numbers.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(first_row + r, c, value)
                else:
                    sheet.write(first_row + r, c, value)
    workbook.close()
    return path


def copy_base(dest: Path, *tables: str) -> Path:
    """Copies the named base ledgers (all when none is named) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for table in tables or tuple(BASE_FILES):
        shutil.copy(BASE / BASE_FILES[table], dest / BASE_FILES[table])
    return dest


# ---------------------------------------------------------------- running the CLI


def run_cli(*args: object) -> tuple[int, str, str]:
    """``wenming ARGS`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def build(*sources: object, db: Path, as_of: str = AS_OF) -> dict:
    """``wenming build SOURCES --db DB --as-of AS_OF --json``; asserts success, returns the manifest."""
    code, out, err = run_cli("build", *sources, "--db", db, "--as-of", as_of, "--json")
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------- reading results


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Rows of ``sql`` against the warehouse, opened read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def all_tables(db: Path) -> dict[str, list[tuple]]:
    """Every table of the warehouse, every column, rows sorted (the manifest table's
    build stamps ``built_at``/``build_id`` and ``build_state`` excluded: they differ on
    every build, and with each warehouse's salt)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        out = {}
        for name in sorted(set(names) - {"build_state"}):
            columns = "* EXCLUDE (built_at, build_id)" if name == "manifest" else "*"
            rows = con.execute(f'SELECT {columns} FROM "{name}"').fetchall()
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def rejects(manifest: dict, table: str | None = None) -> list[dict]:
    return [r for r in manifest["rejects"] if table is None or r["table"] == table]


def codes_by_row(manifest: dict, table: str) -> dict[tuple[str, int], str]:
    """(file, row) -> reason_code of the table's rejected rows."""
    return {(r["file"], r["row"]): r["reason_code"] for r in rejects(manifest, table)}


def file_entry(manifest: dict, name: str) -> dict:
    return next(f for f in manifest["files"] if f["file"] == name)


def counts(manifest: dict, table: str) -> tuple[int, int, int, int]:
    """(rows, loaded, duplicates, rejected) of one table."""
    t = manifest["tables"][table]
    return t["rows"], t["loaded"], t["duplicates"], t["rejected"]


# ---------------------------------------------------------------- the mixed ledgers

MIXED = LEDGERS / "mixed"
TITLE = "上街区新时代文明实践活动台账（2025年）"

# 05-台账.xlsx: activities under a title row, sign-ins, ratings, and an empty sheet.
MIXED_WORKBOOK = {
    "活动": [
        [TITLE],
        ["活动编码", "活动名称", "阵地编码", "品牌项目编码", "服务类别", "开始时间", "点单编号", "志愿者人数", "参与人次"],
        ["HD01", "学习党的二十届四中全会精神宣讲", "Z01", "PP01", "宣讲", "2025-03-05 14:30", None, 5, 120],
        ["HD02", "健康义诊进村居", "Z02", None, "义诊", "2025-03-06", "DD01", 3, 35],
        ["HD03", "四点半课堂", "D01", None, "课堂", "2025/3/8", None, None, None],
        ["HD04", "新春文艺演出", "Z01", None, "文艺演出", "2026-01-05", None, None, None],
        ["合计", None, None, None, None, None, None, 8, 155],
    ],
    "签到": [
        ["活动编码", "参与者编号", "人数", "身份"],
        ["HD01", "P001", None, None],
        ["HD01", "P002", None, None],
        ["HD01", "P001", None, None],
        ["HD02", None, 30, None],
        ["HD02", None, 30, None],
        ["HD04", "P003", None, None],
    ],
    "评价": [
        ["活动编码", "评价人编号", "满意度"],
        ["HD01", "R001", 5],
        ["HD01", "R002", "★★★★☆"],
        ["HD01", None, "满意"],
        ["HD02", "R003", "六星"],
    ],
    "说明": [],
}  # fmt: skip

# (rows, loaded, duplicates, rejected) per table, counted by hand from the mixed ledgers:
#   units       01-阵地.csv: 7 rows under title+header (合计 not a row); Z01 twice; Z03 level 村站
#   divisions   02-区划.csv: 5 rows; 4101060010 has 10 digits
#   brands      03-品牌项目.csv: PP02 belongs to the rejected Z03
#   orders      04-点单.csv: DD03 dispatched before it was ordered
#   activities  05-台账.xlsx 活动 HD01-HD04 (HD04 in 2026, after as-of) + 06-活动-补报.csv
#               HD01 (same content, other spellings) HD03 (other title: conflict) HD05 (unit Z09)
#   attendance  05-台账.xlsx 签到: P001 twice; two identical headcount lines (same file: both
#               kept); P003 at the rejected HD04
#   ratings     05-台账.xlsx 评价: R003 scored 六星
#   targets     07-目标.csv: 满意率 90% and 0.9 are one target; 服务人次 without 目标值
MIXED_COUNTS = {
    "units": (7, 5, 1, 1),
    "divisions": (5, 4, 0, 1),
    "brands": (2, 1, 0, 1),
    "orders": (3, 2, 0, 1),
    "activities": (7, 3, 1, 3),
    "attendance": (6, 4, 1, 1),
    "ratings": (4, 3, 0, 1),
    "targets": (4, 2, 1, 1),
}


def write_mixed(dest: Path) -> Path:
    """The mixed ledgers in ``dest``: the literal CSVs, the workbook, a corrupt workbook
    (09-损坏.xlsx) and a re-sent copy of the workbook (10-台账-重发.xlsx)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in MIXED.iterdir():
        shutil.copy(path, dest / path.name)
    write_xlsx(dest / "05-台账.xlsx", MIXED_WORKBOOK)
    (dest / "09-损坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"not a workbook")
    shutil.copy(dest / "05-台账.xlsx", dest / "10-台账-重发.xlsx")
    return dest
