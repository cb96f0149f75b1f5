"""阵地覆盖, run by AppTest: the list of stations 总览's 近30天 card counts.

The fixture's as-of date is 2025-04-15, so the last 30 days are 2025-03-17..04-15.
"""

from __future__ import annotations

from datetime import date

from page_helpers import sheet_rows, table, texts, tiles

COVERAGE = "views/02_coverage.py"


def test_coverage_lists_every_station_silent_for_30_days_with_its_institute(open_app):
    at = open_app(COVERAGE)
    # in 2025-03-17..04-15 ZA2 held A11 (03-20), ZB1 A12 (04-02), ZB2 A08 (04-08); ZA1's
    # last is A03 on 03-05, 41 days before 04-15
    rows = table(at, "实践站", "所属实践所", "最近一次活动", "未上报天数")
    assert [(r["实践站"], r["所属实践所"], r["最近一次活动"], r["未上报天数"]) for r in rows] == [
        ("东林子社区新时代文明实践站", "济源路街道新时代文明实践所", "2025年3月5日", 41)
    ]
    assert "2025年3月17日至2025年4月15日没有开展活动" in texts(at)


def test_a_unit_scope_lists_its_silent_stations_only_and_the_list_downloads(open_app, downloads):
    # 峡窝镇's stations ZB1 (A12) and ZB2 (A08) were active in the last 30 days
    at = open_app(COVERAGE, unit="峡窝镇新时代文明实践所")
    assert "近30天所有实践站都上报了活动。" in texts(at)
    at = open_app(COVERAGE, unit="济源路街道新时代文明实践所")
    assert [r["实践站"] for r in table(at, "实践站", "所属实践所")] == [
        "东林子社区新时代文明实践站"
    ]
    (name,) = [n for n in downloads if n.startswith("近30天未上报活动的实践站_")]
    assert sheet_rows(downloads[name]())[1][:3] == [
        "东林子社区新时代文明实践站",
        "济源路街道新时代文明实践所",
        date(2025, 3, 5),
    ]


def test_the_overview_cards_link_opens_coverage_on_the_silent_stations(open_app):
    at = open_app(COVERAGE, section="silent")
    assert at.subheader[0].value == "近30天没有上报活动的实践站"
    # opened from the sidebar, the page starts with its coverage figures
    at = open_app(COVERAGE)
    assert at.subheader[0].value == "各实践所覆盖情况"
    assert "近30天没有上报活动的实践站" in [h.value for h in at.subheader]


def test_a_station_opened_inside_the_period_is_judged_on_its_months_and_marked_new(open_app):
    at = open_app(COVERAGE)
    at.button_group(key="period").set_value("custom").run()
    at.date_input(key="dates").set_value((date(2025, 1, 1), date(2025, 3, 31))).run()
    # Q1 needs 1 × 3 activities; ZA2, opened 03-15, needs 1 × 1 (March) and held A11
    tree = {r["阵地"].strip("　└ "): r["覆盖情况"] for r in table(at, "阵地", "层级")}
    assert tree["西林子社区新时代文明实践站"] == "有效覆盖（新挂牌）"
    assert tree["东林子社区新时代文明实践站"] == "有效覆盖"  # A01 A02 A03
    assert tree["营坡顶村新时代文明实践站"] == "仅挂牌"  # A07 only
    # effective: 001001 (ZA1), 001002 (ZA2), 002001 and 002002 (ZB1) of the 7 villages
    assert tiles(at)["有效覆盖率"] == "57.1%"  # 4 / 7
    assert tiles(at)["仅挂牌"] == "1个"  # 002003 (ZB2)
