"""Pre-aggregated tables built with the warehouse, so a figure reads thousands of rows,
not the 30 M sign-ins of a province.

Every table here is derived from the loaded tables and nothing else (grains in
``pipelines.schema`` and docs/warehouse.md):

- ``persons``: each attendance ``person_id`` numbered 1, 2, … (``person_no``) by its
  first appearance in (source_file, source_sheet NULLS FIRST, source_row) order;
- ``activity_facts``: one row per activity with its 群众 attendance and its ratings
  aggregated (服务人次 as the contract defines it), numbered (``activity_no``) in the
  same file order;
- ``sign_ins``: one row per attendance row with a person: (activity_no, role, person_no);
- ``person_months``: per unit of level 省/市/中心/所, calendar month and role, the
  persons who signed in at the unit or below it, as a roaring bitmap of ``person_no``;
- ``volunteer_hours``: one row per (activity, 志愿者) with service hours, the hours
  summed, beside the activity's unit and start (the practices' 积分 and 星级 read it);
- ``redemption_balances``: one row per redemption with what its person's balance at its
  time is made of (service hours up to it, points redeemed before it), which no scope
  or period changes (the overdrawn redemptions read it instead of joining each
  redemption to its person's hour rows).

``build(con)`` makes them from scratch; ``extend(con, activity_ids)`` brings them up to
date after rows of those activities (new activities, or new attendance and ratings of
existing ones) were appended to the loaded tables, leaving exactly what ``build`` would.
That holds because rows are only ever added and added rows sort after the existing ones
in file order: a person or an activity first seen in an added row is numbered after
every one before it, in the order ``build`` would number it.
"""

from __future__ import annotations

import array
from collections.abc import Iterable
from datetime import date

import duckdb
import numpy as np
import polars as pl
from pyroaring import BitMap

from pipelines.schema import DDL, SUMMARY_TABLES

# Units whose persons are kept per month (person_months); below them, sign_ins serve.
MONTH_LEVELS = ("省", "市", "中心", "所")

_MONTH_LEVELS_SQL = ", ".join(f"'{level}'" for level in MONTH_LEVELS)

# one row per unit: its nearest ancestor-or-self of a month level (every unit has one:
# the top units are 省, 市 or 中心)
_BRANCHES = f"""
CREATE OR REPLACE TEMP TABLE _branches AS
SELECT t.unit_id, arg_min(t.ancestor_id, t.depth) AS branch_id
FROM unit_tree AS t
JOIN units AS u ON u.unit_id = t.ancestor_id
WHERE u.level IN ({_MONTH_LEVELS_SQL})
GROUP BY t.unit_id"""

# File and sheet names as enums: their codes order rows as (source_file, source_sheet
# NULLS FIRST, source_row) do, on integers (a join on the names costs more than the rest)
_NAME_ENUMS = """
DROP TYPE IF EXISTS _file_names;
DROP TYPE IF EXISTS _sheet_names;
CREATE TYPE _file_names AS ENUM (SELECT DISTINCT source_file FROM attendance ORDER BY 1);
CREATE TYPE _sheet_names AS ENUM (
    SELECT DISTINCT source_sheet FROM attendance WHERE source_sheet IS NOT NULL ORDER BY 1
)"""

# the persons of every attendance row, numbered by first appearance in file order
_PERSONS = """
INSERT INTO persons
WITH sheets AS (SELECT COUNT(DISTINCT source_sheet) + 1 AS n FROM attendance),
first_seen AS (
    SELECT person_id,
           MIN(((enum_code(CAST(source_file AS _file_names)) * (SELECT n FROM sheets)
                 + COALESCE(enum_code(CAST(source_sheet AS _sheet_names)) + 1, 0))
                * 4294967296) + source_row) AS first_seen
    FROM attendance
    WHERE person_id IS NOT NULL
    GROUP BY person_id
)
SELECT person_id, CAST(ROW_NUMBER() OVER (ORDER BY first_seen) AS INTEGER) AS person_no
FROM first_seen"""

# Sign-ins find their person by a 64-bit hash of person_id (a join on integers is several
# times faster than on strings); exact as long as no two persons share a hash, which
# _HASH_COLLISIONS checks (the strings are compared when they do).
_PERSON_HASHES = """
CREATE OR REPLACE TEMP TABLE _person_hashes AS
SELECT hash(person_id) AS person_hash, person_no
FROM persons"""

_HASH_COLLISIONS = "SELECT COUNT(*) - COUNT(DISTINCT person_hash) FROM _person_hashes"

# persons first seen in _changed_attendance, numbered after the existing ones in file order
_NEW_PERSONS = """
INSERT INTO persons
WITH fresh AS (
    SELECT r.person_id, r.source_file, r.source_sheet, r.source_row,
           ROW_NUMBER() OVER (PARTITION BY r.person_id
                              ORDER BY r.source_file, r.source_sheet NULLS FIRST, r.source_row)
               AS n
    FROM _changed_attendance AS r
    ANTI JOIN persons AS p ON p.person_id = r.person_id
    WHERE r.person_id IS NOT NULL
)
SELECT person_id,
       CAST((SELECT COALESCE(MAX(person_no), 0) FROM persons)
            + ROW_NUMBER() OVER (ORDER BY source_file, source_sheet NULLS FIRST, source_row)
            AS INTEGER) AS person_no
FROM fresh
WHERE n = 1"""

# activity_no of every activity: its position in file order
_NUMBERS = """
CREATE OR REPLACE TEMP TABLE _numbers AS
SELECT activity_id,
       CAST(ROW_NUMBER() OVER (ORDER BY source_file, source_sheet NULLS FIRST, source_row)
            AS INTEGER) AS activity_no
FROM activities"""

# activity_no of each changed activity: kept when it has one, else numbered after the
# existing ones in file order
_NEW_NUMBERS = """
CREATE OR REPLACE TEMP TABLE _numbers AS
SELECT a.activity_id,
       COALESCE(f.activity_no,
                CAST((SELECT COALESCE(MAX(activity_no), 0) FROM activity_facts)
                     + ROW_NUMBER() OVER (PARTITION BY f.activity_no IS NULL
                                          ORDER BY a.source_file, a.source_sheet NULLS FIRST,
                                                   a.source_row) AS INTEGER)) AS activity_no
FROM _changed_activities AS a
LEFT JOIN activity_facts AS f ON f.activity_id = a.activity_id"""

# the attendance and ratings of each activity, aggregated: the CTEs of activity_facts,
# shared with the Spark build (pipelines/spark/summaries.py), in the portable subset
FACT_INPUTS = """
served AS (
    SELECT activity_id,
           SUM(headcount) AS headcount,
           SUM(CASE WHEN person_id IS NOT NULL THEN headcount ELSE 0 END) AS signed_in
    FROM {attendance}
    WHERE role = '群众'
    GROUP BY activity_id
),
rated AS (
    SELECT activity_id,
           COUNT(*) AS ratings,
           SUM(score) AS score_sum,
           COUNT(*) FILTER (WHERE score >= 4) AS satisfied,
           COUNT(*) FILTER (WHERE score = 1) AS rated_1,
           COUNT(*) FILTER (WHERE score = 2) AS rated_2,
           COUNT(*) FILTER (WHERE score = 3) AS rated_3,
           COUNT(*) FILTER (WHERE score = 4) AS rated_4,
           COUNT(*) FILTER (WHERE score = 5) AS rated_5
    FROM {ratings}
    GROUP BY activity_id
)"""

# The 志愿者 service hours of each (activity, person): what 积分, 星级 and the overdrawn
# redemptions read (every use is a sum over rows or a set of persons, units or days, so
# summing a person's rows of one activity changes none). {attendance} holds every
# attendance row of the activities in {activities}; {facts} their activity_facts rows.
# Shared with the Spark build (pipelines/spark/summaries.py), in the portable subset.
VOLUNTEER_HOURS = """
SELECT f.activity_no, r.person_id, f.unit_id, f.start_on, a.start_at,
       CAST(SUM(r.service_hours) AS DECIMAL(18, 2)) AS service_hours
FROM {attendance} AS r
JOIN {activities} AS a ON a.activity_id = r.activity_id
JOIN {facts} AS f ON f.activity_id = r.activity_id
WHERE r.role = '志愿者' AND r.person_id IS NOT NULL AND r.service_hours IS NOT NULL
GROUP BY f.activity_no, r.person_id, f.unit_id, f.start_on, a.start_at"""

# What each redemption's balance at its time is made of: the person's service hours of
# activities started at or before it (wherever held) and the points of the person's
# earlier redemptions (at the same moment: lower redemption_id first). Kept as hours, not
# points: points_per_hour is read from wenming.toml when the figure is. {redemptions}
# holds the redemptions, {hours} the volunteer_hours rows. Shared with the Spark build.
REDEMPTION_BALANCES = """
SELECT d.redemption_id,
       CAST(COALESCE(e.hours_before, 0) AS DECIMAL(18, 2)) AS hours_before,
       CAST(COALESCE(p.spent_before, 0) AS BIGINT) AS spent_before
FROM {redemptions} AS d
LEFT JOIN (
    SELECT j.redemption_id, SUM(v.service_hours) AS hours_before
    FROM {redemptions} AS j
    JOIN {hours} AS v ON v.person_id = j.person_id AND v.start_at <= j.redeemed_at
    GROUP BY j.redemption_id
) AS e ON e.redemption_id = d.redemption_id
LEFT JOIN (
    SELECT j.redemption_id, SUM(b.points) AS spent_before
    FROM {redemptions} AS j
    JOIN {redemptions} AS b ON b.person_id = j.person_id
     AND (b.redeemed_at < j.redeemed_at
          OR (b.redeemed_at = j.redeemed_at AND b.redemption_id < j.redemption_id))
    GROUP BY j.redemption_id
) AS p ON p.redemption_id = d.redemption_id"""

_REDEMPTION_BALANCES = (
    "INSERT INTO redemption_balances"
    + REDEMPTION_BALANCES.format(redemptions="redemptions", hours="volunteer_hours")
    + "\nORDER BY d.redemption_id"
)

_VOLUNTEER_HOURS = (
    "INSERT INTO volunteer_hours" + VOLUNTEER_HOURS + "\nORDER BY f.activity_no, r.person_id"
)

# one row per activity of {activities}; {attendance} and {ratings} hold at least their rows
_FACTS = (
    """
INSERT INTO activity_facts
WITH
"""
    + FACT_INPUTS
    + """,
numbered AS (
    SELECT a.*, n.activity_no
    FROM {activities} AS a
    JOIN _numbers AS n ON n.activity_id = a.activity_id
)
SELECT a.activity_no, a.activity_id, a.unit_id, a.brand_id, a.category, a.target_group,
       a.start_on, a.volunteer_count, a.volunteer_hours, a.reported_person_times,
       s.headcount,
       COALESCE(s.signed_in, 0) AS signed_in,
       s.activity_id IS NOT NULL AS has_records,
       COALESCE(s.headcount, a.reported_person_times, 0) AS person_times,
       COALESCE(r.ratings, 0) AS ratings,
       COALESCE(r.score_sum, 0) AS score_sum,
       COALESCE(r.satisfied, 0) AS satisfied,
       COALESCE(r.rated_1, 0) AS rated_1,
       COALESCE(r.rated_2, 0) AS rated_2,
       COALESCE(r.rated_3, 0) AS rated_3,
       COALESCE(r.rated_4, 0) AS rated_4,
       COALESCE(r.rated_5, 0) AS rated_5
FROM numbered AS a
LEFT JOIN served AS s ON s.activity_id = a.activity_id
LEFT JOIN rated AS r ON r.activity_id = a.activity_id
ORDER BY a.activity_no"""
)

# the sign-ins of {attendance} (attendance rows with a person), by activity
_SIGN_INS = """
INSERT INTO sign_ins
SELECT f.activity_no, a.role, p.person_no
FROM {attendance} AS a
JOIN {persons} AS p ON {match}
JOIN activity_facts AS f ON f.activity_id = a.activity_id
ORDER BY f.activity_no"""
_BY_HASH = dict(persons="_person_hashes", match="p.person_hash = hash(a.person_id)")
_BY_ID = dict(persons="persons", match="p.person_id = a.person_id")

# persons per (month-level unit, month, role) of the sign-ins of the activities in
# {activities}, as lists of person_no: each branch's own when {ancestors} is false, else
# every month-level ancestor-or-self of the branch
_MONTH_LISTS = f"""
SELECT t.ancestor_id AS unit_id, CAST(date_trunc('month', f.start_on) AS DATE) AS month,
       s.role, LIST(s.person_no) AS person_nos
FROM sign_ins AS s
JOIN {{activities}} AS f ON f.activity_no = s.activity_no
JOIN _branches AS b ON b.unit_id = f.unit_id
JOIN unit_tree AS t ON t.unit_id = b.branch_id
JOIN units AS u ON u.unit_id = t.ancestor_id
WHERE u.level IN ({_MONTH_LEVELS_SQL}) AND ({{ancestors}} OR t.depth = 0)
GROUP BY ALL"""

# every month-level unit with its nearest month-level strict ancestor, deepest first
_MONTH_UNITS = f"""
SELECT u.unit_id, b.branch_id AS parent_branch
FROM units AS u
LEFT JOIN _branches AS b ON b.unit_id = u.parent_id
JOIN (SELECT unit_id, MAX(depth) AS depth FROM unit_tree GROUP BY unit_id) AS d
  ON d.unit_id = u.unit_id
WHERE u.level IN ({_MONTH_LEVELS_SQL})
ORDER BY d.depth DESC, u.unit_id"""

_PERSON_MONTHS_SCHEMA = {
    "unit_id": pl.String,
    "month": pl.Date,
    "role": pl.String,
    "persons": pl.Int32,
    "person_set": pl.Binary,
}

Key = tuple[str, date, str]  # (unit_id, month, role)


def build(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every summary table from the loaded tables (units, unit_tree,
    activities, attendance and ratings must be filled)."""
    for table in SUMMARY_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(DDL[table])
    con.execute(_BRANCHES)
    con.execute(_NAME_ENUMS)
    con.execute(_PERSONS)
    con.execute("DROP TYPE _file_names; DROP TYPE _sheet_names")
    con.execute(_NUMBERS)
    con.execute(_FACTS.format(activities="activities", attendance="attendance", ratings="ratings"))
    con.execute(
        _VOLUNTEER_HOURS.format(
            attendance="attendance", activities="activities", facts="activity_facts"
        )
    )
    _write_redemption_balances(con)
    con.execute(_PERSON_HASHES)
    unique = con.sql(_HASH_COLLISIONS).fetchall()[0][0] == 0
    con.execute(_SIGN_INS.format(attendance="attendance", **(_BY_HASH if unique else _BY_ID)))
    con.execute("DROP TABLE _person_hashes")
    own = _month_sets(con, _MONTH_LISTS.format(activities="activity_facts", ancestors="FALSE"))
    _write_months(con, _roll_up(con, own))
    con.execute("DROP TABLE _branches")
    con.execute("DROP TABLE _numbers")


def build_person_months(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``person_months`` (created, empty) from ``sign_ins``, ``activity_facts``,
    ``units`` and ``unit_tree``, as ``build`` does: a Spark build makes the other
    summary tables on the cluster and these bitmaps here, over their Parquet."""
    con.execute(_BRANCHES)
    own = _month_sets(con, _MONTH_LISTS.format(activities="activity_facts", ancestors="FALSE"))
    _write_months(con, _roll_up(con, own))
    con.execute("DROP TABLE _branches")


def extend(con: duckdb.DuckDBPyConnection, activity_ids: Iterable[str]) -> None:
    """Bring every summary table up to date after rows of ``activity_ids`` (new
    activities, or new attendance and ratings rows of existing ones) were appended to
    the loaded tables: afterwards each table holds exactly what ``build`` would make.

    The summary tables must exist (a warehouse built before them needs ``build``);
    ``unit_tree`` must already hold any unit the appended activities name.
    """
    ids = sorted(set(activity_ids))
    if ids:
        _extend_activities(con, ids)
    # a redemption's balance changes with any hours or redemption of its person added
    # before it (by activities or by a redemptions file): written again whole, one join
    # per person, as build writes it (and made where a warehouse predates the table)
    con.execute("DROP TABLE IF EXISTS redemption_balances")
    con.execute(DDL["redemption_balances"])
    _write_redemption_balances(con)


def _write_redemption_balances(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``redemption_balances`` (created, empty) from ``redemptions`` and
    ``volunteer_hours``; left empty where the warehouse has no redemptions table."""
    tables = {row[0] for row in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "redemptions" in tables:
        con.execute(_REDEMPTION_BALANCES)


def _extend_activities(con: duckdb.DuckDBPyConnection, ids: list[str]) -> None:
    """``extend`` for the summaries made per activity (all but redemption_balances)."""
    con.execute(_BRANCHES)
    con.execute("CREATE OR REPLACE TEMP TABLE _changed (activity_id VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO _changed SELECT UNNEST(CAST($ids AS VARCHAR[]))", {"ids": ids})
    for table, alias in (("attendance", "a"), ("ratings", "r"), ("activities", "ac")):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _changed_{table} AS SELECT {alias}.* "
            f"FROM {table} AS {alias} SEMI JOIN _changed AS c ON c.activity_id = {alias}.activity_id"
        )
    con.execute(_NEW_PERSONS)
    con.execute(_NEW_NUMBERS)
    con.execute("DELETE FROM sign_ins WHERE activity_no IN (SELECT activity_no FROM _numbers)")
    con.execute(
        "DELETE FROM activity_facts WHERE activity_id IN (SELECT activity_id FROM _changed)"
    )
    con.execute(
        _FACTS.format(
            activities="_changed_activities",
            attendance="_changed_attendance",
            ratings="_changed_ratings",
        )
    )
    con.execute(_SIGN_INS.format(attendance="_changed_attendance", **_BY_ID))
    con.execute(
        "DELETE FROM volunteer_hours WHERE activity_no IN (SELECT activity_no FROM _numbers)"
    )
    con.execute(
        _VOLUNTEER_HOURS.format(
            attendance="_changed_attendance",
            activities="_changed_activities",
            facts="activity_facts",
        )
    )
    changed_facts = (
        "(SELECT f.* FROM activity_facts AS f SEMI JOIN _changed AS c "
        "ON c.activity_id = f.activity_id)"
    )
    added = _month_sets(con, _MONTH_LISTS.format(activities=changed_facts, ancestors="TRUE"))
    if added:
        _merge_months(con, added)
    for table in (
        "_changed",
        "_changed_attendance",
        "_changed_ratings",
        "_changed_activities",
        "_numbers",
        "_branches",
    ):
        con.execute(f"DROP TABLE {table}")


# --------------------------------------------------------------------------- bitmaps


def to_bitmap(values: np.ndarray) -> BitMap:
    """A BitMap of a numpy array of person_no (the constructor's fast path is an
    ``array.array`` of unsigned 32-bit ints, not a numpy array)."""
    buf = array.array("I")
    buf.frombytes(np.ascontiguousarray(values, dtype=np.uint32).tobytes())
    return BitMap(buf)


def serialize(persons: BitMap) -> bytes:
    """The stored form of a set: run-optimised, so equal sets store equal bytes."""
    persons.run_optimize()
    persons.shrink_to_fit()
    return persons.serialize()


def _month_sets(con: duckdb.DuckDBPyConnection, sql: str) -> dict[Key, BitMap]:
    """``(unit_id, month, role) → BitMap`` from a query of those columns and a list of
    person_no, read through Arrow (no Python int per person)."""
    table = con.sql(sql).to_arrow_table()
    if table.num_rows == 0:
        return {}
    lists = table.column("person_nos").combine_chunks()
    values = lists.values.to_numpy(zero_copy_only=False)
    offsets = lists.offsets.to_numpy()
    keys = zip(
        table.column("unit_id").to_pylist(),
        table.column("month").to_pylist(),
        table.column("role").to_pylist(),
        strict=True,
    )
    return {key: to_bitmap(values[offsets[i] : offsets[i + 1]]) for i, key in enumerate(keys)}


def _roll_up(con: duckdb.DuckDBPyConnection, own: dict[Key, BitMap]) -> dict[Key, BitMap]:
    """Each month-level unit's persons: its branch's own, then, deepest first, each
    unit's added to its nearest month-level ancestor's."""
    keys_of: dict[str, list[Key]] = {}
    for key in own:
        keys_of.setdefault(key[0], []).append(key)
    sets = dict(own)
    for unit_id, up in con.sql(_MONTH_UNITS).fetchall():
        if up is None:
            continue
        for key in keys_of.get(unit_id, ()):
            target = (up, key[1], key[2])
            if target in sets:
                sets[target] |= sets[key]
            else:
                sets[target] = BitMap(sets[key])
                keys_of.setdefault(up, []).append(target)
    return sets


def _merge_months(con: duckdb.DuckDBPyConnection, added: dict[Key, BitMap]) -> None:
    """Add persons to person_months rows (creating the rows that are missing)."""
    keys = list(added)
    con.register("_touched", _key_frame(keys))
    rows = con.sql(
        "SELECT m.unit_id, m.month, m.role, m.person_set FROM person_months AS m "
        "SEMI JOIN _touched AS t ON t.unit_id = m.unit_id AND t.month = m.month "
        "AND t.role = m.role"
    ).fetchall()
    for unit_id, month, role, blob in rows:
        added[(unit_id, month, role)] |= BitMap.deserialize(blob)
    con.execute(
        "DELETE FROM person_months AS m WHERE EXISTS (SELECT 1 FROM _touched AS t "
        "WHERE t.unit_id = m.unit_id AND t.month = m.month AND t.role = m.role)"
    )
    con.unregister("_touched")
    _write_months(con, added)


def _key_frame(keys: list[Key]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_id": [k[0] for k in keys],
            "month": [k[1] for k in keys],
            "role": [k[2] for k in keys],
        },
        schema={name: _PERSON_MONTHS_SCHEMA[name] for name in ("unit_id", "month", "role")},
    )


def _write_months(con: duckdb.DuckDBPyConnection, sets: dict[Key, BitMap]) -> None:
    keys = sorted(sets)
    frame = _key_frame(keys).with_columns(
        pl.Series("persons", [len(sets[k]) for k in keys], dtype=pl.Int32),
        pl.Series("person_set", [serialize(sets[k]) for k in keys], dtype=pl.Binary),
    )
    con.register("_months", frame)
    con.execute("INSERT INTO person_months SELECT * FROM _months")
    con.unregister("_months")
