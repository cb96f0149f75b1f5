"""志愿者与积分: 星级志愿者 by their service hours, 积分 earned by serving and redeemed at the
爱心超市 by unit and month, and the redemptions over the balance. Counts only: no person's
identity is ever shown."""

import streamlit as st

from dashboard import charts, ui
from dashboard.metrics import practices
from dashboard.numbers import format_count, format_hours

NOTHING_SENT = (
    "本范围未报送志愿者个人服务时长和积分兑换记录，无法计算积分和星级志愿者。需要：参与记录表增加"
    "“服务时长（小时）”列（身份为志愿者的行填写本人在该活动的服务时长），以及积分兑换表（兑换编号、"
    "参与者编号、兑换阵地编码、兑换时间、积分）。导入后本页自动显示。"
)
CAPTION_POINTS = (
    "积分 = 每小时 {per_hour:g} 分 × 志愿服务时长 + 每次签到 {per_signin:g} 分 × 以群众身份签到次数；"
    "结余为截至期末本范围累计获得减累计兑换。"
)
CAPTION_STARS = "按截至期末在本范围内的累计志愿服务时长评定：{levels}。只统计人数，不显示个人。"
STAR_NAMES = {"1": "一星", "2": "二星", "3": "三星", "4": "四星", "5": "五星"}
OVERDRAWN_CAPTION = "兑换积分超过兑换时个人结余的记录（已导入，请核实）。不显示兑换人。"
NONE_OVERDRAWN = "没有超过结余的兑换。"


def format_points(value: float | None) -> str:
    """Points: whole ones as counts, a fraction (half an hour × 10) with one decimal."""
    if value is None or float(value).is_integer():
        return format_count(value)
    return format_hours(value)


POINT_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级", lambda v: v or ""),
    ui.Column("earned", "获得积分", format_points, "#,##0.0"),
    ui.Column("redeemed", "兑换积分", format_points, "#,##0"),
]
MONTH_COLUMNS = [
    ui.Column("month", "月份"),
    ui.Column("earned", "获得积分", format_points, "#,##0.0"),
    ui.Column("redeemed", "兑换积分", format_points, "#,##0"),
]
STAR_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级", lambda v: v or ""),
    *[ui.Column(f"star_{n}", f"{STAR_NAMES[n]}志愿者", format_count, "#,##0") for n in STAR_NAMES],
    ui.Column("starred", "星级志愿者合计", format_count, "#,##0"),
    ui.Column("volunteers", "有服务时长的志愿者", format_count, "#,##0"),
    ui.Column("promoted", "本期晋星", format_count, "#,##0"),
]
OVERDRAWN_COLUMNS = [
    ui.Column("redemption_id", "兑换编号"),
    ui.Column("unit_name", "兑换阵地"),
    ui.Column("redeemed_at", "兑换时间"),
    ui.Column("points", "兑换积分", format_points, "#,##0"),
    ui.Column("balance_before", "兑换前结余", format_points, "#,##0.0"),
]

scope = ui.scope_bar()
ui.title("志愿者与积分")

points = ui.load(practices.points, scope)
# the stars of the scope and of each child from one read of the service hours
starred = ui.load(practices.stars_with_units, scope)
stars = starred["stars"]
ui.guard(points["earned"] is not None or points["redeemed"] is not None, NOTHING_SENT)
if points["unknown_reason"]:
    st.info(points["unknown_reason"], icon=":material/info:")

ui.tiles(
    [
        ui.tile(
            "获得积分",
            points["earned"],
            format_points,
            unit="分",
            unknown_reason=points["unknown_reason"],
        ),
        ui.tile(
            "兑换积分",
            points["redeemed"],
            format_points,
            unit="分",
            unknown_reason=points["unknown_reason"],
        ),
        ui.tile(
            "积分结余",
            points["balance"],
            format_points,
            unit="分",
            unknown_reason=points["unknown_reason"],
            help="截至期末本范围累计获得积分减累计兑换积分。",
        ),
        ui.figure_tile("points_persons", points["persons"]),
        ui.tile("志愿者个人服务时长", points["hours"], format_hours, unit="小时"),
        ui.figure_tile("starred", stars["starred"], unknown_reason=stars["unknown_reason"]),
        ui.figure_tile("promoted", stars["promoted"], unknown_reason=stars["unknown_reason"]),
        ui.figure_tile("points_overdrawn", points["overdrawn"]),
    ],
    key="volunteers",
)
st.caption(
    CAPTION_POINTS.format(
        per_hour=points["points_per_hour"], per_signin=points["points_per_signin"]
    )
)

breakdown = ui.load(practices.points_breakdown, scope)
left, right = st.columns(2, gap="medium")
with left:
    st.subheader("各月积分", anchor=False)
    ui.table(breakdown["by_month"], MONTH_COLUMNS, key="volunteers_months", file_name="各月积分")
with right:
    st.subheader("下级阵地积分", anchor=False)
    ui.table(breakdown["by_unit"], POINT_COLUMNS, key="volunteers_units", file_name="下级阵地积分")

st.subheader("星级志愿者", anchor=False)
if stars["counts"] is None:
    st.info(stars["unknown_reason"], icon=":material/info:")
else:
    levels = "、".join(
        f"{STAR_NAMES[str(i + 1)]} {format_hours(h)} 小时"
        for i, h in enumerate(stars["star_hours"])
    )
    st.caption(CAPTION_STARS.format(levels=levels))
    ui.chart(
        charts.bar_by(
            [{"star": STAR_NAMES[n] + "志愿者", "persons": stars["counts"][n]} for n in STAR_NAMES],
            "star",
            "persons",
            "星级志愿者人数",
            horizontal=False,
            value_label="人数",
            sort=False,
        ),
        key="volunteers_stars",
        file_name="星级志愿者人数",
    )
    by_unit = starred["by_unit"]
    ui.table(
        [{**row, **{f"star_{n}": row["counts"][n] for n in STAR_NAMES}} for row in by_unit],
        STAR_COLUMNS,
        key="volunteers_star_units",
        file_name="下级阵地星级志愿者",
    )

st.subheader("超结余兑换", anchor=False)
overdrawn = ui.load(practices.overdrawn_redemptions, scope)
if overdrawn:
    st.caption(OVERDRAWN_CAPTION)
    ui.table(overdrawn, OVERDRAWN_COLUMNS, key="volunteers_overdrawn", file_name="超结余兑换")
else:
    st.success(NONE_OVERDRAWN, icon=":material/check_circle:")
