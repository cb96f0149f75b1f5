"""A map a leader can read offline: units placed by their 经度/纬度 on a blank plane, or,
without coordinates, the unit tree as a treemap. Rows in, plotly figure out.

Nothing is fetched from outside: no tile server, no map style, no glyph server (a
``Scattermap``'s text needs glyphs from the network; plain SVG text uses the page's own
fonts). Longitude and latitude are drawn on cartesian axes at the true ground ratio of
the middle latitude (a degree of longitude is cos φ of a degree of latitude), which is
exact enough for a county or a city. A 所's area is outlined as the convex hull of its
units' points: where its stations are, not an administrative boundary.

Rows are ``unit_activities`` rows (``unit_id, name, level, parent_id, lng, lat,
activities``) with a ``status`` (a 站's coverage status, None for other levels).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from dashboard import charts
from dashboard.numbers import format_count

# status → marker colour; the order is the legend's
STATUS_COLORS = {
    "有效覆盖": charts.PRIMARY,
    "仅挂牌": "#D08C2B",
    "期末未挂牌": "#B0B7BF",
}
OTHER_COLOR = "#5B7E96"  # 中心, 所, 点, 基地: not judged on coverage
OTHER_LABEL = "其他阵地（中心、所、点、基地）"
HULL_COLOR = "#8C96A0"


def base_status(status: str | None) -> str | None:
    """The coverage status of ``STATUS_COLORS`` a status is: a station opened inside the
    period carries its status followed by a mark such as （新挂牌）; None for the rest."""
    return next((name for name in STATUS_COLORS if status and status.startswith(name)), None)


def status_color(status: str | None) -> str:
    """The colour of a coverage status (marked or not)."""
    return STATUS_COLORS.get(base_status(status), OTHER_COLOR)


UNLABELLED = ("点", "基地")  # small places beside their 站: named on hover only
_LABEL_PX = 11  # a 10 px CJK label is about 11 px a character, and as high
_PLOT_WIDTH_PX = 589  # the map's plot area at print width (16 cm, less the margins)
MAP_HEIGHT_PX = 560
# suffixes dropped from a label ("朝阳社区新时代文明实践站" → "朝阳社区")
_SUFFIX = re.compile(r"(联合)?(新时代)?文明实践(站|所|中心|点|基地)$")


def short_name(name: str) -> str:
    """A unit's name without the 新时代文明实践站/所/中心 suffix, for a label."""
    return _SUFFIX.sub("", name) or name


def convex_hull(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of ``points``, counter-clockwise, first point not repeated
    (Andrew's monotone chain); fewer than three distinct points give themselves."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def towns_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """unit_id → the unit_id of its 所 (itself for a 所), for the units below a 所."""
    parent = {row["unit_id"]: row.get("parent_id") for row in rows}
    level = {row["unit_id"]: row.get("level") for row in rows}
    towns = {}
    for unit_id in parent:
        at, seen = unit_id, set()
        while at is not None and at in parent and at not in seen and level[at] != "所":
            seen.add(at)
            at = parent[at]
        if at in level and level[at] == "所":
            towns[unit_id] = at
    return towns


def _declutter(
    placed: Sequence[Mapping[str, Any]], lngs: list[float], lats: list[float], ratio: float
) -> list[bool]:
    """Which points carry their name: the busiest first, each only where its label
    would not overlap one already placed (on a print-width map; the rest on hover)."""
    width, height = _PLOT_WIDTH_PX, MAP_HEIGHT_PX - 156
    span_x = max(max(lngs) - min(lngs), 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4) * ratio
    scale = min(width / span_x, height / span_y)
    boxes: list[tuple[float, float, float, float]] = []
    shown = [False] * len(placed)
    order = sorted(range(len(placed)), key=lambda i: -float(placed[i].get("activities") or 0))
    for i in order:
        if placed[i].get("level") in UNLABELLED:
            continue
        text_width = _LABEL_PX * len(short_name(placed[i]["name"]))
        x = (lngs[i] - min(lngs)) * scale
        y = (max(lats) - lats[i]) * ratio * scale - _LABEL_PX  # the label sits above
        box = (x - text_width / 2, y - _LABEL_PX / 2, x + text_width / 2, y + _LABEL_PX / 2)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            boxes.append(box)
            shown[i] = True
    return shown


def _placed(row: Mapping[str, Any]) -> bool:
    return row.get("lng") is not None and row.get("lat") is not None


def offline_map(rows: Sequence[Mapping[str, Any]], title: str) -> go.Figure:
    """The units with coordinates as circles (area by activities, colour by status),
    named where the names do not overlap (busiest first; every name on hover), each
    所's units outlined by their hull.
    Units without coordinates are counted under the map."""
    rows = list(rows)
    placed = [row for row in rows if _placed(row)]
    if not placed:
        return charts.empty_figure(title)
    lngs = [float(row["lng"]) for row in placed]
    lats = [float(row["lat"]) for row in placed]
    fig = go.Figure(layout=charts.base_layout(title, margin={"l": 8, "r": 8, "t": 56, "b": 8}))
    names = {row["unit_id"]: row["name"] for row in rows}
    towns = towns_of(rows)
    by_town: dict[str, list[tuple[float, float]]] = {}
    for row in placed:
        town = towns.get(row["unit_id"])
        if town is not None:
            by_town.setdefault(town, []).append((float(row["lng"]), float(row["lat"])))
    for town, points in sorted(by_town.items()):
        hull = convex_hull(points)
        if len(hull) < 3:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in hull] + [hull[0][0]],
                y=[p[1] for p in hull] + [hull[0][1]],
                mode="lines",
                fill="toself",
                fillcolor="rgba(140,150,160,0.08)",
                line={"color": HULL_COLOR, "width": 1, "dash": "dot"},
                name=names.get(town, town),
                hoverinfo="name",
                showlegend=False,
            )
        )
    values = [max(float(row.get("activities") or 0), 0.0) for row in placed]
    largest = max(values) or 1.0
    crowd = len(placed)
    size_max = min(28.0, max(8.0, 28.0 * math.sqrt(50 / crowd)))
    middle = math.radians((min(lats) + max(lats)) / 2)
    named = _declutter(placed, lngs, lats, 1 / math.cos(middle))
    groups = [*STATUS_COLORS, None]
    for status in groups:
        members = [i for i, row in enumerate(placed) if base_status(row.get("status")) == status]
        if not members:
            continue
        fig.add_trace(
            go.Scatter(
                x=[lngs[i] for i in members],
                y=[lats[i] for i in members],
                mode="markers+text",
                name=status or OTHER_LABEL,
                text=[short_name(placed[i]["name"]) if named[i] else "" for i in members],
                textposition="top center",
                textfont={"size": 10, "color": charts.TEXT_COLOR},
                marker={
                    "size": [5 + (size_max - 5) * math.sqrt(values[i] / largest) for i in members],
                    "color": status_color(status),
                    "symbol": "circle" if status is not None else "diamond",
                    "opacity": 0.85,
                    "line": {"color": "white", "width": 1},
                },
                customdata=[
                    [placed[i]["name"], format_count(placed[i].get("activities"))] for i in members
                ],
                hovertemplate="%{customdata[0]}<br>期内活动场次：%{customdata[1]}<extra></extra>",
            )
        )
    pad_x = max(max(lngs) - min(lngs), 0.01) * 0.08
    pad_y = max(max(lats) - min(lats), 0.01) * 0.08
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_layout(
        height=MAP_HEIGHT_PX,
        showlegend=True,
        # under the map: on a phone the legend wraps, and above it would cover the title
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "top"},
        margin={"t": 84, "b": 72},
        xaxis={**hidden, "range": [min(lngs) - pad_x, max(lngs) + pad_x]},
        yaxis={
            **hidden,
            "range": [min(lats) - pad_y, max(lats) + pad_y],
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(middle),
        },
    )
    charts.note_missing_coordinates(fig, len(rows) - len(placed), y=1)
    return fig


def unit_treemap(rows: Sequence[Mapping[str, Any]], title: str) -> go.Figure:
    """The unit tree (中心 → 所 → 站 → 点) as a treemap, one equal tile per unit, coloured
    as ``offline_map`` colours its points; the activities of the period on each tile."""
    rows = list(rows)
    if not rows:
        return charts.empty_figure(title)
    ids = {row["unit_id"] for row in rows}
    fig = go.Figure(
        go.Treemap(
            ids=[row["unit_id"] for row in rows],
            labels=[short_name(row["name"]) for row in rows],
            parents=[row["parent_id"] if row.get("parent_id") in ids else "" for row in rows],
            values=[1] * len(rows),
            branchvalues="remainder",
            marker={
                "colors": [status_color(row.get("status")) for row in rows],
                "line": {"color": "white", "width": 1},
            },
            customdata=[[row["name"], format_count(row.get("activities"))] for row in rows],
            texttemplate="%{label}<br>%{customdata[1]}场",
            hovertemplate="%{customdata[0]}<br>期内活动场次：%{customdata[1]}<extra></extra>",
            textfont={"color": "white"},
            maxdepth=3,
        ),
        layout=charts.base_layout(title, margin={"l": 8, "r": 8, "t": 56, "b": 8}),
    )
    fig.update_layout(height=MAP_HEIGHT_PX)
    return fig
