"""The briefing kit (简报素材): for one scope, everything a clerk needs for a 简报.

- ``gather(wh, scope)`` reads every figure the kit uses from the metrics layer into a
  ``Briefing`` (plain data, cacheable); nothing else here touches the warehouse.
- ``compose(b)`` writes the text in the seeds' style ("今年以来，全区各新时代文明实践所站累计
  开展活动3100余场次……") and lists every number it wrote as a ``Fact``: exact value, as
  written, definition (口径), scope and the number of source rows behind it.
- ``workbook(b)`` (xlsx), ``chart_figures(b)`` + ``export_charts`` (PNG 300 dpi and SVG,
  16 cm wide) and ``document(b, images)`` (the Word draft) build the files.
- ``configure``/``run``: ``wenming brief --from … --to … [--unit …] --out DIR``.

Numbers are written only by ``dashboard.numbers``: flows rounded down with 余,
inventories exact, rates and scores rounded down. ``briefing_text(wh, scope)`` is the
single source of the briefing paragraph (``wenming report`` should use it too).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import threading
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from dashboard import charts, metrics, texts
from dashboard.metrics import Scope, UnknownUnit
from dashboard.metrics.scope import top_units
from dashboard.numbers import (
    brief_number,
    brief_percent,
    brief_score,
    format_date,
    format_percent,
    inventory_number,
)
from dashboard.warehouse import Warehouse, WarehouseError
from dashboard.xlsx import to_xlsx
from pipelines import settings
from pipelines.settings import config

# =========================================================================== wording

LEVEL_WORDS = {
    "省": "省级中心",
    "市": "市级中心",
    "中心": "中心",
    "所": "实践所",
    "站": "实践站",
    "点": "实践点",
    "基地": "实践基地",
}
# Who "各…" are below a scope unit of each level (seed 003: 各新时代文明实践所(站)).
MEMBERS = {
    "省": "各级新时代文明实践阵地",
    "市": "各级新时代文明实践阵地",
    "中心": "各新时代文明实践所站",
    "所": "各新时代文明实践站",
}
ALL_MEMBERS = "各新时代文明实践阵地"
ALL_UNITS = "全部阵地"
# "全区" for a 中心 named …区…, "全镇" / "全街道" for a 所 (longest ending first).
WHOLE_ENDINGS = {
    "省": ("省", "区", "市"),
    "市": ("市", "州", "盟"),
    "中心": ("区", "县", "市", "旗"),
    "所": ("街道", "苏木", "镇", "乡"),
}
OFFICE = "中共{place}委宣传部"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
SINCE_NEW_YEAR = "今年以来"

P_ACTIVITIES = "{period}，{area}累计开展活动{activities}场次{c_activities}，服务群众{person_times}人次{c_person_times}"
P_UNIQUE = "，其中实名签到群众{unique_persons}人"
P_VOLUNTEERS = "；组织志愿者{volunteer_times}人次{c_volunteer_times}参与志愿服务"
P_HOURS = "，志愿服务时长{volunteer_hours}小时{c_volunteer_hours}"
P_HOURS_ONLY = "；志愿服务时长{volunteer_hours}小时{c_volunteer_hours}"
P_NO_ACTIVITY = "{period}，{area}暂无活动记录。"
PREFIX = "新时代文明实践"
P_UNITS = "阵地建设方面，{place}现有新时代文明实践{inventory}。"
P_UNITS_BELOW = "阵地建设方面，{place}下设新时代文明实践{inventory}。"
P_COVERAGE = (
    "辖区内{villages}个村（社区）中，已有{covered}个纳入新时代文明实践站服务范围，覆盖率{rate}；"
    "其中由开展活动{effective_min}场次及以上的实践站服务的有{effective}个，有效覆盖率{effective_rate}。"
)
P_BRANDS = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，{active}个开展了活动：{items}。"
P_BRANDS_TOP = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，{active}个开展了活动，服务群众较多的有：{items}。"
P_BRANDS_IDLE = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，期内均未开展活动。"
P_BRAND = "“{name}”开展活动{activities}场次，服务群众{person_times}人次"
P_BRAND_SCORE = "，满意度均分{mean_score}"
P_ORDERS = "群众点单方面，受理群众点单{orders}单"
P_CANCELLED = "（已取消{cancelled}单）"
P_COMPLETED = "，已办结{completed}单，办结率{completion_rate}"
P_ACCEPT = "，从点单到接单用时的中位数为{median_accept_hours}小时"
P_RATINGS = (
    "群众评单方面，收到群众评价{ratings}条，满意率{satisfaction_rate}，满意度均分{mean_score}。"
)
CHANGE_UP = "（同比增长{percent}）"
CHANGE_DOWN = "（同比下降{percent}）"
CHANGE_FLAT = "（与去年同期持平）"
CHANGE_TINY_UP = "（同比增长不足0.1%）"
CHANGE_TINY_DOWN = "（同比下降不足0.1%）"

SCOPE_TEXT = "{unit}，{date_from}至{date_to}"
SCOPE_UNIT = "{name}及下属阵地"
PREVIOUS = "（去年同期）"
SOURCE = "{place}新时代文明实践台账"
SOURCE_UNIT = "{name}台账"
MASTHEAD = "{place}新时代文明实践简报"
HEADLINE = "{place}{period}新时代文明实践工作情况"
ISSUE = "第 {issue} 期"
ISSUE_BLANK = "××"
CAPTION = "图{n}　{title}"
APPENDIX = "附件：口径说明"
APPENDIX_SCOPE = "统计范围：{scope}。数据截至{as_of}。数字按简报写法向下取整（“余”表示有舍去），阵地、品牌、村（社区）等个数照实写。"
APPENDIX_ITEM = "{n}. {label}：{definition}"
DISTRIBUTION = ("本期送：", "发：", "责任编辑：")

# Chart titles state scope and period; file names are the stems below.
CHART_TREND = ("01_月度趋势", "{place}{period}各月活动场次")
CHART_UNITS = ("02_分单位", "{place}{period}各单位活动场次")
CHART_CATEGORIES = ("03_分类别", "{place}{period}活动类别构成")
CHART_BRANDS = ("04_品牌排行", "{place}{period}品牌项目服务人次排行")
CHART_SATISFACTION = ("05_满意度", "{place}{period}各单位群众满意率")
RATED_LABEL = "{name}（{ratings}条评价）"

FILE_TEXT = "简报文字.txt"
FILE_XLSX = "数据表.xlsx"
FILE_DOCX = "简报初稿.docx"
FILE_ZIP = "图表.zip"
DIR_CHARTS = "图表"

SHEET_TEXT = "简报文字"
TEXT_ITEM, TEXT_CONTENT = "项目", "内容"
TEXT_SCOPE, TEXT_AS_OF, TEXT_COVERAGE = "统计范围", "数据截至", "覆盖率未写入的原因"
TEXT_PARAGRAPH = "第{n}段"
SHEET_FACTS = "简报数字"
SHEET_UNITS = "按单位"
SHEET_BRANDS = "按品牌"
SHEET_MONTHS = "按月份"
SHEET_CATEGORIES = "按类别"
FACT_HEADERS = {
    "n": "序号",
    "label": "指标",
    "value": "精确值",
    "written": "简报写法",
    "unit": "单位",
    "definition": "口径",
    "scope": "范围",
    "table": "来源表",
    "rows": "来源行数",
    "note": "说明",
}

HELP_DB = "数据仓库文件（默认：环境变量 WENMING_DB，或 data/warehouse.duckdb）"
HELP_FROM = "统计期间起始日期，YYYY-MM-DD（含当天）"
HELP_TO = "统计期间结束日期，YYYY-MM-DD（含当天）"
HELP_UNIT = "阵地编码：统计该阵地及其下属阵地；不填则统计全部"
HELP_OUT = "输出目录（不存在则新建；同名文件会被覆盖）"
HELP_ISSUE = "期号，如 12（不填则留“××”待填）"
HELP_OFFICE = "发文单位（默认按阵地推断，如“中共上街区委宣传部”）"
HELP_DATE = "印发日期，YYYY-MM-DD（默认今天）"
HELP_NO_CHARTS = "不导出图表（不需要 Chromium；Word 初稿不含图表）"
MSG_BAD_DATE = "日期格式应为 YYYY-MM-DD：{value}"
MSG_ERROR = "错误：{error}"
MSG_WRITTEN = "已生成：{path}"
MSG_NO_CHARTS = "未能导出图表：{error}。文字、数据表和不含图表的 Word 初稿已生成。"
MSG_DONE = "简报素材已写入 {out}（用时 {seconds:.1f} 秒）"

# key → (指标, 单位, 来源表, 口径)
DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "activities": (
        "活动场次",
        "场次",
        "活动",
        "开始日期在统计期间内、由范围内阵地承办的活动场数。",
    ),
    "person_times": (
        "服务人次",
        "人次",
        "活动、参与记录",
        "逐场计算后相加：有群众参与记录（签到或人数）的活动按记录人数合计，没有的按台账填报的参与人次，"
        "都没有的计0；志愿者记录不计入。同一人参加3场计3人次。",
    ),
    "unique_persons": (
        "实名签到群众人数",
        "人",
        "参与记录",
        "期内活动的群众签到记录中不同参与者编号的个数，同一人参加多场只计1人。",
    ),
    "volunteer_times": ("志愿者人次", "人次", "活动", "期内活动台账填报的志愿者人数之和。"),
    "volunteer_hours": ("志愿服务时长", "小时", "活动", "期内活动台账填报的志愿服务时长之和。"),
    "units": ("阵地数", "个", "阵地", "范围内该层级阵地的个数，不论挂牌日期。"),
    "villages": (
        "村（社区）数",
        "个",
        "区划",
        "范围所辖区划代码下的村、社区（代码不以000结尾）个数。",
    ),
    "covered": (
        "已覆盖村（社区）数",
        "个",
        "阵地、区划",
        "由范围内、期末前已挂牌（未填挂牌日期的视为已挂牌）的实践站服务的村（社区）个数；"
        "实践站服务其“服务村居”，未填的服务其本身区划。",
    ),
    "rate": ("覆盖率", "%", "阵地、区划", "已覆盖村（社区）数 ÷ 村（社区）数。"),
    "effective": (
        "有效覆盖村（社区）数",
        "个",
        "阵地、区划、活动",
        "由期内开展活动（含所属实践点）不少于“每月{k}场 × 期内月数”的实践站服务的村（社区）个数。",
    ),
    "effective_rate": (
        "有效覆盖率",
        "%",
        "阵地、区划、活动",
        "有效覆盖村（社区）数 ÷ 村（社区）数。",
    ),
    "brands": ("品牌项目数", "个", "品牌项目", "所属阵地在范围内的品牌项目个数。"),
    "active_brands": (
        "开展活动的品牌项目数",
        "个",
        "品牌项目、活动",
        "期内有活动的品牌项目个数。",
    ),
    "brand_activities": (
        "品牌项目活动场次",
        "场次",
        "活动",
        "该品牌项目开始日期在统计期间内的活动场数（不论由哪个阵地承办）。",
    ),
    "brand_person_times": (
        "品牌项目服务人次",
        "人次",
        "活动、参与记录",
        "该品牌项目期内活动的服务人次之和，每场活动的算法同“服务人次”。",
    ),
    "brand_mean_score": (
        "品牌项目满意度均分",
        "分",
        "评价",
        "该品牌项目期内活动所有评价分数（1—5分）的平均值。",
    ),
    "orders": ("点单数", "单", "点单", "点单日期在统计期间内、点单阵地在范围内的群众点单数。"),
    "cancelled": ("已取消点单数", "单", "点单", "点单中状态为“已取消”的单数。"),
    "completed": ("办结数", "单", "点单", "点单中有完成时间且未取消的单数。"),
    "completion_rate": ("办结率", "%", "点单", "办结数 ÷（点单数 − 已取消点单数）。"),
    "median_accept_hours": (
        "接单用时中位数",
        "小时",
        "点单",
        "已接单的点单从点单到接单所用小时数的中位数。",
    ),
    "ratings": ("群众评价数", "条", "评价", "期内活动收到的群众评单条数。"),
    "satisfaction_rate": ("满意率", "%", "评价", "评分4分（满意）及以上的评价条数 ÷ 评价条数。"),
    "mean_score": ("满意度均分", "分", "评价", "期内活动所有评价分数（1—5分）的平均值。"),
    "change": (
        "同比",
        "%",
        "活动",
        "（本期 − 去年同期）÷ 去年同期；去年同期为统计期间前移一年（截至本期数据截止日的前一年同日），"
        "去年同期为0或无数据时不计算。",
    ),
}


# =========================================================================== data


@dataclass(frozen=True)
class Briefing:
    """Every figure of one scope the kit uses, read from the metrics layer.

    ``unit`` is the scope unit, or the single top unit when the scope has none (None
    when the warehouse has several). ``previous`` holds the activity figures of the same
    period last year (``previous_scope``), None when that period has no activity.
    """

    scope: Scope
    unit: dict[str, Any] | None
    is_whole: bool
    as_of: datetime | None
    data_end: date
    summary: dict[str, Any]
    sources: dict[str, Any]
    previous_scope: Scope | None
    previous: dict[str, Any] | None
    units: dict[str, int]
    coverage: dict[str, Any]
    orders: dict[str, Any]
    brands: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    effective_k: int = 1


def gather(wh: Warehouse, scope: Scope) -> Briefing:
    """Read every figure the briefing uses for ``scope`` (raises ``UnknownUnit``)."""
    unit = metrics.resolve(wh, scope)
    is_whole = unit is None
    if unit is None:
        tops = top_units(wh)
        unit = tops[0] if len(tops) == 1 else None
    end = metrics.data_end(wh, scope)
    previous_scope = previous = None
    if end >= scope.date_from:
        previous_scope = Scope(_year_before(scope.date_from), _year_before(end), scope.unit_id)
        previous = metrics.activity_figures(wh, previous_scope)
        if not previous["activities"]:
            previous = None
    return Briefing(
        scope=scope,
        unit=unit,
        is_whole=is_whole,
        as_of=wh.as_of,
        data_end=end,
        summary=metrics.summary(wh, scope),
        sources=metrics.person_times_sources(wh, scope),
        previous_scope=previous_scope,
        previous=previous,
        units=metrics.units_by_level(wh, scope),
        coverage=metrics.coverage(wh, scope),
        orders=metrics.order_figures(wh, scope),
        brands=metrics.by_brand(wh, scope),
        by_unit=metrics.by_unit(wh, scope),
        by_month=metrics.by_month(wh, scope),
        by_category=metrics.by_category(wh, scope),
        effective_k=config().effective_k,
    )


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# =========================================================================== place and period

_NAME_SUFFIX = re.compile(r"新时代文明实践(?:指导)?(?:中心|所|站|点|基地)$")


def place_name(unit: dict[str, Any] | None) -> str:
    """The place a title names: "上街区" for 上街区新时代文明实践中心, "峡窝镇" for its 所, the
    unit's full name below a town, "" without a unit."""
    if unit is None:
        return ""
    stripped = _NAME_SUFFIX.sub("", unit["name"])
    return stripped if unit["level"] in WHOLE_ENDINGS and stripped else unit["name"]


def whole_place(unit: dict[str, Any] | None) -> str:
    """How the text names the scope: "全区", "全镇", "全街道"; the place or unit name when
    no ending fits (a 站: "东林子社区新时代文明实践站"); "" without a unit."""
    if unit is None:
        return ""
    name = place_name(unit)
    for ending in WHOLE_ENDINGS.get(unit["level"], ()):
        if name.endswith(ending) and len(name) > len(ending):
            return "全" + ending
    return name


def _area(unit: dict[str, Any] | None) -> str:
    """Who held the activities: "全区各新时代文明实践所站", or the unit itself."""
    if unit is None:
        return ALL_MEMBERS
    members = MEMBERS.get(unit["level"])
    return whole_place(unit) + members if members else unit["name"]


def issuing_office(unit: dict[str, Any] | None) -> str:
    """The default issuer: "中共上街区委宣传部" for a county 中心 (市, 省 likewise), else the
    unit's name."""
    if unit is None:
        return ""
    name = place_name(unit)
    if unit["level"] in ("省", "市", "中心") and re.search(r"[省市区县旗州盟]$", name):
        return OFFICE.format(place=name)
    return unit["name"]


def period_label(date_from: date, date_to: date) -> str:
    """The period named exactly: "2025年", "2025年上半年", "2025年第一季度", "2025年3月",
    "2025年1月至5月", else "2025年1月1日至4月15日"."""
    whole_months = date_from.day == 1 and _next_day(date_to).day == 1
    y = date_from.year
    if whole_months and date_from.year == date_to.year:
        months = (date_from.month, date_to.month)
        if months == (1, 12):
            return f"{y}年"
        if months in ((1, 6), (7, 12)):
            return f"{y}年{'上' if months[0] == 1 else '下'}半年"
        if months[0] % 3 == 1 and months[1] == months[0] + 2:
            return f"{y}年{QUARTERS[months[0] // 3]}"
        if months[0] == months[1]:
            return f"{y}年{months[0]}月"
        return f"{y}年{months[0]}月至{months[1]}月"
    if whole_months:
        return f"{y}年{date_from.month}月至{date_to.year}年{date_to.month}月"
    end = format_date(date_to)
    if date_to.year == y:
        end = end.removeprefix(f"{y}年")
    return f"{format_date(date_from)}至{end}"


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def period_phrase(date_from: date, date_to: date, as_of: date | None) -> str:
    """How the text opens: "今年以来" for 1 January up to the as-of date, else the label."""
    if as_of and date_from == date(as_of.year, 1, 1) and date_to >= as_of:
        return SINCE_NEW_YEAR
    return period_label(date_from, date_to)


# =========================================================================== text


@dataclass(frozen=True)
class Fact:
    """One number the text writes: exact value, as written, and where it comes from."""

    key: str
    kind: str
    label: str
    value: Any
    written: str
    unit: str
    definition: str
    scope: str
    table: str
    rows: int | None
    note: str = ""


@dataclass(frozen=True)
class Text:
    """The briefing text (one string per paragraph) and every number it wrote."""

    paragraphs: tuple[str, ...]
    facts: tuple[Fact, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


class _Ledger:
    """Writes numbers for the text and keeps a ``Fact`` for each one written."""

    def __init__(self, b: Briefing) -> None:
        self.b = b
        self.facts: list[Fact] = []
        self.current = scope_text(b.scope, b.unit, b.is_whole, b.data_end)
        self.previous = (
            scope_text(b.previous_scope, b.unit, b.is_whole, b.previous_scope.date_to) + PREVIOUS
            if b.previous_scope
            else ""
        )

    def write(
        self,
        key: str,
        value: Any,
        written: str,
        rows: int | None,
        *,
        kind: str | None = None,
        label: str | None = None,
        note: str = "",
        previous: bool = False,
        fmt_def: Mapping[str, Any] | None = None,
    ) -> str:
        """Record the fact ``key`` (defined as ``DEFINITIONS[kind or key]``) and return
        ``written``."""
        kind = kind or key
        name, unit, table, definition = DEFINITIONS[kind]
        self.facts.append(
            Fact(
                key=key,
                kind=kind,
                label=label or name,
                value=value,
                written=written,
                unit=unit,
                definition=definition.format(**fmt_def) if fmt_def else definition,
                scope=self.previous if previous else self.current,
                table=table,
                rows=rows,
                note=note,
            )
        )
        return written

    def flow(self, key: str, value: Any, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, brief_number(value), rows, **kw)

    def count(self, key: str, value: int, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, inventory_number(value), rows, **kw)

    def rate(self, key: str, value: Any, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, brief_percent(value), rows, **kw)

    def change(self, key: str, rows: int) -> str:
        """ "（同比增长12.5%）" for an activity figure, "" without a comparable last year."""
        previous = self.b.previous
        if not previous or not previous.get(key):
            return ""
        now, before = Decimal(str(self.b.summary[key])), Decimal(str(previous[key]))
        self.flow(
            f"previous:{key}",
            previous[key],
            previous["activities"],
            kind=key,
            label=DEFINITIONS[key][0] + PREVIOUS,
            previous=True,
        )
        ratio = (now - before) / before
        if ratio == 0:
            written = CHANGE_FLAT
        elif brief_percent(abs(ratio)) == "0%":
            written = CHANGE_TINY_UP if ratio > 0 else CHANGE_TINY_DOWN
        else:
            template = CHANGE_UP if ratio > 0 else CHANGE_DOWN
            written = template.format(percent=brief_percent(abs(ratio)))
        name = DEFINITIONS[key][0]
        self.write(
            f"change:{key}",
            float(ratio),
            written.strip("（）"),
            rows + previous["activities"],
            kind="change",
            label=f"{name}同比",
        )
        return written


def scope_text(scope: Scope, unit: dict[str, Any] | None, is_whole: bool, end: date) -> str:
    """ "上街区新时代文明实践中心及下属阵地，2025年1月1日至2025年3月31日"."""
    who = ALL_UNITS if is_whole or unit is None else SCOPE_UNIT.format(name=unit["name"])
    return SCOPE_TEXT.format(
        unit=who, date_from=format_date(scope.date_from), date_to=format_date(end)
    )


def compose(b: Briefing, *, top_brands: int = 3) -> Text:
    """The briefing paragraphs for ``b`` and the facts behind every number written."""
    ledger = _Ledger(b)
    as_of = b.as_of.date() if b.as_of else None
    period = period_phrase(b.scope.date_from, b.scope.date_to, as_of)
    place = whole_place(b.unit)
    paragraphs = [
        _activities_paragraph(ledger, period, _area(b.unit)),
        _units_paragraph(ledger, place),
        _brands_paragraph(ledger, place, top_brands),
        _orders_paragraph(ledger),
        _ratings_paragraph(ledger),
    ]
    return Text(tuple(p for p in paragraphs if p), tuple(ledger.facts))


def briefing_text(wh: Warehouse, scope: Scope) -> str:
    """The briefing text of ``scope``: paragraphs joined by newlines (the single source
    of the text ``wenming brief`` writes and ``wenming report`` shows)."""
    return compose(gather(wh, scope)).text


def _activities_paragraph(ledger: _Ledger, period: str, area: str) -> str:
    s, src = ledger.b.summary, ledger.b.sources
    n = s["activities"]
    if not n:
        return P_NO_ACTIVITY.format(period=period, area=area)
    note = (
        f"{src['activities_with_records']}场按群众参与记录计，"
        f"{src['activities_reported_only']}场按台账参与人次计，"
        f"{src['activities_uncounted']}场无人次数据"
    )
    text = P_ACTIVITIES.format(
        period=period,
        area=area,
        activities=ledger.flow("activities", n, n),
        c_activities=ledger.change("activities", n),
        person_times=ledger.flow("person_times", s["person_times"], n, note=note),
        c_person_times=ledger.change("person_times", n),
    )
    if s["unique_persons"]:
        persons = ledger.flow("unique_persons", s["unique_persons"], src["signed_in"])
        text += P_UNIQUE.format(unique_persons=persons)
    hours = s["volunteer_hours"]
    if s["volunteer_times"]:
        text += P_VOLUNTEERS.format(
            volunteer_times=ledger.flow("volunteer_times", s["volunteer_times"], n),
            c_volunteer_times=ledger.change("volunteer_times", n),
        )
    if hours:
        template = P_HOURS if s["volunteer_times"] else P_HOURS_ONLY
        text += template.format(
            volunteer_hours=ledger.flow("volunteer_hours", hours, n),
            c_volunteer_hours=ledger.change("volunteer_hours", n),
        )
    return text + "。"


def _units_paragraph(ledger: _Ledger, place: str) -> str:
    b = ledger.b
    level = b.unit["level"] if b.unit and not b.is_whole else None
    below = level in ("站", "点", "基地")
    counts = {
        lv: n
        for lv, n in b.units.items()
        if not below or metrics.LEVELS.index(lv) > metrics.LEVELS.index(level)
    }
    words = []
    for i, (lv, n) in enumerate(counts.items()):
        # "新时代文明实践所1个、实践站2个": the prefix already says 实践
        word = LEVEL_WORDS[lv].removeprefix("实践") if i == 0 else LEVEL_WORDS[lv]
        label = PREFIX + LEVEL_WORDS[lv].removeprefix("实践") + "数"
        words.append(word + ledger.count(f"units:{lv}", n, n, kind="units", label=label) + "个")
    inventory = "、".join(words)
    text = ""
    if inventory:
        text = (P_UNITS_BELOW if below else P_UNITS).format(place=place, inventory=inventory)
    cov = b.coverage
    if cov["rate"] is not None:
        villages = cov["villages"]
        text = (text or "阵地建设方面，") + P_COVERAGE.format(
            villages=ledger.count("villages", villages, villages),
            covered=ledger.count("covered", cov["covered"], villages),
            rate=ledger.rate("rate", cov["rate"], villages, note=f"{cov['covered']}/{villages}"),
            effective_min=inventory_number(cov["effective_min"]),
            effective=ledger.count(
                "effective", cov["effective"], villages, fmt_def={"k": b.effective_k}
            ),
            effective_rate=ledger.rate(
                "effective_rate",
                cov["effective_rate"],
                villages,
                note=f"{cov['effective']}/{villages}；每站期内至少{cov['effective_min']}场",
            ),
        )
    return text


def _brands_paragraph(ledger: _Ledger, place: str, top: int) -> str:
    brands = ledger.b.brands
    if not brands:
        return ""
    active = sorted(
        (row for row in brands if row["activities"]),
        key=lambda row: (-row["person_times"], -row["activities"], row["brand_id"]),
    )
    total = ledger.count("brands", len(brands), len(brands))
    if not active:
        return P_BRANDS_IDLE.format(place=place, brands=total)
    count = ledger.count("active_brands", len(active), sum(r["activities"] for r in brands))
    items = []
    for row in active[:top]:
        key, label, n = f"brand:{row['brand_id']}", f"“{row['name']}”", row["activities"]
        item = P_BRAND.format(
            name=row["name"],
            activities=ledger.flow(
                f"{key}:activities", n, n, kind="brand_activities", label=label + "活动场次"
            ),
            person_times=ledger.flow(
                f"{key}:person_times",
                row["person_times"],
                n,
                kind="brand_person_times",
                label=label + "服务人次",
            ),
        )
        if row["ratings"]:
            score = ledger.write(
                f"{key}:mean_score",
                row["mean_score"],
                brief_score(row["mean_score"]),
                row["ratings"],
                kind="brand_mean_score",
                label=label + "满意度均分",
            )
            item += P_BRAND_SCORE.format(mean_score=score)
        items.append(item)
    template = P_BRANDS if len(active) <= top else P_BRANDS_TOP
    return template.format(place=place, brands=total, active=count, items="；".join(items))


def _orders_paragraph(ledger: _Ledger) -> str:
    o = ledger.b.orders
    n = o["orders"]
    if not n:
        return ""
    text = P_ORDERS.format(orders=ledger.flow("orders", n, n))
    if o["cancelled"]:
        text += P_CANCELLED.format(cancelled=ledger.flow("cancelled", o["cancelled"], n))
    if o["completion_rate"] is not None:
        text += P_COMPLETED.format(
            completed=ledger.flow("completed", o["completed"], n),
            completion_rate=ledger.rate(
                "completion_rate",
                o["completion_rate"],
                n,
                note=f"{o['completed']}/({n}−{o['cancelled']})",
            ),
        )
    if o["median_accept_hours"] is not None:
        text += P_ACCEPT.format(
            median_accept_hours=ledger.flow("median_accept_hours", o["median_accept_hours"], n)
        )
    return text + "。"


def _ratings_paragraph(ledger: _Ledger) -> str:
    s = ledger.b.summary
    n = s["ratings"]
    if not n:
        return ""
    return P_RATINGS.format(
        ratings=ledger.flow("ratings", n, n),
        satisfaction_rate=ledger.rate("satisfaction_rate", s["satisfaction_rate"], n),
        mean_score=ledger.write("mean_score", s["mean_score"], brief_score(s["mean_score"]), n),
    )


# =========================================================================== workbook


def fact_rows(text: Text) -> list[dict[str, Any]]:
    """One row per number the text writes, with Chinese headers, for tables and xlsx."""
    return [
        {
            FACT_HEADERS["n"]: i,
            FACT_HEADERS["label"]: f.label,
            FACT_HEADERS["value"]: f.value,
            FACT_HEADERS["written"]: f.written,
            FACT_HEADERS["unit"]: f.unit,
            FACT_HEADERS["definition"]: f.definition,
            FACT_HEADERS["scope"]: f.scope,
            FACT_HEADERS["table"]: f.table,
            FACT_HEADERS["rows"]: f.rows,
            FACT_HEADERS["note"]: f.note,
        }
        for i, f in enumerate(text.facts, start=1)
    ]


def breakdown_sheets(b: Briefing) -> dict[str, list[dict[str, Any]]]:
    """The breakdowns behind the charts, with Chinese headers: by unit, brand, month,
    category. Values are exact (rates as fractions, scores unrounded)."""
    label = texts.METRIC_LABELS
    flows = ("activities", "person_times", "volunteer_hours", "volunteer_times", "ratings")

    def measures(row: Mapping[str, Any]) -> dict[str, Any]:
        out = {label[k]: row.get(k) for k in flows if k in row}
        out[label["mean_score"]] = row.get("mean_score")
        out[label["satisfaction_rate"]] = row.get("satisfaction_rate")
        return out

    return {
        SHEET_UNITS: [
            {"阵地编码": r["unit_id"], "阵地": r["name"], "层级": r["level"], **measures(r)}
            | {label["unique_persons"]: r["unique_persons"]}
            for r in b.by_unit
        ],
        SHEET_BRANDS: [
            {
                "品牌编码": r["brand_id"],
                "品牌项目": r["name"],
                "所属阵地": r["unit_name"],
                "服务类别": r["category"],
                **measures(r),
                "满意度修正分": r["adjusted_score"],
            }
            for r in b.brands
        ],
        SHEET_MONTHS: [{"月份": r["month"], **measures(r)} for r in b.by_month],
        SHEET_CATEGORIES: [{"服务类别": r["category"], **measures(r)} for r in b.by_category],
    }


def workbook(b: Briefing, text: Text | None = None) -> bytes:
    """数据表.xlsx: the text, every number in it, and a sheet per breakdown."""
    text = text or compose(b)
    about = [
        {TEXT_ITEM: TEXT_SCOPE, TEXT_CONTENT: _Ledger(b).current},
        {TEXT_ITEM: TEXT_AS_OF, TEXT_CONTENT: format_date(b.data_end)},
    ]
    if b.coverage["unknown_reason"]:
        about.append({TEXT_ITEM: TEXT_COVERAGE, TEXT_CONTENT: b.coverage["unknown_reason"]})
    paragraphs = [
        {TEXT_ITEM: TEXT_PARAGRAPH.format(n=n), TEXT_CONTENT: p}
        for n, p in enumerate(text.paragraphs, start=1)
    ]
    sheets: dict[str, list[dict[str, Any]]] = {
        SHEET_TEXT: about + paragraphs,
        SHEET_FACTS: fact_rows(text),
        **breakdown_sheets(b),
    }
    return to_xlsx(sheets)


# =========================================================================== charts


def source_line(b: Briefing) -> str:
    """ "数据来源：上街区新时代文明实践台账，截至2025年3月31日"."""
    if b.unit is None:
        source = SOURCE.format(place="")
    elif b.unit["level"] in WHOLE_ENDINGS:
        source = SOURCE.format(place=place_name(b.unit))
    else:
        source = SOURCE_UNIT.format(name=b.unit["name"])
    return charts.source_text(source, b.data_end)


def chart_titles(b: Briefing) -> dict[str, str]:
    """Each chart's title by file stem: "上街区2025年第一季度各月活动场次"."""
    names = {"place": place_name(b.unit), "period": period_label(b.scope.date_from, b.data_end)}
    templates = (CHART_TREND, CHART_UNITS, CHART_CATEGORIES, CHART_BRANDS, CHART_SATISFACTION)
    return {stem: template.format(**names) for stem, template in templates}


def chart_figures(b: Briefing) -> dict[str, go.Figure]:
    """The five briefing charts by file stem (``chart_titles``), each titled with scope
    and period and carrying the source line."""
    titles = chart_titles(b)
    # "济源路街道" for 济源路街道新时代文明实践所: labels must fit a 16 cm chart
    units = [{**row, "name": _NAME_SUFFIX.sub("", row["name"]) or row["name"]} for row in b.by_unit]
    rated = [
        {**row, "name": RATED_LABEL.format(name=row["name"], ratings=row["ratings"])}
        for row in units
        if row["ratings"]
    ]
    active = [row for row in b.brands if row["activities"]]
    figures = {
        CHART_TREND[0]: charts.monthly_trend(b.by_month, "activities", titles[CHART_TREND[0]]),
        CHART_UNITS[0]: charts.bar_by(units, "name", "activities", titles[CHART_UNITS[0]]),
        CHART_CATEGORIES[0]: charts.category_pie_or_bar(
            b.by_category, "category", "activities", titles[CHART_CATEGORIES[0]]
        ),
        CHART_BRANDS[0]: charts.brand_ranking(active, titles[CHART_BRANDS[0]]),
        CHART_SATISFACTION[0]: charts.bar_by(
            rated,
            "name",
            "satisfaction_rate",
            titles[CHART_SATISFACTION[0]],
            value_format=format_percent,
        ),
    }
    line = source_line(b)
    return {stem: charts.with_source_line(fig, line) for stem, fig in figures.items()}


def export_charts(
    figures: Mapping[str, go.Figure], *, width_cm: float = 16, dpi: int = 300
) -> dict[str, bytes]:
    """``{"01_月度趋势.png": …, "01_月度趋势.svg": …}``: each figure as a 300-dpi PNG and an
    SVG, ``width_cm`` wide, rendered like ``charts.to_png``/``to_svg`` but by one
    Chromium for the whole batch (10 exports take ~5 s instead of ~30 s).

    The browser is private to this call, so concurrent sessions never share it.
    Raises RuntimeError (in Chinese) when no Chromium can be found.
    """
    from PIL import Image

    jobs: list[tuple[str, go.Figure, dict[str, Any]]] = []
    for stem, fig in figures.items():
        # the same print geometry as charts.to_png / charts.to_svg (it reads charts'
        # private _layout_size: a batch export belongs in charts and should move there)
        width, height = charts._layout_size(fig, width_cm, None)
        target_width = round(width_cm / charts.CM_PER_INCH * dpi)
        scale = (target_width + 0.25) / width
        target_height = round(height / charts.CSS_PX_PER_INCH * dpi)
        png_height = (target_height + 0.25) / scale
        png = {"format": "png", "width": width, "height": png_height, "scale": scale}
        jobs.append((f"{stem}.png", fig, png))
        svg = {"format": "svg", "width": width, "height": height, "scale": 1}
        jobs.append((f"{stem}.svg", fig, svg))
    rendered = _render_batch([(fig, opts) for _, fig, opts in jobs])
    out: dict[str, bytes] = {}
    for (name, _, opts), data in zip(jobs, rendered, strict=True):
        if opts["format"] == "png":
            # kaleido writes no pHYs chunk; without one Word places the image at 96 dpi
            image = Image.open(io.BytesIO(data)).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", dpi=(dpi, dpi))
            data = buffer.getvalue()
        out[name] = data
    return out


def _render_batch(jobs: Sequence[tuple[go.Figure, dict[str, Any]]]) -> list[bytes]:
    """Render every (figure, kaleido opts) with one Chromium, in a thread of its own (an
    event loop may already run in the caller's, e.g. Streamlit's)."""
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    kopts: dict[str, Any] = {"mathjax": False}
    browser = _browser()
    if browser:
        kopts["path"] = browser

    async def render() -> list[bytes]:
        async with kaleido.Kaleido(**kopts) as k:
            return [await k.calc_fig(fig, opts=opts) for fig, opts in jobs]

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(render())
        except BaseException as error:  # handed to the caller's thread
            result["error"] = error

    thread = threading.Thread(target=target, name="briefing-export")
    thread.start()
    thread.join()
    error = result.get("error")
    if isinstance(error, ChromeNotFoundError):
        raise RuntimeError(texts.EXPORT_NO_BROWSER) from error
    if error is not None:
        raise error
    return result["value"]


def _browser() -> str | None:
    import os
    import shutil

    return os.environ.get("BROWSER_PATH") or next(
        filter(None, map(shutil.which, charts._BROWSERS)), None
    )


def zip_files(files: Mapping[str, bytes]) -> bytes:
    """The files in one zip (names kept, UTF-8)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


# =========================================================================== Word draft

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
LATIN_FONT = "Times New Roman"
# Word uses the altName when a font is missing: Windows 10+ ships 仿宋, not 仿宋_GB2312.
FONT_FALLBACKS = {BODY_FONT: "仿宋", HEAD_FONT: "SimHei"}
RED = "C00000"
PAGE_CM = (21.0, 29.7)  # A4
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}  # GB/T 9704
TEXT_WIDTH_CM = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]


def document(
    b: Briefing,
    images: Mapping[str, bytes] | None = None,
    *,
    text: Text | None = None,
    issue: str | None = None,
    office: str | None = None,
    issued_on: date | None = None,
) -> bytes:
    """简报初稿.docx (A4, editable): masthead, 第 N 期, issuer and date over a red rule,
    headline, the text, the charts (``images``: PNG bytes by file name; SVGs are
    skipped) with captions, the distribution lines, and the 口径说明 appendix.

    Chinese text is set in 仿宋_GB2312 (body) and 黑体 (headings) as East-Asian fonts,
    with 仿宋 / SimHei named as fallbacks for machines without them.
    """
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Cm

    text = text or compose(b)
    issued_on = issued_on or date.today()
    office = issuing_office(b.unit) if office is None else office
    place = place_name(b.unit)
    headline = HEADLINE.format(place=place, period=period_label(b.scope.date_from, b.data_end))

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    _set_style_font(doc.styles["Normal"], BODY_FONT, 16)
    doc.core_properties.title = headline
    doc.core_properties.author = office

    _paragraph(doc, MASTHEAD.format(place=place), HEAD_FONT, 26, center=True, bold=True, color=RED)
    number = _paragraph(doc, "", BODY_FONT, 16, center=True)
    before, after = ISSUE.split("{issue}")
    _run(number, before, BODY_FONT, 16)
    mark = _run(number, issue or ISSUE_BLANK, BODY_FONT, 16)
    if not issue:
        mark.font.highlight_color = WD_COLOR_INDEX.YELLOW
    _run(number, after, BODY_FONT, 16)
    line = _paragraph(doc, f"{office}\t{format_date(issued_on)}", BODY_FONT, 14)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), _right_tab())
    _border(line, "bottom", RED, 18)

    _paragraph(doc, headline, HEAD_FONT, 22, center=True, space_before=18, space_after=12)
    for body in text.paragraphs:
        _body(doc, body)

    titles = chart_titles(b)
    pngs = [(name, data) for name, data in (images or {}).items() if name.endswith(".png")]
    for n, (name, data) in enumerate(pngs, start=1):
        picture = _paragraph(doc, "", BODY_FONT, 12, center=True, space_before=12)
        picture.add_run().add_picture(io.BytesIO(data), width=Cm(TEXT_WIDTH_CM))
        title = titles.get(name.removesuffix(".png"), name.removesuffix(".png"))
        _paragraph(doc, CAPTION.format(n=n, title=title), BODY_FONT, 12, center=True)

    for i, label in enumerate(DISTRIBUTION):
        item = _paragraph(doc, label, BODY_FONT, 14, space_before=18 if i == 0 else 0)
        if i == 0:
            _border(item, "top", "000000", 8)
        if i == len(DISTRIBUTION) - 1:
            _border(item, "bottom", "000000", 8)

    doc.add_page_break()
    _paragraph(doc, APPENDIX, HEAD_FONT, 16, space_after=12)
    as_of = format_date(b.data_end)
    _body(doc, APPENDIX_SCOPE.format(scope=_Ledger(b).current, as_of=as_of), size=14)
    for n, (label, definition) in enumerate(_definitions(text), start=1):
        _body(doc, APPENDIX_ITEM.format(n=n, label=label, definition=definition), size=14)

    out = io.BytesIO()
    doc.save(out)
    return _with_font_fallbacks(out.getvalue())


def _definitions(text: Text) -> list[tuple[str, str]]:
    """(指标, 口径) of each kind of figure the text wrote, in the order first written."""
    seen: dict[str, tuple[str, str]] = {}
    for fact in text.facts:
        if not fact.key.startswith("previous:"):
            seen.setdefault(fact.kind, (DEFINITIONS[fact.kind][0], fact.definition))
    return list(seen.values())


def _right_tab() -> Any:
    from docx.enum.text import WD_TAB_ALIGNMENT

    return WD_TAB_ALIGNMENT.RIGHT


def _east_asian(element: Any, east_asian: str, latin: str) -> None:
    """Name ``east_asian`` for CJK text and ``latin`` for digits and letters."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_style_font(style: Any, east_asian: str, size: float) -> None:
    from docx.shared import Pt

    style.font.size = Pt(size)
    _east_asian(style.element, east_asian, LATIN_FONT)


def _run(paragraph: Any, text: str, font: str, size: float, **kw: Any) -> Any:
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = kw.get("bold") or None
    if kw.get("color"):
        run.font.color.rgb = RGBColor.from_string(kw["color"])
    _east_asian(run._element, font, font if font == HEAD_FONT else LATIN_FONT)
    return run


def _paragraph(
    doc: Any,
    text: str,
    font: str,
    size: float,
    *,
    center: bool = False,
    space_before: float = 0,
    space_after: float = 0,
    **kw: Any,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before, fmt.space_after = Pt(space_before), Pt(space_after)
    if text:
        _run(paragraph, text, font, size, **kw)
    return paragraph


def _body(doc: Any, text: str, *, size: float = 16) -> Any:
    """A body paragraph: 仿宋, justified, first line indented two characters, 28 pt lines
    (for 三号; smaller text scales down)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = _paragraph(doc, text, BODY_FONT, size)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(2 * size)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(round(size * 1.75))
    return paragraph


def _border(paragraph: Any, side: str, color: str, size: int) -> None:
    """A rule on one side of ``paragraph`` (``size`` in eighths of a point)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # the schema fixes the order of a paragraph's properties; Word rejects others
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    edge = OxmlElement(f"w:{side}")
    for name, value in (("val", "single"), ("sz", str(size)), ("space", "4"), ("color", color)):
        edge.set(qn(f"w:{name}"), value)
    borders.append(edge)


# CT_PPr's children that follow w:pBdr (ECMA-376 part 1, 17.3.1.26)
_AFTER_PBDR = tuple(
    f"w:{tag}"
    for tag in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
        "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
        "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId "
        "cnfStyle rPr sectPr pPrChange"
    ).split()
)


def _with_font_fallbacks(docx: bytes) -> bytes:
    """The docx with 仿宋_GB2312 and 黑体 declared in its font table, each with a GB2312
    charset and an altName Word substitutes when the font is not installed."""
    from lxml import etree

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    w = f"{{{ns}}}"
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/fontTable.xml":
                root = etree.fromstring(data)
                for name, alt in FONT_FALLBACKS.items():
                    font = etree.SubElement(root, f"{w}font", {f"{w}name": name})
                    etree.SubElement(font, f"{w}altName", {f"{w}val": alt})
                    etree.SubElement(font, f"{w}charset", {f"{w}val": "86"})
                    etree.SubElement(font, f"{w}family", {f"{w}val": "modern"})
                    etree.SubElement(font, f"{w}pitch", {f"{w}val": "fixed"})
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return out.getvalue()


# =========================================================================== CLI


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=HELP_DB)
    parser.add_argument("--from", dest="date_from", required=True, type=_date, help=HELP_FROM)
    parser.add_argument("--to", dest="date_to", required=True, type=_date, help=HELP_TO)
    parser.add_argument("--unit", dest="unit_id", help=HELP_UNIT)
    parser.add_argument("--out", required=True, type=Path, help=HELP_OUT)
    parser.add_argument("--issue", help=HELP_ISSUE)
    parser.add_argument("--office", help=HELP_OFFICE)
    parser.add_argument("--date", dest="issued_on", type=_date, help=HELP_DATE)
    parser.add_argument("--no-charts", action="store_true", help=HELP_NO_CHARTS)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(MSG_BAD_DATE.format(value=text)) from None


def run(args: argparse.Namespace) -> int:
    """Write the kit into ``args.out``; 0 when complete, 1 when charts could not be
    exported (the rest is written), 2 for a bad scope, 1 for an unreadable warehouse."""
    started = time.perf_counter()
    try:
        scope = Scope(args.date_from, args.date_to, args.unit_id)
        b = gather(Warehouse(settings.db_path(args.db)), scope)
    except (ValueError, UnknownUnit, WarehouseError) as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 2 if isinstance(exc, (ValueError, UnknownUnit)) else 1
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
        status = _write_kit(b, args, out)
    except OSError as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 1
    print(MSG_DONE.format(out=out, seconds=time.perf_counter() - started))
    return status


def _write_kit(b: Briefing, args: argparse.Namespace, out: Path) -> int:
    status = 0
    text = compose(b)
    _save(out / FILE_TEXT, (text.text + "\n").encode("utf-8"))
    _save(out / FILE_XLSX, workbook(b, text))
    images: dict[str, bytes] = {}
    if not args.no_charts:
        try:
            images = export_charts(chart_figures(b))
        except Exception as exc:  # no browser, a crashed render: the rest is still useful
            print(MSG_NO_CHARTS.format(error=exc), file=sys.stderr)
            status = 1
    for name, data in images.items():
        (out / DIR_CHARTS).mkdir(exist_ok=True)
        _save(out / DIR_CHARTS / name, data)
    if images:
        _save(out / FILE_ZIP, zip_files(images))
    docx = document(
        b, images, text=text, issue=args.issue, office=args.office, issued_on=args.issued_on
    )
    _save(out / FILE_DOCX, docx)
    return status


def _save(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    print(MSG_WRITTEN.format(path=path))
