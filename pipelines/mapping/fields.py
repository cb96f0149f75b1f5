"""The fields a ledger column can map to: the contract's keys plus composition keys.

A composition key is a part the mapping puts together into a contract column (a
date from 年份 + 月份 + 日期, a unit code from its name, group headcounts into a
total) or a column used only on the way (姓名, hashed together with another).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.contract import TABLE_SPECS, normalize_header

IGNORE = "ignore"


@dataclass(frozen=True)
class Field:
    """One target of a column: key, Chinese label, header words, what its values look like."""

    key: str
    zh: str
    tables: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    values: str = (
        "text"  # text | year | month | day | date | time | int | decimal | phone | stars | code
    )


_EVENTS = ("activities", "attendance", "ratings")
COMPOSED: tuple[Field, ...] = (
    Field("start_year", "年份", _EVENTS, ("年份", "年", "年度"), "year"),
    Field("start_month", "月份", _EVENTS, ("月份", "月"), "month"),
    Field("start_day", "日期（日或月.日）", _EVENTS, ("日期", "日", "活动日期", "开展日期"), "day"),
    Field("start_time", "时间（上午9:00）", _EVENTS, ("时间", "开展时间", "具体时间"), "time"),
    Field(
        "unit_name",
        "阵地名称（按名称找编码）",
        (
            "activities",
            "attendance",
            "ratings",
            "orders",
            "brands",
            "targets",
            "teams",
            "redemptions",
        ),
        (
            "开展站点",
            "站点",
            "站点名称",
            "阵地名称",
            "阵地",
            "实践站",
            "实践所",
            "所属站点",
            "承办单位",
            "开展单位",
            "举办单位",
            "活动阵地",
            "单位",
            "单位名称",
            "村（社区）",
            "村社区",
        ),
    ),
    Field("unit_id", "阵地编码", ("attendance", "ratings"), ("阵地编码", "站点编码")),
    Field("brand_name", "品牌项目名称", ("activities",), ("品牌项目", "品牌", "项目")),
    Field(
        "activity_title",
        "活动名称（按名称找活动）",
        ("attendance", "ratings"),
        ("活动名称", "活动主题", "活动"),
    ),
    # group columns are recognised by their merged header (参与人数/成人/人数), not a word
    Field("headcount_by_group", "分组人数（人群类别/人数）", ("activities",), (), "int"),
    Field("hours_by_group", "分组时长（计入志愿服务时长）", ("activities",), (), "decimal"),
    Field(
        "person_name",
        "姓名（仅与其他列一起加密）",
        ("attendance", "ratings", "redemptions"),
        ("姓名", "名字"),
    ),
    Field(
        "phone",
        "手机号（加密后作编号）",
        ("attendance", "ratings", "redemptions"),
        ("电话", "手机", "手机号", "手机号码", "联系电话", "联系方式"),
        "phone",
    ),
)
IGNORED_WORDS = (
    "序号",
    "编号序",
    "照片",
    "图片",
    "活动照片",
    "附件",
    "备注",
    "说明",
    "签名",
    "签字",
)


# header words ledgers use for contract columns beyond the template's aliases
LEDGER_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "activities": {
        "title": ("活动内容", "主题", "活动项目"),
        "category": ("活动类型", "类型", "服务类型"),
        "reported_person_times": ("人数", "参加人数", "人次", "参与人次数", "受益人数"),
        "volunteer_count": ("志愿者", "志愿者数"),
        "location": ("地址", "活动场所"),
        "target_group": ("服务人群", "参与对象"),
        "start_at": ("活动开展时间", "开展日期时间"),
    },
    "attendance": {"checked_in_at": ("签到日期时间",), "group": ("类别", "人群")},
    "ratings": {
        "score": ("满意程度", "评价等级", "满意度评价", "打分"),
        "comment": ("意见", "建议", "评价意见", "意见和建议"),
        "rated_at": ("评价日期",),
    },
    "orders": {
        "order_id": ("单号", "订单号", "点单号", "编号"),
        "ordered_at": ("点单日期", "下单时间", "提出时间"),
        "category": ("服务类别", "类别"),
        "content": ("需求", "服务需求", "点单内容"),
        "status": ("办理状态", "进度", "办理情况"),
        "completed_at": ("办结时间", "完成日期"),
        "accepted_at": ("接单日期",),
    },
}


def contract_fields(table: str) -> list[Field]:
    """The contract's columns of ``table`` as fields."""
    values = {
        "date": "date",
        "datetime": "date",
        "int": "int",
        "decimal": "decimal",
        "score": "stars",
        "id": "code",
    }
    extra = LEDGER_WORDS.get(table, {})
    return [
        Field(
            c.key,
            c.zh,
            (table,),
            (c.zh, *c.aliases, *extra.get(c.key, ())),
            values.get(c.kind, "text"),
        )
        for c in TABLE_SPECS[table].columns
    ]


def fields_for(table: str) -> list[Field]:
    """Every field a column of a ``table`` ledger can map to (``ignore`` aside)."""
    return contract_fields(table) + [f for f in COMPOSED if table in f.tables]


def field_keys(table: str) -> set[str]:
    return {f.key for f in fields_for(table)} | {IGNORE}


def label(table: str, key: str) -> str:
    """The Chinese label of a field key (``headcount_by_group:成人`` names its group)."""
    if key == IGNORE:
        return "不导入"
    base, _, group = key.partition(":")
    zh = next((f.zh for f in fields_for(table) if f.key == base), key)
    return f"{zh}：{group}" if group else zh


def known_header_words() -> set[str]:
    """Every header word of any field, normalised: what a header row is recognised by."""
    words = {normalize_header(w) for f in COMPOSED for w in f.aliases}
    words |= {normalize_header(w) for w in IGNORED_WORDS}
    for table in TABLE_SPECS:
        words |= {normalize_header(w) for f in contract_fields(table) for w in f.aliases}
    return words
