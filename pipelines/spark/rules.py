"""The rules of ``validate.check_refs`` (and the units' parent rule) as portable SQL:
each a (code, condition, reason) over the staged row ``r`` and the joins it needs, with
the same codes and the same Chinese reasons (``reasons.REASONS``, filled in SQL)."""

from __future__ import annotations

import datetime as dt

from pipelines.contract import PARENT_LEVELS, TABLE_SPECS
from pipelines.reasons import REASONS
from pipelines.settings import config


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def fmt(code: str, *args: str) -> str:
    """The SQL of ``validate._fmt``: the reason's template with each ``{}`` filled by an
    SQL expression (NULL as empty text)."""
    pieces = REASONS[code].split("{}")
    assert len(pieces) == len(args) + 1, code
    out = [q(pieces[0])]
    for arg, piece in zip(args, pieces[1:], strict=True):
        out += [f"COALESCE(CAST({arg} AS VARCHAR), '')", q(piece)]
    return "(" + " || ".join(out) + ")"


def _unit_exists(column: str, label: str, alias: str, rejected: bool = True):
    """``validate._unit_exists``: the code is not a loaded unit (or was itself rejected)."""
    value = f"r.t_{column}"
    joins = [f"LEFT JOIN loaded_units AS {alias} ON {alias}.unit_id = {value}"]
    reason = fmt("unknown_unit", q(label), value)
    if rejected:
        joins.append(f"LEFT JOIN rejected_units AS x_{alias} ON x_{alias}.id = {value}")
        reason = (
            f"CASE WHEN x_{alias}.id IS NOT NULL THEN {fmt('unit_rejected', value)} "
            f"ELSE {reason} END"
        )
    return joins, [("unknown_unit", f"{value} IS NOT NULL AND {alias}.unit_id IS NULL", reason)]


def _shown(value: str, timed: str | None) -> str:
    """A date or time as the reasons show it: with its time only where it has one."""
    date = f"strftime({value}, '%Y-%m-%d')"
    if timed is None:
        return date
    return f"CASE WHEN {timed} THEN strftime({value}, '%Y-%m-%d %H:%M') ELSE {date} END"


def _dates_too_late(table: str, as_of: dt.datetime):
    ahead = config().years_ahead
    last = as_of.year + ahead
    checks = []
    for col in TABLE_SPECS[table].columns:
        if col.kind in ("date", "datetime"):
            value = f"r.t_{col.key}"
            timed = f"r.t_{col.key}_has_time" if col.kind == "datetime" else None
            checks.append(
                (
                    "date_too_late",
                    f"COALESCE(year({value}) > {last}, FALSE)",
                    fmt(
                        "date_too_late",
                        q(col.zh),
                        _shown(value, timed),
                        q(str(last)),
                        q(str(ahead)),
                    ),
                )
            )
    return checks


def _not_after_as_of(table: str, column: str, as_of: dt.datetime):
    col = TABLE_SPECS[table].column(column)
    value = f"r.t_{column}"
    moment = f"TIMESTAMP '{as_of:%Y-%m-%d %H:%M:%S}'"
    day = f"DATE '{as_of:%Y-%m-%d}'"
    if col.kind == "date":
        after = f"{value} > {day}"
        timed = None
    else:
        timed = f"r.t_{column}_has_time"
        after = f"CASE WHEN {timed} THEN {value} > {moment} ELSE CAST({value} AS DATE) > {day} END"
    return (
        "date_after_as_of",
        f"COALESCE({after}, FALSE)",
        fmt("date_after_as_of", q(col.zh), _shown(value, timed), q(f"{as_of:%Y-%m-%d %H:%M}")),
    )


def _activity_exists():
    joins = [
        "LEFT JOIN loaded_activities AS a ON a.activity_id = r.t_activity_id",
        "LEFT JOIN rejected_activities AS xa ON xa.id = r.t_activity_id",
    ]
    reason = (
        f"CASE WHEN xa.id IS NOT NULL THEN {fmt('activity_rejected', 'r.t_activity_id')} "
        f"ELSE {fmt('unknown_activity', 'r.t_activity_id')} END"
    )
    cond = "r.t_activity_id IS NOT NULL AND a.activity_id IS NULL"
    return joins, [("unknown_activity", cond, reason)]


def refs(table: str, as_of: dt.datetime) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The joins and the ordered (code, condition, reason) rules of ``check_refs``."""
    joins: list[str] = []
    checks = _dates_too_late(table, as_of)
    if table in ("brands", "targets"):
        label = "所属阵地编码" if table == "brands" else "阵地编码"
        j, c = _unit_exists("unit_id", label, "u")
        joins += j
        checks += c
    elif table == "orders":
        j, c = _unit_exists("unit_id", "点单阵地编码", "u")
        j2, c2 = _unit_exists("accepted_unit_id", "接单阵地编码", "ua", rejected=False)
        joins += j + j2
        checks += c + c2
    elif table == "activities":
        moment = f"TIMESTAMP '{as_of:%Y-%m-%d %H:%M:%S}'"
        day = f"DATE '{as_of:%Y-%m-%d}'"
        after = (
            f"CASE WHEN r.t_start_at_has_time THEN r.t_start_at > {moment} "
            f"ELSE CAST(r.t_start_at AS DATE) > {day} END"
        )
        checks.append(
            (
                "start_after_as_of",
                f"COALESCE({after}, FALSE)",
                fmt(
                    "start_after_as_of",
                    "strftime(r.t_start_at, '%Y-%m-%d %H:%M')",
                    q(f"{as_of:%Y-%m-%d %H:%M}"),
                ),
            )
        )
        j, c = _unit_exists("unit_id", "阵地编码", "u")
        joins += j
        checks += c
        joins += [
            "LEFT JOIN loaded_brands AS b ON b.brand_id = r.t_brand_id",
            "LEFT JOIN loaded_orders AS o ON o.order_id = r.t_order_id",
        ]
        checks += [
            (
                "unknown_brand",
                "r.t_brand_id IS NOT NULL AND b.brand_id IS NULL",
                fmt("unknown_brand", "r.t_brand_id"),
            ),
            (
                "unknown_order",
                "r.t_order_id IS NOT NULL AND o.order_id IS NULL",
                fmt("unknown_order", "r.t_order_id"),
            ),
        ]
    elif table == "attendance":
        joins, found = _activity_exists()
        checks += found
    elif table == "ratings":
        joins, found = _activity_exists()
        both = "r.t_rated_at_has_time AND a.start_has_time"
        before = (
            f"CASE WHEN {both} THEN r.t_rated_at < a.start_at "
            "ELSE CAST(r.t_rated_at AS DATE) < CAST(a.start_at AS DATE) END"
        )
        checks += found + [
            (
                "rated_before_start",
                f"COALESCE({before}, FALSE)",
                fmt(
                    "rated_before_start",
                    _shown("r.t_rated_at", "r.t_rated_at_has_time"),
                    "strftime(a.start_at, '%Y-%m-%d %H:%M')",
                ),
            )
        ]
    elif table in ("teams", "redemptions"):
        label = "所属阵地编码" if table == "teams" else "兑换阵地编码"
        j, c = _unit_exists("unit_id", label, "u")
        joins += j
        column = "founded_on" if table == "teams" else "redeemed_at"
        checks += c + [_not_after_as_of(table, column, as_of)]
    return joins, checks


def first_failure(checks: list[tuple[str, str, str]]) -> tuple[str, str]:
    """``_code`` and ``_reason``: a row's earlier failure, else its first failing rule."""
    code = ["CASE WHEN r._code IS NOT NULL THEN r._code"]
    reason = ["CASE WHEN r._code IS NOT NULL THEN r._reason"]
    for c, cond, text in checks:
        code.append(f"WHEN {cond} THEN {q(c)}")
        reason.append(f"WHEN {cond} THEN {text}")
    return " ".join(code) + " END", " ".join(reason) + " END"


def allowed_parents() -> str:
    pairs = [(c, p) for c, parents in PARENT_LEVELS.items() for p in parents]
    return " UNION ALL ".join(f"SELECT {q(c)} AS level, {q(p)} AS parent_level" for c, p in pairs)


def allowed_text(level: str) -> str:
    whens = " ".join(
        f"WHEN {q(k)} THEN {q('、'.join(v) if v else '（无上级）')}"
        for k, v in PARENT_LEVELS.items()
    )
    return f"CASE {level} {whens} ELSE '' END"
