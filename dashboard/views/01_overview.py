"""总览: the scope's headline figures against the same period last year, the monthly
trend, how the units below it rank, and what needs attention."""

import streamlit as st

from dashboard import charts, lowsat, metrics, ui
from dashboard.numbers import format_count, format_hours, format_percent, format_score

SILENT_DAYS = 30


def hours(value: float) -> str:
    # from 10,000 hours the tenths no longer matter on a tile and would not fit it
    shown = (
        format_count(int(value)) if value is not None and value >= 10_000 else format_hours(value)
    )
    return shown + "小时"


TILES = [
    ui.TileSpec(
        "activities", "活动场次", format_count, help="统计期间内开展的活动数（含下属阵地）。"
    ),
    ui.TileSpec(
        "person_times",
        "服务人次",
        format_count,
        help="每场活动按签到和记录人数计，没有签到记录的按台账填报人次计；不含志愿者。",
    ),
    ui.TileSpec(
        "unique_persons",
        "服务人数",
        format_count,
        help="签到的不同群众人数（按参与者编号去重）；只记人数的不计入。",
    ),
    ui.TileSpec("volunteer_hours", "志愿服务时长", hours, help="各场活动填报的志愿服务时长之和。"),
    ui.TileSpec(
        "satisfaction_rate",
        "满意率",
        format_percent,
        rate=True,
        unknown="统计期间没有群众评价。",
        help="群众评单中 4 分（满意）及以上的评价所占比例。",
    ),
    ui.TileSpec(
        "coverage",
        "覆盖率",
        format_percent,
        rate=True,
        help="有已挂牌实践站服务的村（社区）占辖区全部村（社区）的比例。",
    ),
    ui.TileSpec(
        "effective_coverage",
        "有效覆盖率",
        format_percent,
        rate=True,
        help="服务它的实践站统计期间平均每月至少开展 1 场活动的村（社区）所占比例。",
    ),
    ui.TileSpec(
        "completion_rate",
        "办结率",
        format_percent,
        rate=True,
        unknown="统计期间没有群众点单（或全部已取消）。",
        help="已办结的点单占点单总数（不含已取消）的比例。",
    ),
]
# figure key → (label, writer) for the trend and the ranking
TREND = {
    "activities": ("活动场次", format_count),
    "person_times": ("服务人次", format_count),
    "volunteer_hours": ("志愿服务时长", format_hours),
    "satisfaction_rate": ("满意率", format_percent),
}
RANK_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级"),
    ui.Column("activities", "活动场次", format_count, "#,##0"),
    ui.Column("person_times", "服务人次", format_count, "#,##0"),
    ui.Column("unique_persons", "服务人数", format_count, "#,##0"),
    ui.Column("volunteer_hours", "志愿服务时长（小时）", format_hours, "#,##0.0"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("satisfaction_rate", "满意率", format_percent, "0.0%"),
    ui.Column("mean_score", "满意度均分", format_score, "0.00"),
]


def figures(scope: metrics.Scope) -> tuple[dict, dict]:
    """The tiles' figures of a scope, and why a figure is unknown where it is."""
    cover = ui.load(metrics.coverage, scope)
    orders = ui.load(metrics.order_figures, scope)
    values = {
        **ui.load(metrics.summary, scope),
        "coverage": cover["rate"],
        "effective_coverage": cover["effective_rate"],
        "completion_rate": orders["completion_rate"],
    }
    reasons = {"coverage": cover["unknown_reason"], "effective_coverage": cover["unknown_reason"]}
    return values, reasons


def drill_down(key: str, rows: list[dict]) -> None:
    """Picking a unit in the ranking makes it the scope (本级 is the scope already)."""
    picked = st.session_state[key].selection.rows
    if picked and not rows[picked[0]]["is_self"]:
        st.session_state["unit"] = rows[picked[0]]["unit_id"]


@ui.cached
def silent_stations(scope: metrics.Scope) -> list[str]:
    """The names of the scope's stations with no activity in the period."""
    units = ui.load(metrics.unit_activities, scope)
    return [u["name"] for u in units if u["level"] == "站" and u["activities"] == 0]


scope = ui.scope_bar()
ui.title("总览")

now, reasons = figures(scope)
ui.guard(now["activities"], ui.MSG_EMPTY_SCOPE)
before, _ = figures(ui.same_period_last_year(scope))
if not before["activities"]:
    # no activity on record a year ago (often: last year's ledgers were never imported),
    # so a 0% effective coverage then is no base for a change
    before["effective_coverage"] = None
earlier_scope = ui.previous_period(scope)
earlier = figures(earlier_scope)[0] if earlier_scope else None
ui.tiles(
    ui.with_period_change(ui.compare(TILES, now, before, reasons), TILES, now, earlier),
    key="overview",
)

figure = ui.figure_switch(TREND, key="overview_figure")
label, fmt = TREND[figure]
children = ui.load(metrics.by_unit, scope)
left, right = st.columns(2, gap="medium")
with left:
    ui.chart(
        charts.with_last_year(
            charts.monthly_trend(
                ui.load(metrics.by_month, scope),
                figure,
                f"各月{label}",
                value_label=label,
                value_format=fmt,
            ),
            ui.load(metrics.by_month, ui.same_period_last_year(scope))
            if before["activities"]
            else [],
            figure,
            value_label=label,
            value_format=fmt,
        ),
        key="overview_trend",
        file_name=f"各月{label}",
    )
with right:
    ui.chart(
        charts.bar_by(
            children, "name", figure, f"下级阵地{label}", value_label=label, value_format=fmt
        ),
        key="overview_ranking_chart",
        file_name=f"下级阵地{label}",
    )

st.subheader("下级阵地排名", anchor=False)
st.caption("点选一行，即可查看该阵地及其下属阵地。")
ranking_key = f"overview_ranking_{scope.unit_id or 'all'}"
ui.table(
    children,
    RANK_COLUMNS,
    key=ranking_key,
    file_name=f"下级阵地排名_{ui.unit_name(scope.unit_id)}",
    on_select=lambda: drill_down(ranking_key, children),
)

st.subheader("需要关注", anchor=False)
low = ui.load(lowsat.low_activities, scope) + ui.load(lowsat.low_brands, scope)
idle = ui.load(lowsat.idle_stations, scope)
silent = silent_stations(ui.last_days(scope, SILENT_DAYS))
ui.alert(
    f"满意度偏低的活动和品牌项目：{len(low)} 项",
    [f"{row['name']}：{row['reason']}" for row in low],
    "satisfaction",
    key="overview_alert_low",
)
ui.alert(
    f"长期未开展活动的实践站：{len(idle)} 个",
    [f"{row['name']}：{row['reason']}" for row in idle],
    "coverage",
    key="overview_alert_idle",
)
ui.alert(
    f"近 {SILENT_DAYS} 天没有上报活动的实践站：{len(silent)} 个",
    silent,
    "data",
    key="overview_alert_silent",
)
