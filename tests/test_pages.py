"""The pages 服务人次, 品牌项目, 群众满意度, 点单服务, 目标进度, run by AppTest on the fixture
county (tests/conftest.py); 数据导入与质量 is tests/test_data_page.py's.

Every expected figure is worked out here from the fixture's literal rows (see the
conftest docstring); the comments say which rows. 本年 is 2025-01-01..2025-04-15 (the
as-of date, 2025-04-15 12:00).
"""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from page_helpers import sheet_rows, table, texts, tiles
from streamlit.testing.v1 import AppTest

from dashboard import ledgers

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
SERVICE, BRANDS, SATISFACTION = (
    "views/03_service.py",
    "views/04_brands.py",
    "views/05_satisfaction.py",
)
ORDERS, TARGETS, DATA = "views/06_orders.py", "views/07_targets.py", "views/09_data.py"
SB = "峡窝镇新时代文明实践所"
SA = "济源路街道新时代文明实践所"
JD = "上街区红色教育实践基地"
# days of 2025 up to the as-of date (1 January – 15 April) over the days of the year
ELAPSED = Fraction(31 + 28 + 31 + 15, 365)


def percent(part, whole=1) -> str:
    """A share written as the app does: one decimal, rounded down."""
    tenths = int(Fraction(part) / Fraction(whole) * 1000)
    return f"{tenths // 10}.{tenths % 10}%"


def score(value) -> str:
    hundredths = int(Fraction(value) * 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@pytest.fixture
def open_app(fixture_db, monkeypatch, tmp_path):
    """Run the app on a warehouse: ``open_app(page, db=…, **query_params)``; the ledger
    folder is an empty temporary one unless WENMING_LEDGERS is set by the test."""
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))

    def run(page: str, db: Path = fixture_db, **query: str) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def chart(at: AppTest, title: str) -> dict:
    """The plotly spec of the chart titled ``title`` (AppTest has no plotly element)."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title}")


# --- 服务人次 ----------------------------------------------------------------------------------


def test_service_page_shows_how_much_of_the_person_times_sign_ins_back(open_app):
    at = open_app(SERVICE)
    assert at.title[0].value == "服务人次"
    # 2025 to 04-15: A01–A12, A14. 服务人次 13+2+0+120+61+30+3+1+40+200+2+45+35 = 552;
    # signed in (群众 rows with a person): A01 3, A02 2, A05 1, A07 3, A08 1, A11 2 = 12
    assert tiles(at) == {
        "活动场次": "13场次",
        "服务人次": "552人次",
        "服务人数": "8人",  # P1–P8
        "签到人次": "12人次",
        "签到支撑比例": percent(12, 552),
    }
    # headcount lines: A01 10, A05 60, A12 45; reported only: A04 120, A06 30, A09 40,
    # A10 200 (volunteer rows only), A14 35
    spec = chart(at, "服务人次的来源构成")
    assert spec["data"][0]["y"] == ["逐人签到", "人数汇总", "仅台账填报"]
    assert spec["data"][0]["text"] == [percent(12, 552), percent(115, 552), percent(425, 552)]


def test_service_page_compares_ledger_headcounts_with_the_records_per_unit(open_app):
    at = open_app(SERVICE)
    rows = table(at, "阵地", "层级")
    shown = [
        (
            r["阵地"],
            r["服务人次"],
            r["签到人次"],
            r["人数汇总人次"],
            r["仅台账填报人次"],
            r["签到支撑比例"],
            r["可对照场次"],
            r["其中台账填报人次"],
            r["其中参与记录人次"],
        )
        for r in rows
    ]
    assert shown == [
        # SB: A04 120 A05 61 A06 30 A07 3 A08 1 A12 45; both records and 参与人次:
        # A05 (80 vs 61), A07 (15 vs 3), A12 (90 vs 45)
        (SB, "260", "5", "105", "150", percent(5, 260), "3", "185", "109"),
        ("本级", "200", "0", "0", "200", "0.0%", "0", "—", "—"),  # A10
        # SA: A01 13 A02 2 A03 0 A09 40 A11 2; both: A01 (50 vs 13), A02 (20 vs 2), A11 (25 vs 2)
        (SA, "57", "7", "10", "40", percent(7, 57), "3", "95", "17"),
        (JD, "35", "0", "0", "35", "0.0%", "0", "—", "—"),  # A14
    ]
    assert (
        "既有参与记录又填了参与人次的 6 场活动：台账填报 280 人次，参与记录 126 人次"
        f"（记录为填报的 {percent(126, 280)}）" in texts(at)
    )
    assert "另有 1 场活动既无参与记录也未填参与人次" in texts(at)  # A03


def test_service_page_breaks_person_times_down_by_category_group_and_month(open_app):
    at = open_app(SERVICE)
    # Jan: A01 13 + A04 120 + A07 3; Feb: A02 2 + A05 61 + A09 40;
    # Mar: A03 0 + A06 30 + A10 200 + A11 2 + A14 35; Apr: A08 1 + A12 45
    assert chart(at, "各月服务人次")["data"][0]["y"] == [136, 103, 267, 46]
    categories = [(r["服务类别"], r["服务人次"]) for r in table(at, "服务类别")]
    assert categories == [
        ("文化服务", "226"),  # A04 A05 A12
        ("理论宣讲", "215"),  # A01 A02 A10
        ("法治宣传", "40"),
        ("科技科普", "35"),
        ("卫生健康", "30"),
        ("教育服务", "4"),  # A07 A08
        ("健身体育", "2"),
        ("便民服务", "0"),  # A03: no 群众 record, no 参与人次
    ]
    groups = [(r["服务对象"], r["活动场次"], r["服务人次"]) for r in table(at, "服务对象")]
    assert groups == [
        ("群众", "6", "479"),  # A01 A04 A05 A09 A10 A12
        ("未成年人", "3", "39"),  # A07 A08 A14
        ("老年人", "3", "32"),  # A02 A03 A06
        ("未填写", "1", "2"),  # A11
    ]
    months = [(r["月份"], r["活动场次"]) for r in table(at, "月份")]
    assert months == [
        ("2025年1月", "3"),
        ("2025年2月", "3"),
        ("2025年3月", "5"),
        ("2025年4月", "2"),
    ]


def test_changing_the_unit_and_the_trend_figure_changes_the_service_figures(open_app):
    at = open_app(SERVICE)
    at.selectbox(key="unit").set_value("SB").run()
    assert not at.exception
    assert tiles(at)["服务人次"] == "260人次"
    assert tiles(at)["签到支撑比例"] == percent(5, 260)
    rows = [(r["阵地"], r["服务人次"], r["签到支撑比例"]) for r in table(at, "阵地", "层级")]
    # ZB1 with its 点 DB1: A04 120, A05 61 (P2 signed), A06 30, A12 45; ZB2: A07 3, A08 1
    assert rows == [
        ("五云联合新时代文明实践站", "256", percent(1, 256)),
        ("营坡顶村新时代文明实践站", "4", "100.0%"),
    ]
    at.button_group(key="service_trend_figure").set_value("activities").run()
    # SB in Jan: A04 A07; Feb: A05; Mar: A06; Apr: A08 A12
    assert chart(at, "各月活动场次")["data"][0]["y"] == [2, 1, 1, 2]


# --- 品牌项目 ----------------------------------------------------------------------------------

# the prior of the adjusted score: the 2025 mean, 177 points over 48 ratings (≥ 3.5)
PRIOR = Fraction(18 + 11 + 1 + 22 + 30 + 50 + 36 + 9, 48)


def adjusted(points: int, ratings: int) -> str:
    return score((points + 5 * PRIOR) / (ratings + 5))


def test_brands_page_lists_every_brand_with_reach_and_ratings(open_app):
    at = open_app(BRANDS)
    assert at.title[0].value == "品牌项目"
    shown = tiles(at)
    assert {k: shown[k] for k in ("品牌项目", "活跃品牌", "品牌活动场次")} == {
        "品牌项目": "4个",
        "活跃品牌": "3个",  # B4 held nothing
        "品牌活动场次": "7场次",  # B1 A01 A02, B2 A04 A05 A12, B3 A07 A08
    }
    assert shown["品牌服务人次"] == f"{15 + 226 + 4}人次"
    assert shown["品牌评价数"] == f"{7 + 8 + 15}条"
    rows = [
        (
            r["品牌项目"],
            r["活动场次"],
            r["服务人次"],
            r["评价数"],
            r["满意度均分"],
            r["修正分"],
            r["满意率"],
        )
        for r in table(at, "品牌项目", "所属阵地")
    ]
    assert rows == [
        # A04 1 (1), A05 5 (22), A12 2 (9): 8 ratings, 32 points, 6 satisfied
        ("五云秀场", "3", "226", "8", "4.00", adjusted(32, 8), percent(6, 8)),
        # A01 4 (18), A02 3 (11): 7 ratings, 29 points, 6 satisfied
        ("草堂叙语", "2", "15", "7", score(Fraction(29, 7)), adjusted(29, 7), percent(6, 7)),
        ("四点半智慧课堂", "2", "4", "15", "2.00", adjusted(30, 15), "0.0%"),  # A07
        ("心系银发·微幸福", "0", "0", "0", "—", "—", "—"),
    ]


def test_brands_page_draws_each_brands_monthly_trend(open_app):
    at = open_app(BRANDS)
    traces = {t["name"]: t["y"] for t in chart(at, "品牌项目各月服务人次")["data"]}
    assert traces == {
        "五云秀场": [120, 61, 0, 45],  # A04 Jan, A05 Feb, A12 Apr
        "草堂叙语": [13, 2, 0, 0],  # A01 Jan, A02 Feb
        "四点半智慧课堂": [3, 0, 0, 1],  # A07 Jan, A08 Apr
    }
    at.multiselect(key="brands_trend_pick").set_value(["B1"]).run()
    assert [t["name"] for t in chart(at, "品牌项目各月服务人次")["data"]] == ["草堂叙语"]


def test_a_brands_detail_shows_its_figures_and_activities(open_app):
    at = open_app(BRANDS)
    # the brand with most 人次 opens first: 五云秀场 (B2)
    assert tiles(at)["志愿服务时长"] == "24.0小时"  # A04 10 + A05 8 + A12 6
    activities = [(r["活动名称"], r["承办阵地"], r["服务人次"]) for r in table(at, "开始时间")]
    assert activities == [
        ("五云秀场清明诗会", "五云联合新时代文明实践站", "45"),
        ("五云秀场周末演出", "五云秀场新时代文明实践点", "61"),
        ("新春村晚", "五云联合新时代文明实践站", "120"),
    ]
    at.selectbox(key="brands_detail_pick").set_value("B1").run()
    assert not at.exception
    assert tiles(at)["活动场次"] == "2场次" and tiles(at)["服务人次"] == "15人次"
    assert tiles(at)["满意度均分"] == score(Fraction(29, 7)) + "分"
    titles = [r["活动名称"] for r in table(at, "开始时间")]
    assert titles == ["草堂叙语·银龄课", "党的创新理论宣讲"]  # A13 is 2024: not in 本年
    assert chart(at, "草堂叙语各月服务人次")["data"][0]["y"] == [13, 2, 0, 0]
    at.selectbox(key="brands_detail_pick").set_value("B4").run()
    assert "该品牌项目在统计期间没有开展活动。" in texts(at)
    assert tiles(at)["满意度均分"] == "—"


def test_changing_the_unit_changes_the_brands(open_app):
    at = open_app(BRANDS)
    at.selectbox(key="unit").set_value("SA").run()
    # SA and below own B1 (ZA1) only
    assert tiles(at)["品牌项目"] == "1个"
    assert [r["品牌项目"] for r in table(at, "品牌项目", "所属阵地")] == ["草堂叙语"]


# --- 群众满意度 --------------------------------------------------------------------------------


def test_satisfaction_page_shows_the_ratings_and_their_distribution(open_app):
    at = open_app(SATISFACTION)
    assert at.title[0].value == "群众满意度"
    assert tiles(at) == {
        "评价数": "48条",
        "满意度均分": score(PRIOR) + "分",  # 177 / 48
        "满意率": percent(30, 48),
        "待调整活动": "2场次",  # A07, A04
        "待调整品牌": "2个",  # B3 (low), B1 (fell from 4.5 to 3.67)
        "闲置实践站": "0个",
    }
    # 1: A04 + A07×3; 2: A07×9; 3: A02 A05 A07×3; 4: A01×2 A02×2 A05 A10×4 A12;
    # 5: A01×2 A05×3 A09×10 A10×4 A12
    assert chart(at, "群众评价的分数分布")["data"][0]["y"] == [4, 9, 5, 10, 20]


def test_satisfaction_page_ranks_what_to_adjust_with_the_complaints(open_app):
    at = open_app(SATISFACTION)
    rows = [(r["类型"], r["名称"], r["修正分"], r["主要意见"]) for r in table(at, "类型")]
    said_a07 = "老师讲得太快（4条）、场地太小（2条）、时间太短（1条）"
    # each activity under its brand; B2 is listed for A04 only (8 ratings, sum 1 + 22 + 9)
    assert rows == [
        ("品牌项目", "四点半智慧课堂", adjusted(30, 15), said_a07),
        ("活动", "└ 四点半课堂·作业辅导", adjusted(30, 15), said_a07),
        ("品牌项目", "五云秀场", adjusted(32, 8), ""),
        ("活动", "└ 新春村晚", adjusted(1, 1), "声音太吵（1条）"),
        ("品牌项目", "草堂叙语", adjusted(29, 7), "场地太小（1条）"),  # A02's 3
    ]
    comments = [(r["评分"], r["评价内容"]) for r in table(at, "评分")]
    assert [s for s, _ in comments] == ["1分"] * 3 + ["2分"] * 3
    assert sorted(c for _, c in comments) == sorted(
        ["老师讲得太快"] * 3 + ["老师讲得太快，场地太小", "场地太小", "时间太短。"]
    )
    at.selectbox(key="satisfaction_comments_pick").set_value("brand:B1").run()
    assert [(r["评分"], r["评价内容"]) for r in table(at, "评分")] == [("3分", "场地太小")]


def test_the_rectification_list_has_one_row_per_item_and_columns_to_fill(open_app, downloads):
    open_app(SATISFACTION)
    (name,) = [n for n in downloads if n.startswith("整改清单_")]
    rows = sheet_rows(downloads[name]())
    assert rows[0] == [
        "序号",
        "类型",
        "名称",
        "活动日期",
        "所属阵地",
        "存在问题",
        "群众主要意见",
        "整改措施",
        "责任人",
        "完成时限",
    ]
    # the items to adjust in the page's order; B2, listed only for A04, is not one
    assert [row[2] for row in rows[1:]] == [
        "四点半智慧课堂",
        "四点半课堂·作业辅导",
        "新春村晚",
        "草堂叙语",
    ]
    assert all(row[7:] == ["", "", ""] for row in rows[1:])
    assert "均分由4.50分降至3.66分" in rows[4][5]  # B1: 18/4 before, 11/3 after 21 Feb


def test_satisfaction_lists_a_low_rated_brand_once_with_its_dated_sessions_beneath(
    open_app, starry_db
):
    at = open_app(SATISFACTION, db=starry_db)
    rows = [(r["类型"], r["名称"], r["活动日期"], r["所属阵地"], r["评价数"], r["修正分"])
            for r in table(at, "类型")]  # fmt: skip
    # 80 ratings summing 241 (the fixture's 48 and 177, eight sessions of four 2s): the
    # mean 3.01 is below 3.5, so the prior is 3.5
    prior = Fraction(7, 2)
    brand = score((32 * 2 + 5 * prior) / (32 + 5))
    session = score((4 * 2 + 5 * prior) / (4 + 5))
    za1, zb2 = "东林子社区新时代文明实践站", "营坡顶村新时代文明实践站"
    days = ["2025年1月6日", "2025年1月13日", "2025年1月20日", "2025年1月27日",
            "2025年2月3日", "2025年2月10日", "2025年2月17日", "2025年2月24日"]  # fmt: skip
    assert rows[0] == ("品牌项目", "星光课堂", "", za1, "32", brand)
    assert rows[1:9] == [
        ("活动", "└ 星光课堂·插花", day, za1 if n % 2 == 0 else zb2, "4", session)
        for n, day in enumerate(days)
    ]
    assert rows[9][:2] == ("品牌项目", "四点半智慧课堂")
    assert [name for _, name, *_ in rows].count("星光课堂") == 1


def test_changing_the_period_changes_what_to_adjust(open_app):
    at = open_app(SATISFACTION, period="本季度")
    # 2025-04-01..04-15: A08 (no rating) and A12 (4, 5): nothing rated low, no station
    # idle for 60 days within 15
    assert tiles(at)["评价数"] == "2条"
    assert tiles(at)["待调整活动"] == "0场次"


# --- 点单服务 ----------------------------------------------------------------------------------


def test_orders_page_shows_the_order_loop(open_app):
    at = open_app(ORDERS)
    assert at.title[0].value == "点单服务"
    # 2025: O1–O5. Accepted O1 (+4 h), O2 (+24 h), O4 (+10 h): median 10 h
    assert tiles(at) == {
        "点单数": "5单",
        "办结率": percent(2, 4),  # O1 O2 of the 4 not cancelled
        "响应时长": "10.0小时",
        "已取消": "1单",  # O3
        "超 7 天未办结": "2单",  # O4, O5
    }
    funnel = chart(at, "点单服务各环节")["data"][0]
    assert funnel["y"] == ["群众点单", "中心派单", "所站接单", "志愿者送单", "群众评单"]
    # dispatched: O1 O2 O4; completed: O1 O2; their activities A03, A06 have no rating
    assert funnel["x"] == [5, 3, 3, 2, 0]


def test_orders_page_times_each_units_orders_and_lists_the_late_ones(open_app):
    at = open_app(ORDERS)
    rows = [
        (
            r["点单阵地"],
            r["点单数"],
            r["已办结"],
            r["办结率"],
            r["响应时长中位数（小时）"],
            r["办结时长中位数（小时）"],
        )
        for r in table(at, "点单阵地")
    ]
    assert rows == [
        # O2 (ZB1: +24 h, done after 50 h), O3 cancelled, O4 (ZB2: +10 h)
        (SB, "3", "1", "50.0%", "17.0", "50.0"),
        # O1 (ZA1: +4 h, done 03-05 16:00 = 104 h), O5 waiting
        (SA, "2", "1", "50.0%", "4.0", "104.0"),
        (JD, "0", "0", "—", "—", "—"),
    ]
    late = [(r["点单编号"], r["已等待（天）"], r["接单阵地"]) for r in table(at, "点单编号")]
    as_of = datetime(2025, 4, 15, 12)
    assert late == [
        ("O5", str((as_of - datetime(2025, 2, 10, 15)).days), "（未接单）"),  # 63
        ("O4", str((as_of - datetime(2025, 3, 25, 10)).days), "营坡顶村新时代文明实践站"),  # 21
    ]


def test_changing_the_unit_changes_the_orders(open_app):
    at = open_app(ORDERS)
    at.selectbox(key="unit").set_value("SA").run()
    assert tiles(at)["点单数"] == "2单"  # O1, O5 at ZA1
    assert tiles(at)["响应时长"] == "4.0小时"
    assert tiles(at)["超 7 天未办结"] == "1单"  # O5
    at.selectbox(key="unit").set_value("JD").run()
    assert "所选期间和阵地范围内没有群众点单" in texts(at)
    assert not at.metric


# --- 目标进度 ----------------------------------------------------------------------------------


def test_targets_page_puts_behind_schedule_targets_first(open_app):
    at = open_app(TARGETS)
    assert at.title[0].value == "目标进度"
    assert tiles(at) == {
        "年度目标": "5项",  # ZX's four and SA's 活动场次 (SA is a child of ZX)
        "时间进度": percent(ELAPSED),
        "落后或未达": "3项",
        "已完成目标": "0项",
    }
    rows = [
        (r["阵地"], r["指标"], r["状态"], r["目标值"], r["完成值"], r["完成进度"])
        for r in table(at, "阵地", "指标")
    ]
    zx = "上街区新时代文明实践中心"
    assert rows == [
        (SA, "活动场次", "落后于时间进度", "20", "5", percent(5, 20)),  # A01 A02 A03 A09 A11
        (zx, "服务人次", "落后于时间进度", "2,000", "552", percent(552, 2000)),
        (
            zx,
            "满意率",
            "未达目标",
            "90.0%",
            percent(30, 48),
            percent(Fraction(30, 48) / Fraction(9, 10)),
        ),
        (zx, "志愿服务时长", "符合时间进度", "200.0", "63.5", percent(Fraction(635, 10), 200)),
        (zx, "活动场次", "符合时间进度", "40", "13", percent(13, 40)),
    ]
    assert all(r["时间进度"] == percent(ELAPSED) for r in table(at, "阵地", "指标"))
    spec = chart(at, "2025年目标完成进度")
    assert spec["data"][0]["y"][:2] == ["济源路街道·活动场次", "上街区·服务人次"]
    assert spec["layout"]["shapes"][0]["x0"] == pytest.approx(float(ELAPSED))


def test_changing_the_unit_or_year_changes_the_targets(open_app):
    at = open_app(TARGETS)
    at.selectbox(key="unit").set_value("SA").run()
    assert tiles(at)["年度目标"] == "1项"
    at.selectbox(key="unit").set_value("SB").run()
    assert "2025年没有为峡窝镇新时代文明实践所及其下一级阵地设定年度目标" in texts(at)
    at.selectbox(key="unit").set_value("").run()
    at.button_group(key="period").set_value("last_year").run()
    # 2024: ZX 活动场次 30, the whole year gone by, 1 activity (A13)
    rows = [(r["指标"], r["完成值"], r["时间进度"]) for r in table(at, "阵地", "指标")]
    assert rows == [("活动场次", "1", "100.0%")]


def test_a_target_of_a_year_gone_by_is_unfinished_not_behind_schedule(open_app):
    at = open_app(TARGETS, period="上年")
    # 2024 is over (as of 2025-04-15): 1 of 30 activities is simply not done
    assert [r["状态"] for r in table(at, "阵地", "指标")] == ["未完成"]
    assert tiles(at)["未完成或未达"] == "1项"
    assert "落后于时间进度" not in texts(at)
