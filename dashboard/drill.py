"""Drill-down: click a tile's name or a chart's bar or point to see the rows behind it.

A click becomes a ``Request`` (which figure, which scope, what the number read) kept in
the session by a callback; the page's next run opens it once in a dialog: the rows
(``dashboard.metrics.drilldown``, villages from ``metrics.villages``) read through the
account's ``Reader`` like every figure, a line adding them up to the clicked number, and
an xlsx download of every row. A month's point narrows the period to that month; a
unit's bar narrows the scope to that unit (its own activities only for 本级).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import cache, metrics, widgets
from dashboard.metrics import drilldown
from dashboard.numbers import (
    format_count,
    format_date,
    format_hours,
    format_percent,
    format_score,
    parse_date,
)
from dashboard.widgets import Column, TileSpec

PICKER_LABEL = "查看明细"
PICKER_HELP = "点选一个数字，查看它由哪些活动、村（社区）或点单得来，并可下载。"
DIALOG_TITLE = "数字背后的明细"
CHART_HINT = "点击图中的点或柱，可查看它背后的明细。"
CONTEXT = "「{label}」{value}　·　{where}　·　{date_from} 至 {date_to}"
OWN_ONLY = "（本级，不含下级阵地）"
NO_ROWS = "这个数字背后没有明细行。"
SUM_ACTIVITIES = "共 {n} 场活动；服务人次合计 {person_times}，志愿服务时长合计 {hours} 小时。"
SUM_RATED = (
    "有评价的活动 {n} 场，评价 {ratings} 条，其中满意（4分及以上）{satisfied} 条：满意率 {rate}。"
)
SUM_PERSONS = "签到的群众共 {persons} 人，按各人第一次签到的活动计入（见「其中首次签到」列）。"
SUM_VILLAGES = (
    "村（社区）{n} 个：已覆盖 {covered} 个（覆盖率 {rate}），有效覆盖 {effective} 个"
    "（有效覆盖率 {effective_rate}）。"
)
SUM_ORDERS = "点单 {n} 单，其中已取消 {cancelled} 单、已办结 {completed} 单：办结率 {rate}。"
STATUS_EFFECTIVE, STATUS_PAPER, STATUS_NONE = "有效覆盖", "仅挂牌", "未覆盖"
YES, NO = "是", "否"

ACTIVITIES, RATED, PERSONS, VILLAGES, ORDERS = (
    "activities",
    "rated",
    "persons",
    "villages",
    "orders",
)
# figure key → the rows that explain it
KIND_OF = {
    "activities": ACTIVITIES,
    "person_times": ACTIVITIES,
    "volunteer_hours": ACTIVITIES,
    "volunteer_times": ACTIVITIES,
    "ratings": RATED,
    "mean_score": RATED,
    "satisfaction_rate": RATED,
    "unique_persons": PERSONS,
    "coverage": VILLAGES,
    "effective_coverage": VILLAGES,
    "rate": VILLAGES,
    "effective_rate": VILLAGES,
    "orders": ORDERS,
    "completion_rate": ORDERS,
}
PENDING = "_drill_request"


def _yes_no(value: Any) -> str:
    return YES if value else NO


def _when(value: Any) -> str:
    return f"{format_date(value)} {value:%H:%M}" if value else "—"


_DATE = Column("start_at", "活动时间", _when)
_TITLE = Column("title", "活动名称")
_UNIT = Column("unit_name", "阵地")
_ID = Column("activity_id", "活动编码")
COLUMNS: dict[str, list[Column]] = {
    ACTIVITIES: [
        _DATE,
        _TITLE,
        _UNIT,
        Column("category", "服务类别"),
        Column("person_times", "服务人次", format_count, "#,##0"),
        Column("volunteer_count", "志愿者人次", format_count, "#,##0"),
        Column("volunteer_hours", "志愿服务时长（小时）", format_hours, "#,##0.0"),
        Column("ratings", "评价数", format_count, "#,##0"),
        Column("mean_score", "满意度均分", format_score, "0.00"),
        Column("brand_name", "品牌项目", lambda v: v or ""),
        _ID,
    ],
    RATED: [
        _DATE,
        _TITLE,
        _UNIT,
        Column("ratings", "评价数", format_count, "#,##0"),
        Column("satisfied", "满意（4分及以上）", format_count, "#,##0"),
        Column("mean_score", "满意度均分", format_score, "0.00"),
        _ID,
    ],
    PERSONS: [
        _DATE,
        _TITLE,
        _UNIT,
        Column("signed_persons", "签到群众人数", format_count, "#,##0"),
        Column("first_persons", "其中首次签到", format_count, "#,##0"),
        _ID,
    ],
    VILLAGES: [
        Column("name", "村（社区）"),
        Column("code", "区划代码"),
        Column("town_name", "乡镇（街道）", lambda v: v or ""),
        Column("status", "情况"),
        Column("station_names", "负责实践站"),
    ],
    ORDERS: [
        Column("ordered_at", "点单时间", _when),
        Column("category", "需求类别"),
        Column("content", "需求内容", lambda v: v or ""),
        Column("unit_name", "点单阵地"),
        Column("status", "状态", lambda v: v or ""),
        Column("accepted_unit_name", "接单阵地", lambda v: v or ""),
        Column("completed_at", "完成时间", _when),
        Column("is_completed", "已办结", _yes_no),
        Column("order_id", "点单编号"),
    ],
}


@dataclass(frozen=True)
class Request:
    """What a click asks to see: a figure of a scope (``unit_id`` None: the account's
    whole scope; ``own_only``: that unit's own rows), the label and value it read."""

    figure: str
    label: str
    value: str
    date_from: date
    date_to: date
    unit_id: str | None
    own_only: bool = False

    @property
    def kind(self) -> str:
        return KIND_OF[self.figure]

    @property
    def scope(self) -> metrics.Scope:
        return metrics.Scope(self.date_from, self.date_to, self.unit_id)


# --- From a click to a request (pure: testable without a page) -----------------------------


def month_request(
    points: Sequence[Mapping[str, Any]],
    scope: metrics.Scope,
    figure: str,
    label: str,
    fmt: Callable[[Any], str],
    months: Sequence[Mapping[str, Any]],
) -> Request | None:
    """The request of a click on a monthly chart (``months``: ``by_month`` rows): the
    month of the first point of the figure's own line (trace 0), the period cut to it."""
    for point in points:
        if point.get("curve_number", 0) != 0 or point.get("x") is None:
            continue
        first = parse_date(str(point["x"])[:10]).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        row = next((r for r in months if parse_date(r["month"]).replace(day=1) == first), {})
        return Request(
            figure,
            f"{first.year}年{first.month}月{label}",
            fmt(row.get(figure)),
            max(first, scope.date_from),
            min(last, scope.date_to),
            scope.unit_id,
        )
    return None


def unit_request(
    points: Sequence[Mapping[str, Any]],
    scope: metrics.Scope,
    figure: str,
    label: str,
    fmt: Callable[[Any], str],
    units: Sequence[Mapping[str, Any]],
) -> Request | None:
    """The request of a click on a unit's bar (``units``: rows with ``unit_id``, ``name``,
    the figure and, for ``by_unit`` rows, ``is_self``; the bar's customdata ending with
    the unit_id): that unit's scope, its own rows for 本级."""
    by_id = {row["unit_id"]: row for row in units}
    for point in points:
        data = point.get("customdata") or []
        row = by_id.get(data[-1]) if data else None
        if row is None:
            continue
        return Request(
            figure,
            f"{row['name']}{label}",
            fmt(row.get(figure)),
            scope.date_from,
            scope.date_to,
            row["unit_id"],
            own_only=bool(row.get("is_self")),
        )
    return None


# --- The page's hooks ---------------------------------------------------------------------


def tile_picker(
    specs: Sequence[TileSpec], values: Mapping[str, Any], scope: metrics.Scope, *, key: str
) -> None:
    """A row of the tiles' names under the tiles: picking one opens its rows."""
    shown = [s for s in specs if s.key in KIND_OF and values.get(s.key) is not None]
    by_key = {s.key: s for s in shown}

    def picked() -> None:
        choice = st.session_state.get(key)
        st.session_state[key] = None  # a second click on the same name opens it again
        if choice in by_key:
            spec = by_key[choice]
            st.session_state[PENDING] = Request(
                choice,
                spec.label,
                spec.fmt(values[choice]) + spec.unit,  # the digits and unit of the tile
                scope.date_from,
                scope.date_to,
                scope.unit_id,
            )

    st.pills(
        PICKER_LABEL,
        [s.key for s in shown],
        format_func=lambda k: by_key[k].label,
        key=key,
        on_change=picked,
        help=PICKER_HELP,
    )
    open_pending()


def on_select(key: str, to_request: Callable[[Sequence[Mapping[str, Any]]], Request | None]):
    """The ``on_select`` callback of the chart ``key``: its selected points become a
    request (``to_request``), opened by ``open_pending`` in the next run."""

    def selected() -> None:
        state = st.session_state.get(key)
        points = state.selection.points if state is not None else []
        request = to_request(points)
        if request is not None:
            st.session_state[PENDING] = request

    return selected


def open_pending() -> None:
    """Open the request a click left, once (a later run closes the dialog)."""
    request = st.session_state.pop(PENDING, None)
    if request is not None:
        st.dialog(DIALOG_TITLE, width="large")(show)(request)


def show(request: Request) -> None:
    """The rows behind ``request``: where and when, their sum, the table and its download."""
    rows = drill_rows(request.scope, kind=request.kind, own_only=request.own_only)
    where = cache.unit_name(request.unit_id) + (OWN_ONLY if request.own_only else "")
    st.caption(
        CONTEXT.format(
            label=request.label,
            value=request.value,
            where=where,
            date_from=format_date(request.date_from),
            date_to=format_date(request.date_to),
        )
    )
    if not rows:
        st.info(NO_ROWS, icon=":material/info:")
        return
    st.markdown(summary_line(request.kind, rows))
    widgets.table(
        rows,
        COLUMNS[request.kind],
        key="drill_table",
        file_name=f"{request.label}明细",
        height=480,
    )


def summary_line(kind: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows added up, written as the tiles write them."""
    if kind == ACTIVITIES:
        hours = sum((Decimal(str(r["volunteer_hours"] or 0)) for r in rows), Decimal(0))
        return SUM_ACTIVITIES.format(
            n=format_count(len(rows)),
            person_times=format_count(sum(r["person_times"] for r in rows)),
            hours=format_hours(hours),
        )
    if kind == RATED:
        ratings = sum(r["ratings"] for r in rows)
        satisfied = sum(r["satisfied"] for r in rows)
        return SUM_RATED.format(
            n=format_count(len(rows)),
            ratings=format_count(ratings),
            satisfied=format_count(satisfied),
            rate=format_percent(Decimal(satisfied) / Decimal(ratings)),
        )
    if kind == PERSONS:
        return SUM_PERSONS.format(persons=format_count(sum(r["first_persons"] for r in rows)))
    if kind == VILLAGES:
        covered = sum(r["status"] != STATUS_NONE for r in rows)
        effective = sum(r["status"] == STATUS_EFFECTIVE for r in rows)
        return SUM_VILLAGES.format(
            n=format_count(len(rows)),
            covered=format_count(covered),
            rate=format_percent(Decimal(covered) / len(rows)),
            effective=format_count(effective),
            effective_rate=format_percent(Decimal(effective) / len(rows)),
        )
    cancelled = sum(r["is_cancelled"] for r in rows)
    completed = sum(r["is_completed"] for r in rows)
    open_ = len(rows) - cancelled
    return SUM_ORDERS.format(
        n=format_count(len(rows)),
        cancelled=format_count(cancelled),
        completed=format_count(completed),
        rate=format_percent(Decimal(completed) / open_) if open_ else "—",
    )


@cache.cached
def drill_rows(scope: metrics.Scope, *, kind: str, own_only: bool) -> list[dict]:
    """The rows of ``kind`` behind a figure of ``scope``, read through the account's reader."""
    if kind == ACTIVITIES:
        return cache.load(drilldown.activity_rows, scope, own_only=own_only)
    if kind == RATED:
        rows = cache.load(drilldown.activity_rows, scope, own_only=own_only)
        return [r for r in rows if r["ratings"]]
    if kind == PERSONS:
        return cache.load(drilldown.person_rows, scope, own_only=own_only)
    if kind == ORDERS:
        return cache.load(drilldown.order_rows, scope, own_only=own_only)
    names = {u["unit_id"]: u["name"] for u in cache.load(metrics.unit_activities, scope)}
    return [
        {
            **village,
            "status": STATUS_EFFECTIVE
            if village["is_effective"]
            else STATUS_PAPER
            if village["is_covered"]
            else STATUS_NONE,
            "station_names": [names.get(s, s) for s in village["stations"]],
        }
        for village in cache.load(metrics.villages, scope)
    ]
