"""``wenming user add|list|passwd|disable|enable``: manage the dashboard's accounts.

The command acts as 管理员 (whoever holds the shell holds the files). Passwords are read
with getpass from the terminal, or as one line on stdin with ``--password-stdin``; never
from an argument, which ``ps`` and the shell history would show. Every change is in
the audit log, by ``命令行:<system user>``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import timedelta

from dashboard import audit
from dashboard.accounts import ADMIN, ROLES, AccountError, Store
from dashboard.warehouse import Warehouse
from pipelines import settings

MSG_MISMATCH = "两次输入的密码不一致。"
MSG_NO_PASSWORD = "没有读到密码：请在终端输入，或用 --password-stdin 从标准输入传入一行。"
PROMPT = "密码："
PROMPT_AGAIN = "再输入一次："
DONE = {
    "add": "已新建账号“{user_name}”（{role}）。",
    "passwd": "已修改账号“{user_name}”的密码，其已登录的会话已结束。",
    "disable": "已停用账号“{user_name}”，其已登录的会话已结束。",
    "enable": "已启用账号“{user_name}”。",
}
WARN_NO_UNIT = (
    "注意：数据仓库 {db} 中没有阵地编码“{unit}”，该账号登录后看不到数据。"
    "请核对编码，或在导入该阵地后再登录。"
)
NO_ACCOUNTS = "还没有账号（单机模式）。新建第一个管理员：wenming user add 用户名 --role 管理员"
LOOPBACK = "127.0.0.1"
FIELDS = ("user_name", "display_name", "role", "home_unit", "is_disabled")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="数据仓库路径；账号库在它旁边（或环境变量 WENMING_ACCOUNTS）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="新建账号")
    add.add_argument("user_name", help="用户名（字母、数字、下划线、点、短横线）")
    add.add_argument("--name", default="", help="显示名称（默认同用户名）")
    add.add_argument("--role", required=True, choices=ROLES, help="角色")
    add.add_argument("--unit", default=None, help="所属阵地编码（领导、填报员必填）")
    sub.add_parser("list", help="列出账号")
    sub.add_parser("address", help="看板应监听的地址：没有账号时只在本机（127.0.0.1）")
    for action, text in (("passwd", "修改密码"), ("disable", "停用账号"), ("enable", "启用账号")):
        one = sub.add_parser(action, help=text)
        one.add_argument("user_name")
    for name in ("add", "passwd"):
        sub.choices[name].add_argument(
            "--password-stdin", action="store_true", help="从标准输入读一行作为密码"
        )
    for name in sub.choices:  # --json, --db after the action too; SUPPRESS keeps one before
        sub.choices[name].add_argument(
            "--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出结果"
        )
        sub.choices[name].add_argument("--db", default=argparse.SUPPRESS, help="数据仓库路径")


def store(db: str | None) -> Store:
    """The account store beside the warehouse ``db`` (``--db``, ``WENMING_DB``, default)."""
    idle = timedelta(hours=settings.config().session_idle_hours)
    return Store(settings.accounts_path(settings.db_path(db)), idle)


def serve_address(accounts: Store) -> str:
    """Where the app should listen: only this machine while no account exists (单机模式
    has no sign-in), else ``server_address`` from wenming.toml (default every interface)."""
    return settings.config().server_address if accounts.has_accounts() else LOOPBACK


def log(db: str | None, action: str, detail: str) -> None:
    """Write a command's action (``audit.REBUILD``, …) to the audit log beside the
    warehouse ``db``, as the command line; nothing when no account store exists there."""
    accounts = store(db)
    if accounts.path.is_file():
        audit.append(accounts, actor(), action, detail, "")


def actor() -> str:
    """How the log names the command line: 命令行:<system user>."""
    return f"命令行:{getpass.getuser()}"


def run(args: argparse.Namespace) -> int:
    accounts = store(args.db)
    try:
        if args.action == "list":
            return _list(accounts, args.json)
        if args.action == "address":
            print(serve_address(accounts))
            return 0
        if args.action == "add":
            password = _password(args.password_stdin)
            account = accounts.add(args.user_name, args.name, args.role, args.unit, password)
            detail = f"{account.user_name}（{account.role}，{account.home_unit or '全部'}）"
            audit.append(accounts, actor(), audit.ACCOUNT_ADDED, detail, "")
            _check_unit(args.db, account.home)
        elif args.action == "passwd":
            accounts.set_password(args.user_name, _password(args.password_stdin))
            audit.append(accounts, actor(), audit.PASSWORD_CHANGED, args.user_name, "")
        else:
            disabled = args.action == "disable"
            accounts.set_disabled(args.user_name, disabled)
            action = audit.ACCOUNT_DISABLED if disabled else audit.ACCOUNT_ENABLED
            audit.append(accounts, actor(), action, args.user_name, "")
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    account = accounts.get(args.user_name)
    assert account is not None
    if args.json:
        _dump({key: getattr(account, key) for key in FIELDS})
    else:
        print(DONE[args.action].format(user_name=account.user_name, role=account.role))
    return 0


def _check_unit(db: str | None, unit: str | None) -> None:
    """Warn (stderr) when the warehouse exists and lacks the account's home unit."""
    path = settings.db_path(db)
    if unit is None or not path.is_file():
        return
    if unit not in Warehouse(path).units():
        print(WARN_NO_UNIT.format(db=path, unit=unit), file=sys.stderr)


def _list(accounts: Store, as_json: bool) -> int:
    found = accounts.accounts()
    if as_json:
        _dump([{key: getattr(a, key) for key in FIELDS} for a in found])
        return 0
    if not found:
        print(NO_ACCOUNTS)
    for a in found:
        state = "（已停用）" if a.is_disabled else ""
        home = "全部阵地" if a.role == ADMIN else a.home_unit
        print(f"{a.user_name}\t{a.display_name}\t{a.role}\t{home}{state}")
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise AccountError(MSG_NO_PASSWORD)
        return line
    if not sys.stdin.isatty():
        raise AccountError(MSG_NO_PASSWORD)
    first = getpass.getpass(PROMPT)
    if first != getpass.getpass(PROMPT_AGAIN):
        raise AccountError(MSG_MISMATCH)
    return first


def _dump(value: object) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
