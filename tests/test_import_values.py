"""Cell values as clerks write them: dates and times, scores, categories."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from import_helpers import build, copy_base, counts, query, rejects, write_csv

ACTIVITY_HEADER = ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间"]
MARCH_5 = dt.datetime(2025, 3, 5)
AT_1430 = dt.datetime(2025, 3, 5, 14, 30)
# Excel's day number of 2025-03-05 (day 0 is 1899-12-30): 45721
SERIAL = (dt.date(2025, 3, 5) - dt.date(1899, 12, 30)).days
SERIAL_1430 = SERIAL + (14 * 60 + 30) / (24 * 60)  # 45721.604166…

DATE_FORMS = ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", str(SERIAL)]
TIME_FORMS = [" 14:30", " 14:30:00", " 14时30分"]

# (text written in a CSV cell, the start_at read from it)
TEXT_CASES = (
    [(d, MARCH_5) for d in DATE_FORMS]
    + [(d + t, AT_1430) for d in DATE_FORMS for t in TIME_FORMS]
    + [
        ("2025年3月5日14时30分", AT_1430),
        ("2025-3-5 14:30", AT_1430),
        ("2025/03/05 9:05", dt.datetime(2025, 3, 5, 9, 5)),
        (f"{SERIAL_1430:.10f}", AT_1430),  # a serial with its time as a fraction of the day
    ]
)

BAD_DATES = [
    "2025-13-05",
    "2025/2/30",
    "2025年3月",
    "3月5日",
    "明天下午",
    "2025-03-05 25:00",
    "12345",
]


def _xlsx_dates(path):
    """Cells of each kind Excel stores: date and datetime cells, bare serial numbers, text."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ACTIVITY_HEADER)
    cells = [
        lambda r: sheet.write_datetime(r, 4, MARCH_5, date_format),
        lambda r: sheet.write_datetime(r, 4, AT_1430, datetime_format),
        lambda r: sheet.write_number(r, 4, SERIAL),
        lambda r: sheet.write_number(r, 4, SERIAL_1430),
        lambda r: sheet.write_string(r, 4, str(SERIAL)),
        lambda r: sheet.write_string(r, 4, "2025年3月5日 14时30分"),
    ]
    for r, write_date in enumerate(cells, start=1):
        sheet.write_row(r, 0, [f"XL{r}", "宣讲", "Z01", "宣讲"])
        write_date(r)
    workbook.close()


XLSX_CASES = [
    pytest.param("XL1", MARCH_5, id="date-cell"),
    pytest.param("XL2", AT_1430, id="datetime-cell"),
    pytest.param("XL3", MARCH_5, id="serial-number"),
    pytest.param("XL4", AT_1430, id="serial-number-with-time-fraction"),
    pytest.param("XL5", MARCH_5, id="serial-as-text"),
    pytest.param("XL6", AT_1430, id="chinese-date-as-text"),
]


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    """Activity Tnn per text case (CSV), Bnn per bad date, XLn per workbook cell."""
    tmp = tmp_path_factory.mktemp("dates")
    src = copy_base(tmp / "src", "units")
    write_csv(
        src / "活动-日期.csv",
        [ACTIVITY_HEADER]
        + [[f"T{n:02d}", "宣讲", "Z01", "宣讲", text] for n, (text, _) in enumerate(TEXT_CASES)]
        + [[f"B{n:02d}", "宣讲", "Z01", "宣讲", text] for n, text in enumerate(BAD_DATES)],
    )
    _xlsx_dates(src / "活动-日期.xlsx")
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize(
    "n, text, expected", [(n, text, ts) for n, (text, ts) in enumerate(TEXT_CASES)]
)
def test_date_written_as_text_is_read(dated, n, text, expected):
    _, db = dated
    assert query(db, "SELECT start_at FROM activities WHERE activity_id = ?", [f"T{n:02d}"]) == [
        (expected,)
    ]


@pytest.mark.parametrize("activity_id, expected", XLSX_CASES)
def test_date_in_a_workbook_cell_is_read(dated, activity_id, expected):
    _, db = dated
    assert query(db, "SELECT start_at FROM activities WHERE activity_id = ?", [activity_id]) == [
        (expected,)
    ]


@pytest.mark.parametrize("n, text", list(enumerate(BAD_DATES)))
def test_unreadable_date_is_rejected_with_the_forms_that_work(dated, n, text):
    manifest, _ = dated
    [reject] = [r for r in rejects(manifest, "activities") if r["raw"]["活动编码"] == f"B{n:02d}"]
    assert reject["reason_code"] == "bad_date"
    assert f"“开始时间”的值“{text}”" in reject["reason"]
    for form in ("2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "14时30分"):
        assert form in reject["reason"]


def test_every_date_case_is_accounted_for(dated):
    manifest, _ = dated
    good, bad = len(TEXT_CASES) + len(XLSX_CASES), len(BAD_DATES)
    assert counts(manifest, "activities") == (good + bad, good, 0, bad)


def test_two_spellings_of_one_date_keep_one_row_each(tmp_path):
    # both clean to 2025年3月5日 (NFKC), a form only the slow date parser reads
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER, ["W1", "宣讲", "Z01", "宣讲", "２０２５年３月５日"]]
        + [["W2", "宣讲", "Z01", "宣讲", "2025年3月5日"]],
    )
    db = tmp_path / "w.duckdb"
    manifest = build(src, db=db)
    assert counts(manifest, "activities") == (2, 2, 0, 0)
    assert query(db, "SELECT activity_id, start_at FROM activities ORDER BY 1") == [
        ("W1", MARCH_5),
        ("W2", MARCH_5),
    ]


# ---------------------------------------------------------------- scores

SCORE_CASES = [
    ("5", 5),
    ("4", 4),
    ("1", 1),
    ("4分", 4),
    ("４", 4),
    ("★★★★★", 5),
    ("★★★★☆", 4),
    ("★★★☆☆", 3),
    ("★☆☆☆☆", 1),
    ("非常满意", 5),
    ("满意", 4),
    ("基本满意", 3),
    ("一般", 3),
    ("不满意", 2),
    ("非常不满意", 1),
]
BAD_SCORES = [
    ("很好", "bad_score"),
    ("4.5", "bad_score"),
    ("☆☆☆☆☆", "bad_score"),
    ("0", "score_out_of_range"),
    ("6", "score_out_of_range"),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """Rating by rater Snn for each good score, Xnn for each bad one, all of HD01."""
    tmp = tmp_path_factory.mktemp("scores")
    src = copy_base(tmp / "src")
    write_csv(
        src / "评价.csv",
        [["活动编码", "评价人编号", "满意度"]]
        + [["HD01", f"S{n:02d}", text] for n, (text, _) in enumerate(SCORE_CASES)]
        + [["HD01", f"X{n:02d}", text] for n, (text, _) in enumerate(BAD_SCORES)],
    )
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize("n, text, score", [(n, t, s) for n, (t, s) in enumerate(SCORE_CASES)])
def test_score_written_as_number_stars_or_words_is_read(scored, n, text, score):
    _, db = scored
    assert query(db, "SELECT score FROM ratings WHERE rater_id = ?", [f"S{n:02d}"]) == [(score,)]


@pytest.mark.parametrize("n, text, code", [(n, t, c) for n, (t, c) in enumerate(BAD_SCORES)])
def test_score_that_is_not_one_to_five_is_rejected(scored, n, text, code):
    manifest, _ = scored
    [reject] = [r for r in rejects(manifest, "ratings") if r["raw"]["评价人编号"] == f"X{n:02d}"]
    assert (reject["row"], reject["reason_code"]) == (len(SCORE_CASES) + n + 2, code)
    assert f"“{text}”" in reject["reason"]


# ---------------------------------------------------------------- categories

# The contract's table of categories, written out: canonical -> aliases
CATEGORIES = {
    "理论宣讲": ["宣讲", "理论宣传", "政策宣讲", "党史宣讲"],
    "教育服务": ["教育", "培训", "课堂", "夜校"],
    "文化服务": ["文化惠民", "文艺", "文体", "文艺演出", "文化活动"],
    "科技科普": ["科普", "科技与科普", "科普宣传"],
    "健身体育": ["体育健身", "体育", "健身"],
    "卫生健康": ["健康", "义诊", "健康义诊", "医疗"],
    "便民服务": ["社区便民", "便民代办", "便民"],
    "关爱帮扶": ["关爱", "帮扶", "助老", "一老一小"],
    "法治宣传": ["法治", "普法", "反诈"],
    "移风易俗": ["文明风尚", "乡风文明"],
}
CATEGORY_CASES = [(c, c) for c in CATEGORIES] + [
    (alias, c) for c, aliases in CATEGORIES.items() for alias in aliases
]


@pytest.fixture(scope="module")
def categorised(tmp_path_factory):
    """Activity Cnn per spelling; U01 with an unknown category."""
    tmp = tmp_path_factory.mktemp("categories")
    src = copy_base(tmp / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER]
        + [
            [f"C{n:02d}", "活动", "Z01", text, "2025-03-05"]
            for n, (text, _) in enumerate(CATEGORY_CASES)
        ]
        + [["U01", "活动", "Z01", "宣传教育", "2025-03-05"]],
    )
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize(
    "n, written, canonical", [(n, w, c) for n, (w, c) in enumerate(CATEGORY_CASES)]
)
def test_category_alias_is_stored_as_its_canonical_name(categorised, n, written, canonical):
    _, db = categorised
    assert query(db, "SELECT category FROM activities WHERE activity_id = ?", [f"C{n:02d}"]) == [
        (canonical,)
    ]


def test_unknown_category_is_rejected_listing_the_allowed_values(categorised):
    manifest, _ = categorised
    [reject] = rejects(manifest, "activities")
    assert (reject["row"], reject["reason_code"]) == (len(CATEGORY_CASES) + 2, "unknown_category")
    assert "“宣传教育”" in reject["reason"]
    assert all(c in reject["reason"] for c in CATEGORIES)


def test_category_alias_added_in_configuration_is_accepted(tmp_path, monkeypatch):
    config = tmp_path / "wenming.toml"
    config.write_text('[categories]\n"理论宣讲" = ["理论学习", "微宣讲"]\n', encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [
            ACTIVITY_HEADER,
            ["HD11", "活动", "Z01", "理论学习", "2025-03-05"],
            ["HD12", "活动", "Z01", "微宣讲", "2025-03-05"],
            ["HD13", "活动", "Z01", "宣讲", "2025-03-05"],
        ],
    )
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, "activities") == (3, 3, 0, 0)
    assert query(db, "SELECT DISTINCT category FROM activities") == [("理论宣讲",)]
