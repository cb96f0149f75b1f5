"""The app's shell: its pages (and who may open each), the page run, links between pages,
the client options and CSS, and the guards that stop a page with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import streamlit as st
from streamlit import config as streamlit_config

from dashboard import signin
from dashboard.accounts import ADMIN, CLERK, ROLES, Account

APP_TITLE = "文明实践数据看板"
# served by the app itself: a Material icon as page_icon is fetched from fonts.gstatic.com,
# which an office network without internet cannot reach
APP_ICON = str(Path(__file__).resolve().parent / "assets" / "icon.png")
MSG_NO_WAREHOUSE = (
    "还没有数据：数据仓库尚未建立。请先在「数据导入与质量」页导入台账文件，或运行 `wenming build`。"
)
MSG_EMPTY_WAREHOUSE = "数据仓库是空的：还没有导入任何阵地。请先在「数据导入与质量」页导入台账文件。"
MSG_EMPTY_SCOPE = "所选期间和阵地范围内没有活动记录。可在上方换一个统计期间或阵地范围。"
MSG_NOT_ALLOWED = "本账号（{role}）不能使用「{title}」页，请从左侧选择其他页面。"
GO_TO_IMPORT = "前往数据导入"
FORWARDING = "正在打开总览"  # the title of the page that forwards an unknown path
MSG_PAGE_NOT_FOUND = "没有找到页面“/{path}”，已打开「{title}」。可从左侧选择其他页面。"


# --- Pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """One page: its file under dashboard/, Chinese title, icon, URL path and the roles
    that may open it."""

    path: str
    title: str
    icon: str
    url_path: str
    roles: tuple[str, ...] = ROLES
    scope_bar: bool = True  # the page opens with the scope bar (drawn by ``run``)
    needs_data: bool = True  # without a warehouse the page stops (else it opens without)
    section: str = ""  # the sidebar's heading above the page (filled in below)


# the sidebar's headings, in order; every page is listed (Streamlit folds a long list
# behind an English "View N more" unless the navigation is expanded)
SECTIONS = {
    "工作概况": ("overview", "coverage", "service", "brands", "satisfaction", "orders"),
    "考核与排名": ("targets", "ranking", "five-haves", "honor-lists"),
    "清单与积分": ("three-lists", "volunteers"),
    "简报与核查": ("briefing", "integrity"),
    "数据管理": ("data", "mapping", "accounts"),
}


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/01_overview.py", "总览", ":material/dashboard:", "overview"),
    PageSpec("views/02_coverage.py", "阵地覆盖", ":material/location_on:", "coverage"),
    PageSpec("views/03_service.py", "服务人次", ":material/groups:", "service"),
    PageSpec("views/04_brands.py", "品牌项目", ":material/workspace_premium:", "brands"),
    PageSpec("views/05_satisfaction.py", "群众满意度", ":material/thumb_up:", "satisfaction"),
    PageSpec("views/06_orders.py", "点单服务", ":material/assignment:", "orders"),
    PageSpec("views/07_targets.py", "目标进度", ":material/flag:", "targets"),
    PageSpec("views/12_ranking.py", "排名", ":material/leaderboard:", "ranking"),
    PageSpec("views/08_briefing.py", "简报素材", ":material/description:", "briefing"),
    PageSpec("views/14_five_haves.py", "五有达标", ":material/verified:", "five-haves"),
    PageSpec("views/15_honor_lists.py", "红灰黑榜", ":material/military_tech:", "honor-lists"),
    PageSpec("views/16_three_lists.py", "三张清单", ":material/checklist:", "three-lists"),
    PageSpec("views/17_volunteers.py", "志愿者与积分", ":material/redeem:", "volunteers"),
    PageSpec("views/18_integrity.py", "数据可信度", ":material/fact_check:", "integrity"),
    # a 填报员 uploads for the home subtree and withdraws own files; rebuilds, folder
    # imports, conflict decisions and others' files: the page and dashboard.ledgers check
    PageSpec(
        "views/09_data.py",
        "数据导入与质量",
        ":material/upload_file:",
        "data",
        (ADMIN, CLERK),
        needs_data=False,
    ),
    PageSpec(
        "views/11_mapping.py",
        "台账格式映射",
        ":material/table_chart:",
        "mapping",
        (ADMIN,),
        needs_data=False,
    ),
    PageSpec(
        "views/10_accounts.py",
        "账号与日志",
        ":material/manage_accounts:",
        "accounts",
        (ADMIN,),
        scope_bar=False,
    ),
)
_SECTION_OF = {path: name for name, paths in SECTIONS.items() for path in paths}
PAGES = tuple(
    replace(spec, section=_SECTION_OF[spec.url_path])
    for name in SECTIONS
    for spec in PAGES
    if _SECTION_OF[spec.url_path] == name
)
PAGE = {spec.url_path: spec for spec in PAGES}


def navigation_pages(account: Account | None) -> dict[str, list[st.Page]]:
    """The pages for ``st.navigation`` under the app's name, 总览 first (the default):
    those the account's role may open (every page while the sign-in form shows, so
    that a deep link still names its page after signing in), and, when the browser
    asked for a path no page has, a hidden page there that sends it on to 总览."""
    # the default page is served at / only; its own name (/overview) is forwarded there
    sections: dict[str, list[st.Page]] = {}
    for i, spec in enumerate(PAGES):
        if account is None or account.role in spec.roles:
            sections.setdefault(spec.section, []).append(
                st.Page(
                    spec.path,
                    title=spec.title,
                    icon=spec.icon,
                    url_path="" if i == 0 else spec.url_path,
                    default=i == 0,
                )
            )
    pages = [page for section in sections.values() for page in section]
    # st.context.url leaves out a path the last run had a page for: the forwarding
    # page's own, on the rerun before it ran (the client options' rerun, the sign-in)
    unknown = _unknown_path({p.url_path for p in pages if p.url_path})
    unknown = unknown or st.session_state.get(_FORWARD, "")
    if unknown:
        st.session_state[_FORWARD] = unknown
        # Streamlit answers a path it does not know with an English "Page not found"
        # dialog (commands/navigation.py, send_page_not_found); a page at that path
        # is found, so the dialog never shows.
        next(iter(sections.values())).append(
            st.Page(
                _forward(unknown, account),
                title=FORWARDING,
                url_path=unknown,
                visibility="hidden",
            )
        )
    return sections


def _unknown_path(known: set[str]) -> str:
    """The page path of the browser's URL when no page has it ("" for the default page or
    a known one). ``st.context.url`` leaves a known page's path out; a path of several
    segments cannot be a page's (Streamlit shows its own dialog there)."""
    path = urlparse(st.context.url or "").path.strip("/")
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    if base and (path == base or path.startswith(f"{base}/")):
        path = path[len(base) :].strip("/")
    if not path or "/" in path or path in known:
        return ""
    return path


def _forward(path: str, account: Account | None) -> Callable[[], None]:
    """A page that opens 总览 with the URL's scope, saying why: the path names no page,
    or a page the account may not open (nothing to say for /overview: 总览's own name,
    which Streamlit serves at / only)."""

    def forward() -> None:
        st.session_state.pop(_FORWARD, None)
        spec = PAGE.get(path)
        if spec is None:
            notice = MSG_PAGE_NOT_FOUND.format(path=unquote(path), title=PAGES[0].title)
            st.session_state[_NOTICE] = {"text": notice, "shown": False}
        elif spec is not PAGES[0] and account is not None:
            notice = MSG_NOT_ALLOWED.format(role=account.role, title=spec.title)
            st.session_state[_NOTICE] = {"text": notice, "shown": False}
        st.switch_page(PAGES[0].path, query_params=st.query_params.to_dict())

    return forward


_PAGE = "_ui_page"
SWITCHED = "_ui_switched_page"  # session key: the user has just switched to this page
_NOTICE = "_ui_notice"  # session key: a notice for the next page shown (a path not found)
_FORWARD = "_ui_forward"  # session key: the unknown path being forwarded to 总览


def _notice() -> str | None:
    """The notice the forwarding page left (a path not found), shown on the page it led to
    for as long as the user stays there: that page may rerun by itself (a figure computed
    in the background), and the notice must not vanish with the first rerun."""
    notice = st.session_state.get(_NOTICE)
    if notice is None:
        return None
    if notice["shown"] and st.session_state.get(SWITCHED):
        del st.session_state[_NOTICE]  # the user has moved on
        return None
    notice["shown"] = True
    return notice["text"]


def run(page: st.Page, account: Account) -> None:
    """Run the page ``st.navigation`` picked for ``account``, noting whether the user has
    just switched to it (the scope bar needs to know)."""
    if page.title == FORWARDING:
        page.run()  # a path no page of the account has: on to 总览 (_forward)
        return
    st.session_state[SWITCHED] = st.session_state.get(_PAGE) not in (None, page.url_path)
    st.session_state[_PAGE] = page.url_path
    spec = PAGE[page.url_path or PAGES[0].url_path]
    if account.role not in spec.roles:
        st.error(
            MSG_NOT_ALLOWED.format(role=account.role, title=spec.title), icon=":material/block:"
        )
        st.stop()
    notice = _notice()
    if notice:
        st.warning(notice, icon=":material/info:")
    if not spec.scope_bar:
        page.run()
        return
    # The scope bar is drawn here, by the entrypoint, and the page's own ``scope_bar()``
    # call returns what it picked: Streamlit keeps a bound URL parameter across a page
    # switch only when its widget belongs to the new page or to the entrypoint (the
    # sidebar link would otherwise leave a bare /brands behind and Back would land on
    # the wrong scope; streamlit/streamlit#14350, runtime/state/query_params.py
    # populate_from_query_string). Imported here: scopebar imports this module.
    from dashboard import scopebar

    with scopebar.drawn_first(require_data=spec.needs_data):
        page.run()


MSG_ROLE_NEEDED = "只有{roles}可以执行这一操作。本账号的角色是{role}。"


def has_role(*roles: str) -> bool:
    """Whether the signed-in account has one of ``roles`` (单机模式 acts as 管理员); its
    session is checked again, so a callback may ask too."""
    account = signin.verified()
    return account is not None and account.role in roles


def require_role(*roles: str) -> None:
    """Stop the page with a Chinese message unless the account has one of ``roles``
    (a page that offers several actions guards each: e.g. ``require_role(ADMIN)``
    before a rebuild, ``require_role(ADMIN, CLERK)`` before an upload)."""
    if not has_role(*roles):
        account = signin.current()
        role = account.role if account else "未登录"
        st.error(MSG_ROLE_NEEDED.format(roles="、".join(roles), role=role), icon=":material/block:")
        st.stop()


def allowed(url_path: str) -> bool:
    """Whether the signed-in account may open the page ``url_path``."""
    account = signin.current()
    return account is not None and account.role in PAGE[url_path].roles


def page_link(
    url_path: str,
    label: str | None = None,
    *,
    help: str | None = None,
    section: str | None = None,
) -> None:
    """A link to one of ``PAGES`` by its URL path (the scope bar keeps the scope); none
    to a page the account may not open. ``section`` (``?section=…``) names the part of
    the page to open on."""
    if not allowed(url_path):
        return
    spec = PAGE[url_path]
    query = {SECTION_PARAM: section} if section else None
    st.page_link(
        spec.path, label=label or spec.title, icon=spec.icon, help=help, query_params=query
    )


SECTION_PARAM = "section"

# Tiles wrap two to a row on a phone; tables scroll sideways inside their own box.
_CSS = """
<style>
[class*="st-key-tiles_"] { align-items: stretch; }
[class*="st-key-tiles_"] > [data-testid="stElementContainer"] { flex: 1 1 11.5rem !important; }
[class*="st-key-tiles_"] [data-testid="stMetric"] { height: 100%; }
[data-testid="stMetricValue"] { font-size: 1.75rem; }
/* the toolbars over tables and charts and the grid's search box speak English
   (Streamlit has no locale for them): hidden; widgets.table offers 搜索 and 下载表格
   under a table, widgets.chart 下载图片 under a chart */
[data-testid="stElementToolbar"], .gdg-search-bar { display: none !important; }
/* a text box's copy button shows only on hover, and a phone has no hover */
[data-testid="stCode"] div:has(> div > [data-testid="stElementToolbarButton"]),
[data-testid="stCode"] div:has(> [data-testid="stElementToolbarButton"]),
[data-testid="stCode"] [data-testid="stElementToolbarButton"],
[data-testid="stCode"] [data-testid="stElementToolbarButton"] * {
  visibility: visible !important; opacity: 1 !important;
}
[data-testid="stCode"] pre { padding-right: 2.75rem !important; }  /* text clears it */
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


# --- Guards ----------------------------------------------------------------------------------


def guard(condition: Any, message: str) -> None:
    """Stop the page with ``message`` (st.info) unless ``condition`` holds."""
    if not condition:
        st.info(message, icon=":material/info:")
        st.stop()


def stop_without_data(message: str) -> None:
    """Say there is no data (and where to import it) and stop the page."""
    st.info(message, icon=":material/inbox:")
    page_link("data", GO_TO_IMPORT)
    st.stop()
