"""The briefing's data: ``gather`` reads every figure the kit uses from the metrics
layer into a ``Briefing`` (plain data, cacheable), and names places and periods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dashboard import metrics
from dashboard.briefing.problems import Problems, find_problems
from dashboard.briefing.wording import (
    ALL_MEMBERS,
    MEMBERS,
    OFFICE,
    QUARTERS,
    SINCE_NEW_YEAR,
    WHOLE_ENDINGS,
)
from dashboard.metrics import Scope, practices
from dashboard.metrics.scope import same_period_last_year, top_units
from dashboard.numbers import (
    format_date,
)
from dashboard.warehouse import Warehouse
from pipelines.settings import config


@dataclass(frozen=True)
class Briefing:
    """Every figure of one scope the kit uses, read from the metrics layer.

    ``unit`` is the scope unit, or the single top unit when the scope has none (None
    when the warehouse has several). ``previous`` holds the activity figures of the same
    period last year (``previous_scope``), None when that period has no activity.
    """

    scope: Scope
    unit: dict[str, Any] | None
    is_whole: bool
    as_of: datetime | None
    data_end: date
    summary: dict[str, Any]
    sources: dict[str, Any]
    previous_scope: Scope | None
    previous: dict[str, Any] | None
    units: dict[str, int]
    coverage: dict[str, Any]
    orders: dict[str, Any]
    brands: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    effective_k: int = 1
    problems: Problems | None = None  # 存在问题 (dashboard.briefing.problems)
    # the practices (dashboard.metrics.practices); None where the county runs none of them
    five_haves: dict[str, Any] | None = None
    rankings: dict[str, Any] | None = None
    three_lists: dict[str, Any] | None = None
    points: dict[str, Any] | None = None
    stars: dict[str, Any] | None = None


def gather(wh: Warehouse, scope: Scope) -> Briefing:
    """Read every figure the briefing uses for ``scope`` (raises ``UnknownUnit``)."""
    unit = metrics.resolve(wh, scope)
    is_whole = unit is None
    if unit is None:
        tops = top_units(wh)
        unit = tops[0] if len(tops) == 1 else None
    end = metrics.data_end(wh, scope)
    previous_scope = previous = None
    if end >= scope.date_from:
        previous_scope = same_period_last_year(scope, end)
        previous = metrics.activity_figures(wh, previous_scope)
        if not previous["activities"]:
            previous = None
    return Briefing(
        scope=scope,
        unit=unit,
        is_whole=is_whole,
        as_of=wh.as_of,
        data_end=end,
        summary=metrics.summary(wh, scope),
        sources=metrics.person_times_sources(wh, scope),
        previous_scope=previous_scope,
        previous=previous,
        units=metrics.units_by_level(wh, scope),
        coverage=metrics.coverage(wh, scope),
        orders=metrics.order_figures(wh, scope),
        brands=metrics.by_brand(wh, scope),
        by_unit=metrics.by_unit(wh, scope),
        by_month=metrics.by_month(wh, scope),
        by_category=metrics.by_category(wh, scope),
        effective_k=config().effective_k,
        problems=find_problems(wh, scope),
        **_practices(wh, scope),
    )


def _practices(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The practice families for the briefing, for a county that runs them (sent teams,
    per-volunteer hours or redemptions); none for one that does not."""
    if not practices.is_practising(wh, scope.unit_id):
        return {}
    # read only (dashboard.briefing.practice_text): the memo's values, not copies
    return {
        "five_haves": practices.five_haves.shared(wh, scope),
        "rankings": practices.rankings.shared(wh, scope),
        "three_lists": practices.three_lists.shared(wh, scope),
        "points": practices.points.shared(wh, scope),
        "stars": practices.stars.shared(wh, scope),
    }


# =========================================================================== place and period

NAME_SUFFIX = re.compile(r"新时代文明实践(?:指导)?(?:中心|所|站|点|基地)$")


def place_name(unit: dict[str, Any] | None) -> str:
    """The place a title names: "上街区" for 上街区新时代文明实践中心, "峡窝镇" for its 所, the
    unit's full name below a town, "" without a unit."""
    if unit is None:
        return ""
    stripped = NAME_SUFFIX.sub("", unit["name"])
    return stripped if unit["level"] in WHOLE_ENDINGS and stripped else unit["name"]


def whole_place(unit: dict[str, Any] | None) -> str:
    """How the text names the scope: "全区", "全镇", "全街道"; the place or unit name when
    no ending fits (a 站: "东林子社区新时代文明实践站"); "" without a unit."""
    if unit is None:
        return ""
    name = place_name(unit)
    for ending in WHOLE_ENDINGS.get(unit["level"], ()):
        if name.endswith(ending) and len(name) > len(ending):
            return "全" + ending
    return name


def area_phrase(unit: dict[str, Any] | None) -> str:
    """Who held the activities: "全区各新时代文明实践所站", or the unit itself."""
    if unit is None:
        return ALL_MEMBERS
    members = MEMBERS.get(unit["level"])
    return whole_place(unit) + members if members else unit["name"]


def issuing_office(unit: dict[str, Any] | None) -> str:
    """The default issuer: "中共上街区委宣传部" for a county 中心 (市, 省 likewise), else the
    unit's name."""
    if unit is None:
        return ""
    name = place_name(unit)
    if unit["level"] in ("省", "市", "中心") and re.search(r"[省市区县旗州盟]$", name):
        return OFFICE.format(place=name)
    return unit["name"]


def period_label(date_from: date, date_to: date) -> str:
    """The period named exactly: "2025年", "2025年上半年", "2025年第一季度", "2025年3月",
    "2025年1月至5月", else "2025年1月1日至4月15日"."""
    whole_months = date_from.day == 1 and _next_day(date_to).day == 1
    y = date_from.year
    if whole_months and date_from.year == date_to.year:
        months = (date_from.month, date_to.month)
        if months == (1, 12):
            return f"{y}年"
        if months in ((1, 6), (7, 12)):
            return f"{y}年{'上' if months[0] == 1 else '下'}半年"
        if months[0] % 3 == 1 and months[1] == months[0] + 2:
            return f"{y}年{QUARTERS[months[0] // 3]}"
        if months[0] == months[1]:
            return f"{y}年{months[0]}月"
        return f"{y}年{months[0]}月至{months[1]}月"
    if whole_months:
        return f"{y}年{date_from.month}月至{date_to.year}年{date_to.month}月"
    end = format_date(date_to)
    if date_to.year == y:
        end = end.removeprefix(f"{y}年")
    return f"{format_date(date_from)}至{end}"


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def period_phrase(date_from: date, date_to: date, as_of: date | None) -> str:
    """How the text opens: "今年以来" for 1 January up to an as-of date before that year's
    end (the year still running); else the label, so a whole past year is "2025年",
    never "今年以来"."""
    running = as_of is not None and as_of < date(as_of.year, 12, 31)
    if running and date_from == date(as_of.year, 1, 1) and date_to >= as_of:
        return SINCE_NEW_YEAR
    return period_label(date_from, date_to)
