"""The practice figures (五有、红灰黑榜、三张清单、积分、星级志愿者) on the practice county
(tests/practice_county.py), every expected value worked out here from its rows; and on the
fixture county (tests/conftest.py), which sent none of the practices' inputs: unknown,
never 0.

Q2 is 2025-04-01..2025-06-30; as-of 2025-06-20, so it touches 3 months and a station needs
3 activities (effective_k 1) to be 有活动.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from dashboard.metrics import OutOfScope, Reader, Scope, practices
from dashboard.warehouse import Warehouse

Q2 = Scope(date(2025, 4, 1), date(2025, 6, 30))
Q1_FIXTURE = Scope(date(2025, 1, 1), date(2025, 3, 31))
YES, NO, UNKNOWN = True, False, None


@pytest.fixture(scope="module")
def wh(practice_db):
    return Warehouse(practice_db)


@pytest.fixture(scope="module")
def plain(fixture_db):
    return Warehouse(fixture_db)


# --- 五有 --------------------------------------------------------------------------------------


def _parts(row):
    return tuple(row[key] for key, _, _ in practices.HAVES)


@pytest.mark.parametrize(
    ("unit_id", "parts", "score"),
    [
        # S1: 制度上墙 是 + 负责人; 挂牌 + 3 rooms; K1 (12 members, below it); 7 activities
        # below it; its own brand B2 held at T2
        ("S1", (YES, YES, YES, YES, YES), 5),
        # S2: nothing of 制度/面积 sent; K6 founded after Q2; A8–A12 = 5 ≥ 3; no brand
        ("S2", (UNKNOWN, UNKNOWN, NO, YES, NO), 1),
        # T1: everything planted (K1 12 members, A1–A3, brand B1 held at T1)
        ("T1", (YES, YES, YES, YES, YES), 5),
        # T2 lacks only 有机制 (制度上墙 否); its 所's brand B2 held at T2 (A4)
        ("T2", (NO, YES, YES, YES, YES), 4),
        # T3: 制度 not sent; 0 rooms and 0 m²; K3 without a count; 1 activity; no brand
        ("T3", (UNKNOWN, NO, UNKNOWN, NO, NO), 0),
        # T4: 负责人 not sent; 50 m²; K4 has 8 < 10 members; no activity
        ("T4", (UNKNOWN, YES, NO, NO, NO), 1),
        # T5: 制度上墙 否 makes 有机制 否 whatever the head; 挂牌日期 not sent; no team
        ("T5", (NO, UNKNOWN, NO, YES, NO), 1),
        # T6: opened 1 July, after Q2; its team founded in August; 2 activities
        ("T6", (UNKNOWN, NO, NO, NO, NO), 0),
    ],
)
def test_each_part_of_the_five_haves_is_yes_no_or_not_sent(wh, unit_id, parts, score):
    row = next(r for r in practices.five_haves(wh, Q2)["by_unit"] if r["unit_id"] == unit_id)
    assert _parts(row) == parts
    assert row["score"] == score
    names = [name for _, name, _ in practices.HAVES]
    assert row["lacks"] == [n for n, v in zip(names, parts, strict=True) if v is NO]
    assert row["unreported"] == [n for n, v in zip(names, parts, strict=True) if v is None]


def test_a_station_that_lacks_only_the_mechanism_lists_only_it(wh):
    row = next(r for r in practices.five_haves(wh, Q2)["by_unit"] if r["unit_id"] == "T2")
    assert (row["score"], row["lacks"], row["unreported"]) == (4, ["有机制"], [])


def test_the_five_haves_counts_add_up_per_part(wh):
    figures = practices.five_haves(wh, Q2)
    assert figures["units"] == 8
    # from the table above: (yes, no, 未报送) per part over S1 S2 T1–T6
    assert figures["counts"] == {
        "mechanism": {"yes": 2, "no": 2, "unreported": 4},
        "site": {"yes": 4, "no": 2, "unreported": 2},
        "team": {"yes": 3, "no": 4, "unreported": 1},
        "activity": {"yes": 5, "no": 3, "unreported": 0},
        "project": {"yes": 3, "no": 5, "unreported": 0},
    }


def test_a_county_that_sent_no_teams_or_unit_columns_gets_not_sent_never_no(plain):
    figures = practices.five_haves(plain, Q1_FIXTURE)
    # SA SB ZA1 ZA2 ZB1 ZB2: no 制度上墙, 负责人, 功能室, 面积 and no team anywhere
    assert figures["units"] == 6
    for key in ("mechanism", "site", "team"):
        assert figures["counts"][key] == {"yes": 0, "no": 0, "unreported": 6}


# --- 红灰黑榜 ---------------------------------------------------------------------------------


def _q2_scores():
    """The Q2 scores by hand: prior 64/16 = 4.0 (≥ 3.5); scope completion 3/(5−1)."""
    prior = Fraction(64, 16)

    def adjusted(ratings, total):
        return (total + 5 * prior) / (ratings + 5) if ratings else prior

    def score(activities, ratings, total, completion):
        return (
            40 * min(1, Fraction(activities, 3))
            + 30 * (adjusted(ratings, total) - 1) / 4
            + (30 * completion)
        )

    return {
        "T1": score(3, 2, 10, 1),  # A1–A3; 5 5; O1 done
        "T2": score(3, 2, 10, 1),  # A4–A6; 5 5; O2 done: the same score as T1
        "T3": score(1, 0, 0, Fraction(3, 4)),  # A7; no ratings; no orders
        "T4": score(0, 0, 0, Fraction(3, 4)),  # no activity
        "T5": score(3, 5, 10, 1),  # A8–A10; 2×5 → adjusted 3.0 < 3.5; O5 done
        "T6": score(2, 1, 4, 0),  # A11 A12; 4; O3 cancelled, O4 open
    }


def test_every_station_score_is_its_three_parts(wh):
    expected = _q2_scores()
    ranked = practices.rankings(wh, Q2)
    for row in ranked["stations"]:
        assert row["score"] == pytest.approx(float(expected[row["unit_id"]]), abs=1e-9)
        parts = row["activity_part"] + row["satisfaction_part"] + row["completion_part"]
        assert parts == pytest.approx(row["score"], abs=1e-9)
    t1 = next(r for r in ranked["stations"] if r["unit_id"] == "T1")
    assert (t1["activity_part"], t1["completion_part"]) == (40, 30)
    assert t1["adjusted_score"] == pytest.approx(30 / 7)  # (10 + 5 × 4) / (2 + 5)


def test_a_station_without_ratings_takes_the_prior_and_without_orders_the_scope_rate(wh):
    t3 = next(r for r in practices.rankings(wh, Q2)["stations"] if r["unit_id"] == "T3")
    assert t3["satisfaction_from_prior"] and t3["adjusted_score"] == 4.0
    assert t3["completion_from_scope"] and t3["completion_rate"] == 0.75
    assert t3["satisfaction_part"] == 22.5 and t3["completion_part"] == 22.5


def test_a_tie_at_the_red_cut_puts_both_stations_on_the_red_list(wh):
    ranked = practices.rankings(wh, Q2)
    # black: T4 (no activity), T5 (adjusted 3.0 < 3.5); the rest T1 T2 T3 T6: the top
    # ceil(4 × 10%) = 1 is red, with the tie T2; the bottom ceil(4 × 20%) = 1 grey
    assert ranked["quarter"] == "2025Q2" and ranked["previous_quarter"] == "2025Q1"
    assert {r["unit_id"] for r in ranked["red"]} == {"T1", "T2"}
    assert [r["unit_id"] for r in ranked["grey"]] == ["T6"]
    assert {r["unit_id"]: r["black_reason"] for r in ranked["black"]} == {
        "T4": "本季度无活动",
        "T5": "满意度修正分低于3.5",
    }
    assert [(r["unit_id"], r["rank"]) for r in ranked["stations"][:4]] == [
        ("T1", 1),
        ("T2", 1),
        ("T3", 3),
        ("T6", 4),
    ]


def test_movement_compares_with_the_rank_of_the_quarter_before(wh):
    # Q1: T3 (3 activities) and T1 (1) ranked, no ratings and no orders anywhere: the
    # rest ranks T3 1st (red), T1 2nd (grey); every other station had no activity (black)
    moved = {r["unit_id"]: r for r in practices.rankings(wh, Q2)["stations"]}
    assert (moved["T1"]["previous_rank"], moved["T1"]["previous_list"]) == (2, "grey")
    assert moved["T1"]["movement"] == 1  # 2nd → 1st
    assert moved["T3"]["movement"] == -2  # 1st → 3rd
    assert moved["T2"]["previous_list"] == "black" and moved["T2"]["movement"] is None


# --- 三张清单 ---------------------------------------------------------------------------------


def test_three_lists_by_category_put_the_gaps_first(wh):
    lists = practices.three_lists(wh, Q2)
    rows = {r["category"]: r for r in lists["by_category"]}
    # 关爱帮扶: O3 O4, no team or brand; 法治宣传: O5, none either
    assert [r["category"] for r in lists["by_category"][:2]] == ["关爱帮扶", "法治宣传"]
    assert lists["gaps"] == 2
    assert rows["关爱帮扶"] == {
        "category": "关爱帮扶",
        "demand": 2,
        "teams": 0,
        "brands": 0,
        "resources": 0,
        "delivered": 2,  # A11 A12
        "from_orders": 0,
        "gap": True,
    }
    # 理论宣讲: O1; K1 and B1; A0 A1 A2 A3 of which A1 from O1
    assert (rows["理论宣讲"]["resources"], rows["理论宣讲"]["delivered"]) == (2, 4)
    assert rows["理论宣讲"]["from_orders"] == 1 and rows["理论宣讲"]["gap"] is False
    # K6 (便民服务) is founded after Q2; K3 has no category
    assert "便民服务" not in rows
    assert rows["卫生健康"]["teams"] == 1 and rows["卫生健康"]["demand"] == 0


def test_three_lists_by_unit_judge_each_subtree(wh):
    rows = {(r["name"], r["category"]): r for r in practices.three_lists(wh, Q2)["by_unit"]}
    assert rows[("东河乡新时代文明实践所", "法治宣传")]["gap"] is True
    assert rows[("卜宜乡新时代文明实践所", "文化服务")]["brands"] == 1  # B2, of S1 itself
    assert rows[("本级", "理论宣讲")]["delivered"] == 1  # A0 at the 中心


def test_without_teams_the_resources_and_gaps_are_not_sent(plain):
    lists = practices.three_lists(plain, Q1_FIXTURE)
    assert lists["teams_reported"] is False
    # 便民服务: O1, no brand of that category: a gap would need the teams
    row = next(r for r in lists["by_category"] if r["category"] == "便民服务")
    assert (row["teams"], row["resources"], row["gap"]) == (None, None, None)
    assert lists["gaps"] is None


# --- 积分 and 星级 -----------------------------------------------------------------------------


def test_points_are_hours_times_ten_less_redemptions(wh):
    figures = practices.points(wh, Q2)
    hours = Fraction(24 + 20 + 10 + 8) + Fraction(11, 2)  # V1 A1 A2, V2 A4, V3 A8, V4 A11
    assert figures["hours"] == float(hours) == 67.5
    assert figures["earned"] == float(10 * hours)
    assert figures["redeemed"] == 500 + 100 + 200  # R1 R2 R3 (R4 is in Q1)
    # everything up to 30 June: V1 304 h, V2 130 h, V3 8, V4 5.5 → 4475; less R1–R4 850
    assert figures["balance"] == (304 + 130 + 8 + 5.5) * 10 - 850
    assert figures["persons"] == 4 and figures["unknown_reason"] is None


def test_a_redemption_over_the_balance_is_counted_and_listed_without_the_person(wh):
    # R2: V3 had earned 80 (8 h at A8 on 15 April) when redeeming 100 on 1 May
    assert practices.points(wh, Q2)["overdrawn"] == 1
    listed = practices.overdrawn_redemptions(wh, Q2)
    assert [(r["redemption_id"], r["points"], r["balance_before"]) for r in listed] == [
        ("R2", 100, 80)
    ]
    assert "person_id" not in listed[0]


def test_points_by_unit_and_month_add_up(wh):
    split = practices.points_breakdown(wh, Q2)
    assert [(r["month"], r["earned"], r["redeemed"]) for r in split["by_month"]] == [
        ("2025-04", 240 + 100 + 80 + 55, 500),
        ("2025-05", 200, 100),
        ("2025-06", 0, 200),
    ]
    units = {r["unit_id"]: (r["earned"], r["redeemed"]) for r in split["by_unit"]}
    assert units == {"S1": (540, 700), "S2": (135, 100)}


def test_a_volunteer_crossing_300_hours_inside_the_period_rises_to_two_stars(wh):
    stars = practices.stars(wh, Q2)
    # V1 260 → 304 h (1 → 2 stars); V2 120 → 130 (1 star); V3 8, V4 5.5 (none)
    assert stars["counts"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (stars["volunteers"], stars["starred"], stars["promoted"]) == (4, 2, 1)
    # at the end of Q1 V1 had 260 h and V2 120 h: one star each, nobody promoted in Q1
    before = practices.stars(wh, Scope(date(2025, 1, 1), date(2025, 3, 31)))
    assert before["counts"]["1"] == 2 and before["promoted"] == 0


def test_stars_by_unit_count_hours_within_each_subtree(wh):
    rows = {r["unit_id"]: r for r in practices.stars_by_unit(wh, Q2)}
    assert rows["S1"]["counts"]["2"] == 1 and rows["S1"]["counts"]["1"] == 1
    assert (rows["S2"]["volunteers"], rows["S2"]["starred"]) == (2, 0)


def test_a_county_that_sent_no_hours_or_redemptions_gets_unknown_points_and_stars(plain):
    points = practices.points(plain, Q1_FIXTURE)
    assert points["earned"] is None and points["redeemed"] is None and points["balance"] is None
    assert "服务时长" in points["unknown_reason"] and "积分兑换" in points["unknown_reason"]
    assert practices.stars(plain, Q1_FIXTURE)["counts"] is None
    split = practices.points_breakdown(plain, Q1_FIXTURE)
    assert all(r["earned"] is None for r in split["by_month"] + split["by_unit"])


def test_the_reader_clips_every_family_to_the_account_subtree(practice_db):
    reader = Reader(Warehouse(practice_db), "S2")
    assert {r["unit_id"] for r in reader.read(practices.five_haves, Q2)["by_unit"]} == {
        "S2",
        "T5",
        "T6",
    }
    # S2 alone: V3 8 h and V4 5.5 h → 135 points; R2 100
    assert reader.read(practices.points, Q2)["earned"] == 135
    assert reader.read(practices.points, Q2)["redeemed"] == 100
    with pytest.raises(OutOfScope):
        reader.read(practices.rankings, Scope(Q2.date_from, Q2.date_to, "S1"))


# --- through the import -------------------------------------------------------------------

LEDGERS = {
    "阵地.csv": "阵地编码,阵地名称,层级,上级编码,挂牌日期,制度上墙,负责人,功能室数量,场所面积（平方米）\n"
    "ZX,示范县新时代文明实践中心,中心,,,,,,\n"
    "S1,卜宜乡新时代文明实践所,所,ZX,2020-01-01,是,张所长,3,\n"
    "T1,卜宜村新时代文明实践站,站,S1,2021-01-01,否,李站长,,80\n",
    "活动.csv": "活动编码,活动名称,阵地编码,服务类别,开始时间\n"
    "A1,宣讲,T1,理论宣讲,2025-04-10 09:00\nA2,宣讲,T1,理论宣讲,2025-05-10 09:00\n",
    "志愿者.csv": "活动编码,志愿者编号,服务时长（小时）\nA1,13912345678,12.5\nA2,139 1234 5678,20\n",
    "队伍.csv": "队伍编码,队伍名称,所属阵地编码,服务类别,队员人数\nK1,宣讲队,T1,理论宣讲,12\n",
    "兑换.csv": "兑换编号,参与者编号,兑换阵地编码,兑换时间,积分\nR1,13912345678,T1,2025-04-20,400\n",
}


def test_imported_ledgers_feed_the_practice_figures(tmp_path, capsys):
    from pipelines.cli import main

    folder = tmp_path / "ledgers"
    folder.mkdir()
    for name, text in LEDGERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    assert main(["build", str(folder), "--db", str(db), "--as-of", "2025-06-20"]) == 0
    capsys.readouterr()
    wh = Warehouse(db)
    points = practices.points(wh, Q2)
    # one person under two spellings of a phone number (hashed alike in both tables):
    # 12.5 + 20 h → 325 points; R1 took 400 on 20 April when only 125 were earned
    assert (points["hours"], points["earned"], points["redeemed"]) == (32.5, 325, 400)
    assert (points["persons"], points["balance"], points["overdrawn"]) == (1, -75, 1)
    rows = {r["unit_id"]: _parts(r) for r in practices.five_haves(wh, Q2)["by_unit"]}
    # no brand sent: 有项目 未报送; T1: 制度上墙 否, 80 m², K1 12 members, 2 < 3 activities
    assert rows == {"S1": (YES, YES, YES, NO, UNKNOWN), "T1": (NO, YES, YES, NO, UNKNOWN)}
