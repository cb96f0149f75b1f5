"""The offline map of 阵地覆盖: units placed by their coordinates and named, coloured by
coverage, each 所's area outlined, nothing fetched from outside; the unit tree as a
treemap when no unit has coordinates.

Page expectations come from the fixture county (tests/conftest.py), 本年 =
2025-01-01..2025-04-15: 4 months, so a 站 is effective with 4 activities (its own and
its 点's): ZB1 has A04 A05 A06 A12 (有效覆盖); ZA1 A01 A02 A03, ZA2 A11, ZB2 A07 A08
(仅挂牌). Coordinates: ZX, SB, ZA1, ZB1; the other 5 units have none.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from conftest import APP
from streamlit.testing.v1 import AppTest

from dashboard import ledgers, maps

COVERAGE = "views/02_coverage.py"
MAP_TITLE = "各阵地期内活动场次"


def town(unit_id, name, level, parent, lng, lat, activities, status=None) -> dict:
    return {
        "unit_id": unit_id,
        "name": name,
        "level": level,
        "parent_id": parent,
        "lng": lng,
        "lat": lat,
        "activities": activities,
        "status": status,
    }


ROWS = [
    town("C", "某区新时代文明实践中心", "中心", None, 113.28, 34.80, 30),
    town("S", "某镇新时代文明实践所", "所", "C", 113.30, 34.76, 20),
    town("Z1", "甲村新时代文明实践站", "站", "S", 113.29, 34.75, 12, "有效覆盖"),
    town("Z2", "乙村新时代文明实践站", "站", "S", 113.32, 34.75, 2, "仅挂牌"),
    town("Z3", "丙村新时代文明实践站", "站", "S", 113.31, 34.78, 6, "有效覆盖"),
    town("D1", "甲村文化小广场新时代文明实践点", "点", "Z1", 113.291, 34.751, 3),
    town("Z4", "丁村新时代文明实践站", "站", "S", None, None, 0, "期末未挂牌"),
]


def test_convex_hull_keeps_the_corners_only():
    square = [(0, 0), (2, 0), (2, 2), (0, 2), (1, 1), (1, 0)]
    assert sorted(maps.convex_hull(square)) == [(0, 0), (0, 2), (2, 0), (2, 2)]


def test_the_offline_map_names_stations_colours_them_by_coverage_and_outlines_the_town():
    fig = maps.offline_map(ROWS, "问")
    spec = fig.to_plotly_json()
    assert all(trace["type"] == "scatter" for trace in spec["data"])
    by_name = {trace["name"]: trace for trace in spec["data"]}
    assert list(by_name["有效覆盖"]["text"]) == ["甲村", "丙村"]
    assert list(by_name["仅挂牌"]["text"]) == ["乙村"]
    assert by_name["有效覆盖"]["marker"]["color"] != by_name["仅挂牌"]["marker"]["color"]
    # the 点 is drawn but named on hover only; the 中心 and 所 are named
    assert sorted(by_name[maps.OTHER_LABEL]["text"]) == ["", "某区", "某镇"]
    # the town's outline: S and the 点 D1 lie inside the triangle of Z1, Z2 and Z3
    # (at S's latitude 34.76 the triangle runs from 113.2967 to 113.3167); Z4 has no place
    hull = by_name["某镇新时代文明实践所"]
    corners = list(zip(hull["x"], hull["y"], strict=True))
    assert corners[0] == corners[-1]  # closed
    assert set(corners) == {(113.29, 34.75), (113.32, 34.75), (113.31, 34.78)}
    assert any("另有1个阵地" in a["text"] for a in spec["layout"]["annotations"])


def test_the_offline_map_fetches_nothing_from_outside():
    text = json.dumps(maps.offline_map(ROWS, "问").to_plotly_json(), default=str)
    assert "://" not in text and "mapbox" not in text and '"map"' not in text


@pytest.fixture
def coverage_page(fixture_db, monkeypatch, tmp_path):
    def run(db=fixture_db, **query: str) -> AppTest:
        monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))
        monkeypatch.setenv("WENMING_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        at.switch_page(COVERAGE).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def map_spec(at: AppTest) -> tuple[str, dict]:
    """(the chart's raw JSON, the chart) of the map of 阵地分布."""
    for element in at.get("plotly_chart"):
        raw = element.proto.spec
        spec = json.loads(raw)
        if spec["layout"].get("title", {}).get("text", "").startswith(("各阵地", "阵地体系")):
            return raw, spec
    raise AssertionError("no map")


def test_the_coverage_page_draws_the_stations_by_name_without_any_outside_url(coverage_page):
    raw, spec = map_spec(coverage_page())
    assert spec["layout"]["title"]["text"] == MAP_TITLE
    assert "://" not in raw
    by_name = {trace["name"]: trace for trace in spec["data"]}
    assert list(by_name["有效覆盖"]["text"]) == ["五云"]  # ZB1: 4 activities
    assert list(by_name["仅挂牌"]["text"]) == ["东林子社区"]  # ZA1: 3
    assert any("另有5个阵地" in a["text"] for a in spec["layout"]["annotations"])


@pytest.fixture(scope="module")
def db_without_coordinates(fixture_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("nocoords") / "fixture.duckdb"
    shutil.copy(fixture_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE units SET lng = NULL, lat = NULL")
    return path


def test_without_coordinates_the_unit_tree_shows_as_a_treemap(
    coverage_page, db_without_coordinates
):
    raw, spec = map_spec(coverage_page(db=db_without_coordinates))
    assert "://" not in raw
    (tree,) = spec["data"]
    assert tree["type"] == "treemap"
    parents = dict(zip(tree["ids"], tree["parents"], strict=True))
    # the fixture's tree: 中心 ZX → 所 SA, SB, 基地 JD → 站 → 点 DB1
    assert parents == {
        "ZX": "",
        "SA": "ZX",
        "SB": "ZX",
        "ZA1": "SA",
        "ZA2": "SA",
        "ZB1": "SB",
        "ZB2": "SB",
        "DB1": "ZB1",
        "JD": "ZX",
    }
    colours = dict(zip(tree["ids"], tree["marker"]["colors"], strict=True))
    assert colours["ZB1"] == maps.STATUS_COLORS["有效覆盖"]
    assert colours["ZA1"] == colours["ZA2"] == colours["ZB2"] == maps.STATUS_COLORS["仅挂牌"]


def test_crowded_stations_are_named_where_the_names_fit_and_all_on_hover():
    # ten stations 0.0001° apart: one name fits, the busiest; all ten on hover
    crowd = [
        town(
            f"Z{i}",
            f"第{i}村新时代文明实践站",
            "站",
            "S",
            113.30 + i / 10_000,
            34.75,
            i,
            "有效覆盖",
        )
        for i in range(10)
    ] + [town("S", "某镇新时代文明实践所", "所", None, 113.40, 34.85, 45)]
    spec = maps.offline_map(crowd, "问").to_plotly_json()
    stations = next(t for t in spec["data"] if t["name"] == "有效覆盖")
    assert [name for name in stations["text"] if name] == ["第9村"]
    assert len(stations["customdata"]) == 10


def test_a_station_opened_inside_the_period_keeps_its_statuss_colour_and_legend_group():
    # 阵地覆盖 marks such a station "有效覆盖（新挂牌）"; it must not fall out of the map
    assert maps.base_status("有效覆盖（新挂牌）") == "有效覆盖"
    assert maps.status_color("仅挂牌（新挂牌）") == maps.STATUS_COLORS["仅挂牌"]
    assert maps.status_color(None) == maps.OTHER_COLOR
