"""The four practice pages in a real browser on the practice county (tests/practice_county.py):
each opens without an error and shows a figure worked out in tests/test_practices.py.

Run with ``pytest -m browser``; shares test_browser's server and Chromium helpers.
"""

from __future__ import annotations

import pytest
from test_browser import (  # noqa: F401
    assert_clean,
    browser,
    expect_tile,
    open_page,
    page,
    serve,
)

from dashboard import ui

pytestmark = pytest.mark.browser

# url_path → (tile label, its value for 本季度 over the whole practice county)
HEADLINES = {
    "five-haves": ("有机制达标", "2个"),
    "honor-lists": ("红榜", "2个"),
    "three-lists": ("供需缺口类别", "2类"),
    "volunteers": ("获得积分", "675分"),
}


@pytest.fixture(scope="module")
def practice_server(practice_db):
    with serve(practice_db, "practice_server.log") as base:
        yield base


def test_each_practice_page_opens_in_a_browser_with_its_figures(practice_server, page):  # noqa: F811
    for url_path, headline in HEADLINES.items():
        open_page(page, f"{practice_server}/{url_path}?period=本季度", ui.PAGE[url_path].title)
        assert_clean(page)
        expect_tile(page, *headline)
