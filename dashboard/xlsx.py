"""Workbooks for download: rows in, xlsx bytes out, never a formula.

``to_xlsx({"按单位": rows, "按月份": rows2})`` writes one sheet per entry, a header row
from the rows' keys (or ``labels``) and one row per dict. Numbers stay numbers (so a
clerk can sum them), dates are dates, and every string is written as text with
``write_string``: a ledger value such as ``=1+1``, ``+86 138…``, ``-5`` or ``@SUM(A1)``
is shown as typed, never evaluated (CSV/formula injection). Pure: no files, no
streamlit.

A number format never rounds: Excel rounds half-up (0.81896 under ``0.0%`` shows 81.9%)
while every other output rounds down (the data contract's "How a briefing writes a
number"; ``dashboard.numbers``). So a formatted cell holds the value cut to the digits its
format shows (0.818: Excel shows 81.8%, as the page does), and a format that shows a
fraction (decimals or %) gets the exact value in a column of its own beside it,
headed ``…（精确值）``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import xlsxwriter

Rows = Sequence[Mapping[str, Any]]

YES, NO = "是", "否"
LIST_SEPARATOR = "、"
DEFAULT_SHEET = "Sheet1"
_BAD_SHEET_CHARS = "[]:*?/\\"
_SHEET_NAME_MAX = 31
_MIN_WIDTH, _MAX_WIDTH = 8, 60
EXACT_SUFFIX = "（精确值）"


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

    A formatted number is cut (towards zero) to the digits its format shows
    (``shown_number``); a fraction-showing format (``0.0%``, ``0.00``) adds the column
    ``<header>（精确值）`` with the exact value, unformatted, right after it. So do integer
    formats holding a non-integer.

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
        columns: list[tuple[str, bool]] = []  # (key, whether this is its exact twin)
        for key in keys:
            columns.append((key, False))
            if _needs_exact(rows, key, number_formats.get(key)):
                columns.append((key, True))
        headers = [
            str(labels.get(key, key)) + (EXACT_SUFFIX if is_exact else "")
            for key, is_exact in columns
        ]
        widths = [_width(header) for header in headers]
        for j, header in enumerate(headers):
            ws.write_string(0, j, header, head)
        for i, row in enumerate(rows, start=1):
            for j, (key, is_exact) in enumerate(columns):
                value = row.get(key)
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_string(i, j, YES if value else NO)
                elif isinstance(value, int | float | Decimal) and is_exact:
                    ws.write_number(i, j, float(value))
                elif isinstance(value, int | float | Decimal) and key in number_formats:
                    shown = shown_number(value, number_formats[key])
                    ws.write_number(i, j, float(shown), numeric[key])
                elif isinstance(value, int | float | Decimal):
                    ws.write_number(i, j, float(value))
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


def shown_digits(number_format: str) -> int:
    """How many decimals of the value a number format shows: ``#,##0`` → 0, ``0.00`` → 2,
    ``0.0%`` → 3 (a percentage shows two more)."""
    section = number_format.split(";")[0]
    fraction = section.split(".", 1)[1] if "." in section else ""
    decimals = sum(1 for ch in fraction if ch in "0#?")
    return decimals + (2 if "%" in section else 0)


def shown_number(value: int | float | Decimal, number_format: str) -> Decimal:
    """``value`` cut towards zero to the digits ``number_format`` shows, so that Excel's
    half-up rounding has nothing left to round: 0.81896 under ``0.0%`` → 0.818."""
    step = Decimal(1).scaleb(-shown_digits(number_format))
    return Decimal(str(value)).quantize(step, rounding=ROUND_DOWN) + 0


def _needs_exact(rows: Rows, key: str, number_format: str | None) -> bool:
    """Whether a column gets a ``（精确值）`` twin: its format shows a fraction, or it cuts
    digits off one of its values."""
    if number_format is None:
        return False
    if shown_digits(number_format) > 0:
        return True
    return any(
        isinstance(v, int | float | Decimal)
        and not isinstance(v, bool)
        and shown_number(v, number_format) != Decimal(str(v))
        for v in (row.get(key) for row in rows)
    )


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
