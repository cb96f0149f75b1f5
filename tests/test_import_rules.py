"""Every rule of every table, each with its reason code, and the references between tables.

One build holds a case file per table beside the base ledgers; the row of a case
in its file is its index + 2 (row 1 is the header). A case expecting ``None``
is a row that must load.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from import_helpers import build, codes_by_row, copy_base, counts, query, write_csv

# date-only starts on the as-of day are not "after" it; a 10:30 start is
AS_OF = "2025-12-31T10:00:00"
P = pytest.param

UNIT_HEADER = ["阵地编码", "阵地名称", "层级", "上级编码", "区划代码", "服务村居", "挂牌日期", "示范站", "经度", "纬度"]  # fmt: skip
UNIT_CASES = [
    P(["U01", "河南省新时代文明实践中心", "省级中心", "", "410000000000"], None, id="province-alias-without-parent-loads"),
    P(["U02", "郑州市新时代文明实践中心", "市级中心", "U01"], None, id="city-under-province-loads"),
    P(["U03", "某县新时代文明实践中心", "实践中心", "U02"], None, id="centre-under-city-loads"),
    P(["U04", "某市新时代文明实践中心", "市"], None, id="city-without-parent-loads"),
    P(["", "无编码的站", "站", "S01"], "missing_required", id="no-unit-id"),
    P(["U06", "", "站", "S01"], "missing_required", id="no-name"),
    P(["U07", "无层级的站", "", "S01"], "missing_required", id="no-level"),
    P(["U08", "层级写错的站", "村站", "S01"], "bad_enum", id="unknown-level"),
    P(["U09", "别名层级的站", "实践站", "S01"], None, id="level-alias-loads"),
    P(["U10", "无上级的站", "站", ""], "missing_parent", id="station-without-parent"),
    P(["U11", "无上级的所", "所", ""], "missing_parent", id="institute-without-parent"),
    P(["U12", "上级不存在的站", "站", "NOPE"], "unknown_parent", id="unknown-parent"),
    P(["U13", "挂在中心下的站", "站", "ZX01"], "bad_parent_level", id="station-under-centre"),
    P(["U14", "挂在所下的点", "点", "S01"], None, id="point-under-institute-loads"),
    P(["U15", "挂在中心下的点", "点", "ZX01"], "bad_parent_level", id="point-under-centre"),
    P(["U16", "中心直属基地", "基地", "ZX01"], None, id="base-under-centre-loads"),
    P(["U17", "所属基地", "实践基地", "S01"], None, id="base-under-institute-loads"),
    P(["U18", "站属基地", "基地", "Z01"], "bad_parent_level", id="base-under-station"),
    P(["U19", "有上级的省", "省", "U01"], "bad_parent_level", id="province-with-parent"),
    P(["U20", "挂在被退回站下的点", "点", "U12"], "unknown_parent", id="child-of-rejected-parent"),
    P(["U21", "上级不存在的所", "所", "ZX99"], "unknown_parent", id="chain-institute"),
    P(["U22", "挂在U21下的站", "站", "U21"], "unknown_parent", id="chain-station"),
    P(["U23", "挂在U22下的点", "点", "U22"], "unknown_parent", id="chain-point"),
    P(["U24", "区划代码短一位", "站", "S01", "41010600100"], "bad_division_code", id="division-code-11-digits"),
    P(["U25", "服务村居有误", "站", "S01", "", "410106001001;12345"], "bad_serves", id="bad-serves"),
    P(["U26", "所填了服务村居", "所", "ZX01", "", "410106001001"], "serves_not_station", id="serves-on-institute"),
    P(["U27", "联合站", "站", "S01", "410106001003", "410106001003；410106001004、410106001005,410106001006，410106001007"], None, id="joint-station-loads"),
    P(["U28", "挂牌日期有误", "站", "S01", "", "", "2020-13-01"], "bad_date", id="bad-opened-on"),
    P(["U29", "示范填写有误", "站", "S01", "", "", "", "也许"], "bad_bool", id="bad-is-model"),
    P(["U30", "示范站", "站", "S01", "", "", "2020-06-01", "是", "113.2810", "34.8020"], None, id="model-station-with-coordinates-loads"),
    P(["U31", "只有经度", "站", "S01", "", "", "", "", "113.28"], "bad_coordinates", id="longitude-only"),
    P(["U32", "境外坐标", "站", "S01", "", "", "", "", "200", "34.8"], "bad_coordinates", id="outside-china"),
    P(["U33", "经度写成文字", "站", "S01", "", "", "", "", "东经113", "34.8"], "bad_number", id="longitude-as-text"),
    P(["U34", "挂在省下的中心", "中心", "U01"], "bad_parent_level", id="centre-under-province"),
]  # fmt: skip

DIVISION_HEADER = ["统计用区划代码", "区划名称", "城乡分类代码"]  # fmt: skip
DIVISION_CASES = [
    P(["410106001001", "东林子村委会", "220"], None, id="village-loads"),
    P(["410106001000", "济源路街道", ""], None, id="town-loads"),
    P(["", "无代码村", "220"], "missing_required", id="no-code"),
    P(["410106001002", "", "220"], "missing_required", id="no-name"),
    P(["4101060010", "短代码村", "220"], "bad_division_code", id="code-10-digits"),
    P(["41010600100A", "字母代码村", "220"], "bad_division_code", id="code-with-letter"),
    P(["410106001003", "城乡分类有误", "22"], "bad_enum", id="urban-rural-2-digits"),
    P(["410106001004", "某社区", "111"], None, id="community-loads"),
]  # fmt: skip

BRAND_HEADER = ["项目编码", "项目名称", "所属阵地编码", "服务类别", "创建日期"]  # fmt: skip
BRAND_CASES = [
    P(["PP11", "一老一小", "Z01", "一老一小", "2021-03-01"], None, id="brand-with-category-alias-loads"),
    P(["", "无编码项目", "Z01"], "missing_required", id="no-brand-id"),
    P(["PP13", "", "Z01"], "missing_required", id="no-name"),
    P(["PP14", "无阵地项目", ""], "missing_required", id="no-unit"),
    P(["PP15", "阵地不存在", "NOPE"], "unknown_unit", id="unknown-unit"),
    P(["PP16", "类别不明", "Z01", "未知类"], "unknown_category", id="unknown-category"),
    P(["PP17", "日期有误", "Z01", "", "去年"], "bad_date", id="bad-started-on"),
    P(["PP18", "点上的项目", "D01"], None, id="brand-of-a-point-loads"),
]  # fmt: skip

ORDER_HEADER = ["点单编号", "点单时间", "需求类别", "需求内容", "点单阵地编码", "派单时间", "接单阵地编码", "接单时间", "完成时间", "状态"]  # fmt: skip
ORDER_CASES = [
    P(["DD11", "2025-03-01 09:00", "义诊", "希望义诊", "Z01", "2025-03-01 15:00", "Z02", "2025-03-02 09:00", "2025-03-08 11:00"], None, id="completed-order-loads"),
    P(["DD12", "2025-03-01 09:00", "便民", "", "Z01", "2025-03-01 10:00", "Z01", "2025-03-01 12:00"], None, id="accepted-order-loads"),
    P(["DD13", "2025-03-01 09:00", "便民", "", "Z01", "2025-03-01 10:00"], None, id="dispatched-order-loads"),
    P(["DD14", "2025-03-01 09:00", "便民", "", "Z01"], None, id="new-order-loads"),
    P(["DD15", "2025-03-01 09:00", "便民", "", "Z01", "", "", "", "", "已取消"], None, id="cancelled-order-loads"),
    P(["", "2025-03-01 09:00", "便民", "", "Z01"], "missing_required", id="no-order-id"),
    P(["DD17", "", "便民", "", "Z01"], "missing_required", id="no-ordered-at"),
    P(["DD18", "2025-03-01 09:00", "", "", "Z01"], "missing_required", id="no-category"),
    P(["DD19", "2025-03-01 09:00", "便民", "", ""], "missing_required", id="no-unit"),
    P(["DD20", "三月一日", "便民", "", "Z01"], "bad_date", id="bad-ordered-at"),
    P(["DD21", "2025-03-01 09:00", "理发", "", "Z01"], "unknown_category", id="unknown-category"),
    P(["DD22", "2025-03-01 09:00", "便民", "", "NOPE"], "unknown_unit", id="unknown-unit"),
    P(["DD23", "2025-03-01 09:00", "便民", "", "Z01", "2025-03-01 10:00", "NOPE"], "unknown_unit", id="unknown-accepting-unit"),
    P(["DD24", "2025-03-02 09:00", "便民", "", "Z01", "2025-03-01 10:00"], "times_out_of_order", id="dispatched-before-ordered"),
    P(["DD25", "2025-03-01 09:00", "便民", "", "Z01", "2025-03-01 10:00", "Z01", "2025-03-01 09:30"], "times_out_of_order", id="accepted-before-dispatched"),
    P(["DD26", "2025-03-01 09:00", "便民", "", "Z01", "", "Z01", "2025-03-02 09:00", "2025-03-01 18:00"], "times_out_of_order", id="completed-before-accepted"),
    P(["DD27", "2025-03-01 09:00", "便民", "", "Z01", "", "", "", "", "处理中"], "bad_enum", id="unknown-status"),
    # a date-only time compares by date: dispatched "that day" is not before 09:00 that day
    P(["DD28", "2025-03-01 09:00", "便民", "", "Z01", "2025-03-01"], None, id="date-only-time-compares-dates-loads"),
]  # fmt: skip

ACTIVITY_HEADER = ["活动编码", "活动名称", "阵地编码", "品牌项目编码", "服务类别", "开始时间", "结束时间", "来源", "点单编号", "志愿者人数", "志愿服务时长（小时）", "服务对象", "参与人次", "地点"]  # fmt: skip
ACTIVITY_CASES = [
    P(["HD11", "学习宣讲", "Z01", "PP01", "宣讲", "2025-03-05 14:30", "2025-03-05 16:30", "", "", "5", "10", "老年人", "120", "区文化馆"], None, id="full-activity-loads"),
    P(["", "无编码", "Z01", "", "宣讲", "2025-03-05"], "missing_required", id="no-activity-id"),
    P(["HD13", "", "Z01", "", "宣讲", "2025-03-05"], "missing_required", id="no-title"),
    P(["HD14", "无阵地", "", "", "宣讲", "2025-03-05"], "missing_required", id="no-unit"),
    P(["HD15", "无类别", "Z01", "", "", "2025-03-05"], "missing_required", id="no-category"),
    P(["HD16", "无时间", "Z01", "", "宣讲", ""], "missing_required", id="no-start"),
    P(["HD17", "日期有误", "Z01", "", "宣讲", "2025-02-30"], "bad_date", id="bad-start"),
    P(["HD18", "类别不明", "Z01", "", "茶话会", "2025-03-05"], "unknown_category", id="unknown-category"),
    P(["HD19", "阵地不存在", "NOPE", "", "宣讲", "2025-03-05"], "unknown_unit", id="unknown-unit"),
    P(["HD20", "品牌不存在", "Z01", "PP99", "宣讲", "2025-03-05"], "unknown_brand", id="unknown-brand"),
    P(["HD21", "点单不存在", "Z01", "", "宣讲", "2025-03-05", "", "", "DD99"], "unknown_order", id="unknown-order"),
    P(["HD22", "来源不符", "Z01", "", "宣讲", "2025-03-05", "", "自主开展", "DD01"], "order_source_mismatch", id="order-with-own-source"),
    P(["HD23", "点单活动", "Z01", "", "义诊", "2025-03-05", "", "", "DD01"], None, id="order-without-source-loads"),
    P(["HD24", "点单活动", "Z01", "", "义诊", "2025-03-05", "", "点单", "DD01"], None, id="source-alias-loads"),
    P(["HD25", "自主活动", "Z01", "", "义诊", "2025-03-05", "", "自主"], None, id="own-source-alias-loads"),
    P(["HD26", "来源有误", "Z01", "", "义诊", "2025-03-05", "", "线上"], "bad_enum", id="unknown-source"),
    P(["HD27", "未来活动", "Z01", "", "宣讲", "2025-12-31 10:30"], "start_after_as_of", id="starts-after-as-of"),
    P(["HD28", "当天活动", "Z01", "", "宣讲", "2025-12-31"], None, id="date-only-start-on-as-of-day-loads"),
    P(["HD29", "明年活动", "Z01", "", "宣讲", "2026-01-01"], "start_after_as_of", id="starts-next-year"),
    P(["HD30", "结束早于开始", "Z01", "", "宣讲", "2025-03-05 14:30", "2025-03-05 14:00"], "end_before_start", id="ends-before-start"),
    P(["HD31", "结束只写日期", "Z01", "", "宣讲", "2025-03-05 14:30", "2025-03-05"], None, id="date-only-end-same-day-loads"),
    P(["HD32", "跨天活动", "Z01", "", "宣讲", "2025-03-05 14:30", "2025-03-06 15:00"], "end_too_late", id="ends-over-24h-later"),
    P(["HD33", "次日结束", "Z01", "", "宣讲", "2025-03-05", "2025-03-06 08:00"], None, id="date-only-start-ends-next-day-loads"),
    P(["HD34", "结束日期早", "Z01", "", "宣讲", "2025-03-05", "2025-03-04"], "end_before_start", id="end-date-before-start-date"),
    P(["HD35", "志愿者负数", "Z01", "", "宣讲", "2025-03-05", "", "", "", "-1"], "negative_number", id="negative-volunteers"),
    P(["HD36", "志愿者小数", "Z01", "", "宣讲", "2025-03-05", "", "", "", "2.5"], "bad_integer", id="fractional-volunteers"),
    P(["HD37", "时长负数", "Z01", "", "宣讲", "2025-03-05", "", "", "", "", "-3"], "negative_number", id="negative-hours"),
    P(["HD38", "时长文字", "Z01", "", "宣讲", "2025-03-05", "", "", "", "", "三小时"], "bad_number", id="hours-as-text"),
    P(["HD39", "人次负数", "Z01", "", "宣讲", "2025-03-05", "", "", "", "", "", "", "-5"], "negative_number", id="negative-person-times"),
    P(["HD40", "人次约数", "Z01", "", "宣讲", "2025-03-05", "", "", "", "", "", "", "约100"], "bad_integer", id="person-times-as-text"),
    P(["HD41", "零值", "Z01", "", "宣讲", "2025-03-05", "", "", "", "0", "6.5", "", "0"], None, id="zeros-load"),
    P(["HD42", "结束时间有误", "Z01", "", "宣讲", "2025-03-05", "明天"], "bad_date", id="bad-end"),
]  # fmt: skip

ATTENDANCE_HEADER = ["活动编码", "参与者编号", "人数", "签到时间", "人群类别", "身份"]  # fmt: skip
ATTENDANCE_CASES = [
    P(["HD01", "P001", "", "2025-03-05 14:20", "老年人"], None, id="sign-in-loads"),
    P(["HD01", "", "30"], None, id="headcount-line-loads"),
    P(["HD02", "P002", "1", "", "", "志愿者"], None, id="volunteer-sign-in-loads"),
    P(["", "P003"], "missing_required", id="no-activity"),
    P(["HD99", "P004"], "unknown_activity", id="unknown-activity"),
    P(["HD01", "", "0"], "bad_headcount", id="zero-headcount"),
    P(["HD01", "", "-2"], "negative_number", id="negative-headcount"),
    P(["HD01", "", "2.5"], "bad_integer", id="fractional-headcount"),
    P(["HD01", "P005", "3"], "headcount_with_person", id="person-with-headcount-3"),
    P(["HD01", "张三"], "person_id_is_name", id="person-id-is-a-name"),
    P(["HD01", "P006", "", "", "", "嘉宾"], "bad_enum", id="unknown-role"),
    P(["HD01", "P007", "", "昨天"], "bad_date", id="bad-checked-in-at"),
]  # fmt: skip

RATING_HEADER = ["活动编码", "评价人编号", "满意度", "评价内容", "评价时间"]  # fmt: skip
RATING_CASES = [
    P(["HD01", "R001", "5", "讲得很实在", "2025-03-05 17:00"], None, id="rating-loads"),
    P(["", "R002", "5"], "missing_required", id="no-activity"),
    P(["HD01", "R003", ""], "missing_required", id="no-score"),
    P(["HD99", "R004", "5"], "unknown_activity", id="unknown-activity"),
    P(["HD01", "R005", "很好"], "bad_score", id="unreadable-score"),
    P(["HD01", "R006", "0"], "score_out_of_range", id="score-0"),
    P(["HD01", "R007", "5", "", "2025-03-05 14:00"], "rated_before_start", id="rated-before-start"),
    P(["HD01", "R008", "5", "", "2025-03-05"], None, id="date-only-rating-on-start-day-loads"),
    P(["HD01", "R009", "5", "", "2025-03-04"], "rated_before_start", id="rated-day-before"),
    P(["HD02", "R010", "4", "", "2025-03-06 08:00"], None, id="rating-of-date-only-activity-loads"),
    P(["HD02", "R011", "4", "", "2025-03-05 23:00"], "rated_before_start", id="rated-evening-before"),
    P(["HD01", "R012", "5", "", "三月五日"], "bad_date", id="bad-rated-at"),
]  # fmt: skip

TARGET_HEADER = ["年度", "阵地编码", "指标", "目标值"]  # fmt: skip
TARGET_CASES = [
    P(["2025", "ZX01", "活动场次", "1500"], None, id="activity-target-loads"),
    P(["2025", "ZX01", "满意率", "90%"], None, id="rate-as-percentage-loads"),
    P(["2025", "S01", "满意率", "0.9"], None, id="rate-as-fraction-loads"),
    P(["2025", "Z01", "满意率", "90"], None, id="rate-as-number-loads"),
    P(["", "ZX01", "服务人次", "100"], "missing_required", id="no-year"),
    P(["2025", "", "服务人次", "100"], "missing_required", id="no-unit"),
    P(["2025", "ZX01", "", "100"], "missing_required", id="no-metric"),
    P(["2025", "ZX01", "志愿服务时长", ""], "missing_required", id="no-value"),
    P(["25", "ZX01", "服务人次", "100"], "bad_year", id="two-digit-year"),
    P(["二〇二五", "ZX01", "服务人次", "100"], "bad_integer", id="year-in-words"),
    P(["2025", "ZX01", "人数", "100"], "bad_enum", id="unknown-metric"),
    P(["2025", "Z02", "活动场次", "0"], "bad_target_value", id="zero-target"),
    P(["2025", "Z02", "服务人次", "-5"], "bad_target_value", id="negative-target"),
    P(["2025", "Z02", "满意率", "120%"], "bad_target_value", id="rate-over-100-percent"),
    P(["2025", "Z02", "志愿服务时长", "50%"], "bad_target_value", id="percentage-of-hours"),
    P(["2025", "Z02", "活动场次", "很多"], "bad_number", id="value-as-text"),
    P(["2025", "NOPE", "活动场次", "10"], "unknown_unit", id="unknown-unit"),
    P(["2024", "ZX01", "活动场次", "1200"], None, id="other-year-loads"),
]  # fmt: skip

CASE_FILES = {
    # table: (case file, header, cases)
    "units": ("阵地-检查.csv", UNIT_HEADER, UNIT_CASES),
    "divisions": ("区划-检查.csv", DIVISION_HEADER, DIVISION_CASES),
    "brands": ("品牌-检查.csv", BRAND_HEADER, BRAND_CASES),
    "orders": ("点单-检查.csv", ORDER_HEADER, ORDER_CASES),
    "activities": ("活动-检查.csv", ACTIVITY_HEADER, ACTIVITY_CASES),
    "attendance": ("签到-检查.csv", ATTENDANCE_HEADER, ATTENDANCE_CASES),
    "ratings": ("评价-检查.csv", RATING_HEADER, RATING_CASES),
    "targets": ("目标-检查.csv", TARGET_HEADER, TARGET_CASES),
}


@pytest.fixture(scope="module")
def ruled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rules")
    src = copy_base(tmp / "src")
    for name, header, cases in CASE_FILES.values():
        write_csv(src / name, [header, *[case.values[0] for case in cases]])
    # a file whose person column is headed 志愿者编号 holds volunteers
    write_csv(
        src / "志愿者签到.csv", [["活动编码", "志愿者编号"], ["HD01", "V001"], ["HD02", "V002"]]
    )
    db = tmp / "w.duckdb"
    return build(src, db=db, as_of=AS_OF), db


def _cases(table):
    """(row, cells, expected code) per case of the table's case file."""
    return [P(n + 2, *c.values, id=c.id) for n, c in enumerate(CASE_FILES[table][2])]


def _check(ruled, table, row, code):
    """The case row is rejected with ``code``, or loaded when ``code`` is None."""
    manifest, db = ruled
    name = CASE_FILES[table][0]
    loaded = query(
        db, f"SELECT count(*) FROM {table} WHERE source_file = ? AND source_row = ?", [name, row]
    )
    assert (codes_by_row(manifest, table).get((name, row)), loaded) == (
        code,
        [(int(code is None),)],
    )


@pytest.mark.parametrize("row, cells, code", _cases("units"))
def test_unit_rule(ruled, row, cells, code):
    _check(ruled, "units", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("divisions"))
def test_division_rule(ruled, row, cells, code):
    _check(ruled, "divisions", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("brands"))
def test_brand_rule(ruled, row, cells, code):
    _check(ruled, "brands", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("orders"))
def test_order_rule(ruled, row, cells, code):
    _check(ruled, "orders", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("activities"))
def test_activity_rule(ruled, row, cells, code):
    _check(ruled, "activities", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("attendance"))
def test_attendance_rule(ruled, row, cells, code):
    _check(ruled, "attendance", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("ratings"))
def test_rating_rule(ruled, row, cells, code):
    _check(ruled, "ratings", row, code)


@pytest.mark.parametrize("row, cells, code", _cases("targets"))
def test_target_rule(ruled, row, cells, code):
    _check(ruled, "targets", row, code)


def test_every_case_row_is_counted(ruled):
    manifest, _ = ruled
    base = {"units": 5, "brands": 1, "orders": 1, "activities": 2, "attendance": 2}  # + 志愿者签到
    for table, (_, _, cases) in CASE_FILES.items():
        good = sum(c.values[1] is None for c in cases) + base.get(table, 0)
        bad = sum(c.values[1] is not None for c in cases)
        assert counts(manifest, table) == (good + bad, good, 0, bad), table


# ---------------------------------------------------------------- what the valid rows hold


def test_unit_values_are_normalised(ruled):
    _, db = ruled
    assert query(
        db,
        "SELECT unit_id, level, parent_id, serves, is_model, lng, lat FROM units"
        " WHERE unit_id IN ('U01', 'U09', 'U17', 'U27', 'U30') ORDER BY 1",
    ) == [
        ("U01", "省", None, None, False, None, None),
        ("U09", "站", "S01", None, False, None, None),
        ("U17", "基地", "S01", None, False, None, None),
        ("U27", "站", "S01", [f"41010600100{n}" for n in range(3, 8)], False, None, None),
        ("U30", "站", "S01", None, True, 113.281, 34.802),
    ]


def test_division_is_a_village_unless_its_code_ends_in_000(ruled):
    _, db = ruled
    assert query(db, "SELECT code, is_village FROM divisions ORDER BY 1") == [
        ("410106001000", False),
        ("410106001001", True),
        ("410106001004", True),
    ]


def test_order_status_follows_from_its_times_when_absent(ruled):
    _, db = ruled
    assert query(db, "SELECT order_id, category, status FROM orders ORDER BY 1") == [
        ("DD01", "卫生健康", "待派单"),
        ("DD11", "卫生健康", "已完成"),
        ("DD12", "便民服务", "已接单"),
        ("DD13", "便民服务", "已派单"),
        ("DD14", "便民服务", "待派单"),
        ("DD15", "便民服务", "已取消"),
        ("DD28", "便民服务", "已派单"),
    ]


def test_activity_source_defaults_and_follows_its_order(ruled):
    _, db = ruled
    assert query(
        db,
        "SELECT activity_id, source, order_id FROM activities"
        " WHERE activity_id IN ('HD11', 'HD23', 'HD24', 'HD25') ORDER BY 1",
    ) == [
        ("HD11", "自主开展", None),
        ("HD23", "群众点单", "DD01"),
        ("HD24", "群众点单", "DD01"),
        ("HD25", "自主开展", None),
    ]
    assert query(
        db,
        "SELECT volunteer_count, volunteer_hours, reported_person_times, target_group, location,"
        " start_at, end_at, start_on FROM activities WHERE activity_id = 'HD11'",
    ) == [
        (
            5,
            Decimal("10.00"),
            120,
            "老年人",
            "区文化馆",
            dt.datetime(2025, 3, 5, 14, 30),
            dt.datetime(2025, 3, 5, 16, 30),
            dt.date(2025, 3, 5),
        )
    ]


def test_attendance_headcount_and_role_defaults(ruled):
    _, db = ruled
    assert query(
        db,
        "SELECT activity_id, person_id, headcount, person_group, role, source_file FROM attendance"
        " ORDER BY source_file, source_row",
    ) == [
        ("HD01", "V001", 1, None, "志愿者", "志愿者签到.csv"),
        ("HD02", "V002", 1, None, "志愿者", "志愿者签到.csv"),
        ("HD01", "P001", 1, "老年人", "群众", "签到-检查.csv"),
        ("HD01", None, 30, None, "群众", "签到-检查.csv"),
        ("HD02", "P002", 1, None, "志愿者", "签到-检查.csv"),
    ]


def test_satisfaction_rate_target_is_stored_as_a_fraction(ruled):
    _, db = ruled
    assert query(db, "SELECT year, unit_id, metric, value FROM targets ORDER BY 1, 2, 3") == [
        (2024, "ZX01", "活动场次", 1200.0),
        (2025, "S01", "满意率", 0.9),
        (2025, "Z01", "满意率", 0.9),
        (2025, "ZX01", "活动场次", 1500.0),
        (2025, "ZX01", "满意率", 0.9),
    ]


# ---------------------------------------------------------------- references between tables

REFERENCE_CASES = [
    # (table, file, row, reason_code): a rejected unit takes everything hanging on it
    P("units", "阵地-补报.csv", 2, "unknown_parent", id="institute-with-unknown-centre"),
    P("units", "阵地-补报.csv", 3, "unknown_parent", id="station-of-rejected-institute"),
    P("units", "阵地-补报.csv", 4, "unknown_parent", id="point-of-rejected-station"),
    P("units", "阵地-补报.csv", 5, "bad_parent_level", id="point-under-centre"),
    P("brands", "品牌-补报.csv", 2, "unknown_unit", id="brand-of-rejected-station"),
    P("orders", "点单-补报.csv", 2, "unknown_unit", id="order-at-rejected-station"),
    P("activities", "活动-补报.csv", 2, "unknown_unit", id="activity-at-rejected-station"),
    P("activities", "活动-补报.csv", 3, "unknown_brand", id="activity-of-rejected-brand"),
    P("activities", "活动-补报.csv", 4, "unknown_order", id="activity-of-rejected-order"),
    P("attendance", "签到-补报.csv", 2, "unknown_activity", id="sign-in-at-rejected-activity"),
    P("ratings", "评价-补报.csv", 2, "unknown_activity", id="rating-of-rejected-activity"),
    P("targets", "目标-补报.csv", 2, "unknown_unit", id="target-of-rejected-station"),
]  # fmt: skip


@pytest.fixture(scope="module")
def referenced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("references")
    src = copy_base(tmp / "src")
    write_csv(
        src / "阵地-补报.csv",
        [
            ["阵地编码", "阵地名称", "层级", "上级编码"],
            ["S02", "某街道新时代文明实践所", "所", "ZX99"],
            ["Z03", "某村新时代文明实践站", "站", "S02"],
            ["D03", "某村文明实践点", "点", "Z03"],
            ["D04", "挂错的点", "点", "ZX01"],
        ],
    )
    write_csv(
        src / "品牌-补报.csv", [["项目编码", "项目名称", "所属阵地编码"], ["PP03", "某项目", "Z03"]]
    )
    write_csv(
        src / "点单-补报.csv",
        [
            ["点单编号", "点单时间", "需求类别", "点单阵地编码"],
            ["DD03", "2025-03-01", "便民", "Z03"],
        ],
    )
    write_csv(
        src / "活动-补报.csv",
        [
            [
                "活动编码",
                "活动名称",
                "阵地编码",
                "服务类别",
                "开始时间",
                "品牌项目编码",
                "点单编号",
            ],
            ["HD03", "某村宣讲", "Z03", "宣讲", "2025-03-07", "", ""],
            ["HD04", "品牌活动", "Z01", "宣讲", "2025-03-07", "PP03", ""],
            ["HD05", "点单活动", "Z01", "便民", "2025-03-07", "", "DD03"],
        ],
    )
    write_csv(
        src / "签到-补报.csv", [["活动编码", "参与者编号"], ["HD03", "P001"], ["HD01", "P001"]]
    )
    write_csv(src / "评价-补报.csv", [["活动编码", "满意度"], ["HD03", "5"], ["HD01", "5"]])
    write_csv(
        src / "目标-补报.csv",
        [
            ["年度", "阵地编码", "指标", "目标值"],
            ["2025", "Z03", "活动场次", "10"],
            ["2025", "Z01", "活动场次", "10"],
        ],
    )
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize("table, name, row, code", REFERENCE_CASES)
def test_row_referring_to_a_missing_or_rejected_row_is_rejected(referenced, table, name, row, code):
    manifest, _ = referenced
    assert codes_by_row(manifest, table)[(name, row)] == code


def test_rows_referring_to_loaded_rows_still_load(referenced):
    manifest, _ = referenced
    assert {t: counts(manifest, t)[1:] for t in ("units", "attendance", "ratings", "targets")} == {
        "units": (5, 0, 4),
        "attendance": (1, 0, 1),
        "ratings": (1, 0, 1),
        "targets": (1, 0, 1),
    }
