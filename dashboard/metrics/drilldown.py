"""The rows behind a number: the activities, persons' first sign-ins and orders that a
headline figure, a month or a unit's bar counts.

Each list is read through the same scope CTEs as the figure it explains
(``queries.SCOPE_UNITS`` and ``SCOPE_FACTS`` for activities, ``details.SCOPE_ORDERS``
for orders), so its rows add up to the figure by construction, not by a second copy of
the definition:

- ``activity_rows``: sum of 1 = 活动场次, of ``person_times`` = 服务人次, of
  ``volunteer_hours`` = 志愿服务时长, of ``volunteer_count`` = 志愿者人次, of
  ``satisfied`` over the sum of ``ratings`` = 满意率;
- ``person_rows``: sum of ``first_persons`` = 服务人数 (each person counted at the
  activity of their first 群众 sign-in in scope);
- ``order_rows``: one per order = 点单数; ``is_completed`` over the rows not
  ``is_cancelled`` = 办结率.

``own_only`` keeps only what the scope unit holds itself (the ``本级`` row of a
breakdown). Plain SQL with ``$name`` parameters; a ``Warehouse`` and a ``Scope`` in,
plain dicts out.
"""

from __future__ import annotations

from typing import Any

from dashboard.metrics import queries as q
from dashboard.metrics.details import _COMPLETED, SCOPE_ORDERS
from dashboard.metrics.scope import Scope, resolve
from dashboard.warehouse import Warehouse


def _own(alias: str) -> str:
    """The rows of ``alias`` in scope, or only the scope unit's own when ``$own_only``."""
    return f"(NOT $own_only OR {alias}.unit_id = CAST($unit_id AS VARCHAR))"


# One row per activity in scope, oldest first: what it is, where, and what it adds to
# each flow figure.
ACTIVITY_ROWS = (
    "WITH "
    + ",".join((q.SCOPE_UNITS, q.SCOPE_FACTS))
    + f"""
SELECT a.activity_id, a.start_at, a.start_on, a.title, a.unit_id, u.name AS unit_name,
       a.category, b.name AS brand_name, a.source, a.target_group,
       f.person_times, f.signed_in, f.has_records, a.reported_person_times,
       f.volunteer_count, f.volunteer_hours, f.ratings, f.satisfied,
       CAST(f.score_sum AS DOUBLE) / NULLIF(f.ratings, 0) AS mean_score
FROM facts AS f
JOIN activities AS a ON a.activity_id = f.activity_id
JOIN units AS u ON u.unit_id = a.unit_id
LEFT JOIN brands AS b ON b.brand_id = a.brand_id
WHERE {_own("f")}
ORDER BY a.start_at, a.activity_id"""
)

# One row per activity in scope with 群众 sign-ins: the persons who signed in there and
# those of them signing in for the first time in scope (earliest activity start, then
# activity_no: the order the warehouse numbers activities in).
PERSON_ROWS = (
    "WITH "
    + ",".join((q.SCOPE_UNITS, q.SCOPE_FACTS))
    + f""",
signed AS (
    SELECT DISTINCT f.activity_no, f.start_on, s.person_no
    FROM sign_ins AS s
    JOIN facts AS f ON f.activity_no = s.activity_no
    WHERE s.role = '群众' AND {_own("f")}
),
firsts AS (
    SELECT person_no, activity_no
    FROM (SELECT person_no, activity_no,
                 ROW_NUMBER() OVER (PARTITION BY person_no ORDER BY start_on, activity_no)
                     AS nth
          FROM signed) AS ranked
    WHERE nth = 1
),
per_activity AS (
    SELECT s.activity_no, COUNT(*) AS signed_persons,
           COUNT(fi.person_no) AS first_persons
    FROM signed AS s
    LEFT JOIN firsts AS fi ON fi.person_no = s.person_no AND fi.activity_no = s.activity_no
    GROUP BY s.activity_no
)
SELECT a.activity_id, a.start_at, a.start_on, a.title, a.unit_id, u.name AS unit_name,
       a.category, p.signed_persons, p.first_persons
FROM per_activity AS p
JOIN activity_facts AS f ON f.activity_no = p.activity_no
JOIN activities AS a ON a.activity_id = f.activity_id
JOIN units AS u ON u.unit_id = a.unit_id
ORDER BY a.start_at, a.activity_id"""
)

# One row per order in scope (placed at a unit in scope, ordered in the period), oldest
# first, with whether order_figures counts it as 办结 and as cancelled.
ORDER_ROWS = (
    "WITH "
    + ",".join((q.SCOPE_UNITS, SCOPE_ORDERS))
    + f"""
SELECT o.order_id, o.ordered_at, o.category, o.content, o.unit_id, u.name AS unit_name,
       o.status, o.accepted_at, au.name AS accepted_unit_name, o.completed_at,
       {_COMPLETED} AS is_completed, o.status = '已取消' AS is_cancelled
FROM scope_orders AS o
JOIN units AS u ON u.unit_id = o.unit_id
LEFT JOIN units AS au ON au.unit_id = o.accepted_unit_id
WHERE {_own("o")}
ORDER BY o.ordered_at, o.order_id"""
)

QUERIES: dict[str, str] = {
    "activity_rows": ACTIVITY_ROWS,
    "person_rows": PERSON_ROWS,
    "order_rows": ORDER_ROWS,
}


def _read(wh: Warehouse, sql: str, scope: Scope, own_only: bool) -> list[dict[str, Any]]:
    resolve(wh, scope)
    return wh.query(sql, {**scope.params(), "own_only": own_only})


def activity_rows(wh: Warehouse, scope: Scope, own_only: bool = False) -> list[dict[str, Any]]:
    """One row per activity in scope (by start time): ``{activity_id, start_at, start_on,
    title, unit_id, unit_name, category, brand_name, source, target_group, person_times,
    signed_in, has_records, reported_person_times, volunteer_count, volunteer_hours,
    ratings, satisfied, mean_score}``; ``person_times`` is the activity's 服务人次 as
    ``activity_figures`` sums it, ``satisfied`` its ratings of 4 and 5."""
    return _read(wh, ACTIVITY_ROWS, scope, own_only)


def person_rows(wh: Warehouse, scope: Scope, own_only: bool = False) -> list[dict[str, Any]]:
    """One row per activity in scope with 群众 sign-ins (by start time): ``{activity_id,
    start_at, start_on, title, unit_id, unit_name, category, signed_persons,
    first_persons}``: the distinct persons who signed in, and those whose first sign-in
    in scope it is (their sum is 服务人数)."""
    return _read(wh, PERSON_ROWS, scope, own_only)


def order_rows(wh: Warehouse, scope: Scope, own_only: bool = False) -> list[dict[str, Any]]:
    """One row per order in scope (by order time): ``{order_id, ordered_at, category,
    content, unit_id, unit_name, status, accepted_at, accepted_unit_name, completed_at,
    is_completed, is_cancelled}``, ``is_completed`` as 办结 (a completion time, not
    cancelled)."""
    return _read(wh, ORDER_ROWS, scope, own_only)
