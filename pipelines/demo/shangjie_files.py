"""All the files of 上街区: 基础信息.xlsx (units, brands, targets), divisions,
activity ledgers, sign-ins, ratings and orders, each with its own export's quirks.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from pipelines.demo.activity_ledgers import write_activity_ledgers
from pipelines.demo.common import Calendar, format_moment
from pipelines.demo.integrity_plants import write_plants
from pipelines.demo.shangjie_plan import (
    COUNTY_ACTIVITIES,
    COUNTY_CODE,
    COUNTY_NAME,
    Activity,
    County,
    Order,
    plan_shangjie,
)
from pipelines.demo.shangjie_sim import simulate_shangjie
from pipelines.demo.vocabulary import CATEGORY_ALIASES, SCORE_WORDS
from pipelines.demo.writer import Writer, XSheet

EARLIER_VOLUME = 0.88  # each earlier year held this share of the next year's activities


def write_county(w: Writer, base: str, cal: Calendar, seed: int, parent_id: str | None) -> None:
    """上街区 over every year of ``cal``: the reporting year in full, earlier years' ledgers."""
    this_year = cal if cal.first.year == cal.year else Calendar(cal.year)
    rng = random.Random(seed)
    county = plan_shangjie(rng, this_year, parent_id)
    simulate_shangjie(rng, this_year, county, COUNTY_ACTIVITIES)
    _write_shangjie(w, base, county, this_year, rng)
    write_plants(w, base, county, this_year)  # the integrity audit's patterns, in backfill/
    for year in cal.years[:-1]:
        earlier = Calendar(year)
        rng = random.Random(f"{seed}-{year}")
        volume = round(COUNTY_ACTIVITIES * EARLIER_VOLUME ** (cal.year - year))
        past = _county_in(county, earlier)
        simulate_shangjie(rng, earlier, past, volume)
        _write_ledgers(w, base, past, earlier, rng, clean=True)


def _county_in(county: County, cal: Calendar) -> County:
    """The county as it stood in an earlier year: the units 挂牌 by its end, each active all
    year (the reporting year's idle stations were still busy then); no activities yet.
    """
    last = len(cal.days) - 1
    units = [
        replace(u, active_from=max(0, (u.opened_on - cal.first).days), active_to=last)
        if u.opened_on
        else replace(u, active_from=0, active_to=last)
        for u in county.units
        if u.opened_on is None or u.opened_on <= cal.days[-1]
    ]
    return County(units, county.divisions, county.brands, [], [], [])


def _write_shangjie(
    w: Writer, base: str, county: County, cal: Calendar, rng: random.Random
) -> None:
    """All the files of the detailed county, under ``base`` (a folder prefix, '' at county scale)."""
    _write_basics(w, f"{base}基础信息.xlsx", county, cal)
    _write_divisions(w, f"{base}divisions/{COUNTY_NAME}统计用区划代码.csv", county)
    _write_ledgers(w, base, county, cal, rng, clean=False)


def _write_ledgers(
    w: Writer, base: str, county: County, cal: Calendar, rng: random.Random, *, clean: bool
) -> None:
    """One year's activity ledgers, sign-ins, ratings and orders; ``clean``: no bad rows or
    re-sends (those are the reporting year's, listed once in the summary).
    """
    write_activity_ledgers(w, base, county, cal, rng, clean=clean)
    _write_attendance(w, base, county, cal, rng, clean=clean)
    _write_ratings(w, base, county, cal, rng, clean=clean)
    _write_orders(w, f"{base}orders/群众点单台账_{cal.year}年.csv", county, cal, clean=clean)


def _write_basics(w: Writer, rel: str, county: County, cal: Calendar) -> None:
    """基础信息.xlsx: one workbook, one sheet per table (units, brands, targets)."""
    rng = random.Random(f"basics-{cal.year}")
    year = cal.year
    units = XSheet("阵地", header_rows=(0,), width=16)
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

    brands = XSheet("品牌项目", header_rows=(0,), width=18)
    brands.add(["项目编码", "项目名称", "所属阵地编码", "服务类别", "创建日期"])
    by_place = {u.place: u for u in county.units}
    for spec in county.brands:
        owner = county.units[0] if spec.owner == "中心" else by_place[spec.owner]
        brands.add([spec.brand_id, spec.name, owner.unit_id, spec.category, date(*spec.started)])
    w.count("brands", len(county.brands))

    targets = XSheet("年度目标", header_rows=(1,), width=16)
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


def _write_divisions(w: Writer, rel: str, county: County) -> None:
    """The county's 区划 list, with 常住人口 for each village (community) and none above."""
    rows = [["统计用区划代码", "城乡分类代码", "名称", "常住人口"]]
    for code, name, urban_rural in county.divisions:
        people = ""
        if not code.endswith("000"):  # a village: communities in town are the larger ones
            low, high = (800, 3200) if urban_rural == "220" else (2500, 9000)
            people = str(random.Random(f"population-{code}").randint(low, high))
        rows.append([code, urban_rural, name, people])
    rows.append([f"{COUNTY_CODE}10018", "220", "峡窝镇新村村委会", "1500"])
    w.bad(rel, len(rows), "divisions", "division code 41010610018 has 11 digits, not 12")
    w.count("divisions", len(rows) - 1)
    w.csv(rel, rows, "utf-8")


def _group(rng: random.Random, act: Activity) -> str:
    return act.target_group if rng.random() < 0.7 else "群众"


def _write_attendance(
    w: Writer, base: str, county: County, cal: Calendar, rng: random.Random, *, clean: bool
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
            stamp = format_moment(checked, "iso") if checked else ""
            rows.append([act.activity_id, person, "", stamp, _group(rng, act)])
        for heads in act.headcounts:
            rows.append([act.activity_id, "", str(heads), "", "群众"])
        if act.activity_id == typo_after and act.signins and not clean:
            person = act.signins[0][0]
            rows.append([act.activity_id[:-1], person, "", format_moment(act.start, "iso"), "群众"])
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
            stamp = format_moment(checked, "iso_s") if checked else ""
            rows.append([act.activity_id, person, "1", stamp, _group(rng, act), "群众"])
        for heads in act.headcounts:
            rows.append([act.activity_id, "", str(heads), "", "群众", "群众"])
        if act is extra_after and not clean:
            taken = {p for p, _ in act.signins}
            person = next(p for p in act.unit.pool if p not in taken)
            rows.append(
                [act.activity_id, person, "2", format_moment(act.start, "iso_s"), "群众", "群众"]
            )
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
            rows.append([act.activity_id, volunteer, format_moment(checked, "slash")])
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
    w: Writer, base: str, county: County, cal: Calendar, rng: random.Random, *, clean: bool
) -> None:
    """群众评单: a workbook for the first half year, a CSV with other headers for the second."""
    year = cal.year
    acts = county.activities
    rel = f"{base}ratings/群众评单_{year}年上半年.xlsx"
    sheet = XSheet("评单", header_rows=(1,), width=16)
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
                when = format_moment(rated, "slash")
            sheet.add([act.activity_id, rater, _score_cell(rng, score, True), comment, when])
            n += 1
        if act is early and not clean:
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
                    format_moment(rated, "cn") if rated else "",
                ]
            )
        if act is six_after and not clean:
            rows.append([act.activity_id, "", "6", "非常好", format_moment(act.end, "cn")])
            w.bad(rel, len(rows), "ratings", f"score 6 (scores are 1-5) for {act.activity_id}")
            rows.append([f"HD{year}009999", "", "5", "", format_moment(act.end, "cn")])
            w.bad(rel, len(rows), "ratings", f"unknown activity HD{year}009999")
    w.count("ratings", len(rows) - 1)
    w.csv(rel, rows, "utf-8")


def _write_orders(w: Writer, rel: str, county: County, cal: Calendar, *, clean: bool) -> None:
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
    bad = Order(
        datetime(y, 11, 3, 9, 0), "便民服务", "小区需要磨刀修鞋服务", f"Z{COUNTY_CODE}001002",
        datetime(y, 11, 3, 15, 0), f"Z{COUNTY_CODE}001002", datetime(y, 11, 3, 11, 0), status="已接单",
        order_id=f"DD{y}{len(county.orders) + 1:06d}",
    )  # fmt: skip
    orders = sorted([*county.orders, *([] if clean else [bad])], key=lambda o: o.ordered_at)
    for order in orders:

        def stamp(moment: datetime | None) -> str:
            return format_moment(moment, "iso") if moment else ""

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
