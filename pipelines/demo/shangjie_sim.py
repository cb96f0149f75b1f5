"""A year of 上街区: activities (brands and the rest), their sign-ins, ratings and
reported headcounts, the citizens' orders behind some of them, and the targets.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from pipelines.demo.common import (
    SOLAR_TERMS,
    Calendar,
    cumulate,
    into_daytime,
    nice_target,
    pick_cum,
    round_up,
)
from pipelines.demo.shangjie_plan import JOINT_NAME, POOR_BRAND, Activity, County, Order, Unit
from pipelines.demo.vocabulary import (
    CATEGORIES,
    COMPLAINTS,
    DEMANDS,
    DURATIONS,
    FESTIVAL_TITLES,
    LEVEL_MIX,
    LUKEWARM,
    PRAISE,
    PROFILE,
    SCORES_POOR,
    SIGNINS,
    SLOTS,
    TARGET_GROUPS,
    TITLES,
)


def _title(rng: random.Random, cal: Calendar, category: str, place: str, day: date) -> str:
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


def pick_location(rng: random.Random, unit: Unit) -> str:
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


def _attend(rng: random.Random, act: Activity, year_end: datetime) -> None:
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
        act.reported = round_up(actual) + (100 if rng.random() < 0.3 else 0)
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
        score = pick_cum(rng, act.scores) + 1
        r = rng.random()
        if score >= 4:
            comment = rng.choice(PRAISE) if r < 0.35 else ""
        elif score == 3:
            comment = rng.choice(LUKEWARM + COMPLAINTS) if r < 0.45 else ""
        else:
            comment = rng.choice(COMPLAINTS) if r < 0.8 else ""
        rated = into_daytime(act.end + timedelta(minutes=rng.randint(5, 2880)), 7, 23)
        if rated < act.end:
            rated = act.end + timedelta(minutes=rng.randint(1, 20))
        rated = None if rng.random() < 0.1 else max(act.end, min(rated, year_end))
        act.ratings.append((rater, score, comment, rated))


def simulate_shangjie(rng: random.Random, cal: Calendar, county: County, total: int) -> None:
    """Fill the county with a year of activities, orders and targets."""
    year = cal.year
    units = county.units
    centre = units[0]
    by_place = {u.place: u for u in units}
    acts: list[Activity] = []
    for spec in county.brands:
        owner = centre if spec.owner == "中心" else by_place[spec.owner]
        days: list[tuple[int, str]] = []
        if spec.brand_id == "PP004":  # 上之约 follows the 24 solar terms
            days = [(cal.index(date(year, m, d)), term) for m, d, term in SOLAR_TERMS]
        elif spec.per_year == 12:  # monthly 健康守护日
            days = [(cal.index(date(year, m, rng.randint(10, 20))), "") for m in range(1, 13)]
        else:
            taken: dict[int, None] = {}
            started = max(0, (date(*spec.started) - cal.first).days)  # no session before launch
            lo = max(owner.active_from, started)
            for _ in range(spec.per_year * 20):
                if len(days) >= spec.per_year:
                    break
                i = cal.pick(rng, PROFILE.get(spec.category, "base"), lo, owner.active_to)
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
            act = Activity(
                owner,
                spec.category,
                start,
                start + timedelta(minutes=spec.minutes),
                rng.choice(spec.titles).format(term=term),
                brand_id=spec.brand_id,
                target_group=spec.target_group,
                location=pick_location(rng, owner),
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
    cum = cumulate(u.weight * (u.active_to - u.active_from + 1) / span for u in stations)
    for _ in range(max(0, total - len(acts) - sum(counts.values()))):
        unit = stations[pick_cum(rng, cum)]
        counts[unit.unit_id] = counts.get(unit.unit_id, 0) + 1
    mixes = {level: cumulate(w) for level, w in LEVEL_MIX.items()}
    for unit in units:
        for _ in range(counts.get(unit.unit_id, 0)):
            if unit.theme and rng.random() < 0.7:
                category = unit.theme
            else:
                category = CATEGORIES[
                    pick_cum(rng, mixes[unit.level if unit.level in mixes else "站"])
                ]
            i = cal.pick(rng, PROFILE.get(category, "base"), unit.active_from, unit.active_to)
            day = cal.days[i]
            start = datetime(day.year, day.month, day.day, *rng.choice(SLOTS[category]))
            act = Activity(
                unit,
                category,
                start,
                start + timedelta(minutes=rng.choice(DURATIONS[category])),
                _title(rng, cal, category, unit.place, day),
                target_group=rng.choice(TARGET_GROUPS[category]),
                location=pick_location(rng, unit),
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
    rng: random.Random, cal: Calendar, stations: list[Unit], acts: list[Activity]
) -> None:
    """Only the stations meant to fall idle go quiet at the year's end.

    With about fifteen activities a year, chance alone leaves a station without
    any in November and December; move one of its activities into that window.
    """
    window = cal.index(date(cal.year, 11, 8))
    own: dict[str, list[Activity]] = {}
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
    rng: random.Random, cal: Calendar, county: County, acts: list[Activity]
) -> list[Order]:
    """About a fifth of the activities answer a citizen's order; some orders go nowhere."""
    year = cal.year
    first = datetime(year, 1, 1, 8, 0)
    by_id = {u.unit_id: u for u in county.units}
    stations = [u for u in county.units if u.level == "站" and u.weight > 0]
    orders: list[Order] = []
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
        dispatched = into_daytime(ordered + gap * (0.02 + 0.25 * rng.random()))
        accepted = into_daytime(dispatched + (act.start - dispatched) * (0.05 + 0.4 * rng.random()))
        dispatched = min(max(dispatched, ordered), act.start)
        accepted = min(max(accepted, dispatched), act.start)
        order = Order(
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
        order = Order(
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


def _person_times(act: Activity) -> int:
    """服务人次 of one activity as the contract defines it."""
    if act.signins or act.headcounts:
        return len(act.signins) + sum(act.headcounts)
    return act.reported or 0


def _targets_for(rng: random.Random, county: County) -> list[tuple[str, str, float | str]]:
    """Yearly targets of the 中心 and each 所, set near (some above) what the year brought."""
    targets: list[tuple[str, str, float | str]] = []
    scopes = [u for u in county.units if u.level in ("中心", "所")]
    for unit in scopes:
        acts = [
            a for a in county.activities if unit.level == "中心" or a.unit.town_id == unit.unit_id
        ]
        factor = 1.0 if unit.level == "中心" else rng.choice((0.8, 0.9, 1.0, 1.1, 1.25))
        hours = sum(max(a.volunteer_hours, 0) for a in acts)
        targets.append((unit.unit_id, "活动场次", nice_target(len(acts) * factor)))
        targets.append(
            (unit.unit_id, "服务人次", nice_target(sum(map(_person_times, acts)) * factor))
        )
        targets.append((unit.unit_id, "志愿服务时长", nice_target(hours * factor)))
        targets.append(
            (
                unit.unit_id,
                "满意率",
                "90%" if unit.level == "中心" else rng.choice(("90%", 0.9, "85%", 0.92)),
            )
        )
    return targets
