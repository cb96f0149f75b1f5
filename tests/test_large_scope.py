"""What keeps a province's pages quick: the scope picker one level at a time and its
search, paged tables, the map drawn by 所, the briefing's charts built on demand. Run on
the fixture county (tests/conftest.py) with the limits made small, as a province meets them.

Units of the fixture: ZX 中心 → SA 所 (ZA1, ZA2), SB 所 (ZB1 → 点 DB1, ZB2), JD 基地. 本年 is
2025-01-01..2025-04-15.
"""

from __future__ import annotations

import json
from io import BytesIO

import pytest
import python_calamine
from streamlit.testing.v1 import AppTest

from dashboard import charts, scopebar, ui, widgets
from dashboard.unittree import UnitTree

OVERVIEW, COVERAGE = "views/01_overview.py", "views/02_coverage.py"
BRIEFING = "views/08_briefing.py"
ZX = "上街区新时代文明实践中心"
SB = "峡窝镇新时代文明实践所"
ZB1 = "五云联合新时代文明实践站"
IDS = {  # the picker's labels (the units' names) → the fixture's unit ids
    ui.ALL_UNITS: "",
    ZX: "ZX",
    "上街区红色教育实践基地": "JD",
    "济源路街道新时代文明实践所": "SA",
    "东林子社区新时代文明实践站": "ZA1",
    "西林子社区新时代文明实践站": "ZA2",
    SB: "SB",
    ZB1: "ZB1",
    "五云秀场新时代文明实践点": "DB1",
    "营坡顶村新时代文明实践站": "ZB2",
}


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def options(at: AppTest) -> list[str]:
    """The unit ids the picker offers, in order ("" for every unit)."""
    return [IDS[label] for label in at.selectbox(key="unit").options]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def table(at: AppTest, first_header: str) -> list[dict]:
    for element in at.dataframe:
        frame = element.value
        if list(frame.columns)[0] == first_header:
            return frame.to_dict("records")
    raise AssertionError(f"no table starting with {first_header}")


# --- The unit tree -----------------------------------------------------------------------

# 省 P → 市 C1 (中心 X1 → 所 S1, S2 → three 站 each), 市 C2 (中心 X2)
UNITS = {
    unit_id: {"unit_id": unit_id, "name": name, "parent_id": parent}
    for unit_id, name, parent in [
        ("P", "省", None),
        ("C1", "甲市", "P"),
        ("C2", "乙市", "P"),
        ("X1", "甲中心", "C1"),
        ("X2", "乙中心", "C2"),
        ("S1", "一所", "X1"),
        ("S2", "二所", "X1"),
        *((f"S1{i}", f"一所{i}站", "S1") for i in range(3)),
        *((f"S2{i}", f"二所{i}站", "S2") for i in range(3)),
    ]
}


def test_the_picker_lists_every_unit_when_they_fit():
    tree = UnitTree(UNITS)
    assert tree.picker_options(None, len(UNITS)) == [
        "P",
        *("C1", "X1", "S1", "S10", "S11", "S12", "S2", "S20", "S21", "S22"),
        *("C2", "X2"),
    ]


@pytest.mark.parametrize(
    ("picked", "expected"),
    [
        # the top, then whole levels while they fit: 市 (2), 中心 (2); 所 would make 7
        (None, ["P", "C1", "X1", "C2", "X2"]),
        # up: P C1; across: X1 alone; down: S1 S2 (the 站 would make 10)
        ("X1", ["P", "C1", "X1", "S1", "S2"]),
        # up: P C1 X1; across: S1 S2; down: S1's three 站
        ("S1", ["P", "C1", "X1", "S1", "S10", "S11", "S12", "S2"]),
        # a 站: up P C1 X1 S2, across its two siblings, nothing below
        ("S21", ["P", "C1", "X1", "S2", "S20", "S21", "S22"]),
    ],
)
def test_a_large_tree_is_picked_one_level_at_a_time(picked, expected):
    assert UnitTree(UNITS).picker_options(picked, 6) == expected


def test_a_shared_name_gets_its_code_in_the_label():
    units = {**UNITS, "S23": {"unit_id": "S23", "name": "一所0站", "parent_id": "S2"}}
    tree = UnitTree(units)
    assert tree.labels["S10"] == "一所0站（S10）" and tree.labels["S23"] == "一所0站（S23）"
    assert tree.by_label["一所0站（S23）"] == "S23"
    assert tree.path("S23") == ["P", "C1", "X1", "S2", "S23"]


# --- The picker in the app -----------------------------------------------------------------


@pytest.fixture
def small_picker(monkeypatch):
    """The fixture's 9 units are more than the picker lists at once."""
    monkeypatch.setattr(scopebar, "PICKER_LIMIT", 4)


def test_the_picker_opens_on_the_top_levels_of_a_large_tree(open_app, small_picker):
    at = open_app()
    assert options(at) == ["", "ZX", "JD", "SA", "SB"]
    assert at.selectbox(key="unit").proto.query_param_key == "unit"  # bound to the URL


def test_choosing_a_unit_offers_its_children_and_restricts_the_figures(open_app, small_picker):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    assert options(at) == ["", "ZX", "JD", "SA", "SB", "ZB1", "ZB2"]
    at.selectbox(key="unit").set_value("ZB1").run()
    assert not at.exception
    assert options(at) == ["", "ZX", "SB", "ZB1", "DB1", "ZB2"]
    # ZB1 and its 点 DB1 in 2025: A04 (120), A05 (61), A06 (30), A12 (45)
    assert tiles(at)["活动场次"] == "4场次"
    assert tiles(at)["服务人次"] == f"{120 + 61 + 30 + 45}人次"
    assert f"{ZX} › {SB} › {ZB1}" in captions(at)


def test_the_url_holds_the_picked_units_label(open_app, small_picker):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    at.selectbox(key="unit").set_value("ZB1").run()
    picker = at.selectbox(key="unit")
    # what the bound widget writes in the URL: the label, which a deep link reads back
    assert picker.format_func(picker.value) == ZB1
    linked = open_app(unit=ZB1)
    assert linked.selectbox(key="unit").value == "ZB1"
    assert tiles(linked)["活动场次"] == "4场次"


def test_a_deep_link_below_the_listed_levels_opens_on_that_unit(open_app, small_picker):
    at = open_app(unit=ZB1, period="本季度")
    assert at.selectbox(key="unit").value == "ZB1"
    assert options(at) == ["", "ZX", "SB", "ZB1", "DB1", "ZB2"]
    assert tiles(at)["活动场次"] == "1场次"  # 2025-04-01..04-15: A12


def test_a_picked_unit_is_kept_when_switching_pages(open_app, small_picker):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    at.selectbox(key="unit").set_value("ZB1").run()
    at.switch_page(COVERAGE).run()
    assert at.selectbox(key="unit").value == "ZB1"
    assert tiles(at)["实践站"] == "1个"  # ZB1 itself
    at.switch_page(OVERVIEW).run()
    assert tiles(at)["活动场次"] == "4场次"


def test_an_unknown_unit_in_the_url_opens_on_every_unit(open_app, small_picker):
    at = open_app(unit="没有这个阵地")
    assert at.selectbox(key="unit").value == ""
    assert options(at) == ["", "ZX", "JD", "SA", "SB"]


# --- Paged tables ------------------------------------------------------------------------------


def test_a_long_table_is_shown_a_page_at_a_time_with_every_row_downloadable(
    open_app, downloads, monkeypatch
):
    monkeypatch.setattr(widgets, "PAGE_ROWS", 4)
    at = open_app(COVERAGE)
    tree = table(at, "阵地")
    assert len(tree) == 4 and tree[0]["阵地"] == ZX
    assert "共 9 行，每页显示 4 行；完整数据请点「下载表格（Excel）」。" in captions(at)
    at.number_input(key="coverage_tree_page").set_value(3).run()
    assert [row["阵地"].strip("　└ ") for row in table(at, "阵地")] == ["营坡顶村新时代文明实践站"]
    book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(downloads["阵地体系.xlsx"]()))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 9  # the header and every unit, not the page


def test_a_short_table_has_no_pages_and_no_note(open_app):
    at = open_app(COVERAGE)
    assert len(table(at, "阵地")) == 9
    assert not at.number_input
    assert "每页显示" not in captions(at)


def test_the_page_goes_back_to_the_first_when_the_scope_shrinks(open_app, monkeypatch):
    monkeypatch.setattr(widgets, "PAGE_ROWS", 4)
    at = open_app(COVERAGE)
    at.number_input(key="coverage_tree_page").set_value(3).run()
    at.selectbox(key="unit").set_value("SB").run()  # SB ZB1 DB1 ZB2: one page
    assert [row["阵地"].strip("　└ ") for row in table(at, "阵地")][0] == SB
    assert "coverage_tree_page" not in [n.key for n in at.number_input]


# --- The map ---------------------------------------------------------------------------------


def test_a_map_with_too_many_units_is_drawn_by_institute_and_says_so(open_app, monkeypatch):
    # 4 units have coordinates (ZX, SB, ZA1, ZB1): more than 3, so the 所 are drawn
    monkeypatch.setattr(charts, "MAP_POINTS", 3)
    at = open_app(COVERAGE)
    (spec,) = [
        json.loads(e.proto.spec)
        for e in at.get("plotly_chart")
        if json.loads(e.proto.spec)["layout"]["title"]["text"].startswith("各所")
    ]
    assert spec["layout"]["title"]["text"] == "各所期内活动场次（含下属阵地）"
    (trace,) = spec["data"]
    assert [c[0] for c in trace["customdata"]] == [SB]  # SA has no coordinates
    assert trace["customdata"][0][1] == "6"  # SB and below: A04 A05 A06 A07 A08 A12
    assert "所选范围有 4 个阵地，地图按所汇总显示（2 个" in captions(at)


def test_a_map_keeps_every_unit_when_they_fit_else_draws_a_coarser_level():
    station = {"level": "站", "lng": 113.0, "lat": 34.0}
    institute = {"level": "所", "lng": 113.1, "lat": 34.1}
    assert charts.map_points([station, institute], limit=2) == (None, [station, institute])
    assert charts.map_points([station, station, institute], limit=2) == ("所", [institute])


# --- Searching the tree --------------------------------------------------------------------


def test_search_lists_the_matching_units_and_a_pick_ends_the_search(open_app, small_picker):
    at = open_app()
    at.text_input(key="unit_search").input("营坡").run()
    assert options(at) == ["", "ZB2"]
    assert "名称或编码含「营坡」的阵地有 1 个" in captions(at)
    at.selectbox(key="unit").set_value("ZB2").run()
    assert at.text_input(key="unit_search").value == ""
    assert options(at) == ["", "ZX", "SB", "ZB1", "ZB2"]  # up, and across: no children
    assert tiles(at)["活动场次"] == "2场次"  # ZB2 in 2025: A07, A08


def test_search_finds_a_unit_by_its_code(open_app, small_picker):
    at = open_app()
    at.text_input(key="unit_search").input("db1").run()
    assert options(at) == ["", "DB1"]


def test_search_lists_at_most_its_limit_and_says_so(open_app, small_picker, monkeypatch):
    monkeypatch.setattr(scopebar, "SEARCH_LIMIT", 2)
    at = open_app()
    at.text_input(key="unit_search").input("新时代文明实践").run()
    # every unit but the 基地 JD has it in its name; the first two in tree order
    assert options(at) == ["", "ZX", "SA"]
    assert "有 8 个" in captions(at) and "只列出前 2 个" in captions(at)


def test_search_without_a_match_says_so_and_keeps_the_scope(open_app, small_picker):
    at = open_app()
    at.selectbox(key="unit").set_value("SB").run()
    at.text_input(key="unit_search").input("没有这个").run()
    assert options(at) == ["", "SB"]
    assert "没有名称或编码含「没有这个」的阵地。" in captions(at)
    assert tiles(at)["活动场次"] == "6场次"


def test_a_small_tree_has_no_search_box(open_app):
    at = open_app()
    assert not at.text_input
    assert options(at) == ["", "ZX", "JD", "SA", "ZA1", "ZA2", "SB", "ZB1", "DB1", "ZB2"]


# --- Charts built on demand -----------------------------------------------------------------


def test_the_briefings_chart_preview_is_drawn_only_when_opened(open_app):
    at = open_app(BRIEFING)
    assert not at.get("plotly_chart")  # closed: no chart built or sent
    at.session_state["brief_preview"] = True  # what opening the expander sets
    at.run()
    assert len(at.get("plotly_chart")) == 5  # 月度趋势 分单位 分类别 品牌排行 满意度
