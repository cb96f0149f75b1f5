"""The overlap check (数据可信度核查 1) lists every pair of a person's activities at two
units whose times overlap, however their activities interleave: a long activity that
overlaps two later ones which do not overlap each other, a chain across midnight, an
activity without an end, one known only by its date (not compared), a rater present only
by a rating. The expected pairs come from comparing every two of a person's activities."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import combinations

import duckdb
import pytest

from dashboard.metrics.integrity_sql import OVERLAPS
from dashboard.warehouse import Warehouse

OVERLAP_MINUTES = 60
PERIOD = (date(2025, 6, 1), date(2025, 6, 30))

# (activity id, unit, start, end or None)
ACTIVITIES = [
    ("A", "U1", datetime(2025, 6, 2, 9, 0), datetime(2025, 6, 2, 12, 0)),
    ("B", "U2", datetime(2025, 6, 2, 9, 30), datetime(2025, 6, 2, 9, 45)),
    ("C", "U3", datetime(2025, 6, 2, 11, 0), datetime(2025, 6, 2, 11, 30)),
    ("D", "U4", datetime(2025, 6, 2, 11, 59), None),  # runs 60 minutes
    ("G", "U1", datetime(2025, 6, 2, 12, 30), datetime(2025, 6, 2, 12, 40)),
    ("E", "U1", datetime(2025, 6, 3, 23, 30), datetime(2025, 6, 4, 0, 30)),
    ("F", "U2", datetime(2025, 6, 4, 0, 10), None),
    ("H", "U3", datetime(2025, 6, 4, 0, 0), None),  # a date only: never compared
    ("X", "U1", datetime(2025, 6, 5, 10, 0), datetime(2025, 6, 5, 11, 0)),
    ("Y", "U2", datetime(2025, 6, 5, 10, 30), datetime(2025, 6, 5, 11, 30)),
    ("Z", "U3", datetime(2025, 6, 5, 14, 0), datetime(2025, 6, 5, 15, 0)),
]
# person 1 signs in everywhere but X; person 2 signs in at Y and Z and rates X
SIGN_INS = [(1, aid) for aid, *_ in ACTIVITIES if aid != "X"] + [(2, "Y"), (2, "Z")]
RATINGS = [("R2", "X")]
PERSONS = [("R1", 1), ("R2", 2)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("overlap") / "w.duckdb"
    con = duckdb.connect(str(path))
    number = {aid: no for no, (aid, *_) in enumerate(ACTIVITIES, start=1)}
    con.sql("CREATE TABLE unit_tree (unit_id VARCHAR, ancestor_id VARCHAR)")
    con.executemany(
        "INSERT INTO unit_tree VALUES (?, ?)", [(u, u) for u in ("U1", "U2", "U3", "U4")]
    )
    con.sql(
        "CREATE TABLE activities (activity_id VARCHAR, unit_id VARCHAR, title VARCHAR, "
        "start_at TIMESTAMP, start_on DATE, end_at TIMESTAMP, volunteer_count INTEGER, "
        "volunteer_hours DECIMAL(14, 2), reported_person_times INTEGER)"
    )
    con.sql(
        "CREATE TABLE activity_facts (activity_no INTEGER, activity_id VARCHAR, "
        "unit_id VARCHAR, start_on DATE, headcount BIGINT)"
    )
    for aid, unit, start, end in ACTIVITIES:
        con.execute(
            "INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
            [aid, unit, aid, start, start.date(), end],
        )
        con.execute(
            "INSERT INTO activity_facts VALUES (?, ?, ?, ?, 1)",
            [number[aid], aid, unit, start.date()],
        )
    con.sql("CREATE TABLE sign_ins (activity_no INTEGER, role VARCHAR, person_no INTEGER)")
    con.executemany(
        "INSERT INTO sign_ins VALUES (?, '群众', ?)", [(number[a], p) for p, a in SIGN_INS]
    )
    con.sql("CREATE TABLE persons (person_id VARCHAR, person_no INTEGER)")
    con.executemany("INSERT INTO persons VALUES (?, ?)", PERSONS)
    con.sql("CREATE TABLE ratings (activity_id VARCHAR, rater_id VARCHAR, score TINYINT)")
    con.executemany("INSERT INTO ratings VALUES (?, ?, 5)", [(a, r) for r, a in RATINGS])
    con.close()
    return Warehouse(path)


def _expected() -> set[tuple]:
    """Every two activities of one person, at two units, on the same or the next day,
    whose times overlap (a start at 00:00 without an end is not compared)."""
    acts = {aid: (no, unit, start, end) for no, (aid, unit, start, end) in enumerate(ACTIVITIES)}
    present: dict[int, dict[str, bool]] = {}
    for person, aid in SIGN_INS:
        present.setdefault(person, {})[aid] = False
    numbers = dict(PERSONS)
    for rater, aid in RATINGS:
        present.setdefault(numbers[rater], {}).setdefault(aid, True)
    pairs = set()
    for person, held in present.items():
        timed = [
            a for a in held if acts[a][3] is not None or acts[a][2].time() != datetime.min.time()
        ]
        for x, y in combinations(sorted(timed, key=lambda a: acts[a][0]), 2):
            (_, xu, xs, xe), (_, yu, ys, ye) = acts[x], acts[y]
            xe = xe or xs + timedelta(minutes=OVERLAP_MINUTES)
            ye = ye or ys + timedelta(minutes=OVERLAP_MINUTES)
            near = abs((ys.date() - xs.date()).days) <= 1
            if xu != yu and near and xs < ye and ys < xe:
                pairs.add((person, x, y, held[x] or held[y]))
    return pairs


def test_every_overlapping_pair_at_two_units_is_listed_once_and_no_other(warehouse):
    rows = warehouse.query(
        OVERLAPS,
        {
            "unit_id": None,
            "date_from": PERIOD[0],
            "date_to": PERIOD[1],
            "overlap_minutes": OVERLAP_MINUTES,
        },
    )
    listed = [(r["person_no"], r["x_id"], r["y_id"], r["rated"]) for r in rows]
    assert len(listed) == len(set(listed))
    assert set(listed) == _expected()
    # the long A overlaps B and C (which do not overlap each other) and D; E runs past
    # midnight into F; X is person 2's by a rating only
    assert (1, "B", "C", False) not in set(listed)
    assert {(1, "A", "B", False), (1, "A", "C", False), (1, "E", "F", False)} <= set(listed)
    assert (2, "X", "Y", True) in set(listed)
