"""同比, 环比 and 排名 on a two-year ledger set written here as CSV and built once.

Units: 中心 ZX; 所 SA (stations ZA1, ZA2) and SB (station ZB1). 区划 gives 常住人口 for
the three villages (2,000 / 1,000 / 4,000) and two bad rows (-5, 12.5). Every
activity has 参与人次 and no sign-ins, so its 服务人次 is that number. As of
2025-06-30: 本年 is 2025-01-01..06-30 (同比 2024-01-01..06-30), 本季度 is Q2 2025
(同比 Q2 2024, 环比 Q1 2025). Every expected value below is worked out from
``ACTIVITIES`` by the few lines of plain Python next to it.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from page_helpers import sheet_rows, table
from streamlit.testing.v1 import AppTest

from dashboard.comparison import previous_period
from dashboard.metrics import Scope
from pipelines.build import build

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
OVERVIEW, RANKING = "views/01_overview.py", "views/12_ranking.py"
AS_OF = datetime(2025, 6, 30, 23, 59)
CENTRE, SA, SB = "ZX410106", "S410106001", "S410106100"
ZA1, ZA2, ZB1 = "Z410106001001", "Z410106001002", "Z410106100001"
NAMES = {
    CENTRE: "上街区新时代文明实践中心",
    SA: "济源路街道新时代文明实践所",
    SB: "峡窝镇新时代文明实践所",
    ZA1: "朝阳社区新时代文明实践站",
    ZA2: "双桥社区新时代文明实践站",
    ZB1: "峡窝村新时代文明实践站",
}
PARENT = {SA: CENTRE, SB: CENTRE, ZA1: SA, ZA2: SA, ZB1: SB}
POPULATION = {ZA1: 2000, ZA2: 1000, ZB1: 4000}
TOWN = {SA: SA, SB: SB, ZA1: SA, ZA2: SA, ZB1: SB}
ACTIVITIES = [  # (unit, start date, 参与人次)
    (ZA1, date(2024, 2, 10), 30),
    (ZA1, date(2024, 5, 20), 50),
    (ZA1, date(2024, 11, 5), 20),
    (ZA2, date(2024, 3, 15), 10),
    (ZB1, date(2024, 4, 1), 40),
    (ZB1, date(2024, 4, 20), 60),
    (ZA1, date(2025, 1, 12), 40),
    (ZA1, date(2025, 3, 3), 30),
    (ZA1, date(2025, 6, 10), 50),
    (ZA2, date(2025, 2, 1), 10),
    (ZA2, date(2025, 5, 5), 25),
    (ZB1, date(2025, 4, 10), 45),
    (SA, date(2025, 6, 20), 100),
    (ZB1, date(2025, 3, 20), 15),
    (ZB1, date(2025, 1, 25), 5),
]
TARGET_SA_ACTIVITIES = 20  # 2025 活动场次 of SA; SB has none
YEAR = (date(2025, 1, 1), date(2025, 6, 30))
YEAR_BEFORE = (date(2024, 1, 1), date(2024, 6, 30))
Q2, Q2_BEFORE, Q1 = (
    (date(2025, 4, 1), date(2025, 6, 30)),
    (date(2024, 4, 1), date(2024, 6, 30)),
    (date(2025, 1, 1), date(2025, 3, 31)),
)


def _write(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("two_years")
    ledgers = root / "ledgers"
    ledgers.mkdir()
    level = {CENTRE: "中心", SA: "所", SB: "所", ZA1: "站", ZA2: "站", ZB1: "站"}
    division = {CENTRE: "410106000000", SA: "410106001000", SB: "410106100000"}
    division |= {unit: unit[1:] for unit in (ZA1, ZA2, ZB1)}
    _write(
        ledgers / "阵地.csv",
        [["阵地编码", "阵地名称", "层级", "上级编码", "区划代码", "挂牌日期"]]
        + [[u, NAMES[u], level[u], PARENT.get(u, ""), division[u], "2020-01-01"] for u in NAMES],
    )
    _write(
        ledgers / "区划.csv",
        [["区划代码", "名称", "常住人口"]]
        + [[division[u], NAMES[u][:3], ""] for u in (CENTRE, SA, SB)]
        + [[division[u], NAMES[u][:4], str(POPULATION[u])] for u in (ZA1, ZA2, ZB1)]
        + [["410106100002", "马固村委会", "-5"], ["410106100003", "南屯村委会", "12.5"]],
    )
    _write(
        ledgers / "活动.csv",
        [["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间", "参与人次"]]
        + [
            [f"HD{i:04d}", "理论宣讲进社区", unit, "理论宣讲", f"{day} 09:00", str(people)]
            for i, (unit, day, people) in enumerate(ACTIVITIES, 1)
        ],
    )
    _write(
        ledgers / "目标.csv",
        [["年度", "阵地编码", "指标", "目标值"], ["2025", SA, "活动场次", "20"]],
    )
    db = root / "warehouse.duckdb"
    build([ledgers], db, as_of=AS_OF)
    return db


@pytest.fixture
def open_page(two_years, monkeypatch, tmp_path):
    monkeypatch.setenv("WENMING_LEDGERS", str(tmp_path / "ledgers"))
    monkeypatch.setenv("WENMING_DB", str(two_years))

    def run(page: str, **query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def held(units: set[str], period: tuple[date, date]) -> tuple[int, int]:
    """(活动场次, 服务人次) of the activities held by ``units`` in the period."""
    rows = [(u, d, n) for u, d, n in ACTIVITIES if u in units and period[0] <= d <= period[1]]
    return len(rows), sum(n for _, _, n in rows)


def change(now: int, before: int) -> str:
    """A change as a tile writes it: sign, one decimal, rounded down."""
    ratio = Fraction(now - before, before) * 1000
    return f"{'+' if ratio > 0 else ''}{Decimal(math.floor(ratio)) / 10:.1f}%"


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


ALL = set(NAMES)


# --- 同比 and 环比 on the tiles ----------------------------------------------------------------


def test_this_years_tiles_compare_with_last_year_to_the_same_day_and_have_no_huanbi(open_page):
    at = open_page(OVERVIEW)
    now, before = held(ALL, YEAR), held(ALL, YEAR_BEFORE)
    assert now == (9, 320) and before == (5, 190)  # the hand count of ACTIVITIES
    activities, person_times = metric(at, "活动场次"), metric(at, "服务人次")
    assert (activities.value, activities.delta) == (f"{now[0]}场次", change(now[0], before[0]))
    assert (person_times.value, person_times.delta) == (
        f"{now[1]}人次",
        change(now[1], before[1]),
    )
    assert activities.proto.delta_description == "同比"


def test_this_quarters_tiles_show_tongbi_and_the_quarter_before_as_huanbi(open_page):
    at = open_page(OVERVIEW, period="本季度")
    now, last_year, before = held(ALL, Q2), held(ALL, Q2_BEFORE), held(ALL, Q1)
    assert (now, last_year, before) == ((4, 220), (3, 150), (5, 100))
    activities, person_times = metric(at, "活动场次"), metric(at, "服务人次")
    assert activities.value == "4场次"
    assert activities.delta == change(now[0], last_year[0]) == "+33.3%"
    assert activities.proto.delta_description == f"同比　环比 {change(now[0], before[0])}"
    assert change(now[0], before[0]) == "-20.0%"
    assert person_times.delta == change(now[1], last_year[1]) == "+46.6%"
    assert person_times.proto.delta_description == "同比　环比 +120.0%"


def test_a_station_without_activity_a_year_ago_shows_its_huanbi_as_the_delta(open_page):
    at = open_page(OVERVIEW, period="本季度", unit=NAMES[ZA2])
    now, last_year, before = held({ZA2}, Q2), held({ZA2}, Q2_BEFORE), held({ZA2}, Q1)
    assert last_year == (0, 0) and now == (1, 25) and before == (1, 10)
    activities, person_times = metric(at, "活动场次"), metric(at, "服务人次")
    assert (activities.delta, activities.proto.delta_description) == ("持平", "环比")
    assert (person_times.delta, person_times.proto.delta_description) == (
        change(now[1], before[1]),
        "环比",
    )
    assert person_times.delta == "+150.0%"


def test_the_monthly_chart_draws_last_years_months_under_this_years(open_page):
    at = open_page(OVERVIEW)
    spec = next(
        json.loads(e.proto.spec)
        for e in at.get("plotly_chart")
        if json.loads(e.proto.spec)["layout"]["title"]["text"] == "各月服务人次"
    )
    this, last = spec["data"]
    assert (this["name"], last["name"]) == ("本期", "上年同期")
    months = range(1, 7)
    expected = [sum(n for _, d, n in ACTIVITIES if (d.year, d.month) == (2024, m)) for m in months]
    assert last["y"] == expected == [0, 30, 10, 100, 50, 0]
    assert [x[:7] for x in last["x"]] == [f"2025-{m:02d}" for m in months]
    assert [c[0] for c in last["customdata"]] == [f"2024年{m}月" for m in months]


@pytest.mark.parametrize(
    ("period", "before"),
    [
        ((date(2025, 5, 1), date(2025, 5, 31)), (date(2025, 4, 1), date(2025, 4, 30))),
        ((date(2025, 3, 1), date(2025, 3, 31)), (date(2025, 2, 1), date(2025, 2, 28))),
        ((date(2025, 4, 1), date(2025, 6, 15)), (date(2025, 1, 1), date(2025, 3, 15))),
        ((date(2025, 10, 1), date(2025, 12, 31)), (date(2025, 7, 1), date(2025, 9, 30))),
        ((date(2025, 3, 10), date(2025, 3, 19)), (date(2025, 2, 28), date(2025, 3, 9))),
        ((date(2024, 7, 1), date(2024, 8, 31)), (date(2024, 4, 1), date(2024, 5, 31))),
        ((date(2025, 1, 1), date(2025, 6, 30)), None),
        ((date(2024, 1, 1), date(2024, 12, 31)), None),
    ],
)
def test_huanbi_compares_with_the_period_just_before(period, before):
    found = previous_period(Scope(*period, "ZX"))
    assert (None if found is None else (found.date_from, found.date_to)) == before


# --- 排名 ------------------------------------------------------------------------------------


def per_station(town: str, period: tuple[date, date]) -> Fraction:
    stations = [u for u, p in PARENT.items() if p == town]
    return Fraction(held({town, *stations}, period)[0], len(stations))


def ranks(values: dict[str, Fraction]) -> dict[str, int]:
    ordered = sorted(values.values(), reverse=True)
    return {unit: ordered.index(v) + 1 for unit, v in values.items()}


def test_towns_rank_by_activities_per_station_with_arrows_against_the_quarter_before(
    open_page, downloads
):
    at = open_page(RANKING, period="本季度")
    now = {t: per_station(t, Q2) for t in (SA, SB)}
    before = {t: per_station(t, Q1) for t in (SA, SB)}
    assert now == {SA: Fraction(3, 2), SB: 1} and before == {SA: Fraction(3, 2), SB: 2}
    rank_now, rank_before = ranks(now), ranks(before)
    average = sum(now.values()) / 2
    marks = {t: "绿" if v >= average else "黄" if v >= average * Fraction(8, 10) else "红"
             for t, v in now.items()}  # fmt: skip
    rows = table(at, "名次", "名次变化", "标记", "实践所")
    assert [(r["名次"], r["实践所"], r["场次/站"], r["标记"]) for r in rows] == [
        ("1", NAMES[SA], "1.5", marks[SA]),
        ("2", NAMES[SB], "1.0", marks[SB]),
    ]
    assert [r["名次变化"] for r in rows] == [
        f"↑{rank_before[SA] - rank_now[SA]}",
        f"↓{rank_now[SB] - rank_before[SB]}",
    ]
    assert (marks[SA], marks[SB]) == ("绿", "黄")
    sheet = sheet_rows(downloads["实践所排名_场次每站.xlsx"]())
    assert [row[3] for row in sheet[1:]] == [NAMES[SA], NAMES[SB]]


def test_a_town_with_a_target_is_marked_against_it_pro_rated_to_the_quarter(open_page):
    at = open_page(RANKING, period="本季度")
    at.button_group(key="ranking_by_所").set_value("activities").run()
    rows = {r["实践所"]: r for r in table(at, "名次", "名次变化", "标记", "实践所")}
    done = held({SA, ZA1, ZA2}, Q2)[0]
    share = Fraction((Q2[1] - Q2[0]).days + 1, 365)
    ratio = done / (TARGET_SA_ACTIVITIES * share)  # 3 of 20 × 91/365 ≈ 60%
    assert ratio < Fraction(8, 10)
    assert (rows[NAMES[SA]]["基准来源"], rows[NAMES[SA]]["标记"]) == ("目标", "红")
    tenths = int(ratio * 1000)
    assert rows[NAMES[SA]]["达到基准"] == f"{tenths // 10}.{tenths % 10}%"
    assert rows[NAMES[SB]]["基准来源"] == "平均水平"


def test_stations_rank_by_person_times_per_thousand_residents_against_last_year(open_page):
    at = open_page(RANKING)
    at.button_group(key="ranking_level").set_value("站").run()
    at.button_group(key="ranking_by_站").set_value("person_times_per_1000").run()
    stations = (ZA1, ZA2, ZB1)
    now = {s: Fraction(held({s}, YEAR)[1] * 1000, POPULATION[s]) for s in stations}
    before = {s: Fraction(held({s}, YEAR_BEFORE)[1] * 1000, POPULATION[s]) for s in stations}
    rank_now, rank_before = ranks(now), ranks(before)
    rows = table(at, "名次", "名次变化", "标记", "实践站")
    order = sorted(stations, key=lambda s: rank_now[s])
    assert [r["实践站"] for r in rows] == [NAMES[s] for s in order]
    assert [r["人次/千人"] for r in rows] == [
        f"{int(now[s] * 10) // 10}.{int(now[s] * 10) % 10}" for s in order
    ]
    arrows = {1: "↑1", -1: "↓1", 0: "→"}
    assert [r["名次变化"] for r in rows] == [arrows[rank_before[s] - rank_now[s]] for s in order]
    assert [r["名次变化"] for r in rows] == ["→", "↑1", "↓1"]
    assert [r["常住人口"] for r in rows] == [f"{POPULATION[s]:,}" for s in order]


# --- 常住人口 in the 区划 list ------------------------------------------------------------------


def test_population_that_is_negative_or_not_a_whole_number_is_rejected_and_the_rest_loaded(
    two_years,
):
    con = duckdb.connect(str(two_years), read_only=True)
    try:
        rejects = con.sql(
            "SELECT \"row\", reason FROM rejects WHERE table_name = 'divisions' ORDER BY 2"
        ).fetchall()
        loaded = dict(con.sql("SELECT code, population FROM divisions").fetchall())
    finally:
        con.close()
    assert sorted(r for r, _ in rejects) == [8, 9]  # the header is row 1
    assert all("常住人口" in reason for _, reason in rejects)
    assert any("负数" in reason for _, reason in rejects)
    assert {code: loaded[code] for code in ("410106001001", "410106100001")} == {
        ZA1[1:]: POPULATION[ZA1],
        ZB1[1:]: POPULATION[ZB1],
    }
    assert loaded["410106001000"] is None
