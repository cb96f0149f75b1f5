"""Every figure of the metrics layer against the fixture county (tests/conftest.py).

Expected numbers are worked out by hand from the fixture's rows; the arithmetic is in
the comments. "Q1" is 2025-01-01..2025-03-31, which holds A01–A07, A09–A11 and A14.
"""

from __future__ import annotations

import os
import shutil
import threading
from datetime import date

import pytest
from conftest import build_warehouse

from dashboard import metrics
from dashboard.metrics import Scope, UnknownUnit
from dashboard.warehouse import Warehouse, WarehouseMissing

Q1 = (date(2025, 1, 1), date(2025, 3, 31))
JAN_FEB = (date(2025, 1, 1), date(2025, 2, 28))
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
# Q1 ratings: A01 4 (sum 18), A02 3 (11), A04 1 (1), A05 5 (22), A07 15 (30), A09 10 (50),
# A10 8 (36) → 46 ratings, sum 168; scores >= 4: 4 + 2 + 0 + 4 + 0 + 10 + 8 = 28
Q1_MEAN = 168 / 46


@pytest.fixture(scope="module")
def wh(fixture_db):
    return Warehouse(fixture_db)


def scope(period, unit=None):
    return Scope(period[0], period[1], unit)


# --------------------------------------------------------------------------- scope and warehouse


def test_a_reversed_period_is_refused_in_chinese():
    with pytest.raises(ValueError, match="起始日期 2025-03-31 晚于结束日期 2025-01-01"):
        Scope(date(2025, 3, 31), date(2025, 1, 1))


def test_an_unknown_unit_is_refused_in_chinese(wh):
    with pytest.raises(UnknownUnit, match="找不到阵地编码“NOPE”"):
        metrics.summary(wh, scope(Q1, "NOPE"))


def test_a_missing_warehouse_says_so_in_chinese(tmp_path):
    wh = Warehouse(tmp_path / "absent.duckdb")
    with pytest.raises(WarehouseMissing, match="找不到数据仓库文件"):
        metrics.summary(wh, scope(Q1))


def test_as_of_comes_from_the_manifest(wh):
    assert wh.as_of.isoformat() == "2025-04-15T12:00:00"


def test_query_binds_parameters_and_returns_plain_rows(wh):
    rows = wh.query(
        "SELECT activity_id, volunteer_hours FROM activities WHERE unit_id = $unit ORDER BY 1",
        {"unit": "ZB2", "unused": 1},
    )
    assert rows == [
        {"activity_id": "A07", "volunteer_hours": 4.0},
        {"activity_id": "A08", "volunteer_hours": 2.0},
    ]


def test_frame_returns_a_polars_dataframe(wh):
    frame = wh.frame("SELECT level, COUNT(*) AS n FROM units GROUP BY level ORDER BY level")
    assert frame.columns == ["level", "n"]
    assert dict(frame.iter_rows()) == {"中心": 1, "所": 2, "站": 4, "点": 1, "基地": 1}


def test_the_warehouse_is_reattached_when_a_build_replaces_the_file(fixture_db, tmp_path):
    path = tmp_path / "live.duckdb"
    shutil.copy(fixture_db, path)
    wh = Warehouse(path)
    assert wh.query("SELECT COUNT(*) AS n FROM divisions") == [{"n": 10}]
    before = wh.stamp
    new = build_warehouse(tmp_path / "next.duckdb", divisions=False)
    os.replace(new, path)
    assert wh.stamp != before
    assert wh.query("SELECT COUNT(*) AS n FROM divisions") == [{"n": 0}]


def test_threads_share_one_warehouse(wh):
    results, errors = [], []

    def work():
        try:
            for _ in range(10):
                results.append(metrics.activity_figures(wh, scope(Q1))["person_times"])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [506] * 60


# --------------------------------------------------------------------------- headline figures


def test_headline_figures_of_the_whole_warehouse_in_q1(wh):
    assert metrics.summary(wh, scope(Q1)) == {
        "activities": 11,
        # 13 + 2 + 0 + 120 + 61 + 30 + 3 + 40 + 200 + 2 + 35
        "person_times": 506,
        # 6 + 4.5 + 2 + 10 + 8 + 3.5 + 4 + 3 + 12 + 2.5 (A14 has none)
        "volunteer_hours": 55.5,
        # 3 + 2 + 1 + 5 + 4 + 2 + 2 + 2 + 6 + 2 + 0
        "volunteer_times": 29,
        # P1 P2 P3 P4 P5 P6 P7 P8
        "unique_persons": 8,
        # V1 V2 V3 (the 志愿者 headcount line of A10 has no person)
        "volunteer_persons": 3,
        "ratings": 46,
        "mean_score": pytest.approx(Q1_MEAN),
        "satisfaction_rate": pytest.approx(28 / 46),
    }


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        # SA subtree (SA, ZA1, ZA2): A01 A02 A03 A09 A11; 13 + 2 + 0 + 40 + 2 person-times;
        # persons P1 P2 P3 P4 P8; hours 6 + 4.5 + 2 + 3 + 2.5; volunteers V1 V2;
        # ratings A01 (4, 18) A02 (3, 11) A09 (10, 50): 17, sum 79, >= 4: 4 + 2 + 10
        ("SA", (5, 57, 18.0, 10, 5, 2, 17, 79 / 17, 16 / 17)),
        # SB subtree (SB, ZB1, ZB2, DB1): A04 A05 A06 A07; 120 + 61 + 30 + 3; persons P2 P5
        # P6 P7; hours 10 + 8 + 3.5 + 4; volunteers V2 V3; ratings A04 (1, 1) A05 (5, 22)
        # A07 (15, 30): 21, sum 53, >= 4: 0 + 4 + 0
        ("SB", (4, 214, 25.5, 13, 4, 2, 21, 53 / 21, 4 / 21)),
        # ZA1 alone: A01 A02 A03
        ("ZA1", (3, 15, 12.5, 6, 4, 2, 7, 29 / 7, 6 / 7)),
        # ZB1 and its 点 DB1: A04 A05 A06
        ("ZB1", (3, 211, 21.5, 11, 1, 3 - 1, 6, 23 / 6, 4 / 6)),
        # the 基地: A14, reported 35, no hours, no ratings
        ("JD", (1, 35, 0.0, 0, 0, 0, 0, None, None)),
    ],
)
def test_headline_figures_count_a_unit_and_everything_below_it(wh, unit, expected):
    keys = (
        "activities",
        "person_times",
        "volunteer_hours",
        "volunteer_times",
        "unique_persons",
        "volunteer_persons",
        "ratings",
        "mean_score",
        "satisfaction_rate",
    )
    got = metrics.summary(wh, scope(Q1, unit))
    assert got == {
        k: v if v is None else pytest.approx(v) for k, v in zip(keys, expected, strict=True)
    }


def test_a_period_crossing_months_counts_activities_by_their_start_date(wh):
    # 2025-01-20..2025-02-24: A04 (01-20), A07 (01-25), A05 (02-08), A09 (02-20), A02 (02-24)
    got = metrics.activity_figures(wh, Scope(date(2025, 1, 20), date(2025, 2, 24)))
    assert got == {
        "activities": 5,
        "person_times": 120 + 3 + 61 + 40 + 2,
        "volunteer_hours": 10 + 4 + 8 + 3 + 4.5,
        "volunteer_times": 5 + 2 + 4 + 2 + 2,
    }


@pytest.mark.parametrize(
    ("day", "person_times"),
    [
        ("2025-01-10", 13),  # A01: sign-ins P1 P2 P3 + headcount line 10; reported 50 unused
        ("2025-02-08", 61),  # A05: headcount line 60 + sign-in P2
        ("2025-01-20", 120),  # A04: no attendance at all → reported 120
        ("2025-03-12", 30),  # A06: only a 志愿者 row → reported 30
        ("2025-03-18", 200),  # A10: only a 志愿者 headcount line of 5 → reported 200
        ("2025-03-05", 0),  # A03: only a 志愿者 row and no reported headcount → 0
    ],
)
def test_person_times_of_one_activity(wh, day, person_times):
    one_day = Scope(date.fromisoformat(day), date.fromisoformat(day))
    assert metrics.activity_figures(wh, one_day)["person_times"] == person_times


def test_volunteer_rows_are_never_people_served(wh):
    # 2025-03-05..2025-03-18: A03 (0), A14 (35), A06 (30), A10 (200). The 志愿者 rows of
    # A03, A06 and A10 (1 + 1 + 5 people) add nothing; nor do they add to 服务人数.
    period = Scope(date(2025, 3, 5), date(2025, 3, 18))
    assert metrics.activity_figures(wh, period)["person_times"] == 0 + 35 + 30 + 200
    assert metrics.person_figures(wh, period) == {"unique_persons": 0, "volunteer_persons": 2}


def test_reported_headcount_versus_signed_in_person_times(wh):
    got = metrics.person_times_sources(wh, scope(Q1))
    assert got == {
        "person_times": 506,
        # sign-ins: A01 3, A02 2, A05 1, A07 3, A11 2
        "signed_in": 11,
        # headcount lines: A01 10, A05 60
        "headcount_lines": 70,
        # reported only: A04 120, A06 30, A09 40, A10 200, A14 35
        "reported_only": 425,
        # every ledger headcount: 50 + 20 + 120 + 80 + 30 + 15 + 40 + 200 + 25 + 35 (A03 none)
        "reported_total": 615,
        "activities": 11,
        "activities_with_records": 5,  # A01 A02 A05 A07 A11
        "activities_reported_only": 5,  # A04 A06 A09 A10 A14
        "activities_uncounted": 1,  # A03
        "signed_in_share": pytest.approx(11 / 506),
    }
    assert got["signed_in"] + got["headcount_lines"] + got["reported_only"] == got["person_times"]


def test_an_empty_period_has_zero_flows_and_unknown_means(wh):
    empty = Scope(date(2023, 1, 1), date(2023, 12, 31))
    assert metrics.summary(wh, empty) == {
        "activities": 0,
        "person_times": 0,
        "volunteer_hours": 0,
        "volunteer_times": 0,
        "unique_persons": 0,
        "volunteer_persons": 0,
        "ratings": 0,
        "mean_score": None,
        "satisfaction_rate": None,
    }


# --------------------------------------------------------------------------- units and coverage


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (None, {"中心": 1, "所": 2, "站": 4, "点": 1, "基地": 1}),
        ("SA", {"所": 1, "站": 2}),  # ZA2 opened after Q1 still counts: inventories ignore dates
        ("SB", {"所": 1, "站": 2, "点": 1}),
        ("DB1", {"点": 1}),
    ],
)
def test_units_are_counted_by_level_whatever_their_dates(wh, unit, expected):
    got = metrics.units_by_level(wh, scope(Q1, unit))
    assert got == expected
    assert list(got) == list(expected)


@pytest.mark.parametrize(
    ("period", "unit", "villages", "covered", "effective", "effective_min"),
    [
        # every imported village: the county's 6 and 410107001001; covered: 001001 (ZA1),
        # 001002 (ZA2, opened 03-15), 002001 + 002002 (joint ZB1), 002003 (ZB2).
        # Effective (≥ 1 × 3 activities): ZA1 (A01 A02 A03), ZB1 (A04, A05 at its 点, A06),
        # and ZA2, opened 03-15, on ≥ 1 × 1 (March only): A11
        (Q1, None, 7, 5, 4, 3),
        (Q1, "ZX", 6, 5, 4, 3),
        # Jan–Feb: ZA2 not yet opened; ≥ 2 activities: ZA1 (A01 A02), ZB1 (A04 A05)
        (JAN_FEB, "ZX", 6, 4, 3, 2),
        # the year, as of 04-15: m = 4 months, not 12; ≥ 4: only ZB1 (A04 A05 A06 A12);
        # ZA2 needs 2 (March, April) and held 1
        (YEAR, "ZX", 6, 5, 2, 4),
        # the town 410106002: 002001 002002 (ZB1) 002003 (ZB2); effective: ZB1
        (Q1, "SB", 3, 3, 2, 3),
    ],
)
def test_coverage_counts_served_villages_of_the_jurisdiction(
    wh, period, unit, villages, covered, effective, effective_min
):
    assert metrics.coverage(wh, scope(period, unit)) == {
        "villages": villages,
        "covered": covered,
        "rate": pytest.approx(covered / villages),
        "effective": effective,
        "effective_rate": pytest.approx(effective / villages),
        "effective_min": effective_min,
        "unknown_reason": None,
    }


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        ("SA", "未填写区划代码"),  # a 所 without 区划代码
        ("ZA1", "村（社区）一级及以下"),  # a 站
        ("DB1", "村（社区）一级及以下"),  # a 点
        ("JD", "村（社区）一级及以下"),  # a 基地
    ],
)
def test_coverage_is_unknown_without_a_jurisdiction(wh, unit, reason):
    got = metrics.coverage(wh, scope(Q1, unit))
    assert {k: v for k, v in got.items() if k != "unknown_reason"} == dict.fromkeys(
        ("villages", "covered", "rate", "effective", "effective_rate", "effective_min")
    )
    assert reason in got["unknown_reason"]


@pytest.mark.parametrize("unit", [None, "ZX", "SB"])
def test_coverage_is_unknown_without_a_division_list(fixture_db_without_divisions, unit):
    got = metrics.coverage(Warehouse(fixture_db_without_divisions), scope(Q1, unit))
    assert got["rate"] is None and got["effective_rate"] is None and got["villages"] is None
    assert "未导入" in got["unknown_reason"]


def test_villages_list_who_serves_each_village(wh):
    rows = metrics.villages(wh, scope(Q1, "ZX"))
    got = [
        (r["code"], r["name"], r["town_name"], r["stations"], r["is_covered"], r["is_effective"])
        for r in rows
    ]
    assert got == [
        ("410106001001", "东林子社区", "济源路街道", ["ZA1"], True, True),  # ZA1: 3 activities
        # ZA2 opened 03-15: 1 activity is the 1 × 1 month it needs
        ("410106001002", "西林子社区", "济源路街道", ["ZA2"], True, True),
        ("410106001003", "南林子社区", "济源路街道", [], False, False),  # served by nobody
        ("410106002001", "杨家沟村", "峡窝镇", ["ZB1"], True, True),  # the joint station
        ("410106002002", "老寨河村", "峡窝镇", ["ZB1"], True, True),
        ("410106002003", "营坡顶村", "峡窝镇", ["ZB2"], True, False),  # ZB2: 1
    ]


def test_villages_are_empty_when_coverage_is_unknown(wh):
    assert metrics.villages(wh, scope(Q1, "SA")) == []


def test_unit_activities_count_each_unit_with_everything_below_it(wh):
    rows = metrics.unit_activities(wh, scope(Q1, "SB"))
    assert [(r["unit_id"], r["level"], r["activities"], r["last_activity_on"]) for r in rows] == [
        ("DB1", "点", 1, date(2025, 2, 8)),  # A05
        ("SB", "所", 4, date(2025, 3, 12)),  # A04 A05 A06 A07; A06 is the last
        ("ZB1", "站", 3, date(2025, 3, 12)),  # A04, A05 at its 点, A06
        ("ZB2", "站", 1, date(2025, 1, 25)),  # A07 (A08 is after the period)
    ]
    assert rows[2]["serves"] == ["410106002001", "410106002002"]


def test_the_last_activity_may_lie_before_the_period(wh):
    # ZA1 in 2025-01-01..01-05 held nothing; its last activity was A13 on 2024-12-20
    (row,) = metrics.unit_activities(wh, Scope(date(2025, 1, 1), date(2025, 1, 5), "ZA1"))
    assert (row["activities"], row["last_activity_on"]) == (0, date(2024, 12, 20))


# --------------------------------------------------------------------------- orders


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        # O1–O5 (O6 is 2024); cancelled O3; completed O1 O2 → 2 / (5 − 1);
        # accepted after 4 h (O1), 24 h (O2), 10 h (O4): median 10
        (None, (5, 2, 1, 0.5, 10.0)),
        ("SB", (3, 1, 1, 0.5, 17.0)),  # O2 O3 O4: 1 / 2; median of 24 and 10
        ("SA", (2, 1, 0, 0.5, 4.0)),  # O1 O5
        ("ZB2", (2, 0, 1, 0.0, 10.0)),  # O3 cancelled, O4 accepted, not completed
        ("ZA2", (0, 0, 0, None, None)),
    ],
)
def test_order_figures(wh, unit, expected):
    keys = ("orders", "completed", "cancelled", "completion_rate", "median_accept_hours")
    assert metrics.order_figures(wh, scope(Q1, unit)) == dict(zip(keys, expected, strict=True))


# --------------------------------------------------------------------------- breakdowns


def _unit_row(unit_id, name, level, is_self, n, pt, persons, hours, vt, ratings, total, good):
    return {
        "unit_id": unit_id,
        "name": name,
        "level": level,
        "is_self": is_self,
        "activities": n,
        "person_times": pt,
        "unique_persons": persons,
        "volunteer_hours": hours,
        "volunteer_times": vt,
        "ratings": ratings,
        "mean_score": pytest.approx(total / ratings) if ratings else None,
        "satisfaction_rate": pytest.approx(good / ratings) if ratings else None,
    }


def test_by_unit_lists_the_children_and_the_unit_itself(wh):
    assert metrics.by_unit(wh, scope(Q1, "ZX")) == [
        # SA: A01 A02 A03 A09 A11; SB: A04 A05 A06 A07 (see the headline figures test)
        _unit_row("SA", "济源路街道新时代文明实践所", "所", False, 5, 57, 5, 18.0, 10, 17, 79, 16),
        _unit_row("SB", "峡窝镇新时代文明实践所", "所", False, 4, 214, 4, 25.5, 13, 21, 53, 4),
        # JD (A14) and ZX's own A10 (本级) hold 1 activity each: unit_id breaks the tie
        _unit_row("JD", "上街区红色教育实践基地", "基地", False, 1, 35, 0, 0.0, 0, 0, 0, 0),
        _unit_row("ZX", "本级", "中心", True, 1, 200, 0, 12.0, 6, 8, 36, 8),
    ]


def test_by_unit_includes_children_without_activity(wh):
    # SA in Jan–Feb: ZA1 (A01 A02), ZA2 (nothing yet), 本级 (A09)
    rows = metrics.by_unit(wh, scope(JAN_FEB, "SA"))
    assert [(r["unit_id"], r["name"], r["activities"], r["person_times"]) for r in rows] == [
        ("ZA1", "东林子社区新时代文明实践站", 2, 15),
        ("SA", "本级", 1, 40),
        ("ZA2", "西林子社区新时代文明实践站", 0, 0),
    ]
    assert rows[2]["mean_score"] is None and rows[2]["unique_persons"] == 0


def test_by_unit_without_a_unit_breaks_down_the_single_top_unit(wh):
    assert metrics.by_unit(wh, scope(Q1)) == metrics.by_unit(wh, scope(Q1, "ZX"))


@pytest.mark.parametrize(
    ("period", "unit"),
    [(Q1, None), (Q1, "SA"), (Q1, "SB"), (YEAR, "ZX"), (JAN_FEB, "SA"), (Q1, "ZB1")],
)
def test_by_unit_rows_add_up_to_the_total(wh, period, unit):
    rows = metrics.by_unit(wh, scope(period, unit))
    total = metrics.summary(wh, scope(period, unit))
    for key in ("activities", "person_times", "volunteer_times", "ratings"):
        assert sum(row[key] for row in rows) == total[key], key
    assert sum(row["volunteer_hours"] for row in rows) == pytest.approx(total["volunteer_hours"])


def test_by_brand_counts_each_brand_of_the_scope(wh):
    prior = Q1_MEAN  # above the 3.5 threshold, so the scope mean is the prior

    def adjusted(total, n):
        return pytest.approx((total + 5 * prior) / (n + 5))

    assert metrics.by_brand(wh, scope(Q1)) == [
        # B1: A01 (13) A02 (2); ratings 4 + 3, sum 18 + 11, >= 4: 6
        {"brand_id": "B1", "name": "草堂叙语", "unit_id": "ZA1", "unit_name": "东林子社区新时代文明实践站",
         "category": "理论宣讲", "activities": 2, "person_times": 15, "volunteer_hours": 10.5, "ratings": 7,
         "mean_score": pytest.approx(29 / 7), "satisfaction_rate": pytest.approx(6 / 7), "adjusted_score": adjusted(29, 7)},
        # B2: A04 (120) A05 (61); ratings 1 + 5, sum 1 + 22, >= 4: 4
        {"brand_id": "B2", "name": "五云秀场", "unit_id": "ZB1", "unit_name": "五云联合新时代文明实践站",
         "category": "文化服务", "activities": 2, "person_times": 181, "volunteer_hours": 18.0, "ratings": 6,
         "mean_score": pytest.approx(23 / 6), "satisfaction_rate": pytest.approx(4 / 6), "adjusted_score": adjusted(23, 6)},
        # B3: A07 only (A08 is in April); 15 ratings, sum 30
        {"brand_id": "B3", "name": "四点半智慧课堂", "unit_id": "ZB2", "unit_name": "营坡顶村新时代文明实践站",
         "category": "教育服务", "activities": 1, "person_times": 3, "volunteer_hours": 4.0, "ratings": 15,
         "mean_score": 2.0, "satisfaction_rate": 0.0, "adjusted_score": adjusted(30, 15)},
        # B4: no activities, no ratings: unknown means
        {"brand_id": "B4", "name": "心系银发·微幸福", "unit_id": "SB", "unit_name": "峡窝镇新时代文明实践所",
         "category": "关爱帮扶", "activities": 0, "person_times": 0, "volunteer_hours": 0.0, "ratings": 0,
         "mean_score": None, "satisfaction_rate": None, "adjusted_score": None},
    ]  # fmt: skip


def test_a_brand_belongs_to_the_scope_of_its_owning_unit(wh):
    assert [b["brand_id"] for b in metrics.by_brand(wh, scope(Q1, "SB"))] == ["B2", "B3", "B4"]
    assert [b["brand_id"] for b in metrics.by_brand(wh, scope(Q1, "SA"))] == ["B1"]


def test_by_month_lists_every_month_up_to_the_as_of_date(wh):
    rows = metrics.by_month(wh, scope(YEAR))
    # Jan: A01 A04 A07 (13 + 120 + 3); Feb: A02 A05 A09 (2 + 61 + 40);
    # Mar: A03 A06 A10 A11 A14 (0 + 30 + 200 + 2 + 35); Apr (to 04-15): A08 A12 (1 + 45).
    # May–Dec lie after the as-of date.
    assert [(r["month"], r["activities"], r["person_times"]) for r in rows] == [
        ("2025-01", 3, 136),
        ("2025-02", 3, 103),
        ("2025-03", 5, 267),
        ("2025-04", 2, 46),
    ]
    # Jan ratings: A01 (4, 18) A04 (1, 1) A07 (15, 30) → 20, sum 49
    assert rows[0]["ratings"] == 20 and rows[0]["mean_score"] == pytest.approx(49 / 20)


def test_by_month_shows_months_without_activity_as_zero(wh):
    rows = metrics.by_month(wh, scope(Q1, "ZB2"))  # only A07 (January) in Q1
    assert [(r["month"], r["activities"], r["person_times"], r["mean_score"]) for r in rows] == [
        ("2025-01", 1, 3, 2.0),
        ("2025-02", 0, 0, None),
        ("2025-03", 0, 0, None),
    ]


def test_by_category(wh):
    rows = metrics.by_category(wh, scope(Q1))
    assert [(r["category"], r["activities"], r["person_times"]) for r in rows] == [
        ("理论宣讲", 3, 13 + 2 + 200),  # A01 A02 A10
        ("文化服务", 2, 120 + 61),  # A04 A05
        ("便民服务", 1, 0),  # A03; ties sorted by name (code point)
        ("健身体育", 1, 2),
        ("卫生健康", 1, 30),
        ("教育服务", 1, 3),
        ("法治宣传", 1, 40),
        ("科技科普", 1, 35),
    ]
    assert sum(r["activities"] for r in rows) == 11


def test_by_target_group(wh):
    rows = metrics.by_target_group(wh, scope(Q1))
    assert [(r["target_group"], r["activities"], r["person_times"]) for r in rows] == [
        ("群众", 5, 13 + 120 + 61 + 40 + 200),  # A01 A04 A05 A09 A10
        ("老年人", 3, 2 + 0 + 30),  # A02 A03 A06
        ("未成年人", 2, 3 + 35),  # A07 A14
        (None, 1, 2),  # A11: not filled in
    ]


# --------------------------------------------------------------------------- targets


def test_targets_progress_against_the_share_of_the_year_elapsed(wh):
    rows = metrics.target_progress(wh, scope(Q1, "ZX"))
    # to date = 2025-01-01..2025-04-15 (as of): Q1 plus A12 (04-02, 45) and A08 (04-08, 1)
    elapsed = (31 + 28 + 31 + 15) / 365
    got = {r["metric"]: (r["target"], r["actual"], r["progress"], r["on_track"]) for r in rows}
    assert got == {
        "活动场次": (40.0, 13, pytest.approx(13 / 40), True),  # 0.325 ≥ 0.2877
        "服务人次": (2000.0, 552, pytest.approx(552 / 2000), False),  # 506 + 45 + 1; 0.276
        "志愿服务时长": (200.0, 63.5, pytest.approx(63.5 / 200), True),  # 55.5 + 6 + 2
        # ratings to date: Q1's 46 (28 ≥ 4) + A12's 4 and 5: 30 / 48 against 0.9
        "满意率": (0.9, pytest.approx(30 / 48), pytest.approx(30 / 48 / 0.9), False),
    }
    assert [r["year_elapsed"] for r in rows] == [pytest.approx(elapsed)] * 4
    assert {(r["date_from"], r["date_to"]) for r in rows} == {(date(2025, 1, 1), date(2025, 4, 15))}


def test_targets_without_a_unit_are_those_of_the_top_unit(wh):
    assert [r["unit_id"] for r in metrics.target_progress(wh, scope(Q1))] == ["ZX"] * 4


def test_targets_of_a_past_year_use_the_whole_year(wh):
    rows = metrics.target_progress(wh, Scope(date(2024, 1, 1), date(2024, 12, 31), "ZX"))
    # 2024: A13 only; the year is over
    assert [(r["metric"], r["actual"], r["year_elapsed"], r["on_track"]) for r in rows] == [
        ("活动场次", 1, 1.0, False)
    ]


def test_a_unit_without_targets_has_none(wh):
    assert metrics.target_progress(wh, scope(Q1, "SB")) == []


# --------------------------------------------------------------------------- the registry


def test_every_figure_names_a_family_that_exists():
    for figure in metrics.FIGURES:
        assert callable(getattr(metrics, figure.family)), figure.key
    assert len(metrics.FIGURES_BY_KEY) == len(metrics.FIGURES)


def test_every_query_binds_its_values(wh):
    # a query only names $parameters; none holds a literal date or unit id
    for name, sql in metrics.QUERIES.items():
        assert "2025" not in sql and "'ZX'" not in sql, name


@pytest.mark.parametrize(
    "date_from, date_to, unit_id",
    [
        (date(2025, 1, 1), date(2025, 3, 31), None),
        (date(2025, 1, 1), date(2025, 12, 31), None),
        (date(2025, 2, 1), date(2025, 2, 28), "ZX"),
    ],
)
def test_coverage_of_every_town_at_once_equals_each_towns_own_coverage(
    fixture_db, date_from, date_to, unit_id
):
    wh = Warehouse(fixture_db)
    scope = Scope(date_from, date_to, unit_id)
    by_town = metrics.coverage_by_town(wh, scope)
    towns = [u for u in wh.units().values() if u["level"] == "所"]
    assert towns and set(by_town) == {u["unit_id"] for u in towns}
    for town in towns:
        alone = metrics.coverage(wh, Scope(date_from, date_to, town["unit_id"]))
        assert by_town[town["unit_id"]] == alone, town["unit_id"]
