"""数据导入与质量 for a 填报员, by AppTest (issue 12, items 5 and 6): the clerk of 峡窝镇
(S02) uploads a ledger with rows of both towns, the page previews and loads their own,
the rest come back as 不属于本账号的填报范围; rebuilds, folder imports, conflict adoption
and other accounts' files stay the 管理员's; every action is in the audit log, in order.

The county is tests/test_clerk_uploads.py's: 中心 ZX01, 济源路街道 S01 (Z01) and 峡窝镇 S02
(Z02), activities HD01 at Z01 and HD02 at Z02, built as ``wenming build`` builds it.
"""

from __future__ import annotations

import pytest
from conftest import APP
from page_helpers import texts
from streamlit.testing.v1 import AppTest
from test_clerk_uploads import ACTIVITIES, AS_OF, CLERK_LEDGER, OTHER_CLERK, OTHER_LEDGER, UNITS

from dashboard import accounts, audit, ledger_index, ledgers
from dashboard.accounts import ADMIN, CLERK, LEADER, Store
from pipelines import settings
from pipelines.build import build

DATA = "views/09_data.py"
PASSWORD = "xiawo-tianbao-1"


@pytest.fixture
def county(tmp_path, monkeypatch):
    """(warehouse, ledger folder, account store): the two towns built from ``src``, an
    empty ledger folder, accounts: 管理员 admin, 峡窝镇's 填报员 xiawo and 领导 lead."""
    monkeypatch.setenv("WENMING_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(1, 8, 1))
    source = tmp_path / "src"
    source.mkdir()
    (source / "阵地.csv").write_text(UNITS, encoding="utf-8")
    (source / "活动.csv").write_text(ACTIVITIES, encoding="utf-8")
    db = tmp_path / "wh" / "warehouse.duckdb"
    build([source], db, as_of=AS_OF)
    folder = tmp_path / "ledgers"
    path = tmp_path / "accounts.sqlite"
    monkeypatch.setenv("WENMING_DB", str(db))
    monkeypatch.setenv("WENMING_ACCOUNTS", str(path))
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(folder))
    store = Store(path)
    store.add("admin", "县管理员", ADMIN, None, PASSWORD)
    store.add("xiawo", "峡窝镇填报员", CLERK, "S02", PASSWORD)
    store.add("lead", "峡窝镇领导", LEADER, "S02", PASSWORD)
    return db, folder, store


def signed_in(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def data_page(user: str) -> AppTest:
    at = signed_in(user)
    at.switch_page(DATA).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frame(at: AppTest, *headers: str, preview: bool = False) -> list[dict]:
    """The rows of the first table (the preview's: ``preview``) with ``headers``."""
    for element in at.table if preview else at.dataframe:
        data = element.value
        if all(h in data.columns for h in headers):
            return data.astype(str).to_dict("records")
    raise AssertionError(f"no table with {headers}")


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    return at.button(key="data_upload_preview").click().run()


def test_a_clerk_uploads_both_towns_rows_and_only_the_home_towns_are_loaded(county, downloads):
    db, folder, store = county
    at = upload(data_page("xiawo"), "活动_峡窝镇.csv", CLERK_LEDGER)
    assert "峡窝镇新时代文明实践所" in texts(at)  # the page says what the clerk may add
    # by hand: 4 rows, HD10 (Z02) and HD12 (S02) loaded, HD11 and HD01 (Z01) sent back
    assert frame(at, "表", "读入行数", preview=True) == [
        {"表": "活动", "读入行数": "+4", "入库": "+2", "重复": "0", "退回": "+2"}
    ]
    at.button(key="data_confirm").click().run()
    assert not at.exception
    assert "已导入，数据仓库已重新构建。" in texts(at)
    rejects = frame(at, "问题", "退回原因")
    assert [(r["文件"], r["行号"], r["问题"]) for r in rejects] == [
        ("活动_峡窝镇.csv", "3", "不属于本账号的填报范围"),
        ("活动_峡窝镇.csv", "5", "不属于本账号的填报范围"),
    ]
    downloads["退回行_请修改后重报.xlsx"]()
    downloads[settings.TEMPLATE_PATH.name]()
    stored = next(iter(ledger_index.read_index(folder)))
    at.selectbox(key="data_withdraw_pick").set_value(stored).run()
    at.button(key="data_withdraw_preview").click().run()
    at.button(key="data_confirm").click().run()
    assert "已撤回，数据仓库已重新构建。" in texts(at)
    assert ledger_index.read_index(folder) == {}
    logged = [(r["user_name"], r["action"]) for r in audit.entries(store)]
    assert logged == [
        ("xiawo", audit.SIGN_IN_OK),
        ("xiawo", audit.UPLOAD_PREVIEW),
        ("xiawo", audit.UPLOAD),
        ("xiawo", audit.DOWNLOAD),
        ("xiawo", audit.DOWNLOAD),
        ("xiawo", audit.WITHDRAW_PREVIEW),
        ("xiawo", audit.WITHDRAW),
    ]
    # every action in the clerk's scope (a download also names its period)
    assert {r["scope"].split()[0] for r in audit.entries(store)} == {"S02"}
    details = [r["detail"] for r in audit.entries(store)]
    assert details[2] == "导入：活动_峡窝镇.csv；活动 入库+2 重复0 退回+2"
    assert details[3:5] == ["退回行_请修改后重报.xlsx", settings.TEMPLATE_PATH.name]


def test_a_clerk_sees_the_rejects_of_an_upload_none_of_whose_rows_was_loaded(county):
    db, folder, _store = county
    at = upload(data_page("xiawo"), "活动_济源路.csv", OTHER_LEDGER)  # HD20 at Z01 only
    at.button(key="data_confirm").click().run()
    assert not at.exception
    rejects = frame(at, "问题", "退回原因")
    assert [(r["文件"], r["行号"], r["问题"]) for r in rejects] == [
        ("活动_济源路.csv", "2", "不属于本账号的填报范围")
    ]


def test_a_clerk_gets_no_rebuild_folder_import_conflict_or_others_files(county):
    db, folder, _store = county
    theirs = ledgers.stage_uploads(db, folder, [("活动_济源路.csv", OTHER_LEDGER)], OTHER_CLERK)
    ledgers.confirm(db, folder, theirs, OTHER_CLERK)
    at = data_page("xiawo")
    keys = {b.key for b in at.button}
    assert {"data_folder_preview", "data_adopt"}.isdisjoint(keys)
    assert [e.label for e in at.expander if e.label == "从服务器文件夹导入"] == []
    # the other clerk's file is neither listed nor offered for withdrawal
    assert "活动_济源路.csv" not in texts(at)
    assert [s for s in at.selectbox if s.key == "data_withdraw_pick"] == []
    assert "填报员只能撤回本账号上传的文件。" in texts(at)


def test_a_clerk_confirming_a_withdrawal_of_another_accounts_file_is_refused_and_logged(
    county,
):
    db, folder, store = county
    theirs = ledgers.stage_uploads(db, folder, [("活动_济源路.csv", OTHER_LEDGER)], OTHER_CLERK)
    ledgers.confirm(db, folder, theirs, OTHER_CLERK)
    stored = theirs.entries[0]["stored"]
    with pytest.raises(ledgers.RoleRefused, match="不是本账号上传的文件"):
        ledgers.stage_withdrawal(db, folder, stored, ledgers.Uploader("xiawo", CLERK, "S02"))
    # a tampered session: a withdrawal staged by the file's own uploader, confirmed by xiawo
    at = data_page("xiawo")
    at.session_state["data_preview"] = ledgers.stage_withdrawal(db, folder, stored, OTHER_CLERK)
    at.run()
    at.button(key="data_confirm").click().run()
    assert not at.exception
    assert "不是本账号上传的文件：填报员只能撤回自己上传的文件" in "\n".join(
        e.value for e in at.error
    )
    assert list(ledger_index.read_index(folder)) == [stored]
    assert [r["action"] for r in audit.entries(store)] == [audit.SIGN_IN_OK, audit.SCOPE_REFUSED]


def test_the_administrator_adopts_a_conflict_and_the_rebuild_is_logged(county):
    db, folder, store = county
    retitled = ACTIVITIES.replace("健康讲座", "健康讲座（更正）").encode()
    at = upload(data_page("admin"), "活动_更正.csv", retitled)
    at.button(key="data_confirm").click().run()
    at.button(key="data_adopt").click().run()
    assert not at.exception
    assert "采用" in texts(at)
    actions = [r["action"] for r in audit.entries(store)]
    assert actions == [
        audit.SIGN_IN_OK,
        audit.UPLOAD_PREVIEW,
        audit.UPLOAD,
        audit.CONFLICT_ADOPTED,
        audit.REBUILD,
    ]
    assert [r["scope"] for r in audit.entries(store)][-1] == "全部"


def test_a_leader_cannot_open_the_data_page(county):
    at = signed_in("lead")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(DATA)
