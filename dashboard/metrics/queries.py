"""Every figure's SQL, in one place: DuckDB dialect, standard where it can be.

Each query is plain SQL with ``$name`` parameters bound at run time; no value is ever
written into the text. The shared common table expressions (the scope, the activities
in it with their 服务人次 and ratings, read from the ``activity_facts`` summary that
``pipelines.summaries`` builds with the warehouse) are written once below and prefixed
to the queries that need them, so a figure's definition lives in exactly one string. ``QUERIES`` holds each complete
query by name, ready for ``sqlglot.transpile(sql, read="duckdb", write="spark")``.

Parameters every scoped query reads: ``$unit_id`` (None for the whole warehouse),
``$date_from``, ``$date_to`` (inclusive dates).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- shared CTEs

# one row per unit in scope: the scope unit and everything below it, or every unit
SCOPE_UNITS = """
scope_units AS (
    SELECT t.unit_id
    FROM unit_tree AS t
    WHERE t.ancestor_id = COALESCE(CAST($unit_id AS VARCHAR), t.unit_id)
)"""

# facts: one row per activity in scope from the activity_facts summary (built with the
# warehouse, pipelines/summaries.py): its own columns; its 服务人次 (person_times: the
# headcount of its 群众 attendance where it has any, else the ledger's
# reported_person_times, else 0; 志愿者 rows are not people served), signed_in (群众 rows
# with a person_id), has_records (any 群众 row); its ratings, score_sum, satisfied (score
# >= 4) and rated_1..rated_5 (ratings per score).
SCOPE_FACTS = """
facts AS (
    SELECT f.*, 1 AS activities
    FROM activity_facts AS f
    JOIN scope_units AS s ON s.unit_id = f.unit_id
    WHERE f.start_on BETWEEN $date_from AND $date_to
)"""

# The flow figures of a group of facts ``f``: rows of facts (``activities`` is 1), or of
# their sums per unit (UNIT_SUMS), which add up to the same.
MEASURES = """
    COALESCE(SUM(f.activities), 0) AS activities,
    COALESCE(SUM(f.person_times), 0) AS person_times,
    COALESCE(SUM(f.volunteer_hours), 0) AS volunteer_hours,
    COALESCE(SUM(f.volunteer_count), 0) AS volunteer_times,
    COALESCE(SUM(f.ratings), 0) AS ratings,
    COALESCE(SUM(f.score_sum), 0) AS score_sum,
    CAST(SUM(f.score_sum) AS DOUBLE) / NULLIF(SUM(f.ratings), 0) AS mean_score,
    CAST(SUM(f.satisfied) AS DOUBLE) / NULLIF(SUM(f.ratings), 0) AS satisfaction_rate"""


def adjusted_score(ratings: str, score_sum: str) -> str:
    """满意度修正分: empirical-Bayes shrinkage of a mean toward ``$prior_mean``.

    ``(score_sum + w × prior) / (ratings + w)`` with ``w = $prior_weight`` pseudo-ratings;
    NULL without ratings. See docs/figures.md for the choice of prior and weight.
    """
    return (
        f"CASE WHEN {ratings} > 0 THEN "
        f"(CAST({score_sum} AS DOUBLE) + $prior_weight * $prior_mean) / ({ratings} + $prior_weight) "
        "END"
    )


def _with(*ctes: str) -> str:
    return "WITH " + ",".join(ctes) + "\n"


_BASE = _with(SCOPE_UNITS, SCOPE_FACTS)

# --------------------------------------------------------------------------- headline figures

# 场次, 服务人次, 志愿服务时长, 志愿者人次: one row
ACTIVITY_FIGURES = (
    _BASE
    + """
SELECT COUNT(*) AS activities,
       COALESCE(SUM(person_times), 0) AS person_times,
       COALESCE(SUM(volunteer_hours), 0) AS volunteer_hours,
       COALESCE(SUM(volunteer_count), 0) AS volunteer_times
FROM facts"""
)

# 服务人数, 志愿者人数: distinct persons (person_no numbers person_id one to one) among the
# 群众 / 志愿者 sign-ins of the activities in scope; one row. dashboard.metrics.persons
# computes the same from person_months where a scope spans whole months.
PERSON_FIGURES = (
    _BASE
    + """
SELECT COUNT(DISTINCT CASE WHEN s.role = '群众' THEN s.person_no END) AS unique_persons,
       COUNT(DISTINCT CASE WHEN s.role = '志愿者' THEN s.person_no END) AS volunteer_persons
FROM sign_ins AS s
JOIN facts AS f ON f.activity_no = s.activity_no"""
)

# The persons of whole months: one row per (unit of $unit_ids, role) and month in
# [$month_from, $month_to] with sign-ins at the unit or below it (a roaring bitmap of
# person_no; units of level 省/市/中心/所 only)
PERSON_MONTH_SETS = """
SELECT m.unit_id, m.role, m.person_set
FROM person_months AS m
WHERE m.unit_id IN (SELECT UNNEST(CAST($unit_ids AS VARCHAR[])))
  AND m.month BETWEEN $month_from AND $month_to"""

# The persons of some days: one row per (unit of $unit_ids, role) with sign-ins at the unit
# or below it on [$day_from, $day_to], their person_no as a list
PERSON_DAY_LISTS = """
SELECT t.ancestor_id AS unit_id, s.role, LIST(s.person_no) AS person_nos
FROM sign_ins AS s
JOIN activity_facts AS f ON f.activity_no = s.activity_no
JOIN unit_tree AS t ON t.unit_id = f.unit_id
WHERE t.ancestor_id IN (SELECT UNNEST(CAST($unit_ids AS VARCHAR[])))
  AND f.start_on BETWEEN $day_from AND $day_to
GROUP BY t.ancestor_id, s.role"""

# The persons of the activities held by $unit_id itself (not below it) in the period: one
# row per role, their person_no as a list
PERSON_OWN_LISTS = """
SELECT f.unit_id, s.role, LIST(s.person_no) AS person_nos
FROM sign_ins AS s
JOIN activity_facts AS f ON f.activity_no = s.activity_no
WHERE f.unit_id = $unit_id AND f.start_on BETWEEN $date_from AND $date_to
GROUP BY f.unit_id, s.role"""

# 评价数, 满意度均分, 满意率 (share of scores >= 4): one row
RATING_FIGURES = (
    _BASE
    + """
SELECT COALESCE(SUM(ratings), 0) AS ratings,
       CAST(SUM(score_sum) AS DOUBLE) / NULLIF(SUM(ratings), 0) AS mean_score,
       CAST(SUM(satisfied) AS DOUBLE) / NULLIF(SUM(ratings), 0) AS satisfaction_rate
FROM facts"""
)

# 服务人次 by where it comes from: sign-ins, headcount lines, the ledger's headcount; one row
PERSON_TIMES_SOURCES = (
    _BASE
    + """
SELECT COALESCE(SUM(person_times), 0) AS person_times,
       COALESCE(SUM(signed_in), 0) AS signed_in,
       COALESCE(SUM(CASE WHEN has_records THEN person_times - signed_in ELSE 0 END), 0)
           AS headcount_lines,
       COALESCE(SUM(CASE WHEN has_records THEN 0 ELSE person_times END), 0) AS reported_only,
       COALESCE(SUM(reported_person_times), 0) AS reported_total,
       COUNT(*) AS activities,
       COALESCE(SUM(CASE WHEN has_records THEN 1 ELSE 0 END), 0) AS activities_with_records,
       COALESCE(SUM(CASE WHEN NOT has_records AND reported_person_times IS NOT NULL
                         THEN 1 ELSE 0 END), 0) AS activities_reported_only,
       COALESCE(SUM(CASE WHEN NOT has_records AND reported_person_times IS NULL
                         THEN 1 ELSE 0 END), 0) AS activities_uncounted
FROM facts"""
)

# 阵地数 by level, whatever their dates: one row per level present
UNITS_BY_LEVEL = (
    _with(SCOPE_UNITS)
    + """
SELECT u.level, COUNT(*) AS units
FROM units AS u
JOIN scope_units AS s ON s.unit_id = u.unit_id
GROUP BY u.level"""
)

# 覆盖率 / 有效覆盖率, per village of the scope's jurisdiction. $prefix: the jurisdiction's
# 区划代码 prefix ('' = every imported village). A station (with its 点) counts as
# effective with at least k × m activities in the period ($effective_k × the months from
# the later of $date_from and its 挂牌日期 to $period_end, the as-of date or the period's
# end): a station opened inside the period is judged on the months it was open.
# village_status: one row per village with the 站 in scope, opened by the period's end,
# serving it (its serves list, else its own division_code).
VILLAGE_STATUS = """
jurisdiction AS (
    SELECT d.code, d.name
    FROM divisions AS d
    WHERE d.is_village AND d.code LIKE $prefix || '%'
),
stations AS (
    SELECT u.unit_id, u.division_code, u.serves,
           $effective_k * GREATEST(1, date_diff('month',
               GREATEST($date_from, COALESCE(u.opened_on, $date_from)), $period_end) + 1) AS need
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    WHERE u.level = '站' AND (u.opened_on IS NULL OR u.opened_on <= $date_to)
),
served_villages AS (
    SELECT unit_id, UNNEST(serves) AS code
    FROM stations
    WHERE array_length(serves) > 0
    UNION ALL
    SELECT unit_id, division_code AS code
    FROM stations
    WHERE (serves IS NULL OR array_length(serves) = 0) AND division_code IS NOT NULL
),
station_activities AS (
    SELECT t.ancestor_id AS unit_id, SUM(h.activities) AS activities
    FROM (SELECT unit_id, COUNT(*) AS activities
          FROM activity_facts
          WHERE start_on BETWEEN $date_from AND $date_to
          GROUP BY unit_id) AS h
    JOIN unit_tree AS t ON t.unit_id = h.unit_id
    JOIN stations AS st ON st.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
village_status AS (
    SELECT j.code, j.name,
           ARRAY_AGG(DISTINCT sv.unit_id ORDER BY sv.unit_id)
               FILTER (WHERE sv.unit_id IS NOT NULL) AS stations,
           COUNT(sv.unit_id) > 0 AS is_covered,
           MAX(CASE WHEN sv.unit_id IS NOT NULL
                     AND COALESCE(sa.activities, 0) >= st.need
                    THEN 1 ELSE 0 END) = 1 AS is_effective
    FROM jurisdiction AS j
    LEFT JOIN served_villages AS sv ON sv.code = j.code
    LEFT JOIN stations AS st ON st.unit_id = sv.unit_id
    LEFT JOIN station_activities AS sa ON sa.unit_id = sv.unit_id
    GROUP BY j.code, j.name
)"""

# one row: villages, covered, effective
COVERAGE = (
    _with(SCOPE_UNITS, VILLAGE_STATUS)
    + """
SELECT COUNT(*) AS villages,
       COALESCE(SUM(CASE WHEN is_covered THEN 1 ELSE 0 END), 0) AS covered,
       COALESCE(SUM(CASE WHEN is_effective THEN 1 ELSE 0 END), 0) AS effective
FROM village_status"""
)

# the units of the scope (the unit and everything below it; every unit without one)
SCOPE_UNIT_IDS = _with(SCOPE_UNITS) + "SELECT unit_id FROM scope_units"

# one row per 所 in scope with a town code: its coverage, counted as COVERAGE counts it
# for a scope of that 所 alone (its villages, the 站 below it), all 所 in one pass
COVERAGE_BY_TOWN = (
    _with(SCOPE_UNITS)
    + """,
towns AS (
    SELECT u.unit_id AS town_id, substr(u.division_code, 1, 9) AS prefix
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    WHERE u.level = '所' AND u.division_code LIKE '%000'
),
jurisdiction AS (
    SELECT t.town_id, d.code
    FROM towns AS t
    JOIN divisions AS d ON d.is_village AND substr(d.code, 1, 9) = t.prefix
),
stations AS (
    SELECT t.ancestor_id AS town_id, u.unit_id, u.division_code, u.serves,
           $effective_k * GREATEST(1, date_diff('month',
               GREATEST($date_from, COALESCE(u.opened_on, $date_from)), $period_end) + 1) AS need
    FROM units AS u
    JOIN unit_tree AS t ON t.unit_id = u.unit_id
    JOIN towns AS tw ON tw.town_id = t.ancestor_id
    WHERE u.level = '站' AND (u.opened_on IS NULL OR u.opened_on <= $date_to)
),
served_villages AS (
    SELECT town_id, unit_id, UNNEST(serves) AS code
    FROM stations
    WHERE array_length(serves) > 0
    UNION ALL
    SELECT town_id, unit_id, division_code AS code
    FROM stations
    WHERE (serves IS NULL OR array_length(serves) = 0) AND division_code IS NOT NULL
),
station_activities AS (
    SELECT t.ancestor_id AS unit_id, SUM(h.activities) AS activities
    FROM (SELECT unit_id, COUNT(*) AS activities
          FROM activity_facts
          WHERE start_on BETWEEN $date_from AND $date_to
          GROUP BY unit_id) AS h
    JOIN unit_tree AS t ON t.unit_id = h.unit_id
    JOIN (SELECT DISTINCT unit_id FROM stations) AS st ON st.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
village_status AS (
    SELECT j.town_id, j.code,
           COUNT(sv.unit_id) > 0 AS is_covered,
           MAX(CASE WHEN sv.unit_id IS NOT NULL
                     AND COALESCE(sa.activities, 0) >= st.need
                    THEN 1 ELSE 0 END) = 1 AS is_effective
    FROM jurisdiction AS j
    LEFT JOIN served_villages AS sv ON sv.town_id = j.town_id AND sv.code = j.code
    LEFT JOIN stations AS st ON st.town_id = sv.town_id AND st.unit_id = sv.unit_id
    LEFT JOIN station_activities AS sa ON sa.unit_id = sv.unit_id
    GROUP BY j.town_id, j.code
)
SELECT town_id AS unit_id, COUNT(*) AS villages,
       COALESCE(SUM(CASE WHEN is_covered THEN 1 ELSE 0 END), 0) AS covered,
       COALESCE(SUM(CASE WHEN is_effective THEN 1 ELSE 0 END), 0) AS effective
FROM village_status
GROUP BY town_id"""
)


# one row per village of the jurisdiction, with its town and the stations serving it
def _villages(where: str = "") -> str:
    return (
        _with(SCOPE_UNITS, VILLAGE_STATUS)
        + f"""
SELECT v.code, v.name, town.name AS town_name, v.stations, v.is_covered, v.is_effective
FROM village_status AS v
LEFT JOIN divisions AS town ON town.code = substr(v.code, 1, 9) || '000'
{where}
ORDER BY v.code"""
    )


VILLAGES = _villages()

# the rows of VILLAGES that are not effectively covered (no station serves them, or
# every station serving them is below its need): the briefing's coverage gaps, without
# reading the province's fifty thousand villages into Python
VILLAGE_GAPS = _villages("WHERE NOT v.is_effective")


def held_under(units: str) -> str:
    """The CTE ``held``: for each unit of the table ``units`` (a column ``unit_id``), the
    activities held by it and everything below it in the period, and the last one on or
    before the period's end."""
    return f"""held AS (
    SELECT t.ancestor_id AS unit_id,
           SUM(o.activities) AS activities,
           MAX(o.last_on) AS last_activity_on
    FROM (SELECT unit_id,
                 SUM(CASE WHEN start_on >= $date_from THEN 1 ELSE 0 END) AS activities,
                 MAX(start_on) AS last_on
          FROM activity_facts
          WHERE start_on <= $date_to
          GROUP BY unit_id) AS o
    JOIN unit_tree AS t ON t.unit_id = o.unit_id
    JOIN {units} AS s ON s.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
)"""


# one row per unit in scope: the activities held by it and everything below it in the
# period, and the last one on or before the period's end (NULL when never)
UNIT_ACTIVITIES = (
    _with(SCOPE_UNITS)
    + """,
"""
    + held_under("scope_units")
    + """
SELECT u.unit_id, u.name, u.level, u.parent_id, u.division_code, u.serves, u.opened_on,
       u.is_model, u.lng, u.lat,
       COALESCE(h.activities, 0) AS activities,
       h.last_activity_on
FROM units AS u
JOIN scope_units AS s ON s.unit_id = u.unit_id
LEFT JOIN held AS h ON h.unit_id = u.unit_id
ORDER BY u.unit_id"""
)

# 点单数, 取消数, 办结数, 响应时长 (median hours ordered → accepted): one row
ORDER_FIGURES = (
    _with(SCOPE_UNITS)
    + """,
scope_orders AS (
    SELECT o.*
    FROM orders AS o
    JOIN scope_units AS s ON s.unit_id = o.unit_id
    WHERE CAST(o.ordered_at AS DATE) BETWEEN $date_from AND $date_to
)
SELECT COUNT(*) AS orders,
       COALESCE(SUM(CASE WHEN status = '已取消' THEN 1 ELSE 0 END), 0) AS cancelled,
       COALESCE(SUM(CASE WHEN completed_at IS NOT NULL AND status <> '已取消'
                         THEN 1 ELSE 0 END), 0) AS completed,
       PERCENTILE_CONT(0.5) WITHIN GROUP (
           ORDER BY date_diff('second', ordered_at, accepted_at) / 3600.0
       ) AS median_accept_hours
FROM scope_orders"""
)

# --------------------------------------------------------------------------- breakdowns

# One row per direct child of $anchor_id (or per top unit when it is NULL), plus the
# anchor itself (is_self) when it holds facts of its own; ``{facts}`` names the CTE whose
# rows carry a unit_id. Shaped as BY_UNIT's breakdown, for any fact with a unit.
BREAKDOWN_UNITS = """
breakdown_units AS (
    SELECT u.unit_id, u.name, u.level, FALSE AS is_self
    FROM units AS u
    WHERE u.parent_id = CAST($anchor_id AS VARCHAR)
       OR (CAST($anchor_id AS VARCHAR) IS NULL AND u.parent_id IS NULL)
    UNION ALL
    SELECT u.unit_id, u.name, u.level, TRUE AS is_self
    FROM units AS u
    WHERE u.unit_id = CAST($anchor_id AS VARCHAR)
      AND u.unit_id IN (SELECT unit_id FROM {facts})
),
membership AS (
    SELECT f.{fact_id} AS fact_id, t.ancestor_id AS row_id
    FROM {facts} AS f
    JOIN unit_tree AS t ON t.unit_id = f.unit_id
    JOIN breakdown_units AS b ON b.unit_id = t.ancestor_id AND NOT b.is_self
    UNION ALL
    SELECT f.{fact_id} AS fact_id, f.unit_id AS row_id
    FROM {facts} AS f
    WHERE f.unit_id = CAST($anchor_id AS VARCHAR)
)"""

# by_unit: every direct child, zero-activity children included (+ 本级 when it holds any);
# its unique_persons come from dashboard.metrics.persons (distinct persons do not add up)
# the sums MEASURES reads, per unit holding activities in scope (summed up the tree
# below: cheaper than walking the tree for each activity)
UNIT_SUMS = """
unit_sums AS (
    SELECT unit_id,
           SUM(activities) AS activities,
           SUM(person_times) AS person_times,
           SUM(volunteer_hours) AS volunteer_hours,
           SUM(volunteer_count) AS volunteer_count,
           SUM(ratings) AS ratings,
           SUM(score_sum) AS score_sum,
           SUM(satisfied) AS satisfied
    FROM facts
    GROUP BY unit_id
)"""

BY_UNIT = (
    _with(SCOPE_UNITS, SCOPE_FACTS, UNIT_SUMS)
    + ","
    + BREAKDOWN_UNITS.format(facts="unit_sums", fact_id="unit_id")
    + """,
measures AS (
    SELECT m.row_id,"""
    + MEASURES
    + """
    FROM membership AS m
    JOIN unit_sums AS f ON f.unit_id = m.fact_id
    GROUP BY m.row_id
)
SELECT b.unit_id, b.name, b.level, b.is_self,
       COALESCE(ms.activities, 0) AS activities,
       COALESCE(ms.person_times, 0) AS person_times,
       COALESCE(ms.volunteer_hours, 0) AS volunteer_hours,
       COALESCE(ms.volunteer_times, 0) AS volunteer_times,
       COALESCE(ms.ratings, 0) AS ratings,
       ms.mean_score,
       ms.satisfaction_rate
FROM breakdown_units AS b
LEFT JOIN measures AS ms ON ms.row_id = b.unit_id
ORDER BY activities DESC, b.unit_id"""
)

# One row per brand owned by a unit in scope (zero-activity brands included); its figures
# count its activities in the period, wherever held. Needs $prior_mean, $prior_weight.
SCOPE_BRANDS = """
scope_brands AS (
    SELECT b.brand_id, b.name, b.unit_id, b.category
    FROM brands AS b
    JOIN scope_units AS s ON s.unit_id = b.unit_id
)"""

# facts of the activities of the brands in scope, in the period, wherever held
BRAND_FACTS = """
facts AS (
    SELECT f.*, 1 AS activities
    FROM activity_facts AS f
    JOIN scope_brands AS b ON b.brand_id = f.brand_id
    WHERE f.start_on BETWEEN $date_from AND $date_to
)"""

BY_BRAND = (
    _with(SCOPE_UNITS, SCOPE_BRANDS, BRAND_FACTS)
    + """,
measures AS (
    SELECT f.brand_id,"""
    + MEASURES
    + """
    FROM facts AS f
    GROUP BY f.brand_id
)
SELECT b.brand_id, b.name, b.unit_id, u.name AS unit_name, b.category,
       COALESCE(m.activities, 0) AS activities,
       COALESCE(m.person_times, 0) AS person_times,
       COALESCE(m.volunteer_hours, 0) AS volunteer_hours,
       COALESCE(m.ratings, 0) AS ratings,
       m.mean_score,
       m.satisfaction_rate,
       """
    + adjusted_score("m.ratings", "m.score_sum")
    + """ AS adjusted_score
FROM scope_brands AS b
JOIN units AS u ON u.unit_id = b.unit_id
LEFT JOIN measures AS m ON m.brand_id = b.brand_id
ORDER BY activities DESC, b.brand_id"""
)


def _breakdown(key_sql: str, key: str) -> str:
    return (
        _BASE
        + f"""
SELECT {key_sql} AS {key},"""
        + MEASURES
        + f"""
FROM facts AS f
GROUP BY {key_sql}
ORDER BY activities DESC, {key} NULLS LAST"""
    )


# one row per month with activities (the first day of the month)
BY_MONTH = _breakdown("CAST(date_trunc('month', f.start_on) AS DATE)", "month")
# one row per 服务类别 with activities
BY_CATEGORY = _breakdown("f.category", "category")
# one row per 服务对象 with activities (NULL: not filled in)
BY_TARGET_GROUP = _breakdown("f.target_group", "target_group")

# The figures a target is measured by, for many units in one pass: one row per unit of
# $unit_ids with activities at it or below in [$date_from, $date_to], its flows and
# ratings as MEASURES counts them (the activity and rating figures of a scope of that
# unit alone); a unit without activities has no row.
TARGET_ACTUALS = (
    """WITH facts AS (
    SELECT f.*, 1 AS activities
    FROM activity_facts AS f
    WHERE f.start_on BETWEEN $date_from AND $date_to
),"""
    + UNIT_SUMS
    + """
SELECT t.ancestor_id AS unit_id,"""
    + MEASURES
    + """
FROM unit_sums AS f
JOIN unit_tree AS t ON t.unit_id = f.unit_id
WHERE t.ancestor_id IN (SELECT UNNEST(CAST($unit_ids AS VARCHAR[])))
GROUP BY t.ancestor_id"""
)

# the units of one $level in scope, by unit_id
SCOPE_UNITS_OF_LEVEL = (
    _with(SCOPE_UNITS)
    + """
SELECT u.unit_id
FROM units AS u
JOIN scope_units AS s ON s.unit_id = u.unit_id
WHERE u.level = $level
ORDER BY u.unit_id"""
)

# one row per target of $year set for one of $unit_ids
TARGETS = """
SELECT t.year, t.unit_id, u.name AS unit_name, t.metric, t.value
FROM targets AS t
JOIN units AS u ON u.unit_id = t.unit_id
WHERE t.year = $year AND t.unit_id IN (SELECT UNNEST(CAST($unit_ids AS VARCHAR[])))
ORDER BY t.unit_id, t.metric"""

# --------------------------------------------------------------------------- low satisfaction

# one row per rated activity in scope whose adjusted score is below $threshold
LOW_ACTIVITIES = (
    _BASE
    + """,
scored AS (
    SELECT f.activity_id, f.unit_id, f.brand_id, f.start_on, f.ratings,
           CAST(f.score_sum AS DOUBLE) / f.ratings AS mean_score,
           CAST(f.satisfied AS DOUBLE) / f.ratings AS satisfaction_rate,
           """
    + adjusted_score("f.ratings", "f.score_sum")
    + """ AS adjusted_score
    FROM facts AS f
    WHERE f.ratings > 0
)
SELECT s.activity_id AS id, a.title AS name, s.unit_id, u.name AS unit_name,
       s.brand_id, b.name AS brand_name, s.start_on,
       s.ratings, s.mean_score, s.satisfaction_rate, s.adjusted_score
FROM scored AS s
JOIN activities AS a ON a.activity_id = s.activity_id
JOIN units AS u ON u.unit_id = s.unit_id
LEFT JOIN brands AS b ON b.brand_id = s.brand_id
WHERE s.adjusted_score < $threshold
ORDER BY s.adjusted_score, id"""
)

# one row per brand in scope whose mean fell by >= $min_drop from the first half of
# [$date_from, $period_end] (up to $mid) to the second, with >= $min_ratings in each half.
# The comparison is cross-multiplied so it is exact.
FALLING_BRANDS = (
    _with(SCOPE_UNITS, SCOPE_BRANDS)
    + """,
halves AS (
    SELECT f.brand_id,
           SUM(CASE WHEN f.start_on <= $mid THEN f.ratings ELSE 0 END) AS first_ratings,
           SUM(CASE WHEN f.start_on <= $mid THEN f.score_sum ELSE 0 END) AS first_sum,
           SUM(CASE WHEN f.start_on > $mid THEN f.ratings ELSE 0 END) AS second_ratings,
           SUM(CASE WHEN f.start_on > $mid THEN f.score_sum ELSE 0 END) AS second_sum
    FROM activity_facts AS f
    JOIN scope_brands AS b ON b.brand_id = f.brand_id
    WHERE f.start_on BETWEEN $date_from AND $period_end
    GROUP BY f.brand_id
)
SELECT h.brand_id, h.first_ratings, h.second_ratings,
       CAST(h.first_sum AS DOUBLE) / h.first_ratings AS first_mean,
       CAST(h.second_sum AS DOUBLE) / h.second_ratings AS second_mean
FROM halves AS h
WHERE h.first_ratings >= $min_ratings AND h.second_ratings >= $min_ratings
  AND h.first_sum * h.second_ratings - h.second_sum * h.first_ratings
      >= $min_drop * h.first_ratings * h.second_ratings
ORDER BY h.brand_id"""
)

# one row per 站 in scope opened by $period_end that held no activity (itself or its 点)
# for >= $idle_days days up to $period_end; without one in the period, counted from the
# later of the period's start and the station's opening.
IDLE_STATIONS = (
    _with(SCOPE_UNITS)
    + """,
stations AS (
    SELECT u.unit_id, u.name, u.parent_id, u.opened_on
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    WHERE u.level = '站' AND (u.opened_on IS NULL OR u.opened_on <= $period_end)
),
last_held AS (
    SELECT t.ancestor_id AS unit_id, MAX(o.last_on) AS last_on
    FROM (SELECT unit_id, MAX(start_on) AS last_on
          FROM activity_facts
          WHERE start_on BETWEEN $date_from AND $period_end
          GROUP BY unit_id) AS o
    JOIN unit_tree AS t ON t.unit_id = o.unit_id
    JOIN stations AS st ON st.unit_id = t.ancestor_id
    GROUP BY t.ancestor_id
),
idle AS (
    SELECT st.unit_id, st.name, st.parent_id, l.last_on,
           CASE WHEN l.last_on IS NULL
                THEN date_diff('day', GREATEST($date_from, COALESCE(st.opened_on, $date_from)),
                               $period_end) + 1
                ELSE date_diff('day', l.last_on, $period_end)
           END AS days_idle
    FROM stations AS st
    LEFT JOIN last_held AS l ON l.unit_id = st.unit_id
)
SELECT * FROM idle
WHERE days_idle >= $idle_days
ORDER BY days_idle DESC, unit_id"""
)

# The most frequent phrases of comments on ratings <= $max_score, up to $top per key.
_RANK_PHRASES = """,
phrases AS (
    SELECT c.key, TRIM(p.phrase) AS phrase
    FROM commented AS c, UNNEST(string_split_regex(c.comment, $separators)) AS p(phrase)
),
counted AS (
    SELECT key, phrase, COUNT(*) AS n
    FROM phrases
    WHERE phrase <> ''
    GROUP BY key, phrase
),
ranked AS (
    SELECT key, phrase, n, ROW_NUMBER() OVER (PARTITION BY key ORDER BY n DESC, phrase) AS phrase_rank
    FROM counted
)
SELECT key, phrase, n FROM ranked WHERE phrase_rank <= $top ORDER BY key, phrase_rank"""

# complaints per activity, for the activities $ids
ACTIVITY_COMPLAINTS = (
    """WITH commented AS (
    SELECT r.activity_id AS key, r.comment
    FROM ratings AS r
    WHERE r.score <= $max_score AND r.comment IS NOT NULL
      AND r.activity_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
)"""
    + _RANK_PHRASES
)

# complaints per brand, over the brands $ids' activities in the period
BRAND_COMPLAINTS = (
    """WITH commented AS (
    SELECT a.brand_id AS key, r.comment
    FROM ratings AS r
    JOIN activities AS a ON a.activity_id = r.activity_id
    WHERE r.score <= $max_score AND r.comment IS NOT NULL
      AND a.start_on BETWEEN $date_from AND $date_to
      AND a.brand_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
)"""
    + _RANK_PHRASES
)

QUERIES: dict[str, str] = {
    "activity_figures": ACTIVITY_FIGURES,
    "person_figures": PERSON_FIGURES,
    "person_month_sets": PERSON_MONTH_SETS,
    "person_day_lists": PERSON_DAY_LISTS,
    "person_own_lists": PERSON_OWN_LISTS,
    "rating_figures": RATING_FIGURES,
    "person_times_sources": PERSON_TIMES_SOURCES,
    "units_by_level": UNITS_BY_LEVEL,
    "coverage": COVERAGE,
    "coverage_by_town": COVERAGE_BY_TOWN,
    "scope_unit_ids": SCOPE_UNIT_IDS,
    "villages": VILLAGES,
    "village_gaps": VILLAGE_GAPS,
    "unit_activities": UNIT_ACTIVITIES,
    "order_figures": ORDER_FIGURES,
    "by_unit": BY_UNIT,
    "by_brand": BY_BRAND,
    "by_month": BY_MONTH,
    "by_category": BY_CATEGORY,
    "by_target_group": BY_TARGET_GROUP,
    "targets": TARGETS,
    "target_actuals": TARGET_ACTUALS,
    "scope_units_of_level": SCOPE_UNITS_OF_LEVEL,
    "low_activities": LOW_ACTIVITIES,
    "falling_brands": FALLING_BRANDS,
    "idle_stations": IDLE_STATIONS,
    "activity_complaints": ACTIVITY_COMPLAINTS,
    "brand_complaints": BRAND_COMPLAINTS,
}
