"""The summary tables (pipelines/summaries.py) and the figures read from them.

Every figure read from a summary must equal the same figure counted straight from the
loaded tables, written out below as plain SQL over attendance, activities and ratings
(the definitions of the data contract). The fixture county is widened here with the
cases that matter for sets of persons: a person in both roles, a person at two towns, a
sign-in on the last day of a month. ``extend`` must leave exactly what ``build`` makes.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pyroaring import BitMap

from dashboard import metrics
from dashboard.metrics import Scope
from dashboard.report import build_report
from dashboard.warehouse import Warehouse, WarehouseOutdated
from pipelines import summaries
from pipelines.cli import main
from pipelines.schema import SUMMARY_TABLES

# rows added to the fixture county (tests/conftest.py), in a later file
LATER = "later.csv"
EXTRA_ACTIVITIES = [
    # activity_id, unit_id, start_on, reported_person_times
    ("A20", "ZB2", date(2025, 1, 31), 12),  # the last day of January
    ("A21", "SB", date(2025, 2, 1), None),  # the first day of February, a 所's own
    ("A22", "ZA2", date(2025, 3, 31), 7),  # only 志愿者 rows: 服务人次 from the ledger
]
EXTRA_ATTENDANCE = [
    # activity_id, person_id, headcount, role
    ("A20", "P1", 1, "群众"),  # P1 also attends in SA: two towns
    ("A20", "P9", 1, "群众"),
    ("A20", None, 4, "群众"),
    ("A21", "V1", 1, "群众"),  # V1 is a 志愿者 elsewhere: here one of the people served
    ("A21", "P10", 1, "志愿者"),
    ("A22", "V3", 1, "志愿者"),
    ("A01", "P11", 1, "群众"),  # a later sign-in of an earlier activity
    ("A07", "P9", 1, "志愿者"),
]
EXTRA_RATINGS = [("A20", 2, "太吵"), ("A02", 5, None), ("A22", 4, None)]
VOLUNTEER_ROW_HOURS = Decimal("2.5")  # the service hours of each added 志愿者 row

# redemptions of persons who serve in the added rows (V3 at A22 on 31 March, P10 at A21
# on 1 February): redemption_id, person_id, unit_id, redeemed_at, points
EXTRA_REDEMPTIONS = [
    ("R91", "V3", "ZA2", datetime(2025, 4, 1, 9), 5),
    ("R92", "V3", "ZA2", datetime(2025, 4, 1, 9), 3),  # the same moment: after R91
    ("R90", "V3", "ZA2", datetime(2025, 3, 1, 9), 2),  # before A22
    ("R93", "P10", "SB", datetime(2025, 2, 1, 12), 1),
]

# (activity_id, person_id) rows of the fixture that the "earlier" warehouse lacks too:
# the earlier one is the fixture less these and less every row above
HELD_BACK_ATTENDANCE = [("A05", "P2"), ("A11", "P8")]

PERIODS = [
    (date(2025, 1, 1), date(2025, 3, 31)),  # whole months
    (date(2025, 1, 15), date(2025, 3, 10)),  # two partial months and a whole one
    (date(2025, 1, 31), date(2025, 2, 1)),  # two single days
    (date(2025, 2, 2), date(2025, 2, 27)),  # inside one month
    (date(2024, 12, 1), date(2025, 4, 15)),  # the whole warehouse
    (date(2025, 1, 11), date(2025, 1, 19)),  # no sign-in at all
]
UNITS = [None, "ZX", "SA", "SB", "ZA1", "ZA2", "ZB1", "ZB2", "DB1", "JD"]

# ----------------------------------------------------------------- direct definitions

_SCOPE = """
WITH scope_units AS (
    SELECT unit_id FROM unit_tree
    WHERE ancestor_id = COALESCE(CAST($unit_id AS VARCHAR), unit_id)
),
scope_activities AS (
    SELECT a.* FROM activities AS a JOIN scope_units USING (unit_id)
    WHERE a.start_on BETWEEN $date_from AND $date_to
)"""

DIRECT_PERSONS = (
    _SCOPE
    + """
SELECT COUNT(DISTINCT CASE WHEN att.role = '群众' THEN att.person_id END) AS unique_persons,
       COUNT(DISTINCT CASE WHEN att.role = '志愿者' THEN att.person_id END) AS volunteer_persons
FROM attendance AS att JOIN scope_activities USING (activity_id)"""
)

DIRECT_FLOWS = (
    _SCOPE
    + """,
served AS (
    SELECT activity_id, SUM(headcount) AS headcount,
           SUM(CASE WHEN person_id IS NOT NULL THEN headcount ELSE 0 END) AS signed_in
    FROM attendance WHERE role = '群众' GROUP BY activity_id
)
SELECT COUNT(*) AS activities,
       COALESCE(SUM(COALESCE(s.headcount, a.reported_person_times, 0)), 0) AS person_times,
       COALESCE(SUM(s.signed_in), 0) AS signed_in,
       COALESCE(SUM(a.volunteer_hours), 0) AS volunteer_hours,
       COALESCE(SUM(a.volunteer_count), 0) AS volunteer_times,
       (SELECT COUNT(*) FROM ratings JOIN scope_activities USING (activity_id)) AS ratings,
       (SELECT AVG(CAST(score AS DOUBLE)) FROM ratings JOIN scope_activities USING (activity_id))
           AS mean_score,
       (SELECT AVG(CASE WHEN score >= 4 THEN 1.0 ELSE 0.0 END)
        FROM ratings JOIN scope_activities USING (activity_id)) AS satisfaction_rate
FROM scope_activities AS a LEFT JOIN served AS s USING (activity_id)"""
)


def _direct(db, sql: str, unit_id, date_from, date_to) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        rel = con.sql(sql, params={"unit_id": unit_id, "date_from": date_from, "date_to": date_to})
        row = [float(v) if isinstance(v, Decimal) else v for v in rel.fetchall()[0]]
        return dict(zip(rel.columns, row, strict=True))


# ----------------------------------------------------------------- warehouses


def _add_redemptions(con: duckdb.DuckDBPyConnection) -> None:
    for i, row in enumerate(EXTRA_REDEMPTIONS, 2):
        con.execute(
            "INSERT INTO redemptions VALUES (?, ?, ?, ?, ?, NULL, 'redemptions.csv', NULL, ?)",
            [*row, i],
        )


def _add_rows(con: duckdb.DuckDBPyConnection, *, activities=True, attendance=True) -> None:
    """Append the extra rows (from a later file) to a warehouse's loaded tables."""
    if activities:
        for i, (activity_id, unit_id, start_on, reported) in enumerate(EXTRA_ACTIVITIES, 2):
            con.execute(
                "INSERT INTO activities VALUES (?, '补充活动', ?, NULL, '文化服务', ?, ?, NULL,"
                " '自主开展', NULL, 1, 2.5, NULL, ?, NULL, ?, NULL, ?)",
                [activity_id, unit_id, start_on, start_on, reported, LATER, i],
            )
    if attendance:
        rows = [(*row, None, None) for row in EXTRA_ATTENDANCE]
        for i, (activity_id, person_id, headcount, role, at, group) in enumerate(rows, 20):
            # a volunteer's row carries their service hours (volunteer_hours)
            hours = VOLUNTEER_ROW_HOURS if role == "志愿者" else None
            con.execute(
                "INSERT INTO attendance (activity_id, person_id, headcount, checked_in_at,"
                " person_group, role, service_hours, source_file, source_sheet, source_row)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                [activity_id, person_id, headcount, at, group, role, hours, LATER, i],
            )
        for i, (activity_id, score, comment) in enumerate(EXTRA_RATINGS, 40):
            con.execute(
                "INSERT INTO ratings VALUES (?, ?, ?, ?, NULL, ?, NULL, ?)",
                [activity_id, f"L{i}", score, comment, LATER, i],
            )


@pytest.fixture(scope="module")
def wide_db(fixture_db, tmp_path_factory):
    """The fixture county with the extra rows, its summaries built."""
    db = tmp_path_factory.mktemp("summaries") / "wide.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        _add_rows(con)
        summaries.build(con)
    return db


@pytest.fixture(scope="module")
def wide(wide_db):
    """The widened county's warehouse, opened once for the module."""
    return Warehouse(wide_db)


# ----------------------------------------------------------------- figures


@pytest.mark.parametrize("unit_id", UNITS)
@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_person_figures_equal_distinct_person_ids_of_the_attendance(
    wide_db, wide, unit_id, date_from, date_to
):
    expected = _direct(wide_db, DIRECT_PERSONS, unit_id, date_from, date_to)
    wh = wide
    assert metrics.person_figures(wh, Scope(date_from, date_to, unit_id)) == expected
    # the SQL definition itself, read straight from sign_ins, agrees as well
    rows = wh.query(metrics.QUERIES["person_figures"], Scope(date_from, date_to, unit_id).params())
    assert rows == [expected]


@pytest.mark.parametrize("unit_id", UNITS)
@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_flow_and_rating_figures_equal_the_loaded_tables(
    wide_db, wide, unit_id, date_from, date_to
):
    expected = _direct(wide_db, DIRECT_FLOWS, unit_id, date_from, date_to)
    wh = wide
    scope = Scope(date_from, date_to, unit_id)
    got = {
        **metrics.activity_figures(wh, scope),
        **metrics.rating_figures(wh, scope),
        "signed_in": metrics.person_times_sources(wh, scope)["signed_in"],
    }
    assert got == expected


@pytest.mark.parametrize("unit_id", [None, "ZX", "SA", "SB", "ZB1"])
@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_by_unit_persons_equal_a_direct_count_per_row(wide_db, wide, unit_id, date_from, date_to):
    wh = wide
    rows = metrics.by_unit(wh, Scope(date_from, date_to, unit_id))
    anchor = unit_id or "ZX"
    for row in rows:
        if row["is_self"]:
            own = (
                "SELECT COUNT(DISTINCT att.person_id) FROM attendance AS att "
                "JOIN activities AS a USING (activity_id) WHERE att.role = '群众' "
                "AND a.unit_id = $unit_id AND a.start_on BETWEEN $date_from AND $date_to"
            )
            expected = _direct(wide_db, own, anchor, date_from, date_to)
            assert row["unique_persons"] == next(iter(expected.values()))
        else:
            expected = _direct(wide_db, DIRECT_PERSONS, row["unit_id"], date_from, date_to)
            assert row["unique_persons"] == expected["unique_persons"], row["unit_id"]


def test_a_person_at_two_towns_counts_once_for_the_county_and_once_in_each_town(wide_db):
    wh = Warehouse(wide_db)
    january = Scope(date(2025, 1, 1), date(2025, 1, 31))
    rows = {row["unit_id"]: row["unique_persons"] for row in metrics.by_unit(wh, january)}
    # SA: P1 P2 P3 (A01) + P11 (later sign-in of A01); SB: P5 P6 P7 (A07) + P1 P9 (A20)
    assert rows["SA"] == 4
    assert rows["SB"] == 5
    assert metrics.person_figures(wh, january)["unique_persons"] == 8  # P1 once


def test_volunteers_and_people_served_are_counted_apart(wide_db):
    wh = Warehouse(wide_db)
    february = Scope(date(2025, 2, 1), date(2025, 2, 28), "SB")
    # A05 (DB1): P2 served, V2 volunteer; A21 (SB itself): V1 served, P10 volunteer
    assert metrics.person_figures(wh, february) == {"unique_persons": 2, "volunteer_persons": 2}


# ----------------------------------------------------------------- extend == build


def _table(con, table: str) -> list[tuple]:
    return con.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_extend_after_appending_rows_leaves_exactly_what_build_makes(fixture_db, tmp_path):
    # everything: the fixture, two of its sign-ins moved to the later file, the later rows
    full = tmp_path / "full.duckdb"
    shutil.copy(fixture_db, full)
    with duckdb.connect(str(full)) as con:
        con.executemany(
            "UPDATE attendance SET source_file = ?, source_row = 90 + source_row "
            "WHERE activity_id = ? AND person_id = ?",
            [[LATER, *row] for row in HELD_BACK_ATTENDANCE],
        )
        _add_redemptions(con)
        _add_rows(con)
        summaries.build(con)
        built = {table: _table(con, table) for table in SUMMARY_TABLES}
    # earlier: the same less the later file's rows, built; then those rows appended
    part = tmp_path / "part.duckdb"
    shutil.copy(full, part)
    with duckdb.connect(str(part)) as con:
        later = {}
        for table in ("activities", "attendance", "ratings"):
            later[table] = con.sql(f"SELECT * FROM {table} WHERE source_file = '{LATER}'")
            later[table] = later[table].fetchall()
            con.execute(f"DELETE FROM {table} WHERE source_file = ?", [LATER])
        summaries.build(con)
        before = {table: _table(con, table) for table in SUMMARY_TABLES}
        for table, rows in later.items():
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        summaries.extend(con, {row[0] for rows in later.values() for row in rows})
        extended = {table: _table(con, table) for table in SUMMARY_TABLES}
    for table in SUMMARY_TABLES:
        assert before[table] != built[table], table  # the later rows change every table
        assert extended[table] == built[table], table
    # persons already numbered keep their numbers; the new ones follow, in file order
    old, new = dict(before["persons"]), dict(built["persons"])
    assert {p: new[p] for p in old} == old
    fresh = sorted((n, p) for p, n in new.items() if p not in old)
    assert [p for _n, p in fresh] == ["P9", "P10", "P11", "P8"]  # rows 21, 24, 26, 9x
    assert [n for n, _p in fresh] == list(range(len(old) + 1, len(new) + 1))


def test_a_redemptions_balance_counts_hours_up_to_it_and_redemptions_before_it(
    fixture_db, tmp_path
):
    db = tmp_path / "redeemed.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        _add_redemptions(con)
        _add_rows(con)
        summaries.build(con)
        served = con.sql(
            "SELECT r.person_id, a.start_at, r.service_hours FROM attendance AS r "
            "JOIN activities AS a USING (activity_id) "
            "WHERE r.role = '志愿者' AND r.service_hours IS NOT NULL"
        ).fetchall()
        kept = con.sql("SELECT * FROM redemption_balances ORDER BY redemption_id").fetchall()
    by_id = {row[0]: row for row in EXTRA_REDEMPTIONS}

    def hours_before(person_id, at):
        return sum(h for p, start, h in served if p == person_id and start <= at)

    # R91 and R92 at the same moment: R92 (the higher id) comes after R91's 5 points
    spent = {"R90": 0, "R91": 2, "R92": 2 + 5, "R93": 0}
    expected = [
        (rid, hours_before(by_id[rid][1], by_id[rid][3]), spent[rid]) for rid in sorted(spent)
    ]
    assert kept == expected
    # A22 (31 March, 2.5 h) counts for R91 and R92, not for R90 on 1 March
    assert expected[1][1] - expected[0][1] >= VOLUNTEER_ROW_HOURS


def test_extend_with_no_activities_changes_nothing(wide_db, tmp_path):
    db = tmp_path / "same.duckdb"
    shutil.copy(wide_db, db)
    with duckdb.connect(str(db)) as con:
        before = {table: _table(con, table) for table in SUMMARY_TABLES}
        summaries.extend(con, [])
        summaries.extend(con, ["A01", "A20"])  # nothing appended: rebuilt as it was
        assert {table: _table(con, table) for table in SUMMARY_TABLES} == before


def test_sign_ins_find_their_persons_by_id_when_two_hashes_collide(wide_db, tmp_path, monkeypatch):
    db = tmp_path / "collide.duckdb"
    shutil.copy(wide_db, db)
    with duckdb.connect(str(db)) as con:
        expected = {table: _table(con, table) for table in SUMMARY_TABLES}
        # every person the same hash: sign-ins must be matched on the ids themselves
        monkeypatch.setattr(
            summaries,
            "_PERSON_HASHES",
            summaries._PERSON_HASHES.replace("hash(person_id) AS person_hash", "0 AS person_hash"),
        )
        summaries.build(con)
        assert {table: _table(con, table) for table in SUMMARY_TABLES} == expected


def test_person_numbers_follow_first_appearance_in_file_order(wide_db):
    with duckdb.connect(str(wide_db), read_only=True) as con:
        numbers = dict(con.sql("SELECT person_id, person_no FROM persons").fetchall())
        first = con.sql(
            "SELECT person_id FROM attendance WHERE person_id IS NOT NULL "
            "ORDER BY source_file, source_sheet NULLS FIRST, source_row"
        ).fetchall()
    order = list(dict.fromkeys(p for (p,) in first))
    assert sorted(numbers, key=numbers.get) == order
    assert sorted(numbers.values()) == list(range(1, len(order) + 1))


def test_month_sets_hold_the_persons_of_each_unit_and_month(wide_db):
    with duckdb.connect(str(wide_db), read_only=True) as con:
        stored = con.sql("SELECT unit_id, month, role, persons, person_set FROM person_months")
        stored = stored.fetchall()
        expected = con.sql(
            """SELECT t.ancestor_id, CAST(date_trunc('month', a.start_on) AS DATE), att.role,
                      LIST(DISTINCT p.person_no ORDER BY p.person_no)
               FROM attendance AS att JOIN activities AS a USING (activity_id)
               JOIN persons AS p USING (person_id)
               JOIN unit_tree AS t ON t.unit_id = a.unit_id
               JOIN units AS u ON u.unit_id = t.ancestor_id
               WHERE u.level IN ('省', '市', '中心', '所') GROUP BY ALL"""
        ).fetchall()
    got = {(u, m, r): (n, list(BitMap.deserialize(blob))) for u, m, r, n, blob in stored}
    assert got == {(u, m, r): (len(ps), ps) for u, m, r, ps in expected}


# ----------------------------------------------------------------- an earlier warehouse


@pytest.fixture
def old_db(fixture_db, tmp_path):
    """A warehouse as the previous version built it: no summary tables."""
    db = tmp_path / "old.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        for table in SUMMARY_TABLES:
            con.execute(f"DROP TABLE {table}")
    return db


def test_a_warehouse_without_summaries_asks_to_be_rebuilt(old_db):
    with pytest.raises(WarehouseOutdated, match="请重新构建数据仓库"):
        build_report(Warehouse(old_db), Scope(date(2025, 1, 1), date(2025, 3, 31)))


def test_the_report_command_says_to_rebuild_an_old_warehouse(old_db, capsys):
    code = main(["report", "--db", str(old_db), "--from", "2025-01-01", "--to", "2025-03-31"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "缺少数据表" in err and "wenming build" in err


def test_a_warehouse_built_before_teams_and_redemptions_asks_to_be_rebuilt(fixture_db, tmp_path):
    # the practices' tables came later: without them a restricted account's file list (and
    # every practice figure) could not be read, so the file is refused as outdated
    db = tmp_path / "before_practices.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE teams")
        con.execute("DROP TABLE redemptions")
    with pytest.raises(WarehouseOutdated, match="teams、redemptions.*请重新构建数据仓库"):
        build_report(Warehouse(db), Scope(date(2025, 1, 1), date(2025, 3, 31)))


def test_the_overview_page_says_to_rebuild_an_old_warehouse(old_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    monkeypatch.setenv("WENMING_DB", str(old_db))
    at = AppTest.from_file(str(app), default_timeout=30)
    at.run()
    assert not at.exception
    assert any("请重新构建数据仓库" in w.value for w in at.warning)
    assert not at.metric
