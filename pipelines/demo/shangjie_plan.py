"""上街区, the detailed county: its towns, stations, points, bases and brands, the
records the simulation fills in (units, activities, orders), and the plan of
units and divisions before anything is simulated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipelines.demo.common import Calendar
from pipelines.demo.vocabulary import SCORES_FAIR, SCORES_GOOD

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
class BrandSpec:
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
    BrandSpec("PP001", "心系银发·微幸福", JOINT_NAME, "关爱帮扶", (2022, 3, 1), 24, None, (9, 0), 120, "老年人",
               ("心系银发·微幸福：为老人理发测血压", "心系银发·微幸福：银龄关怀走访", "心系银发·微幸福：长者生日会"), 14),
    BrandSpec("PP002", "四点半智慧课堂", JOINT_NAME, "教育服务", (2022, 9, 1), 50, (5, 6), (16, 30), 90, "未成年人",
               ("四点半智慧课堂·作业辅导", "四点半智慧课堂·书法", "四点半智慧课堂·科学小实验", "四点半智慧课堂·绘本阅读"), 14),
    BrandSpec("PP003", "充电市集", "峡窝镇", "便民服务", (2023, 5, 1), 22, (5, 6), (9, 0), 180, "上班族",
               ("周末充电市集", "充电市集·便民服务进集市", "充电市集·职达未来招聘夜市"), 26),
    BrandSpec("PP004", "上之约", "中心", "文化服务", (2021, 1, 1), 24, None, (9, 30), 120, "群众",
               ("上之约·{term}民俗展演",), 34),
    BrandSpec("PP005", "我们的家乡戏", "峡窝镇", "文化服务", (2023, 1, 1), 18, None, (19, 0), 120, "群众",
               ("我们的家乡戏：《文明新风吹来新气象》", "我们的家乡戏·文艺轻骑兵进村", "咱村有戏·家乡戏展演"), 30),
    BrandSpec("PP006", "五云秀场", "五云秀场", "文化服务", (2023, 4, 1), 18, (5, 6), (19, 30), 120, "群众",
               ("五云秀场·百姓大舞台", "五云秀场·四季村晚", "五云秀场·剪纸展示"), 30),
    BrandSpec("PP007", "星光课堂", "新安路街道", "教育服务", (2024, 3, 1), 40, (1, 3), (19, 30), 90, "上班族",
               ("星光课堂·插花", "星光课堂·摄影入门", "星光课堂·短视频剪辑", "星光课堂·茶艺"), 15),
    BrandSpec("PP008", "草堂叙语", "兴华社区", "移风易俗", (2022, 6, 1), 14, None, (15, 0), 90, "群众",
               ("草堂叙语·邻里议事会", "草堂叙语·家风家训分享"), 16),
    BrandSpec("PP009", "暖心家园", "工业路社区", "关爱帮扶", (2021, 9, 1), 22, None, (9, 30), 120, "困难群众",
               ("暖心家园·暖心关爱行动", "暖心家园·圆梦微心愿", "暖心家园·我们的节日"), 12),
    BrandSpec("PP010", "健康直通车", "峡窝镇", "卫生健康", (2022, 4, 1), 12, None, (8, 30), 180, "老年人",
               ("健康直通车·健康守护日义诊",), 36),
    BrandSpec("PP011", "先锋巴士", "五云山红色教育基地", "理论宣讲", (2023, 7, 1), 20, (5, 6), (9, 0), 180, "党员群众",
               ("先锋巴士·五云山红色教育专线", "先锋巴士·流动红色学堂"), 28),
    BrandSpec("PP012", "文明微光", "矿山街道", "便民服务", (2023, 3, 1), 20, None, (9, 0), 120, "群众",
               ("文明微光·帮办代办", "文明微光·楼道美化", "文明微光·共享雨具热水"), 18),
)  # fmt: skip
POOR_BRAND = "PP007"  # 星光课堂: the one to adjust (seed 001: 对满意度不高的活动和项目进行动态调整)


@dataclass
class Unit:
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
class Activity:
    """One activity of the detailed county with everything recorded about it."""

    unit: Unit
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
class Order:
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
class County:
    """The simulated year of the detailed county, before any file is written."""

    units: list[Unit]
    divisions: list[tuple[str, str, str]]
    brands: list[BrandSpec]
    activities: list[Activity]
    orders: list[Order]
    targets: list[tuple[str, str, float | str]]


def plan_shangjie(rng: random.Random, cal: Calendar, parent_id: str | None) -> County:
    """Units and divisions of 上街区 (nothing simulated yet)."""
    year = cal.year
    units: list[Unit] = []
    divisions: list[tuple[str, str, str]] = [(f"{COUNTY_CODE}000000", COUNTY_NAME, "")]
    centre = Unit(
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
        institute = Unit(
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
        town_units: list[Unit] = []
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
            unit = Unit(
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
        unit = Unit(
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
        unit = Unit(
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
    return County(units, divisions, list(BRANDS), [], [], [])
