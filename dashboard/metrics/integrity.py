"""The integrity audit (数据可信度核查): what in the ledgers of a scope is suspicious, with
the rows behind it. It never changes a figure: every check only lists.

Seven checks (docs/figures.md, 数据可信度核查, states each rule; the settings are the
``[audit]`` table of wenming.toml, ``pipelines.settings.AuditConfig``)::

    1 overlap    same person (or rater), two units, times that overlap
    2 copied     identical sets of participants; the same (title, numbers) on one day
    3 heaping    round headcounts and hours (a Whipple-style index)
    4 burst      activities crowded into the last days of months (quarters, the year)
    5 hours      volunteer hours that cannot be
    6 headcount  headcounts that cannot be
    7 ratings    ratings that cannot be
    8 redemptions  points redeemed beyond the balance (积分超兑, practices.md)

Same style as ``details``: plain SQL (``integrity_sql``) with ``$name`` parameters over
the activities in scope (the scope's units, the period's activities), a ``Warehouse`` and a ``Scope`` in,
plain data out. Persons appear only as their pseudonymous number (``persons.person_no``;
a rater who never signed in is numbered after every person, by rater id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from dashboard.metrics.integrity_sql import (
    ALL_FIVE,
    HEAPING,
    HEAPING_ROWS,
    HOURS_PER_ACTIVITY,
    OVER_BALANCE,
    OVER_POPULATION,
    OVER_RECORDS,
    OVERLAPS,
    RATED_EARLY,
    SAME_COMMENT,
    SAME_NUMBERS,
    SAME_PERSONS,
    SERVICE_HOURS_LONG,
    SERVICE_HOURS_SUM,
    burst_sql,
)
from dashboard.metrics.scope import Scope, data_end, resolve
from dashboard.warehouse import Warehouse
from pipelines.settings import AuditConfig, config

# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Check:
    """One check: key, number, Chinese name, its rule in one Chinese sentence (formatted
    with the settings) and what its per-unit measure is."""

    key: str
    number: int
    name: str
    rule: str
    measure: str


CHECKS: tuple[Check, ...] = (
    Check(
        "overlap",
        1,
        "同一人分身两处",
        "同一参与者（或评价人）编号在时间重叠的两场活动中出现，而两场活动由不同阵地开展"
        "（没有结束时间的活动按开始后{overlap_minutes}分钟计，只有日期的活动不比较）。",
        "涉及人数",
    ),
    Check(
        "copied",
        2,
        "签到表雷同",
        "两场以上活动的群众签到名单完全相同（至少{copied_min_persons}人），"
        "或不同阵地同一天的活动名称、参与人次、志愿者人数和志愿服务时长完全相同。",
        "涉及活动场次",
    ),
    Check(
        "heaping",
        3,
        "整数堆积",
        "期内至少{heaping_min_activities}场活动的阵地，填报的参与人次逢0逢5、志愿服务时长为4的整数倍"
        "所占比例换算成堆积指数（100为正常，500为全部），达到{heaping_threshold}且高于该阵地签到记录"
        "人数的指数。",
        "堆积指数",
    ),
    Check(
        "burst",
        4,
        "期末突击",
        "期内至少{burst_min_activities}场活动的阵地，在每{burst_period_name}最后{burst_days}天开展的"
        "活动占比超过这些天数在期间中所占比例的{burst_factor}倍。",
        "倍数",
    ),
    Check(
        "hours",
        5,
        "时长不可能",
        "志愿服务时长平均每名志愿者超过{max_hours_per_volunteer}小时，有时长却没有志愿者，"
        "或逐人服务时长超过活动时长、超过{max_hours_per_volunteer}小时、合计与活动时长相差超过"
        "{service_hours_percent}%。",
        "活动场次",
    ),
    Check(
        "headcount",
        6,
        "人次不可能",
        "填报的参与人次超过同一活动群众参与记录人数的{signin_factor}倍，"
        "或一个村（社区）的站一年的填报人次超过常住人口的{population_factor}倍。",
        "最大倍数",
    ),
    Check(
        "ratings",
        7,
        "评价不可能",
        "评价时间早于活动结束，同一评价人给同一阵地至少{rater_min_activities}场活动全打5分，"
        "或同一条评价内容（至少{comment_min_chars}个字）出现在不同阵地至少{comment_min_activities}场活动上。",
        "评价条数",
    ),
    Check(
        "redemptions",
        8,
        "积分超兑",
        "兑换的积分超过兑换时的积分余额（每服务1小时{points_per_hour}分、每次群众签到"
        "{points_per_signin}分，减去此前已兑换的积分）。",
        "兑换笔数",
    ),
)
CHECKS_BY_KEY = {check.key: check for check in CHECKS}
# 积分 (practices.md): points per service hour and per 群众 sign-in, from the settings
# when they carry them (issue 15's figures), else the documented defaults
POINTS_DEFAULTS = {"points_per_hour": 10, "points_per_signin": 0}
BURST_PERIOD_NAMES = {"month": "月", "quarter": "季度", "year": "年"}

# Chinese notes of a flagged row
NOTE_OVERLAP = "参与者{person}同时出现在两场活动"
NOTE_RATER_OVERLAP = "编号{person}同时出现在两场活动（含评价）"
NOTE_SAME_PERSONS = "{n}人签到名单完全相同"
NOTE_SAME_NUMBERS = (
    "同日同名“{title}”，参与人次{reported}、志愿者{volunteers}人、时长{hours}小时均相同"
)
NOTE_HEAPING = "参与人次{reported}、志愿服务时长{hours}小时"
NOTE_BURST = "{day}，{period}末最后{days}天"
NOTE_NO_VOLUNTEERS = "志愿服务时长{hours}小时，志愿者人数为0且无志愿者记录"
NOTE_PER_VOLUNTEER = "{hours}小时÷{volunteers}名志愿者＝每人{each}小时，超过{limit}小时"
NOTE_SERVICE_LONG = "志愿者{person}服务{hours}小时，超过{limit}"
NOTE_SERVICE_SUM = "逐人服务时长合计{total}小时，活动填报{hours}小时"
NOTE_OVER_RECORDS = "填报参与人次{reported}，群众参与记录{records}人次（{ratio}倍）"
NOTE_OVER_POPULATION = (
    "{year}年填报人次{reported}，服务村（社区）常住人口{population}人（{ratio}倍）"
)
NOTE_RATED_EARLY = "评价人{person}评价于{rated}，活动{end}结束"
NOTE_ALL_FIVE = "评价人{person}给{n}场活动全部打5分"
NOTE_SAME_COMMENT = "同一评价内容“{comment}”出现在{n}场活动（{units}个阵地）"
NOTE_OVER_BALANCE = "兑换{redemption_id}：{person}兑换{points}分，兑换时余额{balance}分"
NOTE_NO_NUMBER = "（无编号）"
LIMIT_DURATION = "活动时长{duration}小时"
LIMIT_MAX = "{limit}小时"

# Optional columns other tables may carry (practices.md): used when the warehouse has them.
SERVICE_HOURS = ("attendance", "service_hours")
REDEMPTIONS = ("redemptions", "points")
POPULATION = ("divisions", "population")

# --------------------------------------------------------------------------- functions

Row = dict[str, Any]
# a flagged row and the units it is listed under
Hit = tuple[list[str], Row]


def rules(settings: AuditConfig | None = None) -> list[dict[str, Any]]:
    """Every check with its rule as one Chinese sentence for ``settings`` (default: the
    configuration in force): ``[{key, number, name, rule, measure, enabled}]``."""
    settings = settings or config().audit
    values = {
        **asdict(settings),
        **_points(),
        "burst_period_name": BURST_PERIOD_NAMES.get(settings.burst_period, "月"),
        "service_hours_percent": _plain_number(settings.service_hours_tolerance * 100),
        **{
            name: _plain_number(getattr(settings, name))
            for name in ("burst_factor", "max_hours_per_volunteer", "signin_factor")
        },
    }
    return [
        {
            "key": check.key,
            "number": check.number,
            "name": check.name,
            "rule": check.rule.format(**values),
            "measure": check.measure,
            "enabled": check.key not in settings.disabled,
        }
        for check in CHECKS
    ]


def audit(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The integrity audit of a scope, with the settings in force.

    Returns ``{checks, units}``: ``checks`` one entry per check in order, ``{key, number,
    name, rule, measure, enabled, flags, units: [{unit_id, name, level, count, measure,
    rows}]}`` (units by count descending; ``rows`` the flagged rows listed under the unit:
    ``{activity_ids, dates, unit_ids, person_no, value, note}``, ``person_no`` the
    pseudonymous number or None); ``units`` every flagged unit ``{unit_id, name, level,
    flags, checks}`` ranked by flags (rows over all checks) descending. A row that names
    several units (a pair, a group) is listed under each.
    """
    resolve(wh, scope)
    settings = config().audit
    key = ("integrity", scope.date_from, scope.date_to, scope.unit_id, settings)
    return wh.memo(key, lambda: _audit(wh, scope, settings))


def flagged_units(wh: Warehouse, scope: Scope) -> dict[str, tuple[int, int]]:
    """``{unit_id: (own, total)}`` of the scope's audit: the rows flagged at the unit's own
    activities, and at it and every unit below it (what a unit table marks)."""
    own = {row["unit_id"]: row["flags"] for row in audit(wh, scope)["units"]}
    if not own:
        return {}
    rows = wh.query(
        "SELECT unit_id, ancestor_id FROM unit_tree "
        "WHERE unit_id IN (SELECT UNNEST(CAST($ids AS VARCHAR[])))",
        {"ids": sorted(own)},
    )
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["ancestor_id"]] = totals.get(row["ancestor_id"], 0) + own[row["unit_id"]]
    return {unit_id: (own.get(unit_id, 0), total) for unit_id, total in totals.items()}


def _points() -> dict[str, float]:
    """The 积分 rule's settings (practices.md): the configuration's, else the defaults."""
    current = config()
    return {name: getattr(current, name, value) for name, value in POINTS_DEFAULTS.items()}


def _audit(wh: Warehouse, scope: Scope, settings: AuditConfig) -> dict[str, Any]:
    points = _points()
    params = {
        **scope.params(),
        **_params(settings),
        "per_hour": points["points_per_hour"],
        "per_signin": points["points_per_signin"],
    }
    units = wh.units()
    checks = []
    for entry in rules(settings):
        hits: list[Hit] = []
        measures: dict[str, float] = {}
        if entry["enabled"]:
            hits, measures = RUNNERS[entry["key"]](wh, scope, params, settings)
        checks.append({**entry, **_by_unit(entry["key"], hits, measures, units)})
    totals: dict[str, dict[str, Any]] = {}
    for check in checks:
        for unit in check["units"]:
            total = totals.setdefault(
                unit["unit_id"], {**_unit(unit["unit_id"], units), "flags": 0, "checks": []}
            )
            total["flags"] += unit["count"]
            total["checks"].append(check["key"])
    ranked = sorted(totals.values(), key=lambda row: (-row["flags"], row["unit_id"]))
    return {"checks": checks, "units": ranked}


def _params(settings: AuditConfig) -> dict[str, Any]:
    return {
        "overlap_minutes": settings.overlap_minutes,
        "copied_min_persons": settings.copied_min_persons,
        "heaping_min_activities": settings.heaping_min_activities,
        "burst_min_activities": settings.burst_min_activities,
        "burst_days": settings.burst_days,
        "max_hours": settings.max_hours_per_volunteer,
        "tolerance": settings.service_hours_tolerance,
        "signin_factor": settings.signin_factor,
        "population_factor": settings.population_factor,
        "rater_min": settings.rater_min_activities,
        "comment_min": settings.comment_min_activities,
        "min_chars": settings.comment_min_chars,
    }


def _unit(unit_id: str, units: dict[str, dict[str, Any]]) -> dict[str, Any]:
    unit = units.get(unit_id) or {}
    return {"unit_id": unit_id, "name": unit.get("name", unit_id), "level": unit.get("level")}


def _by_unit(
    key: str, hits: list[Hit], measures: dict[str, float], units: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The hits of one check listed under each unit they name, with its count and measure."""
    listed: dict[str, list[Row]] = {}
    for unit_ids, row in hits:
        for unit_id in dict.fromkeys(unit_ids):
            listed.setdefault(unit_id, []).append(row)
    rows = []
    for unit_id, unit_rows in listed.items():
        measure = measures.get(unit_id)
        if measure is None:
            measure = _count_measure(key, unit_id, unit_rows)
        rows.append(
            {
                **_unit(unit_id, units),
                "count": len(unit_rows),
                "measure": measure,
                "rows": unit_rows,
            }
        )
    rows.sort(key=lambda row: (-row["count"], row["unit_id"]))
    return {"flags": len(hits), "units": rows}


def _count_measure(key: str, unit_id: str, rows: list[Row]) -> float:
    if key == "overlap":
        return len({row["person_no"] for row in rows})
    if key == "copied":
        return sum(1 for row in rows for row_unit in row["unit_ids"] if row_unit == unit_id)
    if key == "headcount":
        return max((row["value"] for row in rows if row["value"] is not None), default=0)
    return len(rows)


def _row(
    ids: list[str],
    dates: list[Any],
    unit_ids: list[str],
    note: str,
    person_no: int | None = None,
    value: float | None = None,
) -> Row:
    return {
        "activity_ids": list(ids),
        "dates": list(dates),
        "unit_ids": list(unit_ids),
        "person_no": person_no,
        "value": value,
        "note": note,
    }


def _has_column(wh: Warehouse, table_column: tuple[str, str]) -> bool:
    table, column = table_column
    rows = wh.query(
        "SELECT 1 AS present FROM duckdb_columns() WHERE database_name = 'wh' "
        "AND table_name = $table AND column_name = $column",
        {"table": table, "column": column},
    )
    return bool(rows)


def _plain_number(value: Any) -> str:
    """A number as a ledger writes it: 4 not 4.0, 4.5 as it is."""
    if value is None:
        return "—"
    number = float(value)
    return str(int(number)) if number == int(number) else f"{number:g}"


# --- the checks, each returning its hits and (where it has one) each unit's measure ---------

Runner = Callable[[Warehouse, Scope, dict[str, Any], AuditConfig], tuple[list[Hit], dict]]


def _overlap(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    hits = []
    for r in wh.query(OVERLAPS, params):
        note = NOTE_RATER_OVERLAP if r["rated"] else NOTE_OVERLAP
        units = [r["x_unit"], r["y_unit"]]
        row = _row(
            [r["x_id"], r["y_id"]],
            [r["x_at"], r["y_at"]],
            units,
            note.format(person=r["person_no"]),
            person_no=r["person_no"],
        )
        hits.append((units, row))
    return hits, {}


def _copied(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    hits = []
    for r in wh.query(SAME_PERSONS, params):
        note = NOTE_SAME_PERSONS.format(n=r["persons"])
        hits.append(
            (
                r["unit_ids"],
                _row(r["activity_ids"], r["dates"], r["unit_ids"], note, value=r["persons"]),
            )
        )
    for r in wh.query(SAME_NUMBERS, params):
        note = NOTE_SAME_NUMBERS.format(
            title=r["title"],
            reported=r["reported"],
            volunteers=_plain_number(r["volunteers"]),
            hours=_plain_number(r["hours"]),
        )
        hits.append((r["unit_ids"], _row(r["activity_ids"], r["dates"], r["unit_ids"], note)))
    return hits, {}


def heaping_index(round_numbers: int, numbers: int) -> float | None:
    """Whipple-style: 500 × the share of round numbers (100 when one in five is round, as
    chance gives for a last digit of 0 or 5; 500 when all are). None without numbers."""
    if not numbers:
        return None
    return 500 * round_numbers / numbers


def _heaping(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    measures = {}
    for r in wh.query(HEAPING, params):
        index = heaping_index(r["round_numbers"], r["numbers"])
        recorded = heaping_index(r["recorded_round"], r["recorded"])
        if index is None or index < settings.heaping_threshold:
            continue
        if recorded is not None and index <= recorded:
            continue  # the unit's own sign-ins heap as much: the numbers are as counted
        measures[r["unit_id"]] = index
    if not measures:
        return [], {}
    hits = []
    for r in wh.query(HEAPING_ROWS, {**params, "ids": sorted(measures)}):
        note = NOTE_HEAPING.format(
            reported=_plain_number(r["reported"]), hours=_plain_number(r["hours"])
        )
        hits.append(
            ([r["unit_id"]], _row([r["activity_id"]], [r["start_at"]], [r["unit_id"]], note))
        )
    return hits, measures


def period_days(date_from: date, date_to: date, days: int, period: str) -> tuple[int, int]:
    """(days of [date_from, date_to] in the last ``days`` days of their month / quarter /
    year, all days of it)."""
    last_days = 0
    total = (date_to - date_from).days + 1
    for n in range(total):
        day = date_from + timedelta(days=n)
        if (_period_end(day, period) - day).days < days:
            last_days += 1
    return last_days, total


def _period_end(day: date, period: str) -> date:
    if period == "year":
        return date(day.year, 12, 31)
    months = 3 if period == "quarter" else 1
    first_month = day.month if months == 1 else (day.month - 1) // 3 * 3 + 1
    year, month = divmod(first_month - 1 + months, 12)
    return date(day.year + year, month + 1, 1) - timedelta(days=1)


def _burst(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    end = max(data_end(wh, scope), scope.date_from)
    last_days, total = period_days(scope.date_from, end, settings.burst_days, settings.burst_period)
    uniform = last_days / total
    rows_by_unit: dict[str, list[dict]] = {}
    counts: dict[str, int] = {}
    for r in wh.query(burst_sql(settings.burst_period), params):
        rows_by_unit.setdefault(r["unit_id"], []).append(r)
        counts[r["unit_id"]] = r["activities"]
    hits, measures = [], {}
    period = BURST_PERIOD_NAMES.get(settings.burst_period, "月")
    for unit_id, rows in rows_by_unit.items():
        share = len(rows) / counts[unit_id]
        if not uniform or share <= settings.burst_factor * uniform:
            continue
        measures[unit_id] = share / uniform
        for r in rows:
            note = NOTE_BURST.format(
                day=f"{r['start_at']:%Y-%m-%d}", period=period, days=settings.burst_days
            )
            hits.append(([unit_id], _row([r["activity_id"]], [r["start_at"]], [unit_id], note)))
    return hits, measures


def _hours(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    hits = []
    limit = _plain_number(settings.max_hours_per_volunteer)
    for r in wh.query(HOURS_PER_ACTIVITY, params):
        hours = _plain_number(r["volunteer_hours"])
        if r["no_volunteers"]:
            note, value = NOTE_NO_VOLUNTEERS.format(hours=hours), r["volunteer_hours"]
        else:
            value = r["volunteer_hours"] / r["volunteer_count"]
            note = NOTE_PER_VOLUNTEER.format(
                hours=hours, volunteers=r["volunteer_count"], each=f"{value:.1f}", limit=limit
            )
        hits.append(
            (
                [r["unit_id"]],
                _row([r["activity_id"]], [r["start_at"]], [r["unit_id"]], note, None, value),
            )
        )
    if _has_column(wh, SERVICE_HOURS):
        for r in wh.query(SERVICE_HOURS_LONG, params):
            over_max = r["hours"] > settings.max_hours_per_volunteer
            bound = (
                LIMIT_MAX.format(limit=limit)
                if over_max or r["duration"] is None
                else LIMIT_DURATION.format(duration=f"{r['duration']:.1f}")
            )
            note = NOTE_SERVICE_LONG.format(
                person=r["person_no"], hours=_plain_number(r["hours"]), limit=bound
            )
            row = _row(
                [r["activity_id"]],
                [r["start_at"]],
                [r["unit_id"]],
                note,
                r["person_no"],
                r["hours"],
            )
            hits.append(([r["unit_id"]], row))
        for r in wh.query(SERVICE_HOURS_SUM, params):
            note = NOTE_SERVICE_SUM.format(
                total=_plain_number(r["total"]), hours=_plain_number(r["hours"])
            )
            row = _row([r["activity_id"]], [r["start_at"]], [r["unit_id"]], note, None, r["total"])
            hits.append(([r["unit_id"]], row))
    return hits, {}


def _headcount(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    hits = []
    for r in wh.query(OVER_RECORDS, params):
        ratio = r["reported"] / r["records"]
        note = NOTE_OVER_RECORDS.format(
            reported=r["reported"], records=r["records"], ratio=f"{ratio:.1f}"
        )
        row = _row([r["activity_id"]], [r["start_at"]], [r["unit_id"]], note, None, ratio)
        hits.append(([r["unit_id"]], row))
    if _has_column(wh, POPULATION):
        for r in wh.query(OVER_POPULATION, params):
            ratio = r["reported"] / r["population"] if r["population"] else None
            note = NOTE_OVER_POPULATION.format(
                year=r["year"],
                reported=r["reported"],
                population=r["population"],
                ratio="—" if ratio is None else f"{ratio:.1f}",
            )
            row = _row(r["activity_ids"], r["dates"], r["unit_ids"], note, None, ratio)
            hits.append(([r["unit_id"]], row))
    return hits, {}


def _ratings(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    hits = []
    for r in wh.query(RATED_EARLY, params):
        end = r["end_at"] or r["start_at"]
        note = NOTE_RATED_EARLY.format(
            person=r["person_no"] if r["person_no"] is not None else "（无编号）",
            rated=f"{r['rated_at']:%Y-%m-%d %H:%M}",
            end=f"{end:%Y-%m-%d %H:%M}",
        )
        row = _row([r["activity_id"]], [r["start_at"]], [r["unit_id"]], note, r["person_no"])
        hits.append(([r["unit_id"]], row))
    for r in wh.query(ALL_FIVE, params):
        note = NOTE_ALL_FIVE.format(person=r["person_no"], n=r["activities"])
        units = [r["unit_id"]] * len(r["activity_ids"])
        row = _row(r["activity_ids"], r["dates"], units, note, r["person_no"], r["activities"])
        hits.append(([r["unit_id"]], row))
    for r in wh.query(SAME_COMMENT, params):
        comment = r["comment"] if len(r["comment"]) <= 40 else r["comment"][:40] + "…"
        note = NOTE_SAME_COMMENT.format(comment=comment, n=len(r["activity_ids"]), units=r["units"])
        row = _row(r["activity_ids"], r["dates"], r["unit_ids"], note, None, len(r["activity_ids"]))
        hits.append((r["unit_ids"], row))
    return hits, {}


def _redemptions(wh: Warehouse, scope: Scope, params: dict, settings: AuditConfig) -> tuple:
    if not _has_column(wh, REDEMPTIONS):
        return [], {}  # a warehouse built before redemptions were imported
    hits = []
    for r in wh.query(OVER_BALANCE, params):
        note = NOTE_OVER_BALANCE.format(
            redemption_id=r["redemption_id"],
            person=NOTE_NO_NUMBER if r["person_no"] is None else f"参与者{r['person_no']}",
            points=r["points"],
            balance=_plain_number(r["balance"]),
        )
        over = r["points"] - r["balance"]
        row = _row([], [r["redeemed_at"]], [r["unit_id"]], note, r["person_no"], over)
        hits.append(([r["unit_id"]], row))
    return hits, {}


RUNNERS: dict[str, Runner] = {
    "overlap": _overlap,
    "copied": _copied,
    "heaping": _heaping,
    "burst": _burst,
    "hours": _hours,
    "headcount": _headcount,
    "ratings": _ratings,
    "redemptions": _redemptions,
}
