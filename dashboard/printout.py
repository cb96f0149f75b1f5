"""A page as a printable A4 PDF: what the page showed (title, scope, 数据截至, tiles,
charts, tables, notices) laid out for paper, rendered by the system Chromium.

``Sheet`` holds a page's content as plain data; ``dashboard.widgets`` fills one while the
page runs (every tile, chart, table and notice it shows), so a page needs no print code
of its own and the PDF can never show figures the page did not. ``to_html`` lays it
out: header and footer in the page margins (app and page title, scope, 数据截至,
第 n 页，共 m 页), the tiles, then the charts two to a page, then the tables (their
first ``PRINT_ROWS`` rows: the rest is in the page's Excel download) and notices. No
sidebar, no buttons: only content is recorded. ``to_pdf`` prints it.

Why Chromium's own ``--print-to-pdf`` rather than Playwright's ``page.pdf``: Playwright
is a test dependency, the CLI print needs no browser session, and Chromium (>= 131)
draws CSS page-margin boxes (``@page { @bottom-right { content: counter(page) } }``),
so header, footer and page numbers are plain CSS. The charts are drawn in that same
Chromium by the plotly.js shipped with plotly (no network, one browser start per PDF),
as vector text; the fonts (Noto Sans CJK SC) are embedded by Chromium as subsets, and
``pdftext`` makes their text copy as typed (Chromium maps some ideographs to radicals).
Nothing here imports streamlit.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

from dashboard import charts, pdftext

PRINT_ROWS = 30  # a printed table shows this many rows; its Excel download has them all
A4_MM = (210, 297)
MARGINS_MM = {"top": 16, "right": 14, "bottom": 16, "left": 14}
CHART_HEIGHT_MM = 100  # two charts and the tiles fit one A4 page
CHART_WIDTH_MM = A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
PX_PER_MM = 96 / 25.4
TIMEOUT_S = 120
FONT = "Noto Sans CJK SC"

HEADER = "{app} · {title}"
FOOTER_AS_OF = "数据截至 {as_of}"
PAGE_NUMBER = '"第 " counter(page) " 页，共 " counter(pages) " 页"'
MORE_ROWS = "共 {total} 行，此处印出前 {shown} 行；完整数据请在看板中下载表格（Excel）。"
MSG_NO_BROWSER = (
    "找不到 Chromium 浏览器，无法生成 PDF。请安装 Chromium（如 apt install chromium），"
    "或用环境变量 BROWSER_PATH 指明浏览器程序的位置。"
)
MSG_FAILED = "Chromium 未能生成 PDF（{error}）。请重试；仍不行请把这段提示发给管理员。"


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    delta: str | None = None


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    name: str


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    rows: list[list[str]]  # the first PRINT_ROWS rows, written as the page writes them
    total: int


@dataclass(frozen=True)
class Notice:
    headline: str
    items: list[str]
    more: str | None = None


@dataclass
class Sheet:
    """One page's printable content, in the order the page showed it."""

    app: str
    title: str
    scope: str = ""
    as_of: str = ""
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    blocks: list[Table | Notice] = field(default_factory=list)


# --------------------------------------------------------------------------- layout


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _style(sheet: Sheet) -> str:
    m = MARGINS_MM
    header = _css_string(HEADER.format(app=sheet.app, title=sheet.title))
    as_of = _css_string(FOOTER_AS_OF.format(as_of=sheet.as_of)) if sheet.as_of else '""'
    margin_box = f"font-family: '{FONT}'; font-size: 8pt; color: #555;"
    return f"""
@page {{
  size: A4;
  margin: {m["top"]}mm {m["right"]}mm {m["bottom"]}mm {m["left"]}mm;
  @top-left {{ content: {header}; {margin_box} }}
  @top-right {{ content: {_css_string(sheet.scope)}; {margin_box} }}
  @bottom-left {{ content: {as_of}; {margin_box} }}
  @bottom-right {{ content: {PAGE_NUMBER}; {margin_box} }}
}}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: '{FONT}', sans-serif; font-size: 9.5pt; color: #222; }}
h1 {{ font-size: 16pt; margin: 0 0 1mm; }}
.meta {{ color: #555; margin: 0 0 3mm; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 2mm; margin-bottom: 3mm; }}
.tile {{ border: 0.3mm solid #ccd; border-radius: 1mm; padding: 1.5mm 2mm; }}
.tile .label {{ font-size: 8pt; color: #555; }}
.tile .value {{ font-size: 13pt; font-weight: bold; }}
.tile .delta {{ font-size: 7.5pt; color: #555; }}
.pair {{ break-inside: avoid; }}
.pair + .pair, .after-charts {{ break-before: page; }}
.chart {{ width: {CHART_WIDTH_MM}mm; height: {CHART_HEIGHT_MM}mm; margin-bottom: 2mm; }}
h2 {{ font-size: 11pt; margin: 3mm 0 1.5mm; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8pt; }}
thead {{ display: table-header-group; }}
th, td {{ border: 0.2mm solid #bbc; padding: 0.8mm 1.2mm; text-align: left; }}
th {{ background: #eef1f5; }}
tr {{ break-inside: avoid; }}
.note {{ color: #555; font-size: 8pt; }}
.notice {{ border: 0.3mm solid #ccd; border-radius: 1mm; padding: 1.5mm 2mm; margin: 2mm 0;
  break-inside: avoid; }}
"""


def _tiles(tiles: list[Tile]) -> str:
    cells = []
    for t in tiles:
        delta = f'<div class="delta">同比 {html.escape(t.delta)}</div>' if t.delta else ""
        cells.append(
            f'<div class="tile"><div class="label">{html.escape(t.label)}</div>'
            f'<div class="value">{html.escape(t.value)}</div>{delta}</div>'
        )
    return f'<div class="tiles">{"".join(cells)}</div>' if cells else ""


def _table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in t.rows
    )
    note = ""
    if t.total > len(t.rows):
        note = f'<p class="note">{MORE_ROWS.format(total=f"{t.total:,}", shown=len(t.rows))}</p>'
    return (
        f"<h2>{html.escape(t.name)}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}"
    )


def _notice(n: Notice) -> str:
    items = "".join(f"<li>{html.escape(i)}</li>" for i in n.items)
    more = f'<p class="note">{html.escape(n.more)}</p>' if n.more else ""
    return (
        f'<div class="notice"><strong>{html.escape(n.headline)}</strong>'
        f"{f'<ul>{items}</ul>' if items else ''}{more}</div>"
    )


def _chart_json(chart: Chart) -> dict[str, Any]:
    fig = go.Figure(chart.figure)
    fig.update_layout(
        width=round(CHART_WIDTH_MM * PX_PER_MM),
        height=round(CHART_HEIGHT_MM * PX_PER_MM),
        autosize=False,
        font_family=charts.FONT_FAMILY,
        paper_bgcolor="white",
    )
    return json.loads(fig.to_json())


def to_html(sheet: Sheet) -> str:
    """The sheet as one self-contained HTML document laid out for A4 (see the module
    docstring); the charts are drawn by the inlined plotly.js when it loads."""
    meta = "　·　".join(
        part
        for part in (sheet.scope, FOOTER_AS_OF.format(as_of=sheet.as_of) if sheet.as_of else "")
        if part
    )
    pairs = [sheet.charts[i : i + 2] for i in range(0, len(sheet.charts), 2)]
    chart_html = "".join(
        '<div class="pair">'
        + "".join(f'<div class="chart" id="chart{2 * p + j}"></div>' for j in range(len(pair)))
        + "</div>"
        for p, pair in enumerate(pairs)
    )
    blocks = "".join(_table(b) if isinstance(b, Table) else _notice(b) for b in sheet.blocks)
    if blocks and sheet.charts:
        blocks = f'<div class="after-charts">{blocks}</div>'
    figures = json.dumps([_chart_json(c) for c in sheet.charts], ensure_ascii=False)
    plotly_js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(
        encoding="utf-8"
    )
    draw = (
        f"const figures = {figures};"
        "figures.forEach((f, i) => Plotly.newPlot('chart' + i, f.data, f.layout,"
        " {staticPlot: true}));"
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(sheet.title)}</title><style>{_style(sheet)}</style>"
        f"<script>{plotly_js}</script></head><body>"
        f'<h1>{html.escape(sheet.title)}</h1><p class="meta">{html.escape(meta)}</p>'
        f"{_tiles(sheet.tiles)}{chart_html}{blocks}<script>{draw}</script></body></html>"
    )


# --------------------------------------------------------------------------- printing


def browser() -> str:
    """The Chromium to print with: ``BROWSER_PATH``, else the first found on PATH."""
    found = os.environ.get("BROWSER_PATH") or next(
        filter(None, map(shutil.which, charts._BROWSERS)), None
    )
    if not found:
        raise RuntimeError(MSG_NO_BROWSER)
    return found


def to_pdf(sheet: Sheet) -> bytes:
    """The sheet printed to an A4 PDF by headless Chromium (a few seconds).

    Raises ``RuntimeError`` with a Chinese message when no Chromium is found or it fails.
    """
    with tempfile.TemporaryDirectory(prefix="wenming-print-") as folder:
        page, out = Path(folder) / "page.html", Path(folder) / "page.pdf"
        page.write_text(to_html(sheet), encoding="utf-8")
        command = [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",  # let plotly.js finish drawing before printing
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RuntimeError(MSG_FAILED.format(error=error)) from error
        if not out.is_file() or out.stat().st_size == 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [
                f"退出码 {done.returncode}"
            ]
            raise RuntimeError(MSG_FAILED.format(error=reason[0]))
        return pdftext.readable_text(out.read_bytes())
