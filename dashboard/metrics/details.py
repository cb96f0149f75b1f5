"""Detail figures behind the pages 服务人次, 品牌项目, 群众满意度 and 点单服务: sources of
服务人次 by unit, brand months and activities, complaints, score distribution, the order
funnel and open orders.

Same style as ``figures``/``queries``: plain SQL with ``$name`` parameters built from the
shared CTEs of ``dashboard.metrics.queries``, a ``Warehouse`` and a ``Scope`` in, plain
dicts out; an unknown figure is None, never 0, and nothing is rounded here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dashboard.metrics import queries as q
from dashboard.metrics.figures import PRIOR_WEIGHT, rating_prior
from dashboard.metrics.scope import Scope, data_end, months_touched, resolve, top_units
from dashboard.warehouse import Warehouse


def _with(*ctes: str) -> str:
    return "WITH " + ",".join(ctes) + "\n"


# --------------------------------------------------------------------------- SQL


# 服务人次 by where it comes from, per direct child of the scope unit (+ 本级): the
# columns of PERSON_TIMES_SOURCES, and for the activities with both 群众 records and a
# ledger headcount, the ledger's figure (reported_where_both) against the records'
# (recorded_where_both). One row per breakdown unit, zero-activity units included.
SOURCES_BY_UNIT = (
    _with(
        q.SCOPE_UNITS,
        q.SCOPE_FACTS,
        """
unit_sources AS (
    SELECT unit_id,
           COUNT(*) AS activities,
           SUM(person_times) AS person_times,
           SUM(signed_in) AS signed_in,
           SUM(CASE WHEN has_records THEN person_times - signed_in ELSE 0 END)
               AS headcount_lines,
           SUM(CASE WHEN has_records THEN 0 ELSE person_times END) AS reported_only,
           SUM(CASE WHEN has_records AND reported_person_times IS NOT NULL
                    THEN 1 ELSE 0 END) AS activities_both,
           SUM(CASE WHEN has_records THEN reported_person_times END) AS reported_where_both,
           SUM(CASE WHEN has_records AND reported_person_times IS NOT NULL
                    THEN person_times END) AS recorded_where_both
    FROM facts
    GROUP BY unit_id
)""",
        q.BREAKDOWN_UNITS.format(facts="unit_sources", fact_id="unit_id"),
    )
    + """
SELECT b.unit_id, b.name, b.level, b.is_self,
       COALESCE(SUM(f.activities), 0) AS activities,
       COALESCE(SUM(f.person_times), 0) AS person_times,
       COALESCE(SUM(f.signed_in), 0) AS signed_in,
       COALESCE(SUM(f.headcount_lines), 0) AS headcount_lines,
       COALESCE(SUM(f.reported_only), 0) AS reported_only,
       COALESCE(SUM(f.activities_both), 0) AS activities_both,
       SUM(f.reported_where_both) AS reported_where_both,
       SUM(f.recorded_where_both) AS recorded_where_both
FROM breakdown_units AS b
LEFT JOIN membership AS m ON m.row_id = b.unit_id
LEFT JOIN unit_sources AS f ON f.unit_id = m.fact_id
GROUP BY b.unit_id, b.name, b.level, b.is_self
ORDER BY person_times DESC, b.unit_id"""
)

# One row per (brand of $ids, month with activities): the brand's figures that month.
BRAND_MONTHS = (
    _with(q.SCOPE_UNITS, q.SCOPE_BRANDS, q.BRAND_FACTS)
    + """
SELECT f.brand_id, CAST(date_trunc('month', f.start_on) AS DATE) AS month,"""
    + q.MEASURES
    + """
FROM facts AS f
WHERE f.brand_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
GROUP BY f.brand_id, month
ORDER BY f.brand_id, month"""
)

# The names of the brands $ids owned by units in scope (another scope's brand: no row).
BRAND_NAMES = (
    _with(q.SCOPE_UNITS, q.SCOPE_BRANDS)
    + """
SELECT brand_id, name FROM scope_brands
WHERE brand_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))"""
)

# One row per activity of brand $brand_id in the period (wherever held), newest first.
BRAND_ACTIVITY_LIST = (
    _with(q.SCOPE_UNITS, q.SCOPE_BRANDS, q.BRAND_FACTS)
    + """
SELECT a.activity_id, a.title, a.unit_id, u.name AS unit_name, a.category, a.start_at,
       a.target_group, a.source, f.person_times, a.reported_person_times, f.signed_in,
       f.has_records, a.volunteer_hours,
       f.ratings,
       CAST(f.score_sum AS DOUBLE) / NULLIF(f.ratings, 0) AS mean_score,
       CAST(f.satisfied AS DOUBLE) / NULLIF(f.ratings, 0) AS satisfaction_rate,
       """
    + q.adjusted_score("f.ratings", "f.score_sum")
    + """ AS adjusted_score
FROM facts AS f
JOIN activities AS a ON a.activity_id = f.activity_id
JOIN units AS u ON u.unit_id = a.unit_id
WHERE f.brand_id = $brand_id
ORDER BY a.start_at DESC, a.activity_id"""
)

# Comments on ratings of at most $max_score: of the activities $ids (key = activity_id),
# one row per rating with a comment, lowest score first.
ACTIVITY_COMMENTS = """
SELECT r.activity_id AS key, a.activity_id, a.title, a.start_on, r.score, r.comment,
       r.rated_at
FROM ratings AS r
JOIN activities AS a ON a.activity_id = r.activity_id
WHERE r.comment IS NOT NULL AND r.score <= $max_score
  AND a.activity_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
ORDER BY key, r.score, a.start_on, a.activity_id, r.rated_at NULLS LAST, r.comment"""

# The same for the brands $ids (key = brand_id), over their activities in the period.
BRAND_COMMENTS = """
SELECT a.brand_id AS key, a.activity_id, a.title, a.start_on, r.score, r.comment,
       r.rated_at
FROM ratings AS r
JOIN activities AS a ON a.activity_id = r.activity_id
WHERE r.comment IS NOT NULL AND r.score <= $max_score
  AND a.start_on BETWEEN $date_from AND $date_to
  AND a.brand_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))
ORDER BY key, r.score, a.start_on, a.activity_id, r.rated_at NULLS LAST, r.comment"""

# Ratings in scope per score: one row per score present.
SCORE_DISTRIBUTION = (
    _with(q.SCOPE_UNITS, q.SCOPE_FACTS)
    + """
SELECT score, ratings
FROM (
    SELECT 1 AS score, SUM(rated_1) AS ratings FROM facts
    UNION ALL SELECT 2, SUM(rated_2) FROM facts
    UNION ALL SELECT 3, SUM(rated_3) FROM facts
    UNION ALL SELECT 4, SUM(rated_4) FROM facts
    UNION ALL SELECT 5, SUM(rated_5) FROM facts
) AS per_score
WHERE ratings > 0
ORDER BY score"""
)

# one row per order in scope: placed at a unit in scope, ordered in the period
SCOPE_ORDERS = """
scope_orders AS (
    SELECT o.*
    FROM orders AS o
    JOIN scope_units AS s ON s.unit_id = o.unit_id
    WHERE CAST(o.ordered_at AS DATE) BETWEEN $date_from AND $date_to
)"""

# Stages an order reached, by its times or, where a time was not written, its status.
_REACHED_DISPATCH = (
    "(o.dispatched_at IS NOT NULL OR o.accepted_at IS NOT NULL OR o.completed_at IS NOT NULL"
    " OR o.status IN ('已派单', '已接单', '已完成'))"
)
_REACHED_ACCEPT = (
    "(o.accepted_at IS NOT NULL OR o.completed_at IS NOT NULL OR o.status IN ('已接单', '已完成'))"
)
# completed as order_figures counts it (办结)
_COMPLETED = "(o.completed_at IS NOT NULL AND o.status <> '已取消')"

# The order loop in scope: one row. rated: completed orders whose activity (活动.点单编号)
# has at least one rating.
ORDER_FUNNEL = (
    _with(q.SCOPE_UNITS, SCOPE_ORDERS)
    + f""",
rated_orders AS (
    SELECT DISTINCT a.order_id
    FROM activities AS a
    JOIN activity_facts AS f ON f.activity_id = a.activity_id
    WHERE a.order_id IS NOT NULL AND f.ratings > 0
)
SELECT COUNT(*) AS ordered,
       COALESCE(SUM(CASE WHEN {_REACHED_DISPATCH} THEN 1 ELSE 0 END), 0) AS dispatched,
       COALESCE(SUM(CASE WHEN {_REACHED_ACCEPT} THEN 1 ELSE 0 END), 0) AS accepted,
       COALESCE(SUM(CASE WHEN {_COMPLETED} THEN 1 ELSE 0 END), 0) AS completed,
       COALESCE(SUM(CASE WHEN {_COMPLETED} AND ro.order_id IS NOT NULL THEN 1 ELSE 0 END), 0)
           AS rated,
       COALESCE(SUM(CASE WHEN o.status = '已取消' THEN 1 ELSE 0 END), 0) AS cancelled
FROM scope_orders AS o
LEFT JOIN rated_orders AS ro ON ro.order_id = o.order_id"""
)

# Orders in scope per direct child of the scope unit (+ 本级), by where they were placed:
# counts, and the median hours ordered → accepted and ordered → completed.
ORDERS_BY_UNIT = (
    _with(
        q.SCOPE_UNITS,
        SCOPE_ORDERS,
        q.BREAKDOWN_UNITS.format(facts="scope_orders", fact_id="order_id"),
    )
    + f"""
SELECT b.unit_id, b.name, b.level, b.is_self,
       COUNT(o.order_id) AS orders,
       COALESCE(SUM(CASE WHEN o.status = '已取消' THEN 1 ELSE 0 END), 0) AS cancelled,
       COALESCE(SUM(CASE WHEN {_REACHED_ACCEPT} THEN 1 ELSE 0 END), 0) AS accepted,
       COALESCE(SUM(CASE WHEN {_COMPLETED} THEN 1 ELSE 0 END), 0) AS completed,
       PERCENTILE_CONT(0.5) WITHIN GROUP (
           ORDER BY date_diff('second', o.ordered_at, o.accepted_at) / 3600.0
       ) AS median_accept_hours,
       PERCENTILE_CONT(0.5) WITHIN GROUP (
           ORDER BY CASE WHEN {_COMPLETED}
                         THEN date_diff('second', o.ordered_at, o.completed_at) / 3600.0 END
       ) AS median_complete_hours
FROM breakdown_units AS b
LEFT JOIN membership AS m ON m.row_id = b.unit_id
LEFT JOIN scope_orders AS o ON o.order_id = m.fact_id
GROUP BY b.unit_id, b.name, b.level, b.is_self
ORDER BY orders DESC, b.unit_id"""
)

# Orders placed at a unit in scope, whenever, still open (neither completed nor
# cancelled) and placed at or before $cutoff; oldest first.
OPEN_ORDERS = (
    _with(q.SCOPE_UNITS)
    + """
SELECT o.order_id, o.ordered_at, o.category, o.content, o.unit_id, u.name AS unit_name,
       o.status, o.dispatched_at, o.accepted_at, o.accepted_unit_id,
       au.name AS accepted_unit_name
FROM orders AS o
JOIN scope_units AS s ON s.unit_id = o.unit_id
JOIN units AS u ON u.unit_id = o.unit_id
LEFT JOIN units AS au ON au.unit_id = o.accepted_unit_id
WHERE o.completed_at IS NULL AND o.status NOT IN ('已完成', '已取消')
  AND o.ordered_at <= $cutoff
ORDER BY o.ordered_at, o.order_id"""
)

QUERIES: dict[str, str] = {
    "sources_by_unit": SOURCES_BY_UNIT,
    "brand_months": BRAND_MONTHS,
    "brand_activities": BRAND_ACTIVITY_LIST,
    "activity_comments": ACTIVITY_COMMENTS,
    "brand_comments": BRAND_COMMENTS,
    "score_distribution": SCORE_DISTRIBUTION,
    "order_funnel": ORDER_FUNNEL,
    "orders_by_unit": ORDERS_BY_UNIT,
    "open_orders": OPEN_ORDERS,
}

# --------------------------------------------------------------------------- functions

SELF_LABEL = "本级"


def _share(part: float | int | None, whole: float | int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def _anchor(wh: Warehouse, scope: Scope) -> str | None:
    """The unit whose children a breakdown lists: the scope unit, else the single top unit
    (None when there are several: the top units are listed)."""
    unit = resolve(wh, scope)
    if unit is not None:
        return unit["unit_id"]
    tops = top_units(wh)
    return tops[0]["unit_id"] if len(tops) == 1 else None


def _breakdown(wh: Warehouse, sql: str, scope: Scope) -> list[dict[str, Any]]:
    rows = wh.query(sql, {**scope.params(), "anchor_id": _anchor(wh, scope)})
    for row in rows:
        if row["is_self"]:
            row["name"] = SELF_LABEL
    return rows


def sources_by_unit(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """服务人次 by source per direct child of the scope unit, plus 本级 (as ``by_unit``).

    Rows: ``{unit_id, name, level, is_self, activities, person_times, signed_in,
    headcount_lines, reported_only, signed_in_share, activities_both,
    reported_where_both, recorded_where_both}``, by person_times descending:
    ``signed_in + headcount_lines + reported_only == person_times``;
    ``signed_in_share`` = signed_in / person_times (None when 0); the ``*_where_both``
    sums cover the ``activities_both`` activities with both 群众 records and a ledger
    headcount (None when there is none). Rows partition the scope's activities.
    """
    rows = _breakdown(wh, SOURCES_BY_UNIT, scope)
    for row in rows:
        row["signed_in_share"] = _share(row["signed_in"], row["person_times"])
    return rows


def brand_months(
    wh: Warehouse, scope: Scope, brand_ids: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The monthly series of the brands ``brand_ids`` owned by units in scope.

    One row per brand and calendar month the period touches up to the as-of date,
    months without activity included (zeros, None means): ``{brand_id, name, month:
    "YYYY-MM", activities, person_times, volunteer_hours, ratings, mean_score,
    satisfaction_rate}``, brands in the order given, months in order.
    """
    resolve(wh, scope)
    if not brand_ids:
        return []
    names = {
        row["brand_id"]: row["name"]
        for row in wh.query(BRAND_NAMES, {**scope.params(), "ids": list(brand_ids)})
    }
    found = {
        (row["brand_id"], f"{row['month']:%Y-%m}"): row
        for row in wh.query(BRAND_MONTHS, {**scope.params(), "ids": list(brand_ids)})
    }
    months = _months(scope.date_from, data_end(wh, scope))
    series = []
    for brand_id in brand_ids:
        if brand_id not in names:
            continue
        for month in months:
            row = found.get((brand_id, month))
            series.append(
                {
                    "brand_id": brand_id,
                    "name": names[brand_id],
                    "month": month,
                    "activities": row["activities"] if row else 0,
                    "person_times": row["person_times"] if row else 0,
                    "volunteer_hours": row["volunteer_hours"] if row else 0,
                    "ratings": row["ratings"] if row else 0,
                    "mean_score": row["mean_score"] if row else None,
                    "satisfaction_rate": row["satisfaction_rate"] if row else None,
                }
            )
    return series


def _months(date_from: date, date_to: date) -> list[str]:
    year, month = date_from.year, date_from.month
    months = []
    for _ in range(months_touched(date_from, date_to)):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def brand_activities(
    wh: Warehouse, scope: Scope, brand_id: str = "", prior: float | None = None
) -> list[dict[str, Any]]:
    """The activities of one brand in the period (wherever held, as ``by_brand`` counts
    them), newest first; empty when the brand is not owned by a unit in scope.

    Rows: ``{activity_id, title, unit_id, unit_name, category, start_at, target_group,
    source, person_times, reported_person_times, signed_in, has_records,
    volunteer_hours, ratings, mean_score, satisfaction_rate, adjusted_score}``; the
    adjusted score shrinks toward ``prior`` (default ``rating_prior``) as ``by_brand``'s.
    """
    resolve(wh, scope)
    if prior is None:
        prior = rating_prior(wh, scope)
    return wh.query(
        BRAND_ACTIVITY_LIST,
        {
            **scope.params(),
            "brand_id": brand_id,
            "prior_mean": prior,
            "prior_weight": PRIOR_WEIGHT,
        },
    )


def complaint_comments(
    wh: Warehouse,
    scope: Scope,
    kind: str = "activity",
    ids: tuple[str, ...] = (),
    max_score: int = 3,
) -> list[dict[str, Any]]:
    """What people wrote on ratings of at most ``max_score``: for activities (``kind``
    "activity") or brands ("brand", their activities in the period) ``ids``.

    Rows: ``{key, activity_id, title, start_on, score, comment, rated_at}`` (``key`` the
    activity or brand id), by key, then score ascending.
    """
    resolve(wh, scope)
    if not ids:
        return []
    sql = BRAND_COMMENTS if kind == "brand" else ACTIVITY_COMMENTS
    return wh.query(sql, {**scope.params(), "ids": list(ids), "max_score": max_score})


def score_distribution(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Ratings in scope per score: ``[{score, ratings}]`` for the scores present, 1 → 5."""
    resolve(wh, scope)
    return wh.query(SCORE_DISTRIBUTION, scope.params())


def order_funnel(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The order loop of the orders in scope (as ``order_figures`` counts them).

    Returns ``{ordered, dispatched, accepted, completed, rated, cancelled}``: orders
    that reached each stage (by its time or, without one, the status), ``completed``
    as 办结 (a completion time, not cancelled), ``rated`` the completed ones whose
    activity has a rating. Each stage counts a subset of the one before.
    """
    resolve(wh, scope)
    return wh.query(ORDER_FUNNEL, scope.params())[0]


def orders_by_unit(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Orders in scope per direct child of the scope unit (by where they were placed),
    plus 本级; zero-order units included.

    Rows: ``{unit_id, name, level, is_self, orders, cancelled, accepted, completed,
    completion_rate, median_accept_hours, median_complete_hours}`` by orders
    descending: ``completion_rate`` = completed / (orders − cancelled); the medians are
    hours ordered → accepted (accepted orders) and ordered → completed (completed
    orders), None without any.
    """
    rows = _breakdown(wh, ORDERS_BY_UNIT, scope)
    for row in rows:
        row["completion_rate"] = _share(row["completed"], row["orders"] - row["cancelled"])
    return rows


def open_orders(wh: Warehouse, scope: Scope, days: int = 7) -> list[dict[str, Any]]:
    """Orders placed at units in scope, whenever, still open (neither completed nor
    cancelled) ``days`` days or more after they were placed, at the as-of time.

    Rows: ``{order_id, ordered_at, category, content, unit_id, unit_name, status,
    dispatched_at, accepted_at, accepted_unit_id, accepted_unit_name, days_open}``,
    oldest first; ``days_open`` counts whole days up to the as-of time.
    """
    resolve(wh, scope)
    as_of = wh.as_of or datetime.combine(scope.date_to, datetime.max.time())
    rows = wh.query(OPEN_ORDERS, {**scope.params(), "cutoff": as_of - timedelta(days=days)})
    for row in rows:
        row["days_open"] = (as_of - row["ordered_at"]).days
    return rows
