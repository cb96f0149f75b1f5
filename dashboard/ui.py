"""The thin Streamlit layer every page shares: pages, scope bar, cached figures, tiles,
tables and charts with their downloads, the freshness line and the guards.

A page (one file under ``views/``, listed in ``PAGES``) reads top to bottom::

    scope = ui.scope_bar()                      # period + unit, kept across pages and in the URL
    ui.title("总览")                            # title + 数据截至… / 最近导入… line
    now = ui.load(metrics.summary, scope)       # any metrics function, cached per build
    ui.guard(now["activities"], ui.MSG_EMPTY_SCOPE)          # st.info + st.stop
    before = ui.load(metrics.summary, ui.same_period_last_year(scope))
    ui.tiles(ui.compare(TILE_SPECS, now, before), key="overview")
    ui.chart(charts.monthly_trend(...), key="trend", file_name="各月服务人次")
    ui.table(rows, [ui.Column("name", "阵地"), ...], key="ranking", file_name="排名")
    ui.alert("…：3 项", items, "satisfaction", key="alert_low")   # box + st.page_link

Figures are cached with ``st.cache_data`` keyed on the warehouse file's stamp (inode,
mtime, size), never on a connection or a frame: after a rebuild the next rerun of every
session computes new figures, no restart needed. A failing query shows a Chinese message
(``MSG_QUERY_FAILED``), never a traceback. Nothing here writes the warehouse.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import streamlit as st
from streamlit import config as streamlit_config

from dashboard import charts, xlsx
from dashboard.metrics import Scope, UnknownUnit
from dashboard.numbers import UNKNOWN, format_date, format_percent
from dashboard.unittree import UnitTree
from dashboard.warehouse import Warehouse, WarehouseError, WarehouseMissing
from pipelines import settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# --- Wording of the shell (page-specific wording lives with its page) --------------------
APP_TITLE = "文明实践数据看板"
LABEL_PERIOD = "统计期间"
LABEL_DATES = "起止日期"
LABEL_UNIT = "阵地范围"
ALL_UNITS = "全部阵地"
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
MSG_NO_WAREHOUSE = (
    "还没有数据：数据仓库尚未建立。请先在「数据导入与质量」页导入台账文件，或运行 `wenming build`。"
)
MSG_EMPTY_WAREHOUSE = "数据仓库是空的：还没有导入任何阵地。请先在「数据导入与质量」页导入台账文件。"
MSG_EMPTY_SCOPE = "所选期间和阵地范围内没有活动记录。可在上方换一个统计期间或阵地范围。"
MSG_PICK_END = "请在日历中再选一个结束日期。"
MSG_QUERY_FAILED = "这一部分数据暂时无法查询，请稍后刷新页面；如果问题持续，请联系系统管理员。"
MSG_DETAILS = "技术信息（供管理员排查）"
FRESHNESS = "数据截至 {as_of}　·　最近导入 {built_at}{files}"
FRESHNESS_FILES = "（{n} 个文件）"
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
DELTA_LABEL = "同比"
DELTA_POINTS = "{sign}{points}个百分点"
DELTA_SAME = "持平"
HELP_NO_PREVIOUS = "去年同期没有可比数据，不计算同比。"
DOWNLOAD_XLSX = "下载表格（Excel）"
PAGE_ROWS = 500  # a table shows this many rows at a time; its download has every row
LABEL_PAGE = "页码（共 {pages} 页）"
TABLE_PAGED = "共 {total} 行，每页显示 {rows} 行；完整数据请点「{file}」。"
DOWNLOAD_PNG = "下载图片（PNG）"
GO_TO_IMPORT = "前往数据导入"
MORE_ITEMS = "另有 {n} 项"
SEE_PAGE = "查看「{title}」"


# --- Pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """One page: its file under dashboard/, Chinese title, icon and URL path."""

    path: str
    title: str
    icon: str
    url_path: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/01_overview.py", "总览", ":material/dashboard:", "overview"),
    PageSpec("views/02_coverage.py", "阵地覆盖", ":material/location_on:", "coverage"),
    PageSpec("views/03_service.py", "服务人次", ":material/groups:", "service"),
    PageSpec("views/04_brands.py", "品牌项目", ":material/workspace_premium:", "brands"),
    PageSpec("views/05_satisfaction.py", "群众满意度", ":material/thumb_up:", "satisfaction"),
    PageSpec("views/06_orders.py", "点单服务", ":material/assignment:", "orders"),
    PageSpec("views/07_targets.py", "目标进度", ":material/flag:", "targets"),
    PageSpec("views/08_briefing.py", "简报素材", ":material/description:", "briefing"),
    PageSpec("views/09_data.py", "数据导入与质量", ":material/upload_file:", "data"),
    PageSpec("views/10_mapping.py", "台账格式映射", ":material/table_chart:", "mapping"),
)
PAGE = {spec.url_path: spec for spec in PAGES}


def navigation_pages() -> dict[str, list[st.Page]]:
    """The pages for ``st.navigation`` under the app's name, 总览 first (the default)."""
    return {
        APP_TITLE: [
            st.Page(
                spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=i == 0
            )
            for i, spec in enumerate(PAGES)
        ]
    }


_PAGE, _SWITCHED = "_ui_page", "_ui_switched_page"


def run(page: st.Page) -> None:
    """Run the page ``st.navigation`` picked, noting whether the user has just switched
    to it (the scope bar needs to know)."""
    st.session_state[_SWITCHED] = st.session_state.get(_PAGE) not in (None, page.url_path)
    st.session_state[_PAGE] = page.url_path
    page.run()


def page_link(url_path: str, label: str | None = None, *, help: str | None = None) -> None:
    """A link to one of ``PAGES`` by its URL path (the scope bar keeps the scope)."""
    spec = PAGE[url_path]
    st.page_link(spec.path, label=label or spec.title, icon=spec.icon, help=help)


# Tiles wrap two to a row on a phone; tables scroll sideways inside their own box.
_CSS = """
<style>
[class*="st-key-tiles_"] { align-items: stretch; }
[class*="st-key-tiles_"] > [data-testid="stElementContainer"] { flex: 1 1 11.5rem !important; }
[class*="st-key-tiles_"] [data-testid="stMetric"] { height: 100%; }
[data-testid="stMetricValue"] { font-size: 1.75rem; }
@media (max-width: 640px) {
  [class*="st-key-tiles_"] > [data-testid="stElementContainer"] { flex-basis: 8.5rem !important; }
  [data-testid="stMetric"] { padding: 0.5rem 0.6rem; }
  [data-testid="stMetricValue"] { font-size: 1.35rem; }
  h1 { font-size: 1.6rem !important; }
}
</style>
"""
_CLIENT_OPTIONS = {
    # The built-in menu is in English; error details would show tracebacks; the table
    # CSV export writes formulas as they are. Our own messages and xlsx replace them.
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "client.disableDataExport": True,
}


def style() -> None:
    """Set the app-wide client options and CSS (called by app.py on every run)."""
    # scope_bar assigns its widgets' values in code on a page switch, on purpose; without
    # this, Streamlit logs a stack trace saying so. Not a client option: set directly.
    streamlit_config.set_option("global.disableWidgetStateDuplicationWarning", True)
    changed = False
    for name, value in _CLIENT_OPTIONS.items():
        if st.get_option(name) != value:
            st.set_option(name, value)
            changed = True
    if changed:
        # The browser reads client options when a run starts: rerun once so the first
        # visitor after a restart gets them too.
        st.rerun()
    st.html(_CSS)


# --- The warehouse and cached figures ------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Warehouse:
    # One Warehouse per file for the whole server: it reattaches itself after a rebuild.
    return Warehouse(path)


def warehouse() -> Warehouse:
    """The shared read-only warehouse at ``settings.db_path()``."""
    return _open(str(settings.db_path()))


def _target(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


@st.cache_data(show_spinner=False, max_entries=2000)
def _call(
    path: str,
    stamp: tuple[int, int, int],
    target: str,
    scope: tuple[date, date, str | None] | None,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # The key is small on purpose: the file's stamp stands for its contents.
    module, name = target.split(":")
    fn = getattr(importlib.import_module(module), name)
    args: list[Any] = [_open(path)]
    if scope is not None:
        args.append(Scope(*scope))
    return fn(*args, **dict(kwargs))


def load(fn: Callable[..., T], scope: Scope | None = None, /, **kwargs: Any) -> T:
    """``fn(warehouse, scope, **kwargs)`` (or ``fn(warehouse)``), cached per build.

    ``fn`` is a module-level function of the metrics layer returning plain data; kwargs
    must be hashable. When the query fails the page shows a Chinese message and stops.
    """
    wh = warehouse()
    key = None if scope is None else (scope.date_from, scope.date_to, scope.unit_id)
    with _query_errors(_target(fn)):
        return _call(str(wh.path), wh.stamp, _target(fn), key, tuple(sorted(kwargs.items())))
    raise AssertionError("unreachable")  # _query_errors stops the page


@contextmanager
def _query_errors(what: str) -> Iterator[None]:
    """Turn a failing read into a Chinese message that stops the page."""
    try:
        yield
    except WarehouseMissing:
        _stop_without_data(MSG_NO_WAREHOUSE)
    except (UnknownUnit, WarehouseError) as exc:
        st.warning(str(exc))
        st.stop()
    except Exception as exc:  # a failing query must not show a traceback
        log.exception("query %s failed", what)
        _failed(exc)


def _failed(exc: BaseException) -> None:
    st.error(MSG_QUERY_FAILED, icon=":material/error:")
    with st.expander(MSG_DETAILS):
        st.text(f"{type(exc).__name__}: {exc}")
    st.stop()


def _stop_without_data(message: str) -> None:
    st.info(message, icon=":material/inbox:")
    page_link("data", GO_TO_IMPORT)
    st.stop()


# --- A page's own derivations, cached per build and scope ---------------------------------

_DERIVED: dict[str, Callable[..., Any]] = {}
_ScopeKey = tuple[date, date, str | None]


def _scope_key(scope: Scope) -> _ScopeKey:
    return (scope.date_from, scope.date_to, scope.unit_id)


@st.cache_data(show_spinner=False, max_entries=2000)
def _derive(
    path: str,
    stamp: tuple[int, int, int],
    name: str,
    scope: _ScopeKey,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # ``path`` and ``stamp`` are part of the key only: ``fn`` reads through ``load``.
    return _DERIVED[name](Scope(*scope), **dict(kwargs))


@st.cache_data(show_spinner=False, max_entries=2000)
def _derive_window(
    path: str,
    stamp: tuple[int, int, int],
    name: str,
    scope: _ScopeKey,
    kwargs: tuple[tuple[str, Any], ...],
    start: int,
    stop: int,
) -> tuple[int, list[Any]]:
    # The whole list is computed again for another page rather than kept: at province
    # scale it is tens of thousands of rows, and a cached copy is unpickled on every read.
    rows = _DERIVED[name](Scope(*scope), **dict(kwargs))
    return len(rows), list(rows[start:stop])


@dataclass(frozen=True)
class Rows:
    """The rows of a cached derivation for one scope, read a page at a time
    (``Cached.rows``); ``table`` takes them like a list."""

    name: str
    scope: _ScopeKey
    kwargs: tuple[tuple[str, Any], ...]

    def window(self, start: int, stop: int) -> tuple[int, list[Any]]:
        """(how many rows there are, rows ``start:stop``), cached per build."""
        wh = warehouse()
        return _derive_window(
            str(wh.path), wh.stamp, self.name, self.scope, self.kwargs, start, stop
        )

    def all(self) -> list[Any]:
        """Every row (for a download: computed when asked for, not cached)."""
        return list(_DERIVED[self.name](Scope(*self.scope), **dict(self.kwargs)))


class Cached:
    """A page's derivation ``fn(scope, **kwargs)`` from ``load``ed figures, cached per
    build and scope (see ``cached``)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
        _DERIVED[self.name] = fn  # the latest run's function: it reads that run's globals

    def __call__(self, scope: Scope, /, **kwargs: Any) -> Any:
        wh = warehouse()
        key = tuple(sorted(kwargs.items()))
        return _derive(str(wh.path), wh.stamp, self.name, _scope_key(scope), key)

    def rows(self, scope: Scope, /, **kwargs: Any) -> Rows:
        """The derivation's rows, for ``table`` to read one page at a time."""
        return Rows(self.name, _scope_key(scope), tuple(sorted(kwargs.items())))


def cached(fn: Callable[..., Any]) -> Cached:
    """Cache a page's own derivation ``fn(scope, **kwargs)`` per build and scope.

    ``fn`` reads figures with ``load`` and returns plain data. Call the result for a small
    value (it is unpickled on every rerun); pass ``.rows(scope)`` to ``table`` for a list
    that may run to thousands of rows (only the page shown is kept and read).
    """
    return Cached(fn)


# --- Guards ----------------------------------------------------------------------------------


def guard(condition: Any, message: str) -> None:
    """Stop the page with ``message`` (st.info) unless ``condition`` holds."""
    if not condition:
        st.info(message, icon=":material/info:")
        st.stop()


# --- Scope bar ------------------------------------------------------------------------------


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


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def same_period_last_year(scope: Scope) -> Scope:
    """The scope shifted back one year: what 同比 compares with."""
    return Scope(_year_before(scope.date_from), _year_before(scope.date_to), scope.unit_id)


def last_days(scope: Scope, days: int) -> Scope:
    """The scope's unit over the last ``days`` days up to the as-of date."""
    end = as_of()
    return Scope(end - timedelta(days=days - 1), end, scope.unit_id)


def as_of() -> date:
    """The build's as-of date (today only for a warehouse without a manifest)."""
    info = build_info()
    return info["as_of"].date() if info["as_of"] else date.today()


def period_anchor() -> date:
    """The day the period presets count back from: the as-of date, unless its year holds
    no activity; then the last activity date, so 本年 opens on the latest year with data."""
    day, until = as_of(), build_info().get("data_until")
    if until is not None and until.year < day.year:
        return until
    return day


def scope_bar(*, require_data: bool = True) -> Scope | None:
    """Render the one scope bar and return the scope it selects.

    Period preset and unit live in the URL (``?period=本季度&unit=峡窝镇新时代文明实践所``:
    a bound widget writes its option's label) and in the session, so every page opens on
    the same scope and a link can be shared. With no warehouse (or an empty one)
    it shows how to import data and stops the page, or returns None when
    ``require_data`` is False (the import page).
    """
    if not warehouse().path.is_file():
        if not require_data:
            return None
        _stop_without_data(MSG_NO_WAREHOUSE)
    tree = unit_tree()
    if not len(tree):
        if not require_data:
            return None
        _stop_without_data(MSG_EMPTY_WAREHOUSE)
    today = period_anchor()

    # Streamlit 1.67 drops a bound value that came from the URL (a deep link) when the
    # user switches pages with st.page_link: the new page's widget finds no parameter and
    # falls back to its default. Assigning the value in code first makes it win over the
    # missing parameter. Only on a page switch: on other reruns the assignment would keep
    # a callback's new value (drill_down) out of the URL.
    if st.session_state.get(_SWITCHED):
        for key in SCOPE_KEYS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    current = _picked_unit(tree)
    searchable = len(tree) > PICKER_LIMIT  # else the picker lists every unit: type to filter
    query = st.session_state.get("unit_search", "").strip() if searchable else ""
    if query:
        found, matches = tree.search(query, SEARCH_LIMIT)
        options = ["", *dict.fromkeys([*([current] if current else []), *matches])]
    else:
        options = ["", *tree.picker_options(current, PICKER_LIMIT)]
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
            format_func=lambda unit_id: tree.labels.get(unit_id, ALL_UNITS),
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
    if query:
        st.caption(
            SEARCH_NONE.format(text=query)
            if not found
            else SEARCH_FOUND.format(text=query, n=f"{found:,}")
            + (SEARCH_MORE.format(shown=len(matches)) if found > len(matches) else "")
        )
    if preset == "custom" and (not custom or len(custom) != 2):
        guard(False, MSG_PICK_END)
    date_from, date_to = period_dates(preset or DEFAULT_PERIOD, today, custom)
    scope = Scope(date_from, date_to, unit_id or None)
    st.caption(
        SCOPE_LINE.format(
            date_from=format_date(date_from),
            date_to=format_date(date_to),
            unit=UNIT_PATH_SEP.join(tree.name(u) for u in tree.path(unit_id))
            if unit_id
            else ALL_UNITS,
        )
    )
    return scope


def _end_search() -> None:
    # a unit picked from the search's results: the picker goes back to the tree around it
    st.session_state["unit_search"] = ""


def _picked_unit(tree: UnitTree) -> str | None:
    """The unit the picker shows on this run, read before the picker is drawn so that
    its options can be the ones around it: the session's choice (a pick, a drill-down,
    a page switch), else the URL's ``?unit=`` label (a deep link)."""
    if "unit" in st.session_state:
        unit_id = st.session_state["unit"]
    else:
        unit_id = tree.by_label.get(st.query_params.get("unit", ""))
    return unit_id if unit_id in tree else None


def unit_name(unit_id: str | None) -> str:
    """The unit's name, or 全部阵地 for the whole warehouse."""
    return unit_tree().name(unit_id) if unit_id else ALL_UNITS


@st.cache_resource(show_spinner=False, max_entries=4)
def _tree(path: str, stamp: tuple[int, int, int]) -> UnitTree:
    # Shared, not copied: cache_data would unpickle 55 k units on every rerun.
    return UnitTree(_open(path).units())


def unit_tree() -> UnitTree:
    """The warehouse's unit tree, built once per build and shared by every session
    (read it, never change it)."""
    wh = warehouse()
    with _query_errors("units"):
        return _tree(str(wh.path), wh.stamp)
    raise AssertionError("unreachable")  # _query_errors stops the page


# --- Title and freshness ------------------------------------------------------------------


def title(text: str) -> None:
    """The page title and the line saying how fresh the data is."""
    st.title(text, anchor=False)
    freshness()


def freshness() -> None:
    """数据截至 (the build's as-of) and when the last files were imported."""
    if not warehouse().path.is_file():
        return
    info = build_info()
    if info["as_of"] is None:
        return
    files = FRESHNESS_FILES.format(n=info["files"]) if info["files"] else ""
    built = info["built_at"]
    st.caption(
        FRESHNESS.format(
            as_of=format_date(info["as_of"]),
            built_at=f"{format_date(built)} {built:%H:%M}" if built else UNKNOWN,
            files=files,
        )
    )


def build_info() -> dict[str, Any]:
    """``{as_of, built_at, files}`` of the warehouse's latest build (cached per build)."""
    return load(read_build_info)


# --- Tiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One headline figure as shown: value written, change, and the hover text."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    unchanged: bool = False


NOT_COMPARED = object()  # tile(): the figure has no 同比 (an inventory, say)


def _fraction(value: Any) -> Decimal:
    return Decimal(str(value))


def tile(
    label: str,
    value: Any,
    fmt: Callable[[Any], str],
    *,
    previous: Any = NOT_COMPARED,
    rate: bool = False,
    unknown_reason: str | None = None,
    help: str | None = None,
) -> Tile:
    """A tile for ``value`` written by ``fmt``, with its change against ``previous``.

    A count changes by a percentage of ``previous`` (none when it was 0 or None: the
    hover says there is nothing to compare with); a rate (``rate=True``) by percentage
    points. Without ``previous`` the tile is not compared. An unknown value (None) shows
    "—" and says why on hover; it never shows as 0.
    """
    if value is None:
        return Tile(label, UNKNOWN, None, _notes(unknown_reason, help))
    delta = change = None
    notes = [help]
    if previous is NOT_COMPARED:
        pass
    elif previous is None or (not rate and previous == 0):
        notes.append(HELP_NO_PREVIOUS)
    elif rate:
        change = _fraction(value) - _fraction(previous)
        points = format_percent(change).rstrip("%")
        delta = DELTA_POINTS.format(sign="+" if change > 0 else "", points=points)
    else:
        change = (_fraction(value) - _fraction(previous)) / _fraction(previous)
        delta = ("+" if change > 0 else "") + format_percent(change)
    if change == 0:
        delta = DELTA_SAME
    return Tile(label, fmt(value), delta, _notes(*notes), unchanged=change == 0)


def _notes(*notes: str | None) -> str | None:
    return "\n\n".join(note for note in notes if note) or None


@dataclass(frozen=True)
class TileSpec:
    """How to show one figure as a tile: its key in the figures dict, label, writer,
    whether it is a rate (its change is in percentage points), why it may be unknown
    and what it counts (the hover text)."""

    key: str
    label: str
    fmt: Callable[[Any], str]
    rate: bool = False
    unknown: str | None = None
    help: str | None = None


def compare(
    specs: Iterable[TileSpec],
    now: Mapping[str, Any],
    before: Mapping[str, Any],
    reasons: Mapping[str, str | None] | None = None,
) -> list[Tile]:
    """One tile per spec: ``now[key]`` against ``before[key]`` (same period last year).

    ``reasons`` overrides a spec's ``unknown`` text (e.g. why coverage is unknown).
    """
    reasons = reasons or {}
    return [
        tile(
            spec.label,
            now.get(spec.key),
            spec.fmt,
            previous=before.get(spec.key),
            rate=spec.rate,
            unknown_reason=reasons.get(spec.key) or spec.unknown,
            help=spec.help,
        )
        for spec in specs
    ]


def figure_switch(
    figures: Mapping[str, tuple[str, Any]], *, key: str, default: str = "person_times"
) -> str:
    """Which figure a trend shows: ``figures`` maps a key to (Chinese label, formatter)."""
    return st.segmented_control(
        "指标",
        list(figures),
        format_func=lambda name: figures[name][0],
        default=default,
        required=True,
        key=key,
        persist_state="session",
    )


def tiles(items: Iterable[Tile], *, key: str) -> None:
    """The tiles side by side, wrapping (two to a row on a phone)."""
    with st.container(horizontal=True, key=f"tiles_{key}", gap="small"):
        for item in items:
            st.metric(
                item.label,
                item.value,
                delta=item.delta,
                delta_color="off" if item.unchanged else "normal",
                delta_arrow="off" if item.unchanged else "auto",
                delta_description=DELTA_LABEL if item.delta else None,
                help=item.help,
                border=True,
                width="stretch",
            )


def alert(headline: str, items: Sequence[str], page: str, *, key: str, limit: int = 5) -> None:
    """A boxed notice: headline, the first ``limit`` items, and a link to the page that
    has the rest (``page`` is a URL path of ``PAGES``)."""
    with st.container(border=True, key=key):
        if items:
            st.markdown(f"**:material/warning: {headline}**")
            st.markdown("\n".join(f"- {item}" for item in items[:limit]))
            if len(items) > limit:
                st.caption(MORE_ITEMS.format(n=len(items) - limit))
        else:
            st.markdown(f":material/check_circle: {headline}")
        page_link(page, SEE_PAGE.format(title=PAGE[page].title))


# --- Tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: row key, Chinese header, how the app writes it, Excel format.

    ``fmt`` None shows the value as it is; ``excel`` is an xlsx number format such as
    ``"#,##0"``, ``"0.0%"`` or ``"0.00"`` (the download keeps numbers as numbers).
    """

    key: str
    label: str
    fmt: Callable[[Any], str] | None = None
    excel: str | None = None


def _shown(value: Any, column: Column) -> Any:
    if column.fmt is not None:
        return column.fmt(value)
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{format_date(value)} {value:%H:%M}"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return value


def table(
    rows: Sequence[Mapping[str, Any]] | Rows,
    columns: Sequence[Column],
    *,
    key: str,
    file_name: str,
    height: int | str = "auto",
    on_select: Callable[[], None] | None = None,
    page_rows: int | None = None,
) -> None:
    """The rows as a scrolling table, written the Chinese way, with an xlsx download.

    More than ``page_rows`` (``PAGE_ROWS``) rows are shown a page at a time, with a note saying so; the
    download always has every row. ``rows`` may be a list or a cached derivation's
    ``Rows`` (only the page shown is read). ``on_select`` makes rows selectable (one at
    a time, never paged); the callback reads ``st.session_state[key].selection.rows``.
    """
    page_rows = page_rows or PAGE_ROWS
    if on_select is not None and not isinstance(rows, Rows):
        page_rows = max(page_rows, len(rows))  # a selection indexes the rows as given
    page_key = f"{key}_page"
    total, shown, pages = _page(rows, page_key, page_rows)
    data = {c.label: [_shown(row.get(c.key), c) for row in shown] for c in columns}
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "single-row"}
    if isinstance(height, int):
        height = min(height, 35 * len(shown) + 38)
    st.dataframe(data, key=key, hide_index=True, height=height, width="stretch", **kwargs)
    everything = rows.all if isinstance(rows, Rows) else lambda snapshot=list(rows): snapshot
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"{key}_foot"):
        st.download_button(
            DOWNLOAD_XLSX,
            data=lambda: to_xlsx(everything(), columns, sheet=file_name),
            file_name=f"{file_name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            on_click="ignore",
            icon=":material/download:",
        )
        if pages > 1:
            st.number_input(
                LABEL_PAGE.format(pages=pages),
                min_value=1,
                max_value=pages,
                step=1,
                key=page_key,
                width=160,
            )
            st.caption(TABLE_PAGED.format(total=f"{total:,}", rows=page_rows, file=DOWNLOAD_XLSX))


def _page(
    rows: Sequence[Mapping[str, Any]] | Rows, page_key: str, page_rows: int
) -> tuple[int, Sequence[Mapping[str, Any]], int]:
    """(how many rows in all, the rows of the page picked under the table, the pages)."""
    page = st.session_state.get(page_key, 1)
    while True:
        start, stop = (page - 1) * page_rows, page * page_rows
        if isinstance(rows, Rows):
            total, shown = rows.window(start, stop)
        else:
            total, shown = len(rows), rows[start:stop]
        pages = max(1, -(-total // page_rows))
        if page <= pages:
            break
        page = 1  # the scope changed under a later page: back to the first
    if pages == 1:
        st.session_state.pop(page_key, None)
    else:
        st.session_state[page_key] = page
    return total, shown, pages


def to_xlsx(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, sheet: str) -> bytes:
    """The table as an xlsx workbook (``dashboard.xlsx``): the columns in order under their
    Chinese headers, numbers as numbers, every string as text (never a formula)."""
    table_rows = [{c.key: row.get(c.key) for c in columns} for row in rows]
    return xlsx.to_xlsx(
        {sheet: table_rows},
        labels={c.key: c.label for c in columns},
        number_formats={c.key: c.excel for c in columns if c.excel},
    )


# --- Charts ---------------------------------------------------------------------------------

_PLOTLY_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def chart(fig: Any, *, key: str, file_name: str, source: str = APP_TITLE) -> None:
    """The plotly figure, with a PNG download (print size, with a source line under the
    chart) rendered only when it is clicked: an export starts a Chromium."""
    st.plotly_chart(fig, key=key, theme=None, config=_PLOTLY_CONFIG, width="stretch")
    source_line = charts.source_text(source, as_of())
    st.download_button(
        DOWNLOAD_PNG,
        data=lambda: charts.to_png(charts.with_source_line(fig, source_line)),
        file_name=f"{file_name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
    )


# --- Adapter: the build's stamps, which the metrics layer does not offer (yet) ---------------
# Called through ``load``; the SQL belongs in dashboard.metrics or Warehouse.


def read_build_info(wh: Warehouse) -> dict[str, Any]:
    """``{as_of, built_at, files, data_until}`` of the latest build (see Warehouse.build_info)."""
    return wh.build_info()
