"""The scope bar every page opens with: a period preset (or two dates) and a unit, kept
across pages and in the URL, clipped to the signed-in account's subtree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

import streamlit as st

from dashboard import cache, shell
from dashboard.metrics import Scope
from dashboard.metrics.reader import MSG_HOME_MISSING
from dashboard.metrics.scope import same_period_last_year as same_period_last_year
from dashboard.numbers import format_date
from dashboard.unittree import UnitTree

LABEL_PERIOD = "统计期间"
LABEL_DATES = "起止日期"
LABEL_UNIT = "阵地范围"
PERIOD_LABELS = {
    "month": "本月",
    "quarter": "本季度",
    "year": "本年",
    "last_year": "上年",
    "custom": "自定义",
}
DEFAULT_PERIOD = "year"
SCOPE_KEYS = ("period", "dates", "unit")  # the scope bar's widgets: URL parameters too
PICKER_LIMIT = 200  # the unit picker lists every unit up to this many, else one level at a time
MSG_PICK_END = "请在日历中再选一个结束日期。"
SCOPE_LINE = "{date_from} 至 {date_to}　·　{unit}"
UNIT_PATH_SEP = " › "
HELP_UNIT = (
    "列出所选阵地的上级、同级和下级；选中一个阵地后，可再从它的下级中选择。"
    "也可点右边「查找」输入名称或编码，再从这里选择找到的阵地。"
)
LABEL_SEARCH_BUTTON = "查找"
HELP_SEARCH = "按名称或编码查找阵地"
LABEL_SEARCH = "查找阵地"
PLACEHOLDER_SEARCH = "输入名称或编码，回车"
SEARCH_LIMIT = 50  # search results the picker lists at most
SEARCH_FOUND = "名称或编码含「{text}」的阵地有 {n} 个，已列在「阵地范围」中"
SEARCH_MORE = "（只列出前 {shown} 个，可输入更完整的名称）"
SEARCH_NONE = "没有名称或编码含「{text}」的阵地。"
MSG_UNKNOWN_UNIT = "未找到阵地“{asked}”，已显示{shown}。可在「阵地范围」中查找或选择阵地。"
MSG_UNKNOWN_PERIOD = "未找到统计期间“{asked}”，已显示{shown}。可在「统计期间」中选择。"
SCOPE_STATE = "_scope_text"  # the page's scope as the audit log writes it
SCOPE_LINE_STATE = "_scope_line"  # the page's scope as the scope bar writes it
SCOPE_TEXT = "{unit} {date_from}～{date_to}"


def period_dates(
    preset: str, as_of: date, custom: Sequence[date] | None = None
) -> tuple[date, date]:
    """The inclusive dates of a period preset, relative to the warehouse's as-of date.

    本月/本季度/本年 run from the first day of the month/quarter/year to ``as_of``; 上年 is
    the whole previous calendar year; 自定义 is ``custom`` (two dates).
    """
    if preset == "month":
        return as_of.replace(day=1), as_of
    if preset == "quarter":
        return date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of
    if preset == "last_year":
        return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
    if preset == "custom" and custom and len(custom) == 2:
        return min(custom), max(custom)
    return date(as_of.year, 1, 1), as_of


def last_days(scope: Scope, days: int) -> Scope:
    """The scope's unit over the last ``days`` days up to the as-of date."""
    end = cache.as_of()
    return Scope(end - timedelta(days=days - 1), end, scope.unit_id)


_DRAWN: ContextVar[tuple[Scope | None] | None] = ContextVar("scope_drawn", default=None)


@contextmanager
def drawn_first(*, require_data: bool = True) -> Iterator[None]:
    """Draw the scope bar now (``shell.run``, before the page runs); the page's own
    ``scope_bar()`` call inside the block returns the scope it picked."""
    token = _DRAWN.set((_draw(require_data=require_data),))
    try:
        yield
    finally:
        _DRAWN.reset(token)


def scope_bar(*, require_data: bool = True) -> Scope | None:
    """The scope the page shows: the one ``drawn_first`` picked this run, else the scope
    bar drawn here (a page run on its own)."""
    drawn = _DRAWN.get()
    if drawn is not None:
        return drawn[0]
    return _draw(require_data=require_data)


def _draw(*, require_data: bool = True) -> Scope | None:
    """Render the one scope bar and return the scope it selects.

    Period preset and unit live in the URL (``?period=本季度&unit=峡窝镇新时代文明实践所``:
    a bound widget writes its option's label) and in the session, so every page opens on
    the same scope and a link can be shared. With no warehouse (or an empty one)
    it shows how to import data and stops the page, or returns None when
    ``require_data`` is False (the import page).
    """
    if not cache.warehouse().path.is_file():
        if not require_data:
            return None
        shell.stop_without_data(shell.MSG_NO_WAREHOUSE)
    tree = cache.unit_tree()
    if not len(tree):
        if not require_data:
            return None
        if cache.home() is not None:
            cache.refuse(MSG_HOME_MISSING.format(home=cache.home()))
        shell.stop_without_data(shell.MSG_EMPTY_WAREHOUSE)
    today = cache.period_anchor()
    restricted = cache.home() is not None
    unknown_period = _unknown_period()

    # Streamlit 1.67 drops a bound value that came from the URL (a deep link) when the
    # user switches pages with st.page_link: the new page's widget finds no parameter and
    # falls back to its default. Assigning the value in code first makes it win over the
    # missing parameter. Only on a page switch: on other reruns the assignment would keep
    # a callback's new value (drill_down) out of the URL.
    if st.session_state.get(shell.SWITCHED):
        for key in SCOPE_KEYS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    current, unknown_unit = _picked_unit(tree)
    searchable = len(tree) > PICKER_LIMIT  # else the picker lists every unit: type to filter
    query = st.session_state.get("unit_search", "").strip() if searchable else ""
    if query:
        found, matches = tree.search(query, SEARCH_LIMIT)
        options = ["", *dict.fromkeys([*([current] if current else []), *matches])]
    else:
        options = ["", *tree.picker_options(current, PICKER_LIMIT)]
    if restricted:  # no 全部阵地: the account's whole scope is its home unit, listed first
        options = options[1:] or [cache.home()]
    with st.container(horizontal=True, vertical_alignment="bottom", key="scope_bar"):
        preset = st.segmented_control(
            LABEL_PERIOD,
            list(PERIOD_LABELS),
            format_func=PERIOD_LABELS.get,
            default=DEFAULT_PERIOD,
            required=True,
            key="period",
            bind="query-params",
            persist_state="session",
        )
        custom = None
        if preset == "custom":
            custom = st.date_input(
                LABEL_DATES,
                value=(date(today.year, 1, 1), today),
                min_value=date(2000, 1, 1),
                max_value=date(today.year + 1, 12, 31),
                format="YYYY/MM/DD",
                key="dates",
                bind="query-params",
                persist_state="session",
                width=240,
            )
        unit_id = st.selectbox(
            LABEL_UNIT,
            options,
            format_func=lambda unit_id: tree.labels.get(unit_id, cache.ALL_UNITS),
            key="unit",
            bind="query-params",
            persist_state="session",
            help=HELP_UNIT if searchable else None,
            on_change=_end_search,
            width=360,
        )
        if searchable:
            # a button, not a box: a box beside the picker would not fit the row at 1280 px
            with st.popover(LABEL_SEARCH_BUTTON, icon=":material/search:", help=HELP_SEARCH):
                st.text_input(
                    LABEL_SEARCH,
                    key="unit_search",
                    placeholder=PLACEHOLDER_SEARCH,
                    icon=":material/search:",
                    width=300,
                )
    unknown_period, unknown_unit = _kept_unknown(unknown_period, unknown_unit, unit_id, preset)
    for shown, asked, notice in (
        (PERIOD_LABELS[DEFAULT_PERIOD], unknown_period, MSG_UNKNOWN_PERIOD),
        (tree.labels.get(unit_id, cache.ALL_UNITS), unknown_unit, MSG_UNKNOWN_UNIT),
    ):
        if asked:
            st.warning(notice.format(asked=asked, shown=shown), icon=":material/help:")
    if query:
        st.caption(
            SEARCH_NONE.format(text=query)
            if not found
            else SEARCH_FOUND.format(text=query, n=f"{found:,}")
            + (SEARCH_MORE.format(shown=len(matches)) if found > len(matches) else "")
        )
    if preset == "custom" and (not custom or len(custom) != 2):
        shell.guard(False, MSG_PICK_END)
    date_from, date_to = period_dates(preset or DEFAULT_PERIOD, today, custom)
    with cache.query_errors("scope"):
        scope = cache.reader().clip(Scope(date_from, date_to, unit_id or None))
    st.session_state[SCOPE_STATE] = SCOPE_TEXT.format(
        unit=scope.unit_id or cache.ALL_UNITS, date_from=date_from, date_to=date_to
    )
    line = SCOPE_LINE.format(
        date_from=format_date(date_from),
        date_to=format_date(date_to),
        unit=UNIT_PATH_SEP.join(tree.name(u) for u in tree.path(scope.unit_id))
        if scope.unit_id
        else cache.ALL_UNITS,
    )
    st.session_state[SCOPE_LINE_STATE] = line  # the printed page's header says it too
    st.caption(line)
    return scope


def _end_search() -> None:
    # a unit picked from the search's results: the picker goes back to the tree around it
    st.session_state["unit_search"] = ""


_UNKNOWN = "_scope_unknown"  # session key: the deep link's unknown labels, and what was shown


def _kept_unknown(
    period: str, unit: str, unit_id: str | None, preset: str | None
) -> tuple[str, str]:
    """The deep link's unknown period and unit, said on its first run and kept said on
    the reruns of the same page (a figure computed in the background reruns it) until the
    user switches page or picks another scope."""
    shown = (unit_id, preset)
    if period or unit:
        st.session_state[_UNKNOWN] = (period, unit, shown)
        return period, unit
    kept = st.session_state.get(_UNKNOWN)
    if kept is None:
        return "", ""
    if st.session_state.get(shell.SWITCHED) or kept[2] != shown:
        del st.session_state[_UNKNOWN]
        return "", ""
    return kept[0], kept[1]


def _unknown_period() -> str:
    """The URL's ``?period=`` when it names no period (the bar then shows the default)."""
    asked = st.query_params.get("period", "")
    if "period" in st.session_state or asked in ("", *PERIOD_LABELS.values()):
        return ""
    return asked


def _picked_unit(tree: UnitTree) -> tuple[str | None, str]:
    """The unit the picker shows on this run, read before the picker is drawn so that
    its options can be the ones around it: the session's choice (a pick, a drill-down,
    a page switch), else the URL's ``?unit=`` label (a deep link); and the URL's label
    when it names no unit at all (the bar then says so and shows the whole scope).

    A unit outside the account's tree (a tampered URL, a drill-down link to another
    town) stops the page with the reader's refusal; the picker then starts over."""
    unknown = ""
    if "unit" in st.session_state:
        unit_id = st.session_state["unit"]
    else:
        label = st.query_params.get("unit", "")
        unit_id = tree.by_label.get(label)
        if unit_id is None and label and cache.home() is not None:
            unit_id = cache.whole_tree().by_label.get(label)
        if unit_id is None and label:
            unknown = label
    if unit_id and unit_id not in tree and cache.home() is not None:
        st.session_state.pop("unit", None)
        st.query_params.pop("unit", None)
        with cache.query_errors("scope"):
            cache.reader().clip(Scope(date.today(), date.today(), unit_id))
    return (unit_id if unit_id in tree else None), unknown
