"""Every download shows the digits the screen shows (issue #14, defect 3).

Each page runs in AppTest on the fixture county; every xlsx it offers is opened with
openpyxl and each number is written the way Excel shows it (its number format, rounded
half-up, as Excel does), then compared with the same cell of the table on the screen.
The briefing's 数据表, text and Word draft are compared with the screen the same way.
"""

from __future__ import annotations

import io
import numbers
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from page_helpers import table
from streamlit.testing.v1 import AppTest

from dashboard import briefing, ledgers
from dashboard.metrics import Scope, figure
from dashboard.warehouse import Warehouse

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
EXACT = "（精确值）"
PAGES = [
    "views/01_overview.py",
    "views/02_coverage.py",
    "views/03_service.py",
    "views/04_brands.py",
    "views/05_satisfaction.py",
    "views/06_orders.py",
    "views/07_targets.py",
    "views/08_briefing.py",
]


def _decimals(number_format: str) -> int:
    body = number_format.rstrip("%")
    return len(body.split(".")[1]) if "." in body else 0


def excel_shows(value: float, number_format: str) -> str:
    """What Excel shows for ``value`` under ``#,##0``, ``#,##0.0``, ``0.00`` or ``0.0%``:
    rounded half-up to the format's decimals."""
    percent = number_format.endswith("%")
    body = number_format.rstrip("%")
    decimals = _decimals(number_format)
    number = Decimal(repr(value)) * (100 if percent else 1)
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}" if "," in body else f"{rounded:.{decimals}f}"
    return text + ("%" if percent else "")


def _screen_digits(shown: object) -> object:
    """A screen cell as the digits it shows: a column left unformatted holds a plain
    integer (未上报天数 41), which the table shows as its decimal digits ("41"), with no
    separator; a formatted cell is already the text shown."""
    if isinstance(shown, numbers.Integral) and not isinstance(shown, bool):
        return str(shown)
    return shown


def cut(exact: float, number_format: str) -> float:
    """``exact`` cut towards zero to the digits ``number_format`` shows."""
    digits = _decimals(number_format) + (2 if number_format.endswith("%") else 0)
    return float(Decimal(repr(exact)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN))


def workbook_tables(data: bytes) -> list[tuple[list[str], list[list[tuple]]]]:
    """Each sheet as (headers, rows of (value, number format))."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets = []
    for ws in book.worksheets:
        rows = [[(cell.value, cell.number_format) for cell in row] for row in ws.iter_rows()]
        if rows:
            sheets.append(([str(v) for v, _ in rows[0]], rows[1:]))
    return sheets


@pytest.fixture
def open_page(fixture_db, monkeypatch, tmp_path, downloads):
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))

    def run(page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


@pytest.mark.parametrize("page", PAGES)
def test_every_table_download_shows_the_digits_of_the_table_on_screen(page, open_page, downloads):
    at = open_page(page)
    compared = 0
    for name, make in downloads.items():
        if not name.endswith(".xlsx"):
            continue
        for headers, rows in workbook_tables(make()):
            shown = [h for h in headers if not h.endswith(EXACT)]
            try:
                screen = table(at, *shown)
            except AssertionError:
                continue  # a sheet with no table of its own on screen (the briefing's)
            assert len(screen) == len(rows), name
            for row, on_screen in zip(rows, screen, strict=True):
                cells = dict(zip(headers, row, strict=True))
                for header in shown:
                    value, number_format = cells[header]
                    if isinstance(value, int | float) and number_format != "General":
                        assert excel_shows(value, number_format) == _screen_digits(
                            on_screen[header]
                        ), (name, header)
                        compared += 1
                        if header + EXACT in cells:  # the exact value is kept beside it
                            exact = cells[header + EXACT][0]
                            assert value == pytest.approx(cut(exact, number_format))
    if page not in ("views/01_overview.py", "views/02_coverage.py", "views/08_briefing.py"):
        assert compared, f"{page}: no formatted number compared"


def test_a_rate_the_screen_floors_is_floored_in_excel_and_exact_beside_it(open_page, downloads):
    at = open_page("views/04_brands.py")
    name = next(n for n in downloads if n.endswith(".xlsx") and "品牌" in n)
    ((headers, rows), *_) = workbook_tables(downloads[name]())
    screen = {r["品牌项目"]: r for r in table(at, "品牌项目")}
    col = headers.index("满意率")
    assert headers[col + 1] == "满意率（精确值）"
    for row in rows:
        brand = row[headers.index("品牌项目")][0]
        (value, fmt), (exact, _) = row[col], row[col + 1]
        if exact is None:
            continue
        # the cell holds the rate cut to a tenth of a percent (2/3 → 0.666, not 0.667)
        assert value == int(Decimal(repr(exact)) * 1000) / 1000
        assert excel_shows(value, fmt) == screen[brand]["满意率"]


# --------------------------------------------------------------------------- the briefing


@pytest.fixture(scope="module")
def year_kit(fixture_db):
    """The briefing of the page's default scope: 本年 (2025-01-01 to 2025-04-15)."""
    from datetime import date

    wh = Warehouse(fixture_db)
    return briefing.gather(wh, Scope(date(2025, 1, 1), date(2025, 4, 15), None))


def test_the_briefing_workbook_shows_the_brand_pages_digits(year_kit, open_page):
    at = open_page("views/04_brands.py")
    screen = {r["品牌项目"]: r for r in table(at, "品牌项目")}
    sheets = dict(
        (ws.title, ws)
        for ws in openpyxl.load_workbook(io.BytesIO(briefing.workbook(year_kit))).worksheets
    )
    rows = list(sheets["按品牌"].iter_rows())
    headers = [c.value for c in rows[0]]
    pairs = {"满意度均分": "满意度均分", "满意度修正分": "修正分", "满意率": "满意率"}
    pairs |= {"活动场次": "活动场次", "服务人次": "服务人次"}
    compared = 0
    for row in rows[1:]:
        cells = dict(zip(headers, row, strict=True))
        on_screen = screen[cells["品牌项目"].value]
        for sheet_header, screen_header in pairs.items():
            cell = cells[sheet_header]
            if cell.value is None:
                continue
            assert cell.number_format != "General", sheet_header
            assert excel_shows(cell.value, cell.number_format) == on_screen[screen_header]
            compared += 1
    assert compared >= 10


def test_the_briefing_numbers_sheet_keeps_a_rates_exact_value_in_percent(year_kit):
    text = briefing.compose(year_kit)
    book = openpyxl.load_workbook(io.BytesIO(briefing.workbook(year_kit, text)))
    header, *rows = book["简报数字"].iter_rows(values_only=True)
    # the 指标 column names each figure as the list of figures does (评价数, not the
    # briefing sentence's 群众评价): look the labels up there, not as literals
    rate = next(r for r in rows if r[header.index("指标")] == figure("satisfaction_rate").header)
    exact, written, unit = (rate[header.index(h)] for h in ("精确值", "简报写法", "单位"))
    ratings = next(r for r in rows if r[header.index("指标")] == figure("ratings").header)
    assert unit == "%"
    # the written figure is the exact percentage cut to one decimal, never rounded up
    assert written == f"{int(Decimal(repr(exact)) * 10) / 10}%".replace(".0%", "%")
    assert 0 < exact <= 100 and ratings[header.index("精确值")] > 0


def test_the_word_draft_and_the_screen_text_write_the_same_digits(year_kit, open_page):
    at = open_page("views/08_briefing.py")
    screen_text = at.code[0].value
    draft = docx.Document(io.BytesIO(briefing.document(year_kit, {})))
    body = "\n".join(p.text for p in draft.paragraphs)
    for paragraph in screen_text.split("\n"):
        assert paragraph in body
