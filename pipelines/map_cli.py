"""``wenming map FILE [--sheet S] (--suggest | --table T ... --save NAME) [--json]``.

``--suggest`` prints the detected header rows, the table and per column the suggested
field with its confidence. Otherwise the suggestion, overridden by ``--table``,
``--header-rows``, ``--column`` and ``--constant``, is saved as a 报送格式 under
``--save NAME`` beside the warehouse; the next build reads every file with that
header through it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from pipelines.mapping import formats
from pipelines.mapping.fields import IGNORE
from pipelines.mapping.grid import Grid, read_grids
from pipelines.mapping.header import header_at
from pipelines.mapping.suggest import Suggestion, suggest
from pipelines.settings import TABLES, db_path

MSG_NO_FILE = "找不到文件：{}"
MSG_UNREADABLE = "文件无法读取（请用 Excel/WPS 另存为 .xlsx 后再试）：{}"
MSG_NO_SHEET = "工作表“{}”不存在，可选：{}"
MSG_NO_HEADER = "在“{}”中找不到表头：请用 --header-rows 指定表头所在的行，如 --header-rows 3-5"
MSG_BAD_ROWS = "--header-rows 应写作“3”或“3-5”（至多 3 行），而不是“{}”"
MSG_BAD_PAIR = "{} 应写作“表头=字段”，而不是“{}”"
MSG_NO_COLUMN = "表头中没有“{}”这一列，现有：{}"
MSG_NEED = "请给出 --suggest，或用 --save 名称 保存格式"
MSG_SAVED = (
    "已保存报送格式“{}”：{}（{}表，表头第 {}–{} 行）。下次构建时同样表头的台账将按此格式读入。"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="台账文件（.xlsx、.xls、.csv）")
    parser.add_argument("--sheet", help="工作表名称（默认：第一个有表头的工作表）")
    parser.add_argument("--suggest", action="store_true", help="只输出建议的映射")
    parser.add_argument("--table", help="表：activities、attendance、ratings、orders、units …")
    parser.add_argument("--header-rows", dest="header_rows", help="表头所在的行，如 3 或 3-5")
    parser.add_argument(
        "--column", action="append", default=[], help="表头=字段，如 开展站点=unit_name（可多次）"
    )
    parser.add_argument(
        "--constant", action="append", default=[], help="字段=值，如 unit_id=S410106001（可多次）"
    )
    parser.add_argument("--save", metavar="NAME", help="保存为报送格式，名称如 峡窝镇活动台账")
    parser.add_argument("--db", help="数据仓库路径（格式保存在它旁边的 .formats 目录）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


def _pairs(items: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ValueError(MSG_BAD_PAIR.format(option, item))
        out.append((left.strip(), right.strip()))
    return out


def _rows(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:[-–~]\s*(\d+))?\s*", text)
    if not match:
        raise ValueError(MSG_BAD_ROWS.format(text))
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1 or last < first or last - first >= 3:
        raise ValueError(MSG_BAD_ROWS.format(text))
    return first, last


def pick_grid(path: Path, sheet: str | None) -> Grid:
    """The sheet asked for, or the first one with content."""
    grids = read_grids(path)
    if sheet is not None:
        found = [g for g in grids if g.sheet == sheet]
        if not found:
            names = "、".join(str(g.sheet) for g in grids)
            raise ValueError(MSG_NO_SHEET.format(sheet, names))
        return found[0]
    return next((g for g in grids if any(any(r) for r in g.rows)), grids[0])


def mapping_of(args: argparse.Namespace, grid: Grid) -> Suggestion:
    """The suggestion for ``grid`` with the options' overrides applied."""
    if args.table is not None and args.table not in TABLES:
        raise ValueError(formats.MSG_BAD_TABLE.format(args.table))
    header = None
    if args.header_rows:
        first, last = _rows(args.header_rows)
        header = header_at(grid, first - 1, last - 1)
    found = suggest(grid, header, args.table)
    if found is None:
        raise ValueError(MSG_NO_HEADER.format(grid.sheet or grid.file_name))
    by_header = {c.header: c for c in found.columns}
    for name, key in _pairs(args.column, "--column"):
        if name not in by_header:
            raise ValueError(MSG_NO_COLUMN.format(name, "、".join(h for h in by_header if h)))
        by_header[name].field, by_header[name].confidence = key, 1.0
    found.constants.update(dict(_pairs(args.constant, "--constant")))
    return found


def to_format(name: str, found: Suggestion) -> formats.Format:
    return formats.Format(
        name=name,
        table=found.table,
        header_rows=list(found.header.rows),
        signature=found.header.signature,
        columns={c.header: c.field for c in found.columns if c.header},
        constants=found.constants,
    )


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(MSG_NO_FILE.format(path))
    if not args.suggest and not args.save:
        return _fail(MSG_NEED)
    try:
        grid = pick_grid(path, args.sheet)
    except ValueError as exc:
        return _fail(str(exc))
    except Exception:  # a corrupt or foreign file
        return _fail(MSG_UNREADABLE.format(path))
    try:
        found = mapping_of(args, grid)
        if args.save:
            fmt = to_format(args.save, found)
            saved = formats.save(db_path(args.db), fmt)
    except ValueError as exc:
        return _fail(str(exc))
    if args.save:
        if args.json:
            print(json.dumps({"saved": str(saved), **fmt.__dict__}, ensure_ascii=False))
        else:
            print(MSG_SAVED.format(fmt.name, saved, fmt.table, *fmt.header_rows))
        return 0
    report = found.as_json(path.name)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(_text(report))
    return 0


def _text(report: dict) -> str:
    lines = [
        f"{report['file']} {report['sheet'] or ''}：表头第 {report['header_rows'][0]}–"
        f"{report['header_rows'][1]} 行，建议为“{report['table']}”表"
        f"（把握 {report['table_confidence']:.0%}），数据 {report['data_rows']} 行"
    ]
    for c in report["columns"]:
        mark = "  " if c["field"] != IGNORE else "× "
        lines.append(
            f"  {mark}{c['letter']} {c['header'] or '（无表头）'} → {c['label']}"
            f"（{c['field']}，{c['confidence']:.0%}）"
        )
    for key, value in report["context"].items():
        lines.append(f"  表外读到 {key} = {value}（每张表按其标题、填报单位、表名重新读取）")
    for key, value in report["constants"].items():
        lines.append(f"  常量 {key} = {value}")
    return "\n".join(lines)
