"""Reading ledgers as clerks send them: encodings, header rows, sheets, odd files."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from import_helpers import (
    BASE_FILES,
    TITLE,
    all_tables,
    build,
    codes_by_row,
    copy_base,
    counts,
    file_entry,
    query,
    write_csv,
    write_xlsx,
)

from pipelines.build import MSG_MAP

ACTIVITY_HEADER = ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间"]


# ---------------------------------------------------------------- encodings

ENCODINGS = [
    ("utf-8", "学习党的二十届四中全会精神宣讲"),
    ("utf-8-sig", "“我们的节日·春节”文艺演出"),
    ("gbk", "东林子村“村晚”文艺汇演（第一期）"),
    # 𠮷 lies outside GBK: only GB18030 encodes it
    ("gb18030", "𠮷祥社区健康义诊"),
]


@pytest.fixture(scope="module")
def encoded_warehouse(tmp_path_factory):
    """Per encoding n: 阵地-n.csv (unit ZXn) and 活动-n.csv (activity HDn), CRLF lines."""
    tmp = tmp_path_factory.mktemp("encodings")
    for n, (encoding, title) in enumerate(ENCODINGS):
        write_csv(
            tmp / "src" / f"阵地-{n}.csv",
            [
                ["阵地编码", "阵地名称", "层级", "上级编码"],
                [f"ZX{n}", f"上街区新时代文明实践中心{n}", "中心", None],
            ],
            encoding=encoding,
        )
        write_csv(
            tmp / "src" / f"活动-{n}.csv",
            [ACTIVITY_HEADER, [f"HD{n}", title, f"ZX{n}", "宣讲", "2025年3月5日"]],
            encoding=encoding,
        )
    db = tmp / "w.duckdb"
    return build(tmp / "src", db=db), db


@pytest.mark.parametrize("n, encoding, title", [(n, e, t) for n, (e, t) in enumerate(ENCODINGS)])
def test_csv_in_each_encoding_keeps_its_chinese_text(encoded_warehouse, n, encoding, title):
    manifest, db = encoded_warehouse
    assert file_entry(manifest, f"活动-{n}.csv")["table"] == "activities"
    assert query(db, "SELECT name FROM units WHERE unit_id = ?", [f"ZX{n}"]) == [
        (f"上街区新时代文明实践中心{n}",)
    ]
    assert query(
        db, "SELECT title, category FROM activities WHERE activity_id = ?", [f"HD{n}"]
    ) == [(title, "理论宣讲")]


# ---------------------------------------------------------------- where the header is


UNIT_DATE_LINE = ["填报单位：上街区文明办", None, None, "填报日期：2025年3月31日"]

PREAMBLES = [
    # (file, rows above the header, blank rows above those (xlsx), Excel row of the header)
    pytest.param("1-header-first.csv", [], 0, 1, id="csv-header-on-line-1"),
    pytest.param("2-title.csv", [[TITLE]], 0, 2, id="csv-title-row"),
    pytest.param("3-title-unit-date.csv", [[TITLE], UNIT_DATE_LINE], 0, 3, id="csv-title-and-unit-date-line"),
    pytest.param("4-blank-line.csv", [[TITLE], [], UNIT_DATE_LINE], 0, 4, id="csv-blank-line-in-preamble"),
    pytest.param("5-blank-rows.xlsx", [], 3, 4, id="xlsx-three-blank-rows-above-header"),
    pytest.param("6-blank-rows-title.xlsx", [[TITLE], [], UNIT_DATE_LINE], 2, 6, id="xlsx-blank-rows-and-title"),
]  # fmt: skip


@pytest.fixture(scope="module")
def preamble_warehouse(tmp_path_factory):
    """Per case n: activity HD1n (good) on the row under the header, HD2n (unit Z99) below."""
    tmp = tmp_path_factory.mktemp("preambles")
    src = copy_base(tmp / "src", "units")
    for n, case in enumerate(PREAMBLES):
        name, preamble, first_row, _ = case.values
        rows = [
            *preamble,
            ACTIVITY_HEADER,
            [f"HD1{n}", "学习宣讲", "Z01", "宣讲", "2025-03-05"],
            [f"HD2{n}", "健康义诊", "Z99", "义诊", "2025-03-06"],
        ]
        if name.endswith(".csv"):
            write_csv(src / name, rows)
        else:
            write_xlsx(src / name, {"Sheet1": rows}, first_row=first_row)
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize("name, preamble, first_row, header_row", PREAMBLES)
def test_rows_are_numbered_as_the_spreadsheet_shows_them(
    preamble_warehouse, name, preamble, first_row, header_row
):
    manifest, db = preamble_warehouse
    assert file_entry(manifest, name)["rows"] == 2
    assert query(db, "SELECT source_row FROM activities WHERE source_file = ?", [name]) == [
        (header_row + 1,)
    ]
    assert [(r["row"], r["reason_code"]) for r in manifest["rejects"] if r["file"] == name] == [
        (header_row + 2, "unknown_unit")
    ]


def test_table_starting_in_column_c_is_read(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    path = src / "活动.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(1, 2, ACTIVITY_HEADER)
    sheet.write_row(2, 2, ["HD11", "学习宣讲", "Z01", "宣讲", "2025-03-05"])
    workbook.close()
    db = tmp_path / "w.duckdb"

    build(src, db=db)

    assert query(db, "SELECT activity_id, source_row FROM activities") == [("HD11", 3)]


def _merged_header_xlsx(path):
    """Row 1 a merged title; rows 2–3 a two-row header with merged cells; data from row 4."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("活动台账")
    sheet.merge_range("A1:H1", TITLE)
    for col, text in enumerate(["活动编码", "活动名称", "阵地编码", "服务类别"]):
        sheet.merge_range(1, col, 2, col, text)
    sheet.merge_range("E2:F2", "活动时间")
    sheet.merge_range("G2:H2", "参与情况")
    sheet.write_row("E3", ["开始时间", "结束时间", "志愿者人数", "参与人次"])
    sheet.write_row(
        "A4", ["HD11", "学习宣讲", "Z01", "宣讲", "2025-03-05 14:30", "2025-03-05 16:30"]
    )
    sheet.write_row("G4", [5, 120])
    sheet.write_row("A5", ["HD12", "健康义诊", "Z99", "义诊", "2025-03-06"])
    workbook.close()


def _merged_header_csv(path):
    """The same ledger saved as CSV: a merged cell keeps its text in its first cell only."""
    write_csv(
        path,
        [
            [TITLE],
            ["活动编码", "活动名称", "阵地编码", "服务类别", "活动时间", None, "参与情况", None],
            [None, None, None, None, "开始时间", "结束时间", "志愿者人数", "参与人次"],
            ["HD11", "学习宣讲", "Z01", "宣讲", "2025-03-05 14:30", "2025-03-05 16:30", 5, 120],
            ["HD12", "健康义诊", "Z99", "义诊", "2025-03-06"],
        ],
    )


@pytest.mark.parametrize(
    "name, writer", [("活动.xlsx", _merged_header_xlsx), ("活动.csv", _merged_header_csv)]
)
def test_two_row_merged_header_is_read_as_one(tmp_path, name, writer):
    src = copy_base(tmp_path / "src", "units")
    writer(src / name)
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, "activities") == (2, 1, 0, 1)
    assert query(
        db,
        "SELECT activity_id, start_at, end_at, volunteer_count, reported_person_times, source_row"
        " FROM activities",
    ) == [("HD11", dt.datetime(2025, 3, 5, 14, 30), dt.datetime(2025, 3, 5, 16, 30), 5, 120, 4)]
    assert [(r["row"], r["reason_code"]) for r in manifest["rejects"]] == [(5, "unknown_unit")]


# ---------------------------------------------------------------- rows that are not data


TOTAL_CASES = [
    (word, f"{n}-{word}.{ext}")
    for n, (word, ext) in enumerate(
        (w, e) for w in ("合计", "总计", "总合计", "小计") for e in ("csv", "xlsx")
    )
]


@pytest.fixture(scope="module")
def totals_warehouse(tmp_path_factory):
    """Per case: a total row under the header, two activities, blank and total rows below."""
    tmp = tmp_path_factory.mktemp("totals")
    src = copy_base(tmp / "src", "units")
    for word, name in TOTAL_CASES:
        rows = [
            [*ACTIVITY_HEADER, "参与人次"],
            [word, None, None, None, None, "155"],  # directly under the header (row 2)
            [f"{name}-1", "学习宣讲", "Z01", "宣讲", "2025-03-05", "120"],  # row 3
            [],
            [f"{name}-2", "健康义诊", "Z01", "义诊", "2025-03-06", "35"],  # row 5
            [None, None, None, None, None, None],
            [None, word, None, None, None, "155"],  # first non-empty cell is the word
            [word],
            [],
        ]
        if name.endswith(".csv"):
            write_csv(src / name, rows)
        else:
            write_xlsx(src / name, {"Sheet1": rows})
    db = tmp / "w.duckdb"
    return build(src, db=db), db


def test_blank_and_total_rows_are_not_counted(totals_warehouse):
    manifest, _ = totals_warehouse
    assert counts(manifest, "activities") == (2 * len(TOTAL_CASES), 2 * len(TOTAL_CASES), 0, 0)


@pytest.mark.parametrize("word, name", TOTAL_CASES)
def test_blank_and_total_rows_are_not_input_rows(totals_warehouse, word, name):
    manifest, db = totals_warehouse
    assert file_entry(manifest, name)["rows"] == 2
    assert query(
        db,
        "SELECT activity_id, source_row FROM activities WHERE source_file = ? ORDER BY 2",
        [name],
    ) == [(f"{name}-1", 3), (f"{name}-2", 5)]


# ---------------------------------------------------------------- header spellings


HEADER_CASES = [
    # (header as written, column it fills, cell, value stored)
    ("活动编号", "activity_id", "HD21", "HD21"),
    ("活动编码（必填）", "activity_id", "HD22", "HD22"),
    ("活动编码(必填)", "activity_id", "HD23", "HD23"),
    ("活动编码*", "activity_id", "HD24", "HD24"),
    ("活动编码 *", "activity_id", "HD25", "HD25"),
    ("　活动编码　", "activity_id", "HD26", "HD26"),
    ("ACTIVITY_ID", "activity_id", "HD27", "HD27"),
    ("Activity_Id", "activity_id", "HD28", "HD28"),
    ("活动主题", "title", "主题宣讲", "主题宣讲"),
    ("TITLE*", "title", "英文表头", "英文表头"),
    ("承办阵地编码", "unit_id", "Z02", "Z02"),
    ("活动类别", "category", "义诊", "卫生健康"),
    ("类别", "category", "普法", "法治宣传"),
    ("活动时间", "start_at", "2025-03-07 09:00", dt.datetime(2025, 3, 7, 9, 0)),
    ("活动日期", "start_at", "2025-03-07", dt.datetime(2025, 3, 7)),
    ("Start_At", "start_at", "2025/3/7", dt.datetime(2025, 3, 7)),
    ("项目编码", "brand_id", "PP01", "PP01"),
    ("活动来源", "source", "点单", "群众点单"),
    ("志愿服务时长（小时）", "volunteer_hours", "6.5", 6.5),
    ("志愿服务时长", "volunteer_hours", "2", 2),
    ("服务时长", "volunteer_hours", "1.5", 1.5),
    ("参与人数", "reported_person_times", "35", 35),
    ("服务人次", "reported_person_times", "40", 40),
    ("活动地点", "location", "区文化馆", "区文化馆"),
    ("　地点　(必填)", "location", "东林子村文明实践站", "东林子村文明实践站"),
    ("Volunteer_Count", "volunteer_count", "7", 7),
]


@pytest.fixture(scope="module")
def header_warehouse(tmp_path_factory):
    """One activities file per header spelling; activity HD3nn for case nn."""
    tmp = tmp_path_factory.mktemp("headers")
    src = copy_base(tmp / "src", "units", "brands")
    for n, (header, key, cell, _) in enumerate(HEADER_CASES):
        canonical = dict(
            zip(
                ["activity_id", "title", "unit_id", "category", "start_at"],
                ACTIVITY_HEADER,
                strict=True,
            )
        )
        values = {
            "activity_id": f"HD3{n:02d}",
            "title": "宣讲",
            "unit_id": "Z01",
            "category": "宣讲",
            "start_at": "2025-03-05",
        }
        headers = dict(canonical)
        headers[key] = header
        values[key] = cell
        write_csv(src / f"活动-{n:02d}.csv", [list(headers.values()), list(values.values())])
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize(
    "n, header, key, stored", [(n, h, k, s) for n, (h, k, _, s) in enumerate(HEADER_CASES)]
)
def test_header_spelling_fills_its_column(header_warehouse, n, header, key, stored):
    manifest, db = header_warehouse
    entry = file_entry(manifest, f"活动-{n:02d}.csv")
    assert (entry["status"], entry["table"]) == ("loaded", "activities")
    assert query(db, f"SELECT {key} FROM activities WHERE source_file = ?", [entry["file"]]) == [
        (stored,)
    ]


def test_full_width_digits_and_punctuation_in_cells_are_normalised(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [
            [*ACTIVITY_HEADER, "志愿者人数", "志愿服务时长", "参与人次"],
            [
                "HD００１",
                "学习宣讲",
                "Z０１",
                "宣讲",
                "２０２５年３月５日　１４：３０",
                "１２",
                "６．５",
                "１，２００",
            ],
        ],
    )
    db = tmp_path / "w.duckdb"

    build(src, db=db)

    assert query(
        db,
        "SELECT activity_id, unit_id, start_at, volunteer_count, volunteer_hours,"
        " reported_person_times FROM activities",
    ) == [("HD001", "Z01", dt.datetime(2025, 3, 5, 14, 30), 12, 6.5, 1200)]


# ---------------------------------------------------------------- workbooks and odd files


def test_one_workbook_with_one_sheet_per_table_loads_every_table(tmp_path):
    src = tmp_path / "src"
    # sheet names say nothing: the headers decide; the ratings sheet carries 活动编码 too
    write_xlsx(
        src / "2025年台账.xlsx",
        {
            "目标": [["年度", "阵地编码", "指标", "目标值"], [2025, "ZX01", "活动场次", 100]],
            "Sheet2": [
                ["活动编码", "评价人编号", "满意度", "评价时间"],
                ["HD01", "R001", "非常满意", "2025-03-05 17:00"],
                ["HD01", None, 4, None],
            ],
            "Sheet3": [
                ["活动编码", "参与者编号", "人数"],
                ["HD01", "P001", None],
                ["HD02", None, 30],
            ],
            "说明": [],
            "活动": [
                ACTIVITY_HEADER,
                ["HD01", "学习宣讲", "Z01", "宣讲", "2025-03-05 14:30"],
                ["HD02", "健康义诊", "Z01", "义诊", "2025-03-06"],
            ],
            "点单": [
                ["点单编号", "点单时间", "需求类别", "点单阵地编码"],
                ["DD01", "2025-03-01", "便民", "Z01"],
            ],
            "品牌": [["项目编码", "项目名称", "所属阵地编码"], ["PP01", "心系银发", "Z01"]],
            "区划": [["区划代码", "名称"], ["410106001001", "东林子村委会"]],
            "阵地": [
                ["阵地编码", "阵地名称", "层级", "上级编码"],
                ["ZX01", "上街区新时代文明实践中心", "中心", None],
                ["S01", "济源路街道新时代文明实践所", "所", "ZX01"],
                ["Z01", "东林子村新时代文明实践站", "站", "S01"],
            ],
        },
    )
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    entry = file_entry(manifest, "2025年台账.xlsx")
    assert entry["status"] == "loaded"
    assert entry["rows"] == 13
    assert [(s["sheet"], s["table"], s["status"], s["rows"]) for s in entry["sheets"]] == [
        ("目标", "targets", "loaded", 1),
        ("Sheet2", "ratings", "loaded", 2),
        ("Sheet3", "attendance", "loaded", 2),
        ("说明", None, "empty", 0),
        ("活动", "activities", "loaded", 2),
        ("点单", "orders", "loaded", 1),
        ("品牌", "brands", "loaded", 1),
        ("区划", "divisions", "loaded", 1),
        ("阵地", "units", "loaded", 3),
    ]
    expected = {
        "units": 3,
        "divisions": 1,
        "brands": 1,
        "orders": 1,
        "activities": 2,
        "attendance": 2,
        "ratings": 2,
        "targets": 1,
    }
    assert {t: counts(manifest, t) for t in expected} == {
        t: (n, n, 0, 0) for t, n in expected.items()
    }
    assert query(db, "SELECT source_sheet, source_row FROM ratings ORDER BY 2") == [
        ("Sheet2", 2),
        ("Sheet2", 3),
    ]


def test_file_in_a_layout_of_its_own_waits_for_a_mapping_and_changes_nothing(tmp_path):
    src = copy_base(tmp_path / "src")
    before = build(src, db=tmp_path / "before.duckdb")
    write_csv(src / "志愿者花名册.csv", [["序号", "姓名", "性别", "备注"], [1, "张三", "男", None]])
    write_xlsx(src / "通讯录.xlsx", {"Sheet1": [["姓名", "单位"], ["李四", "文明办"]]})
    db = tmp_path / "after.duckdb"

    after = build(src, db=db)

    assert file_entry(after, "志愿者花名册.csv") == {
        "file": "志愿者花名册.csv",
        "status": "needs_mapping",
        "table": None,
        "rows": 0,
        "headers": ["序号", "姓名", "性别", "备注"],
        "header_row": 1,
        "hint": MSG_MAP,
    }
    workbook = file_entry(after, "通讯录.xlsx")
    assert (workbook["status"], workbook["headers"]) == ("needs_mapping", ["姓名", "单位"])
    assert [(s["status"], s["headers"], s["header_row"]) for s in workbook["sheets"]] == [
        ("needs_mapping", ["姓名", "单位"], 1)
    ]
    assert after["tables"] == before["tables"]
    assert after["rejects"] == before["rejects"] == []
    changed = {"source_files", "manifest"}
    old, new = all_tables(tmp_path / "before.duckdb"), all_tables(db)
    assert {k: v for k, v in new.items() if k not in changed} == {
        k: v for k, v in old.items() if k not in changed
    }


def test_a_one_cell_header_cannot_be_mapped_and_stays_unrecognised(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(src / "说明.csv", [["本表为 2025 年台账的说明"], ["请按月报送"]])

    manifest = build(src, db=tmp_path / "w.duckdb")

    entry = file_entry(manifest, "说明.csv")
    assert (entry["status"], entry["headers"]) == ("unrecognised", ["本表为 2025 年台账的说明"])


def test_file_fitting_two_tables_equally_waits_for_a_mapping(tmp_path):
    src = copy_base(tmp_path / "src")
    # 区划代码+名称 fit divisions, 活动编码+满意度 fit ratings: two required columns each
    write_csv(
        src / "混合表.csv",
        [["区划代码", "名称", "活动编码", "满意度"], ["410106001001", "东林子村", "HD01", "5"]],
    )
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    entry = file_entry(manifest, "混合表.csv")
    assert (entry["status"], entry["table"], entry["headers"]) == (
        "needs_mapping",
        None,
        ["区划代码", "名称", "活动编码", "满意度"],
    )
    assert counts(manifest, "divisions") == (0, 0, 0, 0)
    assert counts(manifest, "ratings") == (0, 0, 0, 0)


def test_corrupt_workbook_is_unreadable_and_the_rest_is_built(tmp_path):
    src = copy_base(tmp_path / "src")
    (src / "损坏的台账.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    entry = file_entry(manifest, "损坏的台账.xlsx")
    assert (entry["status"], entry["rows"]) == ("unreadable", 0)
    assert [f["file"] for f in manifest["files"] if f["status"] == "loaded"] == sorted(
        BASE_FILES.values()
    )
    assert query(db, "SELECT count(*) FROM units") == [(5,)]
    assert query(db, "SELECT count(*) FROM activities") == [(2,)]


def test_files_are_named_relative_to_their_source(tmp_path):
    copy_base(tmp_path / "src" / "上街区" / "2025", "units")
    write_csv(
        tmp_path / "src" / "补报" / "活动.csv",
        [ACTIVITY_HEADER, ["HD11", "宣讲", "Z99", "宣讲", "2025-03-05"]],
    )
    db = tmp_path / "w.duckdb"

    manifest = build(tmp_path / "src", db=db)

    assert [f["file"] for f in manifest["files"]] == ["上街区/2025/阵地.csv", "补报/活动.csv"]
    assert codes_by_row(manifest, "activities") == {("补报/活动.csv", 2): "unknown_unit"}
