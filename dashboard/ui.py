"""The thin Streamlit layer every page shares, as one name: ``from dashboard import ui``.

It gathers four modules: ``shell`` (pages, who may open them, links, guards), ``cache``
(the account's ``Reader`` and cached figures), ``scopebar`` (period and unit, clipped to
the account's scope) and ``widgets`` (title, tiles, tables, charts, downloads).

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

Every figure goes through the signed-in account's ``Reader`` (``cache.load``): a page
cannot show rows outside the account's subtree. Nothing here writes the warehouse.
"""

from __future__ import annotations

from dashboard.accounts import ADMIN, CLERK, LEADER
from dashboard.cache import (
    ALL_UNITS,
    MSG_QUERY_FAILED,
    Cached,
    Rows,
    as_of,
    build_info,
    cached,
    home_name,
    load,
    load_later,
    load_shared,
    period_anchor,
    read_build_info,
    reader,
    unit_name,
    unit_tree,
    warehouse,
)
from dashboard.comparison import previous_period
from dashboard.integrity_marks import mark_flagged
from dashboard.scopebar import (
    DEFAULT_PERIOD,
    PERIOD_LABELS,
    SCOPE_KEYS,
    last_days,
    period_dates,
    same_period_last_year,
    scope_bar,
)
from dashboard.shell import (
    APP_ICON,
    APP_TITLE,
    MSG_EMPTY_SCOPE,
    MSG_EMPTY_WAREHOUSE,
    MSG_NO_WAREHOUSE,
    PAGE,
    PAGES,
    PageSpec,
    allowed,
    guard,
    has_role,
    navigation_pages,
    page_link,
    require_role,
    run,
    style,
)
from dashboard.signin import current as account
from dashboard.widgets import (
    DOWNLOAD_PNG,
    DOWNLOAD_XLSX,
    HELP_NO_PREVIOUS,
    NOT_COMPARED,
    PAGE_ROWS,
    Column,
    Tile,
    TileSpec,
    alert,
    chart,
    compare,
    download,
    figure_switch,
    figure_tile,
    freshness,
    table,
    tile,
    tiles,
    title,
    to_xlsx,
    with_period_change,
)

__all__ = [
    "ADMIN",
    "ALL_UNITS",
    "APP_ICON",
    "APP_TITLE",
    "CLERK",
    "DEFAULT_PERIOD",
    "DOWNLOAD_PNG",
    "DOWNLOAD_XLSX",
    "HELP_NO_PREVIOUS",
    "LEADER",
    "MSG_EMPTY_SCOPE",
    "MSG_EMPTY_WAREHOUSE",
    "MSG_NO_WAREHOUSE",
    "MSG_QUERY_FAILED",
    "NOT_COMPARED",
    "PAGE",
    "PAGES",
    "PAGE_ROWS",
    "PERIOD_LABELS",
    "SCOPE_KEYS",
    "Cached",
    "Column",
    "PageSpec",
    "Rows",
    "Tile",
    "TileSpec",
    "account",
    "alert",
    "allowed",
    "as_of",
    "build_info",
    "cached",
    "chart",
    "compare",
    "download",
    "figure_switch",
    "figure_tile",
    "freshness",
    "guard",
    "has_role",
    "home_name",
    "last_days",
    "load",
    "load_later",
    "load_shared",
    "mark_flagged",
    "navigation_pages",
    "page_link",
    "period_anchor",
    "period_dates",
    "read_build_info",
    "reader",
    "require_role",
    "run",
    "same_period_last_year",
    "scope_bar",
    "style",
    "table",
    "tile",
    "tiles",
    "title",
    "to_xlsx",
    "unit_name",
    "unit_tree",
    "warehouse",
    "with_period_change",
    "previous_period",
]
