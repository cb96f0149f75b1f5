"""One function per figure family: (warehouse, scope) in, plain data out.

Every function validates the scope (``UnknownUnit`` for a unit the warehouse lacks),
runs its query from ``dashboard.metrics.queries`` and returns dicts and lists of ints,
floats, strings and dates; an unknown figure is None, never 0. Nothing is rounded here:
writing a number is ``dashboard.numbers``' job.
"""

from __future__ import annotations

import functools
import inspect
from datetime import date
from typing import Any, TypeVar

from dashboard.metrics import queries as q
from dashboard.metrics.persons import count_persons
from dashboard.metrics.scope import (
    COVERAGE_NO_VILLAGES,
    LEVELS,
    Scope,
    data_end,
    jurisdiction_prefix,
    months_touched,
    resolve,
    top_units,
)
from dashboard.warehouse import Warehouse
from pipelines.settings import config

# Pseudo-ratings of the prior in the adjusted score (see docs/figures.md).
PRIOR_WEIGHT = 5

SELF_LABEL = "本级"

# 目标 metric (as the targets template names it) → the figure it is measured by
TARGET_METRICS = {
    "活动场次": "activities",
    "服务人次": "person_times",
    "志愿服务时长": "volunteer_hours",
    "满意率": "satisfaction_rate",
}
# Targets compared with a level rather than a running total.
_LEVEL_TARGETS = {"satisfaction_rate"}
T = TypeVar("T")
# the running totals of a unit that held nothing to date (its levels are unknown)
_NOTHING_HELD = {"activities": 0, "person_times": 0, "volunteer_hours": 0}


def _memoized(fn):
    """A figure read once per build and scope, even when a report, its briefing text and
    a page all ask for it; callers get their own copy to change as they like. Arguments
    are keyed as bound (``f(wh, s, 4.0)`` and ``f(wh, s, prior=4.0)`` are one read), with
    the configuration in force."""
    signature = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    def shared(wh: Warehouse, scope: Scope, *args: Any, **kwargs: Any):
        bound = signature.bind(wh, scope, *args, **kwargs)
        bound.apply_defaults()
        # the settings in force are part of the key: a figure reads thresholds from them
        key = (name, repr(config()), *list(bound.arguments.items())[1:])
        return wh.memo(key, lambda: fn(wh, scope, *args, **kwargs))

    @functools.wraps(fn)
    def figure(wh: Warehouse, scope: Scope, *args: Any, **kwargs: Any):
        return copied(shared(wh, scope, *args, **kwargs))

    # the memo's own value, not a copy, for a caller that only reads it (the report and
    # its briefing read the practices' tens of thousands of rows without copying them)
    figure.shared = shared
    return figure


def copied(value: T) -> T:
    """A copy of a figure's plain data that a caller may change without touching the
    memo: dicts, lists and sets copied all the way down, other values (str, int, float,
    date, tuples of them) shared. ``copy.deepcopy`` does the same with per-object
    bookkeeping that cost seconds on the practices' thousands of rows."""
    # a scalar is returned where it stands: a call per cell would double the cost
    if isinstance(value, dict):
        return {
            key: copied(item) if isinstance(item, _CONTAINERS) else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [copied(item) if isinstance(item, _CONTAINERS) else item for item in value]
    if isinstance(value, set):
        return set(value)
    if isinstance(value, tuple) and any(isinstance(item, _CONTAINERS) for item in value):
        return tuple(copied(item) for item in value)
    return value


_CONTAINERS = (dict, list, set, tuple)


def _one(wh: Warehouse, sql: str, scope: Scope, **extra: Any) -> dict[str, Any]:
    return wh.query(sql, {**scope.params(), **extra})[0]


def _rows(wh: Warehouse, sql: str, scope: Scope, **extra: Any) -> list[dict[str, Any]]:
    return wh.query(sql, {**scope.params(), **extra})


def _share(part: float | int | None, whole: float | int | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


# --------------------------------------------------------------------------- headline


@_memoized
def activity_figures(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """场次, 服务人次, 志愿服务时长, 志愿者人次.

    Returns ``{activities: int, person_times: int, volunteer_hours: float,
    volunteer_times: int}``.
    """
    resolve(wh, scope)
    return _one(wh, q.ACTIVITY_FIGURES, scope)


@_memoized
def person_figures(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """服务人数 and 志愿者人数: ``{unique_persons: int, volunteer_persons: int}``.

    Counted as ``q.PERSON_FIGURES`` defines them, from the monthly person sets where the
    scope spans whole months (``dashboard.metrics.persons``).
    """
    unit = resolve(wh, scope)
    roots = [unit["unit_id"]] if unit else [u["unit_id"] for u in top_units(wh)]
    counted = count_persons(wh, scope.date_from, scope.date_to, {None: roots})
    return counted[None]


@_memoized
def rating_figures(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """评价数, 满意度均分, 满意率.

    Returns ``{ratings: int, mean_score: float | None, satisfaction_rate: float | None}``
    (None without ratings; the rate is a fraction 0–1).
    """
    resolve(wh, scope)
    return _one(wh, q.RATING_FIGURES, scope)


@_memoized
def summary(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The headline figures: ``activity_figures``, ``person_figures`` and ``rating_figures``
    merged into one dict (9 keys)."""
    return {
        **activity_figures(wh, scope),
        **person_figures(wh, scope),
        **rating_figures(wh, scope),
    }


@_memoized
def person_times_sources(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """服务人次 by where it comes from, and how much of it sign-ins back.

    Returns ``{person_times, signed_in, headcount_lines, reported_only, reported_total,
    activities, activities_with_records, activities_reported_only, activities_uncounted,
    signed_in_share}``: ``signed_in + headcount_lines + reported_only == person_times``;
    ``reported_total`` is the sum of every ledger headcount (参与人次) in scope, recorded
    or not; ``signed_in_share`` is ``signed_in / person_times`` (None when 0).
    """
    resolve(wh, scope)
    row = _one(wh, q.PERSON_TIMES_SOURCES, scope)
    row["signed_in_share"] = _share(row["signed_in"], row["person_times"])
    return row


@_memoized
def units_by_level(wh: Warehouse, scope: Scope) -> dict[str, int]:
    """阵地数 by level, whatever their dates: ``{"中心": 1, "所": 2, …}``, levels present
    only, in the order 省 市 中心 所 站 点 基地."""
    resolve(wh, scope)
    counts = {row["level"]: row["units"] for row in _rows(wh, q.UNITS_BY_LEVEL, scope)}
    return {level: counts[level] for level in LEVELS if level in counts}


@_memoized
def coverage(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """覆盖率 and 有效覆盖率, exactly as the data contract defines them.

    Returns ``{villages, covered, rate, effective, effective_rate, effective_min,
    unknown_reason}``. When coverage is unknown (unit without 区划代码, below a town, no
    village under the prefix) every figure is None and ``unknown_reason`` says why.
    ``effective_min`` is k × m, the activities a station needs to count as effective.
    """
    unit = resolve(wh, scope)
    prefix, reason = jurisdiction_prefix(unit)
    if prefix is None:
        return _unknown_coverage(reason)
    effective_min = _effective_min(wh, scope)
    row = _one(wh, q.COVERAGE, scope, prefix=prefix, **_effective_params(wh, scope))
    return _coverage_of(row, effective_min)


def _coverage_of(row: dict[str, Any] | None, effective_min: int) -> dict[str, Any]:
    """Rates from a row of village counts; unknown when there is no village."""
    if not row or row["villages"] == 0:
        return _unknown_coverage(COVERAGE_NO_VILLAGES)
    return {
        "villages": row["villages"],
        "covered": row["covered"],
        "rate": row["covered"] / row["villages"],
        "effective": row["effective"],
        "effective_rate": row["effective"] / row["villages"],
        "effective_min": effective_min,
        "unknown_reason": None,
    }


@_memoized
def coverage_by_town(wh: Warehouse, scope: Scope) -> dict[str, dict[str, Any]]:
    """``coverage`` of every 所 in scope, keyed by unit_id, read in one query: each value
    is what ``coverage`` returns for a scope of that 所 alone over the same period."""
    effective_min = _effective_min(wh, scope)
    found = {
        row["unit_id"]: row
        for row in _rows(wh, q.COVERAGE_BY_TOWN, scope, **_effective_params(wh, scope))
    }
    scoped = {r["unit_id"] for r in _rows(wh, q.SCOPE_UNIT_IDS, scope)}
    out = {}
    for unit in wh.units().values():
        if unit["level"] != "所" or unit["unit_id"] not in scoped:
            continue
        prefix, reason = jurisdiction_prefix(unit)
        out[unit["unit_id"]] = (
            _unknown_coverage(reason)
            if prefix is None
            else _coverage_of(found.get(unit["unit_id"]), effective_min)
        )
    return out


def villages(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """The villages behind ``coverage``: one row per village of the jurisdiction.

    Rows: ``{code, name, town_name, stations: [unit_id…], is_covered, is_effective}``,
    by code; ``stations`` are the 站 in scope, opened by the period's end, serving it.
    Empty when coverage is unknown.
    """
    return _village_rows(wh, scope, q.VILLAGES)


def village_gaps(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """The rows of ``villages`` that are not effectively covered (``is_effective``
    false: no station serves them, or all that do are below their need), by code."""
    return _village_rows(wh, scope, q.VILLAGE_GAPS)


def _village_rows(wh: Warehouse, scope: Scope, sql: str) -> list[dict[str, Any]]:
    unit = resolve(wh, scope)
    prefix, _reason = jurisdiction_prefix(unit)
    if prefix is None:
        return []
    rows = _rows(wh, sql, scope, prefix=prefix, **_effective_params(wh, scope))
    for row in rows:
        row["stations"] = row["stations"] or []
    return rows


def _effective_min(wh: Warehouse, scope: Scope) -> int:
    """k × m: k from the configuration, m the calendar months the period touches up to
    the as-of date (at least 1)."""
    months = max(1, months_touched(scope.date_from, data_end(wh, scope)))
    return config().effective_k * months


def _effective_params(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The bound parameters of the effective-coverage queries: k and the period's end up
    to the as-of date (each station's k × m is counted from its own opening)."""
    return {"effective_k": config().effective_k, "period_end": data_end(wh, scope)}


def station_need(date_from: date, period_end: date, opened_on: date | None, k: int) -> int:
    """The activities a station opened on ``opened_on`` needs in ``[date_from,
    period_end]`` (the end up to the as-of date) to count as effective: k × the months
    touched from the later of the period's start and its opening (at least one), as the
    coverage queries count it."""
    start = max(date_from, opened_on) if opened_on else date_from
    return k * max(1, months_touched(start, period_end))


def _unknown_coverage(reason: str | None) -> dict[str, Any]:
    keys = ("villages", "covered", "rate", "effective", "effective_rate", "effective_min")
    return {**dict.fromkeys(keys), "unknown_reason": reason}


@_memoized
def order_figures(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """点单数, 办结率, 响应时长.

    Returns ``{orders, completed, cancelled, completion_rate, median_accept_hours}``;
    ``completion_rate`` = completed / (orders − cancelled), None when nothing is left;
    ``median_accept_hours`` over accepted orders, None when none was accepted.
    """
    resolve(wh, scope)
    row = _one(wh, q.ORDER_FIGURES, scope)
    row["completion_rate"] = _share(row["completed"], row["orders"] - row["cancelled"])
    return row


# --------------------------------------------------------------------------- breakdowns


def unit_activities(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """One row per unit in scope, for maps and lists of 阵地.

    Rows: ``{unit_id, name, level, parent_id, division_code, serves, opened_on, is_model,
    lng, lat, activities, last_activity_on}``: ``activities`` held by the unit and
    everything below it in the period; ``last_activity_on`` the last of them on or before
    the period's end, however long before (None when never). By unit_id.
    """
    resolve(wh, scope)
    return _rows(wh, q.UNIT_ACTIVITIES, scope)


@_memoized
def by_unit(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Figures per direct child of the scope unit, plus ``本级``: rows add up to the total.

    One row per child (zero-activity children included) and, when the scope unit holds
    activities of its own, a row with ``is_self`` True and name ``本级``. Without a unit:
    the children of the single top unit (plus its 本级), or the top units when several.
    Rows: ``{unit_id, name, level, is_self, activities, person_times, unique_persons,
    volunteer_hours, volunteer_times, ratings, mean_score, satisfaction_rate}``, sorted by
    activities descending, then unit_id. Every flow adds up to the scope's total except
    unique_persons (a person can attend in two towns).
    """
    unit = resolve(wh, scope)
    if unit is not None:
        anchor = unit["unit_id"]
    else:
        tops = top_units(wh)
        anchor = tops[0]["unit_id"] if len(tops) == 1 else None
    rows = _rows(wh, q.BY_UNIT, scope, anchor_id=anchor)
    persons = count_persons(
        wh,
        scope.date_from,
        scope.date_to,
        {row["unit_id"]: [row["unit_id"]] for row in rows if not row["is_self"]},
        {SELF_LABEL: anchor} if any(row["is_self"] for row in rows) else None,
    )
    out = []
    for row in rows:
        if row["is_self"]:
            row["name"] = SELF_LABEL
        counted = persons[SELF_LABEL if row["is_self"] else row["unit_id"]]
        # unique_persons after person_times, as the rows have always listed it
        keys = list(row)
        at = keys.index("person_times") + 1
        ordered = {k: row[k] for k in keys[:at]}
        ordered["unique_persons"] = counted["unique_persons"]
        ordered.update({k: row[k] for k in keys[at:]})
        out.append(ordered)
    return out


@_memoized
def rating_prior(wh: Warehouse, scope: Scope) -> float:
    """The prior mean of the adjusted score: the scope's mean score, never below the
    low-score threshold (the threshold itself when the scope has no ratings)."""
    threshold = config().low_score_threshold
    mean = rating_figures(wh, scope)["mean_score"]
    return threshold if mean is None else max(mean, threshold)


@_memoized
def by_brand(wh: Warehouse, scope: Scope, prior: float | None = None) -> list[dict[str, Any]]:
    """Figures per brand project owned by a unit in scope (zero-activity brands included).

    A brand's figures count its activities in the period, wherever held. Rows:
    ``{brand_id, name, unit_id, unit_name, category, activities, person_times,
    volunteer_hours, ratings, mean_score, satisfaction_rate, adjusted_score}``, sorted by
    activities descending, then brand_id. ``adjusted_score`` shrinks the mean toward
    ``prior`` (default ``rating_prior``); None without ratings.
    """
    resolve(wh, scope)
    if prior is None:
        return by_brand(wh, scope, rating_prior(wh, scope))  # one read with the explicit prior
    return _rows(wh, q.BY_BRAND, scope, prior_mean=prior, prior_weight=PRIOR_WEIGHT)


def _breakdown(wh: Warehouse, sql: str, scope: Scope) -> list[dict[str, Any]]:
    resolve(wh, scope)
    rows = _rows(wh, sql, scope)
    for row in rows:
        del row["score_sum"]
    return rows


@_memoized
def by_category(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Figures per 服务类别 with activities: ``{category, activities, person_times,
    volunteer_hours, volunteer_times, ratings, mean_score, satisfaction_rate}``, by
    activities descending."""
    return _breakdown(wh, q.BY_CATEGORY, scope)


@_memoized
def by_target_group(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Figures per 服务对象 (``target_group``, None when not filled in), shaped as
    ``by_category``."""
    return _breakdown(wh, q.BY_TARGET_GROUP, scope)


@_memoized
def by_month(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """The monthly series: one row per calendar month the period touches up to the
    as-of date, months without activity included (zeros, None means).

    Rows: ``{month: "YYYY-MM", activities, person_times, volunteer_hours,
    volunteer_times, ratings, mean_score, satisfaction_rate}``, in month order.
    """
    found = {row["month"]: row for row in _breakdown(wh, q.BY_MONTH, scope)}
    end = data_end(wh, scope)
    series = []
    year, month = scope.date_from.year, scope.date_from.month
    for _ in range(months_touched(scope.date_from, end)):
        first = date(year, month, 1)
        row = found.get(first) or _empty_month()
        series.append({**row, "month": f"{year:04d}-{month:02d}"})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


def _empty_month() -> dict[str, Any]:
    zeros = ("activities", "person_times", "volunteer_hours", "volunteer_times", "ratings")
    return {**dict.fromkeys(zeros, 0), "mean_score": None, "satisfaction_rate": None}


# --------------------------------------------------------------------------- targets


def target_progress(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Each target of the year of ``scope.date_to`` set for the scope unit (without a
    unit: for the top units), against the figure to date.

    The figure to date covers 1 January to the as-of date (or 31 December) over the
    target unit and everything below it. Rows: ``{year, unit_id, unit_name, metric,
    key, target, actual, progress, year_elapsed, on_track, date_from, date_to}``:
    ``progress`` = actual / target; ``year_elapsed`` the share of the year up to the
    as-of date; ``on_track`` progress ≥ year_elapsed for running totals, actual ≥ target
    for 满意率 (None when unknown). ``targets_progress`` of the one unit (or top units).
    """
    unit = resolve(wh, scope)
    unit_ids = [unit["unit_id"]] if unit else [u["unit_id"] for u in top_units(wh)]
    return targets_progress(wh, scope, tuple(unit_ids))


@_memoized
def targets_progress(
    wh: Warehouse, scope: Scope, unit_ids: tuple[str, ...]
) -> list[dict[str, Any]]:
    """``target_progress`` of each of ``unit_ids`` at once (each unit's own targets,
    against the figures of that unit and everything below it), read in two queries
    however many units there are; rows by unit_id, then metric in ``TARGET_METRICS``
    order. Only the scope's year (``scope.date_to``) is read from ``scope``."""
    year = scope.date_to.year
    targets = wh.query(q.TARGETS, {"year": year, "unit_ids": list(unit_ids)})
    order = list(TARGET_METRICS)
    targets.sort(
        key=lambda t: (t["unit_id"], order.index(t["metric"]) if t["metric"] in order else 99)
    )
    if not targets:
        return []
    first, last = date(year, 1, 1), date(year, 12, 31)
    as_of = wh.as_of
    to_date = min(last, as_of.date()) if as_of else last
    days = (last - first).days + 1
    elapsed = min(max((to_date - first).days + 1, 0), days) / days
    targeted = list(dict.fromkeys(t["unit_id"] for t in targets))
    # before 1 January (an as-of date in an earlier year) the period is empty: no rows
    found = wh.query(
        q.TARGET_ACTUALS,
        {"date_from": first, "date_to": to_date, "unit_ids": targeted},
    )
    actuals = {row.pop("unit_id"): row for row in found}
    nothing = {**dict.fromkeys(TARGET_METRICS.values()), **_NOTHING_HELD}
    rows = []
    for target in targets:
        value = target.pop("value")
        key = TARGET_METRICS.get(target["metric"])
        actual = actuals.get(target["unit_id"], nothing).get(key) if key else None
        progress = _share(actual, value)
        if progress is None:
            on_track = None
        elif key in _LEVEL_TARGETS:
            on_track = actual >= value
        else:
            on_track = progress >= elapsed
        rows.append(
            {
                **target,
                "target": value,
                "key": key,
                "actual": actual,
                "progress": progress,
                "year_elapsed": elapsed,
                "on_track": on_track,
                "date_from": first,
                "date_to": to_date,
            }
        )
    return rows
