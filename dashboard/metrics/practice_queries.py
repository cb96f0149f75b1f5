"""The SQL of the practices' figures (五有、红灰黑榜、三张清单、积分、星级志愿者), in one place.

Every input of these figures is optional (docs/figures.md): a warehouse built before the
tables existed, or a county that sends none, has no teams, redemptions, per-volunteer
hours or 阵地 columns. ``sources(present)`` therefore opens each query with common table
expressions that read the real table where the warehouse holds it and an empty relation
of the same shape where it does not; the queries below read only those names:

- ``unit_rows``: one row per unit, with the optional 阵地 columns (NULL when absent)
- ``team_rows``: one row per team (志愿服务队伍)
- ``redemption_rows``: one row per redemption (积分兑换)
- ``hour_rows``: one row per (activity, 志愿者) with service hours (the summary table
  ``volunteer_hours``), with the activity's unit_id, start_on and start_at

Parameters: the scope's ``$unit_id``, ``$date_from``, ``$date_to``, and per query the ones
it names. No value is ever written into the text.
"""

from __future__ import annotations

from dashboard.metrics.queries import SCOPE_UNITS

# Where each optional input lives: (table, column) → type. Names as pipelines/schema.py
# gives them (docs/warehouse.md).
UNIT_EXTRAS = {
    "head": "VARCHAR",
    "is_rules_posted": "BOOLEAN",
    "room_count": "INTEGER",
    "area_sqm": "DOUBLE",
}
TEAM_COLUMNS = {
    "team_id": "VARCHAR",
    "unit_id": "VARCHAR",
    "category": "VARCHAR",
    "founded_on": "DATE",
    "member_count": "INTEGER",
}
REDEMPTION_COLUMNS = {
    "redemption_id": "VARCHAR",
    "person_id": "VARCHAR",
    "unit_id": "VARCHAR",
    "redeemed_at": "TIMESTAMP",
    "points": "INTEGER",
}
HOURS_TABLE = "volunteer_hours"
TEAMS, REDEMPTIONS = "teams", "redemptions"

# (table, column) pairs the warehouse holds
PRESENT_COLUMNS = """
SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = $db"""


def _empty(columns: dict[str, str]) -> str:
    cols = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items())
    return f"SELECT {cols} WHERE FALSE"


def _table(present: frozenset[tuple[str, str]], table: str, columns: dict[str, str]) -> str:
    if all((table, name) in present for name in columns):
        return f"SELECT {', '.join(columns)} FROM {table}"
    return _empty(columns)


def sources(present: frozenset[tuple[str, str]]) -> str:
    """The opening ``WITH`` of every practice query (see the module docstring)."""
    extras = ", ".join(
        f"u.{name}" if ("units", name) in present else f"CAST(NULL AS {kind}) AS {name}"
        for name, kind in UNIT_EXTRAS.items()
    )
    # the summary every build writes (pipelines/summaries.py): one row per (activity,
    # volunteer), not the attendance of a province
    hours = f"SELECT person_id, service_hours, unit_id, start_on, start_at FROM {HOURS_TABLE}"
    return f"""WITH
unit_rows AS (
    SELECT u.unit_id, u.name, u.level, u.parent_id, u.opened_on, {extras}
    FROM units AS u
),
team_rows AS ({_table(present, TEAMS, TEAM_COLUMNS)}),
redemption_rows AS ({_table(present, REDEMPTIONS, REDEMPTION_COLUMNS)}),
hour_rows AS ({hours}),
{SCOPE_UNITS.strip()}
"""


# The units whose subtree holds at least one row of an optional input: which parts of
# the tree reported it (the figures say 未报送 elsewhere). One row per (input, unit), for
# the units "sent" is judged at (practices._reporting_root: a 省, 市 or 中心, or the top
# of a tree), not every ancestor of every row: a province has fifty thousand units.
REPORTED = """,
placed AS (
    SELECT DISTINCT 'teams' AS input, unit_id FROM team_rows
    UNION ALL SELECT DISTINCT 'brands', unit_id FROM brands
    UNION ALL SELECT DISTINCT 'redemptions', unit_id FROM redemption_rows
    UNION ALL SELECT DISTINCT 'hours', unit_id FROM hour_rows
)
SELECT DISTINCT p.input, t.ancestor_id AS unit_id
FROM placed AS p
JOIN unit_tree AS t ON t.unit_id = p.unit_id
JOIN unit_rows AS a ON a.unit_id = t.ancestor_id
WHERE a.level IN ('省', '市', '中心') OR a.parent_id IS NULL"""

# The same for one unit: whether the subtree of $root holds a row of each input. One row.
REPORTED_UNDER = """,
subtree AS (SELECT unit_id FROM unit_tree WHERE ancestor_id = $root)
SELECT EXISTS (SELECT 1 FROM team_rows JOIN subtree USING (unit_id)) AS teams,
       EXISTS (SELECT 1 FROM brands JOIN subtree USING (unit_id)) AS brands,
       EXISTS (SELECT 1 FROM redemption_rows JOIN subtree USING (unit_id)) AS redemptions,
       EXISTS (SELECT 1 FROM hour_rows JOIN subtree USING (unit_id)) AS hours"""

# 五有: one row per 所 and 站 in scope, in no order (five_haves orders them), with the
# inputs of its five parts. ``activities`` counts the period's activities of the unit
# and everything below it; teams those of the unit or below founded by the period's end
# (``full_teams`` with member_count ≥ $team_min_members, ``unsized_teams`` without a
# count); ``projects`` the brands of the unit (or of a 站's 所) with an activity held at
# the unit or below in the period.
# Activities and teams are counted per unit first, then summed up the tree: a province's
# year is a million activities, its units fifty thousand.
FIVE_HAVES = """,
subject AS (
    SELECT u.*
    FROM unit_rows AS u
    JOIN scope_units AS s USING (unit_id)
    WHERE u.level IN ('所', '站')
),
held_here AS (
    SELECT f.unit_id, COUNT(*) AS activities
    FROM activity_facts AS f
    JOIN scope_units AS s USING (unit_id)
    WHERE f.start_on BETWEEN $date_from AND $date_to
    GROUP BY f.unit_id
),
held AS (
    SELECT t.ancestor_id AS unit_id, SUM(h.activities) AS activities
    FROM held_here AS h
    JOIN unit_tree AS t ON t.unit_id = h.unit_id
    JOIN subject AS s ON s.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
sized_here AS (
    SELECT m.unit_id,
           COUNT(*) AS teams,
           COUNT(*) FILTER (WHERE m.member_count >= $team_min_members) AS full_teams,
           COUNT(*) FILTER (WHERE m.member_count IS NULL) AS unsized_teams
    FROM team_rows AS m
    JOIN scope_units AS s USING (unit_id)
    WHERE m.founded_on IS NULL OR m.founded_on <= $date_to
    GROUP BY m.unit_id
),
sized AS (
    SELECT t.ancestor_id AS unit_id,
           SUM(z.teams) AS teams,
           SUM(z.full_teams) AS full_teams,
           SUM(z.unsized_teams) AS unsized_teams
    FROM sized_here AS z
    JOIN unit_tree AS t ON t.unit_id = z.unit_id
    JOIN subject AS s ON s.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
-- the brands held at each unit in the period (few: most activities have no brand), then
-- each 所 or 站 above the unit whose own brand it is, or whose 所's brand it is for a 站
branded AS (
    SELECT DISTINCT f.unit_id, f.brand_id
    FROM activity_facts AS f
    JOIN scope_units AS s USING (unit_id)
    WHERE f.brand_id IS NOT NULL AND f.start_on BETWEEN $date_from AND $date_to
),
projects AS (
    SELECT s.unit_id, COUNT(DISTINCT b.brand_id) AS projects
    FROM branded AS f
    JOIN brands AS b ON b.brand_id = f.brand_id
    JOIN unit_tree AS t ON t.unit_id = f.unit_id
    JOIN subject AS s ON s.unit_id = t.ancestor_id
    WHERE b.unit_id = s.unit_id OR (s.level = '站' AND b.unit_id = s.parent_id)
    GROUP BY s.unit_id
)
SELECT s.unit_id, s.name, s.level, s.parent_id, p.name AS parent_name, s.opened_on,
       s.head, s.is_rules_posted, s.room_count,
       -- read only against 0, and as DOUBLE: a DECIMAL (or HUGEINT) column makes every
       -- cell of the fifty thousand rows a Python conversion (Warehouse.query)
       CAST(s.area_sqm AS DOUBLE) AS area_sqm,
       CAST(COALESCE(h.activities, 0) AS BIGINT) AS activities,
       CAST(COALESCE(z.teams, 0) AS BIGINT) AS teams,
       CAST(COALESCE(z.full_teams, 0) AS BIGINT) AS full_teams,
       CAST(COALESCE(z.unsized_teams, 0) AS BIGINT) AS unsized_teams,
       COALESCE(j.projects, 0) AS projects
FROM subject AS s
-- a parent is named only inside the scope (the scope's own parent is outside it)
LEFT JOIN (FROM unit_rows JOIN scope_units USING (unit_id)) AS p ON p.unit_id = s.parent_id
LEFT JOIN held AS h ON h.unit_id = s.unit_id
LEFT JOIN sized AS z ON z.unit_id = s.unit_id
LEFT JOIN projects AS j ON j.unit_id = s.unit_id"""

# 红灰黑榜: one row per 站 in scope, in no order (practices ranks them), with the inputs
# of its score over the period (a quarter): activities, ratings and their score sum of
# the station and its 点, and the orders placed there (cancelled, completed as
# order_figures counts them).
STATION_SCORES = """,
stations AS (
    SELECT u.unit_id, u.name, u.parent_id
    FROM unit_rows AS u
    JOIN scope_units AS s USING (unit_id)
    WHERE u.level = '站'
),
-- counted per unit first, then summed up the tree (as FIVE_HAVES)
held_here AS (
    SELECT f.unit_id, COUNT(*) AS activities,
           SUM(f.ratings) AS ratings, SUM(f.score_sum) AS score_sum
    FROM activity_facts AS f
    JOIN scope_units AS s USING (unit_id)
    WHERE f.start_on BETWEEN $date_from AND $date_to
    GROUP BY f.unit_id
),
held AS (
    SELECT t.ancestor_id AS unit_id, SUM(h.activities) AS activities,
           SUM(h.ratings) AS ratings, SUM(h.score_sum) AS score_sum
    FROM held_here AS h
    JOIN unit_tree AS t ON t.unit_id = h.unit_id
    JOIN stations AS s ON s.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
placed_here AS (
    SELECT o.unit_id, COUNT(*) AS orders,
           COUNT(*) FILTER (WHERE o.status = '已取消') AS cancelled,
           COUNT(*) FILTER (WHERE o.completed_at IS NOT NULL AND o.status <> '已取消')
               AS completed
    FROM orders AS o
    JOIN scope_units AS s USING (unit_id)
    WHERE CAST(o.ordered_at AS DATE) BETWEEN $date_from AND $date_to
    GROUP BY o.unit_id
),
placed AS (
    SELECT t.ancestor_id AS unit_id, SUM(p.orders) AS orders,
           SUM(p.cancelled) AS cancelled, SUM(p.completed) AS completed
    FROM placed_here AS p
    JOIN unit_tree AS t ON t.unit_id = p.unit_id
    JOIN stations AS s ON s.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
)
-- counts as BIGINT, not the HUGEINT of a SUM: fifty thousand rows read into Python
SELECT s.unit_id, s.name, p.name AS parent_name,
       CAST(COALESCE(h.activities, 0) AS BIGINT) AS activities,
       CAST(COALESCE(h.ratings, 0) AS BIGINT) AS ratings,
       CAST(COALESCE(h.score_sum, 0) AS BIGINT) AS score_sum,
       CAST(COALESCE(o.orders, 0) AS BIGINT) AS orders,
       CAST(COALESCE(o.cancelled, 0) AS BIGINT) AS cancelled,
       CAST(COALESCE(o.completed, 0) AS BIGINT) AS completed
FROM stations AS s
-- a parent is named only inside the scope (the scope's own parent is outside it)
LEFT JOIN (FROM unit_rows JOIN scope_units USING (unit_id)) AS p ON p.unit_id = s.parent_id
LEFT JOIN held AS h ON h.unit_id = s.unit_id
LEFT JOIN placed AS o ON o.unit_id = s.unit_id"""

# 三张清单: the orders placed in the period (需求), the teams founded and brands started by
# its end (资源), and the activities held in it (服务, ``from_orders`` of them 群众点单), per
# category for the whole scope (``is_total``) and per (breakdown row, category): the rows
# are the direct children of $anchor_id, summed over their subtree, and the anchor's own.
THREE_LISTS = """,
parts AS (
    SELECT o.unit_id, o.category, 1 AS demand, 0 AS teams, 0 AS brands,
           0 AS delivered, 0 AS from_orders
    FROM orders AS o
    JOIN scope_units AS s USING (unit_id)
    WHERE CAST(o.ordered_at AS DATE) BETWEEN $date_from AND $date_to
    UNION ALL
    SELECT m.unit_id, m.category, 0, 1, 0, 0, 0
    FROM team_rows AS m
    JOIN scope_units AS s USING (unit_id)
    WHERE m.category IS NOT NULL AND (m.founded_on IS NULL OR m.founded_on <= $date_to)
    UNION ALL
    SELECT b.unit_id, b.category, 0, 0, 1, 0, 0
    FROM brands AS b
    JOIN scope_units AS s USING (unit_id)
    WHERE b.category IS NOT NULL AND (b.started_on IS NULL OR b.started_on <= $date_to)
    UNION ALL
    SELECT a.unit_id, a.category, 0, 0, 0, 1,
           CASE WHEN a.source = '群众点单' OR a.order_id IS NOT NULL THEN 1 ELSE 0 END
    FROM activities AS a
    JOIN scope_units AS s USING (unit_id)
    WHERE a.start_on BETWEEN $date_from AND $date_to
),
per_unit AS (
    SELECT unit_id, category,
           SUM(demand) AS demand, SUM(teams) AS teams, SUM(brands) AS brands,
           SUM(delivered) AS delivered, SUM(from_orders) AS from_orders
    FROM parts
    GROUP BY unit_id, category
),
-- the breakdown row of each unit below $anchor_id: the anchor's child above it (the top
-- unit above it when NULL), or the anchor itself (is_self)
rows_of AS (
    SELECT t.unit_id, c.unit_id AS row_id, FALSE AS is_self
    FROM unit_rows AS c
    JOIN unit_tree AS t ON t.ancestor_id = c.unit_id
    WHERE c.parent_id = CAST($anchor_id AS VARCHAR)
       OR (CAST($anchor_id AS VARCHAR) IS NULL AND c.parent_id IS NULL)
    UNION ALL
    SELECT CAST($anchor_id AS VARCHAR), CAST($anchor_id AS VARCHAR), TRUE
    WHERE CAST($anchor_id AS VARCHAR) IS NOT NULL
)
SELECT GROUPING(r.row_id) = 1 AS is_total, r.row_id, r.is_self, p.category,
       SUM(p.demand) AS demand, SUM(p.teams) AS teams, SUM(p.brands) AS brands,
       SUM(p.delivered) AS delivered, SUM(p.from_orders) AS from_orders
FROM per_unit AS p
LEFT JOIN rows_of AS r ON r.unit_id = p.unit_id
GROUP BY GROUPING SETS ((p.category), (r.row_id, r.is_self, p.category))
ORDER BY is_total DESC, r.row_id, p.category"""

# 积分 events of the scope up to the period's end: one row per earning (a 志愿者's hours,
# or a 群众 sign-in when $points_per_signin is not 0) or redemption, with its points.
_POINT_EVENTS = """,
events AS (
    SELECT v.person_id, v.unit_id, v.start_on AS on_date, v.service_hours AS hours,
           $points_per_hour * v.service_hours AS earned, 0 AS redeemed
    FROM hour_rows AS v
    JOIN scope_units AS s USING (unit_id)
    WHERE v.start_on <= $date_to
    UNION ALL
    SELECT r.person_id, a.unit_id, a.start_on, 0, $points_per_signin, 0
    FROM attendance AS r
    JOIN activities AS a USING (activity_id)
    JOIN scope_units AS s ON s.unit_id = a.unit_id
    WHERE {signins} AND r.role = '群众' AND r.person_id IS NOT NULL
      AND a.start_on <= $date_to
    UNION ALL
    SELECT d.person_id, d.unit_id, CAST(d.redeemed_at AS DATE), 0, 0, d.points
    FROM redemption_rows AS d
    JOIN scope_units AS s USING (unit_id)
    WHERE CAST(d.redeemed_at AS DATE) <= $date_to
)"""


def point_events(with_signins: bool) -> str:
    """The events CTE; sign-ins are read only when they earn points (a province holds
    tens of millions of them)."""
    return _POINT_EVENTS.format(signins="TRUE" if with_signins else "FALSE")


# one row: the period's earned and redeemed points, hours and persons; the balance up to
# its end. Persons as COUNT(DISTINCT CASE …), not COUNT(DISTINCT …) FILTER: the same
# count (no event lacks a person), without DuckDB grouping a province's millions of
# events by (person, filter) apart from the sums (0.67 → 0.50 CPU-s)
POINTS = """
SELECT SUM(earned) FILTER (WHERE on_date >= $date_from) AS earned,
       SUM(redeemed) FILTER (WHERE on_date >= $date_from) AS redeemed,
       SUM(hours) FILTER (WHERE on_date >= $date_from) AS hours,
       COALESCE(SUM(earned), 0) - COALESCE(SUM(redeemed), 0) AS balance,
       COUNT(DISTINCT CASE WHEN on_date >= $date_from THEN person_id END) AS persons
FROM events"""

# one row per (unit, month) of the period with points earned or redeemed there
POINTS_BY_UNIT_MONTH = """
SELECT unit_id, strftime(on_date, '%Y-%m') AS month,
       SUM(earned) AS earned, SUM(redeemed) AS redeemed
FROM events
WHERE on_date >= $date_from
GROUP BY unit_id, month
ORDER BY unit_id, month"""

# Redemptions in scope and period larger than the person's balance at their time (every
# earning before it, wherever, less every earlier redemption): one row per redemption,
# without the person. Earnings at the same moment count first; redemptions at the same
# moment in redemption_id order. What the balance is made of is written at build time
# (redemption_balances, pipelines/summaries.py: hours, not points, so points_per_hour is
# the one read now): a province's redeemers have millions of hour rows to join.
OVERDRAWN = """,
judged AS (
    SELECT d.redemption_id, d.unit_id, d.redeemed_at, d.points,
           $points_per_hour * b.hours_before - b.spent_before AS balance_before
    FROM redemption_rows AS d
    JOIN scope_units AS s USING (unit_id)
    JOIN redemption_balances AS b USING (redemption_id)
    WHERE CAST(d.redeemed_at AS DATE) BETWEEN $date_from AND $date_to
)
SELECT j.redemption_id, j.unit_id, u.name AS unit_name, j.redeemed_at, j.points,
       j.balance_before
FROM judged AS j
JOIN unit_rows AS u ON u.unit_id = j.unit_id
WHERE j.points > j.balance_before
ORDER BY j.redeemed_at, j.redemption_id"""

# 星级志愿者: one row per (breakdown row, star level 0–5) with how many volunteers hold it
# at the period's end (hours in the row's subtree up to then) and how many of them rose to
# it in the period. Rows: ``_total`` for the whole scope, each direct child of $anchor_id
# (the top units when NULL) and the anchor itself (``_self``, 本级) for hours served at
# it directly.
_STAR_LEVEL = "len(list_filter(CAST($star_hours AS DOUBLE[]), lambda x: x <= {hours}))"
_STAR_ROWS = """
star_rows AS (
    SELECT '_total' AS row_id, unit_id FROM scope_units
    UNION ALL
    SELECT c.unit_id, t.unit_id
    FROM unit_rows AS c
    JOIN unit_tree AS t ON t.ancestor_id = c.unit_id
    WHERE c.parent_id = CAST($anchor_id AS VARCHAR)
       OR (CAST($anchor_id AS VARCHAR) IS NULL AND c.parent_id IS NULL)
    UNION ALL
    SELECT '_self', CAST($anchor_id AS VARCHAR)
),"""


def _stars(rows: str, row_id: str, join: str) -> str:
    """STARS over the breakdown rows of CTE ``rows`` (joined by ``join``; none: the
    whole scope as ``_total``)."""
    return (
        ""","""
        + rows
        + f"""
served AS (
    SELECT {row_id} AS row_id, v.person_id,
           CAST(SUM(v.service_hours) AS DOUBLE) AS hours_end,
           CAST(COALESCE(SUM(v.service_hours) FILTER (WHERE v.start_on < $date_from), 0)
                AS DOUBLE) AS hours_before
    FROM hour_rows AS v
    JOIN scope_units AS s USING (unit_id){join}
    WHERE v.start_on <= $date_to
    GROUP BY {row_id}, v.person_id
),
levels AS (
    SELECT row_id, """
        + _STAR_LEVEL.format(hours="hours_end")
        + " AS stars, "
        + _STAR_LEVEL.format(hours="hours_before")
        + """ AS stars_before
    FROM served
)
SELECT row_id, stars, COUNT(*) AS volunteers,
       COUNT(*) FILTER (WHERE stars > stars_before) AS promoted
FROM levels
GROUP BY row_id, stars
ORDER BY row_id, stars"""
    )


STARS = _stars(_STAR_ROWS, "r.row_id", "\n    JOIN star_rows AS r ON r.unit_id = v.unit_id")
# the ``_total`` row alone, without a join of the hour rows to the breakdown (a
# province's millions)
STARS_TOTAL = _stars("", "'_total'", "")

PRACTICE_QUERIES: dict[str, str] = {
    "reported": REPORTED,
    "reported_under": REPORTED_UNDER,
    "five_haves": FIVE_HAVES,
    "station_scores": STATION_SCORES,
    "three_lists": THREE_LISTS,
    "points": POINTS,
    "points_by_unit_month": POINTS_BY_UNIT_MONTH,
    "overdrawn": OVERDRAWN,
    "stars": STARS,
    "stars_total": STARS_TOTAL,
}
