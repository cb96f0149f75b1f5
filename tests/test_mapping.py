"""Ledgers in layouts of their own: suggested once, saved as a 报送格式, imported every month.

Each layout of ``clerk_layouts`` is mapped by its suggestion alone (plus, where a
clerk would pick it once, the file's own unit), built together with the units, and
every figure is compared with a count made by hand from the rows written there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import clerk_layouts as L
import jsonschema
import pytest
from import_helpers import counts, file_entry, query, run_cli, write_csv

AS_OF = "2024-12-31T23:59:59"


def _source(tmp_path: Path, layout: L.Layout, with_activities: bool = False) -> Path:
    src = tmp_path / "src"
    write_csv(src / "00-阵地.csv", L.UNITS)
    if with_activities:
        write_csv(src / "01-活动.csv", L.ACTIVITIES)
    layout.write(src)
    return src


def _suggest(path: Path, sheet: str | None = None) -> dict:
    code, out, err = run_cli(
        "map", path, "--suggest", "--json", *(["--sheet", sheet] if sheet else [])
    )
    assert code == 0, err
    return json.loads(out)


def _save(path: Path, db: Path, name: str, *options: str, sheet: str | None = None) -> None:
    code, _, err = run_cli(
        "map", path, "--save", name, "--db", db, *(["--sheet", sheet] if sheet else []), *options
    )
    assert code == 0, err


def _build(src: Path, db: Path) -> dict:
    code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")
    assert code == 0, err
    return json.loads(out)


def _conserved(manifest: dict) -> None:
    for table, t in manifest["tables"].items():
        assert t["rows"] == t["loaded"] + t["duplicates"] + t["rejected"], table


@pytest.mark.parametrize("layout", L.LAYOUTS, ids=[lay.name for lay in L.LAYOUTS])
def test_suggestions_alone_map_at_least_nine_in_ten_columns_right(tmp_path, layout):
    path = layout.write(tmp_path)

    suggested = _suggest(path, layout.sheet)

    got = {c["header"]: c["field"] for c in suggested["columns"] if c["header"]}
    right = sum(got.get(header) == want for header, want in layout.truth.items())
    assert set(got) == set(layout.truth)
    assert right / len(layout.truth) >= 0.9, {h: got.get(h) for h in layout.truth}
    assert all(0 <= c["confidence"] <= 1 for c in suggested["columns"])


def _activities(db: Path) -> list[tuple]:
    return query(
        db,
        "SELECT unit_id, strftime(start_at, '%Y-%m-%d %H:%M'), title, category,"
        " reported_person_times FROM activities ORDER BY start_at, title",
    )


# (layout, constants a clerk picks once, expected activities: unit, start, title,
#  category, reported person-times) -- counted from the rows in clerk_layouts
# the split-date ledger, counted by hand (the same rows as .xlsx and as .xls)
SPLIT_DATE_ACTIVITIES = [
    ("Z2", "2024-06-28 14:30", "健康讲座", "卫生健康", 22),
    ("Z2", "2024-06-30 00:00", "消夏晚会", "文化服务", 150),
    ("Z1", "2024-06-30 09:00", "党史宣讲", "理论宣讲", 30),
    ("Z1", "2024-07-01 00:00", "建党节宣讲", "理论宣讲", 41),
    ("Z1", "2024-07-02 00:00", "暑期托管", "关爱帮扶", 26),
]
ACTIVITY_CASES = [
    (
        L.MONTH_SHEETS,
        [],
        [
            ("Z2", "2024-06-12 00:00", "广场舞展演", "文化服务", 25),
            ("Z1", "2024-06-30 00:00", "理论宣讲进村", "理论宣讲", 40),
            ("Z1", "2024-07-02 00:00", "暑期课堂", "教育服务", 18),
        ],
    ),
    (
        L.THREE_ROWS,
        ["--constant", "unit_id=S1"],
        [
            ("Z2", "2024-06-12 00:00", "广场舞", "文化服务", 30),
            ("Z4", "2024-06-15 00:00", "亲子阅读", "教育服务", 20),
            ("Z1", "2024-06-30 00:00", "理论宣讲进村", "理论宣讲", 25),
        ],
    ),
    (
        L.TOTAL_UNDER_HEADER,
        [],
        [
            ("Z4", "2024-06-03 09:00", "反诈宣传", "法治宣传", 50),
            ("Z3", "2024-06-10 14:30", "义诊进社区", "卫生健康", 45),
        ],
    ),
    (
        L.WIDE_GROUPS,
        [],
        [
            ("Z1", "2024-10-11 00:00", "重阳敬老", "关爱帮扶", 32),
            ("Z2", "2024-10-15 00:00", "四点半课堂", "教育服务", 25),
        ],
    ),
    (
        L.NAMES_ONLY,
        [],
        [
            ("Z4", "2024-06-03 00:00", "移风易俗宣讲", "移风易俗", 60),
            ("Z2", "2024-06-05 00:00", "科普讲座", "科技科普", 35),
            ("Z4", "2024-06-08 00:00", "书法课", "教育服务", 12),
        ],
    ),
    (
        L.SPLIT_DATE,
        [],
        SPLIT_DATE_ACTIVITIES,
    ),
    (
        L.SPLIT_DATE_XLS,
        [],
        SPLIT_DATE_ACTIVITIES,
    ),
    (
        L.MERGED_SERIAL,
        [],
        [
            ("Z2", "2024-05-04 00:00", "青年志愿服务", "便民服务", 15),
            ("Z2", "2024-05-04 00:00", "青年读书会", "文化服务", 20),
            ("Z4", "2024-05-20 00:00", "义务理发", "便民服务", 33),
            ("Z4", "2024-05-20 00:00", "健康检查", "卫生健康", 40),
            ("Z4", "2024-05-20 00:00", "防溺水宣传", "法治宣传", 55),
        ],
    ),
    (
        L.PHOTO_COLUMN,
        [],
        [
            ("Z1", "2024-08-01 00:00", "八一慰问老兵", "关爱帮扶", 12),
            ("Z2", "2024-08-09 00:00", "纳凉晚会", "文化服务", 200),
        ],
    ),
    (
        L.NOTE_TOTAL,
        [],
        [
            ("Z1", "2024-09-02 00:00", "开学第一课", "教育服务", 45),
            ("Z2", "2024-09-10 00:00", "教师节慰问", "关爱帮扶", 16),
        ],
    ),
]


@pytest.mark.parametrize(
    ("layout", "constants", "expected"), ACTIVITY_CASES, ids=[c[0].name for c in ACTIVITY_CASES]
)
def test_after_mapping_every_activity_equals_the_hand_count(tmp_path, layout, constants, expected):
    src = _source(tmp_path, layout)
    db = tmp_path / "w.duckdb"
    _save(src / layout.file, db, "格式", *constants, sheet=layout.sheet)

    manifest = _build(src, db)

    assert _activities(db) == expected
    _conserved(manifest)
    assert manifest["tables"]["activities"]["rows"] == len(expected) + sum(
        r["table"] == "activities" for r in manifest["rejects"]
    )


def test_a_three_row_header_gives_headcount_lines_by_group_and_hours_where_mapped(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    _save(src / L.THREE_ROWS.file, db, "所台账", "--constant", "unit_id=S1")

    manifest = _build(src, db)

    # rows 6.30: 成人 20 + 儿童 5; 6.12: 成人 30 (儿童 0: no line); 6.15: 成人 8 + 儿童 12
    assert query(
        db,
        "SELECT a.title, t.person_group, t.headcount FROM attendance t"
        " JOIN activities a USING (activity_id) ORDER BY a.start_at, t.person_group",
    ) == [
        ("广场舞", "成人", 30),
        ("亲子阅读", "儿童", 12),
        ("亲子阅读", "成人", 8),
        ("理论宣讲进村", "儿童", 5),
        ("理论宣讲进村", "成人", 20),
    ]
    # 成人/小时 + 儿童/小时: 40 + 10, 0 + 0, 16 + 24
    assert query(db, "SELECT title, volunteer_hours FROM activities ORDER BY start_at") == [
        ("广场舞", 0),
        ("亲子阅读", 40),
        ("理论宣讲进村", 50),
    ]
    assert counts(manifest, "attendance") == (5, 5, 0, 0)
    sheet = file_entry(manifest, L.THREE_ROWS.file)["sheets"]
    assert [(s["table"], s["format"], s["rows"]) for s in sheet] == [
        ("activities", "所台账", 3),
        ("attendance", "所台账", 5),
    ]


def test_a_total_column_is_the_reported_headcount_and_groups_become_lines(tmp_path):
    src = _source(tmp_path, L.WIDE_GROUPS)
    db = tmp_path / "w.duckdb"
    _save(src / L.WIDE_GROUPS.file, db, "宽表")

    _build(src, db)

    assert query(
        db, "SELECT person_group, sum(headcount) FROM attendance GROUP BY 1 ORDER BY 1"
    ) == [("儿童", 25), ("残疾人", 2), ("老年人", 30)]
    assert query(db, "SELECT sum(volunteer_count) FROM activities") == [(9,)]


def test_unit_names_that_match_none_or_two_units_are_rejected_naming_candidates(tmp_path):
    src = _source(tmp_path, L.NAMES_ONLY)
    db = tmp_path / "w.duckdb"
    _save(src / L.NAMES_ONLY.file, db, "汇总")

    manifest = _build(src, db)

    reasons = {r["row"]: (r["reason_code"], r["reason"]) for r in manifest["rejects"]}
    assert set(reasons) == {5, 6}
    assert reasons[5][0] == "unit_name_ambiguous"
    assert "东林子村新时代文明实践站（Z1）" in reasons[5][1]
    assert "东林子村新时代文明实践站（Z3）" in reasons[5][1]
    assert reasons[6][0] == "unit_name_unmatched" and "不存在村" in reasons[6][1]
    assert counts(manifest, "activities") == (5, 3, 0, 2)


def test_sign_ins_attach_to_their_activity_and_names_are_only_ever_hashed(tmp_path):
    src = _source(tmp_path, L.SIGN_IN, with_activities=True)
    db = tmp_path / "w.duckdb"
    _save(src / L.SIGN_IN.file, db, "签到", "--constant", "unit_id=Z1")

    manifest = _build(src, db)

    assert counts(manifest, "attendance") == (4, 3, 0, 1)
    assert query(db, "SELECT DISTINCT activity_id FROM attendance") == [("HD1",)]
    # 张三 with two phones are two people: 3 distinct pseudonyms, all hashed
    persons = query(db, "SELECT DISTINCT person_id FROM attendance")
    assert len(persons) == 3 and all(p.startswith("h:") for (p,) in persons)
    [reject] = manifest["rejects"]
    assert reject["reason_code"] == "activity_unmatched"
    assert reject["raw"]["姓名"] == "王*" and reject["raw"]["联系电话"] == "136****6000"
    text = db.read_bytes()
    for secret in ("张三", "李四", "王五", "13800138000"):
        assert secret.encode() not in text


def test_ratings_with_stars_and_words_attach_by_title_and_day(tmp_path):
    src = _source(tmp_path, L.RATINGS, with_activities=True)
    db = tmp_path / "w.duckdb"
    _save(src / L.RATINGS.file, db, "评价")

    manifest = _build(src, db)

    assert counts(manifest, "ratings") == (4, 4, 0, 0)
    # ★★★★☆ 4, ★★★★★ 5 on HD1; 满意 4, ★★☆☆☆ 2 on HD2
    assert query(
        db, "SELECT activity_id, sum(score), count(*) FROM ratings GROUP BY 1 ORDER BY 1"
    ) == [("HD1", 9, 2), ("HD2", 6, 2)]


def test_orders_keep_their_chinese_status_words(tmp_path):
    src = _source(tmp_path, L.ORDERS)
    db = tmp_path / "w.duckdb"
    _save(src / L.ORDERS.file, db, "点单")

    manifest = _build(src, db)

    assert counts(manifest, "orders") == (3, 3, 0, 0)
    assert query(db, "SELECT order_id, unit_id, category, status FROM orders ORDER BY 1") == [
        ("D001", "Z1", "卫生健康", "已完成"),
        ("D002", "Z2", "便民服务", "已接单"),
        ("D003", "Z4", "法治宣传", "待派单"),
    ]


# ---------------------------------------------------------------- month after month


def _issue_month(folder: Path, name: str, rows: list[tuple]) -> Path:
    return L.write_book(folder / name, {"Sheet1": L.issue_workbook_rows(rows)})


JULY = [(2024, 7, "7.2-7.4", "暑期课堂", "东林子村", "课堂", 0, 0, 15, 30)]


def test_a_ledger_waits_for_a_mapping_until_its_format_is_saved(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    before = _build(src, db)
    assert file_entry(before, L.THREE_ROWS.file)["status"] == "needs_mapping"
    assert file_entry(before, L.THREE_ROWS.file)["header_row"] == 4

    _save(src / L.THREE_ROWS.file, db, "所台账", "--constant", "unit_id=S1")
    after = _build(src, db)

    assert file_entry(after, L.THREE_ROWS.file)["status"] == "loaded"
    assert counts(after, "activities") == (3, 3, 0, 0)


def test_next_months_file_with_the_same_layout_imports_with_no_question(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    _save(src / L.THREE_ROWS.file, db, "所台账", "--constant", "unit_id=S1")
    _issue_month(src, "2024年7月活动台账.xlsx", JULY)

    manifest = _build(src, db)

    entry = file_entry(manifest, "2024年7月活动台账.xlsx")
    assert entry["status"] == "loaded"
    assert {s["format"] for s in entry["sheets"]} == {"所台账"}
    assert counts(manifest, "activities") == (4, 4, 0, 0)
    assert query(db, "SELECT sum(reported_person_times) FROM activities") == [(25 + 30 + 20 + 15,)]


def test_the_same_months_rows_sent_again_change_nothing(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    _save(src / L.THREE_ROWS.file, db, "所台账", "--constant", "unit_id=S1")
    first = _build(src, db)
    same = "SELECT activity_id, title, unit_id, start_at, reported_person_times FROM activities"
    before = query(db, same + " ORDER BY ALL")
    # the same rows saved again by another clerk: other bytes, same activities
    _issue_month(src, "2024年活动台账（重报）.xlsx", list(reversed(L.ISSUE_ROWS)))
    shutil.copy(src / L.THREE_ROWS.file, src / "2024年活动台账 - 副本.xlsx")

    again = _build(src, db)

    assert counts(again, "activities") == (6, 3, 3, 0)
    assert counts(again, "attendance") == (10, 5, 5, 0)
    # "… - 副本.xlsx" sorts first (a space before the dot): the original is the repeat
    assert file_entry(again, L.THREE_ROWS.file)["status"] == "duplicate_file"
    assert first["tables"]["activities"]["loaded"] == 3
    same = "SELECT activity_id, title, unit_id, start_at, reported_person_times FROM activities"
    assert query(db, same + " ORDER BY ALL") == before
    _conserved(again)


def test_a_corrected_resend_conflicts_instead_of_doubling_the_figures(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    _save(src / L.THREE_ROWS.file, db, "所台账", "--constant", "unit_id=S1")
    corrected = [L.ISSUE_ROWS[0][:6] + (22, 40, 5, 10)]  # 成人 20 -> 22
    _issue_month(src, "2024年活动台账（更正）.xlsx", corrected)

    manifest = _build(src, db)

    assert [r["reason_code"] for r in manifest["rejects"] if r["table"] == "activities"] == [
        "conflict"
    ]
    assert query(db, "SELECT count(*), sum(reported_person_times) FROM activities") == [(3, 75)]
    _conserved(manifest)


def test_formats_are_listed_shown_and_deleted_and_a_deleted_one_no_longer_applies(tmp_path):
    src = _source(tmp_path, L.ORDERS)
    db = tmp_path / "w.duckdb"
    _save(src / L.ORDERS.file, db, "点单")

    listed = json.loads(run_cli("formats", "list", "--db", db, "--json")[1])
    shown = json.loads(run_cli("formats", "show", "点单", "--db", db, "--json")[1])
    deleted = run_cli("formats", "delete", "点单", "--db", db)
    missing = run_cli("formats", "show", "点单", "--db", db)
    manifest = _build(src, db)

    assert [f["name"] for f in listed] == ["点单"]
    assert (shown["table"], shown["columns"]["办理状态"]) == ("orders", "status")
    assert deleted[0] == 0 and "已删除" in deleted[1]
    assert missing[0] == 1 and "没有名为“点单”的报送格式" in missing[2]
    assert file_entry(manifest, L.ORDERS.file)["status"] == "needs_mapping"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--column", "不存在=title"], "表头中没有“不存在”这一列"),
        (["--column", "单号=no_such_field"], "不是“orders”表可用的字段"),
        (["--table", "nothing"], "表“nothing”不存在"),
        (["--header-rows", "2-9"], "--header-rows 应写作"),
    ],
)
def test_a_bad_mapping_option_fails_with_one_chinese_line(tmp_path, options, message):
    path = L.ORDERS.write(tmp_path)

    code, out, err = run_cli("map", path, "--save", "x", "--db", tmp_path / "w.duckdb", *options)

    assert code == 1 and out == ""
    assert err.startswith("错误：") and message in err and err.count("\n") == 1


def test_the_issues_command_saves_a_format_and_the_suggestion_matches_its_schema(tmp_path):
    src = _source(tmp_path, L.THREE_ROWS)
    db = tmp_path / "w.duckdb"
    path = src / L.THREE_ROWS.file
    schema = json.loads(
        (Path(__file__).parent.parent / "docs" / "schemas" / "map.schema.json").read_text()
    )

    jsonschema.validate(_suggest(path), schema)
    code, out, err = run_cli(
        "map", path, "--table", "activities", "--header-rows", "2-4",
        "--column", "开展站点=unit_name", "--column", "日期=start_at",
        "--column", "年份=start_year", "--column", "月份=start_month",
        "--constant", "unit_id=S1", "--save", "峡窝镇活动台账", "--db", db,
    )  # fmt: skip
    manifest = _build(src, db)

    assert code == 0 and "峡窝镇活动台账" in out, err
    assert _activities(db) == ACTIVITY_CASES[1][2]
    assert counts(manifest, "attendance") == (5, 5, 0, 0)


@pytest.mark.parametrize(
    ("year", "month", "day", "time", "expected"),
    [
        ("2024", "6", "6.30", None, "2024-06-30"),
        ("2024", "6", "6月30日", None, "2024-06-30"),
        ("2024年", "6月", "30", None, "2024-06-30"),
        (None, None, "2024.6.30", None, "2024-06-30"),
        ("2024", None, "6.30-7.2", None, "2024-06-30"),
        ("2024", "6", "30", "上午9:00", "2024-06-30 09:00"),
        ("2024", "6", "30", "下午2:30", "2024-06-30 14:30"),
        ("2024", "6", "30", "晚上7点", "2024-06-30 19:00"),
        ("2024", "6", "30", "14:30-16:00", "2024-06-30 14:30"),
        ("2024", "2", "30", None, None),  # no such day
        (None, "6", "30", None, None),  # no year anywhere
        (None, None, "2024-06-10 14:30", None, None),  # a full start: the contract parses it
    ],
)
def test_a_start_is_composed_from_the_parts_ledgers_write(year, month, day, time, expected):
    from pipelines.mapping.compose import compose_start

    assert compose_start(year, month, day, time) == expected


def test_a_two_row_header_without_merges_is_read_as_groups(tmp_path):
    path = write_csv(
        tmp_path / "10月.csv",
        [
            ["峡窝镇2024年10月活动台账"],
            ["活动名称", "活动日期", "开展站点", "服务类别", "参加人数", "", ""],
            ["", "", "", "", "老年人", "儿童", "合计"],
            ["重阳敬老", "2024-10-11", "东林子村", "关爱帮扶", 30, 0, 30],
        ],
        encoding="gbk",
    )

    suggested = _suggest(path)

    assert suggested["header_rows"] == [2, 3]
    assert [(c["header"], c["field"]) for c in suggested["columns"]][4:] == [
        ("参加人数/老年人", "headcount_by_group:老年人"),
        ("参加人数/儿童", "headcount_by_group:儿童"),
        ("参加人数/合计", "reported_person_times"),
    ]
    assert suggested["context"] == {"start_year": "2024"}


def test_template_rows_and_mapped_rows_of_one_table_load_side_by_side(tmp_path):
    src = _source(tmp_path, L.MONTH_SHEETS, with_activities=True)
    db = tmp_path / "w.duckdb"
    _save(src / L.MONTH_SHEETS.file, db, "月表", sheet="6月")

    manifest = _build(src, db)

    # HD1, HD2 from the template; three generated codes from the month sheets
    assert counts(manifest, "activities") == (5, 5, 0, 0)
    ids = [
        i
        for (i,) in query(db, "SELECT activity_id FROM activities ORDER BY source_file, source_row")
    ]
    assert ids[:2] == ["HD1", "HD2"]
    assert all(i.startswith(("Z1-2024", "Z2-2024")) and i.endswith("-1") for i in ids[2:])


def test_generated_activity_codes_follow_the_documented_formula(tmp_path):
    import hashlib

    src = _source(tmp_path, L.MERGED_SERIAL)
    db = tmp_path / "w.duckdb"
    _save(src / L.MERGED_SERIAL.file, db, "合并")

    _build(src, db)

    def code(unit, day, title, n):  # docs/cli.md: unit-YYYYMMDD-8 hex of the title-n
        return f"{unit}-{day}-{hashlib.sha256(title.encode()).hexdigest()[:8]}-{n}"

    assert query(db, "SELECT activity_id FROM activities ORDER BY source_row") == [
        (code("Z2", "20240504", "青年读书会", 1),),
        (code("Z2", "20240504", "青年志愿服务", 1),),
        (code("Z4", "20240520", "义务理发", 1),),
        (code("Z4", "20240520", "健康检查", 1),),
        (code("Z4", "20240520", "防溺水宣传", 1),),
    ]


def test_the_same_activity_twice_in_one_file_is_numbered_not_merged(tmp_path):
    rows = [L.ISSUE_ROWS[0], L.ISSUE_ROWS[0]]  # two identical lines: two activities
    src = tmp_path / "src"
    write_csv(src / "00-阵地.csv", L.UNITS)
    _issue_month(src, "2024年活动台账.xlsx", rows)
    db = tmp_path / "w.duckdb"
    _save(src / "2024年活动台账.xlsx", db, "所台账", "--constant", "unit_id=S1")

    manifest = _build(src, db)

    assert counts(manifest, "activities") == (2, 2, 0, 0)
    ids = [i for (i,) in query(db, "SELECT activity_id FROM activities ORDER BY source_row")]
    assert [i.rsplit("-", 1)[1] for i in ids] == ["1", "2"]


def test_brand_projects_named_in_a_ledger_resolve_to_their_codes(tmp_path):
    src = tmp_path / "src"
    write_csv(src / "00-阵地.csv", L.UNITS)
    write_csv(
        src / "01-品牌项目.csv",
        [["项目编码", "项目名称", "所属阵地编码"], ["PP1", "心系银发·微幸福", "Z1"]],
    )
    L.write_book(
        src / "品牌活动.xlsx",
        {
            "Sheet1": L.Sheet(
                [
                    [L.UNIT_LINE],
                    ["活动日期", "活动名称", "开展站点", "活动类别", "品牌项目", "参与人数"],
                    ["2024-03-01", "助老理发", "东林子村", "助老", "心系银发 微幸福", 12],
                    ["2024-03-02", "助老体检", "东林子村", "义诊", "不存在的项目", 9],
                ]
            )
        },
    )
    db = tmp_path / "w.duckdb"
    _save(src / "品牌活动.xlsx", db, "品牌")

    manifest = _build(src, db)

    assert query(db, "SELECT title, brand_id FROM activities") == [("助老理发", "PP1")]
    [reject] = manifest["rejects"]
    assert (reject["row"], reject["reason_code"]) == (4, "brand_name_unmatched")
    assert "找不到名为“不存在的项目”的品牌项目" in reject["reason"]


def test_an_upload_previewed_on_the_import_page_is_read_through_the_saved_format(tmp_path):
    from dashboard import ledgers

    src = _source(tmp_path, L.SPLIT_DATE)
    db = tmp_path / "w.duckdb"
    _save(src / L.SPLIT_DATE.file, db, "格式")
    _build(src, db)  # the split-date ledger: 5 activities
    august = [
        [L.TITLE],
        [L.UNIT_LINE],
        ["年份", "月份", "日期", "时间", "活动名称", "站点", "类别", "人数"],
        [2024, 8, "8.1", "", "八一座谈", "东林子村", "宣讲", 18],
        [2024, 8, "8.15", "", "纳凉电影", "西林子村", "文艺", 90],
    ]
    book = L.write_book(tmp_path / "next" / "八月.xlsx", {"台账": L.Sheet(august, [])})

    preview = ledgers.stage_uploads(db, tmp_path / "ledgers", [("八月.xlsx", book.read_bytes())])

    changes = {t["table"]: (t["rows"], t["loaded"], t["rejected"]) for t in preview.tables}
    assert changes == {"activities": (2, 2, 0)}  # the two August rows, nothing taken away
    assert [f["status"] for f in preview.files_added] == ["已读入"]


def test_the_mapping_preview_finds_the_units_in_any_source_the_warehouse_was_built_from(tmp_path):
    from pipelines.mapping import preview

    src = _source(tmp_path, L.SPLIT_DATE)  # the units in a source folder, not the ledger folder
    manifest = _build(src, tmp_path / "w.duckdb")
    ledger_folder = tmp_path / "ledgers"
    ledger_folder.mkdir()

    found = preview.reference_files(manifest, [src, ledger_folder], "uploads/x.xlsx", "activities")

    assert found == [src / "00-阵地.csv"]


@pytest.mark.parametrize(
    "written",
    [
        "双桥社区新时代文明实践站",
        "新时代文明实践站 双桥社区",
        "新时代文明实践站（双桥社区）",
        "双桥社区",
        "双桥社区站",
        "双桥社区 文明实践站",
    ],
)
def test_a_station_name_matches_however_the_clerk_places_the_station_words(written):
    from pipelines.mapping.resolve import normal_unit

    assert normal_unit(written) == "双桥社区"


def test_the_same_activity_again_in_a_later_sheet_is_numbered_on_from_the_earlier_ones(tmp_path):
    first = L.ISSUE_ROWS[0]
    spaced = (*first[:3], "理论宣讲 进村！", *first[4:])  # the same title once normalised
    src = tmp_path / "src"
    write_csv(src / "00-阵地.csv", L.UNITS)
    L.write_book(
        src / "2024年活动台账.xlsx",
        {
            "6月": L.issue_workbook_rows([first, spaced, L.ISSUE_ROWS[1]]),
            "6月补报": L.issue_workbook_rows([first]),
        },
    )
    db = tmp_path / "w.duckdb"
    _save(src / "2024年活动台账.xlsx", db, "所台账", "--constant", "unit_id=S1", sheet="6月")

    manifest = _build(src, db)

    # four activity rows: the same unit, day and title three times (1, 2, 3), 广场舞 once
    assert counts(manifest, "activities") == (4, 4, 0, 0)
    ids = [i for (i,) in query(db, "SELECT activity_id FROM activities ORDER BY activity_id")]
    june_30 = [i for i in ids if "-20240630-" in i]  # 理论宣讲进村, 6.30
    assert len({i.rsplit("-", 1)[0] for i in june_30}) == 1
    assert sorted(i.rsplit("-", 1)[1] for i in june_30) == ["1", "2", "3"]
    assert [i.rsplit("-", 1)[1] for i in ids if "-20240612-" in i] == ["1"]
