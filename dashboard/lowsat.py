"""Low-satisfaction detection: what to adjust (对满意度不高的活动和项目进行动态调整).

Activities and brands are ranked by an adjusted score that accounts for how many ratings
they have: empirical-Bayes shrinkage of the mean toward the scope's mean (never below
the threshold) with ``PRIOR_WEIGHT`` pseudo-ratings (docs/figures.md explains why). Those
below the threshold (``low_score_threshold``, default 3.5) are flagged with their most
frequent complaints. Also flagged: brands whose mean fell by ``MIN_DROP`` or more from the
first half of the period to the second, and stations idle for ``idle_days`` or more.

Every function returns a list of plain dicts (see ``low_satisfaction`` for the shape).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dashboard import metrics
from dashboard.metrics import queries as q
from dashboard.metrics.figures import _memoized
from dashboard.metrics.scope import Scope, data_end, resolve
from dashboard.numbers import brief_score, format_date
from dashboard.warehouse import Warehouse
from pipelines.settings import config

# A brand "fell" when its mean dropped by this much, with this many ratings in each half.
MIN_DROP = Decimal("0.5")
MIN_HALF_RATINGS = 3
# Complaints: phrases of comments on ratings of at most this score, the most frequent few.
COMPLAINT_MAX_SCORE = 3
TOP_COMPLAINTS = 3
PHRASE_SEPARATORS = r"[，。；：、！？,.;:!?\s]+"

KIND_ACTIVITY, KIND_BRAND, KIND_STATION = "activity", "brand", "station"
# 总览's 近30天没有上报活动的实践站 and the list behind it on 阵地覆盖
SILENT_DAYS = 30
SILENT_SECTION = "silent"  # ?section= of 阵地覆盖 that opens on the list

# 站 in scope without an activity of their own or their 点's in the period, with the last
# one on or before its end (counted as metrics.unit_activities counts a unit's activities:
# one grouped query for the stations alone, not every unit's row)
SILENT_STATIONS = (
    "WITH"
    + q.SCOPE_UNITS
    + """,
stations AS (
    SELECT u.unit_id, u.name, u.parent_id, u.opened_on
    FROM units AS u
    JOIN scope_units AS s ON s.unit_id = u.unit_id
    WHERE u.level = '站'
),
"""
    + q.held_under("stations")
    + """
SELECT st.unit_id, st.name, st.parent_id, st.opened_on, h.last_activity_on
FROM stations AS st
LEFT JOIN held AS h ON h.unit_id = st.unit_id
WHERE COALESCE(h.activities, 0) = 0
ORDER BY st.unit_id"""
)

REASON_LOW = "修正分{adjusted}，低于{threshold}（{ratings}条评价，均分{mean}）"
REASON_FELL = "均分由{first}降至{second}（前后半段各{first_n}、{second_n}条评价）"
REASON_IDLE_SINCE = "已{days}天未开展活动（最近一次：{last}）"
REASON_IDLE_NEVER = "期内{days}天未开展活动"
REASON_SEPARATOR = "；"
# A brand listed only because some of its sessions were rated low: its own figures.
BRAND_FIGURES = "{ratings}条评价，修正分{adjusted}"

_EMPTY_RATING = {
    "ratings": None,
    "mean_score": None,
    "adjusted_score": None,
    "satisfaction_rate": None,
}


def low_satisfaction(
    wh: Warehouse, scope: Scope, prior: float | None = None
) -> list[dict[str, Any]]:
    """Everything to look at, in order: activities and brands by adjusted score ascending,
    then idle stations by days idle descending.

    Rows: ``{kind: "activity"|"brand"|"station", id, name, unit_id, unit_name,
    brand_id, brand_name, ratings, mean_score, adjusted_score, satisfaction_rate,
    complaints: [{text, count}], reason}``; stations add ``last_activity_on`` and
    ``days_idle`` (their rating fields are None), fallen brands ``first_mean`` and
    ``second_mean``. ``prior`` defaults to ``metrics.rating_prior(wh, scope)``.
    """
    if prior is None:
        prior = metrics.rating_prior(wh, scope)
    rated = low_activities(wh, scope, prior=prior) + low_brands(wh, scope, prior=prior)
    rated.sort(key=lambda row: (row["adjusted_score"], row["kind"], row["id"]))
    return rated + idle_stations(wh, scope)


@_memoized
def low_activities(wh: Warehouse, scope: Scope, prior: float | None = None) -> list[dict[str, Any]]:
    """Activities in scope whose adjusted score is below the threshold, lowest first."""
    resolve(wh, scope)
    threshold = config().low_score_threshold
    if prior is None:
        prior = metrics.rating_prior(wh, scope)
    rows = wh.query(
        q.LOW_ACTIVITIES,
        {
            **scope.params(),
            "threshold": threshold,
            "prior_mean": prior,
            "prior_weight": metrics.PRIOR_WEIGHT,
        },
    )
    said = _complaints(wh, q.ACTIVITY_COMPLAINTS, scope, [row["id"] for row in rows])
    return [
        {
            "kind": KIND_ACTIVITY,
            **row,
            "complaints": said.get(row["id"], []),
            "reason": _low_reason(row, threshold),
        }
        for row in rows
    ]


@_memoized
def low_brands(wh: Warehouse, scope: Scope, prior: float | None = None) -> list[dict[str, Any]]:
    """Brands in scope below the threshold or whose mean fell, lowest adjusted first."""
    threshold = config().low_score_threshold
    brands = {row["brand_id"]: row for row in metrics.by_brand(wh, scope, prior=prior)}
    reasons: dict[str, list[str]] = {}
    extra: dict[str, dict[str, Any]] = {}
    for brand_id, row in brands.items():
        if row["adjusted_score"] is not None and row["adjusted_score"] < threshold:
            reasons.setdefault(brand_id, []).append(_low_reason(row, threshold))
    for fell in falling_brands(wh, scope):
        brand_id = fell["brand_id"]
        reasons.setdefault(brand_id, []).append(fell["reason"])
        extra[brand_id] = {"first_mean": fell["first_mean"], "second_mean": fell["second_mean"]}
    said = _complaints(wh, q.BRAND_COMPLAINTS, scope, list(reasons))
    flagged = []
    for brand_id, why in reasons.items():
        row = brands[brand_id]
        flagged.append(
            {
                "kind": KIND_BRAND,
                "id": brand_id,
                "name": row["name"],
                "unit_id": row["unit_id"],
                "unit_name": row["unit_name"],
                "brand_id": brand_id,
                "brand_name": row["name"],
                "ratings": row["ratings"],
                "mean_score": row["mean_score"],
                "adjusted_score": row["adjusted_score"],
                "satisfaction_rate": row["satisfaction_rate"],
                "complaints": said.get(brand_id, []),
                "reason": REASON_SEPARATOR.join(why),
                **extra.get(brand_id, {}),
            }
        )
    flagged.sort(key=lambda row: (row["adjusted_score"], row["id"]))
    return flagged


def falling_brands(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Brands in scope whose mean fell by ``MIN_DROP`` or more between the halves of the
    period (up to the as-of date), with ``MIN_HALF_RATINGS`` ratings in each half.

    Rows: ``{brand_id, first_ratings, second_ratings, first_mean, second_mean, mid,
    reason}``; ``mid`` is the last day of the first half.
    """
    resolve(wh, scope)
    end = data_end(wh, scope)
    days = (end - scope.date_from).days + 1
    if days < 2:
        return []
    mid = scope.date_from + timedelta(days=days // 2 - 1)
    rows = wh.query(
        q.FALLING_BRANDS,
        {
            **scope.params(),
            "period_end": end,
            "mid": mid,
            "min_ratings": MIN_HALF_RATINGS,
            "min_drop": MIN_DROP,
        },
    )
    for row in rows:
        row["mid"] = mid
        row["reason"] = REASON_FELL.format(
            first=brief_score(row["first_mean"]),
            second=brief_score(row["second_mean"]),
            first_n=row["first_ratings"],
            second_n=row["second_ratings"],
        )
    return rows


@_memoized
def idle_stations(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """站 in scope (opened by the period's end) with no activity, their own or their 点's,
    for ``idle_days`` or more up to the period's end (or the as-of date), longest first.

    Without an activity in the period the days count from the later of the period's
    start and the station's opening, inclusive.
    """
    resolve(wh, scope)
    rows = wh.query(
        q.IDLE_STATIONS,
        {**scope.params(), "period_end": data_end(wh, scope), "idle_days": config().idle_days},
    )
    units = wh.units()
    flagged = []
    for row in rows:
        parent = units.get(row["parent_id"]) or {}
        flagged.append(
            {
                "kind": KIND_STATION,
                "id": row["unit_id"],
                "name": row["name"],
                "unit_id": row["unit_id"],
                "unit_name": row["name"],
                "parent_id": row["parent_id"],
                "parent_name": parent.get("name"),
                "brand_id": None,
                "brand_name": None,
                **_EMPTY_RATING,
                "complaints": [],
                "last_activity_on": row["last_on"],
                "days_idle": row["days_idle"],
                "reason": _idle_reason(row["days_idle"], row["last_on"]),
            }
        )
    return flagged


def silent_stations(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """站 in scope with no activity in the period, their own or their 点's (the period is
    the last ``SILENT_DAYS`` days on 总览's card), longest silent first.

    Rows: ``{unit_id, name, institute_id, institute_name, opened_on, last_activity_on,
    days_silent}``: ``last_activity_on`` the last activity on or before the period's end,
    however long before (None when never); ``days_silent`` the days from it to the
    period's end (None when never); ``institute_*`` the station's 所 (its parent).
    """
    resolve(wh, scope)
    units = wh.units()
    end = data_end(wh, scope)
    rows = []
    for row in wh.query(SILENT_STATIONS, scope.params()):
        parent = units.get(row["parent_id"]) or {}
        last = row["last_activity_on"]
        rows.append(
            {
                "unit_id": row["unit_id"],
                "name": row["name"],
                "institute_id": row["parent_id"],
                "institute_name": parent.get("name"),
                "opened_on": row["opened_on"],
                "last_activity_on": last,
                "days_silent": None if last is None else (end - last).days,
            }
        )
    rows.sort(
        key=lambda r: (
            r["last_activity_on"] is not None,
            r["last_activity_on"] or end,
            r["unit_id"],
        )
    )
    return rows


def _complaints(
    wh: Warehouse, sql: str, scope: Scope, ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The most frequent phrases of low ratings' comments, per activity or brand id."""
    if not ids:
        return {}
    rows = wh.query(
        sql,
        {
            **scope.params(),
            "ids": ids,
            "max_score": COMPLAINT_MAX_SCORE,
            "separators": PHRASE_SEPARATORS,
            "top": TOP_COMPLAINTS,
        },
    )
    said: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        said.setdefault(row["key"], []).append({"text": row["phrase"], "count": row["n"]})
    return said


def _low_reason(row: dict[str, Any], threshold: float) -> str:
    return REASON_LOW.format(
        adjusted=brief_score(row["adjusted_score"]),
        threshold=brief_score(threshold),
        ratings=row["ratings"],
        mean=brief_score(row["mean_score"]),
    )


def _idle_reason(days: int, last_on: date | None) -> str:
    if last_on is None:
        return REASON_IDLE_NEVER.format(days=days)
    return REASON_IDLE_SINCE.format(days=days, last=format_date(last_on))


def grouped(wh: Warehouse, scope: Scope, prior: float | None = None) -> list[dict[str, Any]]:
    """The rated items to adjust, each activity under its brand, worst group first.

    One group per flagged brand, per brand with a flagged activity, and per flagged
    activity without a brand: ``{head, sessions, worst}``. ``head`` is the brand (a
    ``low_brands`` row, or for a brand listed only because of its sessions its
    ``by_brand`` figures with ``is_flagged`` False and ``reason`` None) or the lone
    activity; ``sessions`` its flagged activities, lowest adjusted score first (then
    date); ``worst`` the lowest adjusted score of the group's flagged rows. Groups are
    sorted by ``worst`` so the worst item is always in the first group. Flagged rows
    carry ``is_flagged`` True.
    """
    if prior is None:
        prior = metrics.rating_prior(wh, scope)
    brands = {row["id"]: {**row, "is_flagged": True} for row in low_brands(wh, scope, prior)}
    groups: dict[str, dict[str, Any]] = {
        f"brand:{brand_id}": {"head": row, "sessions": []} for brand_id, row in brands.items()
    }
    figures = None
    for row in low_activities(wh, scope, prior):
        row = {**row, "is_flagged": True}
        key = f"brand:{row['brand_id']}"
        if row["brand_id"] is not None and key not in groups:
            if figures is None:
                figures = {b["brand_id"]: b for b in metrics.by_brand(wh, scope, prior=prior)}
            # a brand owned outside the scope has no figures here: its session stands alone
            if row["brand_id"] in figures:
                groups[key] = {"head": _brand_head(figures[row["brand_id"]]), "sessions": []}
        if key in groups:
            groups[key]["sessions"].append(row)
        else:
            groups[f"activity:{row['id']}"] = {"head": row, "sessions": []}
    out = []
    for group in groups.values():
        group["sessions"].sort(key=lambda r: (r["adjusted_score"], r["start_on"], r["id"]))
        flagged = [r for r in (group["head"], *group["sessions"]) if r["is_flagged"]]
        group["worst"] = min(r["adjusted_score"] for r in flagged)
        out.append(group)
    out.sort(key=lambda g: (g["worst"], g["head"]["kind"] != KIND_BRAND, g["head"]["id"]))
    return out


def _brand_head(row: dict[str, Any]) -> dict[str, Any]:
    """A brand row shaped as ``low_brands``' for a brand not flagged itself."""
    return {
        "kind": KIND_BRAND,
        "id": row["brand_id"],
        "name": row["name"],
        "unit_id": row["unit_id"],
        "unit_name": row["unit_name"],
        "brand_id": row["brand_id"],
        "brand_name": row["name"],
        "ratings": row["ratings"],
        "mean_score": row["mean_score"],
        "adjusted_score": row["adjusted_score"],
        "satisfaction_rate": row["satisfaction_rate"],
        "complaints": [],
        "reason": None,
        "is_flagged": False,
    }


def brand_figures(row: dict[str, Any]) -> str:
    """``112条评价，修正分2.47分``: a brand's ratings and adjusted score."""
    return BRAND_FIGURES.format(ratings=row["ratings"], adjusted=brief_score(row["adjusted_score"]))
