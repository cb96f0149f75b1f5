"""Target progress of every 所 in one query (``metrics.targets_progress``, read by the
briefing's 存在问题) is what one scope per 所 gives: the same rows, and actuals equal to
the activity and rating figures of that 所 from 1 January to the as-of date."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest
from conftest import _insert, _with_source

from dashboard import metrics
from dashboard.briefing.problems import towns_behind
from dashboard.metrics import Scope
from dashboard.warehouse import Warehouse

YEAR = 2025
PERIOD = (date(YEAR, 1, 1), date(YEAR, 12, 31))
TOWN = "所"


def _towns(db) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql("SELECT unit_id FROM units WHERE level = ? ORDER BY unit_id", params=[TOWN])
        return [unit_id for (unit_id,) in rows.fetchall()]
    finally:
        con.close()


def _targeted(db, year: int) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql(
            "SELECT DISTINCT unit_id FROM targets WHERE year = ?", params=[year]
        ).fetchall()
        return {unit_id for (unit_id,) in rows}
    finally:
        con.close()


@pytest.fixture(params=["fixture_db", "practice_db", "demo_db"])
def ledgers(request):
    return request.getfixturevalue(request.param)


def test_grouped_target_progress_equals_one_scope_per_town(ledgers):
    towns = _towns(ledgers)
    grouped = metrics.targets_progress(Warehouse(ledgers), Scope(*PERIOD), tuple(towns))
    # a fresh warehouse per town: nothing the grouped read memoised is reused
    one_by_one = [
        row
        for town in towns
        for row in metrics.target_progress(Warehouse(ledgers), Scope(*PERIOD, town))
    ]
    assert grouped == one_by_one
    assert {row["unit_id"] for row in grouped} == _targeted(ledgers, YEAR) & set(towns)


def test_each_towns_actual_is_its_figure_from_new_year_to_the_as_of_date(ledgers):
    wh = Warehouse(ledgers)
    towns = _towns(ledgers)
    keys = {"活动场次": "activities", "服务人次": "person_times", "志愿服务时长": "volunteer_hours"}
    for row in metrics.targets_progress(wh, Scope(*PERIOD), tuple(towns)):
        to_date = Scope(row["date_from"], row["date_to"], row["unit_id"])
        if row["metric"] == "满意率":
            expected = metrics.rating_figures(wh, to_date)["satisfaction_rate"]
        else:
            expected = metrics.activity_figures(wh, to_date)[keys[row["metric"]]]
        assert row["actual"] == pytest.approx(expected), (row["unit_id"], row["metric"])


def test_grouped_progress_of_the_fixture_county_worked_by_hand(fixture_db):
    rows = metrics.targets_progress(Warehouse(fixture_db), Scope(*PERIOD), ("SA", "SB", "ZX"))
    # as of 2025-04-15: 105 of 365 days elapsed
    elapsed = 105 / 365
    # SA (济源路街道所) and below, 2025-01-01..04-15: A01 A02 A03 (ZA1), A09 (SA), A11 (ZA2)
    # against its 活动场次 20: 5 / 20 = 0.25 < 0.2877, behind. SB has no target.
    # ZX's four targets as tests/test_metrics.py works them out.
    got = [(r["unit_id"], r["metric"], r["actual"], r["on_track"]) for r in rows]
    assert got == [
        ("SA", "活动场次", 5, False),
        ("ZX", "活动场次", 13, True),
        ("ZX", "服务人次", 552, False),
        ("ZX", "志愿服务时长", 63.5, True),
        ("ZX", "满意率", pytest.approx(30 / 48), False),
    ]
    assert rows[0]["progress"] == pytest.approx(5 / 20)
    assert [r["year_elapsed"] for r in rows] == [pytest.approx(elapsed)] * 5


def test_a_town_that_held_nothing_counts_zero_and_its_rate_unknown(fixture_db, tmp_path):
    # SB (峡窝镇所) held nothing in 2024 (A13, the year's only activity, is ZA1's)
    db = tmp_path / "targets.duckdb"
    shutil.copyfile(fixture_db, db)
    con = duckdb.connect(str(db))
    try:
        _insert(
            con,
            "targets",
            _with_source([(2024, "SB", "服务人次", 100.0), (2024, "SB", "满意率", 0.9)]),
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    rows = metrics.targets_progress(
        Warehouse(db), Scope(date(2024, 1, 1), date(2024, 12, 31)), ("SB", "ZX")
    )
    got = [(r["unit_id"], r["metric"], r["actual"], r["progress"], r["on_track"]) for r in rows]
    assert got == [
        ("SB", "服务人次", 0, 0.0, False),  # the year is over: 0 of 100 is unmet
        ("SB", "满意率", None, None, None),  # no rating: unknown, never 0
        ("ZX", "活动场次", 1, pytest.approx(1 / 30), False),  # A13 against 30
    ]


def test_the_briefing_names_the_towns_behind_from_the_grouped_read(fixture_db):
    behind = towns_behind(Warehouse(fixture_db), Scope(date(2025, 1, 1), date(2025, 3, 31)))
    # SA is the only 所 with a target; the county's own targets are not a town's
    assert [(r["unit_id"], r["metric"], r["actual"]) for r in behind] == [("SA", "活动场次", 5)]
