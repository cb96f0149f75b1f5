"""The account store: accounts, sign-in sessions and the audit log, in one SQLite file
beside the warehouse (``settings.accounts_path``), never replaced by a build.

One row per account (``accounts``), per signed-in session (``sessions``: only the
SHA-256 of its token, so a copy of the file signs nobody in) and per audited action
(``audit``, see ``dashboard.audit``). Passwords are kept as argon2id hashes only.
Nothing here imports streamlit; the clock is ``now`` (tests replace it, never sleep).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ADMIN, LEADER, CLERK = "管理员", "领导", "填报员"
ROLES = (ADMIN, LEADER, CLERK)
LOCK_AFTER = 5  # wrong passwords in a row that lock the name
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 8

MSG_BAD_NAME = "用户名只能由字母、数字、下划线、点和短横线组成（1–64 个字符）。"
MSG_BAD_ROLE = "角色应为 管理员、领导 或 填报员。"
MSG_NEEDS_HOME = "领导和填报员必须指定所属阵地编码（--unit）。"
MSG_SHORT_PASSWORD = f"密码至少 {MIN_PASSWORD} 个字符。"
MSG_EXISTS = "账号“{user_name}”已存在。"
MSG_NO_SUCH = "没有账号“{user_name}”。"
MSG_WRONG = "用户名或密码不正确，请重新输入。"
MSG_LOCKED = "账号“{user_name}”连续 {n} 次密码错误，已锁定，请于 {until} 后再试，或请管理员协助。"
MSG_DISABLED = "账号“{user_name}”已停用，请联系管理员。"
MSG_EXPIRED = "超过 {hours} 小时未操作，已自动退出。请重新登录。"
MSG_SIGNED_OUT = "已退出登录。请重新登录。"
MSG_NO_LOCAL = "单点登录的账号“{user_name}”在本系统中没有对应账号，请联系管理员开通。"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    user_name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    home_unit TEXT,
    password_hash TEXT NOT NULL,
    is_disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    scope TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
_HASHER = PasswordHasher()


def now() -> datetime:
    """The store's clock (local time, seconds): tests replace it."""
    return datetime.now().replace(microsecond=0)


class AccountError(ValueError):
    """An account change or sign-in was refused; the message is Chinese, for the user."""


@dataclass(frozen=True)
class Account:
    """One account as the app uses it (never its password hash)."""

    user_name: str
    display_name: str
    role: str
    home_unit: str | None
    is_disabled: bool = False

    @property
    def home(self) -> str | None:
        """The unit whose subtree the account reads; None (every unit) for a 管理员."""
        return None if self.role == ADMIN else self.home_unit


@dataclass(frozen=True)
class SignedIn:
    """A session just started: the account and the token the browser session keeps."""

    account: Account
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _valid_name(user_name: str) -> bool:
    return 0 < len(user_name) <= 64 and all(c.isalnum() or c in "_.-" for c in user_name)


class Store:
    """The account store at ``path`` (created by the first ``add``)."""

    def __init__(self, path: str | os.PathLike, idle: timedelta = timedelta(hours=8)) -> None:
        self.path = Path(path)
        self.idle = idle

    # --- the file ---------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; the file and its tables are made on first use."""
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch(mode=0o600)
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.row_factory = sqlite3.Row
            if new:
                con.executescript(_SCHEMA)
            yield con
        finally:
            con.close()

    def has_accounts(self) -> bool:
        """Whether any account exists (without one the app runs in 单机模式)."""
        if not self.path.is_file():
            return False
        with self.connect() as con:
            try:
                return con.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None
            except sqlite3.OperationalError:
                return False

    # --- accounts ---------------------------------------------------------------

    def add(
        self,
        user_name: str,
        display_name: str,
        role: str,
        home_unit: str | None,
        password: str,
    ) -> Account:
        """Create an account; raises ``AccountError`` (Chinese) when it cannot be."""
        if not _valid_name(user_name):
            raise AccountError(MSG_BAD_NAME)
        if role not in ROLES:
            raise AccountError(MSG_BAD_ROLE)
        home_unit = (home_unit or "").strip() or None
        if role != ADMIN and home_unit is None:
            raise AccountError(MSG_NEEDS_HOME)
        _check_password(password)
        with self.connect() as con:
            if con.execute("SELECT 1 FROM accounts WHERE user_name = ?", [user_name]).fetchone():
                raise AccountError(MSG_EXISTS.format(user_name=user_name))
            con.execute(
                "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, 0, ?)",
                [
                    user_name,
                    display_name or user_name,
                    role,
                    home_unit,
                    _HASHER.hash(password),
                    now().isoformat(sep=" "),
                ],
            )
        return Account(user_name, display_name or user_name, role, home_unit)

    def accounts(self) -> list[Account]:
        """Every account, by user name."""
        if not self.path.is_file():
            return []
        with self.connect() as con:
            rows = con.execute("SELECT * FROM accounts ORDER BY user_name").fetchall()
        return [_account(row) for row in rows]

    def get(self, user_name: str) -> Account | None:
        if not self.path.is_file():
            return None
        with self.connect() as con:
            row = con.execute("SELECT * FROM accounts WHERE user_name = ?", [user_name]).fetchone()
        return None if row is None else _account(row)

    def set_password(self, user_name: str, password: str) -> None:
        """Change the password; the account's open sessions end."""
        _check_password(password)
        self._update(user_name, "password_hash = ?", _HASHER.hash(password))
        self._end_sessions(user_name)

    def set_disabled(self, user_name: str, disabled: bool) -> None:
        """Disable (its sessions end at once) or enable an account."""
        self._update(user_name, "is_disabled = ?", int(disabled))
        if disabled:
            self._end_sessions(user_name)

    def _update(self, user_name: str, assignment: str, value: object) -> None:
        with self.connect() as con:
            changed = con.execute(
                f"UPDATE accounts SET {assignment} WHERE user_name = ?", [value, user_name]
            ).rowcount
        if not changed:
            raise AccountError(MSG_NO_SUCH.format(user_name=user_name))

    # --- sessions ----------------------------------------------------------------

    def sign_in(self, user_name: str, password: str) -> SignedIn:
        """Check the password and start a session, or raise ``AccountError`` saying why.

        After ``LOCK_AFTER`` wrong passwords in a row the name is locked for
        ``LOCK_FOR``; attempts while locked are refused unchecked and not counted.
        Every attempt is in the audit log, never the password typed.
        """
        from dashboard import audit  # the log lives in this store; audit imports Store

        user_name = user_name.strip()
        until = self.locked_until(user_name)
        if until is not None:
            audit.append(self, user_name, audit.SIGN_IN_LOCKED, "", "")
            raise AccountError(
                MSG_LOCKED.format(user_name=user_name, n=LOCK_AFTER, until=f"{until:%H:%M}")
            )
        with self.connect() as con:
            row = con.execute("SELECT * FROM accounts WHERE user_name = ?", [user_name]).fetchone()
        if row is None or not _verify(row["password_hash"], password):
            audit.append(self, user_name, audit.SIGN_IN_FAILED, "", "")
            until = self.locked_until(user_name)
            if until is not None:
                raise AccountError(
                    MSG_LOCKED.format(user_name=user_name, n=LOCK_AFTER, until=f"{until:%H:%M}")
                )
            raise AccountError(MSG_WRONG)
        account = _account(row)
        if account.is_disabled:
            audit.append(self, user_name, audit.SIGN_IN_REFUSED, "", "")
            raise AccountError(MSG_DISABLED.format(user_name=user_name))
        return self._start(account, audit.SIGN_IN_OK, "")

    def sign_in_external(self, user_name: str, issuer: str) -> SignedIn:
        """Start a session for a name an identity provider vouched for (``st.login``): the
        local account of that name gives role and unit."""
        from dashboard import audit

        account = self.get(user_name)
        if account is None or account.is_disabled:
            message = (MSG_NO_LOCAL if account is None else MSG_DISABLED).format(
                user_name=user_name
            )
            audit.append(self, user_name, audit.SIGN_IN_REFUSED, issuer, "")
            raise AccountError(message)
        return self._start(account, audit.SIGN_IN_OK, issuer)

    def _start(self, account: Account, action: str, detail: str) -> SignedIn:
        from dashboard import audit

        token = secrets.token_urlsafe(32)
        stamp = now().isoformat(sep=" ")
        with self.connect() as con:
            con.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, NULL)",
                [_digest(token), account.user_name, stamp, stamp],
            )
        audit.append(self, account.user_name, action, detail, account.home or "")
        return SignedIn(account, token)

    def resume(self, token: str) -> Account:
        """The account of a live session, its idle clock restarted; raises
        ``AccountError`` when the session has ended, expired or its account is disabled."""
        from dashboard import audit

        with self.connect() as con:
            row = con.execute(
                "SELECT * FROM sessions WHERE token_sha256 = ?",
                [_digest(token)],
            ).fetchone()
        account = None if row is None else self.get(row["user_name"])
        if account is None:
            raise AccountError(MSG_SIGNED_OUT)
        moment = now()
        if account.is_disabled:  # said before "ended": disabling ends every session
            self._end(token, moment)
            raise AccountError(MSG_DISABLED.format(user_name=account.user_name))
        if row["ended_at"] is not None:
            raise AccountError(MSG_SIGNED_OUT)
        if moment - datetime.fromisoformat(row["seen_at"]) > self.idle:
            self._end(token, moment)
            audit.append(self, account.user_name, audit.SESSION_EXPIRED, "", account.home or "")
            hours = f"{self.idle.total_seconds() / 3600:g}"
            raise AccountError(MSG_EXPIRED.format(hours=hours))
        with self.connect() as con:
            con.execute(
                "UPDATE sessions SET seen_at = ? WHERE token_sha256 = ?",
                [moment.isoformat(sep=" "), _digest(token)],
            )
        return account

    def sign_out(self, token: str) -> None:
        """End the session (退出登录)."""
        from dashboard import audit

        with self.connect() as con:
            row = con.execute(
                "SELECT user_name FROM sessions WHERE token_sha256 = ? AND ended_at IS NULL",
                [_digest(token)],
            ).fetchone()
        if row is not None:
            self._end(token, now())
            account = self.get(row["user_name"])
            home = account.home if account else None
            audit.append(self, row["user_name"], audit.SIGN_OUT, "", home or "")

    def _end(self, token: str, moment: datetime) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE sessions SET ended_at = ? WHERE token_sha256 = ?",
                [moment.isoformat(sep=" "), _digest(token)],
            )

    def _end_sessions(self, user_name: str) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE sessions SET ended_at = ? WHERE user_name = ? AND ended_at IS NULL",
                [now().isoformat(sep=" "), user_name],
            )

    def locked_until(self, user_name: str) -> datetime | None:
        """When the name's lock ends, or None: ``LOCK_AFTER`` wrong passwords in a row
        (since the last sign-in and the last lock's end) lock it for ``LOCK_FOR``."""
        from dashboard import audit

        if not self.path.is_file():
            return None
        with self.connect() as con:
            rows = con.execute(
                "SELECT at, action FROM audit WHERE user_name = ? AND action IN (?, ?) "
                "ORDER BY audit_id",
                [user_name, audit.SIGN_IN_OK, audit.SIGN_IN_FAILED],
            ).fetchall()
        count, until = 0, None
        for row in rows:
            at = datetime.fromisoformat(row["at"])
            if row["action"] == audit.SIGN_IN_OK or (until is not None and at >= until):
                count, until = 0, None
            if row["action"] == audit.SIGN_IN_FAILED:
                count += 1
                if count >= LOCK_AFTER:
                    until = at + LOCK_FOR
        return until if until is not None and now() < until else None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(MSG_SHORT_PASSWORD)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _account(row: sqlite3.Row) -> Account:
    return Account(
        row["user_name"],
        row["display_name"],
        row["role"],
        row["home_unit"],
        bool(row["is_disabled"]),
    )


def sso_name(claims: dict[str, object]) -> str | None:
    """The local account name an OIDC sign-in maps to: ``preferred_username`` (Keycloak's
    login name), else the part of ``email`` before the @; None when the token has neither."""
    name = claims.get("preferred_username")
    if isinstance(name, str) and name.strip():
        return name.strip()
    email = claims.get("email")
    if isinstance(email, str) and "@" in email:
        return email.split("@", 1)[0].strip() or None
    return None
