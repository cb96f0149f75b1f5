"""The streamed counties of a city or province: made-up place names and brands, and
one county at a time simulated and written as plain CSV in row batches, so
memory stays flat.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipelines.demo.common import (
    Calendar,
    cumulate,
    format_hours,
    format_moment,
    nice_target,
    pick_cum,
    round_up,
)
from pipelines.demo.ledger_styles import ACT_HEADERS, ACT_KEYS
from pipelines.demo.vocabulary import (
    CATEGORIES,
    CATEGORY_ALIASES,
    COMPLAINTS,
    DEMANDS,
    DURATIONS,
    LEVEL_MIX,
    PRAISE,
    PROFILE,
    SCORE_WORDS,
    SCORES_GOOD,
    SCORES_POOR,
    SIGNINS,
    SLOTS,
    TARGET_GROUPS,
    TITLES,
)
from pipelines.demo.writer import Writer

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
class CountyPlan:
    city_code: str
    city_name: str
    code: str
    name: str
    villages: list[int] = field(default_factory=list)  # per town; empty: the detailed 上街区
    activities: int = 0
    lng: float = 113.62
    lat: float = 34.75


def place_name(rng: random.Random, taken: dict[str, None], tail: str) -> str:
    for _ in range(200):
        name = rng.choice(NAME_HEAD) + rng.choice(NAME_TAIL) + tail
        if name not in taken:
            taken[name] = None
            return name
    name = f"{rng.choice(NAME_HEAD)}{len(taken)}{tail}"
    taken[name] = None
    return name


class SyntheticCounty:
    """One county of a city or province, written as plain CSV while it is simulated.

    Only the county's own structure is held in memory; activities are generated for
    every year of the calendar (its units are those of the reporting year), sorted,
    then written with their sign-ins, ratings and orders in row batches; targets are
    the reporting year's.
    """

    def __init__(self, plan: CountyPlan, cal: Calendar, seed: int, rows: int, ratings: int):
        self.plan = plan
        self.cal = cal
        self.rng = random.Random(f"{seed}-{plan.code}")
        self.rows_per_activity = rows
        self.ratings_per_activity = ratings
        self.encoding = self.rng.choice(("utf-8-sig", "utf-8", "utf-8-sig", "gb18030"))
        style = self.rng.choice(("iso", "slash", "cn"))
        midnight = datetime(cal.year, 1, 1)
        self.day_text = [
            format_moment(datetime(d.year, d.month, d.day), style, False) for d in cal.days
        ]
        self.clock = [
            format_moment(midnight + timedelta(minutes=m), style)[len(self.day_text[0]) + 1 :]
            for m in range(1440)
        ]

    def _stamp(self, day: int, minute: int) -> str:
        return f"{self.day_text[day]} {self.clock[min(minute, 1439)]}"

    def write(self, w: Writer, folder: str) -> None:
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
            town = place_name(rng, taken, "街道" if street else rng.choice("镇镇乡"))
            town_id = f"S{town_code}"
            tlng, tlat = lng0 + rng.uniform(-0.2, 0.2), lat0 + rng.uniform(-0.15, 0.15)
            units.append([town_id, f"{town}新时代文明实践所", "所", centre_id, f"{town_code}000", "",
                          f"{year - rng.randint(3, 5)}-{rng.randint(1, 12):02d}-01", "", f"{tlng:.4f}", f"{tlat:.4f}"])  # fmt: skip
            divisions.append([f"{town_code}000", "", town + ("办事处" if street else "")])
            villages = []
            for v in range(n_villages):
                vcode = f"{town_code}{v + 1:03d}"
                vname = place_name(rng, taken, "社区" if street else "村")
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
                [str(year), unit_id, "活动场次", str(nice_target(n * factor))],
                [str(year), unit_id, "服务人次", str(nice_target(person_times * factor))],
                [str(year), unit_id, "志愿服务时长", str(nice_target(hours * factor))],
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
        w: Writer,
        folder: str,
        acting: list[list],
        pids: list[str],
        brand_of: dict[int, tuple[str, int, bool, str]],
    ) -> dict[str, tuple[int, int, float]]:
        """Activities with their attendance, ratings and orders; returns per-scope totals of
        the reporting year.
        """
        rng, cal, code = self.rng, self.cal, self.plan.code
        day_year = [d.year for d in cal.days]
        span = len(cal.days)
        cum = cumulate(u[8] * (u[6] - u[5] + 1) / span for u in acting)
        mixes = {level: cumulate(weights) for level, weights in LEVEL_MIX.items()}
        profiles = [PROFILE.get(c, "base") for c in CATEGORIES]
        plan_rows: list[tuple[int, int, int, int]] = []
        for _ in range(self.plan.activities):
            u = pick_cum(rng, cum)
            unit = acting[u]
            brand = brand_of.get(u)
            if brand and rng.random() < 0.35:
                c = brand[1]
            else:
                c = pick_cum(rng, mixes[unit[1]])
            day = cal.pick(rng, profiles[c], unit[5], unit[6])
            h, m = rng.choice(SLOTS[CATEGORIES[c]])
            plan_rows.append((day, h * 60 + m, u, c))
        plan_rows.sort()
        # sign-ins per activity so that all attendance rows average rows_per_activity
        scale = (self.rows_per_activity - 4.0) / 22.5
        volunteers_per_town = 40
        enc = self.encoding
        paths = {
            name: w.file_path(folder + name)
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
            year = day_year[day]
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
                reported = round_up(person_times)
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
                f"{source},{order_id},{volunteer_count},{format_hours(hours)},{group},"
                f"{reported if reported >= 0 else ''},{unit[9]}\n"
            )
            for scope in (centre, unit[7]):
                if scope and year == cal.year:
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
