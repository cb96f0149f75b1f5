"""The xlsx helper keeps numbers as numbers and every string as text, never a formula."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from dashboard.xlsx import to_xlsx


def _read(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize(
    "typed", ["=1+1", "-5", "+86 138 0000 0000", "@SUM(A1:A2)", "=HYPERLINK(1)"]
)
def test_a_formula_looking_string_is_written_as_text(typed):
    data = to_xlsx({"表": [{"内容": typed}]})
    assert _read(data)["表"] == [["内容"], [typed]]
    assert "<f>" not in _sheet_xml(data)


def test_numbers_stay_numbers_and_other_values_are_written_the_chinese_way():
    rows = [
        {
            "场次": 11,
            "时长": 55.5,
            "均分": Decimal("3.65"),
            "示范": True,
            "日期": date(2025, 3, 5),
            "时间": datetime(2025, 3, 5, 14, 30),
            "服务村居": ["东林子社区", "西林子社区"],
            "空": None,
            "负数": -5,
        }
    ]
    (header, row) = _read(to_xlsx({"表": rows}))["表"]
    assert header == ["场次", "时长", "均分", "示范", "日期", "时间", "服务村居", "空", "负数"]
    assert row[:4] == [11, 55.5, 3.65, "是"]
    assert row[4] == date(2025, 3, 5)
    assert row[5] == datetime(2025, 3, 5, 14, 30)
    assert row[6:] == ["东林子社区、西林子社区", "", -5]


def test_sheets_keep_their_order_and_columns_their_first_seen_order():
    data = to_xlsx([("按单位", [{"a": 1}, {"b": 2, "a": 3}]), ("按月份", [{"月份": "2025-01"}])])
    sheets = _read(data)
    assert list(sheets) == ["按单位", "按月份"]
    assert sheets["按单位"] == [["a", "b"], [1, ""], [3, 2]]


def test_labels_name_the_headers_and_number_formats_apply_to_numbers():
    data = to_xlsx(
        {"表": [{"rate": 0.875}]}, labels={"rate": "满意率"}, number_formats={"rate": "0.0%"}
    )
    assert _read(data)["表"] == [["满意率", "满意率（精确值）"], [0.875, 0.875]]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert 'formatCode="0.0%"' in archive.read("xl/styles.xml").decode()


def test_sheet_names_are_made_legal_and_unique():
    long = "一" * 40
    data = to_xlsx({"a/b:c": [], "A/B:C": [], long: []})
    assert list(_read(data)) == ["a_b_c", "A_B_C(2)", "一" * 31]


def test_no_sheets_still_make_a_workbook():
    assert list(_read(to_xlsx({}))) == ["Sheet1"]


@pytest.mark.parametrize(
    ("value", "number_format", "cell"),
    [
        (0.81896, "0.0%", 0.818),  # Excel would show 81.9%; the page shows 81.8%
        (2.4789, "0.00", 2.47),  # 修正分 2.47, as the text beside it
        (0.9996, "0.0%", 0.999),  # never a 100.0% that is not
        (1234.56, "#,##0.0", 1234.5),
        (12.7, "#,##0", 12),
    ],
)
def test_a_formatted_number_is_cut_to_the_digits_it_shows_and_kept_exact_beside_it(
    value, number_format, cell
):
    data = to_xlsx({"表": [{"x": value}]}, labels={"x": "值"}, number_formats={"x": number_format})
    assert _read(data)["表"] == [["值", "值（精确值）"], [pytest.approx(cell), value]]


def test_a_whole_number_under_an_integer_format_gets_no_exact_column():
    data = to_xlsx({"表": [{"n": 11, "m": "a"}]}, number_formats={"n": "#,##0"})
    assert _read(data)["表"] == [["n", "m"], [11, "a"]]
