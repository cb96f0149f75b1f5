"""The practices' tables and columns (志愿服务队伍, 积分兑换, 服务时长, 五有 columns of 阵地):
every rule of the contract, with each reject, duplicate and conflict planted in a
hand-built ledger and counted by hand."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from pipelines.template import write_template
from tests.import_helpers import (
    BASE,
    all_tables,
    build,
    codes_by_row,
    copy_base,
    counts,
    query,
    rejects,
    write_csv,
)

AS_OF = "2025-06-30T12:00:00"
PHONE = "13800138000"
OTHER_PHONE = "13900139000"

# 阵地-五有.csv: new stations under S01 with the 五有 columns (Z01, Z02 come from the base)
UNITS_5 = [
    ["阵地编码", "阵地名称", "层级", "上级编码", "负责人", "制度上墙", "功能室数量", "场所面积（平方米）"],
    ["Z03", "三号村新时代文明实践站", "站", "S01", "王强", "是", 5, 800],        # 2 loaded
    ["Z04", "四号村新时代文明实践站", "站", "S01", "李红", "否", 0, "350.5"],    # 3 loaded
    ["Z05", "五号村新时代文明实践站", "站", "S01", None, None, None, None],       # 4 loaded, 未报送
    ["Z03", "三号村新时代文明实践站", "站", "S01", "王强", "是", 5, "800.0"],    # 5 duplicate
    ["Z04", "四号村新时代文明实践站", "站", "S01", "张伟", "否", 0, "350.5"],    # 6 conflict
    ["Z06", "六号村新时代文明实践站", "站", "S01", None, None, -1, None],         # 7 negative
    ["Z07", "七号村新时代文明实践站", "站", "S01", None, "已上墙", None, None],   # 8 bad bool
    ["Z08", "八号村新时代文明实践站", "站", "S01", None, None, "2.5", None],      # 9 not integer
    ["Z09", "九号村新时代文明实践站", "站", "S01", None, None, None, -10],        # 10 negative
    ["Z10", "十号村新时代文明实践站", "站", "S01", None, None, None, "约300"],    # 11 not a number
    ["Z11", "十一号村新时代文明实践站", "站", "S01", "陈静", "√", 2, "1,200.5"],  # 12 loaded
]  # fmt: skip

TEAMS = [
    ["队伍编号", "队伍名称", "所属阵地编码", "服务类别", "成立日期", "队员人数"],
    ["T01", "东林子理论宣讲志愿服务队", "Z01", "宣讲", "2021-05-04", 25],   # 2 loaded
    ["T02", "西林子文艺志愿服务队", "Z02", "文艺", "2020/3/5", 12],        # 3 loaded
    ["T01", "东林子理论宣讲志愿服务队", "Z01", "理论宣讲", "2021年5月4日", "25"],  # 4 duplicate
    ["T02", "西林子文艺志愿服务队", "Z02", "文艺", "2020/3/5", 15],        # 5 conflict
    ["T03", "无名队", "Z99", None, None, None],                            # 6 unknown unit
    ["T04", "广场舞队", "Z01", "跳舞", None, None],                        # 7 unknown category
    ["T05", "新建队", "Z01", None, "2025-07-01", None],                    # 8 after as-of
    ["T06", "倒数队", "Z01", None, None, -3],                              # 9 negative
    [None, "无编码队", "Z01", None, None, None],                           # 10 missing code
    ["T07", None, "Z01", None, None, None],                                # 11 missing name
    ["T08", "济源路街道志愿服务总队", "S01", None, "2025-06-30", 0],        # 12 loaded
    ["T09", "错日队", "Z01", None, "2025-13-01", None],                    # 13 bad date
]  # fmt: skip

REDEMPTIONS = [
    ["兑换编号", "志愿者编号", "爱心超市编码", "兑换时间", "兑换积分", "兑换物品"],
    ["DH01", "P001", "Z01", "2025-03-10 10:00", 20, "洗衣液"],     # 2 loaded
    ["DH02", PHONE, "Z01", "2025-03-11", 30, "食用油"],            # 3 loaded, hashed
    ["DH01", "P001", "Z01", "2025/3/10 10:00", "20", "洗衣液"],    # 4 duplicate
    ["DH02", "138 0013 8000", "Z01", "2025-03-11", 30, "食用油"],  # 5 duplicate: same phone
    ["DH03", "P001", "Z01", "2025-03-12", 0, None],                # 6 points 0
    ["DH04", "P001", "Z01", "2025-03-12", -5, None],               # 7 negative
    ["DH05", "P001", "Z01", "2025-07-01", 5, None],                # 8 after as-of
    ["DH06", "张三", "Z01", "2025-03-12", 5, None],                # 9 a name
    ["DH07", "P001", "Z77", "2025-03-12", 5, None],                # 10 unknown unit
    ["DH08", None, "Z01", "2025-03-12", 5, None],                  # 11 missing person
    ["DH09", "P002", "Z01", "2025-06-30", 500, "电饭煲"],          # 12 loaded: over balance
    ["DH10", "P001", "Z01", "2025-04-01", "12.5", None],           # 13 not integer
    ["DH01", "P001", "Z01", "2025-03-10 10:00", 25, "洗衣液"],     # 14 conflict
    ["DH11", "P001", "Z01", "2025-06-30 13:00", 5, None],          # 15 after as-of 12:00
    ["DH12", "1.38001E+10", "Z01", "2025-03-12", 5, None],         # 16 scientific
    ["DH13", OTHER_PHONE, "Z77", "2025-03-12", 5, None],           # 17 unknown unit, masked
]  # fmt: skip

# 志愿者编号 header: role defaults to 志愿者
VOLUNTEER_SIGN_INS = [
    ["活动编码", "志愿者编号", "服务时长（小时）"],
    ["HD01", "P001", "2.5"],           # 2 loaded
    ["HD01", "P003", 24],              # 3 loaded: 24 is allowed
    ["HD02", "P001", "24.5"],          # 4 too long
    ["HD02", "P003", -1],              # 5 negative
    ["HD02", "P004", "两小时"],        # 6 not a number
    ["HD02", "P005", None],            # 7 loaded, no hours
    ["HD01", "P001", 3],               # 8 conflict
    ["HD01", "P003", "24.0"],          # 9 duplicate
    ["HD02", "138-0013-8000", 3],      # 10 loaded, hashed like the redemption's
]  # fmt: skip

SIGN_INS = [
    ["活动编码", "参与者编号", "身份", "服务时长（小时）"],
    ["HD01", "P010", "群众", 1],       # 2 hours on a 群众 row
    ["HD01", "P011", None, 2],         # 3 hours on a row that defaults to 群众
    ["HD01", "P012", "志愿者", "1.5"],  # 4 loaded
    ["HD02", "P013", "群众", None],    # 5 loaded
]  # fmt: skip


@pytest.fixture(scope="module")
def practices(tmp_path_factory):
    """The base ledgers plus the practices' files, built once: (folder, warehouse, manifest)."""
    folder = copy_base(tmp_path_factory.mktemp("practices"), "units", "activities")
    write_csv(folder / "阵地-五有.csv", UNITS_5)
    write_csv(folder / "志愿服务队伍.csv", TEAMS)
    write_csv(folder / "积分兑换.csv", REDEMPTIONS)
    write_csv(folder / "志愿者签到.csv", VOLUNTEER_SIGN_INS)
    write_csv(folder / "签到.csv", SIGN_INS)
    db = tmp_path_factory.mktemp("practices-db") / "wh.duckdb"
    return folder, db, build(folder, db=db, as_of=AS_OF)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # base: 5 units; 阵地-五有.csv: 11 rows, 4 loaded, 1 duplicate, 6 rejected
        ("units", (16, 9, 1, 6)),
        ("teams", (12, 3, 1, 8)),
        ("redemptions", (16, 3, 2, 11)),
        # 志愿者签到.csv 9 rows (4 loaded, 1 duplicate, 4 rejected) + 签到.csv 4 (2, 0, 2)
        ("attendance", (13, 6, 1, 6)),
    ],
)
def test_every_row_of_the_practices_tables_is_loaded_a_duplicate_or_rejected(
    practices, table, expected
):
    _folder, _db, manifest = practices
    assert counts(manifest, table) == expected


def test_rows_add_up_in_every_table(practices):
    _folder, _db, manifest = practices
    for table, c in manifest["tables"].items():
        assert c["rows"] == c["loaded"] + c["duplicates"] + c["rejected"], table


def test_team_rows_are_rejected_for_what_a_clerk_can_fix(practices):
    _folder, _db, manifest = practices
    assert codes_by_row(manifest, "teams") == {
        ("志愿服务队伍.csv", 5): "conflict",
        ("志愿服务队伍.csv", 6): "unknown_unit",
        ("志愿服务队伍.csv", 7): "unknown_category",
        ("志愿服务队伍.csv", 8): "date_after_as_of",
        ("志愿服务队伍.csv", 9): "negative_number",
        ("志愿服务队伍.csv", 10): "missing_required",
        ("志愿服务队伍.csv", 11): "missing_required",
        ("志愿服务队伍.csv", 13): "bad_date",
    }


def test_redemption_rows_are_rejected_for_what_a_clerk_can_fix(practices):
    _folder, _db, manifest = practices
    assert codes_by_row(manifest, "redemptions") == {
        ("积分兑换.csv", 6): "points_not_positive",
        ("积分兑换.csv", 7): "negative_number",
        ("积分兑换.csv", 8): "date_after_as_of",
        ("积分兑换.csv", 9): "person_id_is_name",
        ("积分兑换.csv", 10): "unknown_unit",
        ("积分兑换.csv", 11): "missing_required",
        ("积分兑换.csv", 13): "bad_integer",
        ("积分兑换.csv", 14): "conflict",
        ("积分兑换.csv", 15): "date_after_as_of",
        ("积分兑换.csv", 16): "id_scientific",
        ("积分兑换.csv", 17): "unknown_unit",
    }


def test_service_hours_and_station_columns_are_rejected_for_what_a_clerk_can_fix(practices):
    _folder, _db, manifest = practices
    assert codes_by_row(manifest, "attendance") == {
        ("志愿者签到.csv", 4): "service_hours_too_long",
        ("志愿者签到.csv", 5): "negative_number",
        ("志愿者签到.csv", 6): "bad_number",
        ("志愿者签到.csv", 8): "conflict",
        ("签到.csv", 2): "service_hours_not_volunteer",
        ("签到.csv", 3): "service_hours_not_volunteer",
    }
    assert codes_by_row(manifest, "units") == {
        ("阵地-五有.csv", 6): "conflict",
        ("阵地-五有.csv", 7): "negative_number",
        ("阵地-五有.csv", 8): "bad_bool",
        ("阵地-五有.csv", 9): "bad_integer",
        ("阵地-五有.csv", 10): "negative_number",
        ("阵地-五有.csv", 11): "bad_number",
    }


def test_every_reason_of_the_new_rules_is_chinese_and_names_the_value(practices):
    _folder, _db, manifest = practices
    reasons = {(r["file"], r["row"]): r["reason"] for r in rejects(manifest)}
    assert "2025-07-01" in reasons[("志愿服务队伍.csv", 8)]
    assert "2025-06-30 12:00" in reasons[("志愿服务队伍.csv", 8)]
    assert "2025-06-30 13:00" in reasons[("积分兑换.csv", 15)]
    assert "“0”" in reasons[("积分兑换.csv", 6)] and "大于0" in reasons[("积分兑换.csv", 6)]
    assert "24.5" in reasons[("志愿者签到.csv", 4)] and "24小时" in reasons[("志愿者签到.csv", 4)]
    assert "“群众”" in reasons[("签到.csv", 2)] and "志愿者" in reasons[("签到.csv", 2)]
    assert "兑换阵地编码" in reasons[("积分兑换.csv", 10)]
    assert "所属阵地编码" in reasons[("志愿服务队伍.csv", 6)]
    assert "保留“12”、本行“15”" in reasons[("志愿服务队伍.csv", 5)]


def test_teams_are_stored_typed_with_canonical_categories(practices):
    _folder, db, _manifest = practices
    assert query(
        db,
        "SELECT team_id, name, unit_id, category, CAST(founded_on AS VARCHAR), member_count, "
        "source_file, source_row FROM teams ORDER BY team_id",
    ) == [
        ("T01", "东林子理论宣讲志愿服务队", "Z01", "理论宣讲", "2021-05-04", 25, "志愿服务队伍.csv", 2),
        ("T02", "西林子文艺志愿服务队", "Z02", "文化服务", "2020-03-05", 12, "志愿服务队伍.csv", 3),
        ("T08", "济源路街道志愿服务总队", "S01", None, "2025-06-30", 0, "志愿服务队伍.csv", 12),
    ]  # fmt: skip


def test_a_redemption_over_the_balance_is_loaded_and_phones_are_hashed_like_sign_ins(practices):
    _folder, db, _manifest = practices
    rows = query(
        db,
        "SELECT redemption_id, person_id, unit_id, CAST(redeemed_at AS VARCHAR), points, item "
        "FROM redemptions ORDER BY redemption_id",
    )
    assert [r[0] for r in rows] == ["DH01", "DH02", "DH09"]
    assert rows[0] == ("DH01", "P001", "Z01", "2025-03-10 10:00:00", 20, "洗衣液")
    # P002 earned nothing (no sign-in at all): the 500 points are loaded, for the audit
    assert rows[2] == ("DH09", "P002", "Z01", "2025-06-30 00:00:00", 500, "电饭煲")
    hashed = rows[1][1]
    assert hashed.startswith("h:") and PHONE not in hashed
    # the same phone as a volunteer's id is the same pseudonymous person
    assert query(db, "SELECT COUNT(*) FROM attendance WHERE person_id = ?", [hashed]) == [(1,)]


def test_no_phone_number_is_stored_raw_anywhere(practices):
    _folder, db, _manifest = practices
    text = repr(all_tables(db))
    for number in (PHONE, OTHER_PHONE):
        assert number not in text
    assert "139****9000" in text  # the rejected row's raw cells, masked


def test_service_hours_are_stored_exactly_on_volunteer_rows(practices):
    _folder, db, _manifest = practices
    rows = query(
        db,
        "SELECT activity_id, person_id, role, service_hours FROM attendance "
        "WHERE person_id NOT LIKE 'h:%' ORDER BY activity_id, person_id",
    )
    assert rows == [
        ("HD01", "P001", "志愿者", Decimal("2.50")),
        ("HD01", "P003", "志愿者", Decimal("24.00")),
        ("HD01", "P012", "志愿者", Decimal("1.50")),
        ("HD02", "P005", "志愿者", None),
        ("HD02", "P013", "群众", None),
    ]


def test_station_columns_are_stored_and_unreported_ones_stay_null(practices):
    _folder, db, _manifest = practices
    rows = query(
        db,
        "SELECT unit_id, head, is_rules_posted, room_count, area_sqm FROM units "
        "WHERE unit_id IN ('Z01', 'Z03', 'Z04', 'Z05', 'Z11') ORDER BY unit_id",
    )
    assert rows == [
        ("Z01", None, None, None, None),
        ("Z03", "王强", True, 5, Decimal("800.00")),
        ("Z04", "李红", False, 0, Decimal("350.50")),
        ("Z05", None, None, None, None),
        ("Z11", "陈静", True, 2, Decimal("1200.50")),
    ]


# ---------------------------------------------------------------- the template


def test_the_template_has_a_sheet_per_new_table_and_its_examples_import_cleanly(tmp_path):
    folder = tmp_path / "template"
    path = write_template(folder / "导入模板.xlsx")
    book = CalamineWorkbook.from_path(str(path))

    def header(sheet: str) -> list[str]:
        return book.get_sheet_by_name(sheet).to_python()[0]

    heads = {name: header(name) for name in ("志愿服务队伍", "积分兑换")}
    assert heads == {
        "志愿服务队伍": [
            "队伍编码",
            "队伍名称",
            "所属阵地编码",
            "服务类别",
            "成立日期",
            "队员人数",
        ],
        "积分兑换": ["兑换编号", "参与者编号", "兑换阵地编码", "兑换时间", "积分", "兑换物品"],
    }
    assert "服务时长（小时）" in header("参与记录")
    assert header("阵地")[-4:] == [
        "负责人",
        "制度上墙",
        "功能室数量",
        "场所面积（平方米）",
    ]
    manifest = build(folder, db=tmp_path / "wh.duckdb", as_of="2025-12-31T23:59:59")
    # every sheet holds two example rows, and every one loads
    for table, c in manifest["tables"].items():
        assert (c["rows"], c["loaded"]) == (2, 2), table
    assert manifest["rejects"] == []


def test_a_workbook_sheet_of_teams_is_told_apart_from_brands_by_its_headers(tmp_path):
    folder = copy_base(tmp_path / "l", "units")
    shutil.copy(BASE / "品牌项目.csv", folder / "品牌项目.csv")
    write_csv(folder / "队伍.csv", [TEAMS[0], TEAMS[1]])
    manifest = build(folder, db=tmp_path / "wh.duckdb", as_of=AS_OF)
    tables = {f["file"]: f.get("table") for f in manifest["files"]}
    assert tables["队伍.csv"] == "teams" and tables["品牌项目.csv"] == "brands"
