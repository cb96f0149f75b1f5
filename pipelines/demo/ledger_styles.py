"""How each clerk writes an activity: the ledger's columns and headers, date forms,
aliases, full-width digits, padded ids, and the 合计 under the numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from pipelines.demo.common import format_hours, format_moment
from pipelines.demo.shangjie_plan import Activity
from pipelines.demo.vocabulary import CATEGORY_ALIASES

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
HALFWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
EXCEL_EPOCH = datetime(1899, 12, 30)


class _Serial(float):
    """A date-time pasted into a General cell: Excel shows its serial number."""


def _serial(moment: datetime) -> float:
    """An Excel serial date-time, as a clerk's pasted value shows in a General cell."""
    return round((moment - EXCEL_EPOCH).total_seconds() / 86400, 6)


ACT_KEYS = (
    "activity_id",
    "title",
    "unit_id",
    "brand_id",
    "category",
    "start_at",
    "end_at",
    "source",
    "order_id",
    "volunteer_count",
    "volunteer_hours",
    "target_group",
    "reported_person_times",
    "location",
)
ACT_HEADERS = dict(
    zip(
        ACT_KEYS,
        (
            "活动编码",
            "活动名称",
            "阵地编码",
            "品牌项目编码",
            "服务类别",
            "开始时间",
            "结束时间",
            "来源",
            "点单编号",
            "志愿者人数",
            "志愿服务时长（小时）",
            "服务对象",
            "参与人次",
            "地点",
        ),
        strict=True,
    )
)


@dataclass(frozen=True)
class LedgerStyle:
    """How one town's clerk keeps the monthly activity ledger."""

    encoding: str
    columns: tuple[tuple[str, str], ...]  # (key, header text); keys "#seq"/"#note" are extra
    dates: str
    title: bool = False
    pad_title: bool = True
    unit_line: bool = False
    total: str | None = None  # "bottom" (合计 under the data) or "top" (小计 under the header)
    trailing_blank: int = 0
    fullwidth: float = 0.0
    alias_rate: float = 0.12
    short_source: bool = False
    pad_ids: bool = False


def _cols(**renamed: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, renamed.get(k, ACT_HEADERS[k])) for k in ACT_KEYS)


_REQUIRED = ("activity_id", "title", "unit_id", "category", "start_at")
TOWN_STYLES = {
    "001": LedgerStyle("utf-8-sig", _cols(), "iso", title=True),
    "002": LedgerStyle(
        "utf-8",
        _cols(
            activity_id="活动编号",
            title="活动主题",
            unit_id="承办阵地编码",
            brand_id="项目编码",
            category="活动类别",
            start_at="活动时间",
            source="活动来源",
            volunteer_hours="服务时长",
            reported_person_times="参与人数",
            location="活动地点",
        ),
        "slash",
        alias_rate=0.3,
        short_source=True,
    ),
    "003": LedgerStyle(
        "utf-8-sig",
        tuple(
            (k, h + "（必填）" if k in _REQUIRED else h)
            for k, h in _cols(volunteer_hours="志愿服务时长", reported_person_times="服务人次")
        ),
        "cn",
        title=True,
        pad_title=False,
        unit_line=True,
        fullwidth=0.25,
    ),
    "004": LedgerStyle(
        "utf-8-sig",
        tuple((k, h + "*" if k in _REQUIRED else h) for k, h in _cols()),
        "dot",
        title=True,
        total="bottom",
        trailing_blank=3,
    ),
    "005": LedgerStyle(
        "utf-8",
        tuple(
            (k, h)
            for k, h in (
                ("start_at", " 开始时间"),
                ("end_at", "结束时间 "),
                ("activity_id", "活动编码\u3000"),
                ("title", "活动名称"),
                ("category", "服务类别"),
                ("unit_id", " 阵地编码 "),
                ("brand_id", "品牌项目编码"),
                ("target_group", "服务对象"),
                ("location", "地点"),
                ("reported_person_times", "参与人次"),
                ("volunteer_count", "志愿者人数"),
                ("volunteer_hours", "志愿服务时长（小时）"),
                ("source", "来源"),
                ("order_id", "点单编号"),
            )
        ),
        "compact",
        total="top",
        pad_ids=True,
    ),
    "100": LedgerStyle(
        "gb18030",
        (("#seq", "序号"),)
        + _cols(
            activity_id="活动编号",
            title="活动主题",
            unit_id="承办阵地编码",
            brand_id="项目编码",
            start_at="活动日期",
            source="活动来源",
            reported_person_times="参与人数",
            location="活动地点",
        )
        + (("#note", "备注"),),
        "slash_s",
        title=True,
        short_source=True,
        alias_rate=0.2,
    ),
}
CENTRE_STYLE = LedgerStyle("xlsx", _cols(), "xlsx")


def activity_cells(rng: random.Random, act: Activity, style: LedgerStyle) -> dict[str, object]:
    """One activity as a clerk of this style writes it (strings for CSV, typed cells for xlsx)."""
    category = act.category
    if rng.random() < style.alias_rate:
        category = rng.choice(CATEGORY_ALIASES[category])
    source = act.source
    if style.short_source:
        source = "点单" if source == "群众点单" else "自主"
    elif source == "自主开展" and rng.random() < 0.5:
        source = ""  # the default, left blank
    start: object
    end: object
    if style is CENTRE_STYLE:
        r = rng.random()
        if act.date_only:
            start, end = datetime(act.start.year, act.start.month, act.start.day), ""
        elif r < 0.1:
            start, end = _Serial(_serial(act.start)), _Serial(_serial(act.end))
        elif r < 0.2:
            start, end = format_moment(act.start, "slash"), format_moment(act.end, "slash")
        else:
            start, end = act.start, act.end
        count: object = act.volunteer_count
        hours: object = act.volunteer_hours if act.volunteer_hours >= 0 else ""
        reported: object = act.reported if act.reported is not None else ""
    else:
        start = format_moment(act.start, style.dates, not act.date_only)
        end = "" if act.date_only else format_moment(act.end, style.dates)
        count = str(act.volunteer_count)
        hours = format_hours(act.volunteer_hours) if act.volunteer_hours >= 0 else ""
        reported = "" if act.reported is None else str(act.reported)
        if style.fullwidth and rng.random() < style.fullwidth:
            count, reported = (
                count.translate(FULLWIDTH_DIGITS),
                reported.translate(FULLWIDTH_DIGITS),
            )
    unit_id = act.unit.unit_id
    if style.pad_ids and rng.random() < 0.3:
        unit_id = f"\u3000{unit_id}\u3000"
    return {
        "activity_id": act.activity_id,
        "title": act.title,
        "unit_id": unit_id,
        "brand_id": act.brand_id or "",
        "category": category,
        "start_at": start,
        "end_at": end,
        "source": source,
        "order_id": act.order_id or "",
        "volunteer_count": count,
        "volunteer_hours": hours,
        "target_group": act.target_group,
        "reported_person_times": reported,
        "location": act.location,
    }


def _number(value: object) -> float:
    try:
        return float(str(value).translate(HALFWIDTH_DIGITS))
    except ValueError:
        return 0.0


def column_totals(entries: list[dict[str, object]]) -> dict[str, float]:
    """The 合计 a clerk puts under the numbers."""
    return {
        key: sum(_number(e[key]) for e in entries if e[key] != "")
        for key in ("volunteer_count", "volunteer_hours", "reported_person_times")
    }
