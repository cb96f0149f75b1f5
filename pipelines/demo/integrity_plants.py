"""Padded figures planted in a few named stations of 上街区, so the page 数据可信度 has
something to show: each pattern of the integrity audit (docs/figures.md, 数据可信度核查)
in its own stations, as 补报 (late-filed) ledgers under ``backfill/``.

Runs after the county is simulated and reads its units and activities; it only adds
files and rows (new activities, sign-ins and ratings, some on existing activities), so
the rows the other generators write stay as they are. Deterministic: one
``random.Random`` seeded by the year.

    1 同一人分身两处  东苑社区's timed activities get a twin at 西苑社区 15 minutes later,
                     signed in by five of the same persons
    2 签到表雷同      南林社区 and 河阳社区: two activities with the same 12 sign-ins, and
                     one day's 垃圾分类志愿宣传 with the same numbers at both
    3 整数堆积        西涧沟村: 20 activities of 50 or 100 人次 and 8 or 12 hours
    4 期末突击        洛阳路社区: 12 activities on months' last three days
    5 时长不可能      金华社区: hours without volunteers, 30 hours for 2 volunteers, one
                     volunteer's 服务时长 of 5 hours in a 2-hour activity
    6 人次不可能      鹤壁路社区: 200 人次 written over 20 recorded
    7 评价不可能      华钰社区 rated before its activity ended; one rater gives 长安社区
                     six 5-star ratings; one comment on 光明社区's and 安居社区's activities
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from pipelines.demo.common import Calendar, format_moment
from pipelines.demo.shangjie_plan import Activity, County, Unit
from pipelines.demo.writer import Writer

FOLDER = "backfill/"  # ASCII: sorts before a later ledger of any Chinese name, so an
# append of it stays an append (pipelines/append.py numbers rows in file order)
OVERLAP = ("东苑社区", "西苑社区")
COPIED = ("南林社区", "河阳社区")
HEAPING = "西涧沟村"
BURST = "洛阳路社区"
HOURS = "金华社区"
HEADCOUNT = "鹤壁路社区"
RATED_EARLY = "华钰社区"
ALL_FIVE = "长安社区"
COMMENTED = ("光明社区", "安居社区")
COMMENT = "活动组织得非常好，志愿者服务热情周到，希望以后多多举办"

ACTIVITY_HEAD = [
    "活动编码", "活动名称", "阵地编码", "服务类别", "开始时间", "结束时间",
    "志愿者人数", "志愿服务时长（小时）", "参与人次", "服务对象", "品牌项目编码", "点单编号",
]  # fmt: skip


class _Plants:
    """The rows of the three 补报 files, numbered as they are added."""

    def __init__(self, year: int):
        self.year = year
        self.activities: list[list[str]] = []
        self.attendance: list[list[str]] = []
        self.ratings: list[list[str]] = []

    def activity(
        self,
        unit: Unit,
        title: str,
        start: datetime,
        minutes: int = 120,
        *,
        category: str = "便民服务",
        volunteers: int = 3,
        hours: float = 6,
        reported: int | None = None,
    ) -> str:
        activity_id = f"BB{self.year}{len(self.activities) + 1:04d}"
        self.activities.append(
            [
                activity_id,
                title,
                unit.unit_id,
                category,
                format_moment(start, "iso"),
                format_moment(start + timedelta(minutes=minutes), "iso"),
                str(volunteers),
                f"{hours:g}",
                "" if reported is None else str(reported),
                "群众",
                "",
                "",
            ]
        )
        return activity_id

    def sign_in(
        self,
        activity_id: str,
        person: str,
        at: datetime | None,
        role: str = "群众",
        hours: float | None = None,
    ) -> None:
        stamp = format_moment(at, "iso") if at else ""
        served = "" if hours is None else f"{hours:g}"
        self.attendance.append([activity_id, person, "1", stamp, role, served])

    def headcount(self, activity_id: str, heads: int) -> None:
        self.attendance.append([activity_id, "", str(heads), "", "群众", ""])

    def rate(self, activity_id: str, rater: str, score: int, comment: str, at: datetime) -> None:
        self.ratings.append([activity_id, rater, str(score), comment, format_moment(at, "iso")])


def write_plants(w: Writer, base: str, county: County, cal: Calendar) -> None:
    """Write the 补报 files of the planted patterns under ``base`` + ``backfill/``."""
    rng = random.Random(f"integrity-{cal.year}")
    station = {u.place: u for u in county.units if u.level == "站"}
    held = {}
    for act in county.activities:
        if act.start.year == cal.year:
            held.setdefault(act.unit.place, []).append(act)
    plants = _Plants(cal.year)
    _overlap(plants, station, held)
    _copied(plants, station, cal, rng)
    _heaping(plants, station[HEAPING], cal)
    _burst(plants, station[BURST], cal)
    _hours(plants, station[HOURS], cal)
    _headcount(plants, station[HEADCOUNT], cal)
    _ratings(plants, held, rng)

    folder = f"{base}{FOLDER}"
    w.csv(
        f"{folder}补报活动台账_{cal.year}年.csv", [ACTIVITY_HEAD, *plants.activities], "utf-8-sig"
    )
    w.count("activities", len(plants.activities))
    w.csv(
        f"{folder}补报签到记录_{cal.year}年.csv",
        [
            ["活动编码", "参与者编号", "人数", "签到时间", "身份", "服务时长（小时）"],
            *plants.attendance,
        ],
        "utf-8-sig",
    )
    w.count("attendance", len(plants.attendance))
    w.csv(
        f"{folder}补报评单_{cal.year}年.csv",
        [["活动编码", "评价人编号", "满意度", "评价内容", "评价时间"], *plants.ratings],
        "utf-8-sig",
    )
    w.count("ratings", len(plants.ratings))


def _timed(acts: list[Activity]) -> list[Activity]:
    return [a for a in acts if not a.date_only and len(a.signins) >= 5]


def _overlap(plants: _Plants, station: dict[str, Unit], held: dict[str, list[Activity]]):
    first, second = station[OVERLAP[0]], station[OVERLAP[1]]
    for act in _timed(held.get(first.place, []))[:3]:
        start = act.start + timedelta(minutes=15)
        twin = plants.activity(second, f"{second.place}邻里互助服务", start, 90)
        for person, _ in act.signins[:5]:
            plants.sign_in(twin, person, start - timedelta(minutes=5))


def _copied(plants: _Plants, station: dict[str, Unit], cal: Calendar, rng: random.Random):
    first, second = station[COPIED[0]], station[COPIED[1]]
    sheet = [f"J{cal.year}{n:04d}" for n in range(1, 13)]
    for unit, day in ((first, date(cal.year, 5, 14)), (second, date(cal.year, 5, 21))):
        start = datetime(day.year, day.month, day.day, 9, 0)
        activity_id = plants.activity(unit, f"{unit.place}文明实践志愿服务", start)
        for person in sheet:
            plants.sign_in(activity_id, person, start - timedelta(minutes=rng.randint(1, 20)))
    day = date(cal.year, 6, 18)
    for unit, hour in ((first, 9), (second, 15)):
        start = datetime(day.year, day.month, day.day, hour, 0)
        plants.activity(unit, "垃圾分类志愿宣传", start, volunteers=6, hours=12, reported=60)


def _heaping(plants: _Plants, unit: Unit, cal: Calendar) -> None:
    for n in range(20):
        day = date(cal.year, 1 + n % 12, 10 + n // 12 * 4)
        start = datetime(day.year, day.month, day.day, 9, 30)
        plants.activity(
            unit,
            f"{unit.place}便民服务日",
            start,
            240,
            volunteers=2 if n % 2 else 3,
            hours=8 if n % 2 else 12,
            reported=50 if n % 3 else 100,
        )


def _burst(plants: _Plants, unit: Unit, cal: Calendar) -> None:
    for month in range(1, 13):
        last = (date(cal.year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        day = last - timedelta(days=month % 3)
        start = datetime(day.year, day.month, day.day, 15, 0)
        plants.activity(unit, f"{unit.place}月末集中宣讲", start, 90, category="理论宣讲")


def _hours(plants: _Plants, unit: Unit, cal: Calendar) -> None:
    for month, volunteers, hours in ((3, 0, 16), (7, 0, 24), (10, 2, 30)):
        start = datetime(cal.year, month, 12, 9, 0)
        plants.activity(
            unit, f"{unit.place}志愿服务活动", start, volunteers=volunteers, hours=hours
        )
    # one volunteer's 服务时长 of 5 hours in an activity of 2
    start = datetime(cal.year, 11, 12, 9, 0)
    activity_id = plants.activity(unit, f"{unit.place}志愿服务活动", start, volunteers=1, hours=5)
    volunteer = unit.volunteers[0] if unit.volunteers else f"V{cal.year}0001"
    plants.sign_in(activity_id, volunteer, start - timedelta(minutes=20), "志愿者", hours=5)


def _headcount(plants: _Plants, unit: Unit, cal: Calendar) -> None:
    for month in (4, 8, 11):
        start = datetime(cal.year, month, 16, 9, 0)
        activity_id = plants.activity(unit, f"{unit.place}广场宣传", start, reported=200)
        plants.headcount(activity_id, 20)


def _ratings(plants: _Plants, held: dict[str, list[Activity]], rng: random.Random) -> None:
    for act in [a for a in held.get(RATED_EARLY, []) if not a.date_only][:2]:
        plants.rate(act.activity_id, "", 5, "", act.start + timedelta(minutes=10))
    rater = "PJ0001"
    for act in held.get(ALL_FIVE, [])[:6]:
        plants.rate(act.activity_id, rater, 5, "", act.end + timedelta(hours=rng.randint(1, 20)))
    for place in COMMENTED:
        for act in held.get(place, [])[:3]:
            plants.rate(act.activity_id, "", 5, COMMENT, act.end + timedelta(hours=2))
