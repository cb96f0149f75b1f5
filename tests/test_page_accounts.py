"""The page 账号与日志, run by AppTest as the county's 管理员: accounts listed, added,
disabled, and every change in the audit log, which the page filters and exports."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
import python_calamine
from conftest import APP
from streamlit.testing.v1 import AppTest

from dashboard import accounts, audit
from dashboard.accounts import ADMIN, LEADER, Store

PAGE = "views/10_accounts.py"
ADMIN_PASSWORD = "county-admin-1"
CLOCK = [datetime(2025, 4, 15, 9, 0)]  # the store's clock, moved by a test


@pytest.fixture
def admin_page(tmp_path, monkeypatch, fixture_db) -> tuple[AppTest, Store]:
    monkeypatch.setattr(accounts, "now", lambda: CLOCK[0])
    CLOCK[0] = datetime(2025, 4, 15, 9, 0)
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(1, 8, 1))
    monkeypatch.setenv("WENMING_ACCOUNTS", str(tmp_path / "a.sqlite"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    store = Store(tmp_path / "a.sqlite")
    store.add("admin", "县管理员", ADMIN, None, ADMIN_PASSWORD)
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.text_input(key="signin_user").input("admin")
    at.text_input(key="signin_password").input(ADMIN_PASSWORD)
    at.button[0].click().run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at, store


def table(at: AppTest, index: int) -> list[dict]:
    return at.dataframe[index].value.to_dict("records")


def test_the_administrator_adds_a_town_leader_and_the_log_says_who_did_it(admin_page, downloads):
    at, store = admin_page
    assert at.title[0].value == "账号与日志"
    for key, value in {
        "add_user": "lead",
        "add_name": "李镇长",
        "add_unit": "SB",
        "add_password": "zhen-zhang-2025",
        "add_again": "zhen-zhang-2025",
    }.items():
        at.text_input(key=key).input(value)
    at.selectbox(key="add_role").select(LEADER)
    next(b for b in at.button if b.label == "新建").click().run()
    assert [s.value for s in at.success] == ["已完成：lead（领导，SB）"]
    assert [(r["用户名"], r["角色"], r["所属阵地"], r["状态"]) for r in table(at, 0)] == [
        ("admin", "管理员", "全部阵地", "正常"),
        ("lead", "领导", "峡窝镇新时代文明实践所", "正常"),
    ]
    assert store.get("lead").home == "SB"
    log = table(at, 1)  # newest first
    assert [(r["账号"], r["操作"], r["内容"]) for r in log] == [
        ("admin", "新建账号", "lead（领导，SB）"),
        ("admin", "登录成功", ""),
    ]
    export = next(make for name, make in downloads.items() if name.startswith("操作日志"))()
    rows = python_calamine.CalamineWorkbook.from_filelike(BytesIO(export)).get_sheet_by_index(0)
    assert [r[3] for r in rows.to_python()] == ["操作", "新建账号", "登录成功"]


def test_an_account_for_a_unit_the_warehouse_lacks_is_refused_in_chinese(admin_page):
    at, store = admin_page
    for key, value in {
        "add_user": "ghost",
        "add_unit": "NOPE",
        "add_password": "zhen-zhang-2025",
        "add_again": "zhen-zhang-2025",
    }.items():
        at.text_input(key=key).input(value)
    next(b for b in at.button if b.label == "新建").click().run()
    assert [e.value for e in at.error] == ["找不到阵地编码“NOPE”，请检查后重新输入。"]
    assert store.get("ghost") is None


def test_disabling_an_account_is_logged_and_the_log_filters_by_action(admin_page):
    at, store = admin_page
    store.add("lead", "李镇长", LEADER, "SB", "zhen-zhang-2025")
    at.run()
    at.selectbox(key="change_user").select("lead")
    at.button(key="change_disable").click().run()
    assert store.get("lead").is_disabled
    at.multiselect(key="log_actions").select(audit.ACCOUNT_DISABLED).run()
    assert [(r["账号"], r["操作"], r["内容"]) for r in table(at, 1)] == [
        ("admin", "停用账号", "停用账号：lead")
    ]


def test_an_expired_session_cannot_add_an_account_with_a_pending_click(admin_page):
    at, store = admin_page
    for key, value in {
        "add_user": "late",
        "add_unit": "SB",
        "add_password": "zhen-zhang-2025",
        "add_again": "zhen-zhang-2025",
    }.items():
        at.text_input(key=key).input(value)
    CLOCK[0] += timedelta(hours=8, seconds=1)
    next(b for b in at.button if b.label == "新建").click().run()
    assert store.get("late") is None
    assert [e.value for e in at.error] == ["超过 8 小时未操作，已自动退出。请重新登录。"]
