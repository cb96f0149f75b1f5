"""Deterministic demo ledgers: the files a county's stations would send in a year.

``wenming demo --out DIR [--scale county|city|province] [--year 2025] [--seed 1]``

``county`` writes one county modelled on 上街区 (Zhengzhou): real town and street
names, the 五云 joint station, the brands of the briefings, a year of activities
with their sign-ins, ratings and orders, and the mess real ledgers carry (title
rows, merged headers, aliases, GBK, full-width digits, mixed date forms) plus a
handful of deliberately bad rows, listed in the returned summary. ``city`` adds
nine more counties and ``province`` a whole province; those extra counties are
streamed to plain CSV, county by county, so memory stays flat.

Same arguments, same bytes: every random choice comes from ``random.Random``
seeded by the arguments, never from the clock, and workbooks carry a fixed
creation date.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from pipelines.settings import TABLES

SCALES = ("county", "city", "province")
MARKER = ".wenming-demo.json"  # lists the files of the last run, so a rerun can tidy up
XLSX_MAX_ROWS = 1_048_576

CATEGORIES = (
    "理论宣讲",
    "教育服务",
    "文化服务",
    "科技科普",
    "健身体育",
    "卫生健康",
    "便民服务",
    "关爱帮扶",
    "法治宣传",
    "移风易俗",
)
# aliases a clerk writes instead of the canonical name (all accepted by the contract)
CATEGORY_ALIASES = {
    "理论宣讲": ("宣讲", "政策宣讲", "党史宣讲"),
    "教育服务": ("培训", "课堂", "夜校"),
    "文化服务": ("文艺演出", "文化惠民", "文化活动"),
    "科技科普": ("科普", "科普宣传"),
    "健身体育": ("体育健身", "健身"),
    "卫生健康": ("义诊", "健康义诊"),
    "便民服务": ("社区便民", "便民"),
    "关爱帮扶": ("助老", "关爱", "一老一小"),
    "法治宣传": ("普法", "反诈"),
    "移风易俗": ("乡风文明", "文明风尚"),
}
# category -> seasonal profile (see _day_weight)
PROFILE = {
    "理论宣讲": "theory",
    "教育服务": "education",
    "文化服务": "culture",
    "健身体育": "culture",
    "关爱帮扶": "care",
}
# category -> ((hour, minute), ...) start slots, durations in minutes, mean sign-ins
SLOTS = {
    "理论宣讲": ((9, 0), (9, 30), (14, 30), (15, 0), (19, 30)),
    "教育服务": ((9, 0), (14, 30), (16, 30), (19, 0)),
    "文化服务": ((9, 0), (15, 0), (19, 0), (19, 30)),
    "科技科普": ((9, 30), (14, 30), (15, 0)),
    "健身体育": ((7, 30), (8, 0), (16, 0), (19, 30)),
    "卫生健康": ((8, 30), (9, 0)),
    "便民服务": ((8, 30), (9, 0), (14, 30)),
    "关爱帮扶": ((9, 0), (10, 0), (14, 30), (15, 0)),
    "法治宣传": ((9, 30), (14, 30), (15, 30)),
    "移风易俗": ((9, 30), (14, 30)),
}
DURATIONS = {
    "理论宣讲": (60, 90, 120),
    "教育服务": (60, 90, 120),
    "文化服务": (120, 150, 180),
    "科技科普": (60, 90, 120),
    "健身体育": (60, 90, 120),
    "卫生健康": (120, 180, 210),
    "便民服务": (120, 180),
    "关爱帮扶": (90, 120, 180),
    "法治宣传": (60, 90),
    "移风易俗": (60, 90),
}
SIGNINS = {
    "理论宣讲": 30,
    "教育服务": 20,
    "文化服务": 36,
    "科技科普": 25,
    "健身体育": 22,
    "卫生健康": 34,
    "便民服务": 27,
    "关爱帮扶": 15,
    "法治宣传": 30,
    "移风易俗": 24,
}
TARGET_GROUPS = {
    "理论宣讲": ("党员群众", "群众", "群众"),
    "教育服务": ("未成年人", "未成年人", "上班族", "老年人"),
    "文化服务": ("群众",),
    "科技科普": ("群众", "未成年人"),
    "健身体育": ("群众", "老年人"),
    "卫生健康": ("老年人", "群众"),
    "便民服务": ("群众", "老年人", "上班族"),
    "关爱帮扶": ("老年人", "困难群众", "残疾人", "未成年人"),
    "法治宣传": ("群众", "老年人"),
    "移风易俗": ("群众",),
}
# {p}: the place (village, community, town); no ASCII commas or quotes anywhere
TITLES = {
    "理论宣讲": (
        "“百姓名嘴”微宣讲进{p}",
        "惠民政策面对面宣讲",
        "“三小三大”理论宣讲",
        "“老党员讲党史”宣讲会",
        "“村村响”理论微课堂",
        "乡村振兴政策解读",
    ),
    "教育服务": (
        "“四点半课堂”作业辅导",
        "老年人智能手机使用培训",
        "家庭教育讲座",
        "暑期安全教育课",
        "书法兴趣课",
        "非遗剪纸课堂",
        "“市民夜校”插花课",
    ),
    "文化服务": (
        "公益电影放映",
        "“咱村有戏”戏曲展演",
        "“四季村晚”文艺演出",
        "广场舞展演",
        "农家书屋读书分享会",
        "百姓大舞台",
    ),
    "科技科普": (
        "防灾减灾科普宣传",
        "“科技助力 智汇社区”科普展",
        "果树修剪技术培训",
        "垃圾分类科普",
        "青少年科学小实验",
    ),
    "健身体育": (
        "全民健身广场舞",
        "太极拳晨练",
        "“村BA”篮球友谊赛",
        "健步走活动",
        "八段锦教学",
    ),
    "卫生健康": (
        "健康义诊进{p}",
        "免费测血压血糖",
        "中医义诊",
        "慢性病防治讲座",
        "心理健康讲座",
    ),
    "便民服务": (
        "便民服务集市：理发 磨刀 修鞋",
        "家电义务维修",
        "免费理发进{p}",
        "帮办代办服务",
        "义务配钥匙修拉链",
    ),
    "关爱帮扶": (
        "“银龄关怀”走访慰问独居老人",
        "关爱留守儿童",
        "“长者生日会”",
        "困难群众走访慰问",
        "爱心助餐志愿服务",
        "助残志愿服务",
    ),
    "法治宣传": (
        "反诈宣传进{p}",
        "《民法典》普法讲座",
        "“法治宣传驿站”以案说法",
        "防范养老诈骗宣传",
        "禁毒宣传",
    ),
    "移风易俗": (
        "移风易俗倡议宣传",
        "“红白事简办”宣讲",
        "文明家庭评选",
        "“好婆婆好儿媳”评选",
        "文明餐桌倡议",
    ),
}
FESTIVAL_TITLES = (  # (days from 春节, days from 春节, title) for 文化服务 around the festival
    (-12, -1, "“我们的节日·春节”写春联送福字"),
    (0, 6, "“我们的节日·春节”文艺汇演"),
    (13, 15, "“我们的节日·元宵”猜灯谜"),
)
DEMANDS = {
    "理论宣讲": ("希望有人来讲讲新出台的惠民政策", "想听听医保新政策解读"),
    "教育服务": ("孩子放学后没人看管 希望开设课堂", "老人想学用智能手机", "想学插花"),
    "文化服务": ("希望组织一场文艺演出", "想看露天电影", "希望开展广场舞培训"),
    "科技科普": ("希望开展防灾减灾科普", "想了解果树修剪技术"),
    "健身体育": ("希望组织篮球友谊赛", "想学八段锦"),
    "卫生健康": ("希望组织一次健康义诊", "老人想量血压测血糖"),
    "便民服务": ("小区需要磨刀修鞋服务", "希望提供免费理发", "家电坏了希望有人来修"),
    "关爱帮扶": ("独居老人需要上门看望", "留守儿童需要课后陪伴"),
    "法治宣传": ("希望讲讲防范养老诈骗", "想咨询赡养纠纷的法律问题"),
    "移风易俗": ("希望倡导红白事简办", "希望评选文明家庭"),
}
PRAISE = (
    "讲得很实在 听得懂",
    "活动很有意义 希望多办",
    "志愿者很热情",
    "家门口就能参加 很方便",
    "孩子很喜欢",
    "组织得很好",
    "内容丰富 受益匪浅",
    "老师很耐心",
    "节目很精彩",
    "服务很贴心",
)
LUKEWARM = ("还可以", "希望提前通知", "时间有点长", "人有点多")
COMPLAINTS = (
    "时间安排不合理",
    "时间安排不合理 下班赶不上",
    "内容太单一",
    "内容太单一 每次都差不多",
    "场地太小",
    "场地太小 站着听",
    "通知太晚了",
    "老师讲得太快",
)
SCORE_WORDS = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}
# cumulative probabilities of scores 1..5
SCORES_GOOD = (0.01, 0.03, 0.11, 0.43, 1.0)  # mean ≈ 4.4
SCORES_FAIR = (0.03, 0.10, 0.35, 0.70, 1.0)  # mean ≈ 3.8
SCORES_POOR = (0.16, 0.50, 0.84, 0.96, 1.0)  # mean ≈ 2.5
SPRING_FESTIVAL = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
SOLAR_TERMS = (  # (month, day, name), approximate days: 上之约 follows them
    (1, 5, "小寒"),
    (1, 20, "大寒"),
    (2, 4, "立春"),
    (2, 19, "雨水"),
    (3, 5, "惊蛰"),
    (3, 20, "春分"),
    (4, 4, "清明"),
    (4, 20, "谷雨"),
    (5, 5, "立夏"),
    (5, 21, "小满"),
    (6, 5, "芒种"),
    (6, 21, "夏至"),
    (7, 7, "小暑"),
    (7, 22, "大暑"),
    (8, 7, "立秋"),
    (8, 23, "处暑"),
    (9, 7, "白露"),
    (9, 23, "秋分"),
    (10, 8, "寒露"),
    (10, 23, "霜降"),
    (11, 7, "立冬"),
    (11, 22, "小雪"),
    (12, 7, "大雪"),
    (12, 21, "冬至"),
)
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
HALFWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
EXCEL_EPOCH = datetime(1899, 12, 30)


# ---------------------------------------------------------------- calendar


def _day_weight(profile: str, day: date, spring: date) -> float:
    """Relative chance of an activity of this seasonal profile on this day."""
    month_weight = (0.8, 0.75, 1.35, 1.0, 1.05, 0.95, 1.1, 1.05, 1.0, 1.2, 0.95, 0.9)
    w = month_weight[day.month - 1]
    d = (day - spring).days
    if profile == "culture":
        if -12 <= d <= 15:  # 春节 to 元宵: village galas, couplets, lanterns
            w *= 2.6
        elif day.month in (9, 10):
            w *= 1.2
    else:
        if -7 <= d <= 7:
            w *= 0.2
        elif 8 <= d <= 15:
            w *= 0.6
        elif -20 <= d <= -8 and profile == "care":
            w *= 1.8  # visits before the festival
    if profile == "education" and day.month in (7, 8):
        w *= 1.8  # summer 四点半课堂
    if profile == "care" and day.month == 10:
        w *= 1.5  # 重阳节
    if profile == "theory" and (day.month == 3 or (day.month == 6 and day.day >= 20)):
        w *= 1.3
    if day.month == 3 and day.day <= 10:
        w *= 1.8  # 学雷锋
    if day.month == 10 and day.day <= 7 and profile != "culture":
        w *= 0.5  # National Day holiday
    if day.weekday() >= 5:
        w *= 1.3 if profile in ("culture", "education") else 0.8
    return w


class _Calendar:
    """The year's days and, per seasonal profile, cumulative day weights for sampling."""

    def __init__(self, year: int):
        self.year = year
        self.first = date(year, 1, 1)
        n = (date(year + 1, 1, 1) - self.first).days
        self.days = [self.first + timedelta(i) for i in range(n)]
        self.spring = SPRING_FESTIVAL.get(year, date(year, 2, 1))
        self.cum: dict[str, list[float]] = {}
        for profile in ("base", "theory", "education", "culture", "care"):
            total, acc = 0.0, []
            for day in self.days:
                total += _day_weight(profile, day, self.spring)
                acc.append(total)
            self.cum[profile] = acc

    def index(self, day: date) -> int:
        return (day - self.first).days

    def pick(self, rng: random.Random, profile: str, lo: int = 0, hi: int | None = None) -> int:
        """A day index in [lo, hi] drawn by the profile's weights."""
        cum = self.cum[profile]
        hi = len(cum) - 1 if hi is None else hi
        base = cum[lo - 1] if lo > 0 else 0.0
        r = base + rng.random() * (cum[hi] - base)
        return min(hi, max(lo, bisect.bisect_left(cum, r)))


def _pick_cum(rng: random.Random, cum: tuple[float, ...] | list[float]) -> int:
    return bisect.bisect_left(cum, rng.random() * cum[-1])


def _cumulate(weights) -> list[float]:
    acc, total = [], 0.0
    for w in weights:
        total += w
        acc.append(total)
    return acc


def _serial(moment: datetime) -> float:
    """An Excel serial date-time, as a clerk's pasted value shows in a General cell."""
    return round((moment - EXCEL_EPOCH).total_seconds() / 86400, 6)


def _fmt(moment: datetime, style: str, with_time: bool = True) -> str:
    """A date-time the way one ledger writes it."""
    y, m, d = moment.year, moment.month, moment.day
    hh, mm = moment.hour, moment.minute
    if style == "iso":
        day, clock = f"{y}-{m:02d}-{d:02d}", f"{hh:02d}:{mm:02d}"
    elif style == "iso_s":
        day, clock = f"{y}-{m:02d}-{d:02d}", f"{hh:02d}:{mm:02d}:00"
    elif style == "slash":
        day, clock = f"{y}/{m}/{d}", f"{hh}:{mm:02d}"
    elif style == "slash_s":
        day, clock = f"{y}/{m}/{d}", f"{hh:02d}:{mm:02d}:00"
    elif style == "dot":
        day, clock = f"{y}.{m}.{d}", f"{hh:02d}:{mm:02d}"
    elif style == "cn":
        day, clock = f"{y}年{m}月{d}日", f"{hh}时{mm:02d}分"
    elif style == "compact":
        day, clock = f"{y}{m:02d}{d:02d}", f"{hh:02d}:{mm:02d}"
    else:
        raise ValueError(style)
    return f"{day} {clock}" if with_time else day


def _nice(value: float) -> int:
    """A target as people set them: two significant digits."""
    if value <= 0:
        return 0
    step = 10 ** max(0, len(str(int(value))) - 2)
    return max(step, int(round(value / step)) * step)


def _daytime(moment: datetime, first: int = 8, last: int = 21) -> datetime:
    """The same day, moved into office hours: nobody dispatches an order at 3 a.m."""
    if moment.hour < first:
        return moment.replace(hour=first + moment.hour % 2)
    if moment.hour >= last:
        return moment.replace(hour=last - 1 - moment.hour % 2)
    return moment


def _hours(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------- 上街区: the detailed county

COUNTY_CODE = "410106"
COUNTY_NAME = "上街区"
CITY_CODE = "4101"
COUNTY_ACTIVITIES = 1500

# (town code, name, lng, lat, villages/communities in code order)
SHANGJIE_TOWNS = (
    ("001", "济源路街道", 113.292, 34.812, (
        "朝阳社区", "双桥社区", "汝南社区", "金华社区", "许昌路社区", "登封路社区",
        "安阳路社区", "洛阳路社区", "鹤壁路社区", "南阳路社区", "濮阳路社区", "济源路东社区",
    )),
    ("002", "中心路街道", 113.301, 34.803, (
        "中心路社区", "工人路社区", "兴华社区", "华山社区", "嵩山社区", "峡窝路社区",
        "通航社区", "新华社区", "拥军社区", "振兴社区", "光明社区",
    )),
    ("003", "新安路街道", 113.279, 34.808, (
        "新安路社区", "西苑社区", "东苑社区", "康宁社区", "平安社区", "和谐社区",
        "明珠社区", "铝城社区", "安居社区", "丹江路社区",
    )),
    ("004", "工业路街道", 113.268, 34.797, (
        "工业路社区", "科技社区", "金屏社区", "铝都社区", "长安社区", "兴业社区",
        "创新社区", "西城社区", "天山社区", "昆仑社区", "泰山社区", "汝河社区",
    )),
    ("005", "矿山街道", 113.252, 34.788, (
        "矿山社区", "北林社区", "南林社区", "金岭社区", "华钰社区", "河阳社区",
        "周家庄村", "冯庄村", "石嘴村",
    )),
    ("100", "峡窝镇", 113.238, 34.752, (
        "峡窝村", "马固村", "西涧沟村", "东涧沟村", "冯沟村", "白坡村", "南屯村",
        "方顶村", "柳沟村", "三里庄村", "东林子村", "西林子村", "营坡顶村", "老寨河村",
        "杨家沟村", "后真村", "上窝村",
    )),
)  # fmt: skip
JOINT_NAME = "五云"  # 五云联合新时代文明实践站 (seed 000) serves five villages
JOINT_VILLAGES = ("东林子村", "西林子村", "营坡顶村", "老寨河村", "杨家沟村")
PAIRED = ("南屯村", "冯沟村")  # one station, two villages
UNCOVERED = ("天山社区", "冯庄村", "后真村", "柳沟村")  # villages without a station
LATE_OPENED = {"泰山社区": (11, 18), "白坡村": (12, 6)}  # 挂牌 late in the year
IDLE_AFTER = {"峡窝路社区": (8, 20), "周家庄村": (9, 12), "丹江路社区": (10, 15)}
SILENT = ("石嘴村",)  # a sign on a door: no activity all year
MODEL_STATIONS = ("朝阳社区", "中心路社区", "西苑社区", "工业路社区", "峡窝村", JOINT_NAME)
FAIR_STATIONS = ("金屏社区", "方顶村")  # rated a bit lower than the rest
# (anchor: station place or town, name, category)
POINTS = (
    (JOINT_NAME, "五云秀场", "文化服务"),
    (JOINT_NAME, "杨家沟盘鼓队排练点", "文化服务"),
    ("峡窝村", "峡窝村文化小广场", "文化服务"),
    ("马固村", "马固村乡村直播间", "便民服务"),
    ("朝阳社区", "朝阳社区爱心理发室", "便民服务"),
    ("双桥社区", "双桥社区图书角", "教育服务"),
    ("中心路社区", "中心路社区健身步道", "健身体育"),
    ("兴华社区", "兴华社区小微书吧", "教育服务"),
    ("西苑社区", "西苑社区四点半课堂", "教育服务"),
    ("工业路社区", "工业路社区爱心助餐点", "关爱帮扶"),
    ("矿山街道", "矿山街道文明微光驿站", "便民服务"),
    ("新安路街道", "新安路街道法治宣传驿站", "法治宣传"),
)
# (seq, name, parent: town or None for the 中心, category, lng, lat)
BASES = (
    ("01", "五云山红色教育基地", "峡窝镇", "理论宣讲", 113.2262, 34.7418),
    ("02", "上街区科技馆科普教育基地", None, "科技科普", 113.2931, 34.8069),
    ("03", "上街区全民健身中心", None, "健身体育", 113.2864, 34.8002),
    ("04", "上街区人民医院健康教育基地", None, "卫生健康", 113.2978, 34.8091),
    ("05", "上街区法治文化公园", "中心路街道", "法治宣传", 113.3042, 34.7987),
)


@dataclass(frozen=True)
class _BrandSpec:
    brand_id: str
    name: str
    owner: str  # 中心, a town, a station place, a point or base name
    category: str
    started: tuple[int, int, int]
    per_year: int
    weekdays: tuple[int, ...] | None
    slot: tuple[int, int]
    minutes: int
    target_group: str
    titles: tuple[str, ...]
    signins: int


BRANDS = (
    _BrandSpec("PP001", "心系银发·微幸福", JOINT_NAME, "关爱帮扶", (2022, 3, 1), 24, None, (9, 0), 120, "老年人",
               ("心系银发·微幸福：为老人理发测血压", "心系银发·微幸福：银龄关怀走访", "心系银发·微幸福：长者生日会"), 14),
    _BrandSpec("PP002", "四点半智慧课堂", JOINT_NAME, "教育服务", (2022, 9, 1), 50, (5, 6), (16, 30), 90, "未成年人",
               ("四点半智慧课堂·作业辅导", "四点半智慧课堂·书法", "四点半智慧课堂·科学小实验", "四点半智慧课堂·绘本阅读"), 14),
    _BrandSpec("PP003", "充电市集", "峡窝镇", "便民服务", (2023, 5, 1), 22, (5, 6), (9, 0), 180, "上班族",
               ("周末充电市集", "充电市集·便民服务进集市", "充电市集·职达未来招聘夜市"), 26),
    _BrandSpec("PP004", "上之约", "中心", "文化服务", (2021, 1, 1), 24, None, (9, 30), 120, "群众",
               ("上之约·{term}民俗展演",), 34),
    _BrandSpec("PP005", "我们的家乡戏", "峡窝镇", "文化服务", (2023, 1, 1), 18, None, (19, 0), 120, "群众",
               ("我们的家乡戏：《文明新风吹来新气象》", "我们的家乡戏·文艺轻骑兵进村", "咱村有戏·家乡戏展演"), 30),
    _BrandSpec("PP006", "五云秀场", "五云秀场", "文化服务", (2023, 4, 1), 18, (5, 6), (19, 30), 120, "群众",
               ("五云秀场·百姓大舞台", "五云秀场·四季村晚", "五云秀场·剪纸展示"), 30),
    _BrandSpec("PP007", "星光课堂", "新安路街道", "教育服务", (2024, 3, 1), 40, (1, 3), (19, 30), 90, "上班族",
               ("星光课堂·插花", "星光课堂·摄影入门", "星光课堂·短视频剪辑", "星光课堂·茶艺"), 15),
    _BrandSpec("PP008", "草堂叙语", "兴华社区", "移风易俗", (2022, 6, 1), 14, None, (15, 0), 90, "群众",
               ("草堂叙语·邻里议事会", "草堂叙语·家风家训分享"), 16),
    _BrandSpec("PP009", "暖心家园", "工业路社区", "关爱帮扶", (2021, 9, 1), 22, None, (9, 30), 120, "困难群众",
               ("暖心家园·暖心关爱行动", "暖心家园·圆梦微心愿", "暖心家园·我们的节日"), 12),
    _BrandSpec("PP010", "健康直通车", "峡窝镇", "卫生健康", (2022, 4, 1), 12, None, (8, 30), 180, "老年人",
               ("健康直通车·健康守护日义诊",), 36),
    _BrandSpec("PP011", "先锋巴士", "五云山红色教育基地", "理论宣讲", (2023, 7, 1), 20, (5, 6), (9, 0), 180, "党员群众",
               ("先锋巴士·五云山红色教育专线", "先锋巴士·流动红色学堂"), 28),
    _BrandSpec("PP012", "文明微光", "矿山街道", "便民服务", (2023, 3, 1), 20, None, (9, 0), 120, "群众",
               ("文明微光·帮办代办", "文明微光·楼道美化", "文明微光·共享雨具热水"), 18),
)  # fmt: skip
POOR_BRAND = "PP007"  # 星光课堂: the one to adjust (seed 001: 对满意度不高的活动和项目进行动态调整)

# category weights by unit level (same order as CATEGORIES)
LEVEL_MIX = {
    "中心": (30, 10, 25, 5, 3, 4, 3, 10, 6, 4),
    "所": (22, 12, 20, 6, 6, 8, 7, 10, 6, 3),
    "站": (14, 13, 15, 7, 10, 9, 10, 12, 6, 4),
}


@dataclass
class _Unit:
    """One 阵地 of the detailed county, with what the simulation needs to know about it."""

    unit_id: str
    name: str
    level: str
    parent_id: str | None
    division_code: str | None = None
    serves: tuple[str, ...] = ()
    opened_on: date | None = None
    is_model: bool = False
    lng: float | None = None
    lat: float | None = None
    town_id: str | None = None  # the 所 whose monthly ledger lists its activities
    place: str = ""
    theme: str | None = None
    weight: float = 1.0
    active_from: int = 0
    active_to: int = 364
    pool: list[str] = field(default_factory=list)
    wide_pool: list[str] = field(default_factory=list)
    volunteers: list[str] = field(default_factory=list)
    scores: tuple[float, ...] = SCORES_GOOD


@dataclass
class _Activity:
    """One activity of the detailed county with everything recorded about it."""

    unit: _Unit
    category: str
    start: datetime
    end: datetime
    title: str
    brand_id: str | None = None
    target_group: str = ""
    location: str = ""
    volunteer_count: int = 0
    volunteer_hours: float = 0.0
    source: str = "自主开展"
    order_id: str | None = None
    reported: int | None = None
    date_only: bool = False
    activity_id: str = ""
    signins: list[tuple[str, datetime | None]] = field(default_factory=list)
    headcounts: list[int] = field(default_factory=list)
    volunteers: list[tuple[str, datetime]] = field(default_factory=list)
    ratings: list[tuple[str, int, str, datetime | None]] = field(default_factory=list)
    scores: tuple[float, ...] = SCORES_GOOD
    expected: int = 20  # mean sign-ins


@dataclass
class _Order:
    ordered_at: datetime
    category: str
    content: str
    unit_id: str
    dispatched_at: datetime | None = None
    accepted_unit_id: str | None = None
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    status: str = "已完成"
    order_id: str = ""


@dataclass
class _County:
    """The simulated year of the detailed county, before any file is written."""

    units: list[_Unit]
    divisions: list[tuple[str, str, str]]
    brands: list[_BrandSpec]
    activities: list[_Activity]
    orders: list[_Order]
    targets: list[tuple[str, str, float | str]]


def _plan_shangjie(rng: random.Random, cal: _Calendar, parent_id: str | None) -> _County:
    """Units and divisions of 上街区 (nothing simulated yet)."""
    year = cal.year
    units: list[_Unit] = []
    divisions: list[tuple[str, str, str]] = [(f"{COUNTY_CODE}000000", COUNTY_NAME, "")]
    centre = _Unit(
        f"ZX{COUNTY_CODE}",
        f"{COUNTY_NAME}新时代文明实践中心",
        "中心",
        parent_id,
        f"{COUNTY_CODE}000000",
        opened_on=date(2019, 10, 1),
        lng=113.2895,
        lat=34.8035,
        place=COUNTY_NAME,
        weight=1.0,
    )
    units.append(centre)
    next_person = 1
    next_volunteer = 1
    phones: dict[str, None] = {"13800138000": None}
    example_used: list[bool] = []

    def person_ids(n: int) -> list[str]:
        nonlocal next_person
        ids = []
        for _ in range(n):
            if rng.random() < 0.012:  # a clerk typed the phone number as the id
                phone = "13800138000"
                while phone in phones:
                    phone = (
                        "1"
                        + rng.choice("3578")
                        + "".join(rng.choice("0123456789") for _ in range(9))
                    )
                phones[phone] = None
                ids.append(phone)
            else:
                ids.append(f"P{next_person:06d}")
                next_person += 1
        if not example_used:  # the contract's example phone appears once, on the first station
            example_used.append(True)
            ids[1] = "13800138000"
        return ids

    def volunteer_ids(n: int) -> list[str]:
        nonlocal next_volunteer
        ids = [f"V{i:06d}" for i in range(next_volunteer, next_volunteer + n)]
        next_volunteer += n
        return ids

    county_pool: list[str] = []
    for code, town, lng, lat, villages in SHANGJIE_TOWNS:
        town_code = f"{COUNTY_CODE}{code}"
        is_street = town.endswith("街道")
        divisions.append((f"{town_code}000", town + ("办事处" if is_street else ""), ""))
        institute = _Unit(
            f"S{town_code}",
            f"{town}新时代文明实践所",
            "所",
            centre.unit_id,
            f"{town_code}000",
            opened_on=date(2019, 12, 1) + timedelta(rng.randint(0, 180)),
            lng=round(lng + rng.uniform(-0.002, 0.002), 4),
            lat=round(lat + rng.uniform(-0.002, 0.002), 4),
            place=town,
            weight=1.0,
        )
        institute.town_id = institute.unit_id
        institute.volunteers = volunteer_ids(45)
        units.append(institute)
        town_units: list[_Unit] = []
        codes = {v: f"{town_code}{i + 1:03d}" for i, v in enumerate(villages)}
        for village in villages:
            is_village = village.endswith("村")
            urban_rural = (
                "220" if is_village and not is_street else ("122" if is_village else "111")
            )
            suffix = "村委会" if is_village else "居委会"
            divisions.append(
                (
                    codes[village],
                    village[:-1] + suffix if is_village else village + suffix,
                    urban_rural,
                )
            )
        for village in villages:
            if village in UNCOVERED or village in JOINT_VILLAGES[1:] or village == PAIRED[1]:
                continue
            place, serves = village, ()
            if village == JOINT_VILLAGES[0]:
                place = JOINT_NAME
                serves = tuple(codes[v] for v in JOINT_VILLAGES)
            elif village == PAIRED[0]:
                serves = tuple(codes[v] for v in PAIRED)
            opened = date(year - rng.randint(2, 5), rng.randint(1, 12), rng.randint(1, 28))
            if village in LATE_OPENED:
                opened = date(year, *LATE_OPENED[village])
            name = (
                f"{JOINT_NAME}联合新时代文明实践站"
                if place == JOINT_NAME
                else f"{village}新时代文明实践站"
            )
            unit = _Unit(
                f"Z{codes[village]}",
                name,
                "站",
                institute.unit_id,
                codes[village],
                serves=serves,
                opened_on=opened,
                is_model=place in MODEL_STATIONS,
                town_id=institute.unit_id,
                place=place,
                weight=rng.lognormvariate(0, 0.45) * (1.5 if place in MODEL_STATIONS else 1.0),
            )
            if rng.random() > 0.06:  # a few stations never sent coordinates
                unit.lng = round(lng + rng.uniform(-0.014, 0.014), 4)
                unit.lat = round(lat + rng.uniform(-0.011, 0.011), 4)
            unit.active_from = max(0, (opened - cal.first).days)
            if village in IDLE_AFTER:
                unit.active_to = cal.index(date(year, *IDLE_AFTER[village]))
            if village in SILENT:
                unit.weight = 0.0
            if place in FAIR_STATIONS:
                unit.scores = SCORES_FAIR
            unit.pool = person_ids(int(80 + 70 * min(unit.weight, 2.0)) + (150 if serves else 0))
            town_units.append(unit)
        town_pool = [p for u in town_units for p in u.pool]
        institute.pool = town_pool
        for unit in town_units:
            unit.wide_pool = town_pool
            unit.volunteers = institute.volunteers
        county_pool.extend(town_pool)
        units.extend(town_units)
    centre.pool = county_pool
    centre.volunteers = volunteer_ids(30)
    by_place = {u.place: u for u in units}
    for anchor, name, theme in POINTS:
        parent = by_place[anchor]
        seq = sum(1 for u in units if u.parent_id == parent.unit_id and u.level == "点") + 1
        code = parent.division_code if parent.level == "站" else f"{parent.division_code[:9]}000"
        unit = _Unit(
            f"D{code}{seq:02d}",
            name,
            "点",
            parent.unit_id,
            opened_on=date(year - rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28)),
            lng=round((parent.lng or 113.28) + rng.uniform(-0.003, 0.003), 4),
            lat=round((parent.lat or 34.80) + rng.uniform(-0.003, 0.003), 4),
            town_id=parent.town_id,
            place=name,
            theme=theme,
            weight=0.55,
            pool=parent.pool,
            wide_pool=parent.wide_pool or parent.pool,
            volunteers=parent.volunteers,
        )
        units.append(unit)
    for seq, name, town, theme, lng, lat in BASES:
        parent = by_place[town] if town else centre
        unit = _Unit(
            f"J{COUNTY_CODE}{seq}",
            name,
            "基地",
            parent.unit_id,
            opened_on=date(year - rng.randint(2, 5), rng.randint(1, 12), rng.randint(1, 28)),
            lng=lng,
            lat=lat,
            town_id=parent.town_id,
            place=name,
            theme=theme,
            weight=0.9,
            pool=county_pool,
            wide_pool=county_pool,
            volunteers=centre.volunteers,
        )
        units.append(unit)
    for unit in units:
        if unit.level in ("中心", "所"):
            unit.wide_pool = county_pool if unit.level == "中心" else unit.pool
    return _County(units, divisions, list(BRANDS), [], [], [])


def _title(rng: random.Random, cal: _Calendar, category: str, place: str, day: date) -> str:
    if category == "文化服务":
        offset = (day - cal.spring).days
        for lo, hi, title in FESTIVAL_TITLES:
            if lo <= offset <= hi:
                return title
    title = rng.choice(TITLES[category])
    if "暑期" in title and day.month not in (7, 8):
        title = title.replace("暑期", "")
    if "{p}" in title:
        return title.format(p=place)
    return place + title if rng.random() < 0.3 else title


def _location(rng: random.Random, unit: _Unit) -> str:
    if unit.level == "中心":
        return rng.choice((unit.name, "上街区文化馆", "上街区图书馆", "上街区人民广场"))
    if unit.level == "所":
        return rng.choice((unit.name, f"{unit.place}党群服务中心", f"{unit.place}综合文化站"))
    if unit.level == "站":
        if unit.place == JOINT_NAME:
            return rng.choice(("五云便民服务中心", "五云村级运动馆", "五云老年活动室"))
        return rng.choice((f"{unit.place}党群服务中心", f"{unit.place}文化广场", unit.name))
    return unit.name


def _pick_people(rng: random.Random, pool: list[str], wide: list[str], n: int) -> list[str]:
    """n distinct people, most from the unit's own pool; regulars (the pool's head) come often."""
    chosen: dict[str, None] = {}
    n = min(n, int(len(pool) * 0.7) + (len(wide) // 4 if wide is not pool else 0))
    tries = 0
    while len(chosen) < n and tries < 8 * n:
        tries += 1
        source = wide if wide and rng.random() < 0.25 else pool
        chosen[source[int(len(source) * rng.random() ** 1.7)]] = None
    return list(chosen)


def _round_up(value: int) -> int:
    step = 100 if value >= 80 else 50
    return (value // step + 1) * step


def _attend(rng: random.Random, act: _Activity, year_end: datetime) -> None:
    """Sign-ins, headcount lines, volunteer sign-ins, reported headcount and ratings."""
    unit, start = act.unit, act.start
    r = rng.random()
    if act.category == "文化服务":
        style = "head" if r < 0.55 else ("mixed" if r < 0.8 else "sign")
    else:
        style = "sign" if r < 0.8 else ("mixed" if r < 0.92 else ("none" if r < 0.97 else "head"))
    if style in ("sign", "mixed"):
        n = max(3, int(act.expected * (0.4 + 1.2 * rng.random())))
        for person in _pick_people(rng, unit.pool, unit.wide_pool, n):
            late = rng.randint(-25, 10)
            checked = None if rng.random() < 0.08 else start + timedelta(minutes=late)
            act.signins.append((person, checked))
    if style == "mixed":
        act.headcounts.append(rng.randint(5, 30))
    elif style == "head":
        act.headcounts.extend(rng.randint(30, 140) for _ in range(rng.randint(1, 3)))
    actual = len(act.signins) + sum(act.headcounts)
    r = rng.random()
    if actual == 0:
        act.reported = rng.choice((30, 50, 60, 80, 100, 120, 150, 200))
    elif r < 0.74:
        act.reported = actual
    elif r < 0.88:  # the suspiciously round headcount of a ledger
        act.reported = _round_up(actual) + (100 if rng.random() < 0.3 else 0)
    elif r < 0.95:
        act.reported = None
    else:
        act.reported = actual + rng.randint(1, 12)
    if act.volunteer_count and rng.random() < 0.7:
        k = min(act.volunteer_count, len(unit.volunteers))
        for volunteer in rng.sample(unit.volunteers, k):
            act.volunteers.append((volunteer, start - timedelta(minutes=rng.randint(15, 60))))
    if act.signins:
        k = min(14, int(len(act.signins) * rng.uniform(0.05, 0.45)))  # a bad row may add one
        raters = rng.sample([p for p, _ in act.signins], k)
    else:
        raters = [""] * rng.randint(0, 6)
    for rater in raters:
        if rater and rng.random() < 0.15:
            rater = ""  # rated on paper, no id
        score = _pick_cum(rng, act.scores) + 1
        r = rng.random()
        if score >= 4:
            comment = rng.choice(PRAISE) if r < 0.35 else ""
        elif score == 3:
            comment = rng.choice(LUKEWARM + COMPLAINTS) if r < 0.45 else ""
        else:
            comment = rng.choice(COMPLAINTS) if r < 0.8 else ""
        rated = _daytime(act.end + timedelta(minutes=rng.randint(5, 2880)), 7, 23)
        if rated < act.end:
            rated = act.end + timedelta(minutes=rng.randint(1, 20))
        rated = None if rng.random() < 0.1 else max(act.end, min(rated, year_end))
        act.ratings.append((rater, score, comment, rated))


def _simulate_shangjie(rng: random.Random, cal: _Calendar, county: _County, total: int) -> None:
    """Fill the county with a year of activities, orders and targets."""
    year = cal.year
    units = county.units
    centre = units[0]
    by_place = {u.place: u for u in units}
    acts: list[_Activity] = []
    for spec in county.brands:
        owner = centre if spec.owner == "中心" else by_place[spec.owner]
        days: list[tuple[int, str]] = []
        if spec.brand_id == "PP004":  # 上之约 follows the 24 solar terms
            days = [(cal.index(date(year, m, d)), term) for m, d, term in SOLAR_TERMS]
        elif spec.per_year == 12:  # monthly 健康守护日
            days = [(cal.index(date(year, m, rng.randint(10, 20))), "") for m in range(1, 13)]
        else:
            taken: dict[int, None] = {}
            for _ in range(spec.per_year * 20):
                if len(days) >= spec.per_year:
                    break
                i = cal.pick(
                    rng, PROFILE.get(spec.category, "base"), owner.active_from, owner.active_to
                )
                while (
                    spec.weekdays
                    and i <= owner.active_to
                    and cal.days[i].weekday() not in spec.weekdays
                ):
                    i += 1
                if i > owner.active_to or i in taken:
                    continue
                taken[i] = None
                days.append((i, ""))
        for i, term in days:
            day = cal.days[i]
            start = datetime(day.year, day.month, day.day, *spec.slot)
            act = _Activity(
                owner,
                spec.category,
                start,
                start + timedelta(minutes=spec.minutes),
                rng.choice(spec.titles).format(term=term),
                brand_id=spec.brand_id,
                target_group=spec.target_group,
                location=_location(rng, owner),
                scores=SCORES_POOR if spec.brand_id == POOR_BRAND else owner.scores,
                expected=spec.signins,
            )
            act.volunteer_count = rng.randint(3, 8)
            acts.append(act)
    # activities outside the brands: fixed volumes above the stations, the rest by weight
    fixed = {"中心": 50, "所": 25, "基地": 15, "点": 8}
    counts: dict[str, int] = {}
    for unit in units:
        if unit.level in fixed:
            counts[unit.unit_id] = fixed[unit.level]
    stations = [u for u in units if u.level == "站" and u.weight > 0]
    span = len(cal.days)
    cum = _cumulate(u.weight * (u.active_to - u.active_from + 1) / span for u in stations)
    for _ in range(max(0, total - len(acts) - sum(counts.values()))):
        unit = stations[_pick_cum(rng, cum)]
        counts[unit.unit_id] = counts.get(unit.unit_id, 0) + 1
    mixes = {level: _cumulate(w) for level, w in LEVEL_MIX.items()}
    for unit in units:
        for _ in range(counts.get(unit.unit_id, 0)):
            if unit.theme and rng.random() < 0.7:
                category = unit.theme
            else:
                category = CATEGORIES[
                    _pick_cum(rng, mixes[unit.level if unit.level in mixes else "站"])
                ]
            i = cal.pick(rng, PROFILE.get(category, "base"), unit.active_from, unit.active_to)
            day = cal.days[i]
            start = datetime(day.year, day.month, day.day, *rng.choice(SLOTS[category]))
            act = _Activity(
                unit,
                category,
                start,
                start + timedelta(minutes=rng.choice(DURATIONS[category])),
                _title(rng, cal, category, unit.place, day),
                target_group=rng.choice(TARGET_GROUPS[category]),
                location=_location(rng, unit),
                scores=unit.scores,
                expected=SIGNINS[category],
                date_only=rng.random() < 0.04,
            )
            act.volunteer_count = rng.randint(2, 6)
            if category in ("文化服务", "卫生健康"):
                act.volunteer_count += rng.randint(2, 8)
            acts.append(act)
    _keep_stations_busy(rng, cal, stations, acts)
    year_end = datetime(year, 12, 31, 23, 30)
    for act in acts:
        minutes = (act.end - act.start).total_seconds() / 60
        hours = round(act.volunteer_count * minutes / 30) / 2
        r = rng.random()
        if r < 0.08:  # entered by hand, rounded up
            hours = (int(hours) // 10 + 1) * 10
        act.volunteer_hours = -1.0 if r > 0.97 else hours  # -1: left blank
    acts.sort(key=lambda a: (a.start, a.unit.unit_id, a.title))
    for act in acts:
        _attend(rng, act, year_end)
    county.orders = _orders_for(rng, cal, county, acts)
    for i, act in enumerate(acts, 1):
        act.activity_id = f"HD{year}{i:06d}"
    county.activities = acts
    county.targets = _targets_for(rng, county)


def _keep_stations_busy(
    rng: random.Random, cal: _Calendar, stations: list[_Unit], acts: list[_Activity]
) -> None:
    """Only the stations meant to fall idle go quiet at the year's end.

    With about fifteen activities a year, chance alone leaves a station without
    any in November and December; move one of its activities into that window.
    """
    window = cal.index(date(cal.year, 11, 8))
    own: dict[str, list[_Activity]] = {}
    for act in acts:
        own.setdefault(act.unit.unit_id, []).append(act)
    for unit in stations:
        if unit.active_to < len(cal.days) - 1:
            continue  # meant to fall idle
        mine = own.get(unit.unit_id, [])
        if any(cal.index(a.start.date()) >= window for a in mine):
            continue
        movable = [
            a
            for a in mine
            if not a.brand_id and not any(w in a.title for w in ("春节", "元宵", "暑期"))
        ]
        if not movable:
            continue
        act = rng.choice(movable)
        day = cal.days[
            cal.pick(rng, PROFILE.get(act.category, "base"), max(window, unit.active_from))
        ]
        length = act.end - act.start
        act.start = datetime.combine(day, act.start.time())
        act.end = act.start + length


def _orders_for(
    rng: random.Random, cal: _Calendar, county: _County, acts: list[_Activity]
) -> list[_Order]:
    """About a fifth of the activities answer a citizen's order; some orders go nowhere."""
    year = cal.year
    first = datetime(year, 1, 1, 8, 0)
    by_id = {u.unit_id: u for u in county.units}
    stations = [u for u in county.units if u.level == "站" and u.weight > 0]
    orders: list[_Order] = []
    for act in acts:
        unit = act.unit
        if act.brand_id or unit.level not in ("站", "点", "所") or rng.random() > 0.28:
            continue
        ordered = act.start - timedelta(days=rng.randint(2, 14), hours=rng.randint(-3, 8))
        ordered = ordered.replace(minute=rng.choice((0, 10, 20, 30, 40, 50)))
        if ordered < first:
            continue
        if unit.level == "站":
            placed = unit
        elif unit.level == "点":
            placed = (
                by_id[unit.parent_id]
                if by_id[unit.parent_id].level == "站"
                else rng.choice(stations)
            )
        else:
            placed = rng.choice([s for s in stations if s.town_id == unit.unit_id] or stations)
        gap = act.start - ordered
        dispatched = _daytime(ordered + gap * (0.02 + 0.25 * rng.random()))
        accepted = _daytime(dispatched + (act.start - dispatched) * (0.05 + 0.4 * rng.random()))
        dispatched = min(max(dispatched, ordered), act.start)
        accepted = min(max(accepted, dispatched), act.start)
        order = _Order(
            ordered,
            act.category,
            rng.choice(DEMANDS[act.category]),
            placed.unit_id,
            dispatched.replace(second=0, microsecond=0),
            unit.unit_id,
            accepted.replace(second=0, microsecond=0),
            act.end,
        )
        orders.append(order)
        act.source = "群众点单"
        act._order = order  # type: ignore[attr-defined]  # linked once ids exist
    for n in range(30):  # cancelled, and still open at the year's end
        station = rng.choice(stations)
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        if n < 18:
            i = rng.randrange(len(cal.days) - 10)
            status = "已取消"
        else:
            i = len(cal.days) - rng.randint(1, 25)
            status = ("待派单", "已派单", "已接单")[n % 3]
        day = cal.days[i]
        ordered = datetime(
            day.year, day.month, day.day, rng.randint(8, 20), rng.choice((0, 15, 30, 45))
        )
        order = _Order(
            ordered, category, rng.choice(DEMANDS[category]), station.unit_id, status=status
        )
        if status in ("已派单", "已接单") or (status == "已取消" and rng.random() < 0.5):
            order.dispatched_at = ordered + timedelta(hours=rng.randint(1, 20))
        if status == "已接单":
            order.accepted_unit_id = station.unit_id
            order.accepted_at = order.dispatched_at + timedelta(hours=rng.randint(1, 30))
        orders.append(order)
    orders.sort(key=lambda o: (o.ordered_at, o.unit_id))
    for i, order in enumerate(orders, 1):
        order.order_id = f"DD{year}{i:06d}"
    for act in acts:
        order = act.__dict__.pop("_order", None)
        if order is not None:
            act.order_id = order.order_id
    return orders


def _person_times(act: _Activity) -> int:
    """服务人次 of one activity as the contract defines it."""
    if act.signins or act.headcounts:
        return len(act.signins) + sum(act.headcounts)
    return act.reported or 0


def _targets_for(rng: random.Random, county: _County) -> list[tuple[str, str, float | str]]:
    """Yearly targets of the 中心 and each 所, set near (some above) what the year brought."""
    targets: list[tuple[str, str, float | str]] = []
    scopes = [u for u in county.units if u.level in ("中心", "所")]
    for unit in scopes:
        acts = [
            a for a in county.activities if unit.level == "中心" or a.unit.town_id == unit.unit_id
        ]
        factor = 1.0 if unit.level == "中心" else rng.choice((0.8, 0.9, 1.0, 1.1, 1.25))
        hours = sum(max(a.volunteer_hours, 0) for a in acts)
        targets.append((unit.unit_id, "活动场次", _nice(len(acts) * factor)))
        targets.append((unit.unit_id, "服务人次", _nice(sum(map(_person_times, acts)) * factor)))
        targets.append((unit.unit_id, "志愿服务时长", _nice(hours * factor)))
        targets.append(
            (
                unit.unit_id,
                "满意率",
                "90%" if unit.level == "中心" else rng.choice(("90%", 0.9, "85%", 0.92)),
            )
        )
    return targets


# ---------------------------------------------------------------- writing files


class _Serial(float):
    """A date-time pasted into a General cell: Excel shows its serial number."""


@dataclass
class _XSheet:
    """One worksheet as rows of cell values (0-based positions), plus merges and formats."""

    name: str
    rows: list[list[object]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    header_rows: tuple[int, ...] = ()
    blank_rows: tuple[int, ...] = ()  # bordered but empty, as a ledger's unused lines
    width: int = 14

    def add(self, cells: list[object]) -> int:
        """Append a row; returns the row number Excel shows (1-based)."""
        self.rows.append(cells)
        return len(self.rows)


class _Writer:
    """Writes files under one root and keeps the summary: files, rows per table, bad rows."""

    def __init__(self, root: Path, year: int):
        self.root = root
        self.year = year
        self.files: list[str] = []
        self.rows: dict[str, int] = {t: 0 for t in TABLES}
        self.bad_rows: list[dict[str, object]] = []
        self.duplicates: list[dict[str, object]] = []

    def _path(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(rel)
        return path

    def count(self, table: str, n: int) -> None:
        self.rows[table] += n

    def bad(self, rel: str, row: int, table: str, what: str, sheet: str | None = None) -> None:
        entry: dict[str, object] = {"file": rel, "row": row, "table": table, "what": what}
        if sheet:
            entry["sheet"] = sheet
        self.bad_rows.append(entry)

    def duplicate(self, rel: str, row: int | None, table: str, what: str) -> None:
        self.duplicates.append({"file": rel, "row": row, "table": table, "what": what})

    def csv(self, rel: str, rows: list[list[str]], encoding: str) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        text = buffer.getvalue()
        if encoding == "gb18030":
            text.encode("gbk")  # only characters GBK has: an old Excel must open it too
        data = text.encode(encoding)
        self._path(rel).write_bytes(data)
        return data

    def copy(self, rel: str, data: bytes) -> None:
        self._path(rel).write_bytes(data)

    def xlsx(self, rel: str, sheets: list[_XSheet]) -> None:
        path = self._path(rel)
        workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
        # a fixed creation date keeps the bytes identical from run to run
        workbook.set_properties(
            {"created": datetime(self.year, 12, 31, 18, 0), "author": "上街区新时代文明实践中心"}
        )
        title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        head = workbook.add_format(
            {
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#DDEBF7",
            }
        )
        cell = workbook.add_format({"border": 1})
        stamp = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        day = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
        for spec in sheets:
            if len(spec.rows) > XLSX_MAX_ROWS:
                raise ValueError(f"{rel}: {len(spec.rows)} rows do not fit a worksheet")
            sheet = workbook.add_worksheet(spec.name)
            ncols = max((len(r) for r in spec.rows), default=1)
            sheet.set_column(0, ncols - 1, spec.width)
            covered = {
                (r, c)
                for r1, c1, r2, c2, _ in spec.merges
                for r in range(r1, r2 + 1)
                for c in range(c1, c2 + 1)
            }
            for r, values in enumerate(spec.rows):
                fmt = head if r in spec.header_rows else cell
                if r in spec.blank_rows:
                    for c in range(ncols):
                        sheet.write_blank(r, c, None, cell)
                    continue
                for c, value in enumerate(values):
                    if (r, c) in covered:
                        continue  # merge_range below writes it
                    if value is None or value == "":
                        if r > max(spec.header_rows, default=-1) and spec.header_rows:
                            sheet.write_blank(r, c, None, fmt)
                        continue
                    if isinstance(value, datetime):
                        midnight = value.hour == 0 and value.minute == 0
                        sheet.write_datetime(r, c, value, day if midnight else stamp)
                    elif isinstance(value, date):
                        sheet.write_datetime(
                            r, c, datetime(value.year, value.month, value.day), day
                        )
                    elif isinstance(value, bool):
                        sheet.write_string(r, c, "是" if value else "否", fmt)
                    elif isinstance(value, int | float):
                        sheet.write_number(r, c, value, fmt)
                    else:
                        sheet.write_string(r, c, str(value), fmt)
            for r1, c1, r2, c2, text in spec.merges:
                fmt = title if r1 not in spec.header_rows else head
                sheet.merge_range(r1, c1, r2, c2, text, fmt)
        workbook.close()


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
class _LedgerStyle:
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
    "001": _LedgerStyle("utf-8-sig", _cols(), "iso", title=True),
    "002": _LedgerStyle(
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
    "003": _LedgerStyle(
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
    "004": _LedgerStyle(
        "utf-8-sig",
        tuple((k, h + "*" if k in _REQUIRED else h) for k, h in _cols()),
        "dot",
        title=True,
        total="bottom",
        trailing_blank=3,
    ),
    "005": _LedgerStyle(
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
    "100": _LedgerStyle(
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
CENTRE_STYLE = _LedgerStyle("xlsx", _cols(), "xlsx")


def _activity_cells(rng: random.Random, act: _Activity, style: _LedgerStyle) -> dict[str, object]:
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
            start, end = _fmt(act.start, "slash"), _fmt(act.end, "slash")
        else:
            start, end = act.start, act.end
        count: object = act.volunteer_count
        hours: object = act.volunteer_hours if act.volunteer_hours >= 0 else ""
        reported: object = act.reported if act.reported is not None else ""
    else:
        start = _fmt(act.start, style.dates, not act.date_only)
        end = "" if act.date_only else _fmt(act.end, style.dates)
        count = str(act.volunteer_count)
        hours = _hours(act.volunteer_hours) if act.volunteer_hours >= 0 else ""
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


def _totals(entries: list[dict[str, object]]) -> dict[str, float]:
    """The 合计 a clerk puts under the numbers."""
    return {
        key: sum(_number(e[key]) for e in entries if e[key] != "")
        for key in ("volunteer_count", "volunteer_hours", "reported_person_times")
    }


@dataclass
class _Extra:
    """A row added to a ledger on top of the clean simulation: re-sent, conflicting or bad."""

    kind: str  # "duplicate" | "bad"
    where: str  # "top" | "bottom"
    cells: dict[str, object] | None  # None: take the rendered cells of `source_id`
    what: str
    source_id: str = ""
    title: str | None = None  # a changed title for a conflicting re-send


def _bad_activities(
    rng: random.Random, cal: _Calendar, county: _County
) -> dict[tuple[str | None, int], list[tuple[_Activity, dict[str, str], str]]]:
    """Deliberately bad activity rows: (town id or None, month) -> [(activity, overrides, what)]."""
    y = cal.year
    n = len(county.activities)
    station = {u.place: u for u in county.units if u.level == "站"}
    centre = county.units[0]
    specs = (
        ("兴华社区", "文化服务", datetime(y, 4, 18, 19, 0), 120, "邻里联谊会", {"category": "联谊"},
         "unknown category 联谊"),
        ("康宁社区", "文化服务", datetime(y, 6, 28, 9, 30), 120, "消夏广场舞展演",
         {"start_at": f"{y}年6月31日 9时30分", "end_at": ""}, "start date 6月31日 does not exist"),
        ("科技社区", "卫生健康", datetime(y, 9, 12, 14, 30), 180, "健康义诊进科技社区",
         {"end_at": f"{y}.9.12 12:30"}, "end time 12:30 before start 14:30"),
        ("北林社区", "便民服务", datetime(y, 7, 19, 9, 0), 120, "义务配钥匙修拉链",
         {"unit_id": f"Z{COUNTY_CODE}005099"}, "unknown unit Z410106005099"),
        (None, "教育服务", datetime(y, 7, 14, 9, 0), 3360, "少年儿童暑期研学营（三天）", {},
         "ends 56 hours after it starts (more than 24 h)"),
        ("双桥社区", "便民服务", datetime(y, 10, 11, 9, 0), 120, "免费理发进双桥社区",
         {"source": "群众点单", "order_id": f"DD{y}009999"}, "unknown order DD" + f"{y}009999"),
    )  # fmt: skip
    out: dict[tuple[str | None, int], list[tuple[_Activity, dict[str, str], str]]] = {}
    for i, (place, category, start, minutes, title, overrides, what) in enumerate(specs, 1):
        unit = station[place] if place else centre
        act = _Activity(unit, category, start, start + timedelta(minutes=minutes), title)
        act.activity_id = f"HD{y}{n + i:06d}"
        act.target_group = "群众"
        act.location = _location(rng, unit)
        act.volunteer_count = 4
        act.volunteer_hours = 8.0
        act.reported = 40
        out.setdefault((unit.town_id, start.month), []).append((act, overrides, what))
    return out


def _write_shangjie(
    w: _Writer, base: str, county: _County, cal: _Calendar, rng: random.Random
) -> None:
    """All the files of the detailed county, under ``base`` (a folder prefix, '' at county scale)."""
    _write_basics(w, f"{base}基础信息.xlsx", county, cal)
    _write_divisions(w, f"{base}divisions/{COUNTY_NAME}统计用区划代码.csv", county)
    _write_activity_ledgers(w, base, county, cal, rng)
    _write_attendance(w, base, county, cal, rng)
    _write_ratings(w, base, county, cal, rng)
    _write_orders(w, f"{base}orders/群众点单台账_{cal.year}年.csv", county, cal)


def _write_basics(w: _Writer, rel: str, county: _County, cal: _Calendar) -> None:
    """基础信息.xlsx: one workbook, one sheet per table (units, brands, targets)."""
    rng = random.Random(f"basics-{cal.year}")
    year = cal.year
    units = _XSheet("阵地", header_rows=(0,), width=16)
    units.add(
        [
            "阵地编码",
            "阵地名称",
            "层级",
            "上级编码",
            "区划代码",
            "服务村居",
            "挂牌日期",
            "示范站",
            "经度",
            "纬度",
        ]
    )
    long_names = {
        "中心": "实践中心",
        "所": "实践所",
        "站": "实践站",
        "点": "实践点",
        "基地": "实践基地",
    }
    for unit in county.units:
        level = long_names[unit.level] if rng.random() < 0.2 else unit.level
        opened: object = unit.opened_on
        if unit.opened_on and rng.random() < 0.15:
            opened = f"{unit.opened_on.year}年{unit.opened_on.month}月{unit.opened_on.day}日"
        sep = "、" if len(unit.serves) > 2 else "；"
        model = "是" if unit.is_model else ("否" if rng.random() < 0.6 else "")
        units.add([
            unit.unit_id, unit.name, level, unit.parent_id or "", unit.division_code or "",
            sep.join(unit.serves), opened, model if unit.level == "站" else "",
            unit.lng if unit.lng is not None else "", unit.lat if unit.lat is not None else "",
        ])  # fmt: skip
    bad_parent = next(u for u in county.units if u.place == "白坡村")
    row = units.add([
        f"D{bad_parent.division_code}01", "白坡村文化广场", "点", bad_parent.unit_id, "", "",
        date(year, 12, 10), "", 13.2861, 34.7512,
    ])  # fmt: skip
    w.bad(rel, row, "units", "longitude 13.2861 outside China (a digit dropped)", sheet="阵地")
    w.count("units", len(county.units) + 1)

    brands = _XSheet("品牌项目", header_rows=(0,), width=18)
    brands.add(["项目编码", "项目名称", "所属阵地编码", "服务类别", "创建日期"])
    by_place = {u.place: u for u in county.units}
    for spec in county.brands:
        owner = county.units[0] if spec.owner == "中心" else by_place[spec.owner]
        brands.add([spec.brand_id, spec.name, owner.unit_id, spec.category, date(*spec.started)])
    w.count("brands", len(county.brands))

    targets = _XSheet("年度目标", header_rows=(1,), width=16)
    targets.add([f"{COUNTY_NAME}{year}年新时代文明实践工作目标", "", "", ""])
    targets.merges.append((0, 0, 0, 3, f"{COUNTY_NAME}{year}年新时代文明实践工作目标"))
    targets.add(["年度", "阵地编码", "指标", "目标值"])
    for unit_id, metric, value in county.targets:
        targets.add([year, unit_id, metric, value])
    first_station = next(u for u in county.units if u.level == "站")
    row = targets.add([year, first_station.unit_id, "活动场次", 0])
    w.bad(
        rel,
        row,
        "targets",
        f"target value 0 for {first_station.unit_id} (must be > 0)",
        sheet="年度目标",
    )
    w.count("targets", len(county.targets) + 1)
    w.xlsx(rel, [units, brands, targets])


def _write_divisions(w: _Writer, rel: str, county: _County) -> None:
    rows = [["统计用区划代码", "城乡分类代码", "名称"]]
    rows.extend([code, urban_rural, name] for code, name, urban_rural in county.divisions)
    rows.append([f"{COUNTY_CODE}10018", "220", "峡窝镇新村村委会"])
    w.bad(rel, len(rows), "divisions", "division code 41010610018 has 11 digits, not 12")
    w.count("divisions", len(rows) - 1)
    w.csv(rel, rows, "utf-8")


def _write_activity_ledgers(
    w: _Writer, base: str, county: _County, cal: _Calendar, rng: random.Random
) -> None:
    """The 中心's yearly workbook and each town's monthly CSV ledgers, with their extras."""
    year = cal.year
    groups: dict[tuple[str | None, int], list[_Activity]] = {}
    for act in county.activities:
        groups.setdefault((act.unit.town_id, act.start.month), []).append(act)
    bad = _bad_activities(rng, cal, county)
    extras: dict[tuple[str | None, int], list[_Extra]] = {}
    for key, items in bad.items():
        for act, overrides, what in items:
            style = CENTRE_STYLE if key[0] is None else TOWN_STYLES[key[0][-3:]]
            cells = {**_activity_cells(rng, act, style), **overrides}
            extras.setdefault(key, []).append(_Extra("bad", "bottom", cells, what))
    # a row re-sent unchanged next month, and one re-sent with a changed title
    jiyuan, xiawo = f"S{COUNTY_CODE}001", f"S{COUNTY_CODE}100"
    resent = next(
        a for a in groups[(jiyuan, 3)] if a.start.day >= 20 and not a.brand_id and not a.order_id
    )
    changed = next(a for a in groups[(xiawo, 5)] if a.start.day >= 15 and not a.brand_id)
    extras.setdefault((jiyuan, 4), []).insert(
        0, _Extra("duplicate", "top", None, "re-sent unchanged", resent.activity_id)
    )
    extras.setdefault((xiawo, 6), []).insert(
        0,
        _Extra(
            "bad", "top", None, "conflict: re-sent with a changed title", changed.activity_id,
            title=changed.title + "（修改）",
        ),
    )  # fmt: skip
    rendered: dict[str, tuple[dict[str, object], str, int]] = {}

    def resolve(extra: _Extra) -> dict[str, object]:
        if extra.cells is not None:
            return extra.cells
        cells, _, _ = rendered[extra.source_id]
        return {**cells, "title": extra.title} if extra.title else dict(cells)

    _write_centre_ledger(
        w, f"{base}activities/区中心_{year}年活动台账.xlsx", groups, extras, rng, year
    )
    for code, town, *_ in SHANGJIE_TOWNS:
        style = TOWN_STYLES[code]
        town_id = f"S{COUNTY_CODE}{code}"
        for month in range(1, 13):
            rel = f"{base}activities/{town}_{year}-{month:02d}.csv"
            acts = groups.get((town_id, month), [])
            town_extras = extras.get((town_id, month), [])
            entries: list[tuple[dict[str, object], _Extra | None]] = []
            entries += [(resolve(e), e) for e in town_extras if e.where == "top"]
            entries += [(_activity_cells(rng, a, style), None) for a in acts]
            entries += [(resolve(e), e) for e in town_extras if e.where == "bottom"]
            headers = [h for _, h in style.columns]
            width = len(headers)
            rows: list[list[str]] = []
            if style.title:
                title = f"{town}新时代文明实践活动台账（{year}年{month}月）"
                rows.append([title] + [""] * (width - 1) if style.pad_title else [title])
            if style.unit_line:
                filed = date(year, month, 1) + timedelta(days=rng.randint(31, 38))
                line = [""] * width
                line[0] = f"填报单位：{town}新时代文明实践所"
                line[width - 4] = f"填报日期：{filed.year}年{filed.month}月{filed.day}日"
                rows.append(line)
            rows.append(headers)
            sums = _totals([cells for cells, _ in entries])
            total_row = [_hours(sums[k]) if k in sums else "" for k, _ in style.columns]
            total_row[0] = "小计" if style.total == "top" else "合计"
            if style.total == "top":
                rows.append(total_row)
            for seq, (cells, extra) in enumerate(entries, 1):
                row = []
                for key, _ in style.columns:
                    if key == "#seq":
                        row.append(str(seq))
                    elif key == "#note":
                        row.append("补报" if extra and extra.where == "top" else "")
                    else:
                        row.append(str(cells[key]))
                rows.append(row)
                number = len(rows)
                aid = str(cells["activity_id"])
                if extra is None:
                    rendered[aid] = (cells, rel, number)
                elif extra.source_id:
                    _, first_rel, first_row = rendered[extra.source_id]
                    what = f"{extra.what} ({aid} first at {first_rel} row {first_row})"
                    if extra.kind == "bad":
                        w.bad(rel, number, "activities", what)
                    else:
                        w.duplicate(rel, number, "activities", what)
                else:
                    w.bad(rel, number, "activities", f"{extra.what} ({aid})")
            if style.total == "bottom":
                rows.append(total_row)
            rows.extend([[""] * width for _ in range(style.trailing_blank)])
            w.count("activities", len(entries))
            data = w.csv(rel, rows, style.encoding)
            if code == "004" and month == 6:  # the whole file sent twice under another name
                copy = f"{base}activities/{town}_{year}-{month:02d}（重报）.csv"
                w.copy(copy, data)
                w.duplicate(copy, None, "activities", f"byte-for-byte copy of {rel}")


def _write_centre_ledger(
    w: _Writer,
    rel: str,
    groups: dict[tuple[str | None, int], list[_Activity]],
    extras: dict[tuple[str | None, int], list[_Extra]],
    rng: random.Random,
    year: int,
) -> None:
    """The 中心's yearly workbook: title, unit line, a two-row merged header, blank rows, 合计."""
    sheet = _XSheet("活动台账", header_rows=(2, 3), width=15)
    width = len(ACT_KEYS)
    title = f"{COUNTY_NAME}新时代文明实践活动台账（{year}年）"
    sheet.add([title] + [""] * (width - 1))
    sheet.merges.append((0, 0, 0, width - 1, title))
    line: list[object] = [""] * width
    line[0] = f"填报单位：{COUNTY_NAME}新时代文明实践中心"
    line[10] = f"填报日期：{year + 1}年1月6日"
    sheet.add(line)
    upper: list[object] = [ACT_HEADERS[k] for k in ACT_KEYS]
    lower: list[object] = [""] * width
    for group, (first, last) in (("起止时间", (5, 6)), ("志愿服务", (9, 10))):
        for c in (first, last):
            lower[c] = upper[c]
            upper[c] = ""
        upper[first] = group
        sheet.merges.append((2, first, 2, last, group))
    for c in range(width):
        if lower[c] == "":
            sheet.merges.append((2, c, 3, c, str(upper[c])))
    sheet.add(upper)
    sheet.add(lower)
    entries: list[dict[str, object]] = []
    for month in range(1, 13):
        for act in groups.get((None, month), []):
            entries.append(_activity_cells(rng, act, CENTRE_STYLE))
            sheet.add([entries[-1][k] for k in ACT_KEYS])
        for extra in extras.get((None, month), []):
            assert extra.cells is not None
            entries.append(extra.cells)
            row = sheet.add([extra.cells[k] for k in ACT_KEYS])
            w.bad(
                rel, row, "activities", f"{extra.what} ({extra.cells['activity_id']})", "活动台账"
            )
    blank = (len(sheet.rows), len(sheet.rows) + 1)
    sheet.add([""] * width)
    sheet.add([""] * width)
    sheet.blank_rows = blank
    total: list[object] = ["合计"] + [""] * (width - 1)
    for key, value in _totals(entries).items():
        total[ACT_KEYS.index(key)] = int(value) if value.is_integer() else value
    sheet.add(total)
    w.count("activities", len(entries))
    w.xlsx(rel, [sheet])


def _group(rng: random.Random, act: _Activity) -> str:
    return act.target_group if rng.random() < 0.7 else "群众"


def _write_attendance(
    w: _Writer, base: str, county: _County, cal: _Calendar, rng: random.Random
) -> None:
    """Sign-ins by half year (two different exports) and the volunteers' own file."""
    year = cal.year
    acts = county.activities
    first_rel = f"{base}attendance/签到记录_{year}年上半年.csv"
    rows = [["活动编码", "参与者编号", "人数", "签到时间", "人群类别"]]
    typo_after = acts[len(acts) // 6].activity_id
    for act in acts:
        if act.start.month > 6:
            break
        for person, checked in act.signins:
            stamp = _fmt(checked, "iso") if checked else ""
            rows.append([act.activity_id, person, "", stamp, _group(rng, act)])
        for heads in act.headcounts:
            rows.append([act.activity_id, "", str(heads), "", "群众"])
        if act.activity_id == typo_after and act.signins:
            person = act.signins[0][0]
            rows.append([act.activity_id[:-1], person, "", _fmt(act.start, "iso"), "群众"])
            w.bad(
                first_rel,
                len(rows),
                "attendance",
                f"unknown activity {act.activity_id[:-1]} (a digit dropped)",
            )
    w.count("attendance", len(rows) - 1)
    w.csv(first_rel, rows, "utf-8-sig")

    second_rel = f"{base}attendance/上街云导出_签到记录_{year}年下半年.csv"
    rows = [["activity_id", "person_id", "headcount", "checked_in_at", "group", "role"]]
    extra_after = next(a for a in acts if a.start.month >= 9 and a.signins and a.unit.level == "站")
    for act in acts:
        if act.start.month <= 6:
            continue
        for person, checked in act.signins:
            stamp = _fmt(checked, "iso_s") if checked else ""
            rows.append([act.activity_id, person, "1", stamp, _group(rng, act), "群众"])
        for heads in act.headcounts:
            rows.append([act.activity_id, "", str(heads), "", "群众", "群众"])
        if act is extra_after:
            taken = {p for p, _ in act.signins}
            person = next(p for p in act.unit.pool if p not in taken)
            rows.append([act.activity_id, person, "2", _fmt(act.start, "iso_s"), "群众", "群众"])
            w.bad(
                second_rel,
                len(rows),
                "attendance",
                f"headcount 2 on a row with a person id ({person})",
            )
    w.count("attendance", len(rows) - 1)
    w.csv(second_rel, rows, "utf-8")

    rel = f"{base}attendance/志愿者服务记录_{year}年.csv"
    rows = [["活动编码", "志愿者编号", "签到时间"]]
    for act in acts:
        for volunteer, checked in act.volunteers:
            rows.append([act.activity_id, volunteer, _fmt(checked, "slash")])
    w.count("attendance", len(rows) - 1)
    w.csv(rel, rows, "utf-8-sig")


def _score_cell(rng: random.Random, score: int, numbers: bool) -> object:
    r = rng.random()
    if r < 0.6:
        return score if numbers else str(score)
    if r < 0.8:
        return "★" * score + "☆" * (5 - score)
    return SCORE_WORDS[score]


def _write_ratings(
    w: _Writer, base: str, county: _County, cal: _Calendar, rng: random.Random
) -> None:
    """群众评单: a workbook for the first half year, a CSV with other headers for the second."""
    year = cal.year
    acts = county.activities
    rel = f"{base}ratings/群众评单_{year}年上半年.xlsx"
    sheet = _XSheet("评单", header_rows=(1,), width=16)
    title = f"{COUNTY_NAME}新时代文明实践群众评单汇总（{year}年上半年）"
    sheet.add([title, "", "", "", ""])
    sheet.merges.append((0, 0, 0, 4, title))
    sheet.add(["活动编码", "评价人编号", "满意度", "评价内容", "评价时间"])
    early = next(a for a in acts if a.start.month == 4 and not a.date_only)
    n = 0
    for act in acts:
        if act.start.month > 6:
            break
        for rater, score, comment, rated in act.ratings:
            when: object = rated or ""
            if rated and rng.random() < 0.2:
                when = _fmt(rated, "slash")
            sheet.add([act.activity_id, rater, _score_cell(rng, score, True), comment, when])
            n += 1
        if act is early:
            before = act.start - timedelta(days=1)
            row = sheet.add([act.activity_id, "", 5, "", before])
            n += 1
            w.bad(
                rel,
                row,
                "ratings",
                f"rated {before:%Y-%m-%d %H:%M}, before {act.activity_id} began",
                "评单",
            )
    w.count("ratings", n)
    w.xlsx(rel, [sheet])

    rel = f"{base}ratings/评单记录_{year}年下半年.csv"
    rows = [["活动编码", "评价人编号", "评分", "意见建议", "评价时间"]]
    six_after = next(a for a in acts if a.start.month == 8 and a.ratings)
    for act in acts:
        if act.start.month <= 6:
            continue
        for rater, score, comment, rated in act.ratings:
            rows.append(
                [
                    act.activity_id,
                    rater,
                    str(_score_cell(rng, score, False)),
                    comment,
                    _fmt(rated, "cn") if rated else "",
                ]
            )
        if act is six_after:
            rows.append([act.activity_id, "", "6", "非常好", _fmt(act.end, "cn")])
            w.bad(rel, len(rows), "ratings", f"score 6 (scores are 1-5) for {act.activity_id}")
            rows.append([f"HD{year}009999", "", "5", "", _fmt(act.end, "cn")])
            w.bad(rel, len(rows), "ratings", f"unknown activity HD{year}009999")
    w.count("ratings", len(rows) - 1)
    w.csv(rel, rows, "utf-8")


def _write_orders(w: _Writer, rel: str, county: _County, cal: _Calendar) -> None:
    rng = random.Random(f"orders-{cal.year}")
    header = [
        "点单编号",
        "点单时间",
        "需求类别",
        "需求内容",
        "点单阵地编码",
        "派单时间",
        "接单阵地编码",
        "接单时间",
        "完成时间",
        "状态",
    ]
    rows = [header]
    y = cal.year
    bad = _Order(
        datetime(y, 11, 3, 9, 0), "便民服务", "小区需要磨刀修鞋服务", f"Z{COUNTY_CODE}001002",
        datetime(y, 11, 3, 15, 0), f"Z{COUNTY_CODE}001002", datetime(y, 11, 3, 11, 0), status="已接单",
        order_id=f"DD{y}{len(county.orders) + 1:06d}",
    )  # fmt: skip
    orders = sorted([*county.orders, bad], key=lambda o: o.ordered_at)
    for order in orders:

        def stamp(moment: datetime | None) -> str:
            return _fmt(moment, "iso") if moment else ""

        category = order.category
        if rng.random() < 0.15:
            category = rng.choice(CATEGORY_ALIASES[category])
        status = order.status
        if status == "已完成" and rng.random() < 0.2:
            status = ""  # follows from the times
        rows.append([
            order.order_id, stamp(order.ordered_at), category, order.content, order.unit_id,
            stamp(order.dispatched_at), order.accepted_unit_id or "", stamp(order.accepted_at),
            stamp(order.completed_at), status,
        ])  # fmt: skip
        if order is bad:
            w.bad(
                rel,
                len(rows),
                "orders",
                f"accepted 11:00 before dispatched 15:00 ({order.order_id})",
            )
    w.count("orders", len(rows) - 1)
    w.csv(rel, rows, "utf-8-sig")


# ---------------------------------------------------------------- entry points


def _write_county(w: _Writer, base: str, cal: _Calendar, seed: int, parent_id: str | None) -> None:
    rng = random.Random(seed)
    county = _plan_shangjie(rng, cal, parent_id)
    _simulate_shangjie(rng, cal, county, COUNTY_ACTIVITIES)
    _write_shangjie(w, base, county, cal, rng)


def write_demo(
    out_dir: Path | str,
    scale: str = "county",
    year: int = 2025,
    seed: int = 1,
    *,
    max_counties: int | None = None,
) -> dict:
    """Write the demo ledgers under ``out_dir``; returns a summary.

    The summary holds ``files`` (paths relative to out_dir), ``rows`` (input rows
    per table, counted as the build counts them: data rows below the header, less
    blank and total rows, the re-sent byte copy not counted), ``bad_rows`` (each
    deliberately bad row: file, row as Excel shows it, table, what is wrong) and
    ``duplicates`` (rows and files that are re-sends, not errors).
    ``max_counties`` stops a city or province early (for trying the big scales).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_files(out)
    w = _Writer(out, year)
    cal = _Calendar(year)
    if scale == "county":
        _write_county(w, "", cal, seed, None)
    else:
        _write_region(w, scale, cal, seed, max_counties)
    files = sorted(w.files)
    for rel in previous:
        if rel not in w.files and (out / rel).is_file():
            (out / rel).unlink()  # written by an earlier run of this command, now stale
    (out / MARKER).write_text(
        json.dumps(
            {"scale": scale, "year": year, "seed": seed, "files": files},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return {
        "out_dir": str(out),
        "scale": scale,
        "year": year,
        "seed": seed,
        "files": files,
        "rows": dict(w.rows),
        "bad_rows": w.bad_rows,
        "duplicates": w.duplicates,
    }


def _previous_files(out: Path) -> list[str]:
    marker = out / MARKER
    if not marker.is_file():
        return []
    try:
        return list(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
    except (ValueError, AttributeError):
        return []


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="输出目录")
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="county",
        help="规模：county 区县 / city 地市 / province 全省",
    )
    parser.add_argument("--year", type=int, default=2025, help="年度（默认 2025）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子（相同参数生成相同文件）")
    parser.add_argument("--max-counties", type=int, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    summary = write_demo(args.out, args.scale, args.year, args.seed, max_counties=args.max_counties)
    summary["files"] = len(summary["files"])
    summary["seconds"] = round(time.perf_counter() - started, 1)
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


# ---------------------------------------------------------------- city and province: streamed

ZHENGZHOU_COUNTIES = (
    ("410102", "中原区"),
    ("410103", "二七区"),
    ("410104", "管城回族区"),
    ("410105", "金水区"),
    ("410108", "惠济区"),
    ("410122", "中牟县"),
    ("410181", "巩义市"),
    ("410182", "荥阳市"),
    ("410183", "新密市"),
)
HENAN = ("41", "河南省")
HENAN_CITIES = (  # (code, name, lng, lat of the city centre, roughly)
    ("4101", "郑州市", 113.62, 34.75),
    ("4102", "开封市", 114.31, 34.80),
    ("4103", "洛阳市", 112.45, 34.62),
    ("4104", "平顶山市", 113.19, 33.77),
    ("4105", "安阳市", 114.39, 36.10),
    ("4106", "鹤壁市", 114.30, 35.75),
    ("4107", "新乡市", 113.93, 35.30),
    ("4108", "焦作市", 113.24, 35.22),
    ("4109", "濮阳市", 115.03, 35.76),
    ("4110", "许昌市", 113.85, 34.04),
    ("4111", "漯河市", 114.02, 33.58),
    ("4112", "三门峡市", 111.20, 34.77),
    ("4113", "南阳市", 112.53, 33.00),
    ("4114", "商丘市", 115.66, 34.41),
    ("4115", "信阳市", 114.09, 32.15),
    ("4116", "周口市", 114.70, 33.63),
    ("4117", "驻马店市", 114.02, 32.98),
)
# (cities, counties per city including 上街区, activities, rows of attendance and ratings per activity)
REGIONS = {
    "city": (1, 10, 100_000, 30, 10),
    "province": (17, 10, 1_000_000, 30, 10),
}
NAME_HEAD = (
    "东西南北前后上下大小新老高王张李刘陈杨赵黄周吴徐孙马朱胡郭何罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
)
NAME_TAIL = "庄营寨沟河岭店集楼湾坡屯铺岗桥坪堡园口台洼寺场滩桥湖林"
BRAND_STEMS = (
    ("银龄课堂", "教育服务"),
    ("四点半课堂", "教育服务"),
    ("文明集市", "便民服务"),
    ("乡村大舞台", "文化服务"),
    ("健康守护日", "卫生健康"),
    ("红色宣讲团", "理论宣讲"),
    ("法润乡村", "法治宣传"),
    ("邻里守望", "关爱帮扶"),
    ("书香驿站", "教育服务"),
    ("村BA", "健身体育"),
    ("暖心食堂", "关爱帮扶"),
    ("百姓故事会", "理论宣讲"),
    ("院坝小课堂", "教育服务"),
    ("长者生日会", "关爱帮扶"),
    ("新风超市", "移风易俗"),
    ("科普大篷车", "科技科普"),
)
UNITS_HEADER = "阵地编码,阵地名称,层级,上级编码,区划代码,服务村居,挂牌日期,示范站,经度,纬度"
DIVISIONS_HEADER = "统计用区划代码,城乡分类代码,名称"
ACTIVITIES_HEADER = ",".join(ACT_HEADERS[k] for k in ACT_KEYS)
ATTENDANCE_HEADER = "活动编码,参与者编号,人数,签到时间,人群类别,身份"
RATINGS_HEADER = "活动编码,评价人编号,满意度,评价内容,评价时间"
ORDERS_HEADER = (
    "点单编号,点单时间,需求类别,需求内容,点单阵地编码,派单时间,接单阵地编码,接单时间,完成时间,状态"
)
FLUSH_ROWS = 20_000


@dataclass
class _CountyPlan:
    city_code: str
    city_name: str
    code: str
    name: str
    villages: list[int] = field(default_factory=list)  # per town; empty: the detailed 上街区
    activities: int = 0
    lng: float = 113.62
    lat: float = 34.75


def _place_name(rng: random.Random, taken: dict[str, None], tail: str) -> str:
    for _ in range(200):
        name = rng.choice(NAME_HEAD) + rng.choice(NAME_TAIL) + tail
        if name not in taken:
            taken[name] = None
            return name
    name = f"{rng.choice(NAME_HEAD)}{len(taken)}{tail}"
    taken[name] = None
    return name


def _plan_region(scale: str, seed: int) -> list[_CountyPlan]:
    """Every county of the region with its town and village counts, and its share of activities."""
    n_cities, per_city, total, _, _ = REGIONS[scale]
    rng = random.Random(f"{seed}-{scale}-plan")
    plans: list[_CountyPlan] = []
    taken: dict[str, None] = {}
    for city_code, city_name, lng, lat in HENAN_CITIES[:n_cities]:
        if city_code == CITY_CODE:
            plans.append(_CountyPlan(city_code, city_name, COUNTY_CODE, COUNTY_NAME))
            named = list(ZHENGZHOU_COUNTIES[: per_city - 1])
        else:
            named = []
            for k in range(per_city):
                tail = "区" if k < 2 else rng.choice(("县", "县", "市"))
                named.append((f"{city_code}{k + 2:02d}", _place_name(rng, taken, tail)))
        for code, name in named:
            villages = [rng.randint(14, 30) for _ in range(rng.randint(10, 18))]
            spot = (round(lng + rng.uniform(-0.5, 0.5), 4), round(lat + rng.uniform(-0.4, 0.4), 4))
            plans.append(_CountyPlan(city_code, city_name, code, name, villages, 0, *spot))
    synthetic = sum(sum(p.villages) for p in plans)
    remaining = total - COUNTY_ACTIVITIES
    for plan in plans:
        plan.activities = (
            COUNTY_ACTIVITIES
            if not plan.villages
            else round(remaining * sum(plan.villages) / synthetic)
        )
    return plans


def _write_region(
    w: _Writer, scale: str, cal: _Calendar, seed: int, max_counties: int | None
) -> None:
    """A city (10 counties) or a province (17 cities): 上街区 in detail, the rest streamed."""
    plans = _plan_region(scale, seed)
    rows_per_activity, ratings_per_activity = REGIONS[scale][3:]
    top = [UNITS_HEADER]
    divisions = [DIVISIONS_HEADER]
    province_id = None
    if scale == "province":
        province_id = f"ZX{HENAN[0]}"
        top.append(
            f"{province_id},{HENAN[1]}新时代文明实践中心,省,,{HENAN[0]}0000000000,,2019-10-01,,113.6654,34.7579"
        )
        divisions.append(f"{HENAN[0]}0000000000,,{HENAN[1]}")
    for city_code, city_name in dict.fromkeys((p.city_code, p.city_name) for p in plans):
        top.append(
            f"ZX{city_code},{city_name}新时代文明实践中心,市,{province_id or ''},{city_code}00000000,,2019-10-01,,,"
        )
        divisions.append(f"{city_code}00000000,,{city_name}")
    w.count("units", len(top) - 1)
    w.count("divisions", len(divisions) - 1)
    w.csv("省市两级阵地.csv", [line.split(",") for line in top], "utf-8-sig")
    w.csv("省市两级区划.csv", [line.split(",") for line in divisions], "utf-8-sig")
    done = 0
    for plan in plans:
        folder = f"{plan.code}_{plan.name}/"
        if scale == "province":
            folder = f"{plan.city_code}_{plan.city_name}/{folder}"
        if not plan.villages:
            _write_county(w, folder, cal, seed, f"ZX{plan.city_code}")
            continue
        if max_counties is not None and done >= max_counties:
            continue
        _SyntheticCounty(plan, cal, seed, rows_per_activity, ratings_per_activity).write(w, folder)
        done += 1


class _SyntheticCounty:
    """One county of a city or province, written as plain CSV while it is simulated.

    Only the county's own structure is held in memory; activities are generated for
    the whole year, sorted, then written with their sign-ins, ratings and orders in
    row batches.
    """

    def __init__(self, plan: _CountyPlan, cal: _Calendar, seed: int, rows: int, ratings: int):
        self.plan = plan
        self.cal = cal
        self.rng = random.Random(f"{seed}-{plan.code}")
        self.rows_per_activity = rows
        self.ratings_per_activity = ratings
        self.encoding = self.rng.choice(("utf-8-sig", "utf-8", "utf-8-sig", "gb18030"))
        style = self.rng.choice(("iso", "slash", "cn"))
        midnight = datetime(cal.year, 1, 1)
        self.day_text = [_fmt(datetime(d.year, d.month, d.day), style, False) for d in cal.days]
        self.clock = [
            _fmt(midnight + timedelta(minutes=m), style)[len(self.day_text[0]) + 1 :]
            for m in range(1440)
        ]

    def _stamp(self, day: int, minute: int) -> str:
        return f"{self.day_text[day]} {self.clock[min(minute, 1439)]}"

    def write(self, w: _Writer, folder: str) -> None:
        rng, plan, cal = self.rng, self.plan, self.cal
        code, year = plan.code, cal.year
        units: list[list[str]] = []
        divisions: list[list[str]] = [[f"{code}000000", "", plan.name]]
        taken: dict[str, None] = {}
        lng0, lat0 = plan.lng, plan.lat
        centre_id = f"ZX{code}"
        units.append([centre_id, f"{plan.name}新时代文明实践中心", "中心", f"ZX{plan.city_code}",
                      f"{code}000000", "", "2019-10-01", "", f"{lng0:.4f}", f"{lat0:.4f}"])  # fmt: skip
        # units that hold activities:
        # [unit_id, level mix, place, pool_lo, pool_hi, from_day, to_day, town_id, weight, location]
        acting: list[list] = []
        persons = 0
        n_streets = rng.randint(2, 5) if plan.name.endswith("区") else rng.randint(0, 2)
        last_day = len(cal.days) - 1
        for t, n_villages in enumerate(plan.villages):
            street = t < n_streets
            town_code = f"{code}{t + 1:03d}" if street else f"{code}{100 + t:03d}"
            town = _place_name(rng, taken, "街道" if street else rng.choice("镇镇乡"))
            town_id = f"S{town_code}"
            tlng, tlat = lng0 + rng.uniform(-0.2, 0.2), lat0 + rng.uniform(-0.15, 0.15)
            units.append([town_id, f"{town}新时代文明实践所", "所", centre_id, f"{town_code}000", "",
                          f"{year - rng.randint(3, 5)}-{rng.randint(1, 12):02d}-01", "", f"{tlng:.4f}", f"{tlat:.4f}"])  # fmt: skip
            divisions.append([f"{town_code}000", "", town + ("办事处" if street else "")])
            villages = []
            for v in range(n_villages):
                vcode = f"{town_code}{v + 1:03d}"
                vname = _place_name(rng, taken, "社区" if street else "村")
                villages.append((vcode, vname))
                divisions.append(
                    [vcode, "111" if street else "220", vname + ("居委会" if street else "委会")]
                )
            town_lo = persons
            v = 0
            while v < len(villages):
                vcode, vname = villages[v]
                r = rng.random()
                if r < 0.03:  # no station yet
                    v += 1
                    continue
                serves = [vcode]
                if r > 0.98:  # a joint station for two to four villages
                    serves += [c for c, _ in villages[v + 1 : v + rng.randint(2, 4)]]
                v += len(serves)
                opened = date(year - rng.randint(1, 5), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.03:
                    opened = date(year, rng.randint(9, 12), rng.randint(1, 28))
                from_day = max(0, (opened - cal.first).days)
                to_day = (
                    cal.index(date(year, rng.randint(7, 10), 15))
                    if rng.random() < 0.03
                    else last_day
                )
                slng, slat = tlng + rng.uniform(-0.05, 0.05), tlat + rng.uniform(-0.04, 0.04)
                station_id = f"Z{vcode}"
                joint = len(serves) > 1
                units.append([
                    station_id, f"{vname}{'联合' if joint else ''}新时代文明实践站", "站", town_id, vcode,
                    "、".join(serves) if joint else "", opened.isoformat(), "是" if rng.random() < 0.08 else "否",
                    f"{slng:.4f}", f"{slat:.4f}",
                ])  # fmt: skip
                size = rng.randint(150, 260) * len(serves)
                weight = 0.0 if rng.random() < 0.02 else rng.lognormvariate(0, 0.45)
                place = vname
                acting.append([station_id, "站", place, persons, persons + size, from_day, to_day, town_id,
                               weight, f"{place}党群服务中心"])  # fmt: skip
                if rng.random() < 0.08:
                    point = (
                        f"{vname}{rng.choice(('文化小广场', '农家书屋', '爱心理发室', '健身广场'))}"
                    )
                    units.append([f"D{vcode}01", point, "点", station_id, "", "", f"{year - 1}-06-01", "",
                                  f"{slng + 0.002:.4f}", f"{slat + 0.002:.4f}"])  # fmt: skip
                    acting.append([f"D{vcode}01", "站", point, persons, persons + size, from_day,
                                   to_day, town_id, 0.4, point])  # fmt: skip
                persons += size
            acting.append([town_id, "所", town, town_lo, persons, 0, last_day, town_id, 1.6,
                           f"{town}新时代文明实践所"])  # fmt: skip
        acting.append([centre_id, "中心", plan.name, 0, persons, 0, last_day, None, 3.0,
                       f"{plan.name}新时代文明实践中心"])  # fmt: skip
        base_names = (
            "红色教育基地",
            "科普教育基地",
            "全民健身中心",
            "法治文化公园",
            "农耕文化基地",
        )
        for k, name in enumerate(rng.sample(base_names, rng.randint(2, 4)), 1):
            base_id = f"J{code}{k:02d}"
            units.append([base_id, f"{plan.name}{name}", "基地", centre_id, "", "", f"{year - 3}-05-01", "",
                          f"{lng0 + rng.uniform(-0.05, 0.05):.4f}", f"{lat0 + rng.uniform(-0.05, 0.05):.4f}"])  # fmt: skip
            acting.append([base_id, "中心", f"{plan.name}{name}", 0, persons, 0, last_day, None, 0.8,
                           f"{plan.name}{name}"])  # fmt: skip
        pids = [f"P{code}{i:06d}" for i in range(persons)]
        for i in range(0, persons, 173):  # a few phone numbers typed as ids
            pids[i] = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        # brands: owned by the 中心, some 所 and a few stations; maybe one poorly rated
        owners = rng.sample(range(len(acting)), min(len(acting), rng.randint(4, 8)))
        poor_owner = owners[0] if rng.random() < 0.3 else -1
        brand_of: dict[int, tuple[str, int, bool, str]] = {}
        brands = [["项目编码", "项目名称", "所属阵地编码", "服务类别", "创建日期"]]
        stems = rng.sample(BRAND_STEMS, len(owners))
        for k, (owner, (stem, category)) in enumerate(zip(owners, stems, strict=True), 1):
            brand_id = f"PP{code}{k:02d}"
            brand_of[owner] = (brand_id, CATEGORIES.index(category), owner == poor_owner, stem)
            brands.append([brand_id, f"{plan.name[:2]}·{stem}", acting[owner][0], category,
                           f"{year - rng.randint(1, 4)}-{rng.randint(1, 12):02d}-01"])  # fmt: skip
        counts = self._write_activities(w, folder, acting, pids, brand_of)
        targets = [["年度", "阵地编码", "指标", "目标值"]]
        for unit_id, (n, person_times, hours) in counts.items():
            factor = rng.choice((0.8, 0.9, 1.0, 1.1, 1.25))
            targets += [
                [str(year), unit_id, "活动场次", str(_nice(n * factor))],
                [str(year), unit_id, "服务人次", str(_nice(person_times * factor))],
                [str(year), unit_id, "志愿服务时长", str(_nice(hours * factor))],
                [str(year), unit_id, "满意率", rng.choice(("90%", "0.9", "85%"))],
            ]
        for rel, table, rows in (
            ("阵地.csv", "units", [UNITS_HEADER.split(","), *units]),
            ("区划.csv", "divisions", [DIVISIONS_HEADER.split(","), *divisions]),
            ("品牌项目.csv", "brands", brands),
            ("目标.csv", "targets", targets),
        ):
            w.count(table, len(rows) - 1)
            w.csv(folder + rel, rows, self.encoding)

    def _write_activities(
        self,
        w: _Writer,
        folder: str,
        acting: list[list],
        pids: list[str],
        brand_of: dict[int, tuple[str, int, bool, str]],
    ) -> dict[str, tuple[int, int, float]]:
        """Activities with their attendance, ratings and orders; returns per-scope totals."""
        rng, cal, code, year = self.rng, self.cal, self.plan.code, self.cal.year
        span = len(cal.days)
        cum = _cumulate(u[8] * (u[6] - u[5] + 1) / span for u in acting)
        mixes = {level: _cumulate(weights) for level, weights in LEVEL_MIX.items()}
        profiles = [PROFILE.get(c, "base") for c in CATEGORIES]
        plan_rows: list[tuple[int, int, int, int]] = []
        for _ in range(self.plan.activities):
            u = _pick_cum(rng, cum)
            unit = acting[u]
            brand = brand_of.get(u)
            if brand and rng.random() < 0.35:
                c = brand[1]
            else:
                c = _pick_cum(rng, mixes[unit[1]])
            day = cal.pick(rng, profiles[c], unit[5], unit[6])
            h, m = rng.choice(SLOTS[CATEGORIES[c]])
            plan_rows.append((day, h * 60 + m, u, c))
        plan_rows.sort()
        # sign-ins per activity so that all attendance rows average rows_per_activity
        scale = (self.rows_per_activity - 4.0) / 22.5
        volunteers_per_town = 40
        enc = self.encoding
        paths = {
            name: w._path(folder + name)
            for name in ("活动.csv", "参与记录.csv", "评价.csv", "点单.csv")
        }
        handles = {name: path.open("w", encoding=enc, newline="") for name, path in paths.items()}
        buffers: dict[str, list[str]] = {name: [] for name in handles}
        act_buf, att_buf, rat_buf, ord_buf = (
            buffers[n] for n in ("活动.csv", "参与记录.csv", "评价.csv", "点单.csv")
        )
        act_buf.append(ACTIVITIES_HEADER + "\n")
        att_buf.append(ATTENDANCE_HEADER + "\n")
        rat_buf.append(RATINGS_HEADER + "\n")
        ord_buf.append(ORDERS_HEADER + "\n")
        n_att = n_rat = n_ord = 0
        centre = f"ZX{code}"
        totals: dict[str, list] = {centre: [0, 0, 0.0]}
        totals.update((u[0], [0, 0, 0.0]) for u in acting if u[1] == "所")
        town_index = {u[0]: i for i, u in enumerate(u for u in acting if u[1] == "所")}
        score_text = {
            s: (str(s), str(s), str(s), SCORE_WORDS[s], "★" * s + "☆" * (5 - s))
            for s in range(1, 6)
        }
        random_ = rng.random
        for seq, (day, minute, u, c) in enumerate(plan_rows, 1):
            unit = acting[u]
            category = CATEGORIES[c]
            aid = f"HD{year}{code}{seq:06d}"
            brand = brand_of.get(u)
            brand_id = brand[0] if brand and brand[1] == c else ""
            poor = bool(brand_id) and brand[2]
            if brand_id:
                title = f"{brand[3]}·" + rng.choice(TITLES[category]).replace("{p}", unit[2])
            else:
                title = rng.choice(TITLES[category]).replace("{p}", unit[2])
                if random_() < 0.3:
                    title = unit[2] + title
            duration = rng.choice(DURATIONS[category])
            end_minute = minute + duration
            group = rng.choice(TARGET_GROUPS[category])
            start_text = self._stamp(day, minute)
            # attendance
            r = random_()
            head_only = r < (0.55 if c == 2 else 0.03)
            signins: list[int] = []
            heads = 0
            if not head_only:
                lo, hi = unit[3], unit[4]
                k = int(SIGNINS[category] * scale * (0.4 + 1.2 * random_()))
                signins = rng.sample(range(lo, hi), min(k, hi - lo))
                for p in signins:
                    att_buf.append(
                        f"{aid},{pids[p]},,{self._stamp(day, minute - int(random_() * 26))},{group},\n"
                    )
                if random_() < 0.12:
                    heads = 5 + int(random_() * 26)
                    att_buf.append(f"{aid},,{heads},,群众,\n")
                    n_att += 1
            else:
                for _ in range(1 + int(random_() * 3)):
                    n_heads = 30 + int(random_() * 111)
                    heads += n_heads
                    att_buf.append(f"{aid},,{n_heads},,群众,\n")
                    n_att += 1
            n_att += len(signins)
            volunteer_count = 2 + int(random_() * 5) + (int(random_() * 7) if c in (2, 5) else 0)
            town_i = town_index.get(unit[7], 0)
            if random_() < 0.7:
                base = town_i * volunteers_per_town
                for v in rng.sample(range(volunteers_per_town), volunteer_count):
                    att_buf.append(
                        f"{aid},V{code}{base + v:05d},,{self._stamp(day, minute - 30)},,志愿者\n"
                    )
                n_att += volunteer_count
            hours = round(volunteer_count * duration / 30) / 2
            person_times = len(signins) + heads
            reported = person_times
            r = random_()
            if r < 0.12:
                reported = _round_up(person_times)
            elif r < 0.17:
                reported = -1
            # ratings
            if signins:
                k = min(len(signins), int(random_() * 2.3 * self.ratings_per_activity))
                raters = signins[:k]
            else:
                raters = [-1] * int(random_() * self.ratings_per_activity)
            cum_scores = SCORES_POOR if poor else SCORES_GOOD
            for p in raters:
                score = bisect.bisect_left(cum_scores, random_()) + 1
                rater = pids[p] if p >= 0 and random_() > 0.1 else ""
                if score <= 2:
                    comment = (
                        COMPLAINTS[int(random_() * len(COMPLAINTS))] if random_() < 0.7 else ""
                    )
                else:
                    comment = PRAISE[int(random_() * len(PRAISE))] if random_() < 0.25 else ""
                text = score_text[score][int(random_() * 5)]
                rat_buf.append(
                    f"{aid},{rater},{text},{comment},{self._stamp(day, end_minute + 5 + int(random_() * 180))}\n"
                )
            n_rat += len(raters)
            # an order behind about a fifth of the station activities
            source, order_id = "", ""
            lead = 2 + int(random_() * 9)
            if unit[1] == "站" and day >= lead and random_() < 0.2:
                n_ord += 1
                order_id = f"DD{year}{code}{n_ord:06d}"
                source = "群众点单"
                o_day, o_min = day - lead, 480 + int(random_() * 600)
                d_day = o_day + int(random_() * 2)
                d_min = (
                    o_min + 30 + int(random_() * 150)
                    if d_day == o_day
                    else 480 + int(random_() * 600)
                )
                a_day = min(d_day + int(random_() * 2), day - 1)
                a_min = (
                    d_min + 30 + int(random_() * 150)
                    if a_day == d_day
                    else 480 + int(random_() * 600)
                )
                ord_buf.append(
                    f"{order_id},{self._stamp(o_day, o_min)},{category},{rng.choice(DEMANDS[category])},{unit[0]},"
                    f"{self._stamp(d_day, d_min)},{unit[0]},{self._stamp(a_day, a_min)},"
                    f"{self._stamp(day, end_minute)},已完成\n"
                )
            elif random_() < 0.01:  # cancelled without an activity
                n_ord += 1
                ord_buf.append(
                    f"DD{year}{code}{n_ord:06d},{self._stamp(day, 540)},{category},"
                    f"{rng.choice(DEMANDS[category])},{unit[0]},,,,,已取消\n"
                )
            shown = rng.choice(CATEGORY_ALIASES[category]) if random_() < 0.1 else category
            act_buf.append(
                f"{aid},{title},{unit[0]},{brand_id},{shown},{start_text},{self._stamp(day, end_minute)},"
                f"{source},{order_id},{volunteer_count},{_hours(hours)},{group},"
                f"{reported if reported >= 0 else ''},{unit[9]}\n"
            )
            for scope in (centre, unit[7]):
                if scope:
                    entry = totals[scope]
                    entry[0] += 1
                    entry[1] += person_times or max(reported, 0)
                    entry[2] += hours
            if len(att_buf) > FLUSH_ROWS:
                for name, buffer in buffers.items():
                    handles[name].write("".join(buffer))
                    buffer.clear()
        for name, buffer in buffers.items():
            handles[name].write("".join(buffer))
            handles[name].close()
        w.count("activities", len(plan_rows))
        w.count("attendance", n_att)
        w.count("ratings", n_rat)
        w.count("orders", n_ord)
        return {k: (v[0], v[1], v[2]) for k, v in totals.items()}
