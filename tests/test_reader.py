"""The scoped reader: every read an account makes is clipped to its home unit's subtree.

The oracle is the fixture's literal unit rows (tests/conftest.py): a unit's subtree is
found here by walking their parent column, never by asking the code under test.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import pytest
from conftest import ACTIVITIES, UNITS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import lowsat, quality
from dashboard.metrics import OutOfScope, Reader, Scope, UnknownUnit, details, unit_activities
from dashboard.warehouse import Warehouse

PARENT = {row[0]: row[3] for row in UNITS}
NAME = {row[0]: row[1] for row in UNITS}
UNIT_IDS = sorted(PARENT)
YEAR = (date(2025, 1, 1), date(2025, 4, 15))


def subtree(home: str) -> set[str]:
    """``home`` and every unit below it, by the fixture's parent column."""
    found = set()
    for unit in PARENT:
        walk = unit
        while walk is not None and walk != home:
            walk = PARENT[walk]
        if walk == home:
            found.add(unit)
    return found


@pytest.fixture(scope="module")
def wh(fixture_db) -> Warehouse:
    return Warehouse(fixture_db)


def rows_read(reader: Reader, scope: Scope) -> list[tuple[str, str]]:
    """(what, unit_id) of every row a few unit-bearing reads return."""
    found = [("units", row["unit_id"]) for row in reader.read(unit_activities, scope)]
    found += [("orders", row["unit_id"]) for row in reader.read(details.open_orders, scope, days=0)]
    return found


@settings(
    max_examples=220, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    home=st.sampled_from([None, *UNIT_IDS]),
    requested=st.sampled_from([None, *UNIT_IDS, "NOPE"]),
    start=st.dates(date(2024, 10, 1), date(2025, 4, 15)),
    days=st.integers(0, 200),
)
def test_no_account_ever_reads_a_row_outside_its_home_subtree(wh, home, requested, start, days):
    reader = Reader(wh, home)
    scope = Scope(start, start + timedelta(days=days), requested)
    allowed = set(UNIT_IDS) if home is None else subtree(home)
    inside = requested is None or requested in allowed
    if home is not None and not inside:
        with pytest.raises(OutOfScope) as refused:
            rows_read(reader, scope)
        assert str(refused.value) == (
            f"无权查看“{NAME.get(requested, requested)}”的数据："
            f"本账号只能查看“{NAME[home]}”及其下级阵地。"
        )
        return
    if requested == "NOPE":  # a 管理员 asking for a unit the warehouse lacks
        with pytest.raises(UnknownUnit):
            rows_read(reader, scope)
        return
    found = rows_read(reader, scope)
    assert {unit for _, unit in found} <= allowed
    if home is not None and requested is None:  # no unit asked: the home unit's scope
        assert {row["unit_id"] for row in reader.read(unit_activities, scope)} == allowed


def test_a_town_leader_gets_no_name_or_figure_of_a_neighbours_brand_or_activity(wh):
    reader = Reader(wh, "SB")
    months = reader.read(details.brand_months, Scope(*YEAR), brand_ids=("B1", "B2"))
    assert {row["name"] for row in months} == {"五云秀场"}  # B1 草堂叙语 is 济源路街道's
    low = reader.read(lowsat.low_activities, Scope(*YEAR))
    assert {row["unit_id"] for row in low} <= subtree("SB")
    assert {row["id"] for row in low} == {"A07", "A04"}  # 15 ratings of 2.0; the one 1-star
    for brand in ("B1", "B2"):  # B1's activities are held in 济源路街道: none of them
        rows = reader.read(details.brand_activities, Scope(*YEAR), brand_id=brand)
        assert {row["unit_id"] for row in rows} <= subtree("SB")
        assert bool(rows) == (brand == "B2")


def test_a_town_leader_reads_the_towns_activities_and_nothing_of_the_neighbour(wh):
    reader = Reader(wh, "SB")
    rows = reader.read(unit_activities, Scope(*YEAR))
    town = subtree("SB")
    expected = sum(
        1 for a in ACTIVITIES if a[2] in town and "2025-01-01" <= a[5][:10] <= "2025-04-15"
    )
    assert {r["unit_id"] for r in rows} == {"SB", "ZB1", "ZB2", "DB1"}
    assert next(r for r in rows if r["unit_id"] == "SB")["activities"] == expected == 6


def test_a_leader_whose_unit_is_missing_is_told_to_ask_the_administrator(wh):
    with pytest.raises(OutOfScope, match="本账号的所属阵地“GONE”不在当前数据仓库中"):
        Reader(wh, "GONE").clip(Scope(*YEAR))


def test_a_restricted_reader_refuses_an_unscoped_read_it_cannot_filter(wh):
    def whole_table(wh):
        return wh.query("SELECT * FROM activities")

    assert len(Reader(wh).read(whole_table)) == len(ACTIVITIES)
    with pytest.raises(OutOfScope, match="只有管理员可以查看"):
        Reader(wh, "SB").read(whole_table)


@pytest.fixture(scope="module")
def two_files_db(fixture_db, tmp_path_factory):
    """The fixture county as if loaded from one file per town (sb.csv: 峡窝镇's
    activities, sa.csv: the rest) with one rejected row in each."""
    path = tmp_path_factory.mktemp("files") / "two.duckdb"
    shutil.copy(fixture_db, path)
    con = duckdb.connect(str(path))
    sb = sorted(subtree("SB"))
    for table in ("units", "brands", "orders", "activities", "targets"):
        con.execute(f"UPDATE {table} SET source_file = 'sa.csv'")
        con.execute(f"UPDATE {table} SET source_file = 'sb.csv' WHERE unit_id IN ?", [sb])
    for table in ("attendance", "ratings"):
        con.execute(
            f"UPDATE {table} SET source_file = (SELECT source_file FROM activities AS a "
            f"WHERE a.activity_id = {table}.activity_id)"
        )
    con.execute("DELETE FROM source_files")
    for file in ("sa.csv", "sb.csv"):
        con.execute(
            "INSERT INTO source_files VALUES (?, NULL, 'loaded', 'activities', 0, NULL, NULL)",
            [file],
        )
        con.execute(
            "INSERT INTO rejects VALUES (?, NULL, 9, 'activities', 'bad_date', '开始时间无法识别', "
            "?, NULL, NULL, NULL, NULL, NULL)",
            [file, f'{{"活动名称": "{file} 的退回行"}}'],
        )
    con.close()
    return Warehouse(path)


def test_rejects_and_files_are_shown_only_for_files_wholly_in_the_leaders_town(two_files_db):
    town = Reader(two_files_db, "SB")
    assert [r["raw_text"] for r in town.read(quality.rejects)] == ["活动名称：sb.csv 的退回行"]
    assert [r["file"] for r in town.read(quality.file_counts)] == ["sb.csv"]
    assert town.read(quality.conflicts) == []
    # the county's 管理员 sees both files
    assert [r["file"] for r in Reader(two_files_db).read(quality.file_counts)] == [
        "sa.csv",
        "sb.csv",
    ]
    # the centre's file holds rows of both towns: a town leader never sees it
    assert Reader(two_files_db, "SA").read(quality.rejects) == []
