"""Date arguments of the commands (``--from``, ``--to``, ``--date``, ``--as-of``), checked once.

A malformed or out-of-range date is answered with one Chinese line (``ArgumentError``)
and exit code 2 by every command, never a traceback: ``--to 9999-12-31`` once overflowed
the month arithmetic of the figures, ``--from 0001-01-01`` the year arithmetic. Dates are
accepted from 1 January of the configured ``min_year`` (the earliest year a ledger date
may have) to 31 December of ``settings.LATEST_ARG_YEAR``.
"""

from __future__ import annotations

import datetime as dt

from pipelines.settings import LATEST_ARG_YEAR, config

MSG_NOT_A_DATE = "{option} 的值“{value}”不是日期，应写作 YYYY-MM-DD，如 2025-12-31"
MSG_NOT_A_MOMENT = "{option} 的值“{value}”不是日期时间，应写作 2025-12-31T23:59:59"
MSG_OUT_OF_RANGE = "{option} 的值“{value}”超出可接受的范围：日期应在 {first} 至 {last} 之间"


class ArgumentError(ValueError):
    """A command-line value the command cannot use; the message is Chinese, one line."""


def _check_range(option: str, text: str, day: dt.date) -> None:
    first, last = dt.date(config().min_year, 1, 1), dt.date(LATEST_ARG_YEAR, 12, 31)
    if not first <= day <= last:
        raise ArgumentError(
            MSG_OUT_OF_RANGE.format(option=option, value=text, first=first, last=last)
        )


def parse_date(option: str, text: str | None) -> dt.date | None:
    """The date ``text`` (YYYY-MM-DD) given for ``option``; None when not given."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError(MSG_NOT_A_DATE.format(option=option, value=text)) from None
    _check_range(option, text, day)
    return day


def parse_moment(option: str, text: str | None) -> dt.datetime | None:
    """The moment ``text`` (ISO 8601; a date alone is its midnight) gives for ``option``,
    naive (a time zone is dropped); None when not given."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError(MSG_NOT_A_MOMENT.format(option=option, value=text)) from None
    _check_range(option, text, value.date())
    return value.replace(tzinfo=None)
