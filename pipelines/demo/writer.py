"""Writing files: one worksheet as rows of cells, and the writer that puts CSV and
xlsx files under the output folder and keeps the run's summary.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from pipelines.settings import TABLES

XLSX_MAX_ROWS = 1_048_576


@dataclass
class XSheet:
    """One worksheet as rows of cell values (0-based positions), plus merges and formats."""

    name: str
    rows: list[list[object]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    header_rows: tuple[int, ...] = ()
    blank_rows: tuple[int, ...] = ()  # bordered but empty, as a ledger's unused lines
    width: int = 14

    def add(self, cells: list[object]) -> int:
        """Append a row; returns the row number Excel shows (1-based)."""
        self.rows.append(cells)
        return len(self.rows)


class Writer:
    """Writes files under one root and keeps the summary: files, rows per table, bad rows."""

    def __init__(self, root: Path, year: int):
        self.root = root
        self.year = year
        self.files: list[str] = []
        self.rows: dict[str, int] = {t: 0 for t in TABLES}
        self.bad_rows: list[dict[str, object]] = []
        self.duplicates: list[dict[str, object]] = []
        # the worksheets of every workbook written, by path: a later generator may add
        # columns to a sheet and write the workbook again (pipelines.demo.practices)
        self.workbooks: dict[str, list[XSheet]] = {}

    def file_path(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(rel)
        return path

    def count(self, table: str, n: int) -> None:
        self.rows[table] += n

    def bad(self, rel: str, row: int, table: str, what: str, sheet: str | None = None) -> None:
        entry: dict[str, object] = {"file": rel, "row": row, "table": table, "what": what}
        if sheet:
            entry["sheet"] = sheet
        self.bad_rows.append(entry)

    def duplicate(self, rel: str, row: int | None, table: str, what: str) -> None:
        self.duplicates.append({"file": rel, "row": row, "table": table, "what": what})

    def csv(self, rel: str, rows: list[list[str]], encoding: str) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        text = buffer.getvalue()
        if encoding == "gb18030":
            text.encode("gbk")  # only characters GBK has: an old Excel must open it too
        data = text.encode(encoding)
        self.file_path(rel).write_bytes(data)
        return data

    def copy(self, rel: str, data: bytes) -> None:
        self.file_path(rel).write_bytes(data)

    def xlsx(self, rel: str, sheets: list[XSheet]) -> None:
        path = self.file_path(rel)
        self.workbooks[rel] = sheets
        workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
        # a fixed creation date keeps the bytes identical from run to run
        workbook.set_properties(
            {"created": datetime(self.year, 12, 31, 18, 0), "author": "上街区新时代文明实践中心"}
        )
        title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        head = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#DDEBF7",
            }
        )
        cell = workbook.add_format({"border": 1})
        stamp = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        day = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
        for spec in sheets:
            if len(spec.rows) > XLSX_MAX_ROWS:
                raise ValueError(f"{rel}: {len(spec.rows)} rows do not fit a worksheet")
            sheet = workbook.add_worksheet(spec.name)
            ncols = max((len(r) for r in spec.rows), default=1)
            sheet.set_column(0, ncols - 1, spec.width)
            covered = {
                (r, c)
                for r1, c1, r2, c2, _ in spec.merges
                for r in range(r1, r2 + 1)
                for c in range(c1, c2 + 1)
            }
            for r, values in enumerate(spec.rows):
                fmt = head if r in spec.header_rows else cell
                if r in spec.blank_rows:
                    for c in range(ncols):
                        sheet.write_blank(r, c, None, cell)
                    continue
                for c, value in enumerate(values):
                    if (r, c) in covered:
                        continue  # merge_range below writes it
                    if value is None or value == "":
                        if r > max(spec.header_rows, default=-1) and spec.header_rows:
                            sheet.write_blank(r, c, None, fmt)
                        continue
                    if isinstance(value, datetime):
                        midnight = value.hour == 0 and value.minute == 0
                        sheet.write_datetime(r, c, value, day if midnight else stamp)
                    elif isinstance(value, date):
                        sheet.write_datetime(
                            r, c, datetime(value.year, value.month, value.day), day
                        )
                    elif isinstance(value, bool):
                        sheet.write_string(r, c, "是" if value else "否", fmt)
                    elif isinstance(value, int | float):
                        sheet.write_number(r, c, value, fmt)
                    else:
                        sheet.write_string(r, c, str(value), fmt)
            for r1, c1, r2, c2, text in spec.merges:
                fmt = title if r1 not in spec.header_rows else head
                sheet.merge_range(r1, c1, r2, c2, text, fmt)
        workbook.close()
