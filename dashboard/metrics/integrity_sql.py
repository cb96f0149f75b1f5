"""The SQL of the integrity audit (``dashboard.metrics.integrity``), in one place: DuckDB
dialect, ``$name`` parameters bound at run time, the shared scope blocks of
``dashboard.metrics.queries``. Each query's comment states its rule and its grain; the
rules in words are in docs/figures.md (数据可信度核查).
"""

from __future__ import annotations

from dashboard.metrics import queries as q

# one row per activity in scope, with what the checks read
SCOPE_ACTS = """
acts AS (
    SELECT f.activity_no, a.activity_id, a.unit_id, a.title, a.start_at, a.start_on,
           a.end_at, a.volunteer_count, a.volunteer_hours, a.reported_person_times,
           f.headcount
    FROM activity_facts AS f
    JOIN scope_units AS s ON s.unit_id = f.unit_id
    JOIN activities AS a ON a.activity_id = f.activity_id
    WHERE f.start_on BETWEEN $date_from AND $date_to
)"""

# one row per pseudonymous id: persons keep their person_no; a rater who never signed in
# is numbered after every person, by rater id
PERSON_NUMBERS = """
person_numbers AS (
    SELECT person_id, person_no FROM persons
    UNION ALL
    SELECT rater_id AS person_id,
           (SELECT COALESCE(MAX(person_no), 0) FROM persons)
               + CAST(ROW_NUMBER() OVER (ORDER BY rater_id) AS INTEGER) AS person_no
    FROM (SELECT DISTINCT rater_id FROM ratings
          WHERE rater_id IS NOT NULL
            AND rater_id NOT IN (SELECT person_id FROM persons))
)"""


def _with(*ctes: str) -> str:
    return "WITH " + ",".join(ctes) + "\n"


# 1: pairs of activities at different units whose times overlap, per person present at
# both (signed in, or rated); an activity runs from its start to its end, or for
# $overlap_minutes without one; a start without a time (00:00, no end) is not compared.
# The pairs are joined only among each person's candidates (a window over their
# activities by start): a self-join of every presence held the province's whole
# sign-in table in a hash table twice (25 CPU-s).
OVERLAPS = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS, PERSON_NUMBERS)
    + """,
timed AS (
    SELECT activity_no, activity_id, unit_id, start_at, start_on,
           COALESCE(end_at, start_at + to_minutes(CAST($overlap_minutes AS BIGINT))) AS until
    FROM acts
    WHERE end_at IS NOT NULL OR CAST(start_at AS TIME) <> TIME '00:00:00'
),
present AS (
    SELECT p.person_no, p.activity_no, t.start_at, t.start_on, t.until, p.rated_only
    FROM (
        SELECT person_no, activity_no, bool_and(rated) AS rated_only
        FROM (
            SELECT s.person_no, s.activity_no, FALSE AS rated
            FROM sign_ins AS s
            WHERE s.activity_no IN (SELECT activity_no FROM timed)
            UNION ALL
            SELECT n.person_no, t.activity_no, TRUE AS rated
            FROM ratings AS r
            JOIN timed AS t ON t.activity_id = r.activity_id
            JOIN person_numbers AS n ON n.person_id = r.rater_id
        )
        GROUP BY person_no, activity_no
    ) AS p
    JOIN timed AS t ON t.activity_no = p.activity_no
),
-- only a person's activities that overlap an earlier or a later one of theirs (by start)
-- can be in a pair: those starting before the latest end of the earlier ones, or ending
-- after the next one starts
candidates AS (
    SELECT c.person_no, c.activity_no, c.start_at, c.start_on, c.until, c.rated_only,
           t.activity_id, t.unit_id
    FROM (
        SELECT *,
               MAX(until) OVER (PARTITION BY person_no ORDER BY start_at, activity_no
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_until,
               LEAD(start_at) OVER (PARTITION BY person_no ORDER BY start_at, activity_no) AS next_at
        FROM present
    ) AS c
    JOIN timed AS t ON t.activity_no = c.activity_no
    WHERE c.before_until > c.start_at OR c.next_at < c.until
),
pairs AS (
    SELECT x.person_no, x.activity_no AS x_no, y.activity_no AS y_no
    FROM candidates AS x
    JOIN candidates AS y ON y.person_no = x.person_no AND y.start_on = x.start_on
    WHERE x.activity_no < y.activity_no AND x.unit_id <> y.unit_id
      AND x.start_at < y.until AND y.start_at < x.until
    UNION
    SELECT x.person_no, LEAST(x.activity_no, y.activity_no), GREATEST(x.activity_no, y.activity_no)
    FROM candidates AS x
    JOIN candidates AS y ON y.person_no = x.person_no AND y.start_on = x.start_on + 1
    WHERE x.unit_id <> y.unit_id AND x.start_at < y.until AND y.start_at < x.until
)
SELECT p.person_no, x.activity_id AS x_id, x.unit_id AS x_unit, x.start_at AS x_at,
       y.activity_id AS y_id, y.unit_id AS y_unit, y.start_at AS y_at,
       x.rated_only OR y.rated_only AS rated
FROM pairs AS p
JOIN candidates AS x ON x.person_no = p.person_no AND x.activity_no = p.x_no
JOIN candidates AS y ON y.person_no = p.person_no AND y.activity_no = p.y_no
ORDER BY p.person_no, x.start_at, x.activity_id, y.activity_id"""
)

# 2a: groups of two or more activities whose 群众 sign-ins are the same persons
# (at least $copied_min_persons); one row per group
SAME_PERSONS = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """,
sets AS (
    SELECT s.activity_no, LIST(s.person_no ORDER BY s.person_no) AS persons
    FROM sign_ins AS s
    JOIN acts AS a ON a.activity_no = s.activity_no
    WHERE s.role = '群众'
    GROUP BY s.activity_no
    HAVING COUNT(*) >= $copied_min_persons
)
SELECT len(any_value(s.persons)) AS persons,
       LIST(a.activity_id ORDER BY a.start_at, a.activity_id) AS activity_ids,
       LIST(a.start_at ORDER BY a.start_at, a.activity_id) AS dates,
       LIST(a.unit_id ORDER BY a.start_at, a.activity_id) AS unit_ids
FROM sets AS s
JOIN acts AS a ON a.activity_no = s.activity_no
GROUP BY s.persons
HAVING COUNT(*) >= 2
ORDER BY activity_ids"""
)

# 2b: groups of activities on one day with the same title, 参与人次 (given), 志愿者人数 and
# 志愿服务时长, held by two or more units; one row per group
SAME_NUMBERS = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """
SELECT any_value(title) AS title, any_value(reported_person_times) AS reported,
       any_value(volunteer_count) AS volunteers, any_value(volunteer_hours) AS hours,
       LIST(activity_id ORDER BY unit_id, activity_id) AS activity_ids,
       LIST(start_at ORDER BY unit_id, activity_id) AS dates,
       LIST(unit_id ORDER BY unit_id, activity_id) AS unit_ids
FROM acts
WHERE reported_person_times IS NOT NULL
GROUP BY start_on, title, reported_person_times, volunteer_count, volunteer_hours
HAVING COUNT(DISTINCT unit_id) >= 2
ORDER BY activity_ids"""
)

_ROUND_REPORTED = "(reported_person_times > 0 AND reported_person_times % 5 = 0)"
_ROUND_HOURS = "(volunteer_hours > 0 AND volunteer_hours % 4 = 0)"

# 3: per unit holding at least $heaping_min_activities activities of its own: its numbers
# (参与人次 and 志愿服务时长 given and above 0), how many are round, and the same for the
# headcounts of its 群众 records
HEAPING = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + f"""
SELECT unit_id, COUNT(*) AS activities,
       COUNT(*) FILTER (WHERE reported_person_times > 0)
           + COUNT(*) FILTER (WHERE volunteer_hours > 0) AS numbers,
       COUNT(*) FILTER (WHERE {_ROUND_REPORTED})
           + COUNT(*) FILTER (WHERE {_ROUND_HOURS}) AS round_numbers,
       COUNT(*) FILTER (WHERE headcount > 0) AS recorded,
       COUNT(*) FILTER (WHERE headcount > 0 AND headcount % 5 = 0) AS recorded_round
FROM acts
GROUP BY unit_id
HAVING COUNT(*) >= $heaping_min_activities
ORDER BY unit_id"""
)

# 3, the rows: the round numbers of the units $ids
HEAPING_ROWS = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + f"""
SELECT activity_id, unit_id, start_at, reported_person_times AS reported,
       volunteer_hours AS hours
FROM acts
WHERE unit_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
  AND ({_ROUND_REPORTED} OR {_ROUND_HOURS})
ORDER BY unit_id, start_at, activity_id"""
)

# 4: the last day of the month / quarter / year of an activity's date
PERIOD_END = {
    "month": "last_day(start_on)",
    "quarter": "CAST(date_trunc('quarter', start_on) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)",
    "year": "make_date(year(start_on), 12, 31)",
}


def burst_sql(period: str) -> str:
    """4: one row per activity in the last $burst_days days of its period, of the units
    holding at least $burst_min_activities activities, with the unit's count."""
    end = PERIOD_END.get(period, PERIOD_END["month"])
    return (
        _with(q.SCOPE_UNITS, SCOPE_ACTS)
        + f""",
counted AS (
    SELECT unit_id, COUNT(*) AS activities FROM acts GROUP BY unit_id
    HAVING COUNT(*) >= $burst_min_activities
)
SELECT a.unit_id, c.activities, a.activity_id, a.start_at
FROM acts AS a
JOIN counted AS c ON c.unit_id = a.unit_id
WHERE a.start_on > {end.replace("start_on", "a.start_on")} - CAST($burst_days AS INTEGER)
ORDER BY a.unit_id, a.start_at, a.activity_id"""
    )


# 5a: hours without volunteers (志愿者人数 0 or blank, no 志愿者 row); 5b: hours per
# volunteer (志愿服务时长 ÷ 志愿者人数) above $max_hours
HOURS_PER_ACTIVITY = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """
SELECT a.activity_id, a.unit_id, a.start_at, a.volunteer_count, a.volunteer_hours,
       COALESCE(a.volunteer_count, 0) = 0 AS no_volunteers
FROM acts AS a
WHERE a.volunteer_hours > 0
  AND ((COALESCE(a.volunteer_count, 0) = 0
        AND NOT EXISTS (SELECT 1 FROM attendance AS t
                        WHERE t.activity_id = a.activity_id AND t.role = '志愿者'))
       OR (a.volunteer_count > 0 AND a.volunteer_hours / a.volunteer_count > $max_hours))
ORDER BY a.unit_id, a.start_at, a.activity_id"""
)

# 5c: one volunteer's 服务时长 above $max_hours or above the activity's duration
SERVICE_HOURS_LONG = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS, PERSON_NUMBERS)
    + """
SELECT a.activity_id, a.unit_id, a.start_at, n.person_no, t.service_hours AS hours,
       date_diff('second', a.start_at, a.end_at) / 3600.0 AS duration
FROM attendance AS t
JOIN acts AS a ON a.activity_id = t.activity_id
LEFT JOIN person_numbers AS n ON n.person_id = t.person_id
WHERE t.role = '志愿者' AND t.service_hours IS NOT NULL
  AND (t.service_hours > $max_hours
       OR (a.end_at IS NOT NULL
           AND t.service_hours * 3600 > date_diff('second', a.start_at, a.end_at)))
ORDER BY a.unit_id, a.start_at, a.activity_id, n.person_no"""
)

# 5d: activities whose volunteers' 服务时长 add up to more than $tolerance away from the
# activity's 志愿服务时长
SERVICE_HOURS_SUM = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """
SELECT a.activity_id, a.unit_id, a.start_at, a.volunteer_hours AS hours,
       SUM(t.service_hours) AS total
FROM attendance AS t
JOIN acts AS a ON a.activity_id = t.activity_id
WHERE t.role = '志愿者' AND t.service_hours IS NOT NULL AND a.volunteer_hours IS NOT NULL
GROUP BY a.activity_id, a.unit_id, a.start_at, a.volunteer_hours
HAVING abs(SUM(t.service_hours) - a.volunteer_hours) > $tolerance * a.volunteer_hours
ORDER BY a.unit_id, a.start_at, a.activity_id"""
)

# 6a: 参与人次 above $signin_factor × the headcount of the activity's 群众 records
OVER_RECORDS = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """
SELECT activity_id, unit_id, start_at, reported_person_times AS reported,
       headcount AS records
FROM acts
WHERE headcount > 0 AND reported_person_times > $signin_factor * headcount
ORDER BY unit_id, start_at, activity_id"""
)

# 6b: per 站 and calendar year, the 参与人次 written for its and its 点's activities
# against the 常住人口 of the villages it serves (its serves list, else its own code)
OVER_POPULATION = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """,
stations AS (
    SELECT u.unit_id, COALESCE(NULLIF(u.serves, []), [u.division_code]) AS codes
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    WHERE u.level = '站'
),
populations AS (
    SELECT st.unit_id, SUM(d.population) AS population
    FROM (SELECT unit_id, UNNEST(codes) AS code FROM stations) AS st
    JOIN divisions AS d ON d.code = st.code
    GROUP BY st.unit_id
    HAVING COUNT(d.population) = COUNT(*)
),
yearly AS (
    SELECT t.ancestor_id AS unit_id, year(a.start_on) AS year,
           SUM(a.reported_person_times) AS reported,
           LIST(a.activity_id ORDER BY a.start_at, a.activity_id) AS activity_ids,
           LIST(a.start_at ORDER BY a.start_at, a.activity_id) AS dates,
           LIST(a.unit_id ORDER BY a.start_at, a.activity_id) AS unit_ids
    FROM acts AS a
    JOIN unit_tree AS t ON t.unit_id = a.unit_id
    JOIN stations AS st ON st.unit_id = t.ancestor_id
    WHERE a.reported_person_times > 0
    GROUP BY t.ancestor_id, year(a.start_on)
)
SELECT y.unit_id, y.year, y.reported, p.population, y.activity_ids, y.dates, y.unit_ids
FROM yearly AS y
JOIN populations AS p ON p.unit_id = y.unit_id
WHERE y.reported > $population_factor * p.population
ORDER BY y.unit_id, y.year"""
)

# 7a: ratings timed before the activity's end (before its start the import rejects)
RATED_EARLY = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS, PERSON_NUMBERS)
    + """
SELECT a.activity_id, a.unit_id, a.start_at, a.end_at, r.rated_at, n.person_no
FROM ratings AS r
JOIN acts AS a ON a.activity_id = r.activity_id
LEFT JOIN person_numbers AS n ON n.person_id = r.rater_id
WHERE r.rated_at IS NOT NULL
  AND (CAST(r.rated_at AS DATE) < a.start_on
       OR (a.end_at IS NOT NULL AND CAST(r.rated_at AS TIME) <> TIME '00:00:00'
           AND r.rated_at < a.end_at))
ORDER BY a.unit_id, a.start_at, a.activity_id, r.rated_at"""
)

# 7b: a rater who rated at least $rater_min activities of one unit, every one 5
ALL_FIVE = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS, PERSON_NUMBERS).rstrip("\n")
    + """,
rated AS (
    SELECT r.rater_id, r.score, a.unit_id, a.activity_id, a.start_at
    FROM ratings AS r
    JOIN acts AS a ON a.activity_id = r.activity_id
    WHERE r.rater_id IS NOT NULL
),
-- cheap aggregates first: a rater's ratings at a unit, all 5, at least as many as needed
all_five AS (
    SELECT rater_id, unit_id
    FROM rated
    GROUP BY rater_id, unit_id
    HAVING COUNT(*) >= $rater_min AND MIN(score) = 5
),
fives AS (
    SELECT r.rater_id, r.unit_id, COUNT(DISTINCT r.activity_id) AS activities,
           LIST(r.activity_id ORDER BY r.activity_id) AS activity_ids,
           LIST(r.start_at ORDER BY r.activity_id) AS dates
    FROM rated AS r
    SEMI JOIN all_five AS f ON f.rater_id = r.rater_id AND f.unit_id = r.unit_id
    GROUP BY r.rater_id, r.unit_id
    HAVING COUNT(DISTINCT r.activity_id) >= $rater_min
)
SELECT n.person_no, f.unit_id, f.activities, f.activity_ids, f.dates
FROM fives AS f
JOIN person_numbers AS n ON n.person_id = f.rater_id
ORDER BY f.unit_id, n.person_no"""
)

# 7c: one comment (trimmed, at least $min_chars long) on at least $comment_min activities
# of two or more units
SAME_COMMENT = (
    _with(q.SCOPE_UNITS, SCOPE_ACTS)
    + """,
commented AS (
    SELECT DISTINCT trim(r.comment) AS comment, a.activity_id, a.unit_id, a.start_at
    FROM ratings AS r
    JOIN acts AS a ON a.activity_id = r.activity_id
    WHERE length(trim(r.comment)) >= $min_chars
)
SELECT comment, COUNT(DISTINCT unit_id) AS units,
       LIST(activity_id ORDER BY start_at, activity_id) AS activity_ids,
       LIST(start_at ORDER BY start_at, activity_id) AS dates,
       LIST(unit_id ORDER BY start_at, activity_id) AS unit_ids
FROM commented
GROUP BY comment
HAVING COUNT(*) >= $comment_min AND COUNT(DISTINCT unit_id) >= 2
ORDER BY comment"""
)

# 8: redemptions at units in scope, dated in the period, above the person's balance at
# the time: $per_hour × service hours + $per_signin × 群众 sign-ins of activities begun
# before it (a date-only redemption: that whole day), less what they redeemed before it
OVER_BALANCE = (
    _with(q.SCOPE_UNITS)
    + """,
red AS (
    SELECT r.redemption_id, r.person_id, r.unit_id, r.redeemed_at, r.points,
           CASE WHEN CAST(r.redeemed_at AS TIME) = TIME '00:00:00'
                THEN r.redeemed_at + INTERVAL 1 DAY ELSE r.redeemed_at END AS upto
    FROM redemptions AS r
    JOIN scope_units AS s ON s.unit_id = r.unit_id
    WHERE CAST(r.redeemed_at AS DATE) BETWEEN $date_from AND $date_to
),
earned AS (
    SELECT t.person_id, a.start_at,
           COALESCE(t.service_hours, 0) * $per_hour
               + CASE WHEN t.role = '群众' THEN $per_signin ELSE 0 END AS points
    FROM attendance AS t
    JOIN activities AS a ON a.activity_id = t.activity_id
    WHERE t.person_id IN (SELECT person_id FROM red)
),
balances AS (
    SELECT r.*,
           (SELECT COALESCE(SUM(e.points), 0) FROM earned AS e
            WHERE e.person_id = r.person_id AND e.start_at < r.upto)
         - (SELECT COALESCE(SUM(o.points), 0) FROM redemptions AS o
            WHERE o.person_id = r.person_id
              AND (o.redeemed_at < r.redeemed_at
                   OR (o.redeemed_at = r.redeemed_at AND o.redemption_id < r.redemption_id)))
           AS balance
    FROM red AS r
)
SELECT b.redemption_id, b.unit_id, b.redeemed_at, b.points, b.balance, p.person_no
FROM balances AS b
LEFT JOIN persons AS p ON p.person_id = b.person_id
WHERE b.points > b.balance
ORDER BY b.unit_id, b.redeemed_at, b.redemption_id"""
)

QUERIES: dict[str, str] = {
    "integrity_overlaps": OVERLAPS,
    "integrity_same_persons": SAME_PERSONS,
    "integrity_same_numbers": SAME_NUMBERS,
    "integrity_heaping": HEAPING,
    "integrity_heaping_rows": HEAPING_ROWS,
    "integrity_burst": burst_sql("month"),
    "integrity_hours": HOURS_PER_ACTIVITY,
    "integrity_service_hours_long": SERVICE_HOURS_LONG,
    "integrity_service_hours_sum": SERVICE_HOURS_SUM,
    "integrity_over_records": OVER_RECORDS,
    "integrity_over_population": OVER_POPULATION,
    "integrity_rated_early": RATED_EARLY,
    "integrity_all_five": ALL_FIVE,
    "integrity_same_comment": SAME_COMMENT,
    "integrity_over_balance": OVER_BALANCE,
}
