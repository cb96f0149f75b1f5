"""The app's shell in a real browser (issue 14): the scope kept in the address bar across
a sidebar click and Back, unknown paths and scopes answered in Chinese, no English
toolbar, nothing fetched from outside, the monthly chart's first label and the 简报 copy
button in sight, at 1440 px and on a 390 px phone. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import PAINTED, SB, browser, screenshot, serve  # noqa: F401

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1440, "phone": 390}
QUARTER = quote("本季度")


@pytest.fixture
def app(fixture_server):
    return fixture_server  # the app on the fixture county, shared with test_browser


@pytest.fixture
def tab(request, browser):  # noqa: F811
    """A fresh browser tab at the width the test is parametrized with (desktop if not)."""
    name = getattr(request, "param", "desktop")
    width = WIDTHS[name]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.width_name = name
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)
    page.outside = outside
    yield page
    context.close()


WAIT_MS = 90_000  # a loaded test machine (two cores, other builds) can be slow to draw


def settle(page) -> None:
    """Wait until the script has finished and nothing is still loading."""
    page.wait_for_selector(
        "[data-testid=stApp][data-test-script-state=notRunning]", timeout=WAIT_MS
    )
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=WAIT_MS)
    page.evaluate(PAINTED)


def opened(page, url: str, title: str) -> None:
    page.goto(url, timeout=WAIT_MS)
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=WAIT_MS)
    settle(page)


def alerts(page) -> str:
    return " ".join(a.inner_text() for a in page.locator("[data-testid=stAlert]").all())


@pytest.mark.parametrize("tab", list(WIDTHS), indirect=True)
def test_a_sidebar_click_keeps_the_scope_in_the_address_bar_and_back_restores_it(app, tab):
    opened(tab, f"{app}/service?period={QUARTER}&unit={quote(SB)}", "服务人次")
    if tab.width_name == "phone":
        tab.locator("[data-testid=stExpandSidebarButton]").click()
    tab.locator("[data-testid=stSidebarNav] a", has_text="品牌项目").click()
    tab.get_by_role("heading", name="品牌项目", level=1).wait_for()
    settle(tab)
    assert urlparse(tab.url).path == "/brands"
    assert f"period={QUARTER}" in tab.url and f"unit={quote(SB)}" in tab.url
    assert "2025年4月1日 至 2025年4月15日" in tab.inner_text("[data-testid=stApp]")
    tab.go_back()
    tab.get_by_role("heading", name="服务人次", level=1).wait_for()
    settle(tab)
    assert urlparse(tab.url).path == "/service"
    assert f"period={QUARTER}" in tab.url and f"unit={quote(SB)}" in tab.url
    assert "2025年4月1日 至 2025年4月15日" in tab.inner_text("[data-testid=stApp]")
    screenshot(tab, f"shell_back_{tab.width_name}")


def test_an_unknown_path_and_the_overview_path_open_the_overview_in_chinese(fixture_db, tab):
    # a fresh server: its first visitor's run reruns once (the client options), which
    # once lost the forwarding page and showed Streamlit's English dialog after all
    with serve(fixture_db, "server_shell_paths.log") as fresh:
        for path, notice in (("no-such-page", "没有找到页面“/no-such-page”"), ("overview", "")):
            opened(tab, f"{fresh}/{path}?period={QUARTER}", "总览")
            assert tab.get_by_text("Page not found").count() == 0
            assert urlparse(tab.url).path == "/" and f"period={QUARTER}" in tab.url
            assert "2025年4月1日 至 2025年4月15日" in tab.inner_text("[data-testid=stApp]")
            assert (notice in alerts(tab)) if notice else "没有找到页面" not in alerts(tab)


def test_an_unknown_unit_or_period_in_a_link_is_named_in_chinese(app, tab):
    opened(tab, f"{app}/coverage?unit={quote('不存在的所')}&period=xx", "阵地覆盖")
    said = alerts(tab)
    assert "未找到阵地“不存在的所”，已显示全部阵地" in said
    assert "未找到统计期间“xx”，已显示本年" in said
    assert "2025年1月1日 至 2025年4月15日" in tab.inner_text("[data-testid=stApp]")
    screenshot(tab, f"shell_unknown_scope_{tab.width_name}")


def test_the_overview_shows_no_english_toolbar_and_fetches_nothing_from_outside(app, tab):
    opened(tab, f"{app}/", "总览")
    grid = tab.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    grid.hover()
    # hovering mounts the grid's toolbar (and the page's CSS must keep it out of sight)
    tab.locator("[data-testid=stElementToolbar]").first.wait_for(state="attached")
    for english in ("Show/hide columns", "Search", "Fullscreen", "Download as CSV"):
        assert not tab.get_by_role("button", name=english, exact=True).is_visible()
    assert not tab.get_by_text("Type to search").is_visible()
    # every page is listed under a Chinese heading, none folded behind "View N more"
    nav = tab.locator("[data-testid=stSidebarNav]").inner_text()
    assert "View" not in nav and "more" not in nav
    for heading, title in (
        ("工作概况", "总览"),
        ("考核与排名", "红灰黑榜"),
        ("简报与核查", "数据可信度"),
    ):
        assert heading in nav and title in nav
    icons = tab.evaluate("[...document.querySelectorAll('link[rel*=icon]')].map(l => l.href)")
    assert icons and all(urlparse(href).hostname == "127.0.0.1" for href in icons)
    assert tab.outside == []
    first_month_label_is_inside_the_chart(tab)


@pytest.mark.parametrize("tab", ["phone"], indirect=True)
def test_the_first_month_label_of_the_monthly_chart_is_inside_the_chart_on_a_phone(app, tab):
    opened(tab, f"{app}/", "总览")
    first_month_label_is_inside_the_chart(tab)
    screenshot(tab, "shell_overview_phone")


# true once the chart's first x label has the same box in two frames running
TICK_STILL = """chart => { const tick = chart.querySelector('.xtick text');
  if (!tick) return false;
  const box = JSON.stringify(tick.getBoundingClientRect());
  const still = chart.dataset.lastTickBox === box;
  chart.dataset.lastTickBox = box;
  return still; }"""


def first_month_label_is_inside_the_chart(tab) -> None:
    chart = tab.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    # plotly lays the ticks out after the chart is drawn (and again for its margins):
    # wait until the first label stays put from one frame to the next
    tab.wait_for_function(TICK_STILL, arg=chart.element_handle(), polling="raf")
    box = chart.bounding_box()
    first = chart.locator(".xtick text").first
    assert first.text_content().startswith("2025年")
    label = first.bounding_box()
    assert label["x"] >= box["x"] and label["y"] + label["height"] <= box["y"] + box["height"]


# How much of an element shows: the product of its and its ancestors' opacity, and
# whether any of them is visibility:hidden (Playwright's is_visible ignores opacity).
SEEN = """e => { let opacity = 1, hidden = false;
  for (; e; e = e.parentElement) { const cs = getComputedStyle(e);
    opacity *= Number(cs.opacity); hidden = hidden || cs.visibility === "hidden"; }
  return {opacity, hidden}; }"""


@pytest.mark.parametrize("tab", ["phone"], indirect=True)
def test_the_briefing_copy_button_is_in_sight_without_hovering(app, tab):
    opened(tab, f"{app}/briefing", "简报素材")
    button = tab.locator("[data-testid=stCode] button").first
    button.scroll_into_view_if_needed()
    tab.mouse.move(0, 0)  # nothing hovered, as on a phone
    # a CSS fade may still be running after the page settles: wait for it to end, and a
    # button hidden until hovered never gets there
    handle = button.element_handle()
    shown = f"e => {{ const s = ({SEEN})(e); return s.opacity === 1 && !s.hidden; }}"
    try:
        tab.wait_for_function(shown, arg=handle, timeout=5_000)
    except PlaywrightTimeout:
        pass
    assert button.evaluate(SEEN) == {"opacity": 1, "hidden": False}
    screenshot(tab, f"shell_briefing_{tab.width_name}")
