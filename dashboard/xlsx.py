"""Workbooks for download: rows in, xlsx bytes out, never a formula.

``to_xlsx({"按单位": rows, "按月份": rows2})`` writes one sheet per entry, a header row
from the rows' keys (or ``labels``) and one row per dict. Numbers stay numbers (so a
clerk can sum them), dates are dates, and every string is written as text with
``write_string``: a ledger value such as ``=1+1``, ``+86 138…``, ``-5`` or ``@SUM(A1)``
is shown as typed, never evaluated (CSV/formula injection). Pure: no files, no
streamlit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

Rows = Sequence[Mapping[str, Any]]

YES, NO = "是", "否"
LIST_SEPARATOR = "、"
DEFAULT_SHEET = "Sheet1"
_BAD_SHEET_CHARS = "[]:*?/\\"
_SHEET_NAME_MAX = 31
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def to_xlsx(
    sheets: Mapping[str, Rows] | Iterable[tuple[str, Rows]],
    *,
    labels: Mapping[str, str] | None = None,
    number_formats: Mapping[str, str] | None = None,
) -> bytes:
    """Return an xlsx workbook with one sheet per ``(name, rows)``, in the given order.

    ``sheets``: a mapping (or pairs) of sheet name → rows (dicts). A sheet's columns are
    the keys of its rows in first-seen order; ``labels`` maps a key to its header
    (keys without a label are their own header). ``number_formats`` maps a key to an
    Excel number format (``"#,##0"``, ``"0.0%"``, ``"0.00"``) for its numeric cells.
    Sheet names are cleaned of ``[]:*?/\\``, cut to 31 characters and made unique.

    Cells: None → empty; bool → 是/否; int, float, Decimal → number; datetime and date →
    Excel date; list or tuple → items joined with 、 as text; anything else → ``str``
    written as text.
    """
    labels = labels or {}
    number_formats = number_formats or {}
    items = list(sheets.items()) if isinstance(sheets, Mapping) else list(sheets)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    head = book.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    numeric = {key: book.add_format({"num_format": fmt}) for key, fmt in number_formats.items()}
    used: set[str] = set()
    for name, rows in items or [(DEFAULT_SHEET, [])]:
        ws = book.add_worksheet(_sheet_name(name, used))
        keys = _columns(rows)
        widths = [_width(str(labels.get(key, key))) for key in keys]
        for j, key in enumerate(keys):
            ws.write_string(0, j, str(labels.get(key, key)), head)
        for i, row in enumerate(rows, start=1):
            for j, key in enumerate(keys):
                value = row.get(key)
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_string(i, j, YES if value else NO)
                elif isinstance(value, int | float | Decimal):
                    ws.write_number(i, j, float(value), numeric.get(key))
                elif isinstance(value, datetime):
                    ws.write_datetime(i, j, value, moment)
                elif isinstance(value, date):
                    ws.write_datetime(i, j, datetime(value.year, value.month, value.day), day)
                else:
                    text = (
                        LIST_SEPARATOR.join(map(str, value))
                        if isinstance(value, list | tuple)
                        else str(value)
                    )
                    ws.write_string(i, j, text)
                    widths[j] = max(widths[j], _width(text))
        for j, width in enumerate(widths):
            ws.set_column(j, j, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
        if keys:
            ws.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _columns(rows: Rows) -> list[str]:
    """The keys of ``rows`` in first-seen order."""
    return list(dict.fromkeys(key for row in rows for key in row))


def _width(text: str) -> int:
    """Column width for ``text``: a CJK character is two Latin ones wide."""
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def _sheet_name(name: str, used: set[str]) -> str:
    """A legal, unique sheet name: no ``[]:*?/\\``, at most 31 characters."""
    cleaned = "".join("_" if ch in _BAD_SHEET_CHARS else ch for ch in str(name)).strip("'")
    cleaned = cleaned[:_SHEET_NAME_MAX] or DEFAULT_SHEET
    candidate, n = cleaned, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate = cleaned[: _SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate
