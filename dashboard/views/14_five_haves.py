"""五有达标: every 所 and 站 against the 五有 standard (有机制、有阵地、有队伍、有活动、有项目)
over the period, as a matrix where 未报送 (the input was not sent) stands apart from 否,
and the list of what each station lacks."""

import streamlit as st

from dashboard import ui
from dashboard.metrics import practices
from dashboard.numbers import format_count
from pipelines import settings

NO_UNITS = "所选阵地范围内没有实践所或实践站。可在上方换一个阵地范围。"
CAPTION_STANDARD = "五有标准（统计期间内）：" + "；".join(
    f"{name}——{need}" for _, name, need in practices.HAVES
)
CAPTION_MATRIX = (
    "“未报送”表示台账没有提供判断所需的信息（如阵地表未填“制度上墙”“负责人”“功能室数量”，"
    "或本县未报送志愿服务队伍表），不等于“否”。点击列名可排序。"
)
WHAT_TO_SEND = (
    "有 {n} 个所站的部分“有”无法判断（未报送）。补充以下信息后重新导入即可：阵地表的“制度上墙”“负责人”"
    "“挂牌日期”“功能室数量”“场所面积（平方米）”列，以及志愿服务队伍表（队伍编码、队伍名称、所属阵地编码、"
    "队员人数）。"
)
NOT_SENT = "所有所站都未报送判断这一项所需的信息。"
HELP_HAVE = "{need}。否 {no} 个，未报送 {unreported} 个。"
ALL_MET = "所选范围内的所站五项全部达标。"
LACKS_CAPTION = "按所站列出判断为“否”的项（未报送的项另列），可据此逐站补短板。"

COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级"),
    ui.Column("parent_name", "上级阵地", lambda v: v or ""),
    *[ui.Column(key, name, practices.have_value) for key, name, _ in practices.HAVES],
    ui.Column("score", "达标项数", format_count, "0"),
    ui.Column("reported", "可判断项数", format_count, "0"),
    ui.Column("unit_id", "阵地编码"),
]
LACK_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("parent_name", "上级阵地", lambda v: v or ""),
    ui.Column("lacks", "缺少", lambda v: "、".join(v) or "—"),
    ui.Column("unreported", "未报送", lambda v: "、".join(v) or "—"),
    ui.Column("score", "达标项数", format_count, "0"),
]


# At a province the matrix runs to tens of thousands of 所站: the page keeps a small
# summary and reads the tables a page at a time (ui.cached), not the whole list per rerun.
@ui.cached
def overview(scope):
    haves = ui.load_shared(practices.five_haves, scope)
    rows = haves["by_unit"]
    return {
        "units": haves["units"],
        "counts": haves["counts"],
        "team_min_members": haves["team_min_members"],
        "full": sum(1 for row in rows if row["score"] == 5),
        "unreported": sum(1 for row in rows if row["unreported"]),
        "short": sum(1 for row in rows if row["lacks"] or row["unreported"]),
    }


@ui.cached
def matrix(scope):
    return ui.load_shared(practices.five_haves, scope)["by_unit"]


@ui.cached
def shortfalls(scope):
    rows = ui.load_shared(practices.five_haves, scope)["by_unit"]
    short = [row for row in rows if row["lacks"] or row["unreported"]]
    return sorted(short, key=lambda r: (r["score"], r["unit_id"]))


scope = ui.scope_bar()
ui.title("五有达标")

haves = overview(scope)
ui.guard(haves["units"], NO_UNITS)
counts = haves["counts"]
standard = {"n": haves["team_min_members"], "k": settings.config().effective_k}


def have_help(key: str, need: str) -> str:
    """What a 有 needs, and how many are 否 and 未报送."""
    return HELP_HAVE.format(
        need=need.format(**standard), no=counts[key]["no"], unreported=counts[key]["unreported"]
    )


ui.tiles(
    [
        ui.tile(
            "所站数", haves["units"], format_count, unit="个", help="所选范围内的实践所和实践站。"
        ),
        ui.tile(
            "五有全达标", haves["full"], format_count, unit="个", help="五项全部为“是”的所站。"
        ),
        *[
            ui.tile(
                f"{name}达标",
                # no 所站 could be judged: unknown, never 0
                counts[key]["yes"] if counts[key]["yes"] + counts[key]["no"] else None,
                format_count,
                unit="个",
                unknown_reason=NOT_SENT,
                help=have_help(key, need),
            )
            for key, name, need in practices.HAVES
        ],
    ],
    key="five_haves",
)
st.caption(CAPTION_STANDARD.format(**standard))

if haves["unreported"]:
    st.info(WHAT_TO_SEND.format(n=haves["unreported"]), icon=":material/info:")

st.subheader("五有达标矩阵", anchor=False)
st.caption(CAPTION_MATRIX)
ui.table(
    matrix.rows(scope),
    COLUMNS,
    key="five_haves_matrix",
    file_name=f"五有达标_{ui.unit_name(scope.unit_id)}",
)

st.subheader("各所站缺项清单", anchor=False)
if haves["short"]:
    st.caption(LACKS_CAPTION)
    ui.table(
        shortfalls.rows(scope),
        LACK_COLUMNS,
        key="five_haves_lacks",
        file_name=f"五有缺项清单_{ui.unit_name(scope.unit_id)}",
    )
else:
    st.success(ALL_MET, icon=":material/check_circle:")
