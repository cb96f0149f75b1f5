"""Chart builders turn plain rows into the figures a leader reads and prints."""

import io
import struct
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image

from dashboard import charts, texts
from dashboard.numbers import format_percent

FONT = "Noto Sans CJK SC"

CATEGORIES = [
    {"category": "文化服务", "activities": 80},
    {"category": "理论宣讲", "activities": 120},
    {"category": "卫生健康", "activities": 40},
]
BRANDS = [
    {"name": "星光课堂", "person_times": 2400, "mean_score": 4.81},
    {"name": "心系银发·微幸福", "person_times": 3121, "mean_score": 4.625},
    {"name": "草堂叙语", "person_times": 800, "mean_score": None},
]


def test_monthly_trend_draws_one_line_in_month_order():
    rows = [
        {"month": date(2025, 2, 1), "person_times": 900},
        {"month": date(2024, 12, 1), "person_times": 1200},
        {"month": date(2025, 1, 1), "person_times": Decimal("1000")},
    ]
    fig = charts.monthly_trend(rows, "person_times", "服务人次逐月是否增长？")
    (trace,) = fig.data
    assert trace.type == "scatter"
    assert list(trace.x) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]
    assert list(trace.y) == [1200, 1000, 900]
    assert fig.layout.title.text == "服务人次逐月是否增长？"
    assert list(fig.layout.xaxis.ticktext) == ["2024年12月", "2025年1月", "2月"]
    assert fig.layout.yaxis.title.text == "服务人次"
    assert [row[1] for row in trace.customdata] == ["1,200", "1,000", "900"]


def test_monthly_trend_draws_a_line_per_series_with_a_legend():
    rows = [
        {"month": "2025-01", "town": "甲街道", "activities": 3},
        {"month": "2025-02", "town": "甲街道", "activities": 5},
        {"month": "2025-01", "town": "乙镇", "activities": 2},
    ]
    fig = charts.monthly_trend(rows, "activities", "各街镇活动是否均衡？", series_key="town")
    assert [trace.name for trace in fig.data] == ["甲街道", "乙镇"]
    assert list(fig.data[0].y) == [3, 5]
    assert fig.layout.showlegend is True


def test_bar_by_sorts_largest_first_and_writes_each_value():
    rows = [{"town": "甲街道", "activities": 1234}, {"town": "乙镇", "activities": 123456}]
    fig = charts.bar_by(rows, "town", "activities", "哪些街镇开展活动较少？")
    (trace,) = fig.data
    assert trace.type == "bar"
    assert trace.orientation == "h"
    assert list(trace.y) == ["乙镇", "甲街道"]
    assert list(trace.x) == [123456, 1234]
    assert list(trace.text) == ["12.3万", "1,234"]
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.title.text == "哪些街镇开展活动较少？"


def test_an_unknown_value_is_a_gap_written_as_a_dash_never_a_zero():
    rows = [{"town": "甲街道", "coverage": None}, {"town": "乙镇", "coverage": 0.5}]
    fig = charts.bar_by(rows, "town", "coverage", "问题？", value_format=format_percent)
    assert list(fig.data[0].x) == [0.5, None]
    assert list(fig.data[0].text) == ["50.0%", "—"]
    trend = charts.monthly_trend(
        [{"month": "2025-01", "coverage": None}, {"month": "2025-02", "coverage": 0.5}],
        "coverage",
        "问题？",
    )
    assert list(trend.data[0].y) == [None, 0.5]


def test_bar_by_can_stand_bars_upright_and_keep_the_given_order():
    rows = [{"town": "甲", "activities": 1}, {"town": "乙", "activities": 2}]
    fig = charts.bar_by(rows, "town", "activities", "问题？", horizontal=False, sort=False)
    assert fig.data[0].orientation == "v"
    assert list(fig.data[0].x) == ["甲", "乙"]
    assert list(fig.data[0].y) == [1, 2]


def test_category_pie_or_bar_draws_a_ring_for_a_few_categories_with_floored_shares():
    fig = charts.category_pie_or_bar(CATEGORIES, "category", "activities", "活动以哪些类别为主？")
    (trace,) = fig.data
    assert trace.type == "pie"
    assert list(trace.labels) == ["理论宣讲", "文化服务", "卫生健康"]
    assert list(trace.values) == [120, 80, 40]
    # 120/240, 80/240 = 33.33…%, 40/240 = 16.66…% (rounded down, not up to 16.7%)
    assert [row[1] for row in trace.customdata] == ["50.0%", "33.3%", "16.6%"]


def test_category_pie_or_bar_draws_bars_when_a_ring_would_be_unreadable():
    rows = [{"category": f"类别{i}", "activities": i} for i in range(1, 9)]
    fig = charts.category_pie_or_bar(rows, "category", "activities", "问题？")
    assert fig.data[0].type == "bar"
    assert len(fig.data[0].y) == 8


def test_category_pie_or_bar_leaves_out_empty_categories():
    rows = [*CATEGORIES, {"category": "便民服务", "activities": 0}]
    fig = charts.category_pie_or_bar(rows, "category", "activities", "问题？")
    assert "便民服务" not in list(fig.data[0].labels)


def test_brand_ranking_puts_the_widest_reach_on_top_with_its_score():
    fig = charts.brand_ranking(BRANDS, "哪些品牌项目服务人次最多？", top=2)
    (trace,) = fig.data
    assert trace.type == "bar"
    assert list(trace.y) == ["心系银发·微幸福", "星光课堂"]
    assert list(trace.x) == [3121, 2400]
    assert list(trace.text) == ["3,121 · 4.62分", "2,400 · 4.81分"]


def test_brand_ranking_writes_no_score_for_a_brand_without_ratings():
    fig = charts.brand_ranking(BRANDS, "问题？")
    assert list(fig.data[0].text)[-1] == "800"


def test_funnel_writes_each_stage_with_its_share_of_the_first():
    stages = list(zip(texts.ORDER_STAGES, [500, 480, 450, 430, 299], strict=True))
    fig = charts.funnel(stages, "点单在哪个环节流失最多？")
    (trace,) = fig.data
    assert trace.type == "funnel"
    assert list(trace.y) == list(texts.ORDER_STAGES)
    assert list(trace.x) == [500, 480, 450, 430, 299]
    assert trace.text[1] == "480（占首环节96.0%）"
    assert trace.text[4] == "299（占首环节59.8%）"


def test_satisfaction_distribution_counts_every_score_even_when_none_were_given():
    rows = [{"score": 5, "ratings": 900}, {"score": 4, "ratings": 400}, {"score": 1, "ratings": 12}]
    fig = charts.satisfaction_distribution(rows, "群众评价集中在哪一档？")
    (trace,) = fig.data
    assert trace.type == "bar"
    assert list(trace.y) == [12, 0, 0, 400, 900]
    assert list(trace.x)[0] == "1分<br>非常不满意"
    assert list(trace.marker.color) == [
        charts.ACCENT,
        charts.ACCENT,
        charts.NEUTRAL,
        charts.PRIMARY,
        charts.PRIMARY,
    ]


UNITS = [
    {"name": "甲站", "lng": 113.2, "lat": 34.8, "value": 10},
    {"name": "乙站", "lng": Decimal("113.3"), "lat": Decimal("34.85"), "value": 40},
    {"name": "丙站", "lng": None, "lat": None, "value": 5},
]


def test_unit_map_places_units_on_a_blank_map_by_default():
    fig = charts.unit_map(UNITS, "各实践站活动分布在哪里？")
    (trace,) = fig.data
    assert trace.type == "scattermap"
    assert list(trace.lon) == [113.2, 113.3]
    assert list(trace.lat) == [34.8, 34.85]
    assert fig.layout.map.style == "white-bg"
    assert not fig.layout.map.layers
    # the larger value has the larger circle
    assert trace.marker.size[1] > trace.marker.size[0]


def test_unit_map_says_how_many_units_it_could_not_place():
    fig = charts.unit_map(UNITS, "问题？")
    notes = [annotation.text for annotation in fig.layout.annotations]
    assert texts.MAP_MISSING_COORDS.format(count=1) in notes


def test_unit_map_draws_raster_tiles_under_the_units_when_given_a_tile_url():
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    fig = charts.unit_map(UNITS, "问题？", tile_url=url)
    (layer,) = fig.layout.map.layers
    assert layer.sourcetype == "raster"
    assert list(layer.source) == [url]
    assert layer.below == "traces"


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.monthly_trend([], "activities", "问题？"),
        lambda: charts.bar_by([], "town", "activities", "问题？"),
        lambda: charts.funnel([], "问题？"),
        lambda: charts.satisfaction_distribution([], "问题？"),
        lambda: charts.unit_map([], "问题？"),
    ],
)
def test_a_chart_with_no_rows_says_there_is_no_data(build):
    fig = build()
    assert [annotation.text for annotation in fig.layout.annotations] == [texts.NO_DATA]


@pytest.mark.parametrize(
    "fig",
    [
        charts.monthly_trend([{"month": date(2025, 1, 1), "activities": 1}], "activities", "问"),
        charts.bar_by(CATEGORIES, "category", "activities", "问"),
        charts.category_pie_or_bar(CATEGORIES, "category", "activities", "问"),
        charts.brand_ranking(BRANDS, "问"),
        charts.funnel([("点单", 3)], "问"),
        charts.satisfaction_distribution([{"score": 5, "ratings": 1}], "问"),
        charts.unit_map(UNITS, "问"),
    ],
)
def test_every_chart_is_set_in_noto_sans_cjk_sc(fig):
    assert fig.layout.font.family.startswith(FONT)
    assert fig.layout.font.family == charts.FONT_FAMILY


def test_builders_accept_a_polars_frame():
    import polars as pl

    frame = pl.DataFrame(CATEGORIES)
    fig = charts.bar_by(frame, "category", "activities", "问题？")
    assert list(fig.data[0].x) == [120, 80, 40]


def test_with_source_line_adds_the_line_under_a_copy():
    fig = charts.bar_by(CATEGORIES, "category", "activities", "问题？")
    line = charts.source_text("上街区活动台账", date(2025, 3, 31))
    assert line == "数据来源：上街区活动台账，截至2025年3月31日"
    sourced = charts.with_source_line(fig, line)
    assert [annotation.text for annotation in sourced.layout.annotations] == [line]
    assert sourced.layout.margin.b > fig.layout.margin.b
    assert not fig.layout.annotations


def test_noto_sans_cjk_sc_is_installed():
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    assert FONT in listed


@pytest.fixture(scope="module")
def png():
    fig = charts.bar_by(CATEGORIES, "category", "activities", "活动以哪些类别为主？")
    fig = charts.with_source_line(fig, charts.source_text("测试台账", date(2025, 3, 31)))
    return charts.to_png(fig)


def _phys(png_bytes):
    """Return the PNG's pHYs chunk: (x px per unit, y px per unit, unit)."""
    position = 8
    while position < len(png_bytes):
        (length,) = struct.unpack(">I", png_bytes[position : position + 4])
        kind = png_bytes[position + 4 : position + 8]
        if kind == b"pHYs":
            return struct.unpack(">IIB", png_bytes[position + 8 : position + 17])
        position += 12 + length
    return None


def test_png_is_16_cm_wide_at_300_dpi(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 1890  # 16 / 2.54 × 300 = 1889.8
    # PNG stores whole pixels per metre: 11811 is 299.9994 dpi, the nearest to 300.
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    assert _phys(png) == (11811, 11811, 1)


def test_png_height_follows_the_figure_layout_height(png):
    # the bar chart is 3 × 30 + 130 = 320 px high, + 28 px of source line, at 96 px/in
    image = Image.open(io.BytesIO(png))
    assert image.height == round(348 / 96 * 300)


def test_svg_names_the_chinese_font():
    svg = charts.to_svg(charts.funnel([("群众点单", 3), ("群众评单", 2)], "点单流失在哪里？"))
    assert svg.lstrip().startswith(b"<svg")
    assert FONT.encode() in svg
    assert "群众点单".encode() in svg
