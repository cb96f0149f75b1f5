"""排名: the 所 or 站 of the scope ranked for a meeting, by 场次 per station, 人次 per
1,000 residents or the totals, with the change of rank since the period before and a
红/黄/绿 mark against the target (pro-rated) or the average (docs/figures.md, 排名)."""

import streamlit as st

from dashboard import ui
from dashboard.metrics import ranking
from dashboard.numbers import format_count, format_date, format_hours, format_percent
from pipelines.settings import config

LABEL_LEVEL = "排名对象"
LEVEL_LABELS = {"所": "实践所", "站": "实践站"}
NO_UNITS = "当前范围内没有{level}。可在上方换一个阵地范围，或改看{other}。"
BEFORE_LINE = "名次变化：与{date_from}至{date_to}的名次相比（{why}）。"
WHY_PERIOD = "环比，上一个同样长的期间"
WHY_YEAR = "同比，上年同期"
MARKS_LINE = (
    "标记：{figure}达到基准的 {green} 及以上为绿，{yellow} 至 {green} 为黄，低于 {yellow} 为红；"
    "基准为该阵地本年目标按统计期间天数折算的值，没有目标的为参与排名阵地的平均水平。"
)
NO_POPULATION = "区划表没有给出这些阵地所服务村（社区）的常住人口，无法计算每千人服务人次。"
MARKS = {"green": "绿", "yellow": "黄", "red": "红"}  # text: the grid has no emoji font offline
BENCHMARKS = {"target": "目标", "average": "平均水平"}
CHANGE_UP, CHANGE_DOWN, CHANGE_SAME, CHANGE_NEW = "↑{n}", "↓{n}", "→", "新上榜"
# figure key → (label, writer); per level, the first is the default
FIGURE_LABELS = {
    "activities_per_station": ("场次/站", format_hours),
    "person_times_per_1000": ("人次/千人", format_hours),
    "activities": ("活动场次", format_count),
    "person_times": ("服务人次", format_count),
}
FIGURES_OF = {
    "所": ("activities_per_station", "person_times_per_1000", "activities", "person_times"),
    "站": ("activities", "person_times_per_1000", "person_times"),
}


def change(row: dict) -> str:
    """The arrow of a rank's change: ↑2 rose two places, ↓1 fell one, → held, 新上榜."""
    if row["rank"] is None:
        return ""
    if row["rank_change"] is None:
        return CHANGE_NEW
    if row["rank_change"] > 0:
        return CHANGE_UP.format(n=row["rank_change"])
    if row["rank_change"] < 0:
        return CHANGE_DOWN.format(n=-row["rank_change"])
    return CHANGE_SAME


def columns(level: str, by: str) -> list[ui.Column]:
    label, fmt = FIGURE_LABELS[by]
    shown = [
        ui.Column("rank", "名次", lambda v: "" if v is None else str(v), "0"),
        ui.Column("change", "名次变化"),
        ui.Column("mark_text", "标记"),
        ui.Column("name", LEVEL_LABELS[level]),
        ui.Column("parent_name", "上级"),
        ui.Column("value", label, fmt, "#,##0.0"),
        ui.Column("benchmark", "基准", format_hours, "#,##0.0"),
        ui.Column("benchmark_text", "基准来源"),
        ui.Column("ratio", "达到基准", format_percent, "0.0%"),
        ui.Column("activities", "活动场次", format_count, "#,##0"),
    ]
    if level == "所":
        shown.append(ui.Column("stations", "实践站数", format_count, "#,##0"))
        shown.append(ui.Column("activities_per_station", "场次/站", format_hours, "#,##0.0"))
    shown += [
        ui.Column("person_times", "服务人次", format_count, "#,##0"),
        ui.Column("population", "常住人口", format_count, "#,##0"),
        ui.Column("person_times_per_1000", "人次/千人", format_hours, "#,##0.0"),
    ]
    return [c for c in shown if c.key != by]  # the ranked figure is the value column


scope = ui.scope_bar()
ui.title("排名")

level = st.segmented_control(
    LABEL_LEVEL,
    list(LEVEL_LABELS),
    format_func=LEVEL_LABELS.get,
    default="所",
    required=True,
    key="ranking_level",
)
by = ui.figure_switch(
    {key: FIGURE_LABELS[key] for key in FIGURES_OF[level]},
    key=f"ranking_by_{level}",
    default=FIGURES_OF[level][0],
)
earlier = ui.previous_period(scope)
before, why = (earlier, WHY_PERIOD) if earlier else (ui.same_period_last_year(scope), WHY_YEAR)
rows = ui.load(
    ranking.ranking, scope, level=level, by=by, before=(before.date_from, before.date_to)
)
other = LEVEL_LABELS["站" if level == "所" else "所"]
ui.guard(rows, NO_UNITS.format(level=LEVEL_LABELS[level], other=other))
for row in rows:
    row["change"] = change(row)
    row["mark_text"] = MARKS.get(row["mark"], "")
    row["benchmark_text"] = BENCHMARKS[row["benchmark_kind"]] if row["benchmark"] else ""

settings = config()
st.caption(
    BEFORE_LINE.format(
        date_from=format_date(before.date_from), date_to=format_date(before.date_to), why=why
    )
    + MARKS_LINE.format(
        figure=FIGURE_LABELS[by][0],
        green=format_percent(settings.rank_green),
        yellow=format_percent(settings.rank_yellow),
    )
)
if by == "person_times_per_1000" and all(row["population"] is None for row in rows):
    st.info(NO_POPULATION, icon=":material/info:")
ui.table(
    rows,
    columns(level, by),
    key=f"ranking_table_{level}",
    file_name=f"{LEVEL_LABELS[level]}排名_{FIGURE_LABELS[by][0].replace('/', '每')}",
)
