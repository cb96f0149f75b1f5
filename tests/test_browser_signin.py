"""Sign-in in a real browser: ``streamlit run`` on the fixture county with an account
store, driven by the system Chromium (see tests/test_browser.py)."""

from __future__ import annotations

import pytest
from test_browser import SB, browser, expect_tile, page, screenshot, serve, settle  # noqa: F401

from dashboard import audit
from dashboard.accounts import LEADER, Store

pytestmark = pytest.mark.browser
PASSWORD = "zhen-zhang-2025"


@pytest.fixture(scope="module")
def signin_server(fixture_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("accounts") / "fixture.accounts.sqlite"
    store = Store(path)
    store.add("lead", "李镇长", LEADER, "SB", PASSWORD)
    with serve(fixture_db, "signin-server.log", WENMING_ACCOUNTS=str(path)) as base:
        yield base, store


def test_a_deep_link_asks_to_sign_in_then_opens_its_page_on_the_accounts_scope(
    signin_server,
    page,  # noqa: F811
):
    base, store = signin_server
    page.goto(f"{base}/service")
    page.get_by_role("heading", name="登录文明实践数据看板", level=1).wait_for(timeout=30_000)
    settle(page)
    assert page.locator("[data-testid=stMetric]").count() == 0
    page.get_by_label("用户名").fill("lead")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="服务人次", level=1).wait_for(timeout=30_000)
    settle(page)
    # 峡窝镇's 服务人次 this year: A04 120 + A05 61 + A06 30 + A07 3 + A08 1 + A12 45
    expect_tile(page, "服务人次", "260人次")
    assert page.get_by_text(f"当前账号：李镇长（领导 · {SB}）").is_visible()
    screenshot(page, "signin-service-as-town-leader")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_text("已退出登录。").wait_for(timeout=30_000)
    assert [r["action"] for r in audit.entries(store)] == [audit.SIGN_IN_OK, audit.SIGN_OUT]


def test_a_refresh_stays_signed_in_and_after_signing_out_the_old_cookie_signs_nobody_in(
    signin_server,
    browser,  # noqa: F811
):
    base, _ = signin_server
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()  # noqa: F811
    try:
        page.goto(f"{base}/coverage")
        page.get_by_label("用户名").fill("lead", timeout=60_000)
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="阵地覆盖", level=1).wait_for(timeout=60_000)
        settle(page)
        cookie = next(c for c in context.cookies() if c["name"] == "wenming_session")
        assert cookie["sameSite"] == "Strict" and cookie["expires"] == -1  # gone on close
        page.reload()
        page.get_by_role("heading", name="阵地覆盖", level=1).wait_for(timeout=60_000)
        settle(page)
        assert page.get_by_text(f"当前账号：李镇长（领导 · {SB}）").is_visible()
        page.get_by_role("button", name="退出登录").click()
        page.get_by_text("已退出登录。").wait_for(timeout=60_000)
        settle(page)
        assert all(c["name"] != "wenming_session" for c in context.cookies())
        page.reload()
        page.get_by_role("heading", name="登录文明实践数据看板", level=1).wait_for(timeout=60_000)
        # the signed-out token, sent again as a cookie, is refused by the account store
        context.add_cookies([{**cookie, "sameSite": "Strict"}])
        page.reload()
        page.get_by_role("heading", name="登录文明实践数据看板", level=1).wait_for(timeout=60_000)
        settle(page)
        assert page.locator("[data-testid=stMetric]").count() == 0
    finally:
        context.close()
