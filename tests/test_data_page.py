"""The page 数据导入与质量 by AppTest, and what it reads (``dashboard.quality``): what the last
build loaded and sent back, the conflicts, and the import flow (preview → 确认导入 or 取消,
withdraw → preview → 确认撤回) on a warehouse built as ``wenming build`` builds it.

The built warehouse: the base ledgers (tests/import_helpers.py) and a re-sent activities
file 活动_补报.csv (sorted after 活动.csv): HD01 retitled (a conflict), HD02 as it was (a
duplicate), HD03 with an unknown category. Loaded: units 5, brands 1, orders 1,
activities 2 = 9 rows.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from import_helpers import BASE
from page_helpers import preview, sheet_rows, table, texts, tiles
from streamlit.testing.v1 import AppTest

from dashboard import build_sources, ledger_index, ledgers, quality
from dashboard.warehouse import Warehouse
from pipelines.build import BuildError, build, build_lock

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
DATA = "views/09_data.py"
AS_OF = datetime(2025, 12, 31, 23, 59, 59)
RESENT = (
    "活动编码,活动名称,阵地编码,服务类别,开始时间\n"
    "HD01,学习党的二十届四中全会精神宣讲（更正）,Z01,理论宣讲,2025-03-05 14:30\n"
    "HD02,健康义诊进村居,Z02,卫生健康,2025-03-06\n"
    "HD03,邻里联谊会,Z01,联谊,2025-03-07\n"
)
APRIL = "活动编码,活动名称,阵地编码,服务类别,开始时间\nHD04,读书会,Z02,教育服务,2025-04-01\n"
# The fixture warehouse was not built by the import: its manifest has no counts.
FIXTURE_LOADED = {
    "阵地": 9,
    "区划": 10,
    "品牌项目": 4,
    "点单": 6,
    "活动": 14,
    "参与记录": 22,
    "评价": 49,
    "目标": 6,
    "志愿服务队伍": 0,  # the fixture county sends none
    "积分兑换": 0,
}


@pytest.fixture
def built(tmp_path, monkeypatch):
    """(ledger folder, warehouse): the base ledgers and 活动_补报.csv built from their
    folder ``src``; the ledger folder is empty and the config has no import roots."""
    monkeypatch.setenv("WENMING_CONFIG", str(tmp_path / "none.toml"))
    source = tmp_path / "src"
    shutil.copytree(BASE, source)
    (source / "活动_补报.csv").write_text(RESENT, encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    build([source], db, as_of=AS_OF)
    return tmp_path / "ledgers", db


@pytest.fixture
def open_data(fixture_db, monkeypatch, tmp_path):
    """Open 数据导入与质量 on a warehouse with a ledger folder (default: the fixture county
    and an empty temporary folder)."""

    def run(db: Path = fixture_db, folder: Path | None = None) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(db))
        monkeypatch.setenv(ledgers.LEDGERS_ENV, str(folder or tmp_path / "ledgers"))
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page(DATA).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def upload(at: AppTest, name: str, text: str) -> AppTest:
    at.file_uploader[0].set_value((name, text.encode(), "text/csv")).run()
    return at.button(key="data_upload_preview").click().run()


# ---------------------------------------------------------------- what the warehouse holds


def test_data_page_shows_what_the_warehouse_holds(open_data):
    at = open_data()
    assert at.title[0].value == "数据导入与质量"
    assert tiles(at) == {
        "读入行数": "—",
        "入库": str(sum(FIXTURE_LOADED.values())),
        "重复": "—",
        "退回": "0",
        "待决定冲突": "0",
    }
    rows = table(at, "表", "读入行数")
    assert {r["表"]: r["入库"] for r in rows} == {k: str(v) for k, v in FIXTURE_LOADED.items()}
    assert all(r["重复"] == "—" and r["退回"] == "0" for r in rows)
    assert "最近一次导入没有退回的行。" in texts(at)
    assert "没有待决定的冲突。" in texts(at)
    assert at.file_uploader[0].accept_multiple_files


def test_a_warehouse_without_recorded_sources_is_not_rebuilt_from_the_page(open_data):
    at = open_data()  # the fixture county was written by hand: no sources recorded
    assert [w.value for w in at.warning] == [build_sources.MSG_NO_RECORD]
    assert at.file_uploader[0].disabled
    assert at.button(key="data_upload_preview").disabled


def test_data_page_offers_the_upload_without_a_warehouse(open_data, tmp_path):
    at = open_data(db=tmp_path / "none.duckdb")
    assert "还没有数据" in texts(at)
    assert at.file_uploader[0].allowed_type == [".csv", ".xlsx", ".xls", ".xlsm"]
    assert not at.file_uploader[0].disabled
    assert at.button(key="data_upload_preview").disabled  # until files are chosen


def test_rebuild_counts_every_row_as_loaded_duplicate_or_rejected(built):
    _folder, db = built
    wh = Warehouse(db)
    counts = {
        r["table"]: (r["rows"], r["loaded"], r["duplicates"], r["rejected"])
        for r in quality.table_counts(wh)
    }
    assert counts["units"] == (5, 5, 0, 0)
    assert counts["activities"] == (5, 2, 1, 2)  # HD01 HD02 loaded; HD02 again; HD01', HD03
    files = {
        r["file"]: (r["rows"], r["loaded"], r["duplicates"], r["rejected"])
        for r in quality.file_counts(wh)
    }
    assert files["活动.csv"] == (2, 2, 0, 0)
    assert files["活动_补报.csv"] == (3, 0, 1, 2)
    reasons = [(r["row"], r["reason_code"]) for r in quality.rejects(wh, table="activities")]
    assert reasons == [(2, "conflict"), (4, "unknown_category")]
    assert [r["row"] for r in quality.rejects(wh, reason_code="unknown_category")] == [4]


def test_a_conflict_shows_both_versions_and_adopting_it_keeps_the_new_one(built):
    folder, db = built
    (conflict,) = quality.conflicts(Warehouse(db))
    assert (conflict["row_key"], conflict["kept_file"], conflict["kept_row"]) == (
        "HD01",
        "活动.csv",
        2,
    )
    differing = [(f["label"], f["kept"], f["new"]) for f in conflict["fields"] if f["differs"]]
    assert differing == [
        ("活动名称", "学习党的二十届四中全会精神宣讲", "学习党的二十届四中全会精神宣讲（更正）")
    ]
    ledgers.adopt(db, conflict)
    ledgers.rebuild(db, folder)
    wh = Warehouse(db)
    assert quality.conflicts(wh) == []
    assert wh.query("SELECT title FROM activities WHERE activity_id = 'HD01'") == [
        {"title": "学习党的二十届四中全会精神宣讲（更正）"}
    ]
    assert [r["reason_code"] for r in quality.rejects(wh, table="activities")] == [
        "superseded",
        "unknown_category",
    ]
    assert wh.query("SELECT COUNT(*) AS n FROM units") == [{"n": 5}]  # the sources stay


def test_a_rebuild_waits_for_no_other_build_and_keeps_the_old_warehouse(built):
    folder, db = built
    before = db.read_bytes()
    with build_lock(db), pytest.raises(BuildError, match="另一次构建正在进行"):
        ledgers.rebuild(db, folder)
    with build_lock(db), pytest.raises(BuildError, match="另一次构建正在进行"):
        ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL.encode())])
    assert db.read_bytes() == before
    assert ledger_index.stored_files(folder) == []
    assert not list((folder.parent / ".ledgers.pending").iterdir())


def test_the_rejects_workbook_gives_the_clerk_each_row_as_sent(built):
    _folder, db = built
    rows = sheet_rows(quality.rejects_workbook(quality.rejects(Warehouse(db))))
    assert rows[0] == [
        "所在文件",
        "工作表",
        "行号",
        "退回原因",
        "活动编码",
        "活动名称",
        "阵地编码",
        "服务类别",
        "开始时间",
    ]
    assert [(r[0], r[2], r[4], r[7]) for r in rows[1:]] == [
        ("活动_补报.csv", 2.0, "HD01", "理论宣讲"),
        ("活动_补报.csv", 4.0, "HD03", "联谊"),
    ]
    assert "服务类别“联谊”不在允许范围内" in rows[2][3]


def test_data_page_lists_files_rejects_and_conflicts_of_a_build(open_data, built):
    folder, db = built
    at = open_data(db, folder)
    # units 5, brands 1, orders 1, activities 2 + 3 (HD02 again; HD01 retitled, HD03)
    assert tiles(at) == {"读入行数": "12", "入库": "9", "重复": "1", "退回": "2", "待决定冲突": "1"}
    files = {
        r["文件"]: (r["状态"], r["读入行数"], r["入库"], r["重复"], r["退回"])
        for r in table(at, "文件", "工作表")
    }
    assert files["活动_补报.csv"] == ("已导入", "3", "0", "1", "2")
    assert [r["问题"] for r in table(at, "表", "文件")] == [
        "编码相同内容不同（待决定）",
        "服务类别无法识别",
    ]
    at.selectbox(key="data_reject_reason").set_value("unknown_category").run()
    assert [r["行号"] for r in table(at, "表", "文件")] == [4]
    versions = table(at, "字段")
    assert [r["不同"] for r in versions if r["字段"] == "活动名称"] == ["不同"]
    # adopting the new value rebuilds the warehouse: the conflict is gone
    at.button(key="data_adopt").click().run()
    assert not at.exception
    assert "已记录：活动 HD01 采用 活动_补报.csv 第2行的新值。" in texts(at)
    assert tiles(at)["待决定冲突"] == "0"


# ---------------------------------------------------------------- the import flow


def test_an_upload_is_previewed_and_added_only_when_confirmed(open_data, built):
    folder, db = built
    before = db.read_bytes()
    at = upload(open_data(db, folder), "活动_四月.csv", APRIL)
    assert not at.exception
    assert [s.value for s in at.subheader][0] == "待确认的变更"
    # one activity row more, loaded
    assert preview(at, "表", "读入行数") == [
        {
            "表": "活动",
            "读入行数": "+1",
            "入库": "+1",
            "重复": "0",
            "退回": "0",
        }
    ]
    assert preview(at, "文件", "状态", "行数") == [
        {"文件": "活动_四月.csv", "状态": "已读入", "行数": "1", "说明": ""}
    ]
    assert db.read_bytes() == before and ledger_index.stored_files(folder) == []
    at.button(key="data_confirm").click().run()
    assert not at.exception
    assert "已导入，数据仓库已重新构建。" in texts(at)
    assert tiles(at)["入库"] == "10"  # 9 + HD04
    assert [r["文件"] for r in table(at, "文件", "方式")] == ["活动_四月.csv"]
    files = [r["文件"] for r in table(at, "文件", "工作表")]
    assert "活动_四月.csv" in files and not any(f.startswith("uploads/") for f in files)
    assert "待确认的变更" not in [s.value for s in at.subheader]


def test_an_upload_that_can_never_load_is_explained_and_cannot_be_confirmed(open_data, built):
    folder, db = built
    at = open_data(db, folder)
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)  # a picture renamed .xlsx
    at.file_uploader[0].set_value(("照片.xlsx", png, "application/octet-stream")).run()
    at = at.button(key="data_upload_preview").click().run()
    assert not at.exception
    assert preview(at, "文件", "状态", "行数")[0]["状态"] == "无法读取"
    assert "所选文件都无法读入" in texts(at)
    assert at.button(key="data_confirm").disabled
    at.button(key="data_cancel").click().run()
    assert not folder.exists() or ledger_index.stored_files(folder) == []


def test_cancelling_a_preview_changes_nothing(open_data, built):
    folder, db = built
    before = db.read_bytes()
    at = upload(open_data(db, folder), "活动_四月.csv", APRIL)
    at.button(key="data_cancel").click().run()
    assert "已取消，没有做任何改动。" in texts(at)
    assert db.read_bytes() == before
    assert not folder.exists() or ledger_index.stored_files(folder) == []
    assert not list((folder.parent / ".ledgers.pending").iterdir())
    assert "待确认的变更" not in [s.value for s in at.subheader]


def test_withdrawing_an_upload_is_previewed_and_brings_the_figures_back(open_data, built):
    folder, db = built
    at = upload(open_data(db, folder), "活动_四月.csv", APRIL)
    at.button(key="data_confirm").click().run()
    (stored,) = ledger_index.stored_files(folder)
    at.selectbox(key="data_withdraw_pick").set_value(stored["stored"]).run()
    at.button(key="data_withdraw_preview").click().run()
    assert "将撤回“活动_四月.csv”" in texts(at)
    assert preview(at, "表", "读入行数")[0]["入库"] == "-1"
    assert [r["文件"] for r in preview(at, "文件", "状态", "行数")] == ["活动_四月.csv"]
    at.button(key="data_confirm").click().run()
    assert "已撤回，数据仓库已重新构建。" in texts(at)
    assert tiles(at)["入库"] == "9"
    assert "台账文件夹中还没有文件。" in texts(at)


def test_the_recorded_sources_are_shown_but_no_server_path(open_data, built, tmp_path):
    folder, db = built
    at = open_data(db, folder)
    assert "数据仓库由以下来源构建（命令行指定，本页不能撤回）：`…/src`。" in texts(at)
    assert str(tmp_path) not in texts(at)
    assert "台账文件夹中还没有文件。" in texts(at)


def test_the_folder_import_is_disabled_until_roots_are_configured(open_data, built):
    folder, db = built
    at = open_data(db, folder)
    assert any("[import_roots]" in m.value for m in at.markdown)
    assert at.button(key="data_folder_preview").disabled


def test_the_folder_import_offers_only_folders_under_the_roots(
    open_data, built, tmp_path, monkeypatch
):
    folder, db = built
    incoming = tmp_path / "incoming" / "镇A"
    incoming.mkdir(parents=True)
    (incoming / "活动_四月.csv").write_text(APRIL, encoding="utf-8")
    config = tmp_path / "wenming.toml"
    config.write_text(f'[import_roots]\n"各镇报送" = "{incoming.parent}"\n', encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    at = open_data(db, folder)
    assert at.selectbox(key="data_folder_root").options == ["各镇报送"]
    assert at.selectbox(key="data_folder_path").options == ["（整个导入文件夹）", "镇A"]
    at.selectbox(key="data_folder_path").set_value("镇A").run()
    at.button(key="data_folder_preview").click().run()
    assert preview(at, "文件", "状态", "行数")[0]["文件"] == "各镇报送/镇A/活动_四月.csv"
    assert str(tmp_path) not in texts(at)
    at.button(key="data_confirm").click().run()
    assert tiles(at)["入库"] == "10"
    assert (incoming / "活动_四月.csv").is_file()  # copied, not moved


def test_a_file_over_the_size_limit_is_refused_on_the_page_in_chinese(
    open_data, built, tmp_path, monkeypatch
):
    folder, db = built
    config = tmp_path / "wenming.toml"
    config.write_text("upload_max_mb = 1\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    before = db.read_bytes()
    at = upload(open_data(db, folder), "大.csv", APRIL + "," * (1024 * 1024))
    assert [e.value for e in at.error] == [
        "操作失败，数据仓库和台账文件夹保持不变：“大.csv”有 1.0 MB，超过单个文件 1 MB 的上限："
        "请拆分后再导入，或请管理员调整 upload_max_mb。"
    ]
    assert db.read_bytes() == before and ledger_index.stored_files(folder) == []


def test_the_freshness_line_and_the_data_page_count_the_same_files(open_data, tmp_path):
    # the base ledgers (4 files) and a byte-equal copy of one, skipped as a duplicate
    source = tmp_path / "src"
    shutil.copytree(BASE, source)
    shutil.copyfile(source / "活动.csv", source / "活动_重发.csv")
    db = tmp_path / "copies.duckdb"
    build([source], db, as_of=AS_OF)
    at = open_data(db=db)
    files = len(list(source.iterdir()))  # 5, the copy included
    shown = texts(at)
    assert f"（{files} 个文件）" in shown
    assert f"最近一次构建读入 {files} 个文件" in shown
