"""品牌项目: every brand project of the scope with its reach, ratings and trend, and one
brand in detail with its activities."""

import streamlit as st

from dashboard import charts, metrics, ui
from dashboard.metrics import details
from dashboard.numbers import (
    format_count,
    format_hours,
    format_percent,
    format_score,
    inventory_number,
)

NO_RATINGS = "统计期间没有群众评价。"
UNIT_BRANDS = "个"
NO_BRANDS = "所选阵地范围内没有登记品牌项目。可在「数据导入与质量」页导入品牌项目表。"
NO_ACTIVE = "所选期间内各品牌项目都没有开展活动。可在上方换一个统计期间。"
NO_BRAND_ACTIVITIES = "该品牌项目在统计期间没有开展活动。"
HELP_ADJUSTED = (
    "按评价条数修正后的均分：评价越少，越向本范围的平均水平靠拢（相当于加上 {w} 条平均分评价），"
    "避免一两条评价就决定排名。"
)
TREND_CAPTION = "默认显示服务人次最多的 {n} 个品牌项目，可增减。"
TREND_TOP = 5
# figure key → (label, writer) for the trend
TREND = {
    "person_times": ("服务人次", format_count),
    "activities": ("活动场次", format_count),
}
BRAND_COLUMNS = [
    ui.Column("name", "品牌项目"),
    ui.Column("unit_name", "所属阵地"),
    ui.Column("category", "服务类别"),
    ui.Column("activities", "活动场次", format_count, "#,##0"),
    ui.Column("person_times", "服务人次", format_count, "#,##0"),
    ui.Column("volunteer_hours", "志愿服务时长（小时）", format_hours, "#,##0.0"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("mean_score", "满意度均分", format_score, "0.00"),
    ui.Column("adjusted_score", "修正分", format_score, "0.00"),
    ui.Column("satisfaction_rate", "满意率", format_percent, "0.0%"),
]
ACTIVITY_COLUMNS = [
    ui.Column("start_at", "开始时间"),
    ui.Column("title", "活动名称"),
    ui.Column("unit_name", "承办阵地"),
    ui.Column("category", "服务类别"),
    ui.Column("target_group", "服务对象", lambda v: v or ""),
    ui.Column("person_times", "服务人次", format_count, "#,##0"),
    ui.Column("reported_person_times", "台账填报人次", format_count, "#,##0"),
    ui.Column("ratings", "评价数", format_count, "#,##0"),
    ui.Column("mean_score", "满意度均分", format_score, "0.00"),
    ui.Column("adjusted_score", "修正分", format_score, "0.00"),
    ui.Column("satisfaction_rate", "满意率", format_percent, "0.0%"),
    ui.Column("activity_id", "活动编码"),
]


scope = ui.scope_bar()
ui.title("品牌项目")

brands = ui.load(metrics.by_brand, scope)
ui.guard(brands, NO_BRANDS)
active = [row for row in brands if row["activities"]]
names = {row["brand_id"]: row["name"] for row in brands}
help_adjusted = HELP_ADJUSTED.format(w=metrics.PRIOR_WEIGHT)

ui.tiles(
    [
        ui.tile(
            "品牌项目",
            len(brands),
            inventory_number,
            help="所选范围内阵地登记的品牌项目数。",
            unit=UNIT_BRANDS,
        ),
        ui.tile(
            "活跃品牌",
            len(active),
            inventory_number,
            help="统计期间开展过活动的品牌项目数。",
            unit=UNIT_BRANDS,
        ),
        ui.figure_tile(
            "activities", sum(row["activities"] for row in brands), label="品牌活动场次"
        ),
        ui.figure_tile(
            "person_times", sum(row["person_times"] for row in brands), label="品牌服务人次"
        ),
        ui.figure_tile("ratings", sum(row["ratings"] for row in brands), label="品牌评价数"),
    ],
    key="brands_tiles",
)

ui.chart(
    charts.brand_ranking(active, "品牌项目服务人次排行（前10）"),
    key="brands_ranking_chart",
    file_name="品牌项目服务人次排行",
)
st.subheader("全部品牌项目", anchor=False)
st.caption("修正分：" + help_adjusted)
ui.table(
    sorted(brands, key=lambda row: (-row["person_times"], -row["activities"], row["brand_id"])),
    BRAND_COLUMNS,
    key="brands_table",
    file_name=f"品牌项目_{ui.unit_name(scope.unit_id)}",
)

st.subheader("月度趋势", anchor=False)
by_reach = sorted(active, key=lambda row: (-row["person_times"], row["brand_id"]))
if not active:
    st.info(NO_ACTIVE, icon=":material/info:")
picked = st.multiselect(
    "品牌项目",
    [row["brand_id"] for row in by_reach],
    default=[row["brand_id"] for row in by_reach[:TREND_TOP]],
    format_func=names.get,
    key="brands_trend_pick",
)
st.caption(TREND_CAPTION.format(n=TREND_TOP))
figure = ui.figure_switch(TREND, key="brands_trend_figure")
label, fmt = TREND[figure]
ui.chart(
    charts.monthly_trend(
        ui.load(details.brand_months, scope, brand_ids=tuple(picked)),
        figure,
        f"品牌项目各月{label}",
        series_key="name",
        value_label=label,
        value_format=fmt,
    ),
    key="brands_trend",
    file_name=f"品牌项目各月{label}",
)

st.subheader("品牌详情", anchor=False)
brand_id = st.selectbox(
    "选择品牌项目",
    [row["brand_id"] for row in by_reach] + [r["brand_id"] for r in brands if not r["activities"]],
    format_func=names.get,
    key="brands_detail_pick",
)
brand = next(row for row in brands if row["brand_id"] == brand_id)
st.caption(f"所属阵地：{brand['unit_name']}　·　服务类别：{brand['category'] or '—'}")
ui.tiles(
    [
        ui.figure_tile("activities", brand["activities"]),
        ui.figure_tile("person_times", brand["person_times"]),
        ui.figure_tile("volunteer_hours", brand["volunteer_hours"]),
        ui.figure_tile("ratings", brand["ratings"]),
        ui.figure_tile("mean_score", brand["mean_score"], unknown_reason=NO_RATINGS),
        ui.figure_tile(
            "adjusted_score", brand["adjusted_score"], unknown_reason=NO_RATINGS, help=help_adjusted
        ),
        ui.figure_tile("satisfaction_rate", brand["satisfaction_rate"], unknown_reason=NO_RATINGS),
    ],
    key="brands_detail_tiles",
)
if not brand["activities"]:
    st.info(NO_BRAND_ACTIVITIES, icon=":material/info:")
else:
    ui.chart(
        charts.monthly_trend(
            ui.load(details.brand_months, scope, brand_ids=(brand_id,)),
            "person_times",
            f"{brand['name']}各月服务人次",
            value_label="服务人次",
        ),
        key="brands_detail_trend",
        file_name=f"{brand['name']}各月服务人次",
    )
    st.markdown(f"**{brand['name']}的活动**")
    ui.table(
        ui.load(details.brand_activities, scope, brand_id=brand_id),
        ACTIVITY_COLUMNS,
        key="brands_detail_activities",
        file_name=f"{brand['name']}活动明细",
    )
