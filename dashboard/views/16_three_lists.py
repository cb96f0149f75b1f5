"""三张清单: 需求清单 (群众点单), 资源清单 (志愿服务队伍 and 品牌项目) and 服务清单 (activities
held) side by side by service category and by unit, the 供需缺口 first: categories the
people order where no team or brand of the subtree serves."""

import streamlit as st

from dashboard import charts, ui
from dashboard.metrics import practices
from dashboard.numbers import format_count

NO_LISTS = "所选期间和阵地范围内没有点单、队伍、品牌项目或活动。可在上方换一个统计期间或阵地范围。"
SEND_TEAMS = (
    "本范围未报送志愿服务队伍表，资源清单只含品牌项目，队伍数和供需缺口显示为“未报送”。"
    "请在「数据导入与质量」页导入志愿服务队伍表（队伍编码、队伍名称、所属阵地编码、服务类别、队员人数）。"
)
CAPTION = (
    "需求清单：期间内群众点单数；资源清单：截至期末已成立的志愿服务队伍和品牌项目；"
    "服务清单：期间内开展的活动（其中来自群众点单的另列）。有点单却没有同类别队伍或品牌项目的类别为供需缺口。"
)
GAP_NAMES = {True: "缺口", False: "—", None: "未报送"}
GAP_ALERT = "供需缺口：{n} 个服务类别"

COLUMNS = [
    ui.Column("category", "服务类别"),
    ui.Column("gap", "供需缺口", GAP_NAMES.get),
    ui.Column("demand", "需求清单（点单）", format_count, "#,##0"),
    ui.Column(
        "teams", "志愿服务队伍", lambda v: "未报送" if v is None else format_count(v), "#,##0"
    ),
    ui.Column("brands", "品牌项目", format_count, "#,##0"),
    ui.Column(
        "resources", "资源合计", lambda v: "未报送" if v is None else format_count(v), "#,##0"
    ),
    ui.Column("delivered", "服务清单（活动）", format_count, "#,##0"),
    ui.Column("from_orders", "其中群众点单", format_count, "#,##0"),
]
UNIT_COLUMNS = [ui.Column("name", "阵地"), ui.Column("level", "层级", lambda v: v or ""), *COLUMNS]

scope = ui.scope_bar()
ui.title("三张清单")

lists = ui.load(practices.three_lists, scope)
ui.guard(lists["by_category"], NO_LISTS)
rows = lists["by_category"]
if not lists["teams_reported"]:
    st.info(SEND_TEAMS, icon=":material/info:")

ui.tiles(
    [
        ui.tile("需求（点单）", sum(r["demand"] for r in rows), format_count, unit="单"),
        ui.tile(
            "资源（队伍＋品牌）",
            None if not lists["teams_reported"] else sum(r["resources"] for r in rows),
            format_count,
            unit="项",
            unknown_reason="未报送志愿服务队伍表。",
        ),
        ui.tile("服务（活动）", sum(r["delivered"] for r in rows), format_count, unit="场次"),
        ui.figure_tile(
            "list_gaps",
            lists["gaps"],
            unknown_reason="未报送志愿服务队伍表，无法判断是否有缺口。",
        ),
    ],
    key="three_lists",
)

gaps = [r["category"] for r in rows if r["gap"]]
if gaps:
    st.warning(GAP_ALERT.format(n=len(gaps)) + "：" + "、".join(gaps), icon=":material/warning:")

ui.chart(
    charts.bar_by(
        [r for r in rows if r["demand"]],
        "category",
        "demand",
        "各类别群众点单（需求清单）",
        value_label="点单数",
    ),
    key="three_lists_demand",
    file_name="各类别需求清单",
)

st.subheader("按服务类别", anchor=False)
st.caption(CAPTION)
ui.table(
    rows, COLUMNS, key="three_lists_categories", file_name=f"三张清单_{ui.unit_name(scope.unit_id)}"
)

st.subheader("按下级阵地", anchor=False)
ui.table(
    lists["by_unit"],
    UNIT_COLUMNS,
    key="three_lists_units",
    file_name=f"三张清单_分阵地_{ui.unit_name(scope.unit_id)}",
)
