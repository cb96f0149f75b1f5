"""红灰黑榜: the stations of the quarter holding the period's end on the 红榜, 灰榜 and 黑榜
(一季一公示), each score with its parts and its move since last quarter, and the 公示 as a
printable A4 page."""

from datetime import timedelta

import streamlit as st

from dashboard import notice, ui
from dashboard.briefing.gather import place_name
from dashboard.metrics import Scope, practices
from dashboard.numbers import format_count, format_date, format_percent, format_score
from pipelines import settings

NO_STATIONS = "所选阵地范围内没有实践站，无法排榜。可在上方换一个阵地范围。"
CAPTION_QUARTER = "{quarter}（{date_from}至{date_to}，按统计期间的结束日期所在季度；与上季度 {previous} 比较名次）。"
CAPTION_RULE = (
    "得分 = 活动{w_act:g}分 × min(1, 月均活动场次 ÷ {k}) + 满意度{w_sat:g}分 × （修正分−1）÷ 4 "
    "+ 点单办结{w_done:g}分 × 办结率。无评价的站取本范围的平均水平（修正分 {prior}），"
    "无点单的站取本范围的办结率；本范围无点单时按活动与满意度两项折算为百分制。"
    "黑榜：本季度无活动，或满意度修正分低于 {threshold}；红榜、灰榜：其余站中得分前 {red}、后 {grey}（同分同榜）。"
)
EMPTY_LIST = "本季度没有站点列入{name}。"
NOTICE_LABEL = "下载 A4 公示（可直接打印）"
NOTICE_PREVIEW = "显示公示预览"
LABEL_QUARTER = "公示季度"
QUARTERS_OFFERED = 8

COLUMNS = [
    ui.Column("rank", "名次", lambda v: "—" if v is None else str(v), "0"),
    ui.Column("name", "站点"),
    ui.Column("parent_name", "所属", lambda v: v or ""),
    ui.Column("score", "得分", notice.points, "0.0"),
    ui.Column("activity_part", "活动分", notice.points, "0.0"),
    ui.Column("activities", "活动场次", format_count, "#,##0"),
    ui.Column("satisfaction_part", "满意度分", notice.points, "0.0"),
    ui.Column("adjusted_score", "满意度修正分", format_score, "0.00"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("completion_part", "办结分", notice.points, "0.0"),
    ui.Column("completion_rate", "办结率", format_percent, "0.0%"),
    ui.Column("orders", "点单数", format_count, "#,##0"),
    ui.Column("movement", "较上季度", lambda v: notice.movement_text({"movement": v})),
    ui.Column(
        "previous_list", "上季度", lambda v: practices.LIST_NAMES.get(v, "未上榜") if v else "—"
    ),
]
BLACK_COLUMNS = [COLUMNS[1], COLUMNS[2], ui.Column("black_reason", "列入原因"), *COLUMNS[3:]]
ALL_COLUMNS = [
    *COLUMNS[:3],
    ui.Column("list", "榜单", lambda v: practices.LIST_NAMES.get(v, "—")),
    *COLUMNS[3:],
]


# A province ranks tens of thousands of stations: the page keeps a small summary and reads
# each list a page at a time (ui.cached), not every station on every rerun.
@ui.cached
def summary(quarter):
    ranked = ui.load_shared(practices.rankings, quarter)
    return {
        **{k: v for k, v in ranked.items() if k not in ("stations", *practices.LISTS)},
        "stations": len(ranked["stations"]),
        **{name: len(ranked[name]) for name in practices.LISTS},
    }


@ui.cached
def listed(quarter, name):
    return ui.load_shared(practices.rankings, quarter)[name]


scope = ui.scope_bar()
ui.title("红灰黑榜")

# 一季一公示: the quarter holding the period's end, or one of the quarters before it
end = min(scope.date_to, ui.as_of())
quarters = [practices.quarter_of(end)]
while len(quarters) < QUARTERS_OFFERED:
    quarters.append(practices.quarter_of(quarters[-1][0] - timedelta(days=1)))
picked = st.selectbox(
    LABEL_QUARTER,
    range(len(quarters)),
    format_func=lambda i: practices.quarter_label(quarters[i][0]),
    key="honor_quarter",
)
first, last = quarters[picked or 0]
quarter = Scope(first, last, scope.unit_id)
ranked = summary(quarter)
ui.guard(ranked["stations"], NO_STATIONS)
config = settings.config()
w_act, w_sat, w_done = ranked["weights"]

st.caption(
    CAPTION_QUARTER.format(
        quarter=ranked["quarter"],
        date_from=format_date(ranked["date_from"]),
        date_to=format_date(ranked["date_to"]),
        previous=ranked["previous_quarter"],
    )
)
ui.tiles(
    [
        ui.figure_tile("ranked_stations", ranked["stations"]),
        *[ui.figure_tile(f"{name}_stations", ranked[name]) for name in practices.LISTS],
    ],
    key="honor_lists",
)

for name in practices.LISTS:
    st.subheader(f"{practices.LIST_NAMES[name]}（{ranked[name]}个）", anchor=False)
    if not ranked[name]:
        st.caption(EMPTY_LIST.format(name=practices.LIST_NAMES[name]))
        continue
    ui.table(
        listed.rows(quarter, name=name),
        BLACK_COLUMNS if name == "black" else COLUMNS,
        key=f"honor_{name}",
        file_name=f"{practices.LIST_NAMES[name]}_{ranked['quarter']}",
    )

st.subheader("全部站点得分", anchor=False)
ui.table(
    listed.rows(quarter, name="stations"),
    ALL_COLUMNS,
    key="honor_all",
    file_name=f"站点得分_{ranked['quarter']}_{ui.unit_name(scope.unit_id)}",
)
st.caption(
    CAPTION_RULE.format(
        w_act=w_act,
        w_sat=w_sat,
        w_done=w_done,
        k=config.effective_k,
        prior=format_score(ranked["prior"]),
        threshold=config.low_score_threshold,
        red=format_percent(config.red_share),
        grey=format_percent(config.grey_share),
    )
)

# the notice names the place: the scope unit, or the single top unit of the warehouse
units = ui.reader().units()
tops = [u for u in units.values() if u["parent_id"] is None]
unit = units.get(scope.unit_id) if scope.unit_id else (tops[0] if len(tops) == 1 else None)
place = place_name(unit) if unit else ui.unit_name(scope.unit_id)
as_of = ui.as_of()


def notice_bytes() -> bytes:
    """The 公示, made when asked for (a province's lists run to thousands of stations)."""
    return notice.notice_html(ui.load_shared(practices.rankings, quarter), place, as_of).encode()


ui.download(
    NOTICE_LABEL,
    notice_bytes,
    file_name=f"红灰黑榜公示_{ranked['quarter']}.html",
    key="honor_notice",
    icon=":material/print:",
)
if st.toggle(NOTICE_PREVIEW, key="honor_preview"):
    # in a frame of its own: the notice's print CSS must not restyle the app; every
    # ledger value in it is escaped (dashboard.notice)
    st.iframe(notice_bytes().decode(), height=900)
