"""The scope of every figure: a period and optionally a unit (that unit and all below it).

``Scope`` is the only way into the metrics layer; ``resolve`` checks its unit against
the warehouse. The helpers here turn a scope into the bound parameters the SQL reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dashboard.warehouse import Warehouse

LEVELS = ("省", "市", "中心", "所", "站", "点", "基地")
# Digits of the 区划代码 that name a scope's jurisdiction (省 2, 市 4, county 6, town 9).
JURISDICTION_DIGITS = {"省": 2, "市": 4, "中心": 6, "所": 9}

MSG_REVERSED = "统计期间有误：起始日期 {date_from} 晚于结束日期 {date_to}。"
MSG_NOT_A_DATE = "统计期间有误：{value!r} 不是日期。"
MSG_UNKNOWN_UNIT = "找不到阵地编码“{unit_id}”，请检查阵地编码是否正确。"
# Why coverage is unknown (coverage()["unknown_reason"])
COVERAGE_BELOW_TOWN = "村（社区）一级及以下阵地不计算覆盖率"
COVERAGE_NO_CODE = "该阵地未填写区划代码，覆盖率未知"
COVERAGE_NO_VILLAGES = "未导入该范围的区划（村、社区）名单，覆盖率未知"


class UnknownUnit(LookupError):
    """The scope names a unit the warehouse does not hold."""

    def __init__(self, unit_id: str) -> None:
        super().__init__(MSG_UNKNOWN_UNIT.format(unit_id=unit_id))
        self.unit_id = unit_id


@dataclass(frozen=True)
class Scope:
    """A period ``[date_from, date_to]`` (inclusive dates) and optionally a unit.

    ``unit_id`` None means the whole warehouse. A reversed period raises ValueError.
    """

    date_from: date
    date_to: date
    unit_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                object.__setattr__(self, name, value.date())
            elif not isinstance(value, date):
                raise ValueError(MSG_NOT_A_DATE.format(value=value))
        if self.date_from > self.date_to:
            raise ValueError(MSG_REVERSED.format(date_from=self.date_from, date_to=self.date_to))
        if self.unit_id is not None and not self.unit_id.strip():
            object.__setattr__(self, "unit_id", None)

    def params(self) -> dict[str, Any]:
        """The bound parameters every scoped query reads."""
        return {"unit_id": self.unit_id, "date_from": self.date_from, "date_to": self.date_to}


def resolve(wh: Warehouse, scope: Scope) -> dict[str, Any] | None:
    """The scope's unit row (unit_id, name, level, parent_id, division_code), or None.

    Raises ``UnknownUnit`` when the warehouse has no such unit, ``WarehouseOutdated``
    when it lacks the summary tables every figure reads (built by an earlier version).
    """
    wh.require_summaries()
    if scope.unit_id is None:
        return None
    unit = wh.units().get(scope.unit_id)
    if unit is None:
        raise UnknownUnit(scope.unit_id)
    return unit


def top_units(wh: Warehouse) -> list[dict[str, Any]]:
    """Units with no parent (a county deployment has one 中心), by unit_id."""
    return [u for u in wh.units().values() if u["parent_id"] is None]


def data_end(wh: Warehouse, scope: Scope) -> date:
    """The last day the period has data for: its end, or the as-of date if earlier."""
    as_of = wh.as_of
    if as_of is None:
        return scope.date_to
    return min(scope.date_to, as_of.date())


def months_touched(date_from: date, date_to: date) -> int:
    """Calendar months the period touches (Jan 31–Feb 1 touches 2); 0 when reversed."""
    if date_to < date_from:
        return 0
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def jurisdiction_prefix(unit: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The 区划代码 prefix of the scope's villages, or (None, why coverage is unknown).

    Without a unit the prefix is "" (every imported village).
    """
    if unit is None:
        return "", None
    code = unit["division_code"]
    digits = JURISDICTION_DIGITS.get(unit["level"])
    if digits is None or (code is not None and not code.endswith("000")):
        return None, COVERAGE_BELOW_TOWN
    if code is None:
        return None, COVERAGE_NO_CODE
    return code[:digits], None


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def same_period_last_year(scope: Scope, end: date | None = None) -> Scope:
    """What 同比 compares with: the period shifted back one year, up to ``end`` (the
    period's last day with data, default its end) a year before. The one definition the
    tiles and the briefing share."""
    return Scope(year_before(scope.date_from), year_before(end or scope.date_to), scope.unit_id)
