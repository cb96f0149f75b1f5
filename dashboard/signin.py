"""Who is signed in: the sign-in page, the session record, 退出登录 and the 单机模式 line.

With no account in the store the app runs as before, as 管理员 over every unit, and says
单机模式（未启用登录） on every page. Once an account exists every page needs sign-in.
The browser session keeps only a random token; the account, its idle clock and whether
the session has ended live in the account store (``Store.resume``), so nothing the
browser sends can extend or forge a session; the browser keeps the token in a session
cookie only so that a refresh stays signed in (``_write_cookie``). Where Streamlit's ``[auth]`` secrets are
configured, ``st.login`` (OIDC) can sign in instead: the local account with the same
name gives role and unit (``accounts.sso_name``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import streamlit as st

from dashboard import audit
from dashboard.accounts import ADMIN, Account, AccountError, Store, sso_name
from pipelines import settings

TITLE = "登录文明实践数据看板"
LABEL_USER = "用户名"
LABEL_PASSWORD = "密码"
BUTTON_SIGN_IN = "登录"
BUTTON_SSO = "使用单位统一身份认证登录"
BUTTON_SIGN_OUT = "退出登录"
MSG_FILL = "请输入用户名和密码。"
SINGLE_MODE = "单机模式（未启用登录）"
HELP_SINGLE = (
    "还没有任何账号，看板只在本机提供服务、不需要登录。"
    "新建第一个管理员：wenming user add 用户名 --role 管理员"
)
MSG_LOCAL_ONLY = (
    "单机模式（未启用登录）只允许在本机访问。要在内网提供服务，请先在服务器上新建管理员："
    "wenming user add 用户名 --role 管理员"
)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MSG_STORE_BROKEN = (
    "账号库文件无法读取（{path}），为安全起见暂停服务。请管理员检查该文件，或从备份恢复。"
)
SIGNED_IN_AS = "当前账号：{display_name}（{role} · {scope}）"
LOCAL_USER = "本机"
SIGNED_OUT = "已退出登录。"

_SCOPE_KEYS = ("unit", "unit_search")  # the scope bar's unit pick (scopebar.SCOPE_KEYS)
_TOKEN, _ACCOUNT, _NOTICE = "_signin_token", "_signin_account", "_signin_notice"
# the browser keeps the token in a cookie so that a refresh stays signed in (_write_cookie)
COOKIE_NAME = "wenming_session"
_COOKIE, _COOKIE_READ = "_signin_cookie", "_signin_cookie_read"
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{20,128}")  # secrets.token_urlsafe
_COOKIE_SCRIPT = (
    '<script>document.cookie = "{name}={value}; Path=/; SameSite=Strict{expiry}"'
    ' + (location.protocol === "https:" ? "; Secure" : "");</script>'
)
# single-machine mode: whoever holds the machine holds the files, as on the command line
SINGLE = Account(LOCAL_USER, LOCAL_USER, ADMIN, None)
_acting = threading.local()  # a deferred download runs outside the page's session


def store() -> Store:
    """The account store beside the warehouse the app reads."""
    idle = timedelta(hours=settings.config().session_idle_hours)
    return Store(settings.accounts_path(settings.db_path()), idle)


def gate() -> Account | None:
    """The account this run acts for: ``SINGLE`` in 单机模式, the signed-in account
    (its idle clock restarted), or None when the page must ask to sign in."""
    accounts = store()
    account: Account | None = SINGLE
    try:
        exists = accounts.has_accounts()
    except sqlite3.DatabaseError:  # a damaged store: never fall back to no sign-in
        st.error(MSG_STORE_BROKEN.format(path=accounts.path), icon=":material/error:")
        st.stop()
    if not exists:
        # whatever address the server was started on, 单机模式 serves this machine only
        ip = st.context.ip_address  # None from this machine (and under AppTest: not a str)
        if isinstance(ip, str) and ip not in LOOPBACK:
            st.error(MSG_LOCAL_ONLY, icon=":material/lock:")
            st.stop()
    else:
        account = None
        token = st.session_state.get(_TOKEN)
        if token is None:
            account = _single_sign_on(accounts)
        if account is None and token is None:
            token = _kept_token()
        if account is None and token is not None:
            try:
                account = accounts.resume(token)
                st.session_state[_TOKEN] = token
            except AccountError as exc:
                st.session_state.pop(_TOKEN, None)
                st.session_state[_NOTICE] = str(exc)
                st.session_state[_COOKIE] = ""  # the browser's copy is no use now
        _write_cookie()
    st.session_state[_ACCOUNT] = account
    return account


def _kept_token() -> str | None:
    """The token the browser kept in its cookie (a refresh starts a new Streamlit
    session): read once per session, so that after 退出登录 the cookie this session
    started with does not sign anyone in again."""
    if st.session_state.get(_COOKIE_READ):
        return None
    st.session_state[_COOKIE_READ] = True
    kept = st.context.cookies.get(COOKIE_NAME) if st.context.cookies else None
    return kept if isinstance(kept, str) and _TOKEN_TEXT.fullmatch(kept) else None


def _write_cookie() -> None:
    """Hand the browser the session's token to keep across a refresh (or tell it to
    forget it: ""). Streamlit cannot set a cookie from the server, so a script does:
    not HttpOnly, hence SameSite=Strict, Secure under https, gone when the browser
    closes; the session itself lives in the account store, which ends it when idle or
    signed out and keeps only the token's SHA-256 (accounts.Store)."""
    token = st.session_state.pop(_COOKIE, None)
    if token is None or not (token == "" or _TOKEN_TEXT.fullmatch(token)):
        return
    st.html(
        _COOKIE_SCRIPT.replace("{name}", COOKIE_NAME)
        .replace("{value}", token)
        .replace("{expiry}", "" if token else "; Max-Age=0"),
        unsafe_allow_javascript=True,
        width="content",
    )


def current() -> Account | None:
    """The account of this run (``gate``), or of the download being made."""
    acting = getattr(_acting, "account", None)
    if acting is not None:
        return acting
    return st.session_state.get(_ACCOUNT)


def verified() -> Account | None:
    """The account, its session checked in the store again now: for a callback, which
    runs before ``gate`` looks at the session of the rerun it starts."""
    account = current()
    if account is None or account is SINGLE:
        return account
    token = st.session_state.get(_TOKEN)
    if token is None:
        return None
    try:
        return store().resume(token)
    except AccountError as exc:  # the rerun shows the sign-in form saying why
        st.session_state.pop(_TOKEN, None)
        st.session_state[_NOTICE] = str(exc)
        return None


@contextmanager
def acting_as(account: Account | None) -> Iterator[None]:
    """Run a deferred download's callable as the account that rendered it."""
    before = getattr(_acting, "account", None)
    _acting.account = account
    try:
        yield
    finally:
        _acting.account = before


def actor() -> audit.Actor | None:
    """Who acts now, for the audit log (``audit.set_actor``)."""
    account = current()
    if account is None:
        return None
    return audit.Actor(account.user_name, account.home or "", store())


def form() -> None:
    """The sign-in page: name, password, and single sign-on where configured."""
    st.title(TITLE, anchor=False)
    notice = st.session_state.get(_NOTICE)
    if notice == SIGNED_OUT:
        st.info(notice, icon=":material/logout:")
    elif notice:
        st.error(notice, icon=":material/lock:")
    with st.form("signin", enter_to_submit=True, width=420):
        st.text_input(LABEL_USER, key="signin_user", autocomplete="username")
        st.text_input(
            LABEL_PASSWORD, type="password", key="signin_password", autocomplete="current-password"
        )
        st.form_submit_button(BUTTON_SIGN_IN, type="primary", on_click=_sign_in)
    if _sso_configured():
        st.button(BUTTON_SSO, key="signin_sso", on_click=st.login, icon=":material/badge:")


def _sign_in() -> None:
    name = st.session_state.get("signin_user", "").strip()
    password = st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""  # never kept past this callback
    if not name or not password:
        st.session_state[_NOTICE] = MSG_FILL
        return
    try:
        signed_in = store().sign_in(name, password)
    except AccountError as exc:
        st.session_state[_NOTICE] = str(exc)
        return
    st.session_state[_TOKEN] = signed_in.token
    st.session_state[_COOKIE] = signed_in.token
    st.session_state.pop(_NOTICE, None)


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all: Streamlit raises rather than answer False
        return False


def _single_sign_on(accounts: Store) -> Account | None:
    """The local account of the person the identity provider signed in, if any."""
    if not _sso_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    name = sso_name(st.user.to_dict())
    try:
        signed_in = accounts.sign_in_external(name or "", str(st.user.get("iss") or "OIDC"))
    except AccountError as exc:
        st.session_state[_NOTICE] = str(exc)
        st.logout()
        return None
    st.session_state[_TOKEN] = signed_in.token
    return signed_in.account


def account_box(account: Account, scope_name: str) -> None:
    """The sidebar line saying who is signed in, with 退出登录; or 单机模式."""
    with st.sidebar:
        if account is SINGLE:
            st.caption(f":material/lock_open: {SINGLE_MODE}", help=HELP_SINGLE)
            return
        st.caption(
            SIGNED_IN_AS.format(
                display_name=account.display_name, role=account.role, scope=scope_name
            )
        )
        st.button(BUTTON_SIGN_OUT, key="sign_out", on_click=_sign_out, icon=":material/logout:")


def _sign_out() -> None:
    token = st.session_state.pop(_TOKEN, None)
    if token is not None:
        store().sign_out(token)
    st.session_state[_COOKIE] = ""
    st.session_state[_ACCOUNT] = None
    st.session_state[_NOTICE] = SIGNED_OUT
    for key in _SCOPE_KEYS:  # the next account starts on its own scope
        st.session_state.pop(key, None)
    st.query_params.pop("unit", None)
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


audit.set_actor(actor)
