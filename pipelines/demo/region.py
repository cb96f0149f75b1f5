"""A city (10 counties) or a province (17 cities): the plan of counties and their
share of activities, the province and city units, 上街区 in detail and the rest
streamed.
"""

from __future__ import annotations

import random

from pipelines.demo.common import Calendar
from pipelines.demo.shangjie_files import write_county
from pipelines.demo.shangjie_plan import CITY_CODE, COUNTY_ACTIVITIES, COUNTY_CODE, COUNTY_NAME
from pipelines.demo.synthetic import (
    DIVISIONS_HEADER,
    UNITS_HEADER,
    CountyPlan,
    SyntheticCounty,
    place_name,
)
from pipelines.demo.writer import Writer

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


def _plan_region(scale: str, seed: int) -> list[CountyPlan]:
    """Every county of the region with its town and village counts, and its share of activities."""
    n_cities, per_city, total, _, _ = REGIONS[scale]
    rng = random.Random(f"{seed}-{scale}-plan")
    plans: list[CountyPlan] = []
    taken: dict[str, None] = {}
    for city_code, city_name, lng, lat in HENAN_CITIES[:n_cities]:
        if city_code == CITY_CODE:
            plans.append(CountyPlan(city_code, city_name, COUNTY_CODE, COUNTY_NAME))
            named = list(ZHENGZHOU_COUNTIES[: per_city - 1])
        else:
            named = []
            for k in range(per_city):
                tail = "区" if k < 2 else rng.choice(("县", "县", "市"))
                named.append((f"{city_code}{k + 2:02d}", place_name(rng, taken, tail)))
        for code, name in named:
            villages = [rng.randint(14, 30) for _ in range(rng.randint(10, 18))]
            spot = (round(lng + rng.uniform(-0.5, 0.5), 4), round(lat + rng.uniform(-0.4, 0.4), 4))
            plans.append(CountyPlan(city_code, city_name, code, name, villages, 0, *spot))
    synthetic = sum(sum(p.villages) for p in plans)
    remaining = total - COUNTY_ACTIVITIES
    for plan in plans:
        plan.activities = (
            COUNTY_ACTIVITIES
            if not plan.villages
            else round(remaining * sum(plan.villages) / synthetic)
        )
    return plans


def write_region(w: Writer, scale: str, cal: Calendar, seed: int, max_counties: int | None) -> None:
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
            write_county(w, folder, cal, seed, f"ZX{plan.city_code}")
            continue
        if max_counties is not None and done >= max_counties:
            continue
        SyntheticCounty(plan, cal, seed, rows_per_activity, ratings_per_activity).write(w, folder)
        done += 1
