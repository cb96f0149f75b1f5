"""群众满意度: what people rated, and what to adjust (对满意度不高的活动和项目进行动态调整):
the low-satisfaction list ranked as ``dashboard.lowsat`` ranks it, what people wrote
about each item, and the 整改清单 to hand to the units."""

import streamlit as st

from dashboard import charts, lowsat, metrics, ui
from dashboard.metrics import details
from dashboard.numbers import format_count, format_date, format_percent, format_score
from pipelines import settings

KIND_LABELS = {
    lowsat.KIND_ACTIVITY: "活动",
    lowsat.KIND_BRAND: "品牌项目",
    lowsat.KIND_STATION: "实践站",
}
UNIT_COUNT = "个"
NO_RATINGS = "统计期间没有群众评价。"
HELP_LIST = (
    "按修正分从低到高排列，品牌项目下列出其评价偏低的活动：修正分按评价条数修正均分，评价越少越向本范围平均水平靠拢，"
    "避免一两条差评就上榜。修正分低于 {threshold} 分的活动和品牌项目、均分明显下滑的品牌项目、"
    "连续 {idle} 天以上未开展活动的实践站列入。"
)
HELP_LOW_ACTIVITIES = "修正分低于 {threshold} 分的活动。"
HELP_LOW_BRANDS = "修正分低于 {threshold} 分、或期内均分明显下滑的品牌项目。"
HELP_IDLE = "连续 {idle} 天以上未开展活动的实践站（含其实践点的活动）。"
ALL_GOOD = "所选范围内没有需要调整的活动、品牌项目或实践站。"
NO_COMMENTS = "该项没有 {max_score} 分及以下并写了意见的评价。"
RECTIFY_LABEL = "下载整改清单（Excel）"
RECTIFY_HELP = "每个需调整的项目一行，含问题和群众意见，留有整改措施、责任人、完成时限三列待填。"
# a session listed under its brand; a brand listed only for its sessions
SESSION_MARK = "└ "
NOT_FLAGGED = "品牌整体未低于标准，下列活动评价偏低"
PICKS = 200  # items the comment picker lists, worst first
MORE_PICKS = "只列出最需要调整的前 {shown} 项（共 {n} 项）。"
TILES = [
    ui.TileSpec.of("ratings"),
    ui.TileSpec.of("mean_score", unknown=NO_RATINGS),
    ui.TileSpec.of("satisfaction_rate", unknown=NO_RATINGS),
]
LOW_COLUMNS = [
    ui.Column("kind_label", "类型"),
    ui.Column("shown_name", "名称"),
    ui.Column("start_on", "活动日期", lambda v: format_date(v) if v else ""),
    ui.Column("unit_name", "所属阵地"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("mean_score", "均分", format_score, "0.00"),
    ui.Column("adjusted_score", "修正分", format_score, "0.00"),
    ui.Column("satisfaction_rate", "满意率", format_percent, "0.0%"),
    ui.Column("complaints_text", "主要意见", lambda v: v or "", wrap=True),
    ui.Column("reason", "原因"),
]
COMMENT_COLUMNS = [
    ui.Column("score", "评分", lambda v: f"{v}分"),
    ui.Column("comment", "评价内容"),
    ui.Column("title", "活动"),
    ui.Column("start_on", "活动日期"),
]
# 整改清单: one row per item to adjust; the last three columns are for the units to fill.
RECTIFY_COLUMNS = [
    ui.Column("n", "序号"),
    ui.Column("kind_label", "类型"),
    ui.Column("name", "名称"),
    ui.Column("start_on", "活动日期"),
    ui.Column("unit_name", "所属阵地"),
    ui.Column("reason", "存在问题"),
    ui.Column("complaints_text", "群众主要意见"),
    ui.Column("measures", "整改措施"),
    ui.Column("owner", "责任人"),
    ui.Column("deadline", "完成时限"),
]


def complaints_text(complaints: list[dict]) -> str:
    """``老师讲得太快（4条）、场地太小（2条）``"""
    return "、".join(f"{c['text']}（{c['count']}条）" for c in complaints)


def item_label(row: dict) -> str:
    """``活动：星光课堂·插花（2025年7月15日，新安路街道新时代文明实践所）``"""
    where = [format_date(row["start_on"])] if row.get("start_on") else []
    return f"{KIND_LABELS[row['kind']]}：{row['name']}（{'，'.join([*where, row['unit_name']])}）"


def rectify_rows(items: list[dict]) -> list[dict]:
    """整改清单: the items numbered, with empty columns for the units to fill."""
    return [
        {**row, "n": n, "measures": None, "owner": None, "deadline": None}
        for n, row in enumerate(items, start=1)
    ]


@ui.cached
def low_items(scope: metrics.Scope) -> list[dict]:
    """What to adjust, worst first, with the words the table shows: each brand once with
    its poorly rated sessions beneath it (``lowsat.grouped``), then idle stations. A brand
    listed only because of its sessions has ``is_flagged`` False."""
    rows = []
    for group in ui.load_shared(lowsat.grouped, scope):
        rows.append(group["head"])
        rows += [{**row, "is_session": True} for row in group["sessions"]]
    rows += [{**row, "is_flagged": True} for row in ui.load_shared(lowsat.idle_stations, scope)]
    return [
        {
            **row,
            "kind_label": KIND_LABELS[row["kind"]],
            "shown_name": SESSION_MARK + row["name"] if row.get("is_session") else row["name"],
            "complaints_text": complaints_text(row["complaints"]),
            "reason": row["reason"] or NOT_FLAGGED,
        }
        for row in rows
    ]


@ui.cached
def flagged_items(scope: metrics.Scope) -> list[dict]:
    """The items to adjust (the 整改清单's rows), in the table's order."""
    return [row for row in low_items(scope) if row["is_flagged"]]


@ui.cached
def low_counts(scope: metrics.Scope) -> dict[str, int]:
    """How many items of each kind there are to adjust."""
    items = flagged_items(scope)
    return {kind: sum(row["kind"] == kind for row in items) for kind in KIND_LABELS}


@ui.cached
def comment_picks(scope: metrics.Scope) -> tuple[dict[str, dict], int]:
    """The first PICKS rated items (stations have no ratings) by ``kind:id``, with the
    picker's label, and how many rated items there are."""
    rated = [row for row in flagged_items(scope) if row["kind"] != lowsat.KIND_STATION]
    picks = {
        f"{row['kind']}:{row['id']}": {
            "kind": row["kind"],
            "id": row["id"],
            "name": row["name"],
            "label": item_label(row),
        }
        for row in rated[:PICKS]
    }
    return picks, len(rated)


scope = ui.scope_bar()
ui.title("群众满意度")
earlier_scope = ui.previous_period(scope)
now = ui.load(metrics.rating_figures, scope)
activities = ui.load(metrics.activity_figures, scope)
ui.guard(activities["activities"], ui.MSG_EMPTY_SCOPE)
before = ui.load(metrics.rating_figures, ui.same_period_last_year(scope))
earlier = ui.load(metrics.rating_figures, earlier_scope) if earlier_scope else None
counts = low_counts(scope)
config = settings.config()
threshold = format_score(config.low_score_threshold)
ui.tiles(
    [
        *ui.with_period_change(ui.compare(TILES, now, before), TILES, now, earlier),
        ui.tile(
            "待调整活动",
            counts[lowsat.KIND_ACTIVITY],
            format_count,
            help=HELP_LOW_ACTIVITIES.format(threshold=threshold),
            unit=metrics.figure("activities").unit,
        ),
        ui.tile(
            "待调整品牌",
            counts[lowsat.KIND_BRAND],
            format_count,
            help=HELP_LOW_BRANDS.format(threshold=threshold),
            unit=UNIT_COUNT,
        ),
        ui.tile(
            "闲置实践站",
            counts[lowsat.KIND_STATION],
            format_count,
            help=HELP_IDLE.format(idle=config.idle_days),
            unit=UNIT_COUNT,
        ),
    ],
    key="satisfaction",
)

left, right = st.columns(2, gap="medium")
with left:
    ui.chart(
        charts.satisfaction_distribution(
            ui.load(details.score_distribution, scope), "群众评价的分数分布"
        ),
        key="satisfaction_distribution",
        file_name="群众评价分数分布",
    )
with right:
    rated = [row for row in ui.load(metrics.by_unit, scope) if row["ratings"]]
    ui.chart(
        charts.bar_by(
            rated,
            "name",
            "satisfaction_rate",
            "下级阵地满意率",
            value_label="满意率",
            value_format=format_percent,
        ),
        key="satisfaction_units_chart",
        file_name="下级阵地满意率",
    )

st.subheader("需要调整的项目", anchor=False)
st.caption(HELP_LIST.format(threshold=threshold, idle=config.idle_days))
if not sum(counts.values()):
    st.success(ALL_GOOD, icon=":material/check_circle:")
    st.stop()
ui.table(low_items.rows(scope), LOW_COLUMNS, key="satisfaction_low", file_name="需调整的项目")
ui.download(
    RECTIFY_LABEL,
    lambda: ui.to_xlsx(
        rectify_rows(flagged_items.rows(scope).all()), RECTIFY_COLUMNS, sheet="整改清单"
    ),
    file_name=f"整改清单_{ui.unit_name(scope.unit_id)}_{format_date(scope.date_to)}.xlsx",
    key="satisfaction_rectify",
    icon=":material/assignment:",
    help=RECTIFY_HELP,
    type="primary",
)

st.subheader("群众意见", anchor=False)
picks, rated = comment_picks(scope)
if picks:
    picked = st.selectbox(
        "查看哪一项的群众意见",
        list(picks),
        format_func=lambda pick: picks[pick]["label"],
        key="satisfaction_comments_pick",
    )
    if rated > len(picks):
        st.caption(MORE_PICKS.format(shown=len(picks), n=rated))
    item = picks[picked]
    comments = ui.load(
        details.complaint_comments,
        scope,
        kind=item["kind"],
        ids=(item["id"],),
        max_score=lowsat.COMPLAINT_MAX_SCORE,
    )
    st.caption(f"{lowsat.COMPLAINT_MAX_SCORE} 分及以下、写了意见的评价，按分数从低到高。")
    if comments:
        ui.table(
            comments,
            COMMENT_COLUMNS,
            key="satisfaction_comments",
            file_name=f"群众意见_{item['name']}",
        )
    else:
        st.info(NO_COMMENTS.format(max_score=lowsat.COMPLAINT_MAX_SCORE), icon=":material/info:")
else:
    st.caption("列入的只有实践站，没有评价意见可看。")
