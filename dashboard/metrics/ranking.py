"""排名: the 所 or 站 of a scope ranked by one figure, normalised per station or per 1,000
residents, with the rank they held in the period before and a 红/黄/绿 mark against a
benchmark. Definitions in docs/figures.md (排名).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dashboard.metrics.queries import SCOPE_UNITS, TARGETS, _with
from dashboard.metrics.scope import Scope, resolve
from dashboard.warehouse import Warehouse
from pipelines.settings import config

LEVELS = ("所", "站")
# figure key → the target metric (目标.指标) it is measured against, when it has one
FIGURES = ("activities_per_station", "person_times_per_1000", "activities", "person_times")
TARGET_OF = {"activities": "活动场次", "person_times": "服务人次"}
PER_RESIDENTS = 1000

# One row per unit of $level in scope: the activities and 服务人次 held by it and
# everything below it in the period; its stations (站 below it 挂牌 by the period's end;
# a 站 counts itself); the villages it answers for (a 站: those it serves, or its own
# division; above: every village of its jurisdiction, the division code less its trailing
# 000s) and their 常住人口, NULL unless every one of them gives it.
RANK_UNITS = (
    _with(SCOPE_UNITS)
    + """,
ranked AS (
    SELECT u.unit_id, u.name, u.level, u.division_code, u.serves, p.name AS parent_name
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    -- the parent is named only inside the scope: an account never sees the unit above it
    LEFT JOIN units AS p
      ON p.unit_id = u.parent_id AND p.unit_id IN (SELECT unit_id FROM scope_units)
    WHERE u.level = $level
),
held AS (
    SELECT t.ancestor_id AS unit_id,
           COUNT(*) AS activities,
           SUM(f.person_times) AS person_times
    FROM activity_facts AS f
    JOIN unit_tree AS t ON t.unit_id = f.unit_id
    JOIN ranked AS r ON r.unit_id = t.ancestor_id
    WHERE f.start_on BETWEEN $date_from AND $date_to
    GROUP BY t.ancestor_id
),
stations AS (
    SELECT t.ancestor_id AS unit_id, COUNT(*) AS stations
    FROM units AS u
    JOIN unit_tree AS t ON t.unit_id = u.unit_id
    JOIN ranked AS r ON r.unit_id = t.ancestor_id
    WHERE u.level = '站' AND (u.opened_on IS NULL OR u.opened_on <= $date_to)
    GROUP BY t.ancestor_id
),
-- a unit above 站 answers for the villages whose code starts with its jurisdiction's
-- prefix; the prefixes come in a few lengths, so each village is cut once per length and
-- matched on equality (a starts_with join compares every unit with every village: 2 k 所
-- × 50 k villages at a province)
jurisdictions AS (
    SELECT unit_id, prefix, length(prefix) AS chars
    FROM (
        SELECT r.unit_id, regexp_replace(r.division_code, '(000)+$', '') AS prefix
        FROM ranked AS r
        WHERE r.level <> '站' AND r.division_code IS NOT NULL
    )
),
village_prefixes AS (
    SELECT d.code, n.chars, substr(d.code, 1, n.chars) AS prefix
    FROM divisions AS d
    JOIN (SELECT DISTINCT chars FROM jurisdictions) AS n ON length(d.code) >= n.chars
    WHERE d.is_village
),
answers AS (
    SELECT r.unit_id, UNNEST(COALESCE(r.serves, [r.division_code])) AS code
    FROM ranked AS r
    WHERE r.level = '站' AND (r.serves IS NOT NULL OR r.division_code IS NOT NULL)
    UNION ALL
    SELECT j.unit_id, v.code
    FROM jurisdictions AS j
    JOIN village_prefixes AS v ON v.chars = j.chars AND v.prefix = j.prefix
),
residents AS (
    SELECT a.unit_id,
           CASE WHEN COUNT(*) = COUNT(d.population) THEN SUM(d.population) END AS population
    FROM (SELECT DISTINCT unit_id, code FROM answers) AS a
    LEFT JOIN divisions AS d ON d.code = a.code
    GROUP BY a.unit_id
)
SELECT r.unit_id, r.name, r.parent_name,
       COALESCE(h.activities, 0) AS activities,
       COALESCE(h.person_times, 0) AS person_times,
       COALESCE(s.stations, 0) AS stations,
       rs.population
FROM ranked AS r
LEFT JOIN held AS h ON h.unit_id = r.unit_id
LEFT JOIN stations AS s ON s.unit_id = r.unit_id
LEFT JOIN residents AS rs ON rs.unit_id = r.unit_id
ORDER BY r.unit_id"""
)


def unit_figures(wh: Warehouse, scope: Scope, level: str) -> list[dict[str, Any]]:
    """One row per unit of ``level`` in scope, by unit_id: ``{unit_id, name, parent_name,
    activities, person_times, stations, population, activities_per_station,
    person_times_per_1000}``; a normalised figure is None when its base is 0 or unknown."""
    resolve(wh, scope)
    rows = wh.query(RANK_UNITS, {**scope.params(), "level": level})
    for row in rows:
        row["activities_per_station"] = _ratio(row["activities"], row["stations"])
        population = row["population"]
        row["person_times_per_1000"] = _ratio(row["person_times"] * PER_RESIDENTS, population)
    return rows


def ranking(
    wh: Warehouse,
    scope: Scope,
    level: str,
    by: str,
    before: tuple[date, date] | None = None,
) -> list[dict[str, Any]]:
    """The units of ``level`` in scope ranked by figure ``by`` (largest first), best first.

    Each row of ``unit_figures`` gains ``value`` (its ``by``), ``rank`` (1 for the
    largest; equal values share a rank, the next rank skips: 1, 2, 2, 4; None without a
    value, listed last), ``previous_rank`` (its rank over ``before``, the dates of the
    period before, among the same level of the same scope unit: the unit always comes
    from ``scope``, which the account's ``Reader`` has clipped), ``rank_change`` (previous_rank − rank: positive rose),
    ``benchmark`` and ``benchmark_kind`` (``target``: the unit's yearly target of that
    figure pro-rated to the period's days up to the as-of date; else ``average``: the
    mean value of the ranked units), ``ratio`` (value / benchmark) and ``mark``
    (``green`` from ``rank_green``, ``yellow`` from ``rank_yellow``, else ``red``; None
    without a ratio).
    """
    if by not in FIGURES:
        raise ValueError(f"by must be one of {', '.join(FIGURES)}")
    rows = unit_figures(wh, scope, level)
    _rank(rows, by)
    previous = {}
    if before is not None:
        earlier = unit_figures(wh, Scope(before[0], before[1], scope.unit_id), level)
        _rank(earlier, by)
        previous = {row["unit_id"]: row["rank"] for row in earlier}
    targets = _prorated_targets(wh, scope, [row["unit_id"] for row in rows], by)
    known = [row["value"] for row in rows if row["value"] is not None]
    average = sum(known) / len(known) if known else None
    settings = config()
    for row in rows:
        row["previous_rank"] = previous.get(row["unit_id"])
        row["rank_change"] = (
            row["previous_rank"] - row["rank"]
            if row["rank"] is not None and row["previous_rank"] is not None
            else None
        )
        target = targets.get(row["unit_id"])
        row["benchmark_kind"] = "target" if target is not None else "average"
        row["benchmark"] = target if target is not None else average
        row["ratio"] = _ratio(row["value"], row["benchmark"])
        ratio = row["ratio"]
        if ratio is None:
            row["mark"] = None
        elif ratio >= settings.rank_green:
            row["mark"] = "green"
        elif ratio >= settings.rank_yellow:
            row["mark"] = "yellow"
        else:
            row["mark"] = "red"
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit_id"]))
    return rows


def _rank(rows: list[dict[str, Any]], by: str) -> None:
    """Competition ranks (1, 2, 2, 4) by ``by`` descending, in place; None unranked."""
    values = sorted((row[by] for row in rows if row[by] is not None), reverse=True)
    first = {}
    for position, value in enumerate(values, 1):
        first.setdefault(value, position)
    for row in rows:
        row["value"] = row[by]
        row["rank"] = first.get(row[by]) if row[by] is not None else None


def _prorated_targets(
    wh: Warehouse, scope: Scope, unit_ids: list[str], by: str
) -> dict[str, float]:
    """unit_id → its target of the scope's year for figure ``by``, times the share of the
    year the period covers up to the as-of date; empty for a figure without targets."""
    metric = TARGET_OF.get(by)
    if metric is None or not unit_ids:
        return {}
    year = scope.date_to.year
    first, last = date(year, 1, 1), date(year, 12, 31)
    end = min(scope.date_to, last, wh.as_of.date() if wh.as_of else last)
    start = max(scope.date_from, first)
    share = max((end - start).days + 1, 0) / ((last - first).days + 1)
    rows = wh.query(TARGETS, {"year": year, "unit_ids": unit_ids})
    return {row["unit_id"]: row["value"] * share for row in rows if row["metric"] == metric}


def _ratio(part: float | int | None, whole: float | int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole
