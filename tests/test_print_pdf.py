"""The printable A4 of a page (issue #14): ``wenming pdf`` and each page's 打印/导出PDF
button print what the page shows, with title, scope, 数据截至 and page numbers, the
charts two to a page, the fonts embedded and the text extractable as typed, and
nothing of the sidebar or the buttons.

The fixture county (tests/conftest.py), 本年: 2025-01-01 to the as-of date 2025-04-15.
One ``wenming pdf`` run and one headless run of the page are shared by the tests.
"""

from __future__ import annotations

import io
import math

import pytest
from pypdf import PdfReader

from dashboard import printout
from dashboard.print_cli import page_sheet
from pipelines.cli import main

SCOPE_LINE = "2025年1月1日 至 2025年4月15日"
# the sidebar's other pages and the page's own buttons: never printed
NOT_PRINTED = [
    "数据导入与质量",
    "台账格式映射",
    "账号与日志",
    "打印/导出PDF",
    "下载表格",
    "下载图片",
]


@pytest.fixture(scope="module")
def printed(fixture_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("print") / "总览.pdf"
    code = main(["pdf", "--db", str(fixture_db), "--page", "overview", "--out", str(out)])
    assert code == 0
    return PdfReader(io.BytesIO(out.read_bytes()))


@pytest.fixture(scope="module")
def sheet(fixture_db):
    return page_sheet(fixture_db, "overview", None, "本年")


def _text(page) -> str:
    return page.extract_text()


def test_every_page_carries_title_scope_as_of_and_its_number(printed):
    pages = printed.pages
    for n, page in enumerate(pages, start=1):
        text = _text(page)
        assert "文明实践数据看板 · 总览" in text
        assert SCOPE_LINE in text and "全部阵地" in text
        assert "数据截至 2025年4月15日" in text
        assert f"第 {n} 页，共 {len(pages)} 页" in text


def test_the_charts_come_two_to_a_page_after_the_tiles_and_the_tables_after_them(printed, sheet):
    assert len(sheet.charts) >= 2 and sheet.blocks  # the overview has both
    pages = [_text(p) for p in printed.pages]
    for i, chart in enumerate(sheet.charts):
        title = chart.figure.layout.title.text
        assert title in pages[i // 2], (i, title)
    for tile in sheet.tiles:
        assert tile.label in pages[0] and tile.value in pages[0]
    first_after_charts = math.ceil(len(sheet.charts) / 2)
    assert "下级阵地排名" in pages[first_after_charts]
    assert len(pages) >= first_after_charts + 1


def test_the_fonts_are_noto_sans_cjk_and_embedded(printed):
    fonts = {}
    for page in printed.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            fonts[descriptor["/FontName"]] = font
    assert fonts
    for name, font in fonts.items():
        assert "NotoSansCJK" in name, name
        descriptor = font["/FontDescriptor"].get_object()
        # the glyphs travel with the file: as Type 3 glyph programs or a font file
        assert "/CharProcs" in font or any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        ), name


def test_the_text_copies_as_typed_not_as_radicals(printed):
    text = "".join(_text(p) for p in printed.pages)
    # 文, 月, 至, 长 share glyphs with the radicals ⽂ ⽉ ⾄ ⻓ in Noto Sans CJK
    assert "文明实践数据看板" in text and "2025年4月15日" in text and "数据截至" in text
    assert not [ch for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF]


def test_nothing_of_the_sidebar_or_the_buttons_is_printed(printed):
    text = "".join(_text(p) for p in printed.pages)
    assert [word for word in NOT_PRINTED if word in text] == []


def test_a_sheet_with_three_charts_prints_on_three_pages():
    import plotly.graph_objects as go

    def chart(n: int) -> printout.Chart:
        fig = go.Figure(go.Bar(x=["一月", "二月"], y=[n, n + 1]))
        return printout.Chart(fig.update_layout(title=f"图{n}"), f"图{n}")

    rows = [[f"阵地{i}", str(i)] for i in range(printout.PRINT_ROWS + 5)]
    sheet = printout.Sheet(
        app="文明实践数据看板",
        title="测试页",
        scope="全部阵地",
        as_of="2025年4月15日",
        tiles=[printout.Tile("活动场次", "11", "+10.0%")],
        charts=[chart(1), chart(2), chart(3)],
        blocks=[printout.Table("排名", ["阵地", "场次"], rows[: printout.PRINT_ROWS], len(rows))],
    )
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(printout.to_pdf(sheet))).pages]
    # page 1: title, tiles, 图1 and 图2; page 2: 图3; page 3: the table, cut to PRINT_ROWS
    assert len(pages) == 3
    assert "图1" in pages[0] and "图2" in pages[0] and "图3" in pages[1] and "排名" in pages[2]
    assert f"共 {len(rows)} 行，此处印出前 {printout.PRINT_ROWS} 行" in pages[2]
    assert (
        f"阵地{printout.PRINT_ROWS - 1}" in pages[2]
        and f"阵地{printout.PRINT_ROWS}" not in pages[2]
    )


@pytest.mark.parametrize(("page", "title"), [("views/04_brands.py", "品牌项目")])
def test_each_page_offers_its_print_as_a_download(open_app, downloads, page, title):
    open_app(page)
    assert f"{title}.pdf" in downloads


def test_an_unknown_unit_is_refused_in_chinese(fixture_db, tmp_path, capsys):
    code = main(
        ["pdf", "--db", str(fixture_db), "--unit", "NOPE", "--out", str(tmp_path / "x.pdf")]
    )
    assert code == 2
    assert "找不到阵地编码“NOPE”" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
