"""The reads behind a fast ``wenming report`` and the practice pages: what a county sent
judged at its own 中心 when the whole tree is read at once, the villages the briefing
names as coverage gaps, and the stars of a scope and of its children from one read.

Expected values are worked out by hand from the rows of tests/practice_county.py and
tests/conftest.py (the comments give the arithmetic).
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import practice_county
import pytest

from dashboard import metrics
from dashboard.metrics import Scope, practices
from dashboard.warehouse import Warehouse

Q2 = Scope(date(2025, 4, 1), date(2025, 6, 30))
OPEN = date(2021, 1, 1)
YES, NO, UNKNOWN = True, False, None

# The practice county (中心 ZX) under a 市 SH, beside a second county ZY that sent no
# teams and no brands, and a 所 S8 placed directly under the 市 (no 中心 above it: it is
# judged by everything under the 市). Columns as practice_county.UNITS.
CITY_UNITS = [
    ("SH", "示范市新时代文明实践中心", "市", None, None, False, None, None, None, None),
    *[(u[:3] + ("SH",) + u[4:]) if u[0] == "ZX" else u for u in practice_county.UNITS],
    ("ZY", "邻县新时代文明实践中心", "中心", "SH", None, False, None, None, None, None),
    ("S9", "邻县城关所", "所", "ZY", OPEN, False, None, None, 1, None),
    ("T9", "邻县城关站", "站", "S9", OPEN, False, None, None, 1, None),
    ("S8", "市直实践所", "所", "SH", OPEN, False, None, None, 1, None),
]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "two_counties.duckdb"
    with mock.patch.object(practice_county, "UNITS", CITY_UNITS):
        practice_county.build_practice_warehouse(path)
    return Warehouse(path)


def _parts(row):
    return tuple(row[key] for key, _, _ in practices.HAVES)


@pytest.mark.parametrize(
    ("unit_id", "parts"),
    [
        # ZY sent no teams and no brands: 有队伍 and 有项目 are 未报送 there; 1 room and a
        # 挂牌日期 make 有阵地; no activity in Q2 (3 needed)
        ("T9", (UNKNOWN, YES, UNKNOWN, NO, UNKNOWN)),
        ("S9", (UNKNOWN, YES, UNKNOWN, NO, UNKNOWN)),
        # S8 has no 中心 above it: the 市's subtree sent teams and brands, so it is 否
        ("S8", (UNKNOWN, YES, NO, NO, NO)),
        # the practice county's own answers stand (T4: K4 has 8 < 10 members)
        ("T4", (UNKNOWN, YES, NO, NO, NO)),
        ("T3", (UNKNOWN, NO, UNKNOWN, NO, NO)),
    ],
)
@pytest.mark.parametrize("scope_unit", [None, "SH"])
def test_what_each_county_sent_decides_its_five_haves_when_the_whole_city_is_read(
    city, unit_id, parts, scope_unit
):
    scope = Scope(Q2.date_from, Q2.date_to, scope_unit)
    rows = {r["unit_id"]: r for r in practices.five_haves(city, scope)["by_unit"]}
    assert _parts(rows[unit_id]) == parts


@pytest.mark.parametrize(("unit_id", "sent"), [("T9", False), ("S9", False), ("S8", True)])
def test_a_county_read_alone_answers_as_the_whole_city_does(city, unit_id, sent):
    scope_unit = "ZY" if unit_id != "S8" else "S8"
    scope = Scope(Q2.date_from, Q2.date_to, scope_unit)
    rows = {r["unit_id"]: r for r in practices.five_haves(city, scope)["by_unit"]}
    assert rows[unit_id]["team"] is (False if sent else None)
    assert practices.is_reported(city, "teams", unit_id) is sent


def test_the_coverage_gaps_are_the_villages_short_of_effective_coverage(fixture_db):
    wh = Warehouse(fixture_db)
    rows = metrics.village_gaps(wh, Scope(date(2025, 1, 1), date(2025, 3, 31), "ZX"))
    # of ZX's six villages: 南林子社区 is served by nobody, 营坡顶村 only by ZB2 (1
    # activity, 3 needed); the other four are effectively covered
    assert [(r["code"], r["name"], r["stations"], r["is_covered"]) for r in rows] == [
        ("410106001003", "南林子社区", [], False),
        ("410106002003", "营坡顶村", ["ZB2"], True),
    ]


def test_there_are_no_coverage_gaps_where_coverage_is_unknown(fixture_db):
    wh = Warehouse(fixture_db)
    assert metrics.village_gaps(wh, Scope(date(2025, 1, 1), date(2025, 3, 31), "SA")) == []


def test_the_stars_of_a_scope_and_of_its_children_come_from_one_read(practice_db):
    got = practices.stars_with_units(Warehouse(practice_db), Q2)
    # V1 260 → 304 h (1 → 2 stars); V2 120 → 130 (1 star); V3 8, V4 5.5 (none)
    stars = got["stars"]
    assert stars["counts"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (stars["volunteers"], stars["starred"], stars["promoted"]) == (4, 2, 1)
    assert stars["unknown_reason"] is None
    rows = {r["unit_id"]: r for r in got["by_unit"]}
    # S1 holds V1 (2 stars) and V2 (1 star); S2's two volunteers have no star
    assert (rows["S1"]["counts"]["2"], rows["S1"]["counts"]["1"]) == (1, 1)
    assert (rows["S2"]["volunteers"], rows["S2"]["starred"]) == (2, 0)


def test_stars_read_with_their_units_are_unknown_where_no_hours_were_sent(fixture_db):
    got = practices.stars_with_units(
        Warehouse(fixture_db), Scope(date(2025, 1, 1), date(2025, 3, 31))
    )
    assert got["stars"]["counts"] is None and got["by_unit"] == []
    assert "服务时长" in got["stars"]["unknown_reason"]
