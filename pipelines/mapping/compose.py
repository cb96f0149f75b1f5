"""Composed fields: a start from 年份 + 月份 + 日期 (+ 时间), a year or month from a title,
a sheet name or a file name, the unit from a 填报单位 line.

Days as ledgers write them: ``6.30``, ``6月30日``, ``30``, ``2024.6.30``, ``6/30``;
``6.30-7.2`` (several days) takes the first day. Times: ``9:00``, ``14时30分``,
``上午9:00``, ``下午2:30`` (14:30), ``晚上7点``; ``14:30-16:00`` takes the start.
A number cell Excel shows as ``6.3`` is read as June 3: a typed ``6.30`` kept as a
number loses its zero before any reader sees it (format such cells as text).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_DAY = re.compile(
    r"^(?:(?P<y>\d{4})[年./-](?=\d{1,2}[月./-]))?(?:(?P<m>\d{1,2})[月./-])?(?P<d>\d{1,2})[日号]?"
    r"(?:\s*[-~至到—－].*)?$"
)
_TIME = re.compile(
    r"^(?P<half>上午|早上|早晨|中午|下午|晚上|傍晚)?\s*(?P<h>\d{1,2})\s*(?:[:：时点]\s*(?P<m>\d{1,2})?分?)"
    r"(?:\s*[-~至到—－].*)?$"
)
_AFTERNOON = {"下午", "晚上", "傍晚"}
_YEAR_IN_TEXT = re.compile(r"(20\d{2})\s*年")
_YEAR_MONTH = re.compile(r"^(?:(?P<y>20\d{2})\s*[年./-]?\s*)?(?P<m>1[0-2]|0?[1-9])\s*月?(份)?$")
_UNIT_LINE = re.compile(r"(?:填报单位|报送单位|填表单位|单位名称)\s*[:：]\s*(?P<u>[^\s:：]+)")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_day(text: str) -> tuple[int | None, int | None, int] | None:
    """(year, month, day) of a day cell; year and month None when it does not say."""
    match = _DAY.match(_nfkc(text).replace(" ", ""))
    if not match:
        return None
    y, m, d = (int(g) if g else None for g in match.group("y", "m", "d"))
    if not 1 <= d <= 31 or (m is not None and not 1 <= m <= 12) or (y and m is None):
        return None  # a year with a day but no month is a full date with a time after it
    return y, m, d


def parse_time(text: str) -> tuple[int, int] | None:
    """(hour, minute) of a time cell, 24-hour."""
    match = _TIME.match(_nfkc(text))
    if not match:
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    if match.group("half") in _AFTERNOON and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_year(text: str) -> int | None:
    match = re.fullmatch(r"(20\d{2})\s*年?(度)?", _nfkc(text))
    return int(match.group(1)) if match else None


def parse_month(text: str) -> int | None:
    match = re.fullmatch(r"(1[0-2]|0?[1-9])\s*月?(份)?", _nfkc(text))
    return int(match.group(1)) if match else None


def compose_start(
    year: str | None, month: str | None, day: str | None, time: str | None
) -> str | None:
    """The start as contract text (``2024-06-30`` or ``2024-06-30 09:00``) from its parts;
    None when a part is missing or no such day exists."""
    if not day:
        return None
    parts = parse_day(day)
    if parts is None:
        return None
    y = parts[0] or (parse_year(year) if year else None)
    m = parts[1] or (parse_month(month) if month else None)
    if y is None or m is None:
        return None
    try:
        date = dt.date(y, m, parts[2])
    except ValueError:
        return None
    clock = parse_time(time) if time else None
    return f"{date.isoformat()} {clock[0]:02d}:{clock[1]:02d}" if clock else date.isoformat()


def constants_from_context(above: list[str], file_name: str, sheet: str | None) -> dict[str, str]:
    """What the text around a table says of all its rows: ``unit_name`` from a 填报单位
    line, ``start_year`` from a title (``…2024年…统计表``), the sheet name (``2024.7``)
    or the file name, ``start_month`` from the sheet name (``7月``)."""
    out: dict[str, str] = {}
    for text in above:
        match = _UNIT_LINE.search(_nfkc(text))
        if match:
            out["unit_name"] = match.group("u")
            break
    sheet_match = _YEAR_MONTH.match(_nfkc(sheet)) if sheet else None
    if sheet_match and sheet_match.group("m"):
        out["start_month"] = str(int(sheet_match.group("m")))
    years = [_YEAR_IN_TEXT.search(_nfkc(t)) for t in above]
    year = next((m.group(1) for m in years if m), None)
    if year is None and sheet_match and sheet_match.group("y"):
        year = sheet_match.group("y")
    if year is None:
        found = _YEAR_IN_TEXT.search(_nfkc(file_name)) or re.search(r"(20\d{2})", file_name)
        year = found.group(1) if found else None
    if year:
        out["start_year"] = year
    return out
