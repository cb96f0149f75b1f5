"""The page 数据可信度 in a real browser, on the planted ledgers (tests/integrity_ledgers.py)."""

from __future__ import annotations

import pytest
from test_browser import assert_clean, expect_tile, open_page, serve

pytestmark = pytest.mark.browser


def test_the_integrity_page_opens_and_lists_the_flagged_rows(integrity_db, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        with serve(integrity_db, "server_integrity.log") as base:
            open_page(page, f"{base}/integrity", "数据可信度")
            assert_clean(page)
            expect_tile(page, "3. 整数堆积", "30处")
            expect_tile(page, "4. 期末突击", "10处")
            text = page.inner_text("[data-testid=stApp]")
            assert "没有结束时间的活动按开始后60分钟计" in text
            assert "各阵地被标记情况" in text
            page.get_by_role("button", name="下载全部核查结果（Excel）").wait_for()
    finally:
        context.close()
