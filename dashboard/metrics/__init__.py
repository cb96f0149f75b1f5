"""The metrics layer: every figure of the dashboard, defined once.

Pages, the CLI report and the briefing call these functions; none of them writes SQL.
A figure function takes a ``Warehouse`` and a ``Scope`` and returns plain data::

    from dashboard.metrics import Scope, summary
    from dashboard.warehouse import Warehouse

    wh = Warehouse("data/warehouse.duckdb")
    summary(wh, Scope(date(2025, 1, 1), date(2025, 3, 31), "ZX410106"))

``FIGURES`` lists each figure once (key, Chinese name, unit, kind, the function that
returns it); the SQL lives in ``dashboard.metrics.queries``; the definitions (口径) in
docs/figures.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.metrics.figures import (
    PRIOR_WEIGHT,
    SELF_LABEL,
    TARGET_METRICS,
    activity_figures,
    by_brand,
    by_category,
    by_month,
    by_target_group,
    by_unit,
    coverage,
    coverage_by_town,
    order_figures,
    person_figures,
    person_times_sources,
    rating_figures,
    rating_prior,
    summary,
    target_progress,
    unit_activities,
    units_by_level,
    villages,
)
from dashboard.metrics.queries import QUERIES
from dashboard.metrics.reader import OutOfScope, Reader
from dashboard.metrics.scope import LEVELS, Scope, UnknownUnit, data_end, months_touched, resolve


@dataclass(frozen=True)
class Figure:
    """One figure: its key, Chinese name, unit of count, kind and the family returning it.

    ``kind`` says how a briefing writes it: ``flow`` (brief_number), ``inventory``
    (exact), ``rate`` (a fraction, brief_percent), ``score`` (brief_score), ``hours``
    (a duration that is not a flow: one decimal).
    """

    key: str
    name: str
    unit: str
    kind: str
    family: str


FIGURES: tuple[Figure, ...] = (
    Figure("activities", "活动场次", "场次", "flow", "activity_figures"),
    Figure("person_times", "服务人次", "人次", "flow", "activity_figures"),
    Figure("volunteer_hours", "志愿服务时长", "小时", "flow", "activity_figures"),
    Figure("volunteer_times", "志愿者人次", "人次", "flow", "activity_figures"),
    Figure("unique_persons", "服务人数", "人", "flow", "person_figures"),
    Figure("volunteer_persons", "志愿者人数", "人", "flow", "person_figures"),
    Figure("ratings", "评价数", "条", "flow", "rating_figures"),
    Figure("mean_score", "满意度均分", "分", "score", "rating_figures"),
    Figure("satisfaction_rate", "满意率", "%", "rate", "rating_figures"),
    Figure("units", "阵地数", "个", "inventory", "units_by_level"),
    Figure("villages", "村（社区）数", "个", "inventory", "coverage"),
    Figure("covered", "已覆盖村（社区）", "个", "inventory", "coverage"),
    Figure("rate", "覆盖率", "%", "rate", "coverage"),
    Figure("effective", "有效覆盖村（社区）", "个", "inventory", "coverage"),
    Figure("effective_rate", "有效覆盖率", "%", "rate", "coverage"),
    Figure("orders", "点单数", "单", "flow", "order_figures"),
    Figure("completed", "办结数", "单", "flow", "order_figures"),
    Figure("cancelled", "取消数", "单", "flow", "order_figures"),
    Figure("completion_rate", "办结率", "%", "rate", "order_figures"),
    Figure("median_accept_hours", "响应时长（中位数）", "小时", "hours", "order_figures"),
    Figure("signed_in", "签到人次", "人次", "flow", "person_times_sources"),
    Figure("headcount_lines", "记录人数人次", "人次", "flow", "person_times_sources"),
    Figure("reported_only", "台账填报人次", "人次", "flow", "person_times_sources"),
    Figure("signed_in_share", "签到支撑比例", "%", "rate", "person_times_sources"),
    Figure("adjusted_score", "满意度修正分", "分", "score", "by_brand"),
)

FIGURES_BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}

__all__ = [
    "FIGURES",
    "FIGURES_BY_KEY",
    "LEVELS",
    "PRIOR_WEIGHT",
    "QUERIES",
    "SELF_LABEL",
    "TARGET_METRICS",
    "Figure",
    "OutOfScope",
    "Reader",
    "Scope",
    "UnknownUnit",
    "activity_figures",
    "by_brand",
    "by_category",
    "by_month",
    "by_target_group",
    "by_unit",
    "coverage",
    "coverage_by_town",
    "data_end",
    "months_touched",
    "order_figures",
    "person_figures",
    "person_times_sources",
    "rating_figures",
    "rating_prior",
    "resolve",
    "summary",
    "target_progress",
    "unit_activities",
    "units_by_level",
    "villages",
]
