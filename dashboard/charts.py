"""Chart builders: plain rows in, plotly figure out, and the exports a briefing needs.

Builders take a list of dicts (what the metrics layer returns; a Polars DataFrame is
accepted too) and return a ``go.Figure`` styled for a government report: Noto Sans CJK SC,
a sober navy-and-muted-red palette, a title that states the question the chart answers,
and labels written by ``dashboard.numbers``. Nothing here imports streamlit.

Exports (``to_png``, ``to_svg``) render through kaleido 1.x and the system Chromium;
each call starts a browser and takes a few seconds, so call them when a user asks.
Sizes follow CSS: 96 layout pixels to the inch, so a font of 12 px prints at 9 pt and
a 16 cm wide export lays the chart out 605 px wide whatever its width on screen.
"""

from __future__ import annotations

import io
import math
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from dashboard import texts
from dashboard.metrics.catalog import METRIC_LABELS
from dashboard.numbers import (
    brief_percent,
    brief_score,
    format_count,
    format_date,
    format_month,
    format_percent,
    parse_date,
)

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans CJK, sans-serif"
PRIMARY = "#1F4E79"  # navy: the figure itself
ACCENT = "#A23B2A"  # muted red: what needs attention (low scores)
NEUTRAL = "#8C96A0"  # grey: the middle
PALETTE = (PRIMARY, ACCENT, "#5B7E96", "#B8893A", "#4F7F5A", "#7A5C8E", NEUTRAL, "#2F3B4A")
TEXT_COLOR = "#222222"
GRID_COLOR = "#E3E6EA"

CSS_PX_PER_INCH = 96
CM_PER_INCH = 2.54
DEFAULT_HEIGHT_CM = 10.0
_SOURCE_LINE_PX = 28
_PRINT_WIDTH_PX = 605  # 16 cm at 96 px to the inch
_MAP_HEIGHT_PX = 480
_CROWD = 50  # up to this many circles a map draws them at full size
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

Rows = Iterable[Mapping[str, Any]]
Formatter = Callable[[object], str]


# ---------------------------------------------------------------------------
# Shared layout
# ---------------------------------------------------------------------------


def base_layout(title: str, *, bottom: int = 40, **extra: Any) -> dict[str, Any]:
    """Return the layout every chart shares, with ``extra`` merged on top.

    ``bottom`` is the bottom margin in px: room for the x axis's labels and title.
    """
    layout: dict[str, Any] = {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "pad": {"l": 16},
            "font": {"size": 16},
        },
        "font": {"family": FONT_FAMILY, "size": 12, "color": TEXT_COLOR},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "colorway": list(PALETTE),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 16, "r": 24, "t": 56, "b": bottom},
        "showlegend": False,
        "separators": ".,",
        # The x axis may not grow the bottom margin: each builder sizes it, so that
        # with_source_line knows where the figure ends.
        "xaxis": _axis(automargin="width"),
        "yaxis": _axis(),
    }
    layout.update(extra)
    return layout


def _axis(**extra: Any) -> dict[str, Any]:
    """Return an axis with light grid, plain numbers (``20,000``, never ``20k``)."""
    axis: dict[str, Any] = {
        "gridcolor": GRID_COLOR,
        "zerolinecolor": GRID_COLOR,
        "linecolor": "#B0B7BF",
        "automargin": True,
        "exponentformat": "none",
        "separatethousands": True,
        "title": {"text": "", "font": {"size": 12}},
    }
    axis.update(extra)
    return axis


def _tickformat(value_format: Formatter) -> str | None:
    """Return the axis tick format matching a value formatter (shares as percents)."""
    return ".0%" if value_format in (format_percent, brief_percent) else None


def _as_rows(data: Any) -> list[Mapping[str, Any]]:
    """Return the rows as a list of mappings; a Polars DataFrame is accepted too."""
    if hasattr(data, "to_dicts"):
        return data.to_dicts()
    return list(data)


def _num(value: Any) -> float | None:
    """Return a plotting coordinate: a float, or None (a gap, never a 0) when unknown."""
    return None if value is None else float(value)


def _rank(value: Any) -> float:
    """Return a sort key for a value: an unknown value ranks below every known one."""
    return -math.inf if value is None else float(value)


def _label(key: str, explicit: str | None) -> str:
    return explicit if explicit is not None else METRIC_LABELS.get(key, key)


def _share(part: Any, whole: Any) -> Decimal | None:
    """Return part/whole as an exact Decimal, None when whole is 0."""
    whole_d = Decimal(str(whole or 0))
    if whole_d == 0:
        return None
    return Decimal(str(part or 0)) / whole_d


def empty_figure(title: str) -> go.Figure:
    """Return a figure that says there is nothing to show."""
    fig = go.Figure(layout=base_layout(title))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=texts.NO_DATA, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False
    )
    return fig


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------


def monthly_trend(
    rows: Rows,
    value_key: str,
    title: str,
    *,
    month_key: str = "month",
    series_key: str | None = None,
    value_label: str | None = None,
    value_format: Formatter = format_count,
) -> go.Figure:
    """Return a line chart of one figure by month, one line per ``series_key`` value.

    ``rows``: one row per month (and series), ``month`` a date (any day of the month)
    or an ISO string. Ticks read ``3月``, with the year on the first month and on
    January (``2025年3月``); hover shows the full month and the formatted value.
    """
    rows = _as_rows(rows)
    if not rows:
        return empty_figure(title)
    label = _label(value_key, value_label)
    months = sorted({parse_date(row[month_key]).replace(day=1) for row in rows})
    series: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        series.setdefault(row[series_key] if series_key else label, []).append(row)

    fig = go.Figure(layout=base_layout(title, bottom=36, showlegend=series_key is not None))
    for name, members in series.items():
        members = sorted(members, key=lambda row: parse_date(row[month_key]))
        fig.add_trace(
            go.Scatter(
                x=[parse_date(row[month_key]).replace(day=1) for row in members],
                y=[_num(row[value_key]) for row in members],
                name=str(name),
                mode="lines+markers",
                line={"width": 2.5},
                marker={"size": 7},
                customdata=[
                    [format_month(row[month_key]), value_format(row[value_key])] for row in members
                ],
                hovertemplate=f"%{{customdata[0]}}<br>{label}：%{{customdata[1]}}<extra>{name}</extra>",
            )
        )
    step = math.ceil(len(months) / 12)
    ticks = months[::step]
    fig.update_xaxes(
        type="date",
        tickvals=ticks,
        ticktext=[_short_month(month, i == 0) for i, month in enumerate(ticks)],
        # half a month of room on each side: the first tick's label (2025年1月), centred
        # on the axis's first point, would otherwise stick out past the left edge
        range=[months[0] - timedelta(days=16), months[-1] + timedelta(days=16)],
    )
    # a narrow chart (two to a row, a phone, print) turns the labels; the margin must
    # then hold 2025年1月 standing on end, or its year is cut off at the bottom
    fig.update_layout(margin={"b": _TURNED_MONTH_PX})
    fig.update_yaxes(title_text=label, rangemode="tozero", tickformat=_tickformat(value_format))
    if series_key:
        fig.update_layout(
            legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
            margin={"t": 84},
        )
    return fig


_TURNED_MONTH_PX = 76  # bottom margin under month ticks that may be turned upright


LAST_YEAR = "上年同期"
THIS_PERIOD = "本期"


def with_last_year(
    fig: go.Figure,
    previous: Rows,
    value_key: str,
    *,
    month_key: str = "month",
    value_label: str | None = None,
    value_format: Formatter = format_count,
) -> go.Figure:
    """``fig`` (a ``monthly_trend`` of one series) with last year's line beside it.

    ``previous``: the monthly rows of the same period last year; each is drawn over the
    month a year later (dashed, grey) and its hover names its own month, so March 2024
    sits under March 2025 and reads ``2024年3月``. No rows: ``fig`` unchanged.
    """
    rows = _as_rows(previous)
    if not rows or not fig.data:
        return fig
    label = _label(value_key, value_label)
    rows = sorted(rows, key=lambda row: parse_date(row[month_key]))
    fig.data[0].name = THIS_PERIOD
    fig.add_trace(
        go.Scatter(
            x=[_year_later(parse_date(row[month_key]).replace(day=1)) for row in rows],
            y=[_num(row[value_key]) for row in rows],
            name=LAST_YEAR,
            mode="lines+markers",
            line={"width": 2, "dash": "dash", "color": NEUTRAL},
            marker={"size": 6, "color": NEUTRAL},
            customdata=[
                [format_month(row[month_key]), value_format(row[value_key])] for row in rows
            ],
            hovertemplate=f"%{{customdata[0]}}<br>{label}：%{{customdata[1]}}<extra>{LAST_YEAR}</extra>",
        )
    )
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"t": 84},
    )
    return fig


def _year_later(month: Any) -> Any:
    return month.replace(year=month.year + 1)


def _short_month(month: Any, first: bool) -> str:
    """Return ``3月``, or ``2025年3月`` for the first tick and for January."""
    return format_month(month) if first or month.month == 1 else f"{month.month}月"


def bar_by(
    rows: Rows,
    label_key: str,
    value_key: str,
    title: str,
    horizontal: bool = True,
    *,
    value_label: str | None = None,
    value_format: Formatter = format_count,
    sort: bool = True,
    colors: list[str] | None = None,
    id_key: str | None = None,
) -> go.Figure:
    """Return a bar chart of one figure by a label (town, station, category…).

    Sorted largest first unless ``sort=False``; horizontal bars read top to bottom.
    Each bar is labelled with its value written by ``value_format``. With ``id_key``
    each bar's customdata ends with its row's ``id_key`` (what a click selected).
    """
    rows = _as_rows(rows)
    if not rows:
        return empty_figure(title)
    if sort:
        rows = sorted(rows, key=lambda row: _rank(row[value_key]), reverse=True)
    label = _label(value_key, value_label)
    names = [str(row[label_key]) for row in rows]
    values = [_num(row[value_key]) for row in rows]
    written = [value_format(row[value_key]) for row in rows]
    bar = go.Bar(
        x=values if horizontal else names,
        y=names if horizontal else values,
        orientation="h" if horizontal else "v",
        marker={"color": colors or PRIMARY},
        text=written,
        textposition="outside",
        cliponaxis=False,
        customdata=[
            [name, text, *([row[id_key]] if id_key else [])]
            for name, text, row in zip(names, written, rows, strict=True)
        ],
        hovertemplate=f"%{{customdata[0]}}<br>{label}：%{{customdata[1]}}<extra></extra>",
    )
    value_axis = {"title_text": label, "tickformat": _tickformat(value_format)}
    if horizontal:
        fig = go.Figure(bar, layout=base_layout(title, bottom=64))
        fig.update_xaxes(**value_axis, showgrid=True)
        fig.update_yaxes(autorange="reversed", showgrid=False, ticksuffix=" ")
        fig.update_layout(height=max(320, 30 * len(rows) + 130), margin={"r": 64})
    else:
        # Labels are 12 px characters; when they cannot stand side by side on a
        # print-width (605 px) chart they are turned 45° and the margin grows to fit.
        longest = max(len(name) for name in names)
        turned = len(names) * (longest * 12 + 8) > 540
        bottom = 24 + round(longest * 12 * 0.71) + 8 if turned else 36
        fig = go.Figure(bar, layout=base_layout(title, bottom=bottom))
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(showgrid=False, tickangle=-45 if turned else 0)
    return fig


def category_pie_or_bar(
    rows: Rows,
    label_key: str,
    value_key: str,
    title: str,
    *,
    max_slices: int = 6,
    value_label: str | None = None,
    value_format: Formatter = format_count,
) -> go.Figure:
    """Return a share chart: a ring for 2 to ``max_slices`` categories, else bars.

    A ring with more slices cannot be read; one category needs no chart of shares.
    Shares on the ring are written rounded down (``format_percent``), so they may add
    up to a little under 100%, never over.
    """
    rows = [row for row in _as_rows(rows) if _rank(row[value_key]) > 0]
    if not 2 <= len(rows) <= max_slices:
        return bar_by(
            rows, label_key, value_key, title, value_label=value_label, value_format=value_format
        )
    rows = sorted(rows, key=lambda row: _rank(row[value_key]), reverse=True)
    label = _label(value_key, value_label)
    total = sum(Decimal(str(row[value_key])) for row in rows)
    pie = go.Pie(
        labels=[str(row[label_key]) for row in rows],
        values=[_num(row[value_key]) for row in rows],
        hole=0.45,
        sort=False,
        direction="clockwise",
        marker={"colors": list(PALETTE[: len(rows)]), "line": {"color": "white", "width": 1}},
        customdata=[
            [value_format(row[value_key]), format_percent(_share(row[value_key], total))]
            for row in rows
        ],
        texttemplate="%{label}<br>%{customdata[1]}",
        textposition="outside",
        hovertemplate=f"%{{label}}<br>{label}：%{{customdata[0]}}（%{{customdata[1]}}）<extra></extra>",
    )
    return go.Figure(pie, layout=base_layout(title, margin={"l": 40, "r": 40, "t": 72, "b": 40}))


def brand_ranking(
    rows: Rows,
    title: str,
    *,
    name_key: str = "name",
    value_key: str = "person_times",
    score_key: str | None = "mean_score",
    top: int = 10,
    value_format: Formatter = format_count,
) -> go.Figure:
    """Return the ``top`` brand projects by reach as horizontal bars, best on top.

    Each bar reads ``1,234人次 · 4.62分`` when a mean score is known.
    """
    rows = sorted(_as_rows(rows), key=lambda row: _rank(row[value_key]), reverse=True)[:top]
    fig = bar_by(rows, name_key, value_key, title, value_format=value_format)
    if rows and score_key:
        written = [
            value_format(row[value_key])
            + (f" · {brief_score(row[score_key])}" if row.get(score_key) is not None else "")
            for row in rows
        ]
        names = [str(row[name_key]) for row in rows]
        fig.update_traces(
            text=written, customdata=[list(pair) for pair in zip(names, written, strict=True)]
        )
        fig.update_layout(margin={"r": 120})
    return fig


def funnel(
    stages: list[tuple[str, Any]],
    title: str,
    *,
    value_format: Formatter = format_count,
) -> go.Figure:
    """Return a funnel of the order loop (or any stages): value and share of the first.

    ``stages``: ``[(label, value), …]`` in order, e.g. 群众点单 → … → 群众评单.
    """
    if not stages:
        return empty_figure(title)
    first = stages[0][1]
    written = []
    for _, value in stages:
        share = _share(value, first)
        written.append(
            value_format(value)
            if share is None
            else f"{value_format(value)}（{texts.SHARE_OF_FIRST}{format_percent(share)}）"
        )
    trace = go.Funnel(
        y=[label for label, _ in stages],
        x=[_num(value) for _, value in stages],
        text=written,
        textinfo="text",
        marker={"color": PRIMARY},
        connector={"fillcolor": GRID_COLOR},
        hovertemplate="%{y}<br>%{text}<extra></extra>",
    )
    fig = go.Figure(trace, layout=base_layout(title, bottom=16))
    fig.update_yaxes(showgrid=False, ticksuffix=" ")
    return fig


def satisfaction_distribution(
    rows: Rows,
    title: str,
    *,
    score_key: str = "score",
    count_key: str = "ratings",
) -> go.Figure:
    """Return the number of ratings at each score 1–5 as bars (missing scores are 0).

    Scores 1–2 are drawn in the accent colour, 3 in grey, 4–5 in navy; each bar reads
    its count and its share of all ratings.
    """
    counts = {score: 0 for score in texts.SCORE_LABELS}
    for row in _as_rows(rows):
        counts[int(row[score_key])] += int(row[count_key] or 0)
    total = sum(counts.values())
    if total == 0:
        return empty_figure(title)
    names = [f"{score}分<br>{texts.SCORE_LABELS[score]}" for score in counts]
    written = [f"{format_count(n)}<br>{format_percent(_share(n, total))}" for n in counts.values()]
    colors = [ACCENT if s <= 2 else NEUTRAL if s == 3 else PRIMARY for s in counts]
    bar = go.Bar(
        x=names,
        y=list(counts.values()),
        marker={"color": colors},
        text=written,
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}<br>%{text}<extra></extra>",
    )
    fig = go.Figure(bar, layout=base_layout(title, bottom=52))
    fig.update_yaxes(title_text=METRIC_LABELS["ratings"], rangemode="tozero")
    fig.update_xaxes(showgrid=False)
    return fig


MAP_POINTS = 3000  # circles a map draws at most: more makes every page run slow to send
MAP_LEVELS = ("所", "中心", "市")  # the coarser levels a large scope is drawn at


def map_points(
    rows: Rows, limit: int = MAP_POINTS, levels: Iterable[str] = MAP_LEVELS
) -> tuple[str | None, list[Mapping[str, Any]]]:
    """Return (level, rows) for ``unit_map`` to draw at most ``limit`` circles.

    Every row (level None) when at most ``limit`` have coordinates; else only the rows of
    the first of ``levels`` that has at most ``limit`` rows (each row's value should
    count the units below it); else the first ``limit`` of the last level's rows.
    """
    rows = _as_rows(rows)
    if sum(row.get("lng") is not None and row.get("lat") is not None for row in rows) <= limit:
        return None, rows
    level, on_level = None, rows
    for level in levels:
        on_level = [row for row in rows if row.get("level") == level]
        if len(on_level) <= limit:
            break
    return level, on_level[:limit]


def unit_map(
    rows: Rows,
    title: str,
    map_style: str = "white-bg",
    tile_url: str | None = None,
    *,
    name_key: str = "name",
    value_key: str = "value",
    value_label: str | None = None,
    value_format: Formatter = format_count,
    tile_attribution: str | None = None,
    size_max: int = 32,
) -> go.Figure:
    """Return units (stations…) as circles on a map, area proportional to the value.

    Offline by default: ``white-bg`` draws no tiles. With ``tile_url`` (an XYZ raster
    template such as ``https://…/{z}/{x}/{y}.png``) the tiles are drawn under the
    circles. Rows without ``lng``/``lat`` are left out and counted under the map.
    Names are shown on hover only: map text needs glyphs from the network. Above 50
    circles the largest shrinks (to 10 px at 500), so that crowded circles stay apart.
    """
    rows = _as_rows(rows)
    placed = [row for row in rows if row.get("lng") is not None and row.get("lat") is not None]
    missing = len(rows) - len(placed)
    if not placed:
        fig = empty_figure(title)
    else:
        label = _label(value_key, value_label)
        # an unknown value draws the smallest circle; its hover text says "—"
        values = [max(_num(row[value_key]) or 0.0, 0.0) for row in placed]
        largest = max(values) or 1.0
        # many circles get smaller, or a province of them is one blot
        size_max = min(size_max, max(10, size_max * math.sqrt(_CROWD / len(placed))))
        size_min = min(6.0, size_max / 3)
        lngs = [float(row["lng"]) for row in placed]
        lats = [float(row["lat"]) for row in placed]
        trace = go.Scattermap(
            lon=lngs,
            lat=lats,
            mode="markers",
            marker={
                "size": [size_min + (size_max - size_min) * math.sqrt(v / largest) for v in values],
                "color": PRIMARY,
                "opacity": 0.7,
            },
            customdata=[[str(row[name_key]), value_format(row[value_key])] for row in placed],
            hovertemplate=f"%{{customdata[0]}}<br>{label}：%{{customdata[1]}}<extra></extra>",
        )
        fig = go.Figure(trace, layout=base_layout(title, margin={"l": 8, "r": 8, "t": 56, "b": 8}))
        map_layout: dict[str, Any] = {
            "style": map_style,
            "center": {"lon": (min(lngs) + max(lngs)) / 2, "lat": (min(lats) + max(lats)) / 2},
            "zoom": _zoom(lngs, lats, width=_PRINT_WIDTH_PX - 16, height=_MAP_HEIGHT_PX - 64),
        }
        if tile_url:
            map_layout["layers"] = [
                {
                    "sourcetype": "raster",
                    "source": [tile_url],
                    "sourceattribution": tile_attribution or "",
                    "below": "traces",
                }
            ]
        fig.update_layout(map=map_layout, height=_MAP_HEIGHT_PX)
    note_missing_coordinates(fig, missing, y=0)
    return fig


def note_missing_coordinates(fig: go.Figure, missing: int, *, y: float) -> None:
    """Say on a map how many units could not be placed (no coordinates); nothing when none.

    ``y`` is the note's bottom edge in paper coordinates: 0 inside a tile map, 1 above a
    drawn one whose legend sits below it.
    """
    if not missing:
        return
    fig.add_annotation(
        text=texts.MAP_MISSING_COORDS.format(count=missing),
        x=0,
        y=y,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        bgcolor="rgba(255,255,255,0.8)",
        font={"size": 11},
    )


def _zoom(lngs: list[float], lats: list[float], width: float, height: float) -> float:
    """Return the map zoom at which the points fill 80% of a width × height px map.

    Web Mercator at zoom z is 512·2^z px around; clamped between a province and a street.
    """

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lng_span = max(max(lngs) - min(lngs), 1e-4) / 360
    y_span = max(abs(mercator_y(max(lats)) - mercator_y(min(lats))), 1e-6) / (2 * math.pi)
    zoom = math.log2(0.8 * min(width / lng_span, height / y_span) / 512)
    return max(5.0, min(15.0, zoom))


# ---------------------------------------------------------------------------
# Source line and exports
# ---------------------------------------------------------------------------


def source_text(source: str, as_of: Any) -> str:
    """Return the source line ``数据来源：…，截至2025年3月5日``."""
    return texts.SOURCE_LINE.format(source=source, as_of=format_date(as_of))


def with_source_line(fig: go.Figure, text: str) -> go.Figure:
    """Return a copy of ``fig`` with ``text`` written small at its bottom left.

    The bottom margin grows by one line and the note sits in it, under the axis.
    """
    fig = go.Figure(fig)
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 40
    fig.update_layout(margin={"b": bottom + _SOURCE_LINE_PX})
    if fig.layout.height:
        fig.update_layout(height=fig.layout.height + _SOURCE_LINE_PX)
    fig.add_annotation(
        text=text,
        name="source_line",
        x=0,
        y=0,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="top",
        yshift=-bottom,
        showarrow=False,
        align="left",
        font={"size": 10, "color": "#555555"},
    )
    return fig


def _layout_size(fig: go.Figure, width_cm: float, height_cm: float | None) -> tuple[int, float]:
    """Return (width, height) in layout px for a print size; height from the figure."""
    width_px = round(width_cm / CM_PER_INCH * CSS_PX_PER_INCH)
    if height_cm is None:
        if fig.layout.height:
            return width_px, float(fig.layout.height)
        height_cm = DEFAULT_HEIGHT_CM
    return width_px, height_cm / CM_PER_INCH * CSS_PX_PER_INCH


def _render(fig: go.Figure, fmt: str, width: float, height: float, scale: float) -> bytes:
    """Return the figure rendered by kaleido through the system Chromium."""
    # imported here: only an export needs them
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    kopts: dict[str, Any] = {"mathjax": False}  # MathJax comes from a CDN; we need none
    browser = os.environ.get("BROWSER_PATH") or next(
        filter(None, map(shutil.which, _BROWSERS)), None
    )
    if browser:
        kopts["path"] = browser
    try:
        return kaleido.calc_fig_sync(
            fig,
            opts={"format": fmt, "width": width, "height": height, "scale": scale},
            kopts=kopts,
        )
    except ChromeNotFoundError as error:
        raise RuntimeError(texts.EXPORT_NO_BROWSER) from error


def to_png(
    fig: go.Figure, width_cm: float = 16, dpi: int = 300, height_cm: float | None = None
) -> bytes:
    """Return a PNG of ``fig`` for print: ``width_cm`` wide at ``dpi``, with its dpi mark.

    16 cm at 300 dpi is 1890 px wide. The chart is laid out at its print size in CSS
    px (605 px for 16 cm, 96 to the inch) and scaled up, so a 12 px font prints at 9 pt.
    The height is ``height_cm``, else the figure's layout height (at 96 px to the inch),
    else 10 cm. The figure is drawn on white, so the PNG is RGB without alpha.
    Takes a few seconds (a Chromium starts).
    """
    from PIL import Image

    width, height = _layout_size(fig, width_cm, height_cm)
    target_width = round(width_cm / CM_PER_INCH * dpi)
    # Chromium floors width × scale; aim a quarter pixel above so the floor is exact.
    scale = (target_width + 0.25) / width
    target_height = round(height / CSS_PX_PER_INCH * dpi)
    height = (target_height + 0.25) / scale
    png = _render(fig, "png", width, height, scale)
    # kaleido writes no pHYs chunk; without one Word places the image at 96 dpi.
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def to_svg(fig: go.Figure, width_cm: float = 16, height_cm: float | None = None) -> bytes:
    """Return an SVG of ``fig`` laid out at its print size (see ``to_png``)."""
    width, height = _layout_size(fig, width_cm, height_cm)
    return _render(fig, "svg", width, height, 1)
