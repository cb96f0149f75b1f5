"""The app's pages, run by Streamlit's AppTest on the fixture county (tests/conftest.py).

Every expected figure is worked out here from the fixture's literal rows (see the
conftest docstring); the comments say which rows. 本年 is 2025-01-01..2025-04-15 (the
as-of date), 本季度 2025-04-01..2025-04-15.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import date
from io import BytesIO

import duckdb
import pytest
from page_helpers import COVERAGE_TREE
from streamlit.testing.v1 import AppTest

from dashboard import ui
from dashboard.metrics import Scope
from pipelines import summaries
from pipelines.schema import DDL

OVERVIEW, COVERAGE = "views/01_overview.py", "views/02_coverage.py"
SB = "峡窝镇新时代文明实践所"  # the 所 of ZB1 (with 点 DB1) and ZB2

# 2025 activities to the as-of date: A01–A12 and A14 (A13 is 2024-12-20).
YEAR_ACTIVITIES = 13
# 服务人次 of A01..A12, A14 (群众 headcount where any, else 参与人次, else 0)
YEAR_PERSON_TIMES = 13 + 2 + 0 + 120 + 61 + 30 + 3 + 1 + 40 + 200 + 2 + 45 + 35
# ratings of 2025 activities: A01 4 (4 of them ≥ 4), A02 3 (2), A04 1 (0), A05 5 (4),
# A07 15 (0), A09 10 (10), A10 8 (8), A12 2 (2)
YEAR_RATINGS, YEAR_SATISFIED = 4 + 3 + 1 + 5 + 15 + 10 + 8 + 2, 4 + 2 + 0 + 4 + 0 + 10 + 8 + 2


def percent(part: int, whole: int) -> str:
    """A share written as the app does: one decimal, rounded down."""
    return f"{part * 1000 // whole / 10:.1f}%"


def points(part: int, whole: int) -> str:
    return f"+{part * 1000 // whole / 10:.1f}个百分点"


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at: AppTest) -> dict[str, str]:
    return {m.label: m.delta for m in at.metric if m.delta}


def help_of(at: AppTest, label: str) -> str:
    return next(m.proto.help for m in at.metric if m.label == label)


def chart(at: AppTest, title: str) -> dict:
    """The plotly spec of the chart titled ``title`` (AppTest has no plotly element)."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title}")


def table(at: AppTest, first_header: str) -> list[dict]:
    for element in at.dataframe:
        frame = element.value
        if list(frame.columns)[0] == first_header:
            return frame.to_dict("records")
    raise AssertionError(f"no table starting with {first_header}")


def texts(at: AppTest) -> str:
    return "\n".join(e.value for e in [*at.markdown, *at.caption, *at.info, *at.error])


# --- 总览 ------------------------------------------------------------------------------------


def test_overview_shows_this_years_headline_figures(open_app):
    at = open_app()
    assert at.title[0].value == "总览"
    assert tiles(at) == {
        "活动场次": f"{YEAR_ACTIVITIES}场次",
        "服务人次": f"{YEAR_PERSON_TIMES}人次",  # 552
        # distinct 群众 person_id: P1 P2 P3 (A01), P4 (A02), P5 P6 P7 (A07), P8 (A11)
        "服务人数": "8人",
        # A01..A12: 6+4.5+2+10+8+3.5+4+2+3+12+2.5+6; A14 has none
        "志愿服务时长": "63.5小时",
        "满意率": percent(YEAR_SATISFIED, YEAR_RATINGS),  # 30/48 = 62.5%
        # 7 villages imported; served by a 站 opened by 04-15: 001001 (ZA1), 001002 (ZA2,
        # opened 03-15), 002001 and 002002 (joint ZB1), 002003 (ZB2)
        "覆盖率": percent(5, 7),
        # 4 months touched → 4 activities needed: only ZB1 (A04 A05 A06 A12) has them
        "有效覆盖率": percent(2, 7),
        # orders O1–O5: O3 cancelled, O1 and O2 completed
        "办结率": percent(2, 4),
    }


def test_overview_compares_with_the_same_period_last_year(open_app):
    at = open_app()
    # 2024-01-01..2024-04-15 had no activity, rating or order: no change is claimed,
    # not even for effective coverage (0% then, for want of ledgers, is no base). 覆盖率
    # rests on opening dates: ZA2 (opened 2025-03-15) did not serve 001002 yet, 4 of 7.
    assert deltas(at) == {"覆盖率": points(5 - 4, 7)}
    assert "去年同期没有可比数据" in help_of(at, "活动场次")
    assert "去年同期没有可比数据" in help_of(at, "有效覆盖率")


def test_changing_the_unit_changes_the_overview_figures(open_app):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    assert not at.exception
    # SB and below (ZB1, DB1, ZB2) in 2025: A04 A05 A06 A07 A08 A12
    assert tiles(at) == {
        "活动场次": "6场次",
        "服务人次": f"{120 + 61 + 30 + 3 + 1 + 45}人次",
        "服务人数": "4人",  # P2 (A05), P5 P6 P7 (A07), P5 (A08)
        "志愿服务时长": "33.5小时",  # 10+8+3.5+4+2+6
        "满意率": percent(0 + 4 + 0 + 2, 1 + 5 + 15 + 2),  # A04 A05 A07 A12
        "覆盖率": percent(3, 3),  # villages 410106002001..003, all served
        "有效覆盖率": percent(2, 3),  # ZB1's two villages
        "办结率": percent(1, 2),  # O2 completed, O3 cancelled, O4 open
    }
    assert "2025年1月1日 至 2025年4月15日" in texts(at) and SB in texts(at)


def test_unknown_coverage_shows_a_dash_with_its_reason_never_zero(open_app):
    at = open_app()
    at.selectbox(key="unit").set_value("SA").run()  # SA has no 区划代码
    assert tiles(at)["覆盖率"] == "—" and tiles(at)["有效覆盖率"] == "—"
    assert "区划代码" in help_of(at, "覆盖率")
    # SA and below in 2025: A01 A02 A03 A09 A11; ratings A01 4 (4), A02 3 (2), A09 10 (10)
    assert tiles(at)["活动场次"] == "5场次"
    assert tiles(at)["满意率"] == percent(16, 17)


def test_a_deep_link_opens_on_its_period_and_unit(open_app):
    at = open_app(period="本季度", unit=SB)
    # 2025-04-01..04-15 under SB: A08 (ZB2, 1 人次) and A12 (ZB1, 45)
    assert tiles(at)["活动场次"] == "2场次"
    assert tiles(at)["服务人次"] == "46人次"
    assert "2025年4月1日 至 2025年4月15日" in texts(at)


def test_overview_draws_the_monthly_trend_and_ranks_the_units_below(open_app):
    at = open_app()
    trend = chart(at, "各月服务人次")
    # Jan: A01 13 + A04 120 + A07 3; Feb: A02 2 + A05 61 + A09 40;
    # Mar: A03 0 + A06 30 + A10 200 + A11 2 + A14 35; Apr: A08 1 + A12 45
    assert trend["data"][0]["y"] == [136, 103, 267, 46]
    ranking = table(at, "阵地")
    assert [(r["阵地"], r["活动场次"], r["服务人次"]) for r in ranking] == [
        ("峡窝镇新时代文明实践所", "6", "260"),
        ("济源路街道新时代文明实践所", "5", "57"),  # A01 13 + A02 2 + A03 0 + A09 40 + A11 2
        ("上街区红色教育实践基地", "1", "35"),
        ("本级", "1", "200"),  # A10, held by the 中心 itself
    ]
    assert ranking[2]["满意率"] == "—"  # the 基地 has no rating: unknown, not 0%


def test_the_trend_figure_can_be_switched(open_app):
    at = open_app()
    at.button_group(key="overview_figure").set_value("activities").run()
    # Jan: A01 A04 A07; Feb: A02 A05 A09; Mar: A03 A06 A10 A11 A14; Apr: A08 A12
    assert chart(at, "各月活动场次")["data"][0]["y"] == [3, 3, 5, 2]


def test_overview_lists_what_needs_attention_with_links(open_app):
    at = open_app()
    shown = texts(at)
    assert "四点半课堂·作业辅导" in shown  # A07: 15 ratings averaging 2.0
    assert "长期未开展活动的实践站：0 个" in shown
    # no activity 2025-03-17..04-15: ZA1 (last A03 on 03-05); ZA2 A11, ZB1 A12, ZB2 A08
    assert "近 30 天没有上报活动的实践站：1 个" in shown
    assert "东林子社区新时代文明实践站" in shown
    links = [(link.proto.label, link.proto.query_string) for link in at.get("page_link")]
    # the silent stations' card opens 阵地覆盖 on its list of them
    assert links == [
        ("查看「群众满意度」", ""),
        ("查看「阵地覆盖」", ""),
        ("查看「阵地覆盖」", "section=silent"),
    ]


def test_every_page_says_how_fresh_the_data_is(open_app):
    at = open_app()
    assert "数据截至 2025年4月15日" in texts(at)
    assert "最近导入 2025年4月15日 12:00" in texts(at)


# --- 阵地覆盖 ---------------------------------------------------------------------------------


def test_coverage_page_shows_coverage_and_the_villages_lacking_it(open_app):
    at = open_app(COVERAGE)
    assert at.title[0].value == "阵地覆盖"
    assert tiles(at) == {
        "覆盖率": percent(5, 7),
        "有效覆盖率": percent(2, 7),
        "村（社区）": "7个",
        "未覆盖": "2个",  # 410106001003 and the neighbouring county's 410107001001
        "仅挂牌": "3个",  # ZA1 3 activities, ZA2 1 (of the 2 it needs), ZB2 2: fewer than 4
        "实践站": "4个",
    }
    villages = table(at, "村（社区）")
    assert [(v["村（社区）"], v["情况"], v["负责实践站"]) for v in villages] == [
        ("东林子社区", "仅挂牌", "东林子社区新时代文明实践站（3场）"),
        # ZA2 opened 03-15: judged on March and April, 2 activities; it held 1
        ("西林子社区", "仅挂牌", "西林子社区新时代文明实践站（1场，新挂牌，按2个月计）"),
        ("南林子社区", "未覆盖", ""),
        ("营坡顶村", "仅挂牌", "营坡顶村新时代文明实践站（2场）"),
        ("邻区某村", "未覆盖", ""),
    ]


def test_coverage_page_breaks_coverage_down_by_institute(open_app):
    at = open_app(COVERAGE)
    institutes = {r["实践所"]: r for r in table(at, "实践所")}
    assert institutes[SB]["覆盖率"] == "100.0%" and institutes[SB]["有效覆盖率"] == "66.6%"
    sa = institutes["济源路街道新时代文明实践所"]
    assert sa["覆盖率"] == "—" and "区划代码" in sa["说明"]  # SA has no 区划代码


def test_coverage_page_maps_the_units_with_coordinates(open_app):
    at = open_app(COVERAGE)
    spec = chart(at, "各阵地期内活动场次")
    # offline: points on a blank plane (no map layer); a 所 needs 3 placed units for an
    # outline, and none has them here
    assert {trace["type"] for trace in spec["data"]} == {"scatter"}
    assert "map" not in spec["layout"]
    placed = sorted(x for trace in spec["data"] for x in trace["x"])
    assert placed == sorted([113.281, 113.29, 113.285, 113.3])  # ZX, SB, ZA1, ZB1
    assert "另有5个阵地未填经纬度" in spec["layout"]["annotations"][0]["text"]


def test_coverage_page_shows_the_unit_tree(open_app):
    at = open_app(COVERAGE)
    tree = table(at, "阵地")
    assert [(r["阵地"].strip("　└ "), r["层级"], r["期内活动场次"]) for r in tree] == COVERAGE_TREE
    assert tree[6]["覆盖情况"] == "有效覆盖" and tree[3]["覆盖情况"] == "仅挂牌"
    assert tree[3]["阵地"].startswith("　　└ ")  # depth 2


def test_changing_the_unit_changes_the_coverage_figures(open_app):
    at = open_app(COVERAGE)
    at.selectbox(key="unit").set_value("SB").run()
    assert tiles(at) == {
        "覆盖率": "100.0%",
        "有效覆盖率": percent(2, 3),
        "村（社区）": "3个",
        "未覆盖": "0个",
        "仅挂牌": "1个",  # 营坡顶村: ZB2 held 2
        "实践站": "2个",
    }


def test_coverage_without_a_division_code_is_unknown_and_says_why(open_app):
    at = open_app(COVERAGE)
    at.selectbox(key="unit").set_value("SA").run()
    assert tiles(at)["覆盖率"] == "—" and "区划代码" in help_of(at, "覆盖率")
    assert any("区划代码" in i.value for i in at.info)
    assert tiles(at)["实践站"] == "2个"


def test_coverage_without_a_division_list_is_unknown(open_app, fixture_db_without_divisions):
    at = open_app(COVERAGE, db=fixture_db_without_divisions)
    assert tiles(at)["覆盖率"] == "—"
    assert "区划" in help_of(at, "覆盖率")


# --- Every page, and what goes wrong ---------------------------------------------------------


@pytest.mark.parametrize("page", ui.PAGES, ids=lambda p: p.url_path)
def test_every_page_renders_its_title_without_an_exception(open_app, page):
    at = open_app(page.path)
    assert at.title[0].value == page.title
    assert "数据截至 2025年4月15日" in texts(at)


def test_an_empty_scope_says_so(open_app):
    at = open_app(period="上年", unit="营坡顶村新时代文明实践站")  # ZB2 held nothing in 2024
    assert [i.value for i in at.info] == [ui.MSG_EMPTY_SCOPE]
    assert not at.metric


@pytest.mark.parametrize("page", [OVERVIEW, COVERAGE])
def test_a_missing_warehouse_says_how_to_import(open_app, tmp_path, page):
    at = open_app(page, db=tmp_path / "none.duckdb")
    assert [i.value for i in at.info] == [ui.MSG_NO_WAREHOUSE]
    assert not at.metric


def test_the_data_page_opens_without_a_warehouse(open_app, tmp_path):
    at = open_app("views/09_data.py", db=tmp_path / "none.duckdb")
    assert at.title[0].value == "数据导入与质量"  # the place to import the first files


def test_an_empty_warehouse_says_how_to_import(open_app, tmp_path):
    db = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db)) as con:
        for ddl in DDL.values():
            con.execute(ddl)
    at = open_app(db=db)
    assert [i.value for i in at.info] == [ui.MSG_EMPTY_WAREHOUSE]


def test_a_failing_query_shows_a_chinese_message_not_a_traceback(open_app, fixture_db, tmp_path):
    db = tmp_path / "broken.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE ratings")
    at = open_app(db=db)
    assert [e.value for e in at.error] == [ui.MSG_QUERY_FAILED]
    assert not at.exception


def test_a_rebuilt_warehouse_shows_new_figures_on_the_next_rerun(open_app, fixture_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    at = open_app(db=db)
    assert tiles(at)["活动场次"] == f"{YEAR_ACTIVITIES}场次"
    rebuilt = tmp_path / "rebuilt.duckdb"
    rebuilt.write_bytes(fixture_db.read_bytes())
    with duckdb.connect(str(rebuilt)) as con:
        con.execute("DELETE FROM activities WHERE activity_id = 'A14'")  # 35 人次
        summaries.build(con)
    os.replace(rebuilt, db)  # what a build does
    at.run()
    assert tiles(at)["活动场次"] == f"{YEAR_ACTIVITIES - 1}场次"
    assert tiles(at)["服务人次"] == f"{YEAR_PERSON_TIMES - 35}人次"


# --- Shared pieces ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("month", (date(2025, 4, 1), date(2025, 4, 15))),
        ("quarter", (date(2025, 4, 1), date(2025, 4, 15))),
        ("year", (date(2025, 1, 1), date(2025, 4, 15))),
        ("last_year", (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_period_presets_count_from_the_as_of_date(preset, expected):
    assert ui.period_dates(preset, date(2025, 4, 15)) == expected


def test_a_custom_period_is_ordered():
    custom = (date(2025, 3, 31), date(2025, 2, 1))
    assert ui.period_dates("custom", date(2025, 4, 15), custom) == (
        date(2025, 2, 1),
        date(2025, 3, 31),
    )


def test_the_same_period_last_year_survives_29_february():
    scope = Scope(date(2024, 2, 29), date(2024, 2, 29))
    assert ui.same_period_last_year(scope) == Scope(date(2023, 2, 28), date(2023, 2, 28))


def test_a_rate_changes_by_percentage_points_and_a_count_by_percent():
    assert ui.tile("满意率", 0.9, str, previous=0.85, rate=True).delta == "+5.0个百分点"
    assert ui.tile("场次", 90, str, previous=120).delta == "-25.0%"
    assert ui.tile("场次", 120, str, previous=120).delta == "持平"
    assert ui.tile("场次", 5, str, previous=0).delta is None  # no growth rate from 0
    unknown = ui.tile("覆盖率", None, str, previous=0.5, unknown_reason="未导入区划")
    assert (unknown.value, unknown.delta, unknown.help) == ("—", None, "未导入区划")


def test_xlsx_download_keeps_numbers_and_writes_formula_like_text_as_text():
    rows = [
        {"name": '=HYPERLINK("http://x")', "n": 1234, "rate": 0.875},
        {"name": "+86 138", "n": None, "rate": None},
        {"name": "-1", "n": 5, "rate": 1},
        {"name": "@SUM(A1)", "n": 0, "rate": 0},
    ]
    columns = [
        ui.Column("name", "名称"),
        ui.Column("n", "场次", excel="#,##0"),
        ui.Column("rate", "满意率", excel="0.0%"),
    ]
    book = zipfile.ZipFile(BytesIO(ui.to_xlsx(rows, columns, sheet="测试")))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    for text in ("名称", "=HYPERLINK", "+86 138", "-1", "@SUM(A1)"):
        assert text.replace('"', "&quot;") in strings or text in strings
    assert re.search(r'<c r="B2"[^>]*><v>1234</v>', sheet)  # a number stays a number
    assert '<c r="B3"' not in sheet  # an unknown value is an empty cell, not 0


def test_a_custom_period_takes_the_dates_picked(open_app):
    at = open_app()
    at.button_group(key="period").set_value("custom").run()
    assert at.date_input(key="dates").value == (date(2025, 1, 1), date(2025, 4, 15))
    at.date_input(key="dates").set_value((date(2025, 2, 1), date(2025, 2, 28))).run()
    assert not at.exception
    # February: A02 (2 人次), A05 (61), A09 (40)
    assert tiles(at)["活动场次"] == "3场次"
    assert tiles(at)["服务人次"] == f"{2 + 61 + 40}人次"
    assert "2025年2月1日 至 2025年2月28日" in texts(at)


def test_the_scope_is_kept_when_switching_pages(open_app):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    at.switch_page(COVERAGE).run()
    assert tiles(at)["村（社区）"] == "3个"  # SB's villages, not the county's 7


def test_a_deep_linked_scope_is_kept_when_switching_pages(open_app):
    at = open_app(COVERAGE, unit=SB, period="本季度")
    assert tiles(at)["村（社区）"] == "3个"
    assert "2025年4月1日 至 2025年4月15日" in texts(at)


def test_a_tile_without_a_comparison_says_nothing_about_last_year():
    assert ui.tile("实践站", 4, str).help is None
    assert ui.tile("实践站", 4, str, previous=None).help == ui.HELP_NO_PREVIOUS


def test_a_warehouse_built_after_its_last_year_opens_on_the_latest_year_with_data(
    open_app, fixture_db, tmp_path
):
    # the same ledgers rebuilt a year later: as_of 2026-06-01, no 2026 activity at all
    later = tmp_path / "later.duckdb"
    later.write_bytes(fixture_db.read_bytes())
    con = duckdb.connect(str(later))
    con.execute("UPDATE manifest SET as_of = TIMESTAMP '2026-06-01 00:00:00'")
    last = con.sql("SELECT MAX(start_on) FROM activities").fetchall()[0][0]
    con.close()
    at = open_app(db=later)
    # 本年 counts back from the last activity date (2025), not from 2026
    assert last.year == 2025
    assert tiles(at)["活动场次"] == f"{YEAR_ACTIVITIES}场次"
    assert f"{last.year}年1月1日" in texts(at)
