"""The import contract (导入模板) as data: tables, columns, aliases, enums.

One record per column; header matching, table detection, validation and the
template workbook are all driven from here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipelines.settings import config


@dataclass(frozen=True)
class Column:
    """One contract column: English key, Chinese header, aliases, value kind."""

    key: str
    zh: str
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | id | date | datetime | int | decimal | enum | score | codes | bool
    required: bool = False
    example: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Table:
    """One contract table: its key columns and what one row means."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    grain: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


C = Column
TABLE_SPECS: dict[str, Table] = {
    "units": Table(
        "units",
        "阵地",
        (
            C("unit_id", "阵地编码", ("编码", "站点编码"), "id", True, ("ZX410106", "S410106001")),
            C(
                "name",
                "阵地名称",
                ("名称", "站点名称"),
                "text",
                True,
                ("上街区新时代文明实践中心", "济源路街道新时代文明实践所"),
            ),
            C("level", "层级", ("级别", "阵地类型"), "enum", True, ("中心", "所")),
            C("parent_id", "上级编码", ("上级阵地编码",), "id", False, ("", "ZX410106")),
            C("division_code", "区划代码", (), "id", False, ("410106000000", "410106001000")),
            C("serves", "服务村居", (), "codes", False, ("", "")),
            C("opened_on", "挂牌日期", ("成立日期",), "date", False, ("2019-10-01", "2020-05-20")),
            C("is_model", "示范站", ("是否示范",), "bool", False, ("否", "是")),
            C("lng", "经度", (), "decimal", False, ("113.2810", "113.2905")),
            C("lat", "纬度", (), "decimal", False, ("34.8020", "34.8108")),
            # the practices' optional columns (docs/practices: 五有): NULL is 未报送
            C("head", "负责人", (), "text", False, ("刘芳", "张强")),
            C("is_rules_posted", "制度上墙", (), "bool", False, ("是", "是")),
            C("room_count", "功能室数量", (), "int", False, ("6", "4")),
            C("area_sqm", "场所面积（平方米）", ("场所面积",), "decimal", False, ("1200", "350.5")),
        ),
        ("unit_id",),
        "one row per unit (阵地)",
    ),
    "divisions": Table(
        "divisions",
        "区划",
        (
            C(
                "code",
                "区划代码",
                ("统计用区划代码", "code"),
                "id",
                True,
                ("410106001001", "410106001002"),
            ),
            C("name", "名称", ("区划名称", "name"), "text", True, ("东林子村委会", "西林子村委会")),
            C("urban_rural", "城乡分类代码", ("城乡分类",), "id", False, ("220", "220")),
            C("population", "常住人口", ("人口", "常住人口数"), "int", False, ("1860", "2315")),
        ),
        ("code",),
        "one row per division (区划) code",
    ),
    "brands": Table(
        "brands",
        "品牌项目",
        (
            C("brand_id", "项目编码", ("品牌编码",), "id", True, ("PP001", "PP002")),
            C(
                "name",
                "项目名称",
                ("品牌名称",),
                "text",
                True,
                ("心系银发·微幸福", "四点半智慧课堂"),
            ),
            C("unit_id", "所属阵地编码", ("阵地编码",), "id", True, ("S410106001", "ZX410106")),
            C("category", "服务类别", (), "enum", False, ("关爱帮扶", "教育服务")),
            C("started_on", "创建日期", (), "date", False, ("2021-03-01", "2022-07-01")),
        ),
        ("brand_id",),
        "one row per brand project (品牌项目)",
    ),
    "orders": Table(
        "orders",
        "点单",
        (
            C("order_id", "点单编号", (), "id", True, ("DD2025000001", "DD2025000002")),
            C(
                "ordered_at",
                "点单时间",
                (),
                "datetime",
                True,
                ("2025-03-01 09:00", "2025-03-02 10:30"),
            ),
            C("category", "需求类别", ("服务类别",), "enum", True, ("卫生健康", "便民服务")),
            C(
                "content",
                "需求内容",
                (),
                "text",
                False,
                ("希望组织一次健康义诊", "小区需要磨刀修鞋服务"),
            ),
            C(
                "unit_id",
                "点单阵地编码",
                ("阵地编码",),
                "id",
                True,
                ("S410106001", "ZX410106"),
            ),
            C("dispatched_at", "派单时间", (), "datetime", False, ("2025-03-01 15:00", "")),
            C("accepted_unit_id", "接单阵地编码", (), "id", False, ("S410106001", "")),
            C("accepted_at", "接单时间", (), "datetime", False, ("2025-03-02 09:00", "")),
            C(
                "completed_at",
                "完成时间",
                ("送单时间",),
                "datetime",
                False,
                ("2025-03-08 11:00", ""),
            ),
            C("status", "状态", (), "enum", False, ("已完成", "待派单")),
        ),
        ("order_id",),
        "one row per citizen order (点单)",
    ),
    "activities": Table(
        "activities",
        "活动",
        (
            C(
                "activity_id",
                "活动编码",
                ("活动编号",),
                "id",
                True,
                ("HD2025000001", "HD2025000002"),
            ),
            C(
                "title",
                "活动名称",
                ("活动主题",),
                "text",
                True,
                ("学习党的二十届四中全会精神宣讲", "四点半智慧课堂·书法"),
            ),
            C(
                "unit_id",
                "阵地编码",
                ("承办阵地编码",),
                "id",
                True,
                ("S410106001", "ZX410106"),
            ),
            C("brand_id", "品牌项目编码", ("项目编码",), "id", False, ("", "PP002")),
            C("category", "服务类别", ("活动类别", "类别"), "enum", True, ("理论宣讲", "教育服务")),
            C(
                "start_at",
                "开始时间",
                ("活动时间", "活动日期"),
                "datetime",
                True,
                ("2025-03-05 14:30", "2025/3/6"),
            ),
            C("end_at", "结束时间", (), "datetime", False, ("2025-03-05 16:30", "")),
            C("source", "来源", ("活动来源",), "enum", False, ("自主开展", "群众点单")),
            C("order_id", "点单编号", (), "id", False, ("", "DD2025000001")),
            C(
                "volunteer_count",
                "志愿者人数",
                ("志愿服务人数", "志愿者人次"),
                "int",
                False,
                ("5", "3"),
            ),
            C(
                "volunteer_hours",
                "志愿服务时长（小时）",
                ("志愿服务时长", "服务时长"),
                "decimal",
                False,
                ("10", "6.5"),
            ),
            C("target_group", "服务对象", (), "text", False, ("群众", "未成年人")),
            C(
                "reported_person_times",
                "参与人次",
                ("参与人数", "服务人次"),
                "int",
                False,
                ("120", "35"),
            ),
            C("location", "地点", ("活动地点",), "text", False, ("区文化馆", "东林子村文明实践站")),
        ),
        ("activity_id",),
        "one row per activity (活动)",
    ),
    "attendance": Table(
        "attendance",
        "参与记录",
        (
            C("activity_id", "活动编码", (), "id", True, ("HD2025000001", "HD2025000001")),
            C(
                "person_id",
                "参与者编号",
                ("参与人编号", "志愿者编号"),
                "id",
                False,
                ("P000001", ""),
            ),
            C("headcount", "人数", (), "int", False, ("1", "30")),
            C("checked_in_at", "签到时间", (), "datetime", False, ("2025-03-05 14:20", "")),
            C("group", "人群类别", ("人员类别",), "text", False, ("老年人", "群众")),
            C("role", "身份", ("参与身份",), "enum", False, ("群众", "群众")),
            # one volunteer's hours in the activity: 志愿者 rows only, at most 24
            C("service_hours", "服务时长（小时）", (), "decimal", False, ("", "")),
        ),
        (),  # keyed by (activity_id, person_id) when person_id is present
        "one row per sign-in or headcount line",
    ),
    "ratings": Table(
        "ratings",
        "评价",
        (
            C("activity_id", "活动编码", (), "id", True, ("HD2025000001", "HD2025000002")),
            C("rater_id", "评价人编号", (), "id", False, ("R000001", "")),
            C("score", "满意度", ("评价", "评分", "星级"), "score", True, ("非常满意", "★★★★☆")),
            C("comment", "评价内容", ("意见建议", "评语"), "text", False, ("讲得很实在", "")),
            C("rated_at", "评价时间", (), "datetime", False, ("2025-03-05 17:00", "")),
        ),
        (),  # keyed by (activity_id, rater_id) when rater_id is present
        "one row per rating (评单)",
    ),
    "targets": Table(
        "targets",
        "目标",
        (
            C("year", "年度", (), "int", True, ("2025", "2025")),
            C("unit_id", "阵地编码", (), "id", True, ("ZX410106", "ZX410106")),
            C("metric", "指标", (), "enum", True, ("活动场次", "满意率")),
            C("value", "目标值", (), "decimal", True, ("1500", "90%")),
        ),
        ("year", "unit_id", "metric"),
        "one row per (year, unit, metric) target",
    ),
    "teams": Table(
        "teams",
        "志愿服务队伍",
        (
            C("team_id", "队伍编码", ("队伍编号",), "id", True, ("DW001", "DW002")),
            C(
                "name",
                "队伍名称",
                (),
                "text",
                True,
                ("济源路街道理论宣讲志愿服务队", "上街区文艺志愿服务队"),
            ),
            C("unit_id", "所属阵地编码", (), "id", True, ("S410106001", "ZX410106")),
            C("category", "服务类别", (), "enum", False, ("理论宣讲", "文化服务")),
            C("founded_on", "成立日期", (), "date", False, ("2021-05-04", "2020-03-05")),
            C("member_count", "队员人数", (), "int", False, ("25", "40")),
        ),
        ("team_id",),
        "one row per volunteer team (志愿服务队伍)",
    ),
    "redemptions": Table(
        "redemptions",
        "积分兑换",
        (
            C("redemption_id", "兑换编号", (), "id", True, ("DH2025000001", "DH2025000002")),
            C(
                "person_id",
                "参与者编号",
                ("志愿者编号",),
                "id",
                True,
                ("P000001", "P000001"),
            ),
            C(
                "unit_id",
                "兑换阵地编码",
                ("爱心超市编码",),
                "id",
                True,
                ("S410106001", "S410106001"),
            ),
            C(
                "redeemed_at",
                "兑换时间",
                (),
                "datetime",
                True,
                ("2025-03-10 10:00", "2025-03-12"),
            ),
            C("points", "积分", ("兑换积分",), "int", True, ("20", "15")),
            C("item", "兑换物品", (), "text", False, ("洗衣液", "食用油")),
        ),
        ("redemption_id",),
        "one row per redemption of points (积分兑换, 爱心超市)",
    ),
}

LEVELS = ("省", "市", "中心", "所", "站", "点", "基地")
LEVEL_ALIASES = {
    "省级中心": "省",
    "市级中心": "市",
    "实践中心": "中心",
    "实践所": "所",
    "实践站": "站",
    "实践点": "点",
    "实践基地": "基地",
}
# child level -> allowed parent levels (None: no parent required)
PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    "省": (),
    "市": ("省",),
    "中心": ("市",),
    "所": ("中心",),
    "站": ("所",),
    "点": ("站", "所"),
    "基地": ("中心", "所"),
}
LEVELS_WITHOUT_PARENT = ("省", "市", "中心")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "理论宣讲": ("宣讲", "理论宣传", "政策宣讲", "党史宣讲"),
    "教育服务": ("教育", "培训", "课堂", "夜校"),
    "文化服务": ("文化惠民", "文艺", "文体", "文艺演出", "文化活动"),
    "科技科普": ("科普", "科技与科普", "科普宣传"),
    "健身体育": ("体育健身", "体育", "健身"),
    "卫生健康": ("健康", "义诊", "健康义诊", "医疗"),
    "便民服务": ("社区便民", "便民代办", "便民"),
    "关爱帮扶": ("关爱", "帮扶", "助老", "一老一小"),
    "法治宣传": ("法治", "普法", "反诈"),
    "移风易俗": ("文明风尚", "乡风文明"),
}
SOURCES = {"群众点单": "群众点单", "自主开展": "自主开展", "点单": "群众点单", "自主": "自主开展"}
ROLES = {"群众": "群众", "志愿者": "志愿者"}
ORDER_STATUSES = ("待派单", "已派单", "已接单", "已完成", "已取消")
TARGET_METRICS = ("活动场次", "服务人次", "志愿服务时长", "满意率")
SCORE_WORDS = {"非常满意": 5, "满意": 4, "基本满意": 3, "一般": 3, "不满意": 2, "非常不满意": 1}
BOOL_WORDS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "√": True,
    "×": False,
}
TOTAL_WORDS = ("合计", "总计", "总合计", "小计")

# A column headed 志愿者编号 holds volunteers: role defaults to 志愿者.
VOLUNTEER_HEADER = "志愿者编号"


def category_map() -> dict[str, str]:
    """Every accepted spelling (canonical, alias, configured alias) -> canonical category."""
    mapping: dict[str, str] = {}
    for canonical, aliases in CATEGORIES.items():
        mapping[canonical] = canonical
        for alias in aliases:
            mapping[alias] = canonical
    for canonical, aliases in config().category_aliases.items():
        for alias in aliases:
            mapping[alias] = canonical
    return mapping


def level_map() -> dict[str, str]:
    return {**{lv: lv for lv in LEVELS}, **LEVEL_ALIASES}


def _invisible_codepoints() -> list[int]:
    """Characters that show nothing and change no meaning a clerk can see: format
    characters (Unicode category Cf: zero-width space and joiners, BOM, bidi marks and
    isolates, word joiner, soft hyphen, tags), control characters other than tab and
    line ends, the combining grapheme joiner, variation selectors, the Hangul fillers
    and the blank braille pattern."""
    controls = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + list(range(0x7F, 0xA0))
    extra = [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800]
    extra += [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
    # format characters live in planes 0, 1 and 14 only: scanning those is 8x quicker
    planes = [*range(0x20000), *range(0xE0000, 0xE1000)]
    formats = [c for c in planes if unicodedata.category(chr(c)) == "Cf"]
    return sorted(set(controls + extra + formats))


def _char_class(codepoints: list[int]) -> str:
    """A regex character class of ``codepoints`` in ``\\uXXXX``/``\\UXXXXXXXX`` escapes,
    which Python's ``re`` and Polars' (Rust) regex read alike."""

    def esc(c: int) -> str:
        return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"

    ranges: list[list[int]] = []
    for c in codepoints:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "[" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"


# One definition of "invisible", used for every cell (``parse.clean``), every header
# (``normalize_header``) and every personal-number check (``pii``): a key written
# ``HD2025000006`` + U+200B is ``HD2025000006``, and a title of only such characters is empty.
INVISIBLE = _char_class(_invisible_codepoints())
_INVISIBLE_RE = re.compile(INVISIBLE)


def strip_invisible(text: str) -> str:
    """``text`` without its invisible characters (see ``INVISIBLE``)."""
    return _INVISIBLE_RE.sub("", text)


_SUFFIX = re.compile(r"(\(必填\)|\*)+$")


def normalize_header(text: object) -> str:
    """A header as matched: invisible characters dropped, NFKC, no spaces, no trailing
    (必填)/*, English lower-cased."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", strip_invisible(str(text)))
    s = re.sub(r"\s+", "", s)
    s = _SUFFIX.sub("", s)
    return s.lower()


def header_index(table: Table) -> dict[str, str]:
    """Normalised header -> column key for one table."""
    index: dict[str, str] = {}
    for col in table.columns:
        for name in (col.zh, *col.aliases, col.key):
            index[normalize_header(name)] = col.key
    return index


HEADER_INDEX = {name: header_index(t) for name, t in TABLE_SPECS.items()}
