"""The page 数据可信度 on the planted ledgers (tests/integrity_ledgers.py), and the mark
the other pages' unit tables carry."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from page_helpers import sheet_rows, table, texts, tiles
from streamlit.testing.v1 import AppTest

from dashboard import cache, ledgers

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
INTEGRITY = "views/18_integrity.py"
SERVICE = "views/03_service.py"
TOWN = "核查街道新时代文明实践所"


@pytest.fixture
def open_page(monkeypatch, tmp_path):
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))

    def run(page: str, db: Path, *, audited: bool = True, **query: str) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        at.switch_page(page).run()
        if audited:  # the audit runs beside the page (cache.load_later); then the page shows it
            cache.settle()
            at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def test_the_page_counts_each_checks_flags_and_ranks_the_units(open_page, integrity_db):
    at = open_page(INTEGRITY, integrity_db)
    assert at.title[0].value == "数据可信度"
    # 本年 of a 2025-12-31 build: 2025. Pairs and groups count once (see test_integrity)
    assert tiles(at) == {
        "1. 同一人分身两处": "2处",
        "2. 签到表雷同": "2处",
        "3. 整数堆积": "30处",
        "4. 期末突击": "10处",
        "5. 时长不可能": "5处",
        "6. 人次不可能": "1处",
        "7. 评价不可能": "3处",
        "8. 积分超兑": "1处",
    }
    ranked = [(row["阵地"], row["标记处数"]) for row in table(at, "阵地", "层级", "标记处数")]
    assert ranked[:3] == [
        ("H1社区新时代文明实践站", "30"),
        ("B1社区新时代文明实践站", "10"),
        ("V3社区新时代文明实践站", "3"),
    ]
    assert len(ranked) == 15


def test_each_check_is_explained_in_one_sentence_and_lists_its_rows(open_page, integrity_db):
    at = open_page(INTEGRITY, integrity_db)
    shown = texts(at)
    assert "没有结束时间的活动按开始后60分钟计" in shown
    assert "期内至少30场活动的阵地" in shown
    # the introduction counts the rules it lists: the seven and 积分超兑
    listed = [n for n in range(1, 20) if f"**{n}. " in shown]
    assert listed == list(range(1, 9)) and "按下列8项规则核查" in shown
    rows = table(at, "阵地", "本阵地指标", "活动编码")
    # the first check's table: O2 holds both pairs, O1 and O3 one each
    assert [(r["阵地"], r["活动编码"], r["人员编号"]) for r in rows] == [
        ("O2社区新时代文明实践站", "OV1、OV2", "1号"),
        ("O2社区新时代文明实践站", "OV5、OV6", "3号"),
        ("O1社区新时代文明实践站", "OV1、OV2", "1号"),
        ("O3社区新时代文明实践站", "OV5、OV6", "3号"),
    ]
    assert rows[0]["活动时间"] == "2025年5月10日 09:00、2025年5月10日 09:59"
    assert rows[0]["涉及阵地"] == "O1社区新时代文明实践站、O2社区新时代文明实践站"


def test_the_workbook_has_a_sheet_of_rows_per_check(open_page, integrity_db, downloads):
    open_page(INTEGRITY, integrity_db)
    made = downloads["数据可信度核查_全部阵地_2025年12月31日.xlsx"]
    rows = sheet_rows(made())
    assert rows[0][:3] == ["阵地", "本阵地指标", "活动编码"]
    assert [row[2] for row in rows[1:]] == ["OV1、OV2", "OV5、OV6", "OV1、OV2", "OV5、OV6"]


def test_a_unit_table_elsewhere_marks_the_flagged_units_without_changing_a_figure(
    open_page, integrity_db
):
    at = open_page(SERVICE, integrity_db)
    cache.settle()  # the audit behind the mark runs beside the page (cache.load_later)
    at.run()
    # every station lies under the one 所: 30 + 10 + 3 + 2 × 4 + 8 × 1 flagged rows
    assert f"⚠ 数据可信度待核查：{TOWN}（59处）" in texts(at)
    names = [row["阵地"] for row in table(at, "阵地", "层级")]
    assert TOWN in names


def test_the_page_shows_its_rules_at_once_and_the_audit_when_the_worker_has_it(
    open_page, integrity_db, monkeypatch
):
    monkeypatch.setattr(cache, "_later", {})  # nothing held yet, as after a build
    gate, blocker = threading.Event(), Future()
    cache._queue.put((blocker, gate.wait))  # the worker is busy with something else
    try:
        at = open_page(INTEGRITY, integrity_db, audited=False)
        shown = texts(at)
        assert "按下列8项规则核查" in shown and "**8. 积分超兑**" in shown
        assert "正在核查台账" in shown
        assert tiles(at) == {}
    finally:
        gate.set()
    cache.settle()
    at.run()
    assert "正在核查台账" not in texts(at)
    assert tiles(at)["1. 同一人分身两处"] == "2处"
    assert tiles(at)["3. 整数堆积"] == "30处"
