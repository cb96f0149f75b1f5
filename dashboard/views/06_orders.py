"""点单服务: the order loop 群众点单 → 中心派单 → 所站接单 → 志愿者送单 → 群众评单, how fast
each unit's orders are answered and done, and the orders still open after a week."""

import streamlit as st

from dashboard import charts, metrics, texts, ui
from dashboard.metrics import details
from dashboard.numbers import format_count, format_date, format_hours, format_percent

OPEN_DAYS = 7
NO_ORDERS = "所选期间和阵地范围内没有群众点单。可在上方换一个统计期间或阵地范围。"
NO_ACCEPTED = "统计期间没有已接单的点单。"
HELP_FUNNEL = (
    "每个环节计到达该环节的点单（按各环节时间，未填时间的按状态）；"
    "送单即办结（有完成时间且未取消）；评单为办结后对应活动收到群众评价的点单。"
)
OPEN_CAPTION = "截至 {as_of}，点单已满 {days} 天仍未办结（未完成也未取消）的点单，不限统计期间，按等待时间从长到短。"
ALL_CLOSED = "没有超过 {days} 天未办结的点单。"
STAGE_KEYS = ("ordered", "dispatched", "accepted", "completed", "rated")


UNIT_COLUMNS = [
    ui.Column("name", "点单阵地"),
    ui.Column("level", "层级"),
    ui.Column("orders", "点单数", format_count, "#,##0"),
    ui.Column("accepted", "已接单", format_count, "#,##0"),
    ui.Column("completed", "已办结", format_count, "#,##0"),
    ui.Column("cancelled", "已取消", format_count, "#,##0"),
    ui.Column("completion_rate", "办结率", format_percent, "0.0%"),
    ui.Column("median_accept_hours", "响应时长中位数（小时）", format_hours, "#,##0.0"),
    ui.Column("median_complete_hours", "办结时长中位数（小时）", format_hours, "#,##0.0"),
]
OPEN_COLUMNS = [
    ui.Column("order_id", "点单编号"),
    ui.Column("ordered_at", "点单时间"),
    ui.Column("days_open", "已等待（天）", format_count, "#,##0"),
    ui.Column("status", "状态"),
    ui.Column("category", "需求类别"),
    ui.Column("content", "需求内容", lambda v: v or ""),
    ui.Column("unit_name", "点单阵地"),
    ui.Column("accepted_unit_name", "接单阵地", lambda v: v or "（未接单）"),
]

scope = ui.scope_bar()
ui.title("点单服务")

orders = ui.load(metrics.order_figures, scope)
ui.guard(orders["orders"], NO_ORDERS)
before = ui.load(metrics.order_figures, ui.same_period_last_year(scope))
funnel = ui.load(details.order_funnel, scope)
late = ui.load(details.open_orders, scope, days=OPEN_DAYS)

ui.tiles(
    [
        ui.figure_tile("orders", orders["orders"], previous=before["orders"]),
        ui.figure_tile(
            "completion_rate",
            orders["completion_rate"],
            previous=before["completion_rate"],
            unknown_reason="统计期间的点单全部已取消。",
        ),
        ui.figure_tile(
            "median_accept_hours", orders["median_accept_hours"], unknown_reason=NO_ACCEPTED
        ),
        ui.figure_tile("cancelled", orders["cancelled"], label="已取消"),
        ui.tile(
            f"超 {OPEN_DAYS} 天未办结",
            len(late),
            format_count,
            help=f"截至数据截止时间，点单满 {OPEN_DAYS} 天仍未完成也未取消的点单（不限统计期间）。",
            unit=metrics.figure("orders").unit,
        ),
    ],
    key="orders",
)

by_unit = ui.load(details.orders_by_unit, scope)
left, right = st.columns(2, gap="medium")
with left:
    ui.chart(
        charts.funnel(
            [
                (stage, funnel[key])
                for stage, key in zip(texts.ORDER_STAGES, STAGE_KEYS, strict=True)
            ],
            "点单服务各环节",
        ),
        key="orders_funnel",
        file_name="点单服务各环节",
    )
    st.caption(HELP_FUNNEL)
with right:
    ui.chart(
        charts.bar_by(
            [row for row in by_unit if row["median_accept_hours"] is not None],
            "name",
            "median_accept_hours",
            "下级阵地响应时长（中位数）",
            value_label="响应时长（小时）",
            value_format=format_hours,
        ),
        key="orders_response_chart",
        file_name="下级阵地响应时长",
    )

st.subheader("分阵地办理情况", anchor=False)
st.caption("按点单阵地归属；响应时长为点单到接单，办结时长为点单到完成，均取中位数。")
ui.table(
    by_unit,
    UNIT_COLUMNS,
    key="orders_units",
    file_name=f"分阵地点单办理_{ui.unit_name(scope.unit_id)}",
)
ui.mark_flagged(by_unit, scope)

st.subheader(f"超过 {OPEN_DAYS} 天未办结的点单", anchor=False)
st.caption(OPEN_CAPTION.format(as_of=format_date(ui.as_of()), days=OPEN_DAYS))
if late:
    ui.table(
        sorted(late, key=lambda row: (-row["days_open"], row["order_id"])),
        OPEN_COLUMNS,
        key="orders_open",
        file_name="超期未办结点单",
    )
else:
    st.success(ALL_CLOSED.format(days=OPEN_DAYS), icon=":material/check_circle:")
