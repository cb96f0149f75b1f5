"""Normalise and validate one table's input rows, row by row, vectorised.

``prepare(table, frame, refs, ctx)`` returns the frame with typed columns
(``t_<key>``), the cleaned text (``<key>``) and the first failing rule as
``_code``/``_reason`` (null when the row is valid). One input row in, one out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from pipelines.contract import (
    BOOL_WORDS,
    LEVELS_WITHOUT_PARENT,
    ORDER_STATUSES,
    PARENT_LEVELS,
    ROLES,
    SOURCES,
    TABLE_SPECS,
    TARGET_METRICS,
    category_map,
    level_map,
)
from pipelines.parse import (
    clean,
    is_integer,
    parse_decimal_text,
    parse_enum,
    parse_number,
    parse_score,
    row_datetimes,
    split_codes,
    with_datetime,
)
from pipelines.reasons import REASONS
from pipelines.settings import config

FREE_TEXT = {
    "name",
    "title",
    "comment",
    "content",
    "location",
    "target_group",
    "group",
    "head",
    "item",
}
CODE_COLUMNS = {"division_code", "code"}
# The largest number any numeric column takes (an INTEGER column of the warehouse ends at
# 2^31 - 1; DECIMAL(14, 2) below 10^12): columns with a plausible bound of their own
# (``_upper_limit``) use that, the rest this.
INT_LIMIT = 2**31 - 1
# decimal columns that cannot be negative (coordinates and target values have rules of their own)
NON_NEGATIVE_DECIMALS = {"volunteer_hours", "service_hours", "area_sqm"}
# one volunteer's hours in one activity (参与记录 服务时长（小时）)
MAX_SERVICE_HOURS = 24
DECIMAL_LIMIT = 10**12 - 1


def _upper_limit(key: str, kind: str) -> float:
    """The largest absolute value a numeric column accepts (docs/figures.md, 数值上限)."""
    settings = config()
    if key in ("volunteer_count", "reported_person_times", "headcount"):
        return settings.max_headcount
    if key == "volunteer_hours":
        return settings.max_volunteer_hours
    return INT_LIMIT if kind == "int" else DECIMAL_LIMIT


def _shown_limit(limit: float) -> str:
    return f"{limit:,.0f}" if float(limit).is_integer() else f"{limit:,}"


@dataclass
class Context:
    """What validation needs beyond the row: the build's now and loaded keys of earlier tables."""

    as_of: dt.datetime
    unit_levels: pl.DataFrame | None = None  # unit_id, level of loaded units
    brand_ids: pl.Series | None = None
    order_ids: pl.Series | None = None
    activities: pl.DataFrame | None = None  # activity_id, start_at, start_has_time
    # codes whose every row was rejected: a reference to one is told so, not "missing"
    rejected: dict[str, pl.Series] = field(default_factory=dict)
    # position of a restricted file in the build -> the unit whose subtree it may write
    # (``pipelines.scopes``); empty: no row is checked
    write_units: dict[int, str] = field(default_factory=dict)


def _enum_mapping(table: str, key: str) -> dict[str, str] | None:
    if key == "category":
        return category_map()
    if key == "level":
        return level_map()
    if key == "source":
        return SOURCES
    if key == "status":
        return {s: s for s in ORDER_STATUSES}
    if key == "role":
        return ROLES
    if key == "metric":
        return {m: m for m in TARGET_METRICS}
    return None


def _allowed(table: str, key: str) -> str:
    if key == "category":
        from pipelines.contract import CATEGORIES

        return "、".join(CATEGORIES)
    if key == "level":
        from pipelines.contract import LEVELS

        return "、".join(LEVELS)
    if key == "source":
        return "群众点单、自主开展"
    if key == "status":
        return "、".join(ORDER_STATUSES)
    if key == "role":
        return "群众、志愿者"
    if key == "metric":
        return "、".join(TARGET_METRICS)
    return ""


def _fmt(code: str, *args: pl.Expr | str) -> pl.Expr:
    exprs = [a if isinstance(a, pl.Expr) else pl.lit(a) for a in args]
    return pl.format(REASONS[code], *[e.cast(pl.String).fill_null("") for e in exprs])


Check = tuple[str, pl.Expr, pl.Expr]  # (code, failing condition, reason)


# (table, column) -> (the configuration they were built under, derived, checks)
_RULES: dict[tuple[str, str], tuple[object, dict[str, pl.Expr], list[Check]]] = {}


def _column_rules(table: str, col) -> tuple[dict[str, pl.Expr], list[Check]]:
    """``_rules`` of a column, built once per configuration: building the expressions
    costs more than applying them to a small file (a province has 800 of them)."""
    settings = config()
    known = _RULES.get((table, col.key))
    if known is None or known[0] is not settings:
        known = (settings, *_rules(table, col))
        _RULES[(table, col.key)] = known
    return dict(known[1]), list(known[2])


def _rules(table: str, col) -> tuple[dict[str, pl.Expr], list[Check]]:
    """Derived columns of one column (functions of its cleaned text) and its checks.

    Derived columns are computed once per distinct value (see ``_typed``); checks
    refer to them by name, so nothing is parsed twice.
    """
    raw = pl.col(col.key)
    t = f"t_{col.key}"
    bad = f"_bad_{col.key}"
    derived: dict[str, pl.Expr] = {}
    checks: list[Check] = []
    if col.required:
        checks.append(("missing_required", raw.is_null(), _fmt("missing_required", col.zh)))
    if col.kind in ("date", "datetime"):
        # t and t_has_time come from parse.with_datetime (see _typed)
        if col.kind == "date":
            derived[t] = pl.col(t).dt.date()
        derived[bad] = raw.is_not_null() & pl.col(t).is_null()
        checks.append(("bad_date", pl.col(bad), _fmt("bad_date", col.zh, raw)))
        # 0000-01-01 reads as 1 BC and -2025-01-01 as 2026 BC: no ledger means either
        min_year = config().min_year
        derived[f"{bad}_early"] = (pl.col(t).dt.year() < min_year).fill_null(False)
        checks.append(
            (
                "date_too_early",
                pl.col(f"{bad}_early"),
                _fmt("date_too_early", col.zh, raw, str(min_year)),
            )
        )
    elif col.kind == "int":
        n = parse_number(raw)
        # not strict: a number beyond Int64 is null here and rejected by the limit below
        derived[t] = pl.when(is_integer(n)).then(n).otherwise(None).cast(pl.Int64, strict=False)
        derived[bad] = raw.is_not_null() & (n.is_null() | ~is_integer(n).fill_null(False))
        derived[f"{bad}_neg"] = (n < 0).fill_null(False)
        checks.append(("bad_integer", pl.col(bad), _fmt("bad_integer", col.zh, raw)))
        if table != "targets":
            checks.append(
                ("negative_number", pl.col(f"{bad}_neg"), _fmt("negative_number", col.zh, raw))
            )
        checks.append(_too_large(col, n, derived))
    elif col.kind == "decimal":
        n = parse_number(raw.str.replace("%$", ""))
        derived[t] = n
        derived[f"{t}_text"] = parse_decimal_text(raw)
        derived[bad] = raw.is_not_null() & n.is_null()
        derived[f"{bad}_neg"] = (n < 0).fill_null(False)
        checks.append(("bad_number", pl.col(bad), _fmt("bad_number", col.zh, raw)))
        if col.key in NON_NEGATIVE_DECIMALS:
            checks.append(
                ("negative_number", pl.col(f"{bad}_neg"), _fmt("negative_number", col.zh, raw))
            )
        checks.append(_too_large(col, n, derived))
    elif col.kind == "enum":
        v = parse_enum(raw, _enum_mapping(table, col.key))
        derived[t] = v
        derived[bad] = raw.is_not_null() & v.is_null()
        if col.key == "category":
            checks.append(
                (
                    "unknown_category",
                    pl.col(bad),
                    _fmt("unknown_category", raw, _allowed(table, col.key)),
                )
            )
        else:
            checks.append(
                ("bad_enum", pl.col(bad), _fmt("bad_enum", col.zh, raw, _allowed(table, col.key)))
            )
    elif col.kind == "score":
        v = parse_score(raw)
        derived[t] = v
        derived[bad] = raw.is_not_null() & v.is_null()
        derived[f"{bad}_range"] = ~v.is_between(1, 5).fill_null(True)
        checks.append(("bad_score", pl.col(bad), _fmt("bad_score", raw)))
        checks.append(
            ("score_out_of_range", pl.col(f"{bad}_range"), _fmt("score_out_of_range", raw))
        )
    elif col.kind == "bool":
        v = raw.str.to_lowercase().replace_strict(BOOL_WORDS, default=None, return_dtype=pl.Boolean)
        derived[t] = v
        derived[bad] = raw.is_not_null() & v.is_null()
        checks.append(("bad_bool", pl.col(bad), _fmt("bad_bool", col.zh, raw)))
    elif col.kind == "codes":
        derived[t] = split_codes(raw)
    else:
        derived[t] = raw
        if col.key in CODE_COLUMNS:
            derived[bad] = raw.is_not_null() & ~raw.str.contains(r"^\d{12}$").fill_null(True)
            checks.append(
                ("bad_division_code", pl.col(bad), _fmt("bad_division_code", col.zh, raw))
            )
    return derived, checks


def _too_large(col, number: pl.Expr, derived: dict[str, pl.Expr]) -> Check:
    """Rejects a number beyond the column's limit (a huge number must not stop the build
    at the warehouse's INTEGER or DECIMAL column: it is a row with a reason)."""
    limit = _upper_limit(col.key, col.kind)
    name = f"_bad_{col.key}_big"
    derived[name] = (number.abs() > limit).fill_null(False)
    raw = pl.col(col.key)
    return (
        "number_too_large",
        pl.col(name),
        _fmt("number_too_large", col.zh, raw, _shown_limit(limit)),
    )


def _typed(table: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Check]]:
    """Cleaned text, typed values, and the field-level checks of every column.

    Ledgers repeat values (the same activity code or date on thousands of rows),
    so each column is cleaned and parsed once per distinct value and joined back.
    """
    spec = TABLE_SPECS[table]
    checks: list[Check] = []
    for col in spec.columns:
        if col.key not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col.key))
        derived, col_checks = _column_rules(table, col)
        checks += col_checks
        if col.kind in ("date", "datetime"):
            frame = frame.drop(col.key).hstack(_dates(col.key, frame[col.key], derived))
            continue
        lookup = _distinct(col.key, frame.get_column(col.key))
        if (
            col.kind in ("text", "id")
            and list(derived) == [f"t_{col.key}"]
            and _is_untouched(lookup, col.key)
        ):
            # a code or text column already clean (the usual case): its value is its typed
            # value, so the join would only copy it; same columns, same order
            frame = frame.select(
                pl.exclude(col.key), pl.col(col.key), pl.col(col.key).alias(f"t_{col.key}")
            )
            continue
        lookup = lookup.with_columns(**derived)
        frame = frame.drop(col.key).hstack(_per_row(frame.get_column(col.key), lookup))
    return frame, checks


def _distinct(key: str, values: pl.Series) -> pl.DataFrame:
    """(_in, key): each distinct value of a column and its cleaned text."""
    return (
        values.unique()
        .alias("_in")
        .to_frame()
        .with_columns(clean(pl.col("_in"), normalise=key not in FREE_TEXT).alias(key))
    )


def _dates(key: str, values: pl.Series, derived: dict[str, pl.Expr]) -> list[pl.Series]:
    """The cleaned text, timestamp, has-time flag and derived columns of a date or
    date-time column, per row. Cells in an exact dashed form are parsed row by row
    (``parse.row_datetimes``); only the others go through the distinct values, cleaned,
    parsed by ``with_datetime`` and joined back to their rows. Both ways give the same
    columns for the same cell."""
    t, has_time = f"t_{key}", f"t_{key}_has_time"
    ts, timed = row_datetimes(values)
    rows = pl.DataFrame([values.alias(key), ts.alias(t), timed.alias(has_time)])
    rows = rows.with_columns(**derived)
    rest = ts.is_null().arg_true()
    if rest.len() == 0:
        return rows.get_columns()
    rest_values = values.gather(rest)
    lookup = with_datetime(_distinct(key, rest_values), key, t, has_time)
    slow = _per_row(rest_values, lookup.with_columns(**derived))
    if rest.len() == values.len():
        return slow
    return [fast.scatter(rest, s) for fast, s in zip(rows.get_columns(), slow, strict=True)]


def _per_row(values: pl.Series, lookup: pl.DataFrame) -> list[pl.Series]:
    """The columns of ``lookup`` (one row per distinct ``_in``, null included) for each
    of ``values``, in its order, without ``_in``. Only the column itself is joined, not
    the whole frame (a join gathers every column of both sides); a column of one value
    (often all empty) is repeated without a join."""
    out = lookup.drop("_in")
    if lookup.height == 1:
        return [s.new_from_index(0, values.len()) for s in out.get_columns()]
    joined = (
        values.alias("_in")
        .to_frame()
        .join(lookup, on="_in", how="left", nulls_equal=True, maintain_order="left")
    )
    return joined.drop("_in").get_columns()


def _is_untouched(lookup: pl.DataFrame, key: str) -> bool:
    """Whether cleaning left every distinct value of the column as it was."""
    return lookup.select(pl.col("_in").eq_missing(pl.col(key)).all()).item()


def _first_failure(frame: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    if not checks:
        return frame.with_columns(
            pl.lit(None, pl.String).alias("_code"), pl.lit(None, pl.String).alias("_reason")
        )
    code = pl.when(checks[0][1]).then(pl.lit(checks[0][0]))
    reason = pl.when(checks[0][1]).then(checks[0][2])
    for c, cond, r in checks[1:]:
        code = code.when(cond).then(pl.lit(c))
        reason = reason.when(cond).then(r)
    frame = frame.with_columns(code.otherwise(None).alias("_code"))
    # every branch of a when/then chain is evaluated over every row: the reasons (text
    # formatted per row, one per check) only for the few rows that fail
    failed = frame.select(pl.arg_where(pl.col("_code").is_not_null())).to_series()
    reasons = frame[failed].select(reason.otherwise(None)).to_series()
    nulls = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("_reason")
    filled = nulls.scatter(failed, reasons) if failed.len() else nulls
    return frame.with_columns(filled)


def _unit_exists(ctx: Context, column: str, label: str) -> Check:
    ids = (
        ctx.unit_levels.get_column("unit_id")
        if ctx.unit_levels is not None
        else pl.Series([], dtype=pl.String)
    )
    raw = pl.col(f"t_{column}")
    return (
        "unknown_unit",
        raw.is_not_null() & ~raw.is_in(ids.implode()),
        _missing_or_rejected(
            ctx, "units", raw, _fmt("unknown_unit", label, raw), _fmt("unit_rejected", raw)
        ),
    )


def _missing_or_rejected(
    ctx: Context, table: str, value: pl.Expr, missing: pl.Expr, rejected: pl.Expr
) -> pl.Expr:
    codes = ctx.rejected.get(table)
    if codes is None or codes.len() == 0:
        return missing
    return pl.when(value.is_in(codes.implode())).then(rejected).otherwise(missing)


def prepare_local(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns plus ``_code``/``_reason`` of the first failing row-local rule.

    Row-local rules need nothing beyond the row, so their result can be cached
    per file; references to other tables are checked by ``check_refs``.
    """
    frame, checks = _typed(table, frame)
    frame, local = _LOCAL[table](frame)
    return _first_failure(frame, checks + local)


def check_refs(table: str, frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Rows still valid after ``prepare_local``, checked against the loaded tables and as-of."""
    frame, refs = _REFS[table](frame, ctx)
    refs = _dates_too_late(table, ctx) + refs + _out_of_scope(table, frame, ctx)
    if not refs:
        return frame
    code = pl.when(pl.col("_code").is_not_null()).then(pl.col("_code"))
    reason = pl.when(pl.col("_code").is_not_null()).then(pl.col("_reason"))
    for c, cond, r in refs:
        code = code.when(cond).then(pl.lit(c))
        reason = reason.when(cond).then(r)
    return frame.with_columns(
        code.otherwise(None).alias("_code"), reason.otherwise(None).alias("_reason")
    )


def _out_of_scope(table: str, frame: pl.DataFrame, ctx: Context) -> list[Check]:
    """Rows of a restricted file (``ctx.write_units``) whose unit is outside the subtree
    it may write: units by their own code, activities/orders/targets/brands by their
    unit, attendance/ratings by their activity's unit; 区划 rows are nobody's subtree.
    Last of the checks: a row with another defect is told that one first."""
    if not ctx.write_units:
        return []
    homes: dict[str, list[int]] = {}
    for position, unit in ctx.write_units.items():
        homes.setdefault(unit, []).append(position)
    subtrees = _subtrees(set(homes), _unit_parents(table, frame, ctx))
    if table == "divisions":
        value = pl.col("t_code")
    elif table in ("attendance", "ratings"):
        value = pl.col("t_activity_id")
    else:
        value = pl.col("t_unit_id")
    outside = pl.lit(False)
    home_of = pl.lit(None, pl.String)
    for home, positions in homes.items():
        if table == "divisions":
            allowed = pl.Series([], dtype=pl.String)
        elif table in ("attendance", "ratings"):
            acts = ctx.activities
            if acts is None or "unit_id" not in acts.columns:
                allowed = pl.Series([], dtype=pl.String)
            else:
                inside = acts.filter(pl.col("unit_id").is_in(list(subtrees[home])))
                allowed = inside.get_column("activity_id")
        else:
            allowed = pl.Series(sorted(subtrees[home]), dtype=pl.String)
        mine = pl.col("_file_idx").is_in(positions)
        outside = outside | (mine & ~value.is_in(allowed.implode()).fill_null(False))
        home_of = pl.when(mine).then(pl.lit(home)).otherwise(home_of)
    return [("out_of_scope", outside, _fmt("out_of_scope", value, home_of))]


def _unit_parents(table: str, frame: pl.DataFrame, ctx: Context) -> dict[str, str | None]:
    """unit code -> parent code of the loaded units; while checking the units table, its
    valid rows too: those of unrestricted files first, so a restricted file cannot move
    a unit another file registers into its own subtree."""
    parents: dict[str, str | None] = {}
    known = ctx.unit_levels
    if known is not None and "parent_id" in known.columns:
        parents.update(zip(known["unit_id"], known["parent_id"], strict=True))
    if table == "units":
        valid = frame.filter(pl.col("_code").is_null()).sort("_order")
        mine = pl.col("_file_idx").is_in(list(ctx.write_units))
        for rows in (valid.filter(~mine), valid.filter(mine)):
            for unit, parent in zip(rows["t_unit_id"], rows["t_parent_id"], strict=True):
                parents.setdefault(unit, parent)
    return parents


def _subtrees(homes: set[str], parents: dict[str, str | None]) -> dict[str, set[str]]:
    """Each home unit and every unit below it."""
    children: dict[str, list[str]] = {}
    for unit, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    found = {}
    for home in homes:
        seen, todo = {home}, [home]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        found[home] = seen
    return found


def _dates_too_late(table: str, ctx: Context) -> list[Check]:
    """Every date of the row at most in the as-of year + ``years_ahead`` (the earliest
    year is a row-local rule: ``date_too_early``)."""
    ahead = config().years_ahead
    last = ctx.as_of.year + ahead
    checks = []
    for col in TABLE_SPECS[table].columns:
        if col.kind in ("date", "datetime"):
            value = pl.col(f"t_{col.key}")
            shown = value.dt.strftime("%Y-%m-%d")
            if col.kind == "datetime":
                timed = pl.col(f"t_{col.key}_has_time")
                shown = pl.when(timed).then(value.dt.strftime("%Y-%m-%d %H:%M")).otherwise(shown)
            checks.append(
                (
                    "date_too_late",
                    (value.dt.year() > last).fill_null(False),
                    _fmt("date_too_late", col.zh, shown, str(last), str(ahead)),
                )
            )
    return checks


def prepare(table: str, frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Every rule of the table, row-local ones first (see ``prepare_local``, ``check_refs``)."""
    return check_refs(table, prepare_local(table, frame), ctx)


# ---------------------------------------------------------------- table rules


def _units(frame: pl.DataFrame):
    # the contract's defaults, applied before rows are compared: 示范站 否, and a 站's
    # 服务村居 its own 区划代码
    station = pl.col("t_level") == "站"
    frame = frame.with_columns(
        pl.col("t_is_model").fill_null(False),
        pl.when(pl.col("t_serves").is_null() & station & pl.col("t_division_code").is_not_null())
        .then(pl.concat_list(pl.col("t_division_code")))
        .otherwise(pl.col("t_serves"))
        .alias("t_serves"),
    )
    level = pl.col("t_level")
    lng, lat = pl.col("t_lng"), pl.col("t_lat")
    one_missing = lng.is_null() != lat.is_null()
    outside = ~lng.is_between(73.5, 135.1).fill_null(True) | ~lat.is_between(3.8, 53.6).fill_null(
        True
    )
    bad_serves = (
        pl.col("t_serves")
        .list.eval(~pl.element().str.contains(r"^\d{12}$"))
        .list.any()
        .fill_null(False)
    )
    first_bad = (
        pl.col("t_serves")
        .list.eval(pl.element().filter(~pl.element().str.contains(r"^\d{12}$")))
        .list.first()
    )
    return frame, [
        ("bad_serves", bad_serves, _fmt("bad_serves", first_bad)),
        (
            "serves_not_station",
            pl.col("serves").is_not_null() & (level != "站").fill_null(False),
            _fmt("serves_not_station", level),
        ),
        (
            "bad_coordinates",
            one_missing | outside,
            _fmt("bad_coordinates", pl.col("lng"), pl.col("lat")),
        ),
        (
            "missing_parent",
            pl.col("t_parent_id").is_null()
            & level.is_not_null()
            & ~level.is_in(list(LEVELS_WITHOUT_PARENT)),
            _fmt("missing_parent", level),
        ),
    ]


def check_unit_parents(
    units: pl.DataFrame, rejected_elsewhere: pl.Series | None = None
) -> pl.DataFrame:
    """Reject units whose parent is not a loaded unit of an allowed level, to a fixpoint.

    ``units`` is prepared (typed, with ``_code``); the first valid row per unit_id
    stands for that unit, as it is the one that will be kept.
    """
    if rejected_elsewhere is None:
        rejected_elsewhere = pl.Series([], dtype=pl.String)
    allowed = pl.DataFrame(
        [(child, parent) for child, parents in PARENT_LEVELS.items() for parent in parents],
        schema={"t_level": pl.String, "_parent_level": pl.String},
        orient="row",
    )
    while True:
        valid = (
            units.filter(pl.col("_code").is_null())
            .sort("_order")
            .unique("t_unit_id", keep="first", maintain_order=True)
        )
        parents = valid.select(
            pl.col("t_unit_id").alias("t_parent_id"), pl.col("t_level").alias("_parent_level")
        )
        checked = units.join(parents, on="t_parent_id", how="left", maintain_order="left").join(
            allowed.with_columns(pl.lit(True).alias("_level_ok")),
            on=["t_level", "_parent_level"],
            how="left",
            maintain_order="left",
        )
        has_parent = pl.col("t_parent_id").is_not_null()
        unknown = has_parent & pl.col("_parent_level").is_null()
        wrong_level = (
            has_parent & pl.col("_parent_level").is_not_null() & pl.col("_level_ok").is_null()
        )
        allowed_text = pl.col("t_level").replace_strict(
            {k: "、".join(v) if v else "（无上级）" for k, v in PARENT_LEVELS.items()}, default=""
        )
        newly = pl.col("_code").is_null() & (unknown | wrong_level)
        rejected_ids = pl.concat(
            [units.filter(pl.col("_code").is_not_null())["t_unit_id"], rejected_elsewhere]
        )
        # counted before _code is set: afterwards no row is "newly" rejected any more
        changed = checked.filter(newly).height
        checked = checked.with_columns(
            pl.when(newly & unknown)
            .then(pl.lit("unknown_parent"))
            .when(newly)
            .then(pl.lit("bad_parent_level"))
            .otherwise(pl.col("_code"))
            .alias("_code"),
            pl.when(newly & unknown & pl.col("t_parent_id").is_in(rejected_ids.implode()))
            .then(_fmt("parent_rejected", pl.col("t_parent_id")))
            .when(newly & unknown)
            .then(_fmt("unknown_parent", pl.col("t_parent_id")))
            .when(newly)
            .then(
                _fmt("bad_parent_level", pl.col("t_level"), pl.col("_parent_level"), allowed_text)
            )
            .otherwise(pl.col("_reason"))
            .alias("_reason"),
        )
        units = checked.drop("_parent_level", "_level_ok")
        if changed == 0:
            return units


def _divisions(frame: pl.DataFrame):
    ur = pl.col("t_urban_rural")
    return frame, [
        (
            "bad_enum",
            ur.is_not_null() & ~ur.str.contains(r"^\d{3}$"),
            _fmt("bad_enum", "城乡分类代码", ur, "3位数字，如 111、121、210、220"),
        )
    ]


def _brands_refs(frame: pl.DataFrame, ctx: Context):
    return frame, [_unit_exists(ctx, "unit_id", "所属阵地编码")]


def _orders(frame: pl.DataFrame):
    names = ("ordered_at", "dispatched_at", "accepted_at", "completed_at")
    times = [(pl.col(f"t_{k}"), pl.col(f"t_{k}_has_time")) for k in names]
    out_of_order = pl.lit(False)
    for i, (earlier, earlier_timed) in enumerate(times):
        for later, later_timed in times[i + 1 :]:
            # where either side has no time, the contract compares dates only
            after = (
                pl.when(earlier_timed & later_timed)
                .then(earlier > later)
                .otherwise(earlier.dt.date() > later.dt.date())
            )
            out_of_order = out_of_order | after.fill_null(False)
    reason = _fmt("times_out_of_order", *[pl.col(k) for k in names])
    # an absent 状态 follows from the times (before rows are compared)
    derived = (
        pl.when(pl.col("t_completed_at").is_not_null())
        .then(pl.lit("已完成"))
        .when(pl.col("t_accepted_at").is_not_null())
        .then(pl.lit("已接单"))
        .when(pl.col("t_dispatched_at").is_not_null())
        .then(pl.lit("已派单"))
        .otherwise(pl.lit("待派单"))
    )
    frame = frame.with_columns(pl.col("t_status").fill_null(derived))
    return frame, [("times_out_of_order", out_of_order, reason)]


def _orders_refs(frame: pl.DataFrame, ctx: Context):
    accepted = pl.col("t_accepted_unit_id")
    ids = _ids(ctx.unit_levels, "unit_id")
    return frame, [
        _unit_exists(ctx, "unit_id", "点单阵地编码"),
        (
            "unknown_unit",
            accepted.is_not_null() & ~accepted.is_in(ids.implode()),
            _fmt("unknown_unit", "接单阵地编码", accepted),
        ),
    ]


def _ids(frame: pl.DataFrame | None, column: str) -> pl.Series:
    return frame.get_column(column) if frame is not None else pl.Series([], dtype=pl.String)


def _activities(frame: pl.DataFrame):
    start, end = pl.col("t_start_at"), pl.col("t_end_at")
    order_id, source = pl.col("t_order_id"), pl.col("t_source")
    frame = frame.with_columns(
        pl.when(source.is_null() & order_id.is_not_null())
        .then(pl.lit("群众点单"))
        .otherwise(source.fill_null("自主开展"))
        .alias("t_source")
    )
    comparable = pl.col("t_start_at_has_time") & pl.col("t_end_at_has_time")
    return frame, [
        (
            "end_before_start",
            pl.when(comparable)
            .then(end < start)
            .otherwise(end.dt.date() < start.dt.date())
            .fill_null(False),
            _fmt("end_before_start", pl.col("end_at"), pl.col("start_at")),
        ),
        (
            "end_too_late",
            pl.when(comparable)
            .then((end - start) > pl.duration(hours=24))
            .otherwise((end.dt.date() - start.dt.date()) > pl.duration(days=1))
            .fill_null(False),
            _fmt("end_too_late", pl.col("end_at"), pl.col("start_at")),
        ),
        (
            "order_source_mismatch",
            order_id.is_not_null() & (pl.col("t_source") != "群众点单"),
            _fmt("order_source_mismatch", order_id, pl.col("t_source")),
        ),
    ]


def _activities_refs(frame: pl.DataFrame, ctx: Context):
    start = pl.col("t_start_at")
    as_of = pl.lit(ctx.as_of, dtype=pl.Datetime("us"))
    # a date-only start compares by date: a 2025-03-05 activity is not after a 2025-03-05 10:00 as-of
    after = (
        pl.when(pl.col("t_start_at_has_time"))
        .then(start > as_of)
        .otherwise(start.dt.date() > as_of.dt.date())
    )
    order_id, brand_id = pl.col("t_order_id"), pl.col("t_brand_id")
    brands = ctx.brand_ids if ctx.brand_ids is not None else pl.Series([], dtype=pl.String)
    orders = ctx.order_ids if ctx.order_ids is not None else pl.Series([], dtype=pl.String)
    shown_start = start.dt.strftime("%Y-%m-%d %H:%M")
    return frame, [
        (
            "start_after_as_of",
            after.fill_null(False),
            _fmt("start_after_as_of", shown_start, ctx.as_of.strftime("%Y-%m-%d %H:%M")),
        ),
        _unit_exists(ctx, "unit_id", "阵地编码"),
        (
            "unknown_brand",
            brand_id.is_not_null() & ~brand_id.is_in(brands.implode()),
            _fmt("unknown_brand", brand_id),
        ),
        (
            "unknown_order",
            order_id.is_not_null() & ~order_id.is_in(orders.implode()),
            _fmt("unknown_order", order_id),
        ),
    ]


def _activity_exists(ctx: Context) -> Check:
    ids = _ids(ctx.activities, "activity_id")
    a = pl.col("t_activity_id")
    return (
        "unknown_activity",
        a.is_not_null() & ~a.is_in(ids.implode()),
        _missing_or_rejected(
            ctx, "activities", a, _fmt("unknown_activity", a), _fmt("activity_rejected", a)
        ),
    )


def _attendance(frame: pl.DataFrame):
    person, headcount = pl.col("t_person_id"), pl.col("t_headcount")
    vol = pl.col("_vol") if "_vol" in frame.columns else pl.lit(False)
    frame = frame.with_columns(
        pl.col("t_role")
        .fill_null(pl.when(vol).then(pl.lit("志愿者")).otherwise(pl.lit("群众")))
        .alias("t_role"),
        headcount.fill_null(pl.when(pl.col("headcount").is_null()).then(1)).alias("t_headcount"),
    )
    headcount = pl.col("t_headcount")
    return frame, [
        (
            "bad_headcount",
            (headcount < 1).fill_null(False),
            _fmt("bad_headcount", pl.col("headcount")),
        ),
        (
            "headcount_with_person",
            person.is_not_null() & (headcount != 1).fill_null(False),
            _fmt("headcount_with_person", pl.col("headcount")),
        ),
        _scientific("t_person_id", "参与者编号"),
        _person_is_name(),
        (
            "service_hours_not_volunteer",
            pl.col("t_service_hours").is_not_null() & (pl.col("t_role") != "志愿者"),
            _fmt("service_hours_not_volunteer", pl.col("t_role")),
        ),
        (
            "service_hours_too_long",
            (pl.col("t_service_hours") > MAX_SERVICE_HOURS).fill_null(False),
            _fmt("service_hours_too_long", pl.col("service_hours")),
        ),
    ]


def _person_is_name() -> Check:
    person = pl.col("t_person_id")
    return (
        "person_id_is_name",
        person.str.contains(r"^[\p{Han}·]{2,5}$").fill_null(False),
        _fmt("person_id_is_name", person),
    )


def _scientific(column: str, label: str) -> Check:
    value = pl.col(column)
    return (
        "id_scientific",
        value.str.contains(r"^\d(\.\d+)?[eE]\+?\d+$").fill_null(False),
        _fmt("id_scientific", label, value),
    )


def _ratings(frame: pl.DataFrame):
    return frame, [_scientific("t_rater_id", "评价人编号")]


def _attendance_refs(frame: pl.DataFrame, ctx: Context):
    return frame, [_activity_exists(ctx)]


def _ratings_refs(frame: pl.DataFrame, ctx: Context):
    acts = (
        ctx.activities
        if ctx.activities is not None
        else pl.DataFrame(
            schema={
                "activity_id": pl.String,
                "start_at": pl.Datetime("us"),
                "start_has_time": pl.Boolean,
            }
        )
    )
    frame = frame.join(
        acts.select(
            pl.col("activity_id").alias("t_activity_id"),
            pl.col("start_at").alias("_act_start"),
            pl.col("start_has_time").alias("_act_has_time"),
        ),
        on="t_activity_id",
        how="left",
        maintain_order="left",
    )
    rated, start = pl.col("t_rated_at"), pl.col("_act_start")
    both_timed = pl.col("t_rated_at_has_time") & pl.col("_act_has_time")
    before = (
        pl.when(both_timed)
        .then(rated < start)
        .otherwise(rated.dt.date() < start.dt.date())
        .fill_null(False)
    )
    shown_rated = pl.coalesce(
        pl.when(pl.col("t_rated_at_has_time")).then(rated.dt.strftime("%Y-%m-%d %H:%M")),
        rated.dt.strftime("%Y-%m-%d"),
    )
    return frame, [
        _activity_exists(ctx),
        (
            "rated_before_start",
            before,
            _fmt("rated_before_start", shown_rated, start.dt.strftime("%Y-%m-%d %H:%M")),
        ),
    ]


def _targets(frame: pl.DataFrame):
    value, metric = pl.col("t_value"), pl.col("t_metric")
    percent = pl.col("value").str.ends_with("%").fill_null(False)
    fraction = (
        pl.when(metric != "满意率")
        .then(value)
        .when(percent | (value > 1))
        .then(value / 100)
        .otherwise(value)
    )
    frame = frame.with_columns(fraction.alias("t_value"))
    value = pl.col("t_value")
    bad = (value <= 0) | ((metric == "满意率") & (value > 1)) | (percent & (metric != "满意率"))
    return frame, [
        (
            "bad_year",
            ~pl.col("t_year").is_between(2000, 2100).fill_null(True),
            _fmt("bad_year", pl.col("year")),
        ),
        ("bad_target_value", bad.fill_null(False), _fmt("bad_target_value", pl.col("value"))),
    ]


def _targets_refs(frame: pl.DataFrame, ctx: Context):
    return frame, [_unit_exists(ctx, "unit_id", "阵地编码")]


def _not_after_as_of(table: str, column: str, ctx: Context) -> Check:
    """A date or time of ``column`` after the build's as-of (a date-only value, or an
    as-of of that day, compares by date: a 2025-03-05 row is not after 2025-03-05 10:00)."""
    col = TABLE_SPECS[table].column(column)
    value = pl.col(f"t_{column}")
    as_of = pl.lit(ctx.as_of, dtype=pl.Datetime("us"))
    if col.kind == "date":
        after = value > as_of.dt.date()
        shown = value.dt.strftime("%Y-%m-%d")
    else:
        timed = pl.col(f"t_{column}_has_time")
        after = pl.when(timed).then(value > as_of).otherwise(value.dt.date() > as_of.dt.date())
        shown = pl.coalesce(
            pl.when(timed).then(value.dt.strftime("%Y-%m-%d %H:%M")),
            value.dt.strftime("%Y-%m-%d"),
        )
    return (
        "date_after_as_of",
        after.fill_null(False),
        _fmt("date_after_as_of", col.zh, shown, ctx.as_of.strftime("%Y-%m-%d %H:%M")),
    )


def _teams_refs(frame: pl.DataFrame, ctx: Context):
    return frame, [
        _unit_exists(ctx, "unit_id", "所属阵地编码"),
        _not_after_as_of("teams", "founded_on", ctx),
    ]


def _redemptions(frame: pl.DataFrame):
    return frame, [
        (
            "points_not_positive",
            (pl.col("t_points") <= 0).fill_null(False),
            _fmt("points_not_positive", pl.col("points")),
        ),
        _scientific("t_person_id", "参与者编号"),
        _person_is_name(),
    ]


def _redemptions_refs(frame: pl.DataFrame, ctx: Context):
    return frame, [
        _unit_exists(ctx, "unit_id", "兑换阵地编码"),
        _not_after_as_of("redemptions", "redeemed_at", ctx),
    ]


def _nothing(frame: pl.DataFrame, *_ctx):
    return frame, []


_LOCAL = {
    "units": _units,
    "divisions": _divisions,
    "brands": _nothing,
    "orders": _orders,
    "activities": _activities,
    "attendance": _attendance,
    "ratings": _ratings,
    "targets": _targets,
    "teams": _nothing,
    "redemptions": _redemptions,
}
_REFS = {
    "units": _nothing,  # parents: check_unit_parents, to a fixpoint
    "divisions": _nothing,
    "brands": _brands_refs,
    "orders": _orders_refs,
    "activities": _activities_refs,
    "attendance": _attendance_refs,
    "ratings": _ratings_refs,
    "targets": _targets_refs,
    "teams": _teams_refs,
    "redemptions": _redemptions_refs,
}
