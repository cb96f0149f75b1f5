"""The app's shell without a browser (issue 14): a link's unknown unit or period is named
in Chinese, a table keeps its long text in sight and offers a Chinese search instead of
the grid's English toolbar, and the monthly chart leaves room for its first label.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from page_helpers import texts
from streamlit.testing.v1 import AppTest

from dashboard import charts

SB = "峡窝镇新时代文明实践所"
SATISFACTION = "views/05_satisfaction.py"


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def test_an_unknown_unit_in_a_link_is_named_and_the_whole_county_shown(open_app):
    at = open_app(unit="不存在的所", period="本季度")
    assert "未找到阵地“不存在的所”，已显示全部阵地" in warnings(at)
    assert "2025年4月1日 至 2025年4月15日　·　全部阵地" in texts(at)


def test_an_unknown_period_in_a_link_is_named_and_the_year_shown(open_app):
    at = open_app(unit=SB, period="本世纪")
    assert "未找到统计期间“本世纪”，已显示本年" in warnings(at)
    assert "2025年1月1日 至 2025年4月15日　·　" in texts(at)
    assert "未找到阵地" not in warnings(at)


def test_a_link_with_a_known_unit_and_period_raises_no_notice(open_app):
    at = open_app(unit=SB, period="本季度")
    assert "未找到" not in warnings(at)


def _table_app(count: int) -> AppTest:
    def app(count: int) -> None:
        from dashboard import widgets

        rows = [{"name": f"阵地{i}", "activities": i} for i in range(1, count + 1)]
        columns = [widgets.Column("name", "阵地"), widgets.Column("activities", "场次")]
        widgets.table(rows, columns, key="t", file_name="场次")

    at = AppTest.from_function(app, default_timeout=30, args=(count,))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_longer_table_has_a_chinese_search_that_keeps_the_matching_rows(fixture_db, monkeypatch):
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    at = _table_app(12)
    assert [box.label for box in at.text_input] == ["搜索"]
    at.text_input(key="t_search").set_value("阵地1").run()
    expected = [f"阵地{i}" for i in range(1, 13) if "阵地1" in f"阵地{i}"]  # 1, 10, 11, 12
    assert list(at.dataframe[0].value["阵地"]) == expected
    assert f"含「阵地1」的行：{len(expected)} 行" in texts(at)
    at.text_input(key="t_search").set_value("阵地99").run()
    assert at.dataframe[0].value.empty and "没有含「阵地99」的行。" in texts(at)


def test_a_table_read_at_a_glance_has_no_search_box(fixture_db, monkeypatch):
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    assert not _table_app(10).text_input


def test_the_complaints_column_is_given_the_room_and_its_lines_wrap(open_app):
    # at 1440 px the grid is ~980 px wide: 主要意见 came after eight columns and was cut
    at = open_app(SATISFACTION)
    grid = next(d for d in at.dataframe if "主要意见" in d.value.columns)
    widths = {label: c.get("width") for label, c in json.loads(grid.proto.columns).items()}
    assert widths["主要意见"] == 320
    assert grid.proto.row_height > 64  # Streamlit wraps text only in rows taller than 4rem
    assert widths["名称"] == widths["所属阵地"] == 120  # long names wrap onto two lines
    assert widths.get("均分") is None  # a short column keeps its own width


def test_the_monthly_chart_leaves_room_for_its_first_label_turned_or_not():
    rows = [{"month": date(2025, m, 1), "person_times": 10 * m} for m in range(1, 13)]
    fig = charts.monthly_trend(rows, "person_times", "各月服务人次")
    start, end = (datetime.fromisoformat(str(v)[:10]) for v in fig.layout.xaxis.range)
    assert start <= datetime(2025, 1, 1) - timedelta(days=14)  # 2025年1月 centred at Jan 1
    assert end >= datetime(2025, 12, 1) + timedelta(days=14)
    assert fig.layout.xaxis.ticktext[0] == "2025年1月"
    # turned upright, 2025年1月 (4 digits, 3 字 at 12 px) stands ~60 px under the axis
    assert fig.layout.margin.b >= 4 * 7 + 3 * 12 + 8
