"""排名 in a real browser: ``streamlit run`` on the two-year ledger set of
tests/test_compare.py, driven by the system Chromium (see tests/test_browser.py)."""

from __future__ import annotations

import pytest
from test_browser import browser, open_page, screenshot, serve  # noqa: F401
from test_compare import NAMES, SA, two_years  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ranking_server(two_years):  # noqa: F811
    """The app on the two-year ledger set, shared by both widths."""
    with serve(two_years, "server_ranking.log") as base:
        yield base


@pytest.mark.parametrize("width", [1440, 390])
def test_the_ranking_page_opens_from_the_sidebar_and_ranks_the_towns(
    browser,  # noqa: F811
    ranking_server,
    width,
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        base = ranking_server
        if width < 600:  # a phone: the sidebar is folded away; a shared link opens it
            open_page(page, f"{base}/ranking?period=本季度", "排名")
        else:
            open_page(page, f"{base}/?period=本季度", "总览")
            page.locator("[data-testid=stSidebarNav]").get_by_text("排名", exact=True).click()
            page.get_by_role("heading", name="排名", level=1).wait_for(timeout=30_000)
            assert "/ranking" in page.url
        grid = page.locator("[data-testid=stDataFrame]").first
        grid.wait_for(timeout=30_000)
        # the grid draws on a canvas; its accessible copy holds the cells
        cells = grid.locator("[role=gridcell]")
        cells.first.wait_for(state="attached", timeout=30_000)
        text = " ".join(cells.all_text_contents())
        assert NAMES[SA] in text and "↑1" in text and "绿" in text
        # drawn after the grid: waited for, as a loaded machine may be slow to draw it
        expect(page.get_by_role("button", name="下载表格（Excel）").first).to_be_visible(
            timeout=30_000
        )
        screenshot(page, f"ranking_{width}")
    finally:
        context.close()
