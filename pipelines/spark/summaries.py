"""``unit_tree`` and the summary tables of ``pipelines.summaries`` as portable SQL over the
loaded tables (``w_<table>`` of the load pass), so they run on the cluster: ``persons``
and ``activity_no`` numbered in file order, ``activity_facts``, ``sign_ins``,
``volunteer_hours``, ``redemption_balances``. Person
counts stay exact (``COUNT(DISTINCT)`` where a figure needs one); the roaring bitmaps
of ``person_months`` are made on the server that serves the figures, from the
``sign_ins`` Parquet (``pipelines.summaries.build_person_months``).
"""

from __future__ import annotations

from pipelines import summaries
from pipelines.spark.engine import Engine

# the deepest unit tree the contract allows is 省 > 市 > 中心 > 所 > 站 > 点: a bound on
# the walk that a cycle (which the parent rules make impossible) could not pass
MAX_DEPTH = 32

FILE_ORDER = "source_file, source_sheet NULLS FIRST, source_row"

PERSONS = f"""
SELECT person_id,
       CAST(ROW_NUMBER() OVER (ORDER BY {FILE_ORDER}) AS INTEGER) AS person_no
FROM (
    SELECT person_id, source_file, source_sheet, source_row,
           ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY {FILE_ORDER}) AS n
    FROM w_attendance
    WHERE person_id IS NOT NULL
) AS first_rows
WHERE n = 1"""

NUMBERS = f"""
SELECT activity_id,
       CAST(ROW_NUMBER() OVER (ORDER BY {FILE_ORDER}) AS INTEGER) AS activity_no
FROM w_activities"""

# as pipelines.summaries._FACTS: one row per activity, from the same aggregates
FACTS = (
    "WITH"
    + summaries.FACT_INPUTS.format(attendance="w_attendance", ratings="w_ratings")
    + """
SELECT CAST(n.activity_no AS INTEGER) AS activity_no, a.activity_id, a.unit_id, a.brand_id,
       a.category, a.target_group, a.start_on, a.volunteer_count, a.volunteer_hours,
       a.reported_person_times,
       CAST(s.headcount AS BIGINT) AS headcount,
       CAST(COALESCE(s.signed_in, 0) AS BIGINT) AS signed_in,
       s.activity_id IS NOT NULL AS has_records,
       CAST(COALESCE(s.headcount, a.reported_person_times, 0) AS BIGINT) AS person_times,
       CAST(COALESCE(r.ratings, 0) AS INTEGER) AS ratings,
       CAST(COALESCE(r.score_sum, 0) AS INTEGER) AS score_sum,
       CAST(COALESCE(r.satisfied, 0) AS INTEGER) AS satisfied,
       CAST(COALESCE(r.rated_1, 0) AS INTEGER) AS rated_1,
       CAST(COALESCE(r.rated_2, 0) AS INTEGER) AS rated_2,
       CAST(COALESCE(r.rated_3, 0) AS INTEGER) AS rated_3,
       CAST(COALESCE(r.rated_4, 0) AS INTEGER) AS rated_4,
       CAST(COALESCE(r.rated_5, 0) AS INTEGER) AS rated_5,
       n.activity_no AS _order
FROM w_activities AS a
JOIN s_numbers AS n ON n.activity_id = a.activity_id
LEFT JOIN served AS s ON s.activity_id = a.activity_id
LEFT JOIN rated AS r ON r.activity_id = a.activity_id"""
)

SIGN_INS = """
SELECT f.activity_no, a.role, p.person_no, f.activity_no AS _order
FROM w_attendance AS a
JOIN s_persons AS p ON p.person_id = a.person_id
JOIN s_activity_facts AS f ON f.activity_id = a.activity_id"""

# as pipelines.summaries._VOLUNTEER_HOURS, from the same query
VOLUNTEER_HOURS = (
    "SELECT *, activity_no AS _order FROM ("
    + summaries.VOLUNTEER_HOURS.format(
        attendance="w_attendance", activities="w_activities", facts="s_activity_facts"
    )
    + ") AS v"
)

# as pipelines.summaries._REDEMPTION_BALANCES, from the same query
REDEMPTION_BALANCES = (
    "SELECT *, redemption_id AS _order FROM ("
    + summaries.REDEMPTION_BALANCES.format(redemptions="w_redemptions", hours="s_volunteer_hours")
    + ") AS b"
)

TREE_START = "SELECT unit_id, unit_id AS ancestor_id, 0 AS depth FROM w_units"
TREE_STEP = """
SELECT t.unit_id, u.parent_id AS ancestor_id, t.depth + 1 AS depth
FROM {previous} AS t
JOIN w_units AS u ON u.unit_id = t.ancestor_id
WHERE u.parent_id IS NOT NULL"""


def unit_tree(engine: Engine) -> None:
    """``s_unit_tree``: one row per (unit, ancestor-or-self), walked level by level (the
    portable subset has no recursive CTE)."""
    engine.view("s_tree_0", TREE_START)
    levels = ["s_tree_0"]
    for depth in range(1, MAX_DEPTH):
        engine.table(f"s_tree_{depth}", TREE_STEP.format(previous=levels[-1]))
        if engine.rows(f"SELECT COUNT(*) AS n FROM s_tree_{depth}")["n"][0] == 0:
            break
        levels.append(f"s_tree_{depth}")
    union = " UNION ALL ".join(f"SELECT unit_id, ancestor_id, depth FROM {t}" for t in levels)
    engine.view(
        "s_unit_tree",
        f"SELECT unit_id, ancestor_id, CAST(depth AS INTEGER) AS depth FROM ({union}) AS t",
    )


def build(engine: Engine) -> None:
    """``s_unit_tree``, ``s_persons``, ``s_numbers``, ``s_activity_facts``, ``s_sign_ins``,
    ``s_volunteer_hours``, ``s_redemption_balances``."""
    unit_tree(engine)
    engine.table("s_persons", PERSONS)
    engine.view("s_numbers", NUMBERS)
    engine.table("s_activity_facts", FACTS)
    engine.view("s_sign_ins", SIGN_INS)
    engine.view("s_volunteer_hours", VOLUNTEER_HOURS)
    engine.view("s_redemption_balances", REDEMPTION_BALANCES)
