"""The briefing's charts: plotly figures, exported as PNG (300 dpi, 16 cm wide) and
SVG through the system Chromium, and the zip of them."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from dashboard import charts, texts
from dashboard.briefing.gather import NAME_SUFFIX, Briefing, period_label, place_name
from dashboard.briefing.wording import (
    CHART_BRANDS,
    CHART_CATEGORIES,
    CHART_SATISFACTION,
    CHART_TREND,
    CHART_UNITS,
    RATED_LABEL,
    SOURCE,
    SOURCE_UNIT,
    WHOLE_ENDINGS,
)
from dashboard.numbers import (
    format_percent,
)


def source_line(b: Briefing) -> str:
    """ "数据来源：上街区新时代文明实践台账，截至2025年3月31日"."""
    if b.unit is None:
        source = SOURCE.format(place="")
    elif b.unit["level"] in WHOLE_ENDINGS:
        source = SOURCE.format(place=place_name(b.unit))
    else:
        source = SOURCE_UNIT.format(name=b.unit["name"])
    return charts.source_text(source, b.data_end)


def chart_titles(b: Briefing) -> dict[str, str]:
    """Each chart's title by file stem: "上街区2025年第一季度各月活动场次"."""
    names = {"place": place_name(b.unit), "period": period_label(b.scope.date_from, b.data_end)}
    templates = (CHART_TREND, CHART_UNITS, CHART_CATEGORIES, CHART_BRANDS, CHART_SATISFACTION)
    return {stem: template.format(**names) for stem, template in templates}


def chart_figures(b: Briefing) -> dict[str, go.Figure]:
    """The five briefing charts by file stem (``chart_titles``), each titled with scope
    and period and carrying the source line."""
    titles = chart_titles(b)
    # "济源路街道" for 济源路街道新时代文明实践所: labels must fit a 16 cm chart
    units = [{**row, "name": NAME_SUFFIX.sub("", row["name"]) or row["name"]} for row in b.by_unit]
    rated = [
        {**row, "name": RATED_LABEL.format(name=row["name"], ratings=row["ratings"])}
        for row in units
        if row["ratings"]
    ]
    active = [row for row in b.brands if row["activities"]]
    figures = {
        CHART_TREND[0]: charts.monthly_trend(b.by_month, "activities", titles[CHART_TREND[0]]),
        CHART_UNITS[0]: charts.bar_by(units, "name", "activities", titles[CHART_UNITS[0]]),
        CHART_CATEGORIES[0]: charts.category_pie_or_bar(
            b.by_category, "category", "activities", titles[CHART_CATEGORIES[0]]
        ),
        CHART_BRANDS[0]: charts.brand_ranking(active, titles[CHART_BRANDS[0]]),
        CHART_SATISFACTION[0]: charts.bar_by(
            rated,
            "name",
            "satisfaction_rate",
            titles[CHART_SATISFACTION[0]],
            value_format=format_percent,
        ),
    }
    line = source_line(b)
    return {stem: charts.with_source_line(fig, line) for stem, fig in figures.items()}


def export_charts(
    figures: Mapping[str, go.Figure], *, width_cm: float = 16, dpi: int = 300
) -> dict[str, bytes]:
    """``{"01_月度趋势.png": …, "01_月度趋势.svg": …}``: each figure as a 300-dpi PNG and an
    SVG, ``width_cm`` wide, rendered like ``charts.to_png``/``to_svg`` but by one
    Chromium for the whole batch (10 exports take ~5 s instead of ~30 s).

    The browser is private to this call, so concurrent sessions never share it.
    Raises RuntimeError (in Chinese) when no Chromium can be found.
    """
    from PIL import Image

    jobs: list[tuple[str, go.Figure, dict[str, Any]]] = []
    for stem, fig in figures.items():
        # the same print geometry as charts.to_png / charts.to_svg (it reads charts'
        # private _layout_size: a batch export belongs in charts and should move there)
        width, height = charts._layout_size(fig, width_cm, None)
        target_width = round(width_cm / charts.CM_PER_INCH * dpi)
        scale = (target_width + 0.25) / width
        target_height = round(height / charts.CSS_PX_PER_INCH * dpi)
        png_height = (target_height + 0.25) / scale
        png = {"format": "png", "width": width, "height": png_height, "scale": scale}
        jobs.append((f"{stem}.png", fig, png))
        svg = {"format": "svg", "width": width, "height": height, "scale": 1}
        jobs.append((f"{stem}.svg", fig, svg))
    rendered = _render_batch([(fig, opts) for _, fig, opts in jobs])
    out: dict[str, bytes] = {}
    for (name, _, opts), data in zip(jobs, rendered, strict=True):
        if opts["format"] == "png":
            # kaleido writes no pHYs chunk; without one Word places the image at 96 dpi
            image = Image.open(io.BytesIO(data)).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", dpi=(dpi, dpi))
            data = buffer.getvalue()
        out[name] = data
    return out


def _render_batch(jobs: Sequence[tuple[go.Figure, dict[str, Any]]]) -> list[bytes]:
    """Render every (figure, kaleido opts) with one Chromium, in a thread of its own (an
    event loop may already run in the caller's, e.g. Streamlit's)."""
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    kopts: dict[str, Any] = {"mathjax": False}
    browser = _browser()
    if browser:
        kopts["path"] = browser

    async def render() -> list[bytes]:
        async with kaleido.Kaleido(**kopts) as k:
            return [await k.calc_fig(fig, opts=opts) for fig, opts in jobs]

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(render())
        except BaseException as error:  # handed to the caller's thread
            result["error"] = error

    thread = threading.Thread(target=target, name="briefing-export")
    thread.start()
    thread.join()
    error = result.get("error")
    if isinstance(error, ChromeNotFoundError):
        raise RuntimeError(texts.EXPORT_NO_BROWSER) from error
    if error is not None:
        raise error
    return result["value"]


def _browser() -> str | None:
    import os
    import shutil

    return os.environ.get("BROWSER_PATH") or next(
        filter(None, map(shutil.which, charts._BROWSERS)), None
    )


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """The files in one zip (names kept, UTF-8)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
