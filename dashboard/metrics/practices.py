"""The practices of the source documents, as figures: 五有 (``five_haves``), 红灰黑榜
(``rankings``), 三张清单 (``three_lists``), 积分 (``points``) and 星级志愿者 (``stars``).

Each is defined once here (SQL in ``practice_queries``), read through the account's
``Reader`` like every figure, and returns plain data. Every input is optional: where a
county sent no teams, brands, redemptions or per-volunteer hours, the figure that needs
them is None (未报送) with a reason, never 0; a part of a score whose input a unit did not
fill in is None (未报送), not False (否). "Sent" is judged per county: a unit's inputs are
reported when any unit under its 中心 (for a 省 or 市: under itself) has a row of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from dashboard.metrics import practice_queries as pq
from dashboard.metrics.figures import (
    PRIOR_WEIGHT,
    SELF_LABEL,
    _effective_min,
    _memoized,
    order_figures,
    rating_prior,
)
from dashboard.metrics.scope import Scope, data_end, months_touched, resolve, top_units
from dashboard.warehouse import ALIAS, Warehouse
from pipelines.settings import config

# The five 有, in the documents' order: key, Chinese name, what it needs.
HAVES = (
    ("mechanism", "有机制", "制度上墙且有负责人"),
    ("site", "有阵地", "有挂牌日期，且功能室至少1间或场所面积大于0"),
    ("team", "有队伍", "至少一支队员不少于{n}人的志愿服务队伍"),
    ("activity", "有活动", "期内每月平均至少{k}场活动（本级及下级）"),
    ("project", "有项目", "本级或所属实践所的品牌项目，期内在本级开展过活动"),
)
HAVE_NAMES = {key: name for key, name, _ in HAVES}
YES, NO, UNREPORTED = "是", "否", "未报送"

LISTS = ("red", "grey", "black")
LIST_NAMES = {"red": "红榜", "grey": "灰榜", "black": "黑榜"}
BLACK_NO_ACTIVITY = "本季度无活动"
BLACK_LOW_SCORE = "满意度修正分低于{threshold}"

NO_HOURS = "未报送志愿者个人服务时长（参与记录的“服务时长（小时）”列），无法计算积分和星级。"
NO_REDEMPTIONS = "未报送积分兑换记录（积分兑换表），兑换积分未知。"
NO_TEAMS = "未报送志愿服务队伍（志愿服务队伍表）"
NO_BRANDS = "未报送品牌项目"

STAR_LEVELS = (1, 2, 3, 4, 5)


# --------------------------------------------------------------------------- inputs


def _present(wh: Warehouse) -> frozenset[tuple[str, str]]:
    """The (table, column) pairs the warehouse holds."""
    return wh.memo(
        ("practice_present",),
        lambda: frozenset(
            (r["table_name"], r["column_name"]) for r in wh.query(pq.PRESENT_COLUMNS, {"db": ALIAS})
        ),
    )


def _run(wh: Warehouse, sql: str, scope: Scope, **extra: Any) -> list[dict[str, Any]]:
    return wh.query(pq.sources(_present(wh)) + sql, {**scope.params(), **extra})


def _reported(wh: Warehouse) -> dict[str, frozenset[str]]:
    """Per optional input (teams, brands, redemptions, hours): the reporting roots
    (``_reporting_root``) whose subtree holds a row of it."""

    def load() -> dict[str, frozenset[str]]:
        scope = Scope(date.min, date.max)
        found: dict[str, set[str]] = {"teams": set(), "brands": set()}
        found |= {"redemptions": set(), "hours": set()}
        for row in _run(wh, pq.REPORTED, scope):
            found[row["input"]].add(row["unit_id"])
        return {key: frozenset(units) for key, units in found.items()}

    return wh.memo(("practice_reported",), load)


def _reporting_root(units: dict[str, dict[str, Any]], unit_id: str | None) -> str | None:
    """The unit whose subtree decides whether ``unit_id`` was sent an input: its nearest
    中心 (itself for a 省 or 市, the top of its tree where no 中心 is above it); None for
    the whole warehouse. ``units``: ``Warehouse.units()``."""
    if unit_id is None or units[unit_id]["level"] in ("省", "市"):
        return unit_id
    current = unit_id
    while True:
        unit = units[current]
        if unit["level"] == "中心" or unit["parent_id"] is None:
            return current
        current = unit["parent_id"]


def _reported_under(wh: Warehouse, root: str) -> dict[str, bool]:
    """Per optional input: whether the subtree of ``root`` holds a row of it (what
    ``_reported`` says of ``root``, read for one county instead of the whole warehouse)."""

    def load() -> dict[str, bool]:
        return _run(wh, pq.REPORTED_UNDER, Scope(date.min, date.max), root=root)[0]

    return wh.memo(("practice_reported_under", root), load)


def reported_test(
    wh: Warehouse, what: str, within: str | None = None
) -> Callable[[str | None], bool]:
    """``is_reported(wh, what, ·)`` with the warehouse read once, for a loop over many
    units (a province has 55 k). ``within``: the scope unit the loop stays in; where it is
    at or below a county, its county is read alone and the whole warehouse only for a
    unit of another county."""
    units = wh.units()
    home = None
    if within is not None and units[within]["level"] not in ("省", "市"):
        home = _reporting_root(units, within)
    home_sent = _reported_under(wh, home)[what] if home is not None else False
    everywhere: list[frozenset[str]] = []  # read on first need
    # a unit below a 中心 (not a 省, 市 or 中心 itself) is judged where its parent's walk
    # ends: the answer is kept per parent (a province's 五有 asks for fifty thousand)
    by_parent: dict[str, bool] = {}

    def judged(unit_id: str | None) -> bool:
        root = _reporting_root(units, unit_id)
        if home is not None and root == home:
            return home_sent
        if not everywhere:
            everywhere.append(_reported(wh)[what])
        return bool(everywhere[0]) if root is None else root in everywhere[0]

    def test(unit_id: str | None) -> bool:
        if unit_id is None:
            return judged(None)
        unit = units[unit_id]
        parent = unit["parent_id"]
        if parent is None or unit["level"] in ("省", "市", "中心"):
            return judged(unit_id)
        if parent not in by_parent:
            by_parent[parent] = judged(unit_id)
        return by_parent[parent]

    return test


def is_reported(wh: Warehouse, what: str, unit_id: str | None) -> bool:
    """Whether the county of ``unit_id`` (None: anyone) sent ``what``."""
    return reported_test(wh, what, unit_id)(unit_id)


def is_practising(wh: Warehouse, unit_id: str | None) -> bool:
    """Whether the county of ``unit_id`` sent any of the practices' own inputs (teams,
    per-volunteer hours, redemptions): the briefing writes of the practices only then."""
    return any(is_reported(wh, what, unit_id) for what in ("teams", "hours", "redemptions"))


def _breakdown_anchor(wh: Warehouse, scope: Scope) -> str | None:
    """The unit whose direct children are the breakdown rows (as ``by_unit``): the scope
    unit, the single top unit, or None (the top units are the rows)."""
    if scope.unit_id is not None:
        return scope.unit_id
    tops = top_units(wh)
    return tops[0]["unit_id"] if len(tops) == 1 else None


def _row_finder(wh: Warehouse, anchor: str | None) -> Callable[[str], str | None]:
    """The breakdown row a unit's facts go to: the anchor's child above it, SELF_LABEL
    for the anchor itself, None outside the anchor's subtree (each unit walked once)."""
    units = wh.units()
    found: dict[str, str | None] = {}

    def row_of(unit_id: str) -> str | None:
        if unit_id not in found:
            found[unit_id] = _walk_to(units, anchor, unit_id)
        return found[unit_id]

    return row_of


def _walk_to(units: dict[str, dict[str, Any]], anchor: str | None, unit_id: str) -> str | None:
    if unit_id == anchor:
        return SELF_LABEL
    current = unit_id
    while current is not None:
        parent = units[current]["parent_id"]
        if parent == anchor:
            return current
        current = parent
    return None


def _breakdown_rows(wh: Warehouse, anchor: str | None) -> list[dict[str, Any]]:
    """The anchor's children (or the top units), by unit_id."""
    return [
        {"unit_id": u["unit_id"], "name": u["name"], "level": u["level"], "is_self": False}
        for u in wh.units().values()
        if u["parent_id"] == anchor
    ]


def _self_row(wh: Warehouse, anchor: str | None) -> dict[str, Any]:
    unit = wh.units()[anchor] if anchor else None
    level = unit["level"] if unit else None
    return {"unit_id": anchor, "name": SELF_LABEL, "level": level, "is_self": True}


# --------------------------------------------------------------------------- 五有


# (one loop, no generator: called three times for each of a province's fifty thousand 所站)
def _both(*values: bool | None) -> bool | None:
    """Kleene AND: False when any is False, True when all are True, else unknown."""
    known = True
    for value in values:
        if value is False:
            return False
        if value is None:
            known = False
    return True if known else None


def _either(*values: bool | None) -> bool | None:
    """Kleene OR: True when any is True, False when all are False, else unknown."""
    known = True
    for value in values:
        if value is True:
            return True
        if value is None:
            known = False
    return False if known else None


@_memoized
def five_haves(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """五有 of every 所 and 站 in scope over the period.

    Returns ``{by_unit, counts, units, effective_min, team_min_members}``: ``by_unit``
    one row per 所 and 站 (所 first, then 站 by their 所), ``{unit_id, name, level,
    parent_id, parent_name, mechanism, site, team, activity, project, score, reported,
    lacks, unreported}`` where each part is True (是), False (否) or None (未报送),
    ``score`` the parts that are True (0–5), ``reported`` those known, ``lacks`` and
    ``unreported`` the Chinese names of the parts that are 否 and 未报送; ``counts``
    per part ``{yes, no, unreported}`` over the rows.
    """
    resolve(wh, scope)
    need = _effective_min(wh, scope)
    team_min = config().team_min_members
    rows = _run(wh, pq.FIVE_HAVES, scope, team_min_members=team_min)
    teams_sent = reported_test(wh, "teams", scope.unit_id)
    brands_sent = reported_test(wh, "brands", scope.unit_id)
    out = rows  # each row is completed in place (a province has fifty thousand)
    date_to = scope.date_to
    names = [(key, HAVE_NAMES[key]) for key, _, _ in HAVES]
    for row in rows:
        opened_on, rooms, area = row.pop("opened_on"), row.pop("room_count"), row.pop("area_sqm")
        opened = None if opened_on is None else opened_on <= date_to
        space = _either(None if rooms is None else rooms >= 1, None if area is None else area > 0)
        head = True if row.pop("head") else None
        teams, full, unsized = row.pop("teams"), row.pop("full_teams"), row.pop("unsized_teams")
        if full:
            team = True
        elif unsized or not teams_sent(row["unit_id"]):
            team = None
        else:
            team = False
        projects = row.pop("projects")
        if projects:
            project = True
        else:
            project = False if brands_sent(row["unit_id"]) else None
        mechanism = _both(row.pop("is_rules_posted"), head)
        # the keys in the order of the rows' docstring: the unit's columns, teams, the
        # five parts in HAVES' order, then the score
        row["teams"] = teams
        row["mechanism"] = mechanism
        row["site"] = _both(opened, space)
        row["team"] = team
        row["activity"] = row["activities"] >= need
        row["project"] = project
        lacks, unreported = [], []
        for key, name in names:
            value = row[key]
            if value is False:
                lacks.append(name)
            elif value is None:
                unreported.append(name)
        known = len(names) - len(unreported)
        row["score"] = known - len(lacks)
        row["reported"] = known
        row["lacks"] = lacks
        row["unreported"] = unreported
    out.sort(key=lambda r: (r["level"] != "所", r["parent_id"] or "", r["unit_id"]))
    counts = {key: {"yes": 0, "no": 0, "unreported": 0} for key, _, _ in HAVES}
    said = {True: "yes", False: "no", None: "unreported"}
    for row in out:  # one pass: a province has fifty thousand 所站
        for key, _, _ in HAVES:
            counts[key][said[row[key]]] += 1
    return {
        "by_unit": out,
        "counts": counts,
        "units": len(out),
        "effective_min": need,
        "team_min_members": team_min,
    }


def have_value(value: bool | None) -> str:
    """是 / 否 / 未报送 for a part of the 五有."""
    return UNREPORTED if value is None else YES if value else NO


# --------------------------------------------------------------------------- 红灰黑榜


def quarter_of(day: date) -> tuple[date, date]:
    """The first and last day of the calendar quarter holding ``day``."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def quarter_label(first: date) -> str:
    """``2025Q1`` for the quarter starting ``first``."""
    return f"{first.year}Q{(first.month - 1) // 3 + 1}"


def _station_scores(wh: Warehouse, scope: Scope, *, complete: bool = True) -> list[dict[str, Any]]:
    """Every 站 in ``scope`` (a quarter) with its score's parts, rank and list; without
    ``complete`` only ``{unit_id, score, list, rank}`` (the quarter before, read for the
    moves only: a province ranks fifty thousand stations)."""
    settings = config()
    w_act, w_sat, w_done = settings.score_weights
    months = max(1, months_touched(scope.date_from, data_end(wh, scope)))
    prior = rating_prior(wh, scope)
    scope_rate = order_figures(wh, scope)["completion_rate"]
    threshold = settings.low_score_threshold
    # int / int is correctly rounded in Python: equal to float(Fraction(n, d)), at a
    # fraction of its cost (a province ranks fifty thousand stations)
    per_target = months * settings.effective_k
    rows = []
    for row in _run(wh, pq.STATION_SCORES, scope):
        activity_part = w_act * min(1.0, row["activities"] / per_target)
        ratings = row.pop("ratings")
        score_sum = row.pop("score_sum")
        adjusted = (
            (score_sum + PRIOR_WEIGHT * prior) / (ratings + PRIOR_WEIGHT) if ratings else prior
        )
        open_orders = row["orders"] - row.pop("cancelled")
        completed = row.pop("completed")
        completion = completed / open_orders if open_orders > 0 else scope_rate
        parts = [activity_part, w_sat * (adjusted - 1) / 4]
        weights = [w_act, w_sat]
        if completion is not None:
            parts.append(w_done * completion)
            weights.append(w_done)
        score = 100 * sum(parts) / sum(weights)
        black = None
        if row["activities"] == 0:
            black = BLACK_NO_ACTIVITY
        elif ratings and adjusted < threshold:
            black = BLACK_LOW_SCORE.format(threshold=threshold)
        if not complete:
            rows.append(
                {"unit_id": row["unit_id"], "score": score, "list": "black" if black else None}
            )
            continue
        # completed in place, after the query's own columns (fifty thousand at a province)
        row["activities_per_month"] = row["activities"] / months
        row["activity_part"] = activity_part
        row["ratings"] = ratings
        row["adjusted_score"] = adjusted
        row["satisfaction_from_prior"] = not ratings
        row["satisfaction_part"] = parts[1]
        row["completion_rate"] = completion
        row["completion_from_scope"] = open_orders <= 0
        row["completion_part"] = parts[2] if completion is not None else None
        row["score"] = score
        row["list"] = "black" if black else None
        row["black_reason"] = black
        rows.append(row)
    _place(rows, Fraction(str(settings.red_share)), Fraction(str(settings.grey_share)))
    return rows


def _key(score: float) -> float:
    # scores equal up to float noise are a tie
    return round(score, 9)


def _place(rows: list[dict[str, Any]], red_share: Fraction, grey_share: Fraction) -> None:
    """Rank the stations not on the 黑榜 by score (ties share a rank; the 黑榜 has none,
    listed last) and put them on 红榜 (top share, ties kept) and 灰榜 (bottom share,
    ties kept); the shares count stations, rounded up."""
    # each score rounded once; the order's keys kept beside the rows, in their new order
    # (a province ranks fifty thousand stations, twice for a report)
    order_keys = [(r["list"] == "black", -_key(r["score"]), r["unit_id"]) for r in rows]
    order = sorted(range(len(rows)), key=order_keys.__getitem__)
    rows[:] = [rows[i] for i in order]
    keys = [-order_keys[i][1] for i in order]
    # before placing, a station is on the 黑榜 or on no list: the rest come first
    ranked = sum(1 for r in rows if r["list"] is None)
    rank = 0
    for i in range(ranked):
        if not i or keys[i - 1] != keys[i]:
            rank = i + 1
        rows[i]["rank"] = rank
    for row in rows[ranked:]:
        row["rank"] = None
    if not ranked:
        return
    red_n = math.ceil(ranked * red_share)
    grey_n = math.ceil(ranked * grey_share)
    red_cut = keys[red_n - 1] if red_n else math.inf
    grey_cut = keys[ranked - grey_n] if grey_n else -math.inf
    for i in range(ranked):
        if keys[i] >= red_cut:
            rows[i]["list"] = "red"
        elif keys[i] <= grey_cut:
            rows[i]["list"] = "grey"


@_memoized
def rankings(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """红灰黑榜 of the 站 in scope for the quarter holding the period's end (up to the
    as-of date), with each station's move since the quarter before.

    Returns ``{quarter, date_from, date_to, previous_quarter, months, weights, prior,
    scope_completion_rate, stations, red, grey, black}`` (``prior`` the adjusted score of
    a station without ratings, ``scope_completion_rate`` the rate of one without orders): ``stations`` every 站 by rank, each ``{unit_id, name,
    parent_name, activities, activities_per_month, activity_part, ratings,
    adjusted_score, satisfaction_from_prior, satisfaction_part, orders, completion_rate,
    completion_from_scope, completion_part, score, rank, list, black_reason,
    previous_rank, previous_list, movement}`` (``rank`` among the stations not on the
    黑榜, None on it; ``movement`` = previous rank − rank: up is positive, None when
    either is None); ``red``, ``grey``,
    ``black`` the stations on each list, as in ``stations``.
    """
    resolve(wh, scope)
    first, last = quarter_of(data_end(wh, scope))
    quarter = Scope(first, last, scope.unit_id)
    before_first, before_last = quarter_of(first - timedelta(days=1))
    before = {
        r["unit_id"]: r
        for r in _station_scores(
            wh, Scope(before_first, before_last, scope.unit_id), complete=False
        )
    }
    stations = _station_scores(wh, quarter)
    for row in stations:
        earlier = before.get(row["unit_id"])
        row["previous_rank"] = earlier["rank"] if earlier else None
        row["previous_list"] = earlier["list"] if earlier else None
        moved = earlier and earlier["rank"] is not None and row["rank"] is not None
        row["movement"] = earlier["rank"] - row["rank"] if moved else None
    return {
        "quarter": quarter_label(first),
        "date_from": first,
        "date_to": last,
        "previous_quarter": quarter_label(before_first),
        "months": max(1, months_touched(first, data_end(wh, quarter))),
        "weights": list(config().score_weights),
        "prior": rating_prior(wh, quarter),
        "scope_completion_rate": order_figures(wh, quarter)["completion_rate"],
        "stations": stations,
        **{name: [r for r in stations if r["list"] == name] for name in LISTS},
    }


# --------------------------------------------------------------------------- 三张清单


def _gap(demand: int, teams: int, brands: int, teams_known: bool) -> bool | None:
    """供需缺口: orders but no team and no brand; unknown when no brand and teams unsent."""
    if not demand or brands:
        return False
    if teams:
        return False
    return True if teams_known else None


@_memoized
def three_lists(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """需求清单 (orders placed), 资源清单 (teams and brands) and 服务清单 (activities held,
    ``from_orders`` of them 群众点单) by service category, for the scope and per direct
    child (as ``by_unit``).

    Returns ``{by_category, by_unit, teams_reported, gaps}``: rows ``{category, demand,
    teams, brands, resources, delivered, from_orders, gap}`` (``teams`` and
    ``resources`` None where the county sent no teams; ``gap`` True for orders without
    any team or brand in the subtree, None when that is unknown), gaps first, then by
    demand; ``by_unit`` rows add ``unit_id, name, level, is_self``; ``gaps`` counts the
    categories with a gap in scope (None while any category's gap is unknown).
    """
    resolve(wh, scope)
    anchor = _breakdown_anchor(wh, scope)
    keys = ("demand", "teams", "brands", "delivered", "from_orders")
    total: dict[str, dict[str, int]] = {}
    per_unit: dict[tuple[str, str], dict[str, int]] = {}
    for row in _run(wh, pq.THREE_LISTS, scope, anchor_id=anchor):
        sums = {key: row[key] for key in keys}
        if row["is_total"]:
            total[row["category"]] = sums
        elif row["row_id"] is not None:  # None: outside the anchor's subtree
            per_unit[(SELF_LABEL if row["is_self"] else row["row_id"], row["category"])] = sums
    teams_sent = reported_test(wh, "teams", scope.unit_id)
    scope_known = teams_sent(scope.unit_id)
    by_category = [_list_row(c, sums, scope_known) for c, sums in total.items()]
    names = {r["unit_id"]: r for r in _breakdown_rows(wh, anchor)}
    by_unit = []
    for (target, category), sums in per_unit.items():
        unit = _self_row(wh, anchor) if target == SELF_LABEL else names[target]
        known = teams_sent(unit["unit_id"])
        by_unit.append({**unit, **_list_row(category, sums, known)})
    order = _gaps_first
    by_category.sort(key=order)
    by_unit.sort(key=lambda r: (*order(r)[:2], r["is_self"], r["unit_id"] or "", r["category"]))
    return {
        "by_category": by_category,
        "by_unit": by_unit,
        "teams_reported": scope_known,
        # unknown, not 0, while some category's gap is (teams not sent)
        "gaps": None
        if any(r["gap"] is None for r in by_category)
        else sum(1 for r in by_category if r["gap"]),
    }


def _list_row(category: str, sums: dict[str, int], teams_known: bool) -> dict[str, Any]:
    teams = sums["teams"] if teams_known else None
    return {
        "category": category,
        "demand": sums["demand"],
        "teams": teams,
        "brands": sums["brands"],
        "resources": None if teams is None else teams + sums["brands"],
        "delivered": sums["delivered"],
        "from_orders": sums["from_orders"],
        "gap": _gap(sums["demand"], sums["teams"], sums["brands"], teams_known),
    }


def _gaps_first(row: dict[str, Any]) -> tuple:
    rank = {True: 0, None: 1, False: 2}[row["gap"]]
    return (rank, -row["demand"], row["category"])


# --------------------------------------------------------------------------- 积分


def _point_params() -> dict[str, Any]:
    settings = config()
    return {
        "points_per_hour": settings.points_per_hour,
        "points_per_signin": settings.points_per_signin,
    }


def _point_events(wh: Warehouse, scope: Scope, sql: str) -> list[dict[str, Any]]:
    params = _point_params()
    events = pq.point_events(params["points_per_signin"] != 0)
    return _run(wh, events + sql, scope, **params)


def _points_known(wh: Warehouse, unit_id: str | None) -> tuple[bool, bool]:
    """Whether earnings (hours, or sign-ins that earn) and redemptions were sent."""
    earning = is_reported(wh, "hours", unit_id) or config().points_per_signin != 0
    return earning, is_reported(wh, "redemptions", unit_id)


@_memoized
def points(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """积分 of the scope: ``{earned, redeemed, balance, persons, hours, overdrawn,
    points_per_hour, points_per_signin, unknown_reason}``.

    ``earned`` = points_per_hour × the 志愿者 service hours + points_per_signin × the
    群众 sign-ins of activities in scope and period; ``redeemed`` the points of the
    redemptions at units in scope in the period; ``balance`` everything earned minus
    everything redeemed in scope up to the period's end; ``persons`` who earned or
    redeemed in the period; ``overdrawn`` the period's redemptions larger than the
    person's balance at their time. None where the input was not sent.
    """
    resolve(wh, scope)
    earning, redeeming = _points_known(wh, scope.unit_id)
    row = _point_events(wh, scope, pq.POINTS)[0]
    reasons = [
        text for known, text in ((earning, NO_HOURS), (redeeming, NO_REDEMPTIONS)) if not known
    ]
    return {
        "earned": (row["earned"] or 0) if earning else None,
        "redeemed": (row["redeemed"] or 0) if redeeming else None,
        "balance": row["balance"] if earning and redeeming else None,
        "persons": row["persons"] if earning or redeeming else None,
        "hours": (row["hours"] or 0) if earning else None,
        # counted, not copied
        "overdrawn": len(overdrawn_redemptions.shared(wh, scope)) if redeeming else None,
        **_point_params(),
        "unknown_reason": "".join(reasons) or None,
    }


@_memoized
def overdrawn_redemptions(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Redemptions at units in scope in the period larger than the person's balance at
    their time: ``{redemption_id, unit_id, unit_name, redeemed_at, points,
    balance_before}``, by time. No person id: a redemption, not who made it."""
    resolve(wh, scope)
    return _run(wh, pq.OVERDRAWN, scope, points_per_hour=config().points_per_hour)


@_memoized
def points_breakdown(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """积分 earned and redeemed per direct child (as ``by_unit``) and per month.

    Returns ``{by_unit: [{unit_id, name, level, is_self, earned, redeemed}], by_month:
    [{month: "YYYY-MM", earned, redeemed}]}``; every month the period touches up to the
    as-of date is listed; rows add up to ``points``' earned and redeemed (None, as
    there, where the input was not sent).
    """
    resolve(wh, scope)
    anchor = _breakdown_anchor(wh, scope)
    units = {r["unit_id"]: {**r, "earned": 0, "redeemed": 0} for r in _breakdown_rows(wh, anchor)}
    own = {**_self_row(wh, anchor), "earned": 0, "redeemed": 0}
    months: dict[str, dict[str, Any]] = {}
    first = scope.date_from
    for _ in range(months_touched(first, data_end(wh, scope))):
        label = f"{first.year:04d}-{first.month:02d}"
        months[label] = {"month": label, "earned": 0, "redeemed": 0}
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    row_of = _row_finder(wh, anchor)
    for row in _point_events(wh, scope, pq.POINTS_BY_UNIT_MONTH):
        target = row_of(row["unit_id"])
        into = own if target == SELF_LABEL else units.get(target)
        for cell in (into, months.get(row["month"])):
            if cell is not None:
                cell["earned"] += row["earned"] or 0
                cell["redeemed"] += row["redeemed"] or 0
    rows = list(units.values())
    if own["earned"] or own["redeemed"]:
        rows.append(own)
    rows.sort(key=lambda r: (-r["earned"], r["is_self"], r["unit_id"] or ""))
    earning, redeeming = _points_known(wh, scope.unit_id)
    for row in [*rows, *months.values()]:
        # an input not sent is unknown, never 0
        row["earned"] = row["earned"] if earning else None
        row["redeemed"] = row["redeemed"] if redeeming else None
    return {"by_unit": rows, "by_month": list(months.values())}


# --------------------------------------------------------------------------- 星级志愿者


def _star_rows(wh: Warehouse, scope: Scope, by_unit: bool) -> dict[str, dict[str, Any]]:
    """Star counts of the whole scope (``_total``) and, when ``by_unit``, of each
    breakdown row (``_self`` for 本级)."""
    anchor = _breakdown_anchor(wh, scope)
    found: dict[str, dict[str, Any]] = {}
    params = {"anchor_id": anchor, "star_hours": list(config().star_hours)}
    for row in _run(wh, pq.STARS if by_unit else pq.STARS_TOTAL, scope, **params):
        cell = found.setdefault(row["row_id"], _no_stars())
        cell["volunteers"] += row["volunteers"]
        if row["stars"]:
            cell["counts"][str(row["stars"])] += row["volunteers"]
            cell["starred"] += row["volunteers"]
            cell["promoted"] += row["promoted"]
    return found


def _no_stars() -> dict[str, Any]:
    return {
        "counts": {str(n): 0 for n in STAR_LEVELS},
        "volunteers": 0,
        "starred": 0,
        "promoted": 0,
    }


@_memoized
def stars(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """星级志愿者 at the period's end: a volunteer's stars count the thresholds (hours for
    1..5 stars, ``star_hours``) that their service hours in scope up to the period's end
    reach.

    Returns ``{counts: {"1": n, …, "5": n}, volunteers, starred, promoted, star_hours,
    unknown_reason}``: ``volunteers`` with any hours, ``starred`` with at least one star,
    ``promoted`` who gained a star in the period. Counts only, never persons. None
    (with the reason) where the county sent no per-volunteer hours.
    """
    resolve(wh, scope)
    if not is_reported(wh, "hours", scope.unit_id):
        return _stars_of(None)
    return _stars_of(_star_rows(wh, scope, by_unit=False))


def _stars_of(found: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """``stars`` from ``_star_rows``' rows (None: no hours were sent)."""
    thresholds = list(config().star_hours)
    if found is None:
        return {
            "counts": None,
            "volunteers": None,
            "starred": None,
            "promoted": None,
            "star_hours": thresholds,
            "unknown_reason": NO_HOURS,
        }
    return {
        **(found.get("_total") or _no_stars()),
        "star_hours": thresholds,
        "unknown_reason": None,
    }


@_memoized
def stars_by_unit(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """``stars`` per direct child (as ``by_unit``, hours within the child's subtree) and
    本级: ``{unit_id, name, level, is_self, counts, volunteers, starred, promoted}``, by
    starred descending. Empty where no hours were sent."""
    resolve(wh, scope)
    if not is_reported(wh, "hours", scope.unit_id):
        return []
    return _stars_by_unit_of(wh, scope, _star_rows(wh, scope, by_unit=True))


def _stars_by_unit_of(
    wh: Warehouse, scope: Scope, found: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """``stars_by_unit`` from ``_star_rows``' rows read ``by_unit``."""
    anchor = _breakdown_anchor(wh, scope)
    rows = [{**r, **(found.get(r["unit_id"]) or _no_stars())} for r in _breakdown_rows(wh, anchor)]
    if "_self" in found:
        rows.append({**_self_row(wh, anchor), **found["_self"]})
    rows.sort(key=lambda r: (-r["starred"], -r["volunteers"], r["is_self"], r["unit_id"] or ""))
    return rows


@_memoized
def stars_with_units(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """``{stars, by_unit}``: ``stars`` and ``stars_by_unit`` of the scope from one read of
    the service hours (the whole scope's row comes with the children's: a page showing
    both reads a province's millions of hour rows once, not twice)."""
    resolve(wh, scope)
    if not is_reported(wh, "hours", scope.unit_id):
        return {"stars": _stars_of(None), "by_unit": []}
    found = _star_rows(wh, scope, by_unit=True)
    return {
        "stars": _stars_of(found),
        "by_unit": _stars_by_unit_of(wh, scope, found),
    }
