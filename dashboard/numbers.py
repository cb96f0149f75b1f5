"""How numbers are written: the one implementation shared by the app, the CLI report
and the briefing.

Two families:

- ``brief_*`` write a figure the way a briefing (简报) does, following the data contract's
  "How a briefing writes a number": rounded down, with 余 when something was dropped,
  in 万 / 亿 for large flows. ``inventory_number`` writes a count of things (阵地, 品牌,
  队伍, 村居) exactly.
- ``format_*`` write a figure for the app's tiles and tables (``12,345``, ``12.3万``,
  ``87.5%``).

Every function returns ``UNKNOWN`` for ``None`` (an unknown figure is shown as unknown,
never as 0). Arithmetic is done with ``int`` and ``Decimal`` only: a float argument is
converted through ``Decimal(str(x))``, so ``37.56`` is the decimal 37.56, not the binary
float 37.5599999…. Every rounding is towards zero (``ROUND_DOWN``): a written figure is
never larger than the figure it stands for.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from dashboard import texts

UNKNOWN = "—"

_ONE = Decimal(1)
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_WAN = 10_000
_YI = 100_000_000


def _to_decimal(value: object) -> Decimal:
    """Return ``value`` as a finite Decimal; floats go through their shortest repr."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise TypeError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _floor(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` towards zero to a multiple of ``step`` (a power of ten)."""
    # Adding zero turns a -0.0 (from -0.04) into 0.0.
    return value.quantize(step, rounding=ROUND_DOWN) + 0


def _plain(value: Decimal) -> str:
    """Write a Decimal without exponent and without a trailing ``.0``."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# ---------------------------------------------------------------------------
# Briefing style
# ---------------------------------------------------------------------------


def brief_number(value: object) -> str:
    """Return a flow (场次, 人次, 人数, 小时) written as a briefing writes it.

    - under 100: exact (``82``); a non-integer keeps one decimal rounded down
      (``37.56`` → ``37.5``, ``37.0`` and ``37.04`` → ``37``), and never takes 余
      (the contract's ``37.56`` → ``37.5``);
    - 100–999: down to tens (``318`` → ``310余``);
    - 1,000–9,999: down to hundreds (``3121`` → ``3100余``, no thousands separator);
    - from 10,000: in 万 with at most one decimal, rounded down (``56234`` → ``5.6万余``,
      ``10999`` → ``1万余``, ``90000`` → ``9万``);
    - from 100,000,000: in 亿 likewise (``123456789`` → ``1.2亿余``).

    From 100 up, 余 is added exactly when the written figure is smaller than the value.
    A non-integer from 100 up is first floored to an integer, and the dropped fraction
    counts as dropped: ``310.5`` → ``310余`` (there were more than 310 hours).

    Raises ``ValueError`` for a negative or non-finite value: flows are never negative.
    """
    if value is None:
        return UNKNOWN
    number = _to_decimal(value)
    if number < 0:
        raise ValueError(f"a briefing figure cannot be negative: {value!r}")
    if number < 100:
        return _plain(_floor(number, _TENTH))
    whole = int(_floor(number, _ONE))
    if whole < 1_000:
        written = whole - whole % 10
        text = str(written)
    elif whole < _WAN:
        written = whole - whole % 100
        text = str(written)
    else:
        unit, suffix = (_YI, texts.UNIT_YI) if whole >= _YI else (_WAN, texts.UNIT_WAN)
        shown = _floor(Decimal(whole) / unit, _TENTH)
        written = int(shown * unit)
        text = _plain(shown) + suffix
    if written < number:
        text += texts.MORE_THAN
    return text


def brief_percent(fraction: object) -> str:
    """Return a share (0.8756 for 87.56%) as a percentage with one decimal, rounded down.

    ``0.8756`` → ``87.5%``, ``0.9996`` → ``99.9%`` (never a 100.0% that is not).
    A trailing ``.0`` is dropped as in ``brief_number``: exactly 1 → ``100%``,
    ``0.5`` → ``50%``. Rounding is towards zero, so a negative change (``-0.0506``)
    is written ``-5%``, never larger in size than it is.
    """
    if fraction is None:
        return UNKNOWN
    percent = _floor(_to_decimal(fraction) * 100, _TENTH)
    return _plain(percent) + "%"


def brief_score(mean: object) -> str:
    """Return a mean score (1–5) with two decimals, rounded down, and 分: ``4.62分``.

    Rounded down, not half-up, for the same reason as every briefing figure: never
    inflate (``4.625`` → ``4.62分``; ``5`` → ``5.00分``).
    """
    if mean is None:
        return UNKNOWN
    return format_score(mean) + texts.UNIT_SCORE


def inventory_number(n: object) -> str:
    """Return a count of things (阵地, 品牌, 队伍, 村居) written exactly: ``221``.

    Raises ``ValueError`` for a negative or non-integer count.
    """
    if n is None:
        return UNKNOWN
    number = _to_decimal(n)
    if number < 0 or number != number.to_integral_value():
        raise ValueError(f"an inventory is a whole, non-negative count: {n!r}")
    return str(int(number))


# ---------------------------------------------------------------------------
# Display (tiles and tables)
# ---------------------------------------------------------------------------


def _format_large(number: Decimal) -> str | None:
    """Write a value from 100,000 up in 万 / 亿 with one decimal; None below that."""
    size = abs(number)
    if size >= _YI:
        return f"{_floor(number / _YI, _TENTH)}{texts.UNIT_YI}"
    if size >= 100_000:
        return f"{_floor(number / _WAN, _TENTH)}{texts.UNIT_WAN}"
    return None


# The Excel number formats that show what ``format_count``, ``format_hours``,
# ``format_percent`` and ``format_score`` write (``dashboard.xlsx`` cuts the cell's value
# to the digits shown, so Excel's half-up rounding cannot make them differ).
EXCEL_COUNT = "#,##0"
EXCEL_HOURS = "#,##0.0"
EXCEL_PERCENT = "0.0%"
EXCEL_SCORE = "0.00"


def format_count(n: object) -> str:
    """Return a count for display: ``12,345`` below 100,000, then ``12.3万``, ``1.2亿``.

    The 万 / 亿 forms always show one decimal, rounded down (``100000`` → ``10.0万``);
    a non-integer is floored to an integer first.
    """
    if n is None:
        return UNKNOWN
    number = _to_decimal(n)
    return _format_large(number) or f"{int(_floor(number, _ONE)):,}"


def format_hours(hours: object) -> str:
    """Return hours for display with one decimal, rounded down: ``1,234.5``, ``12.3万``."""
    if hours is None:
        return UNKNOWN
    number = _to_decimal(hours)
    return _format_large(number) or f"{_floor(number, _TENTH):,}"


def format_percent(fraction: object) -> str:
    """Return a share (0.8756) for display with one decimal, rounded down: ``87.5%``.

    Unlike ``brief_percent`` the decimal is always shown (``50.0%``), so columns align.
    """
    if fraction is None:
        return UNKNOWN
    return f"{_floor(_to_decimal(fraction) * 100, _TENTH)}%"


def format_score(mean: object) -> str:
    """Return a mean score for display with two decimals, rounded down: ``4.62``."""
    if mean is None:
        return UNKNOWN
    return str(_floor(_to_decimal(mean), _HUNDREDTH))


def parse_date(value: object) -> date:
    """Return a date from a date, a datetime or an ISO string (``2025-03`` or longer)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()[:10]
        if len(text) == 7:
            text += "-01"
        return date.fromisoformat(text)
    raise TypeError(f"not a date: {value!r}")


def format_month(value: object) -> str:
    """Return a month as ``2025年3月`` (from a date, datetime or ISO string)."""
    if value is None:
        return UNKNOWN
    day = parse_date(value)
    return f"{day.year}年{day.month}月"


def format_date(value: object) -> str:
    """Return a date as ``2025年3月5日`` (from a date, datetime or ISO string)."""
    if value is None:
        return UNKNOWN
    day = parse_date(value)
    return f"{day.year}年{day.month}月{day.day}日"
