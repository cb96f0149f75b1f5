"""A ledger file's sheets as text grids, with their merged cells.

The mapping works on the cells as a clerk sees them: row 0 of a grid is spreadsheet
row 1 (title rows included), a merged cell's text stands in every cell it covers.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from pipelines.read import cell_text, detect_encoding

_SPACES = " \t\r\n\u3000\u00a0"
TRIMMED_ROWS = 40  # beyond the rows a header is looked for in (header.SCAN_ROWS + 3)
# (first row, first column), (last row, last column), 0-based, inclusive
Merged = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Grid:
    """One sheet (or a CSV) as text: ``rows[i]`` is spreadsheet row ``i + 1``."""

    file_name: str
    sheet: str | None
    rows: list[list[str]]
    merged: list[Merged] = field(default_factory=list)
    # a CSV's rows hold only its first TRIMMED_ROWS records; ``apply.data_frame`` reads
    # the rest with Polars from the file itself
    csv_path: Path | None = None
    _filled: list[list[str]] | None = field(default=None, repr=False, compare=False)
    _width: int | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        if self._width is None:
            self._width = max((len(r) for r in self.rows), default=0)
        return self._width

    def cell(self, row: int, col: int) -> str:
        cells = self.rows[row] if row < len(self.rows) else []
        return cells[col] if col < len(cells) else ""

    def filled(self) -> list[list[str]]:
        """Rows with each merged cell's text copied into every cell it covers (computed
        once; callers must not change it)."""
        if self._filled is None:
            self._filled = self._fill()
        return self._filled

    def _fill(self) -> list[list[str]]:
        if not self.merged:
            return self.rows  # nothing to copy (rows may be of unequal length)
        width = self.width
        out = [r + [""] * (width - len(r)) if len(r) < width else list(r) for r in self.rows]
        for (r0, c0), (r1, c1) in self.merged:
            if r0 >= len(out) or c0 >= width:
                continue
            text = out[r0][c0]
            for r in range(r0, min(r1, len(out) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    out[r][c] = text
        return out


def read_grids(path: Path, name: str | None = None) -> list[Grid]:
    """Every sheet of a workbook (or the one sheet of a CSV) as a Grid."""
    file_name = name or path.name
    if path.suffix.lower() == ".csv":
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as fh:
            rows = [
                [c.strip(_SPACES) for c in row]
                for row in itertools.islice(csv.reader(fh), TRIMMED_ROWS)
            ]
        return [Grid(file_name, None, rows, csv_path=path)]
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    grids = []
    for sheet_name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(sheet_name)
        rows = [
            [cell_text(c).strip(_SPACES) for c in row]
            for row in sheet.to_python(skip_empty_area=False)
        ]
        merged = sheet.merged_cell_ranges or []  # None for .xls, whose merges calamine lacks
        grids.append(Grid(file_name, sheet_name, rows, list(merged)))
    return grids


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
