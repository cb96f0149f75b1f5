"""Low-satisfaction detection against the fixture county (tests/conftest.py).

The adjusted score is (sum of scores + 5 × prior) / (ratings + 5), the prior being the
scope's mean score but never below the 3.5 threshold. Numbers are worked out by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import lowsat
from dashboard.metrics import Scope
from dashboard.warehouse import Warehouse
from pipelines import settings

Q1 = Scope(date(2025, 1, 1), date(2025, 3, 31))
Q1_MEAN = 168 / 46  # 3.652…: above the threshold, so it is the prior


@pytest.fixture(scope="module")
def wh(fixture_db):
    return Warehouse(fixture_db)


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """Write a wenming.toml and point WENMING_CONFIG at it."""

    def write(text: str) -> None:
        path = tmp_path / "wenming.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("WENMING_CONFIG", str(path))

    yield write
    settings._load_config.cache_clear()


def adjusted(total: int, n: int, prior: float) -> float:
    return (total + 5 * prior) / (n + 5)


@pytest.mark.parametrize(
    ("scope", "prior"),
    [
        (Q1, Q1_MEAN),
        # SB in Q1: A04 (1, 1), A05 (5, 22), A07 (15, 30) → mean 53 / 21 = 2.52 < 3.5,
        # so the prior is the threshold
        (Scope(date(2025, 1, 1), date(2025, 3, 31), "SB"), 3.5),
    ],
)
def test_fifteen_ratings_averaging_two_rank_below_a_single_one_star(wh, scope, prior):
    rows = lowsat.low_activities(wh, scope)
    assert [(r["id"], r["ratings"], r["mean_score"]) for r in rows] == [
        ("A07", 15, 2.0),  # (30 + 5p) / 20: 2.41 (Q1), 2.375 (SB)
        ("A04", 1, 1.0),  # (1 + 5p) / 6: 3.21 (Q1), 3.083 (SB)
    ]
    assert rows[0]["adjusted_score"] == pytest.approx(adjusted(30, 15, prior))
    assert rows[1]["adjusted_score"] == pytest.approx(adjusted(1, 1, prior))
    assert rows[0]["adjusted_score"] < rows[1]["adjusted_score"]


def test_a_flagged_activity_carries_its_unit_brand_and_complaints(wh):
    a07 = lowsat.low_activities(wh, Q1)[0]
    assert a07 == {
        "kind": "activity",
        "id": "A07",
        "name": "四点半课堂·作业辅导",
        "unit_id": "ZB2",
        "unit_name": "营坡顶村新时代文明实践站",
        "brand_id": "B3",
        "brand_name": "四点半智慧课堂",
        "start_on": date(2025, 1, 25),
        "ratings": 15,
        "mean_score": 2.0,
        "satisfaction_rate": 0.0,
        "adjusted_score": pytest.approx(adjusted(30, 15, Q1_MEAN)),
        # phrases of comments on ratings ≤ 3: "老师讲得太快" 3 times alone and once before
        # "，场地太小"; "场地太小" once more; "时间太短。" without its full stop
        "complaints": [
            {"text": "老师讲得太快", "count": 4},
            {"text": "场地太小", "count": 2},
            {"text": "时间太短", "count": 1},
        ],
        # 2.413… and 3.5 and 2.0 written as a briefing writes scores (rounded down)
        "reason": "修正分2.41分，低于3.50分（15条评价，均分2.00分）",
    }


def test_activities_with_enough_good_ratings_are_not_flagged(wh):
    # A02: 4 4 3 → (11 + 5 × 3.652) / 8 = 3.66 ≥ 3.5; its "场地太小" is not enough.
    # A05: 22 / 5 → 4.03. Both are above the threshold.
    flagged = {r["id"] for r in lowsat.low_activities(wh, Q1)}
    assert flagged == {"A07", "A04"}


def test_brands_below_the_threshold_or_falling_are_flagged(wh):
    rows = lowsat.low_brands(wh, Q1)
    assert [(r["id"], r["adjusted_score"]) for r in rows] == [
        ("B3", pytest.approx(adjusted(30, 15, Q1_MEAN))),  # 2.41
        ("B1", pytest.approx(adjusted(29, 7, Q1_MEAN))),  # 3.94: listed because it fell
    ]
    b1 = rows[1]
    # first half 01-01..02-14: A01 5 5 4 4 (4.5); second half: A02 4 4 3 (3.67)
    assert (b1["first_mean"], b1["second_mean"]) == (4.5, pytest.approx(11 / 3))
    assert b1["reason"] == "均分由4.50分降至3.66分（前后半段各4、3条评价）"
    assert b1["complaints"] == [{"text": "场地太小", "count": 1}]


def test_falling_brands_split_the_period_in_two_halves(wh):
    rows = lowsat.falling_brands(wh, Q1)
    assert [(r["brand_id"], r["first_ratings"], r["second_ratings"], r["mid"]) for r in rows] == [
        ("B1", 4, 3, date(2025, 2, 14))  # 90 days: 45 + 45
    ]


def test_a_brand_needs_ratings_in_both_halves_to_have_fallen(wh):
    # January alone: B1 has A01 only (first half); B3 A07 only (second half)
    assert lowsat.falling_brands(wh, Scope(date(2025, 1, 1), date(2025, 1, 31))) == []


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # Q1 ends 03-31: ZB2's last activity is A07 on 01-25 (A08 is 04-08): 65 days.
        # ZA1 03-05 (26), ZA2 03-20 (11), ZB1 03-12 (19) are not idle.
        ((date(2025, 1, 1), date(2025, 3, 31)), [("ZB2", 65, date(2025, 1, 25))]),
        # Q4 2024 (92 days): ZB1 and ZB2 held nothing; ZA1 held A13 on 12-20; ZA2 had not
        # opened yet
        (
            (date(2024, 10, 1), date(2024, 12, 31)),
            [("ZB1", 92, None), ("ZB2", 92, None)],
        ),
        # the year 2025 runs to the as-of date 04-15: ZB2 held A08 on 04-08
        ((date(2025, 1, 1), date(2025, 12, 31)), []),
    ],
)
def test_stations_without_activity_for_sixty_days_are_flagged(wh, period, expected):
    rows = lowsat.idle_stations(wh, Scope(*period))
    assert [(r["id"], r["days_idle"], r["last_activity_on"]) for r in rows] == expected


def test_an_idle_station_says_why_in_chinese(wh):
    (zb2,) = lowsat.idle_stations(wh, Q1)
    assert zb2["reason"] == "已65天未开展活动（最近一次：2025年1月25日）"
    assert (zb2["parent_id"], zb2["adjusted_score"], zb2["complaints"]) == ("SB", None, [])
    (zb1, _) = lowsat.idle_stations(wh, Scope(date(2024, 10, 1), date(2024, 12, 31)))
    assert zb1["reason"] == "期内92天未开展活动"


def test_low_satisfaction_lists_scores_first_then_idle_stations(wh):
    rows = lowsat.low_satisfaction(wh, Q1)
    # A07 and B3 tie at 2.41: activities before brands
    assert [(r["kind"], r["id"]) for r in rows] == [
        ("activity", "A07"),
        ("brand", "B3"),
        ("activity", "A04"),
        ("brand", "B1"),
        ("station", "ZB2"),
    ]


def test_the_threshold_and_idle_days_come_from_the_configuration(wh, configured):
    configured("low_score_threshold = 2.0\nidle_days = 20\n")
    # nothing is below 2.0 once shrunk (A07: 2.41); B1 still fell
    assert [(r["kind"], r["id"]) for r in lowsat.low_satisfaction(wh, Q1)] == [
        ("brand", "B1"),
        ("station", "ZB2"),  # 65 days
        ("station", "ZA1"),  # 26 days (03-05 → 03-31); ZB1 19 and ZA2 11 stay under 20
    ]


def test_a_low_session_of_a_brand_owned_outside_the_scope_stands_alone(wh, configured):
    configured("low_score_threshold = 4.9\n")
    # the 点 DB1 held A05 (five ratings summing 22) of B2, a brand its parent ZB1 owns:
    # prior max(4.4, 4.9) = 4.9, adjusted (22 + 5 × 4.9) / 10 = 4.65, below 4.9
    groups = lowsat.grouped(wh, Scope(date(2025, 1, 1), date(2025, 4, 15), "DB1"))
    assert [(g["head"]["kind"], g["head"]["id"], g["sessions"]) for g in groups] == [
        ("activity", "A05", [])
    ]
    assert round(groups[0]["worst"], 2) == 4.65
