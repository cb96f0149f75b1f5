"""Drill-down in a real browser: on 总览 over the fixture county, a click on a unit's bar
opens a dialog listing that unit's activities, which add up to the bar.

Shares ``serve``/``open_page``/``settle`` with tests/test_browser.py; the worker's one
browser (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ACTIVITIES, ATTENDANCE
from page_helpers import sheet_rows
from test_browser import open_page

pytestmark = pytest.mark.browser

SB_NAME = "峡窝镇新时代文明实践所"
SB_SUBTREE = {"SB", "ZB1", "ZB2", "DB1"}


@pytest.fixture(scope="module")
def page(fixture_server, browser):
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.base = fixture_server  # the app on the fixture county, shared with test_browser
    yield page
    context.close()


def sb_activities() -> list[tuple]:
    """SB's activities of 本年 (2025-01-01..04-15) with their 服务人次."""
    rows = []
    for a in ACTIVITIES:
        if a[2] in SB_SUBTREE and "2025-01-01" <= a[5][:10] <= "2025-04-15":
            counts = [n for x, _, n, role in ATTENDANCE if x == a[0] and role == "群众"]
            rows.append((a[0], sum(counts) if counts else a[11] or 0))
    return rows


def test_clicking_a_units_bar_lists_its_activities(page):
    from playwright.sync_api import expect

    open_page(page, page.base, "总览")
    chart = page.locator(".stPlotlyChart").filter(has_text="下级阵地服务人次")
    bar = chart.locator("g.point").first  # bars are sorted: 峡窝镇 (260) is the largest
    bar.click(force=True)  # as a user: the click lands on plotly's drag layer above the bar
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expected = sb_activities()
    total = sum(n for _, n in expected)
    expect(dialog).to_contain_text(f"「{SB_NAME}服务人次」{total}", timeout=15_000)
    expect(dialog).to_contain_text(f"共 {len(expected)} 场活动；服务人次合计 {total}")
    expect(dialog.locator("[data-testid=stDataFrame]")).to_be_visible()
    # the grid is a canvas: its rows are read back from the dialog's download
    with page.expect_download(timeout=60_000) as download:
        dialog.locator("[data-testid=stDownloadButton] button").click()
    assert download.value.suggested_filename == f"{SB_NAME}服务人次明细.xlsx"
    header, *rows = sheet_rows(Path(download.value.path()).read_bytes())
    at = {name: i for i, name in enumerate(header)}
    listed = sorted((row[at["活动编码"]], int(row[at["服务人次"]])) for row in rows)
    assert listed == sorted(expected)
    page.screenshot(path="tests/artifacts/drill_dialog_1440.png")
