"""The one list of figures: each figure's key, Chinese name, unit, kind, the metrics
function returning it, the table it comes from and its definition (口径).

Tiles, table headers, chart labels, ``wenming report``'s text and the briefing's 口径
read a figure's words from here; its SQL lives in ``dashboard.metrics.queries`` and its
function in ``dashboard.metrics.figures``. A page that shows a figure under another
name or with another definition is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard import texts
from dashboard.numbers import UNKNOWN, format_count, format_hours, format_percent, format_score

# How a figure of each kind is written on screen (tiles and tables): one rule per kind.
_WRITERS: dict[str, Callable[[Any], str]] = {
    "flow": format_count,
    "inventory": format_count,
    "rate": format_percent,
    "score": format_score,
    "hours": format_hours,
}
# The xlsx number format of each kind (the download keeps numbers as numbers).
_EXCEL = {
    "flow": "#,##0",
    "inventory": "#,##0",
    "rate": "0.0%",
    "score": "0.00",
    "hours": "#,##0.0",
}
# Units a written number already carries.
_UNIT_IN_NUMBER = {"%"}


@dataclass(frozen=True)
class Figure:
    """One figure: its key, Chinese name, unit of count, kind and the family returning it.

    ``kind`` says how it is written: ``flow`` (a whole count; brief_number in a
    briefing), ``inventory`` (a count of things, exact), ``rate`` (a fraction, one
    decimal of a percentage), ``score`` (two decimals), ``hours`` (one decimal). ``table``
    names the ledger tables it counts and ``definition`` is its 口径, one text shown on
    hover, in the briefing's appendix and its 数字核对 sheet.
    """

    key: str
    name: str
    unit: str
    kind: str
    family: str
    table: str = ""
    definition: str = ""

    @property
    def header(self) -> str:
        """A table header: the name, with the unit where the name does not say it
        (``志愿服务时长（小时）``)."""
        return f"{self.name}（{self.unit}）" if self.kind == "hours" else self.name

    @property
    def excel(self) -> str:
        return _EXCEL[self.kind]

    def written(self, value: Any) -> str:
        """The value as the app writes it in a table: ``1,234``, ``1,234.5``, ``87.5%``."""
        return _WRITERS[self.kind](value)

    def with_unit(self, value: Any) -> str:
        """The value with its unit, as a tile shows it: ``1,234场次``, ``87.5%``, ``3.65分``;
        an unknown value is ``—`` alone."""
        text = self.written(value)
        if text == UNKNOWN or self.unit in _UNIT_IN_NUMBER:
            return text
        return text + self.unit


FIGURES: tuple[Figure, ...] = (
    Figure(
        "activities", "活动场次", "场次", "flow", "activity_figures", "活动",
        "开始日期在统计期间内、由范围内阵地（含下属阵地）承办的活动场数。",
    ),
    Figure(
        "person_times", "服务人次", "人次", "flow", "activity_figures", "活动、参与记录",
        "逐场计算后相加：有群众参与记录（签到或人数）的活动按记录人数合计，没有的按台账填报的参与人次，"
        "都没有的计0；志愿者记录不计入。同一人参加3场计3人次。",
    ),
    Figure(
        "volunteer_hours", "志愿服务时长", "小时", "hours", "activity_figures", "活动",
        "期内活动台账填报的志愿服务时长之和。",
    ),
    Figure(
        "volunteer_times", "志愿者人次", "人次", "flow", "activity_figures", "活动",
        "期内活动台账填报的志愿者人数之和。",
    ),
    Figure(
        "unique_persons", "服务人数", "人", "flow", "person_figures", "参与记录",
        "期内活动的群众签到记录中不同参与者编号的个数（实名签到去重），同一人参加多场只计1人；"
        "只记人数、没有编号的不计入。",
    ),
    Figure(
        "volunteer_persons", "志愿者人数", "人", "flow", "person_figures", "参与记录",
        "期内活动的志愿者签到记录中不同编号的个数。",
    ),
    Figure(
        "ratings", "评价数", "条", "flow", "rating_figures", "评价",
        "期内活动收到的群众评单条数。",
    ),
    Figure(
        "mean_score", "满意度均分", "分", "score", "rating_figures", "评价",
        "期内活动所有评价分数（1—5分）的平均值。",
    ),
    Figure(
        "satisfaction_rate", "满意率", "%", "rate", "rating_figures", "评价",
        "评分4分（满意）及以上的评价条数 ÷ 评价条数。",
    ),
    Figure(
        "units", "阵地数", "个", "inventory", "units_by_level", "阵地",
        "范围内该层级阵地的个数，不论挂牌日期。",
    ),
    Figure(
        "villages", "村（社区）数", "个", "inventory", "coverage", "区划",
        "范围所辖区划代码下的村、社区（代码不以000结尾）个数。",
    ),
    Figure(
        "covered", "已覆盖村（社区）数", "个", "inventory", "coverage", "阵地、区划",
        "由范围内、期末前已挂牌（未填挂牌日期的视为已挂牌）的实践站服务的村（社区）个数；"
        "实践站服务其“服务村居”，未填的服务其本身区划。",
    ),
    Figure(
        "rate", "覆盖率", "%", "rate", "coverage", "阵地、区划",
        "已覆盖村（社区）数 ÷ 村（社区）数：有已挂牌实践站服务的村（社区）所占比例。",
    ),
    Figure(
        "effective", "有效覆盖村（社区）数", "个", "inventory", "coverage", "阵地、区划、活动",
        "由期内开展活动（含所属实践点）不少于“每月{k}场 × 期内月数”的实践站服务的村（社区）个数；"
        "期内新挂牌的实践站，月数从挂牌当月算起。",
    ),
    Figure(
        "effective_rate", "有效覆盖率", "%", "rate", "coverage", "阵地、区划、活动",
        "有效覆盖村（社区）数 ÷ 村（社区）数。",
    ),
    Figure(
        "orders", "点单数", "单", "flow", "order_figures", "点单",
        "点单日期在统计期间内、点单阵地在范围内的群众点单数。",
    ),
    Figure(
        "completed", "办结数", "单", "flow", "order_figures", "点单",
        "点单中有完成时间且未取消的单数。",
    ),
    Figure(
        "cancelled", "已取消点单数", "单", "flow", "order_figures", "点单",
        "点单中状态为“已取消”的单数。",
    ),
    Figure(
        "completion_rate", "办结率", "%", "rate", "order_figures", "点单",
        "办结数 ÷（点单数 − 已取消点单数）。",
    ),
    Figure(
        "median_accept_hours", "响应时长", "小时", "hours", "order_figures", "点单",
        "已接单的点单从点单到接单所用小时数的中位数。",
    ),
    Figure(
        "signed_in", "签到人次", "人次", "flow", "person_times_sources", "参与记录",
        "服务人次中按群众实名签到记录计的部分。",
    ),
    Figure(
        "headcount_lines", "记录人数人次", "人次", "flow", "person_times_sources", "参与记录",
        "服务人次中按参与记录里只记人数的行计的部分。",
    ),
    Figure(
        "reported_only", "台账填报人次", "人次", "flow", "person_times_sources", "活动",
        "服务人次中没有群众参与记录、按台账填报的参与人次计的部分。",
    ),
    Figure(
        "signed_in_share", "签到支撑比例", "%", "rate", "person_times_sources", "参与记录",
        "签到人次 ÷ 服务人次。",
    ),
    Figure(
        "adjusted_score", "满意度修正分", "分", "score", "by_brand", "评价",
        "按评价条数修正的均分：评价越少越向本范围平均水平靠拢，避免一两条评价左右排名。",
    ),
    # the practices (dashboard.metrics.practices; docs/figures.md)
    Figure(
        "five_haves_units", "所站数", "个", "inventory", "five_haves", "阵地",
        "范围内的实践所和实践站个数。",
    ),
    Figure(
        "five_haves_full", "五有全达标", "个", "inventory", "five_haves",
        "阵地、志愿服务队伍、品牌项目、活动",
        "有机制、有阵地、有队伍、有活动、有项目五项均为“是”的所站个数；未报送的一项不算达标。",
    ),
    Figure(
        "ranked_stations", "参评站数", "个", "inventory", "rankings", "阵地",
        "范围内参加本季度红灰黑榜评价的实践站个数。",
    ),
    Figure(
        "red_stations", "红榜", "个", "inventory", "rankings", "活动、评价、点单",
        "黑榜之外按得分排在前列（默认前10%，向上取整，同分一并上榜）的实践站个数。",
    ),
    Figure(
        "grey_stations", "灰榜", "个", "inventory", "rankings", "活动、评价、点单",
        "黑榜之外按得分排在末尾（默认后20%，向上取整，同分一并上榜）的实践站个数。",
    ),
    Figure(
        "black_stations", "黑榜", "个", "inventory", "rankings", "活动、评价",
        "本季度无活动，或满意度修正分低于低分线的实践站个数。",
    ),
    Figure(
        "list_gaps", "供需缺口类别", "类", "inventory", "three_lists", "点单、志愿服务队伍、品牌项目",
        "期内有群众点单、但本范围没有该类别志愿服务队伍和品牌项目的服务类别个数；未报送队伍时未知。",
    ),
    Figure(
        "points_earned", "获得积分", "分", "flow", "points", "参与记录",
        "期内志愿者个人服务时长 × 每小时积分（默认10分），加群众签到积分（默认0）。",
    ),
    Figure(
        "points_redeemed", "兑换积分", "分", "flow", "points", "积分兑换",
        "期内在范围内阵地兑换的积分。",
    ),
    Figure(
        "points_balance", "积分结余", "分", "flow", "points", "参与记录、积分兑换",
        "截至期末在范围内获得的全部积分减去兑换的全部积分。",
    ),
    Figure(
        "points_persons", "参与人数", "人", "flow", "points", "参与记录、积分兑换",
        "期内获得或兑换积分的不同人数。",
    ),
    Figure(
        "points_overdrawn", "超结余兑换", "笔", "flow", "points", "积分兑换",
        "期内兑换积分多于兑换时本人积分结余的兑换笔数。",
    ),
    Figure(
        "star_volunteers", "有服务时长的志愿者人数", "人", "flow", "stars", "参与记录",
        "截至期末在范围内有个人服务时长记录的不同志愿者人数。",
    ),
    Figure(
        "starred", "星级志愿者", "人", "flow", "stars", "参与记录",
        "截至期末累计个人服务时长达到一星标准（默认100小时）及以上的志愿者人数。",
    ),
    Figure(
        "promoted", "本期晋星", "人", "flow", "stars", "参与记录",
        "期内累计服务时长跨过星级标准、星级提高的志愿者人数。",
    ),
)  # fmt: skip

FIGURES_BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}


# key → label for axis titles, hover text and sheet headers: every figure's header, and
# the few keys pages use for a figure under another name (覆盖率 as ``coverage``)
METRIC_LABELS: dict[str, str] = {f.key: f.header for f in FIGURES} | texts.OTHER_LABELS


def figure(key: str) -> Figure:
    """The figure ``key`` (KeyError for a key the list lacks)."""
    return FIGURES_BY_KEY[key]
