"""Sign-in, scope and the audit log, run by AppTest on the fixture county.

A 领导 of 峡窝镇 (SB: SB, ZB1, ZB2, DB1) signs in; the expected figures are worked out
here from the fixture's literal rows (tests/conftest.py), and the neighbouring 济源路街道
(SA: SA, ZA1, ZA2), the centre and the base must not show anywhere. 本年 is
2025-01-01..2025-04-15. The store's clock is replaced: no test sleeps.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import zipfile
from datetime import datetime, timedelta
from io import BytesIO

import pytest
import python_calamine
from conftest import ACTIVITIES, APP, ATTENDANCE, BRANDS, ORDERS, UNITS
from streamlit.testing.v1 import AppTest

from dashboard import accounts, audit, ui
from dashboard.accounts import ADMIN, LEADER, Store

PASSWORD = "zhen-zhang-2025"
ADMIN_PASSWORD = "county-admin-1"
T0 = datetime(2025, 4, 15, 9, 0)
SB = "峡窝镇新时代文明实践所"
SA = "济源路街道新时代文明实践所"
PARENT = {row[0]: row[3] for row in UNITS}
NAME = {row[0]: row[1] for row in UNITS}
SIGNED_IN_PAGES = [spec.path for spec in ui.PAGES if LEADER in spec.roles]


def below(home: str) -> set[str]:
    found = set()
    for unit in PARENT:
        walk = unit
        while walk not in (None, home):
            walk = PARENT[walk]
        if walk == home:
            found.add(unit)
    return found


TOWN = below("SB")
# everything of the units outside 峡窝镇: names, activity titles, brand names
FOREIGN = (
    [NAME[u] for u in PARENT if u not in TOWN]
    + [a[1] for a in ACTIVITIES if a[2] not in TOWN]
    + [b[1] for b in BRANDS if b[2] not in TOWN]
)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(accounts, "now", c)
    # argon2 as configured costs ~64 MiB and tens of ms a hash; the tests need not pay it
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(1, 8, 1))
    return c


@pytest.fixture
def store(tmp_path, monkeypatch, fixture_db, clock) -> Store:
    """An account store with a county 管理员 and 峡窝镇's 领导, beside the fixture county."""
    path = tmp_path / "fixture.accounts.sqlite"
    monkeypatch.setenv("WENMING_ACCOUNTS", str(path))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    s = Store(path)
    s.add("admin", "县管理员", ADMIN, None, ADMIN_PASSWORD)
    s.add("lead", "李镇长", LEADER, "SB", PASSWORD)
    return s


def start(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.run()
    return at


def sign_in(at: AppTest, user: str = "lead", password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def signed_in(**query: str) -> AppTest:
    return sign_in(start(**query))


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def shows_sign_in_form(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["登录文明实践数据看板"] and not at.metric


def page_text(at: AppTest) -> str:
    """Every text a page shows: titles, captions, tiles, tables, options and charts."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success", "text"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.value.to_csv() for e in at.dataframe]
    for box in (*at.selectbox, *at.multiselect):
        parts += [str(option) for option in box.options]
    parts += [e.proto.spec for e in at.get("plotly_chart")]
    return "\n".join(parts)


def person_times(activity: tuple) -> int:
    crowd = [n for a, _, n, role in ATTENDANCE if a == activity[0] and role == "群众"]
    return sum(crowd) if crowd else activity[-1] or 0


def this_year_in_town() -> list[tuple]:
    return [a for a in ACTIVITIES if a[2] in TOWN and "2025-01-01" <= a[5][:10] <= "2025-04-15"]


# --- 单机模式 ------------------------------------------------------------------------------


def test_without_any_account_every_page_opens_and_says_single_machine_mode(
    tmp_path, monkeypatch, fixture_db
):
    monkeypatch.setenv("WENMING_ACCOUNTS", str(tmp_path / "none.sqlite"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    at = start()
    for spec in ui.PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, spec.path
        assert "单机模式（未启用登录）" in [c.value.split(" ", 1)[-1] for c in at.sidebar.caption]
        assert at.title[0].value == spec.title


# --- signing in ------------------------------------------------------------------------------


def test_once_an_account_exists_every_page_asks_to_sign_in_first(store):
    at = start()
    for spec in ui.PAGES:
        at.switch_page(spec.path).run()
        assert shows_sign_in_form(at), spec.path
        assert not at.dataframe


def test_a_town_leader_sees_exactly_the_towns_figures_on_every_page(store, downloads):
    at = signed_in()
    town = this_year_in_town()
    assert at.sidebar.caption[0].value == f"当前账号：李镇长（领导 · {SB}）"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["活动场次"] == f"{len(town)}场次" == "6场次"
    assert tiles["服务人次"] == f"{sum(person_times(a) for a in town)}人次" == "260人次"
    for page in SIGNED_IN_PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert not errors(at), (page, errors(at))
        text = page_text(at)
        assert not [name for name in FOREIGN if name in text], page
        if page == "views/03_service.py":
            assert {m.label: m.value for m in at.metric}["服务人次"] == "260人次"
        if page == "views/06_orders.py":  # orders placed at the town's units this year
            placed = [o for o in ORDERS if o[4] in TOWN and o[1].year == 2025]
            assert {m.label: m.value for m in at.metric}["点单数"] == f"{len(placed)}单" == "3单"
        if page == "views/04_brands.py":  # B2, B3 and B4 are owned in the town
            owned = [b for b in BRANDS if b[2] in TOWN]
            assert {m.label: m.value for m in at.metric}["品牌项目"] == f"{len(owned)}个" == "3个"
    # every table and workbook the pages offered: the town's rows only
    workbooks = {name: make for name, make in downloads.items() if name.endswith(".xlsx")}
    assert len(workbooks) >= 10
    for name, make in workbooks.items():
        content = make()
        book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(content))
        cells = "\n".join(
            str(cell)
            for sheet in book.sheet_names
            for row in book.get_sheet_by_name(sheet).to_python()
            for cell in row
        )
        assert not [n for n in FOREIGN if n in cells], name
    logged = audit.entries(store, actions=[audit.DOWNLOAD])
    assert {(r["user_name"], r["detail"]) for r in logged} == {("lead", n) for n in workbooks}
    assert {r["scope"].split()[0] for r in logged} == {"SB"}


def test_a_leader_never_gets_the_import_or_accounts_page(store):
    at = signed_in()
    for page in ("views/09_data.py", "views/10_accounts.py"):
        # not among the leader's pages at all: no link, no URL reaches it
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_tampered_unit_in_the_url_is_refused_in_chinese(store):
    at = signed_in(unit=SA)
    assert errors(at) == [f"无权查看“{SA}”的数据：本账号只能查看“{SB}”及其下级阵地。"]
    assert not at.metric and not at.dataframe
    at.run()  # the picker starts over on the account's own unit
    assert not errors(at)
    assert at.selectbox(key="unit").value == "SB"


def test_a_drill_down_to_the_neighbouring_town_is_refused_in_chinese(store):
    at = start()
    at.session_state["unit"] = "ZA1"  # the session's pick, as a drill-down sets it
    sign_in(at)
    assert errors(at) == [f"无权查看“{NAME['ZA1']}”的数据：本账号只能查看“{SB}”及其下级阵地。"]
    assert not at.metric


def test_a_disabled_account_is_signed_out_with_a_chinese_message(store):
    at = signed_in()
    store.set_disabled("lead", True)
    at.run()
    assert shows_sign_in_form(at)
    assert errors(at) == ["账号“lead”已停用，请联系管理员。"]


def test_an_idle_session_expires_with_a_chinese_message(store, clock):
    at = signed_in()
    clock.at += timedelta(hours=8, seconds=1)
    at.run()
    assert shows_sign_in_form(at)
    assert errors(at) == ["超过 8 小时未操作，已自动退出。请重新登录。"]


def test_the_sixth_wrong_password_is_refused_as_locked(store):
    at = start()
    for _ in range(5):
        sign_in(at, password="not-the-password")
    assert errors(at) == [
        "账号“lead”连续 5 次密码错误，已锁定，请于 09:15 后再试，或请管理员协助。"
    ]
    sign_in(at)  # the 6th, with the right password: still locked
    assert shows_sign_in_form(at)
    assert errors(at) == [
        "账号“lead”连续 5 次密码错误，已锁定，请于 09:15 后再试，或请管理员协助。"
    ]


def test_signing_out_ends_the_session(store):
    at = signed_in()
    token = at.session_state["_signin_token"]
    at.button(key="sign_out").click().run()
    assert shows_sign_in_form(at)
    assert [i.value for i in at.info] == ["已退出登录。"]
    with pytest.raises(accounts.AccountError):
        store.resume(token)


def test_the_next_account_in_the_same_browser_starts_on_its_own_scope(store):
    at = sign_in(start(), "admin", ADMIN_PASSWORD)
    at.selectbox(key="unit").select("SA").run()
    assert at.selectbox(key="unit").value == "SA"
    at.button(key="sign_out").click().run()
    sign_in(at)
    assert not errors(at)
    assert at.selectbox(key="unit").value == "SB"


def test_the_audit_log_holds_every_action_in_order_and_no_secret_leaks(
    store, clock, fixture_db, downloads, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    at = start(unit=SA)
    sign_in(at, password="not-the-password")
    sign_in(at)  # refused: the URL names the neighbouring town
    token = at.session_state["_signin_token"]
    at.run()
    at.switch_page("views/04_brands.py").run()
    made = downloads[f"品牌项目_{SB}.xlsx"]()
    at.button(key="sign_out").click().run()
    clock.at += timedelta(minutes=1)
    admin = sign_in(start(), "admin", ADMIN_PASSWORD)
    admin.switch_page("views/10_accounts.py").run()
    log_export = next(make for name, make in downloads.items() if name.startswith("操作日志"))()
    assert [(r["user_name"], r["action"]) for r in audit.entries(store)] == [
        ("lead", audit.SIGN_IN_FAILED),
        ("lead", audit.SIGN_IN_OK),
        ("lead", audit.SCOPE_REFUSED),
        ("lead", audit.DOWNLOAD),
        ("lead", audit.SIGN_OUT),
        ("admin", audit.SIGN_IN_OK),
        ("admin", audit.DOWNLOAD),
    ]
    con = sqlite3.connect(store.path)
    hashes = [row[0] for row in con.execute("SELECT password_hash FROM accounts")]
    con.close()
    secrets = [PASSWORD, ADMIN_PASSWORD, token, *hashes, *(h.split("$")[-2] for h in hashes)]
    out, err = capfd.readouterr()
    files = {
        "warehouse": fixture_db.read_bytes(),
        "log": (caplog.text + out + err).encode(),
        "table export": made,
        "audit export": log_export,
        **_unzipped(made),
        **_unzipped(log_export),
    }
    for what, content in files.items():
        for secret in secrets:
            assert secret.encode() not in content, what


def _unzipped(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(xlsx)) as book:
        return {name: book.read(name) for name in book.namelist()}


def test_the_log_export_lists_actions_in_chinese(store):
    store.sign_in("lead", PASSWORD)
    rows = [
        [str(cell) for cell in row]
        for row in python_calamine.CalamineWorkbook.from_filelike(
            BytesIO(audit.workbook(audit.entries(store)))
        )
        .get_sheet_by_index(0)
        .to_python()
    ]
    assert rows[0] == ["序号", "时间", "账号", "操作", "内容", "范围"]
    assert rows[1][2:4] == ["lead", "登录成功"]
    assert rows[1][5] == "SB"
    json.dumps(rows)  # plain cells only


def _guarded_action() -> None:
    import streamlit as st

    from dashboard import ui
    from dashboard.accounts import Account

    st.session_state["_signin_account"] = Account("lead", "李镇长", "领导", "SB")
    ui.require_role(ui.ADMIN)
    st.write("已重新构建")


def test_an_action_kept_for_another_role_is_refused_in_chinese():
    at = AppTest.from_function(_guarded_action).run()
    assert errors(at) == ["只有管理员可以执行这一操作。本账号的角色是领导。"]
    assert not at.markdown


def test_a_damaged_account_store_stops_the_app_rather_than_drop_sign_in(store):
    store.path.write_bytes(b"not a database" * 100)
    at = start()
    assert errors(at) == [
        f"账号库文件无法读取（{store.path}），为安全起见暂停服务。请管理员检查该文件，或从备份恢复。"
    ]
    assert not at.metric and not at.text_input
