"""Where a ledger's header is, how its cells are named, and which rows are data.

A clerk's header takes one to three rows: a group cell merged across its columns
(参与人数) above sub-groups (成人, 儿童) above the measures (人数, 小时); columns that
have no sub-header (序号) are merged down the whole block. Each column is named by
the distinct texts down the block, joined with ``/``: ``参与人数/成人/人数``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pipelines.contract import normalize_header
from pipelines.mapping.grid import Grid

MAX_HEADER_ROWS = 3
SCAN_ROWS = 30
_DATA_LIKE = re.compile(
    r"^(-?\d+(\.\d+)?%?|\d{4}[-/.年]\d{1,2}.*|\d{1,2}[.月/]\d{1,2}日?.*|\d{1,2}:\d{2}.*|1\d{10})$"
)
_LABEL_LINE = re.compile(r"^[^：:]{1,12}[：:]")  # 填报单位：…, 填报日期：…


@dataclass
class Header:
    """The header block of a grid: rows ``first..last`` (0-based) and a name per column."""

    first: int
    last: int
    names: list[str]  # per column; "" for a column without header text

    @property
    def rows(self) -> tuple[int, int]:
        """The header rows as the spreadsheet numbers them (1-based, inclusive)."""
        return self.first + 1, self.last + 1

    @property
    def signature(self) -> str:
        return header_signature(self.names)


def header_signature(names: list[str]) -> str:
    """What identifies a layout: its non-empty column names, normalised, in order."""
    text = "\x1f".join(normalize_header(n) for n in names if n.strip())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def is_data_like(text: str) -> bool:
    """A number, date, time or phone number: a value, not a header word."""
    return bool(_DATA_LIKE.match(text.replace(" ", "")))


def _is_header_start(cells: list[str]) -> bool:
    texts = [c for c in cells if c]
    distinct = set(texts)
    if len(distinct) < 2:
        return False  # a title merged across the sheet fills every cell with one text
    if all(_LABEL_LINE.match(t) for t in distinct):
        return False
    return sum(map(is_data_like, texts)) <= len(texts) * 0.3


def detect_header(grid: Grid, known: set[str] | None = None) -> Header | None:
    """The header block of ``grid``: the first row that reads as column names (the
    first naming a known field when ``known`` normalised names are given), and the
    rows below it that merged cells or sub-group cells make part of it."""
    filled = grid.filled()
    candidates = [i for i, row in enumerate(filled[:SCAN_ROWS]) if _is_header_start(row)]
    if not candidates:
        return None
    first = candidates[0]
    if known:
        named = [i for i in candidates if any(normalize_header(c) in known for c in filled[i])]
        first = named[0] if named else first
    return header_at(grid, first, first + _height(grid, filled, first) - 1)


def _height(grid: Grid, filled: list[list[str]], first: int) -> int:
    touching = [m for m in grid.merged if m[0][0] <= first <= m[1][0]]
    if touching:
        # the deepest merge that starts on the header row spans the whole block
        spans = [m[1][0] - first + 1 for m in touching if m[0][0] == first]
        height = max([1, *spans])
        return min(height, MAX_HEADER_ROWS, len(filled) - first)
    height = 1
    while height < MAX_HEADER_ROWS and first + height < len(filled):
        above, below = grid.rows[first + height - 1], filled[first + height]
        if any(map(is_data_like, filter(None, below))) or not any(below):
            break
        # a sub-header has text under a blank cell of the row above (a group's span)
        under_group = any(
            cell and not (above[j] if j < len(above) else "") for j, cell in enumerate(below)
        )
        if not under_group:
            break
        height += 1
    return height


def header_at(grid: Grid, first: int, last: int) -> Header:
    """The header block ``first..last`` (0-based), each column named down the block."""
    filled = grid.filled()
    width = grid.width
    block = [filled[r] if r < len(filled) else [""] * width for r in range(first, last + 1)]
    block = [_spread_groups(row, block[i + 1 :]) for i, row in enumerate(block)]
    names = []
    for j in range(width):
        parts: list[str] = []
        for row in block:
            text = row[j] if j < len(row) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append("/".join(parts))
    return Header(first, last, names)


def _spread_groups(row: list[str], below: list[list[str]]) -> list[str]:
    """A group cell covers the blank cells right of it that have sub-header text below
    them: how a merged group reads without merge information (CSV, .xls, a group typed
    once and never merged)."""
    out, group = list(row), ""
    for j, text in enumerate(row):
        if text:
            group = text
        elif group and any(j < len(r) and r[j] for r in below):
            out[j] = group
        else:
            group = ""
    return out


def text_above(grid: Grid, header: Header) -> list[str]:
    """The non-empty cells above the header (title row, 填报单位 line), in order."""
    out: list[str] = []
    for row in grid.rows[: header.first]:
        for cell in row:
            if cell and cell not in out:
                out.append(cell)
    return out
