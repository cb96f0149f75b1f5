"""What a leader's report lists, and the summary the practices read.

``wenming report`` cuts every list that grows with the stations (需关注, 五有 by_unit, the
红灰黑榜) to ``[report] list_rows`` rows, worst first, and says beside each how long the
whole list is; ``--all`` lists every row. ``volunteer_hours`` (pipelines/summaries.py)
holds the 志愿者 service hours of each (activity, person), summed, as 积分 and 星级 read
them: checked here against the practice county's rows written out by hand.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from practice_county import ATTENDANCE

from dashboard.metrics import Scope, practices
from dashboard.warehouse import Warehouse
from pipelines import settings, summaries
from pipelines.cli import main

Q2 = ("--from", "2025-04-01", "--to", "2025-06-30")
# (section or None, key) of every bounded list of the document
BOUNDED = [
    (None, "low_satisfaction"),
    ("five_haves", "by_unit"),
    ("rankings", "red"),
    ("rankings", "grey"),
    ("rankings", "black"),
]


def _report(capsys, db, *args: str) -> dict:
    code = main(["report", "--db", str(db), *Q2, "--json", *args])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return json.loads(out)


@pytest.fixture
def one_row(tmp_path, monkeypatch):
    """A wenming.toml that lists one row per list."""
    config = tmp_path / "wenming.toml"
    config.write_text("[report]\nlist_rows = 1\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    settings._load_config.cache_clear()
    yield
    settings._load_config.cache_clear()


def test_the_list_rows_setting_is_read_from_the_report_table(one_row):
    assert settings.config().report.list_rows == 1


def test_a_short_report_lists_the_first_rows_and_counts_the_whole_list(
    capsys, practice_db, one_row
):
    whole = _report(capsys, practice_db, "--all")
    short = _report(capsys, practice_db)
    # the practice county in Q2: 8 所站; 红榜 T1 T2 (tied), 灰榜 T6, 黑榜 T4 T5
    assert [r["unit_id"] for r in whole["rankings"]["red"]] == ["T1", "T2"]
    assert {r["unit_id"] for r in whole["rankings"]["black"]} == {"T4", "T5"}
    assert len(whole["five_haves"]["by_unit"]) == 8
    for section, key in BOUNDED:
        full = whole if section is None else whole[section]
        cut = short if section is None else short[section]
        # the total is the whole list's length, with or without --all
        assert full[f"{key}_total"] == len(full[key])
        assert cut[f"{key}_total"] == len(full[key])
        assert cut[key] == full[key][:1]
    assert short["rankings"]["red_total"] == 2 and short["five_haves"]["by_unit_total"] == 8
    # every figure outside the lists is the same
    for doc in (whole, short):
        for section, key in BOUNDED:
            (doc if section is None else doc[section]).pop(key)
    assert short == whole


def test_the_five_haves_list_the_fewest_parts_met_first(capsys, practice_db):
    rows = _report(capsys, practice_db, "--all")["five_haves"]["by_unit"]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores)
    # S1 and T1 meet all five: the last two, the 所 first
    assert [r["unit_id"] for r in rows[-2:]] == ["S1", "T1"]


def test_the_text_report_says_how_many_rows_it_lists(capsys, practice_db, one_row):
    code = main(["report", "--db", str(practice_db), *Q2])
    out, _ = capsys.readouterr()
    assert code == 0
    attention = out.split("六、需关注\n")[1].split("\n\n")[0].splitlines()
    whole = _report(capsys, practice_db, "--all")["low_satisfaction"]
    assert len(whole) > 1
    assert attention[1:] == [f"  （共{len(whole)}个，列出前1个）"]
    # the 红灰黑榜 counts stay those of the whole lists
    assert "    参评站数：6个，红榜：2个，灰榜：1个，黑榜：2个" in out


# ----------------------------------------------------------------- volunteer_hours

# rows added to the practice county: V1 signs A1 a second time (6 h more), a 群众 row with
# hours and a 志愿者 row without a person (neither is a volunteer's hours)
ADDED = [
    ("A1", "V1", "志愿者", Decimal("6")),
    ("A2", "P2", "群众", Decimal("3")),
    ("A3", None, "志愿者", Decimal("4")),
]


@pytest.fixture(scope="module")
def hours_db(practice_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("hours") / "hours.duckdb"
    shutil.copy(practice_db, db)
    with duckdb.connect(str(db)) as con:
        for activity_id, person_id, role, hours in ADDED:
            con.execute(
                "INSERT INTO attendance (activity_id, person_id, headcount, role, service_hours,"
                " source_file, source_row) VALUES (?, ?, 1, ?, ?, 'added.csv', 1)",
                [activity_id, person_id, role, hours],
            )
        summaries.build(con)
    return db


def test_volunteer_hours_hold_each_volunteers_hours_per_activity_summed(hours_db):
    expected: dict[tuple[str, str], Decimal] = {}
    for activity_id, person_id, role, hours in ATTENDANCE:
        if role == "志愿者" and person_id and hours:
            expected[(activity_id, person_id)] = Decimal(hours)
    expected[("A1", "V1")] += Decimal("6")  # 24 + 6
    with duckdb.connect(str(hours_db), read_only=True) as con:
        got = con.sql(
            """SELECT a.activity_id, v.person_id, v.service_hours,
                      v.unit_id = a.unit_id AND v.start_on = a.start_on
                      AND v.start_at IS NOT DISTINCT FROM a.start_at AS same_activity
               FROM volunteer_hours AS v JOIN activity_facts AS f USING (activity_no)
               JOIN activities AS a ON a.activity_id = f.activity_id"""
        ).fetchall()
    assert {(a, p): h for a, p, h, _ in got} == expected
    assert len(got) == len(expected) and all(same for *_, same in got)


def test_points_and_stars_read_from_volunteer_hours_count_the_added_hours(hours_db):
    q2 = Scope(date(2025, 4, 1), date(2025, 6, 30))
    wh = Warehouse(hours_db)
    # Q2 hours: V1 24 + 6 + 20, V2 10, V3 8, V4 5.5 (the 群众 and person-less rows not)
    assert practices.points(wh, q2)["hours"] == 24 + 6 + 20 + 10 + 8 + 5.5
    # V1 260 + 50 = 310 h (two stars), V2 130 h (one); V3, V4 none
    assert practices.stars(wh, q2)["counts"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
