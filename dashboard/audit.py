"""The audit log: one row per action a person took (who, when, what, in which scope),
append-only, in the account store (``dashboard.accounts``; SQLite triggers refuse any
UPDATE or DELETE of a logged row).

Pages call ``record(action, detail)``: the signed-in account and its scope are filled in
by the actor hook the app's shell registers (``set_actor``), so an upload page needs no
session plumbing. Nothing here imports streamlit. Details never hold a password, hash,
salt or token: callers pass file names, counts and unit codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dashboard import accounts, xlsx
from dashboard.accounts import Store

SIGN_IN_OK = "sign_in_ok"
SIGN_IN_FAILED = "sign_in_failed"  # a wrong name or password (counts toward the lock)
SIGN_IN_REFUSED = "sign_in_refused"  # right password, but the account is disabled
SIGN_IN_LOCKED = "sign_in_locked"  # refused unchecked: the name is locked
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session_expired"
SCOPE_REFUSED = "scope_refused"
UPLOAD_PREVIEW = "upload_preview"
UPLOAD = "upload"
WITHDRAW_PREVIEW = "withdraw_preview"
WITHDRAW = "withdraw"
REBUILD = "rebuild"
CONFLICT_ADOPTED = "conflict_adopted"
DOWNLOAD = "download"
ACCOUNT_ADDED = "account_added"
PASSWORD_CHANGED = "password_changed"
ACCOUNT_DISABLED = "account_disabled"
ACCOUNT_ENABLED = "account_enabled"
ACTION_LABELS = {
    SIGN_IN_OK: "登录成功",
    SIGN_IN_FAILED: "登录失败",
    SIGN_IN_REFUSED: "登录被拒（账号停用）",
    SIGN_IN_LOCKED: "登录被拒（账号锁定）",
    SIGN_OUT: "退出登录",
    SESSION_EXPIRED: "会话超时",
    SCOPE_REFUSED: "越权访问被拒",
    UPLOAD_PREVIEW: "预览导入",
    UPLOAD: "上传台账",
    WITHDRAW_PREVIEW: "预览撤回",
    WITHDRAW: "撤回文件",
    REBUILD: "重新构建",
    CONFLICT_ADOPTED: "采用冲突新值",
    DOWNLOAD: "下载",
    ACCOUNT_ADDED: "新建账号",
    PASSWORD_CHANGED: "修改密码",
    ACCOUNT_DISABLED: "停用账号",
    ACCOUNT_ENABLED: "启用账号",
}
HEADERS = {
    "audit_id": "序号",
    "at": "时间",
    "user_name": "账号",
    "action_label": "操作",
    "detail": "内容",
    "scope": "范围",
}
SHEET = "操作日志"
ALL_SCOPES = "全部"
NOBODY = "（未登录）"


@dataclass(frozen=True)
class Actor:
    """Who acts now: the account name, its scope (a unit code, "" for every unit) and the
    store the log lives in."""

    user_name: str
    scope: str
    store: Store


_actor: Callable[[], Actor | None] | None = None


def set_actor(resolve: Callable[[], Actor | None]) -> None:
    """Register how ``record`` learns who acts (the app's shell reads its session)."""
    global _actor
    _actor = resolve


def record(action: str, detail: str = "", scope: str | None = None) -> None:
    """Log ``action`` (one of the constants above) by whoever acts now; ``scope`` defaults
    to the actor's. Does nothing when no actor is registered (a script, a test of a
    function alone)."""
    actor = _actor() if _actor is not None else None
    if actor is None:
        return
    append(actor.store, actor.user_name, action, detail, actor.scope if scope is None else scope)


def append(store: Store, user_name: str, action: str, detail: str, scope: str) -> None:
    """Append one row to the log in ``store``."""
    with store.connect() as con:
        con.execute(
            "INSERT INTO audit (at, user_name, action, detail, scope) VALUES (?, ?, ?, ?, ?)",
            [accounts.now().isoformat(sep=" "), user_name or NOBODY, action, detail, scope],
        )


def entries(
    store: Store,
    *,
    user_name: str | None = None,
    actions: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """Logged rows in the order they were written, optionally of one account, some
    actions and a date range (inclusive): ``{audit_id, at, user_name, action,
    action_label, detail, scope}``."""
    if not store.path.is_file():
        return []
    where, params = ["1 = 1"], []
    if user_name:
        where.append("user_name = ?")
        params.append(user_name)
    if actions:
        where.append(f"action IN ({', '.join('?' * len(actions))})")
        params.extend(actions)
    if date_from is not None:
        where.append("at >= ?")
        params.append(date_from.isoformat())
    if date_to is not None:
        where.append("at < date(?, '+1 day')")
        params.append(date_to.isoformat())
    with store.connect() as con:
        rows = con.execute(
            f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY audit_id", params
        ).fetchall()
    return [
        {
            **dict(row),
            "at": datetime.fromisoformat(row["at"]),
            "action_label": ACTION_LABELS.get(row["action"], row["action"]),
            "scope": row["scope"] or ALL_SCOPES,
        }
        for row in rows
    ]


def workbook(rows: Sequence[dict[str, Any]]) -> bytes:
    """The log rows as an xlsx (one sheet, Chinese headers, text never a formula)."""
    table = [{key: row[key] for key in HEADERS} for row in rows]
    return xlsx.to_xlsx({SHEET: table}, labels=HEADERS)
