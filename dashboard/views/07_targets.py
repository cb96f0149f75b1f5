"""目标进度: each yearly target of the scope unit and of the units directly below it,
against the figure to date and the share of the year gone by, behind-schedule ones
first."""

import re

import streamlit as st

from dashboard import charts, metrics, ui
from dashboard.metrics import Scope
from dashboard.numbers import format_count, format_date, format_hours, format_percent

NO_TARGETS = (
    "{year}年没有为{unit}及其下一级阵地设定年度目标。"
    "可在「数据导入与质量」页导入目标表，或在上方换一个阵地范围。"
)
UNIT_TARGETS = "项"
STATUS_BEHIND = "落后于时间进度"
STATUS_UNFINISHED = "未完成"  # the year is over: behind schedule no longer applies
TILE_BEHIND = "落后或未达"
TILE_UNFINISHED = "未完成或未达"
STATUS_ON_TRACK = "符合时间进度"
STATUS_DONE = "已完成"
STATUS_LEVEL_SHORT = "未达目标"
STATUS_LEVEL_MET = "已达目标"
STATUS_UNKNOWN = "无法判断"
HELP_ELAPSED = "{year}年1月1日至 {to} 已过去的天数占全年的比例：进度不低于它，就跟上了时间。"
ELAPSED_LINE = "时间进度 {elapsed}"
CAPTION = (
    "完成值为 {year}年1月1日至 {to} 该阵地及下属阵地的累计数；"
    "满意率为同期水平，与目标值直接比较，不看时间进度。"
)
# "济源路街道" for 济源路街道新时代文明实践所: chart labels must fit a phone
SHORT_NAME = re.compile(r"新时代文明实践(?:指导)?(?:中心|所|站|点|基地)$")
# metric key → how its target and actual are written
WRITERS = {
    "activities": format_count,
    "person_times": format_count,
    "volunteer_hours": format_hours,
    "satisfaction_rate": format_percent,
}
COLUMNS = [
    ui.Column("unit_name", "阵地"),
    ui.Column("metric", "指标"),
    ui.Column("status", "状态"),
    ui.Column("target_text", "目标值"),
    ui.Column("actual_text", "完成值"),
    ui.Column("progress", "完成进度", format_percent, "0.0%"),
    ui.Column("year_elapsed", "时间进度", format_percent, "0.0%"),
]


def written(key: str | None, value) -> str:
    return WRITERS.get(key, format_count)(value)


def status(row: dict) -> str:
    if row["on_track"] is None:
        return STATUS_UNKNOWN
    if row["key"] == "satisfaction_rate":
        return STATUS_LEVEL_MET if row["on_track"] else STATUS_LEVEL_SHORT
    if row["progress"] >= 1:
        return STATUS_DONE
    if row["year_elapsed"] >= 1:
        return STATUS_UNFINISHED
    return STATUS_ON_TRACK if row["on_track"] else STATUS_BEHIND


def behind_first(row: dict) -> tuple:
    """Behind (or short) first, then unknown, then on track; least progress first."""
    rank = {False: 0, None: 1, True: 2}[row["on_track"]]
    return (rank, row["progress"] if row["progress"] is not None else 0)


scope = ui.scope_bar()
ui.title("目标进度")

year = scope.date_to.year
# the scope unit's targets (the top units' without a unit) and its direct children's
tree = ui.unit_tree()
heads = [scope.unit_id] if scope.unit_id else tree.children.get(None, [])
children = [child for head in heads for child in tree.children.get(head, [])]
found = ui.load(metrics.target_progress, scope)
for child in children:
    found += ui.load(metrics.target_progress, Scope(scope.date_from, scope.date_to, child))
targets = [
    {
        **row,
        "status": status(row),
        "label": f"{SHORT_NAME.sub('', row['unit_name']) or row['unit_name']}·{row['metric']}",
        "target_text": written(row["key"], row["target"]),
        "actual_text": written(row["key"], row["actual"]),
    }
    for row in found
]
ui.guard(targets, NO_TARGETS.format(year=year, unit=ui.unit_name(scope.unit_id)))
targets.sort(key=behind_first)
elapsed = targets[0]["year_elapsed"]
to_date = targets[0]["date_to"]

ui.tiles(
    [
        ui.tile("年度目标", len(targets), format_count, unit=UNIT_TARGETS),
        ui.tile(
            "时间进度",
            elapsed,
            format_percent,
            help=HELP_ELAPSED.format(year=year, to=format_date(to_date)),
        ),
        ui.tile(
            TILE_UNFINISHED if elapsed >= 1 else TILE_BEHIND,
            sum(row["on_track"] is False for row in targets),
            format_count,
            unit=UNIT_TARGETS,
        ),
        ui.tile(
            "已完成目标",
            sum(row["progress"] is not None and row["progress"] >= 1 for row in targets),
            format_count,
            unit=UNIT_TARGETS,
        ),
    ],
    key="targets",
)

behind = [row["on_track"] is False for row in targets]
fig = charts.bar_by(
    targets,
    "label",
    "progress",
    f"{year}年目标完成进度",
    value_label="完成进度",
    value_format=format_percent,
    sort=False,
    colors=[charts.ACCENT if is_behind else charts.PRIMARY for is_behind in behind],
)
fig.add_vline(
    x=elapsed,
    line={"color": charts.NEUTRAL, "dash": "dash", "width": 2},
    annotation={"text": ELAPSED_LINE.format(elapsed=format_percent(elapsed))},
    annotation_position="top",
)
ui.chart(fig, key="targets_chart", file_name=f"{year}年目标完成进度")
st.caption(CAPTION.format(year=year, to=format_date(to_date)))

ui.table(
    targets,
    COLUMNS,
    key="targets_table",
    file_name=f"{year}年目标进度_{ui.unit_name(scope.unit_id)}",
)
