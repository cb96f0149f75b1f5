"""服务人次: person-times and activities by unit, category, target group and month, and how
much of each figure is backed by sign-in records rather than a headcount written in the
ledger."""

import streamlit as st

from dashboard import charts, metrics, ui
from dashboard.metrics import details
from dashboard.numbers import format_count, format_month, format_percent

NOT_FILLED = "未填写"
SOURCES_TITLE = "服务人次从哪里来"
SOURCE_LABELS = {
    "signed_in": "逐人签到",
    "headcount_lines": "人数汇总",
    "reported_only": "仅台账填报",
}
# figure key → (label, writer) for the trend
TREND = {
    "person_times": ("服务人次", format_count),
    "activities": ("活动场次", format_count),
}
BOTH_LINE = (
    "既有参与记录又填了参与人次的 {n} 场活动：台账填报 {reported} 人次，"
    "参与记录 {recorded} 人次（记录为填报的 {share}）。"
)
BOTH_NONE = "没有既有参与记录又填了参与人次的活动，无法对照。"
UNCOUNTED_LINE = "另有 {n} 场活动既无参与记录也未填参与人次，按 0 人次计。"
TILES = [
    ui.TileSpec.of("activities"),
    ui.TileSpec.of("person_times"),
    ui.TileSpec.of("unique_persons"),
    ui.TileSpec.of("signed_in"),
    ui.TileSpec.of("signed_in_share", unknown="统计期间服务人次为 0，无法计算比例。"),
]
UNIT_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级"),
    ui.Column("activities", "活动场次", format_count, "#,##0"),
    ui.Column("person_times", "服务人次", format_count, "#,##0"),
    ui.Column("signed_in", "签到人次", format_count, "#,##0"),
    ui.Column("headcount_lines", "人数汇总人次", format_count, "#,##0"),
    ui.Column("reported_only", "仅台账填报人次", format_count, "#,##0"),
    ui.Column("signed_in_share", "签到支撑比例", format_percent, "0.0%"),
    ui.Column("activities_both", "可对照场次", format_count, "#,##0"),
    ui.Column("reported_where_both", "其中台账填报人次", format_count, "#,##0"),
    ui.Column("recorded_where_both", "其中参与记录人次", format_count, "#,##0"),
]
BREAKDOWN_COLUMNS = [
    ui.Column("activities", "活动场次", format_count, "#,##0"),
    ui.Column("person_times", "服务人次", format_count, "#,##0"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("satisfaction_rate", "满意率", format_percent, "0.0%"),
]
MONTH_COLUMNS = [ui.Column("month", "月份", format_month), *BREAKDOWN_COLUMNS]


def figures(scope: metrics.Scope) -> dict:
    """The tiles' figures of a scope."""
    return {
        **ui.load(metrics.activity_figures, scope),
        **ui.load(metrics.person_figures, scope),
        **ui.load(metrics.person_times_sources, scope),
    }


def by_reach(row: dict) -> tuple:
    """Most 服务人次 first, as the charts beside the tables draw them."""
    return (-row["person_times"], -row["activities"])


def breakdown(rows: list[dict], column: str, label: str, chart, key: str) -> None:
    """A chart of 服务人次 by ``column`` beside the table of every figure."""
    left, right = st.columns(2, gap="medium")
    with left:
        ui.chart(
            chart(rows, column, "person_times", f"各{label}服务人次", value_label="服务人次"),
            key=f"{key}_chart",
            file_name=f"各{label}服务人次",
        )
    with right:
        ui.table(
            rows,
            [ui.Column(column, label), *BREAKDOWN_COLUMNS],
            key=key,
            file_name=f"分{label}",
        )


scope = ui.scope_bar()
ui.title("服务人次")

now = figures(scope)
ui.guard(now["activities"], ui.MSG_EMPTY_SCOPE)
before = figures(ui.same_period_last_year(scope))
earlier_scope = ui.previous_period(scope)
earlier = figures(earlier_scope) if earlier_scope else None
ui.tiles(ui.with_period_change(ui.compare(TILES, now, before), TILES, now, earlier), key="service")

months = ui.load(metrics.by_month, scope)
figure = ui.figure_switch(TREND, key="service_trend_figure")
label, fmt = TREND[figure]
ui.chart(
    charts.monthly_trend(months, figure, f"各月{label}", value_label=label, value_format=fmt),
    key="service_trend",
    file_name=f"各月{label}",
)

st.subheader(SOURCES_TITLE, anchor=False)
sources = [
    {"source": name, "share": now[key] / now["person_times"] if now["person_times"] else None}
    for key, name in SOURCE_LABELS.items()
]
left, right = st.columns(2, gap="medium")
with left:
    ui.chart(
        charts.bar_by(
            sources,
            "source",
            "share",
            "服务人次的来源构成",
            value_label="占服务人次",
            value_format=format_percent,
            sort=False,
        ),
        key="service_sources_chart",
        file_name="服务人次来源构成",
    )
units = ui.load(details.sources_by_unit, scope)
with right:
    ui.chart(
        charts.bar_by(
            [row for row in units if row["person_times"]],
            "name",
            "signed_in_share",
            "下级阵地签到支撑比例",
            value_label="签到支撑比例",
            value_format=format_percent,
        ),
        key="service_share_chart",
        file_name="下级阵地签到支撑比例",
    )
# the rows partition the scope's activities, so their sums are the scope's
both = [row for row in units if row["activities_both"]]
if both:
    reported = sum(row["reported_where_both"] for row in both)
    recorded = sum(row["recorded_where_both"] for row in both)
    st.markdown(
        BOTH_LINE.format(
            n=format_count(sum(row["activities_both"] for row in both)),
            reported=format_count(reported),
            recorded=format_count(recorded),
            share=format_percent(recorded / reported) if reported else "—",
        )
    )
else:
    st.markdown(BOTH_NONE)
if now["activities_uncounted"]:
    st.caption(UNCOUNTED_LINE.format(n=format_count(now["activities_uncounted"])))

st.subheader("分阵地", anchor=False)
ui.chart(
    charts.bar_by(units, "name", "person_times", "下级阵地服务人次", value_label="服务人次"),
    key="service_units_chart",
    file_name="下级阵地服务人次",
)
ui.table(
    units,
    UNIT_COLUMNS,
    key="service_units",
    file_name=f"分阵地服务人次_{ui.unit_name(scope.unit_id)}",
)
ui.mark_flagged(units, scope)


st.subheader("分服务类别", anchor=False)
categories = sorted(ui.load(metrics.by_category, scope), key=by_reach)
breakdown(categories, "category", "服务类别", charts.category_pie_or_bar, "service_categories")

st.subheader("分服务对象", anchor=False)
groups = sorted(
    (
        {**row, "target_group": row["target_group"] or NOT_FILLED}
        for row in ui.load(metrics.by_target_group, scope)
    ),
    key=by_reach,
)
breakdown(groups, "target_group", "服务对象", charts.bar_by, "service_groups")

st.subheader("分月份", anchor=False)
ui.table(months, MONTH_COLUMNS, key="service_months", file_name="分月份服务人次")
