"""The app's shell: its pages (and who may open each), the page run, links between pages,
the client options and CSS, and the guards that stop a page with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit import config as streamlit_config

from dashboard import signin
from dashboard.accounts import ADMIN, CLERK, ROLES, Account

APP_TITLE = "文明实践数据看板"
MSG_NO_WAREHOUSE = (
    "还没有数据：数据仓库尚未建立。请先在「数据导入与质量」页导入台账文件，或运行 `wenming build`。"
)
MSG_EMPTY_WAREHOUSE = "数据仓库是空的：还没有导入任何阵地。请先在「数据导入与质量」页导入台账文件。"
MSG_EMPTY_SCOPE = "所选期间和阵地范围内没有活动记录。可在上方换一个统计期间或阵地范围。"
MSG_NOT_ALLOWED = "本账号（{role}）不能使用「{title}」页，请从左侧选择其他页面。"
GO_TO_IMPORT = "前往数据导入"


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
    # a 填报员 uploads for the home subtree and withdraws own files; rebuilds, folder
    # imports, conflict decisions and others' files: the page and dashboard.ledgers check
    PageSpec(
        "views/09_data.py", "数据导入与质量", ":material/upload_file:", "data", (ADMIN, CLERK)
    ),
    PageSpec("views/11_mapping.py", "台账格式映射", ":material/table_chart:", "mapping", (ADMIN,)),
    PageSpec(
        "views/10_accounts.py", "账号与日志", ":material/manage_accounts:", "accounts", (ADMIN,)
    ),
)
PAGE = {spec.url_path: spec for spec in PAGES}


def navigation_pages(account: Account | None) -> dict[str, list[st.Page]]:
    """The pages for ``st.navigation`` under the app's name, 总览 first (the default):
    those the account's role may open (every page while the sign-in form shows, so
    that a deep link still names its page after signing in)."""
    return {
        APP_TITLE: [
            st.Page(
                spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=i == 0
            )
            for i, spec in enumerate(PAGES)
            if account is None or account.role in spec.roles
        ]
    }


_PAGE = "_ui_page"
SWITCHED = "_ui_switched_page"  # session key: the user has just switched to this page


def run(page: st.Page, account: Account) -> None:
    """Run the page ``st.navigation`` picked for ``account``, noting whether the user has
    just switched to it (the scope bar needs to know)."""
    st.session_state[SWITCHED] = st.session_state.get(_PAGE) not in (None, page.url_path)
    st.session_state[_PAGE] = page.url_path
    spec = PAGE.get(page.url_path)
    if spec is not None and account.role not in spec.roles:
        st.error(
            MSG_NOT_ALLOWED.format(role=account.role, title=spec.title), icon=":material/block:"
        )
        st.stop()
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


def page_link(url_path: str, label: str | None = None, *, help: str | None = None) -> None:
    """A link to one of ``PAGES`` by its URL path (the scope bar keeps the scope); none
    to a page the account may not open."""
    if not allowed(url_path):
        return
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
