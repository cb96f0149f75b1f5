"""The whole app once in a real browser: ``streamlit run`` on the fixture county (and, for
an upload and its withdrawal, on the county demo), driven by the system Chromium through
Playwright. Screenshots land in tests/artifacts/.

Run with ``pytest -m browser``; skipped when Chromium is not installed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from dashboard import ui
from pipelines.build import cache_dir
from pipelines.settings import salt_path

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# page url_path → (tile label, the figure it shows for 本年 over the whole county);
# worked out in tests/test_app.py from the fixture's rows
HEADLINES = {"overview": ("服务人次", "552人次"), "coverage": ("覆盖率", "71.4%")}
SB = "峡窝镇新时代文明实践所"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(db: Path, log_name: str, **env_extra: str):
    """``streamlit run`` on a free port with WENMING_DB=db; yields its base URL."""
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("streamlit")),
        "run",
        "dashboard/app.py",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        f"--server.port={port}",
    ]
    env = {**os.environ, "WENMING_DB": str(db), **env_extra}
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / log_name).open("w")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {ARTIFACTS / log_name}")
            time.sleep(0.1)  # polls the health endpoint until the server answers
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def server(fixture_server):
    """The app on the fixture county, shared with the other browser tests that read it."""
    return fixture_server


@pytest.fixture
def browser(browser):
    """The worker's one Chromium (tests/conftest.py), under the name the other browser
    test files import from here."""
    return browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


# resolves once the browser has painted the frame after the current one: what the last
# message of a run changed is on screen (a condition, where a fixed wait only guessed)
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# every plotly chart drawn at its container's width (after a resize)
CHARTS_FIT = """() => [...document.querySelectorAll('.js-plotly-plot')].every(plot => {
  const svg = plot.querySelector('.main-svg');
  return !svg || Math.abs(svg.getBoundingClientRect().width - plot.clientWidth) < 2; })"""


def settle(page) -> None:
    """Wait until the script has finished, nothing is still loading and that is painted."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=30_000)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=30_000)
    page.evaluate(PAINTED)


def open_page(page, url: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=30_000)
    settle(page)


def expect_tile(page, label: str, value: str) -> None:
    """The tile ``label`` shows ``value`` (retried for a while: a rerun may be under way)."""
    from playwright.sync_api import expect

    metric = page.locator("[data-testid=stMetric]").filter(
        has=page.locator("[data-testid=stMetricLabel]", has_text=re.compile(f"^{label}$"))
    )
    expect(metric.locator("[data-testid=stMetricValue]")).to_have_text(value, timeout=15_000)


def screenshot(page, name: str) -> None:
    """A full-page screenshot: the app scrolls inside its own container, so the
    viewport is stretched to the content first."""
    width = page.viewport_size["width"]
    height = page.evaluate(
        "document.querySelector('[data-testid=stMainBlockContainer]').scrollHeight"
    )
    page.set_viewport_size({"width": width, "height": int(height) + 160})
    page.wait_for_function(CHARTS_FIT, timeout=15_000)  # plotly redraws at the new size
    page.evaluate(PAINTED)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def assert_clean(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    assert "Traceback" not in page.inner_text("[data-testid=stApp]")


@pytest.mark.parametrize("spec", ui.PAGES, ids=lambda spec: spec.url_path)
def test_every_page_opens_in_a_browser(server, page, spec):
    path = "" if spec is ui.PAGES[0] else spec.url_path  # the default page is served at /
    open_page(page, f"{server}/{path}", spec.title)
    assert_clean(page)
    assert "数据截至 2025年4月15日" in page.inner_text("[data-testid=stApp]")
    if spec.url_path in HEADLINES:
        expect_tile(page, *HEADLINES[spec.url_path])
    screenshot(page, f"{spec.url_path}_1280")


def test_a_deep_link_works_as_the_first_visit_after_a_restart(fixture_db, page):
    # The first run after a start sets the client options and reruns once; that rerun,
    # and Streamlit's v1 handling of a pages/ folder, once sent such a visitor elsewhere.
    with serve(fixture_db, "server_fresh.log") as fresh:
        open_page(page, f"{fresh}/coverage?unit={quote(SB)}&period={quote('本季度')}", "阵地覆盖")
        expect_tile(page, "村（社区）", "3个")
        assert "/coverage" in page.url and "2025年4月1日" in page.inner_text("[data-testid=stApp]")
        assert page.get_by_text("Deploy").count() == 0  # the client options are in force


def test_the_scope_travels_in_the_url_and_across_pages(server, page):
    open_page(page, server, "总览")
    page.locator(".st-key-period button", has_text="本季度").click()
    expect_tile(page, "服务人次", "46人次")  # 2025-04-01..04-15: A08 (1 人次) and A12 (45)
    page.locator(".st-key-unit [data-testid=stSelectbox]").click()
    page.get_by_role("option", name=SB).click()
    expect_tile(page, "覆盖率", "100.0%")  # SB's three villages are all served
    assert f"unit={quote(SB)}" in page.url and f"period={quote('本季度')}" in page.url
    page.locator("[data-testid=stSidebarNav] a", has_text="阵地覆盖").click()
    page.get_by_role("heading", name="阵地覆盖", level=1).wait_for()
    settle(page)
    assert f"unit={quote(SB)}" in page.url
    expect_tile(page, "村（社区）", "3个")  # SB's villages 410106002001..003
    page.reload()
    page.get_by_role("heading", name="阵地覆盖", level=1).wait_for()
    settle(page)
    expect_tile(page, "村（社区）", "3个")
    assert_clean(page)


def test_a_deep_link_keeps_its_scope_through_the_alert_links(server, page):
    open_page(page, f"{server}/?unit={quote(SB)}&period={quote('本季度')}", "总览")
    expect_tile(page, "服务人次", "46人次")
    # the first of the two links to 阵地覆盖 (the second opens its silent stations)
    page.locator("[data-testid=stPageLink] a", has_text="阵地覆盖").first.click()
    page.get_by_role("heading", name="阵地覆盖", level=1).wait_for()
    settle(page)
    expect_tile(page, "村（社区）", "3个")
    assert "2025年4月1日 至 2025年4月15日" in page.inner_text("[data-testid=stApp]")


def test_picking_a_row_of_the_ranking_drills_down(server, page):
    open_page(page, server, "总览")
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # the grid is a canvas: click the selection box of the first row (header and rows
    # are 35 px high); that row is 峡窝镇…所, the busiest unit below the county
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    expect_tile(page, "服务人次", "260人次")  # A04 120, A05 61, A06 30, A07 3, A08 1, A12 45
    assert f"unit={quote(SB)}" in page.url


def test_tables_download_as_xlsx_and_charts_as_png_when_clicked(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        open_page(page, server, "总览")
        with page.expect_download(timeout=60_000) as download:
            page.locator("[data-testid=stDownloadButton] button", has_text="下载表格").first.click()
        assert download.value.suggested_filename == "下级阵地排名_全部阵地.xlsx"
        assert Path(download.value.path()).read_bytes()[:2] == b"PK"
        with page.expect_download(timeout=60_000) as download:
            page.locator("[data-testid=stDownloadButton] button", has_text="下载图片").first.click()
        assert download.value.suggested_filename == "各月服务人次.png"
        assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert_clean(page)
    finally:
        context.close()


def test_the_print_button_downloads_the_pages_a4_pdf(server, browser):
    from pypdf import PdfReader

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        open_page(page, server, "总览")
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="打印/导出PDF").click()
        assert download.value.suggested_filename == "总览.pdf"
        pdf = PdfReader(download.value.path())
        text = "".join(p.extract_text() for p in pdf.pages)
        assert f"第 1 页，共 {len(pdf.pages)} 页" in text and "数据截至 2025年4月15日" in text
        assert "服务人次" in text and "552" in text  # the tile, as on the page
        assert "打印/导出PDF" not in text and "数据导入与质量" not in text
    finally:
        context.close()


def test_the_overview_reads_on_a_phone(server, browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN"
    )
    phone = context.new_page()
    try:
        open_page(phone, server, "总览")
        expect_tile(phone, "服务人次", "552人次")
        # tiles wrap two to a row instead of squeezing eight into one
        boxes = [m.bounding_box() for m in phone.locator("[data-testid=stMetric]").all()]
        assert len({round(box["y"]) for box in boxes}) >= 4
        assert all(box["x"] + box["width"] <= 390 for box in boxes)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "overview_390")
    finally:
        context.close()


# A month's ledger of 五云联合新时代文明实践站 (a demo station), as Excel saves a CSV on a
# Chinese Windows (GBK): three activities of 2025 with headcounts and no sign-ins.
UPLOAD_CSV = """活动编码,活动名称,阵地编码,服务类别,开始时间,参与人次
UP2025000001,四点半课堂,Z410106100011,课堂,2025-04-02 16:30,18
UP2025000002,广场舞展演,Z410106100011,文艺演出,2025/4/9,120
UP2025000003,反诈宣传,Z410106100011,反诈,2025年4月20日,35
"""


def overview_tiles(page, base: str) -> dict[str, str]:
    open_page(page, f"{base}/", "总览")
    expect_tile(page, "活动场次", re.compile(r"\d"))
    metrics = page.locator("[data-testid=stMetric]")
    return {
        m.locator("[data-testid=stMetricLabel]").inner_text(): m.locator(
            "[data-testid=stMetricValue]"
        ).inner_text()
        for m in metrics.all()
    }


def as_int(text: str) -> int:
    """A tile's count without its separators and unit: ``1,234场次`` → 1234."""
    return int(re.sub(r"[^0-9]", "", text))


@pytest.fixture
def demo_warehouse(demo_db):
    """The county demo, built from its folder as ``make run`` builds it (shared by the run:
    the test copies it before changing it)."""
    return demo_db


def test_an_upload_on_the_demo_adds_exactly_its_rows_and_withdrawing_it_takes_them_back(
    browser, demo_warehouse, tmp_path
):
    rows = list(csv.DictReader(io.StringIO(UPLOAD_CSV)))
    upload = tmp_path / "活动_2025-04.csv"
    upload.write_text(UPLOAD_CSV, encoding="gb18030")
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse, db)
    # with what `make run` leaves beside it: the salt and the staged ledgers
    shutil.copyfile(salt_path(demo_warehouse), salt_path(db))
    shutil.copytree(cache_dir(demo_warehouse), cache_dir(db))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        with serve(db, "server_upload.log", WENMING_LEDGERS=str(tmp_path / "ledgers")) as base:
            before = overview_tiles(page, base)
            open_page(page, f"{base}/data", "数据导入与质量")
            page.locator("input[type=file]").first.set_input_files(str(upload))
            page.get_by_role("button", name="预览导入").click()
            page.get_by_text("待确认的变更").wait_for(timeout=60_000)
            settle(page)
            preview = page.locator(".st-key-data_preview_box")
            # the preview: 活动 +3 rows read, +3 loaded, nothing else; the file by its name
            assert re.search(r"活动\s+\+3\s+\+3\s+0\s+0", preview.inner_text())
            assert "活动_2025-04.csv" in preview.inner_text()
            screenshot(page, "data_preview")
            page.get_by_role("button", name="确认导入").click()
            page.get_by_text("已导入，数据仓库已重新构建。").first.wait_for(timeout=60_000)
            assert_clean(page)
            after = overview_tiles(page, base)
            assert as_int(after["活动场次"]) == as_int(before["活动场次"]) + len(rows)
            assert as_int(after["服务人次"]) == as_int(before["服务人次"]) + sum(
                int(r["参与人次"]) for r in rows
            )
            unchanged = {k: v for k, v in after.items() if k not in ("活动场次", "服务人次")}
            assert unchanged == {k: v for k, v in before.items() if k in unchanged}

            open_page(page, f"{base}/data", "数据导入与质量")
            pick = page.locator(".st-key-data_withdraw_pick input")
            pick.click()
            pick.press_sequentially("活动_2025-04")
            page.locator("[role=option]", has_text="活动_2025-04.csv").wait_for()
            pick.press("Enter")
            page.get_by_role("button", name="预览撤回").click()
            page.get_by_text("将撤回“活动_2025-04.csv”").wait_for(timeout=60_000)
            settle(page)
            page.get_by_role("button", name="确认撤回").click()
            page.get_by_text("已撤回，数据仓库已重新构建。").first.wait_for(timeout=60_000)
            assert overview_tiles(page, base) == before
    finally:
        context.close()


def test_mapping_the_issue_workbook_on_the_page_changes_the_overview(browser, tmp_path):

    import clerk_layouts

    from pipelines.build import build

    year = dt.date.today().year - 1  # always in the past; 本年 is the year the data ends in
    folder, db = tmp_path / "ledgers", tmp_path / "warehouse.duckdb"
    units = "\n".join(",".join(row) for row in clerk_layouts.UNITS) + "\n"
    folder.mkdir(parents=True)  # files put in the ledger folder by hand, built once by the CLI
    (folder / "阵地.csv").write_text(units, encoding="utf-8")
    template = f"活动编码,活动名称,阵地编码,服务类别,开始时间,参与人次\nHD9,读书会,Z2,教育,{year}-03-05,40\n"
    (folder / "活动.csv").write_text(template, encoding="utf-8")
    rows = [(year, *row[1:]) for row in clerk_layouts.ISSUE_ROWS]
    clerk_layouts.write_book(
        folder / "2024年活动台账.xlsx", {"Sheet1": clerk_layouts.issue_workbook_rows(rows)}
    )
    build([folder], db)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        with serve(db, "server_mapping.log", WENMING_LEDGERS=str(folder)) as base:
            open_page(page, f"{base}/", "总览")
            expect_tile(page, "活动场次", "1场次")
            expect_tile(page, "服务人次", "40人次")
            open_page(page, f"{base}/mapping", "台账格式映射")
            screenshot(page, "mapping_open")
            page.locator(".st-key-map_unit input").fill("S1")
            page.locator(".st-key-map_unit input").press("Enter")
            settle(page)
            page.get_by_role("button", name="预览").click()
            settle(page)
            from playwright.sync_api import expect

            # 读入行数, 将入库, 重复, 将退回 per table: 3 activities, 5 headcount lines
            for table, rows in (("activities", "3"), ("attendance", "5")):
                values = page.locator(f".st-key-map_counts_{table} [data-testid=stMetricValue]")
                expect(values).to_have_text([rows, rows, "0", "0"], timeout=15_000)
            assert_clean(page)
            screenshot(page, "mapping_preview")
            page.get_by_role("button", name="保存格式并重新构建").click()
            page.get_by_text("已保存报送格式").first.wait_for(timeout=60_000)
            settle(page)
            screenshot(page, "mapping_saved")
            open_page(page, f"{base}/", "总览")
            expect_tile(page, "活动场次", "4场次")
            # 40 + headcount lines 20 + 5, 30, 8 + 12
            expect_tile(page, "服务人次", "115人次")
            assert_clean(page)
    finally:
        context.close()
