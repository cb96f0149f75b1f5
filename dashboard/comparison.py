"""环比: the period just before a scope's, as a scope (同比's base, the same period last
year, is ``scopebar.same_period_last_year``). Pure date arithmetic, no streamlit;
docs/figures.md (同比与环比) states the rules.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from dashboard.metrics import Scope


def shift_months(day: date, months: int) -> date:
    """The same day ``months`` earlier (negative) or later, clamped to the month's end:
    31 May less one month is 30 April, 29 February less twelve is 28 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def previous_period(scope: Scope) -> Scope | None:
    """环比's base: the period just before the scope's, as long as it.

    A period starting on the 1st of a month and ending in that month (本月) compares with
    the previous month to the same day; one starting on the 1st of a quarter and ending in
    it (本季度) with the previous quarter to the same day; any other period (自定义) with
    the same number of days just before it. A period from 1 January past the first quarter
    (本年, 上年) has none: its period before is last year, which is 同比.
    """
    start, end = scope.date_from, scope.date_to
    months = 0
    if start.day == 1 and (end.year, end.month) == (start.year, start.month):
        months = 1
    elif start.day == 1 and start.month % 3 == 1 and _quarter(end) == _quarter(start):
        months = 3
    elif start.day == 1 and start.month == 1 and end.year == start.year:
        return None
    if months:
        return Scope(shift_months(start, -months), shift_months(end, -months), scope.unit_id)
    days = (end - start).days + 1
    return Scope(start - timedelta(days=days), start - timedelta(days=1), scope.unit_id)


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3
