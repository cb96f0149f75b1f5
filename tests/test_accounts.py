"""The account store, its sessions and lock, the audit log and ``wenming user``.

The clock is ``dashboard.accounts.now``, replaced here: no test sleeps.
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from dashboard import accounts, audit
from dashboard.accounts import ADMIN, CLERK, LEADER, AccountError, Store, sso_name
from pipelines import user_cli
from pipelines.cli import main

PASSWORD = "correct-horse-1"
T0 = datetime(2025, 4, 15, 9, 0, 0)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def forward(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(T0)
    monkeypatch.setattr(accounts, "now", c)
    # argon2 as configured costs ~64 MiB and tens of ms a hash; the tests need not pay it
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(1, 8, 1))
    return c


@pytest.fixture
def store(tmp_path, clock) -> Store:
    s = Store(tmp_path / "w.accounts.sqlite", idle=timedelta(hours=8))
    s.add("lead", "李镇长", LEADER, "SB", PASSWORD)
    return s


def actions(store: Store) -> list[tuple[str, str]]:
    return [(row["user_name"], row["action"]) for row in audit.entries(store)]


def test_a_new_store_has_no_accounts_until_the_first_is_added(tmp_path, clock):
    s = Store(tmp_path / "a.sqlite")
    assert not s.has_accounts()
    assert not s.path.exists()  # asking does not create the file
    s.add("admin", "", ADMIN, None, PASSWORD)
    assert s.has_accounts()
    assert s.get("admin").display_name == "admin"


@pytest.mark.parametrize(
    ("user_name", "role", "unit", "password", "message"),
    [
        ("bad name", LEADER, "SB", PASSWORD, "用户名只能由"),
        ("x", "游客", "SB", PASSWORD, "角色应为"),
        ("x", LEADER, None, PASSWORD, "必须指定所属阵地"),
        ("x", CLERK, " ", PASSWORD, "必须指定所属阵地"),
        ("x", LEADER, "SB", "short", "密码至少 8 个字符"),
        ("lead", LEADER, "SB", PASSWORD, "账号“lead”已存在"),
    ],
)
def test_an_invalid_account_is_refused_in_chinese(store, user_name, role, unit, password, message):
    with pytest.raises(AccountError, match=message):
        store.add(user_name, "", role, unit, password)


def test_the_store_keeps_an_argon2_hash_never_the_password(store):
    raw = store.path.read_bytes()
    assert PASSWORD.encode() not in raw
    assert b"$argon2id$" in raw


def test_a_right_password_signs_in_and_the_session_resumes(store):
    signed_in = store.sign_in("lead", PASSWORD)
    assert signed_in.account.home == "SB"
    assert store.resume(signed_in.token).user_name == "lead"
    # only the token's digest is stored
    assert signed_in.token.encode() not in store.path.read_bytes()


def test_a_session_idle_longer_than_the_limit_ends_with_a_chinese_message(store, clock):
    token = store.sign_in("lead", PASSWORD).token
    clock.forward(hours=7, minutes=59)
    store.resume(token)  # within 8 h of the last request: the idle clock restarts
    clock.forward(hours=7, minutes=59)
    store.resume(token)
    clock.forward(hours=8, seconds=1)
    with pytest.raises(AccountError, match="超过 8 小时未操作，已自动退出"):
        store.resume(token)
    clock.forward(seconds=1)
    with pytest.raises(AccountError, match="已退出登录"):  # it stays ended
        store.resume(token)


def test_signing_out_ends_the_session(store):
    token = store.sign_in("lead", PASSWORD).token
    store.sign_out(token)
    with pytest.raises(AccountError, match="已退出登录"):
        store.resume(token)


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(store, clock):
    for _ in range(4):
        with pytest.raises(AccountError, match="用户名或密码不正确"):
            store.sign_in("lead", "wrong-password")
        clock.forward(seconds=10)
    with pytest.raises(AccountError, match="连续 5 次密码错误，已锁定"):
        store.sign_in("lead", "wrong-password")
    locked_at = clock.at
    clock.forward(minutes=14, seconds=59)
    # the 6th attempt, even with the right password, is refused unchecked
    with pytest.raises(AccountError, match="请于 09:15 后再试"):
        store.sign_in("lead", PASSWORD)
    assert clock.at - locked_at < accounts.LOCK_FOR
    clock.forward(seconds=1)
    assert store.sign_in("lead", PASSWORD).account.user_name == "lead"
    assert [a for _, a in actions(store)] == [
        *[audit.SIGN_IN_FAILED] * 5,
        audit.SIGN_IN_LOCKED,
        audit.SIGN_IN_OK,
    ]


def test_a_sign_in_resets_the_count_of_wrong_passwords(store, clock):
    for _ in range(4):
        with pytest.raises(AccountError):
            store.sign_in("lead", "wrong-password")
    store.sign_in("lead", PASSWORD)
    with pytest.raises(AccountError, match="用户名或密码不正确"):
        store.sign_in("lead", "wrong-password")


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(store):
    with pytest.raises(AccountError, match="^用户名或密码不正确"):
        store.sign_in("nobody", PASSWORD)


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(store):
    token = store.sign_in("lead", PASSWORD).token
    store.set_disabled("lead", True)
    with pytest.raises(AccountError, match="账号“lead”已停用，请联系管理员"):
        store.resume(token)
    with pytest.raises(AccountError, match="账号“lead”已停用"):
        store.sign_in("lead", PASSWORD)
    store.set_disabled("lead", False)
    assert store.sign_in("lead", PASSWORD)


def test_a_new_password_replaces_the_old_and_ends_open_sessions(store):
    token = store.sign_in("lead", PASSWORD).token
    store.set_password("lead", "another-pass-2")
    with pytest.raises(AccountError):
        store.resume(token)
    with pytest.raises(AccountError):
        store.sign_in("lead", PASSWORD)
    assert store.sign_in("lead", "another-pass-2")


def test_the_audit_log_refuses_to_change_or_lose_a_row(store):
    store.sign_in("lead", PASSWORD)
    con = sqlite3.connect(store.path)
    for statement in ("UPDATE audit SET user_name = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(statement)
    con.close()
    assert actions(store) == [("lead", audit.SIGN_IN_OK)]


def test_the_audit_log_filters_by_account_action_and_day(store, clock):
    store.sign_in("lead", PASSWORD)
    clock.forward(days=1)
    with pytest.raises(AccountError):
        store.sign_in("lead", "wrong-password")
    day2 = clock.at.date()
    assert [r["action"] for r in audit.entries(store, date_from=day2)] == [audit.SIGN_IN_FAILED]
    assert [r["action"] for r in audit.entries(store, date_to=T0.date())] == [audit.SIGN_IN_OK]
    assert audit.entries(store, user_name="nobody") == []
    assert len(audit.entries(store, actions=[audit.SIGN_IN_OK, audit.SIGN_IN_FAILED])) == 2


@pytest.mark.parametrize(
    ("claims", "name"),
    [
        ({"preferred_username": "lead", "email": "x@y.cn"}, "lead"),
        ({"email": "lead@county.gov.cn"}, "lead"),
        ({"sub": "8f1c"}, None),
    ],
)
def test_single_sign_on_maps_the_providers_login_name_to_a_local_account(claims, name):
    assert sso_name(claims) == name


def test_single_sign_on_takes_role_and_unit_from_the_local_account(store):
    signed_in = store.sign_in_external("lead", "https://sso.county/realms/x")
    assert (signed_in.account.role, signed_in.account.home) == (LEADER, "SB")
    with pytest.raises(AccountError, match="没有对应账号，请联系管理员开通"):
        store.sign_in_external("stranger", "https://sso.county/realms/x")


# --- wenming user ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch, capsys, clock):
    """``wenming user …`` run in this process (``pipelines.cli.main``), stdin given."""

    def run(store_path: Path, *args: str, password: str | None = None) -> Ran:
        monkeypatch.setenv("WENMING_ACCOUNTS", str(store_path))
        monkeypatch.setattr(sys, "stdin", io.StringIO(password or ""))
        capsys.readouterr()
        code = main(["user", *args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def wenming(
    store_path: Path, *args: str, password: str | None = None
) -> subprocess.CompletedProcess:
    env = {"WENMING_ACCOUNTS": str(store_path), "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "user", *args],
        input=password,
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )


def test_the_wenming_command_adds_an_account_without_echoing_the_password(tmp_path):
    path = tmp_path / "cli.accounts.sqlite"
    added = wenming(
        path, "add", "admin", "--role", "管理员", "--password-stdin", "--json", password=PASSWORD
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "user_name": "admin",
        "display_name": "admin",
        "role": "管理员",
        "home_unit": None,
        "is_disabled": False,
    }
    assert PASSWORD not in added.stdout + added.stderr
    assert Store(path).sign_in("admin", PASSWORD).account.role == ADMIN


def test_the_cli_lists_disables_and_logs_accounts(tmp_path, cli):
    path = tmp_path / "cli.accounts.sqlite"
    cli(path, "add", "admin", "--role", "管理员", "--password-stdin", password=PASSWORD)
    cli(path, "add", "lead", "--name", "李镇长", "--role", "领导", "--unit", "SB", "--password-stdin", password=PASSWORD)  # fmt: skip
    assert cli(path, "disable", "lead").stdout.startswith("已停用账号“lead”")
    listed = json.loads(cli(path, "--json", "list").stdout)
    assert [(a["user_name"], a["role"], a["home_unit"], a["is_disabled"]) for a in listed] == [
        ("admin", "管理员", None, False),
        ("lead", "领导", "SB", True),
    ]
    logged = audit.entries(Store(path))
    assert [r["action"] for r in logged] == [
        audit.ACCOUNT_ADDED,
        audit.ACCOUNT_ADDED,
        audit.ACCOUNT_DISABLED,
    ]
    assert all(r["user_name"].startswith("命令行:") for r in logged)


def test_the_cli_refuses_a_password_it_cannot_read_safely(tmp_path, cli):
    result = cli(tmp_path / "s.sqlite", "add", "admin", "--role", "管理员", password="")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "--password-stdin" in result.stderr


def test_the_cli_says_in_chinese_when_an_account_does_not_exist(tmp_path, cli):
    result = cli(tmp_path / "s.sqlite", "enable", "ghost")
    assert (result.returncode, result.stderr.strip()) == (1, "错误：没有账号“ghost”。")


def test_the_cli_json_matches_the_documented_schema(tmp_path, cli):
    schema = json.loads(
        (
            Path(__file__).resolve().parent.parent / "docs" / "schemas" / "user.schema.json"
        ).read_text(encoding="utf-8")
    )
    path = tmp_path / "s.sqlite"
    one = cli(
        path,
        "add",
        "clerk",
        "--role",
        "填报员",
        "--unit",
        "ZB1",
        "--password-stdin",
        "--json",
        password=PASSWORD,
    )
    listed = cli(path, "list", "--json")
    for document in (json.loads(one.stdout), json.loads(listed.stdout)):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def test_the_server_listens_on_this_machine_only_until_an_account_exists(tmp_path, cli):
    path = tmp_path / "s.sqlite"
    assert cli(path, "address").stdout == "127.0.0.1\n"
    cli(path, "add", "admin", "--role", "管理员", "--password-stdin", password=PASSWORD)
    assert cli(path, "address").stdout == "0.0.0.0\n"


def test_a_command_is_logged_beside_its_warehouse_only_once_accounts_exist(
    tmp_path, monkeypatch, cli
):
    monkeypatch.delenv("WENMING_ACCOUNTS", raising=False)
    db = str(tmp_path / "w.duckdb")
    user_cli.log(db, audit.REBUILD, "4 个文件")
    store_path = tmp_path / "w.accounts.sqlite"
    assert not store_path.exists()  # 单机模式: no store is made behind the user's back
    Store(store_path).add("admin", "", ADMIN, None, PASSWORD)
    user_cli.log(db, audit.REBUILD, "4 个文件")
    [row] = audit.entries(Store(store_path), actions=[audit.REBUILD])
    assert (row["user_name"][:4], row["detail"]) == ("命令行:", "4 个文件")


def test_the_cli_warns_when_the_warehouse_lacks_the_accounts_unit(tmp_path, fixture_db, cli):
    path = tmp_path / "s.sqlite"
    db = str(fixture_db)
    ok = cli(
        path,
        "add",
        "lead",
        "--role",
        "领导",
        "--unit",
        "SB",
        "--db",
        db,
        "--password-stdin",
        password=PASSWORD,
    )
    assert (ok.returncode, ok.stderr) == (0, "")
    typo = cli(
        path,
        "add",
        "lead2",
        "--role",
        "领导",
        "--unit",
        "SBX",
        "--db",
        db,
        "--password-stdin",
        password=PASSWORD,
    )
    assert typo.returncode == 0
    assert typo.stderr.strip() == (
        f"注意：数据仓库 {db} 中没有阵地编码“SBX”，该账号登录后看不到数据。请核对编码，或在导入该阵地后再登录。"
    )
