"""总览: the scope's headline figures against the same period last year, the monthly
trend, how the units below it rank, and what needs attention."""

import streamlit as st

from dashboard import charts, drill, lowsat, metrics, ui
from dashboard.numbers import format_date
from pipelines import settings

SILENT_HEADLINE = "近 {days} 天没有上报活动的实践站：{n} 个"
SILENT_LINE = "{name}（{institute}）"
SILENT_MORE = "另有 {n} 个，完整名单见「阵地覆盖」"
ATTENTION_LOW = "满意度偏低的活动和品牌项目：{n} 项"
ATTENTION_BRAND = "品牌项目「{name}」（{unit}）：{why}"
ATTENTION_ACTIVITY = "活动「{name}」（{date}，{unit}）：{why}"
ATTENTION_SESSION = "{name}（{date}，{unit}）：{why}"
ATTENTION_MORE_SESSIONS = "该品牌另有 {n} 场评价偏低的活动"
ATTENTION_MORE = "另有 {n} 项，按修正分从低到高排在后面"
SESSIONS_SHOWN = 3  # a brand's poorly rated sessions listed under it on the card
NESTED_ITEM = "    - "  # markdown: an item of the list under a brand's line


EFFECTIVE_K = settings.config().effective_k
TILES = [
    ui.TileSpec.of("activities"),
    ui.TileSpec.of("person_times"),
    ui.TileSpec.of("unique_persons"),
    ui.TileSpec.of("volunteer_hours"),
    ui.TileSpec.of("satisfaction_rate", unknown="统计期间没有群众评价。"),
    ui.TileSpec.of("rate", key="coverage"),
    ui.TileSpec.of(
        "effective_rate",
        key="effective_coverage",
        help=metrics.figure("effective").definition.format(k=EFFECTIVE_K),
    ),
    ui.TileSpec.of("completion_rate", unknown="统计期间没有群众点单（或全部已取消）。"),
]
# the figures the trend and the ranking chart can show: key → (label, writer)
TREND = {
    key: (metrics.figure(key).name, metrics.figure(key).written)
    for key in ("activities", "person_times", "volunteer_hours", "satisfaction_rate")
}
RANK_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级"),
    *(
        ui.Column.of(key)
        for key in (
            "activities",
            "person_times",
            "unique_persons",
            "volunteer_hours",
            "ratings",
            "satisfaction_rate",
            "mean_score",
        )
    ),
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


def attention_line(group: dict) -> str:
    """One item of the 需要关注 card: a brand with its figures and its poorly rated
    sessions beneath (date and unit on every line), or a lone activity."""
    head = group["head"]
    if head["kind"] != lowsat.KIND_BRAND:
        return ATTENTION_ACTIVITY.format(
            name=head["name"],
            date=format_date(head["start_on"]),
            unit=head["unit_name"],
            why=head["reason"],
        )
    low = head["is_flagged"] and head["adjusted_score"] < settings.config().low_score_threshold
    why = (
        head["reason"]
        if low
        else "；".join(filter(None, [lowsat.brand_figures(head), head["reason"]]))
    )
    lines = [ATTENTION_BRAND.format(name=head["name"], unit=head["unit_name"], why=why)]
    sessions = group["sessions"]
    lines += [
        NESTED_ITEM
        + ATTENTION_SESSION.format(
            name=row["name"],
            date=format_date(row["start_on"]),
            unit=row["unit_name"],
            why=row["reason"],
        )
        for row in sessions[:SESSIONS_SHOWN]
    ]
    if len(sessions) > SESSIONS_SHOWN:
        lines.append(NESTED_ITEM + ATTENTION_MORE_SESSIONS.format(n=len(sessions) - SESSIONS_SHOWN))
    return "\n".join(lines)


scope = ui.scope_bar()
ui.title("总览")
last_year, earlier_scope = ui.same_period_last_year(scope), ui.previous_period(scope)
now, reasons = figures(scope)
ui.guard(now["activities"], ui.MSG_EMPTY_SCOPE)
before, _ = figures(last_year)
if not before["activities"]:
    # no activity on record a year ago (often: last year's ledgers were never imported),
    # so a 0% effective coverage then is no base for a change
    before["effective_coverage"] = None
earlier = figures(earlier_scope)[0] if earlier_scope else None
ui.tiles(
    ui.with_period_change(ui.compare(TILES, now, before, reasons), TILES, now, earlier),
    key="overview",
)
drill.tile_picker(TILES, now, scope, key="overview_drill")

figure = ui.figure_switch(TREND, key="overview_figure")
label, fmt = TREND[figure]
children = ui.load(metrics.by_unit, scope)
months = ui.load(metrics.by_month, scope)
left, right = st.columns(2, gap="medium")
with left:
    ui.chart(
        charts.with_last_year(
            charts.monthly_trend(
                months,
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
        on_select=drill.on_select(
            "overview_trend",
            lambda points: drill.month_request(points, scope, figure, label, fmt, months),
        ),
    )
with right:
    ui.chart(
        charts.bar_by(
            children,
            "name",
            figure,
            f"下级阵地{label}",
            value_label=label,
            value_format=fmt,
            id_key="unit_id",
        ),
        key="overview_ranking_chart",
        file_name=f"下级阵地{label}",
        on_select=drill.on_select(
            "overview_ranking_chart",
            lambda points: drill.unit_request(points, scope, figure, label, fmt, children),
        ),
    )
st.caption(drill.CHART_HINT)

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
ui.mark_flagged(children, scope)

st.subheader("需要关注", anchor=False)
# the lists behind the cards run to thousands of stations at a province: held once per
# build and scope, not unpickled on every run (the cards show five of each)
groups = ui.load_shared(lowsat.grouped, scope)
flagged = sum(row["is_flagged"] for g in groups for row in (g["head"], *g["sessions"]))
idle = ui.load_shared(lowsat.idle_stations, scope)
silent = ui.load_shared(lowsat.silent_stations, ui.last_days(scope, lowsat.SILENT_DAYS))
ui.alert(
    ATTENTION_LOW.format(n=flagged),
    [attention_line(group) for group in groups],
    "satisfaction",
    key="overview_alert_low",
    more=ATTENTION_MORE,
)
ui.alert(
    f"长期未开展活动的实践站：{len(idle)} 个",
    [f"{row['name']}：{row['reason']}" for row in idle],
    "coverage",
    key="overview_alert_idle",
)
ui.alert(
    SILENT_HEADLINE.format(days=lowsat.SILENT_DAYS, n=len(silent)),
    [SILENT_LINE.format(name=row["name"], institute=row["institute_name"]) for row in silent],
    "coverage",
    key="overview_alert_silent",
    more=SILENT_MORE,
    section=lowsat.SILENT_SECTION,
)
