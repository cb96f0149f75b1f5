"""The demo's calendar (春节, solar terms, seasonal day weights), weighted sampling,
and the ways ledgers write dates, hours and round numbers.
"""

from __future__ import annotations

import bisect
import random
from datetime import date, datetime, timedelta

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


def spring_festival(year: int) -> date:
    return SPRING_FESTIVAL.get(year, date(year, 2, 1))


class Calendar:
    """The days from 1 January of ``first_year`` (default: ``year``) to 31 December of
    ``year`` (the reporting year) and, per seasonal profile, cumulative day weights for
    sampling; each day is weighted by its own year's 春节.
    """

    def __init__(self, year: int, first_year: int | None = None):
        self.year = year
        self.first = date(first_year or year, 1, 1)
        n = (date(year + 1, 1, 1) - self.first).days
        self.days = [self.first + timedelta(i) for i in range(n)]
        self.spring = spring_festival(year)
        springs = {y: spring_festival(y) for y in range(self.first.year, year + 1)}
        self.cum: dict[str, list[float]] = {}
        for profile in ("base", "theory", "education", "culture", "care"):
            total, acc = 0.0, []
            for day in self.days:
                total += _day_weight(profile, day, springs[day.year])
                acc.append(total)
            self.cum[profile] = acc

    @property
    def years(self) -> range:
        """Every calendar year the span covers, the reporting year last."""
        return range(self.first.year, self.year + 1)

    def index(self, day: date) -> int:
        return (day - self.first).days

    def pick(self, rng: random.Random, profile: str, lo: int = 0, hi: int | None = None) -> int:
        """A day index in [lo, hi] drawn by the profile's weights."""
        cum = self.cum[profile]
        hi = len(cum) - 1 if hi is None else hi
        base = cum[lo - 1] if lo > 0 else 0.0
        r = base + rng.random() * (cum[hi] - base)
        return min(hi, max(lo, bisect.bisect_left(cum, r)))


def pick_cum(rng: random.Random, cum: tuple[float, ...] | list[float]) -> int:
    return bisect.bisect_left(cum, rng.random() * cum[-1])


def cumulate(weights) -> list[float]:
    acc, total = [], 0.0
    for w in weights:
        total += w
        acc.append(total)
    return acc


def format_moment(moment: datetime, style: str, with_time: bool = True) -> str:
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


def nice_target(value: float) -> int:
    """A target as people set them: two significant digits."""
    if value <= 0:
        return 0
    step = 10 ** max(0, len(str(int(value))) - 2)
    return max(step, int(round(value / step)) * step)


def into_daytime(moment: datetime, first: int = 8, last: int = 21) -> datetime:
    """The same day, moved into office hours: nobody dispatches an order at 3 a.m."""
    if moment.hour < first:
        return moment.replace(hour=first + moment.hour % 2)
    if moment.hour >= last:
        return moment.replace(hour=last - 1 - moment.hour % 2)
    return moment


def format_hours(value: float) -> str:
    return f"{value:g}"


def round_up(value: int) -> int:
    step = 100 if value >= 80 else 50
    return (value // step + 1) * step
