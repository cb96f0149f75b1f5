"""What a mapped ledger's rows need from the tables already loaded, in the build.

Run by the build on each table's valid rows before the reference rules: a unit given
by name gets its code, an activity without a code gets its generated one (see
``apply``), a sign-in or rating without a code gets the code of its activity. A row
that cannot be resolved is rejected with a Chinese reason naming up to three
candidates. Rows of template ledgers pass through untouched.

Unit names match after normalising (NFKC, spaces and punctuation removed, the
suffixes 新时代文明实践站/所/中心, 文明实践站/所, 实践站/所 and 站/所 dropped):
first inside the file's own unit subtree (its 填报单位 or mapped unit constant),
then in the whole tree.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import duckdb
import polars as pl

from pipelines.mapping.apply import ATTACH, GENERATE, NAME_PREFIX, normal_title

REASON_UNIT_NONE = "找不到名为“{}”的阵地，请核对名称或在格式中改填阵地编码"
REASON_UNIT_MANY = "名为“{}”的阵地不止一个：{}，请在格式中改填阵地编码"
REASON_ACTIVITY_NONE = "找不到对应的活动（{}，{}，{}）：请先导入该活动，或核对活动名称和日期"
REASON_ACTIVITY_MANY = "对应的活动不止一个：{}，请改填活动编码"
REASON_NO_START = "无法生成活动编码：缺少阵地或开始日期"
REASON_BRAND_NONE = "找不到名为“{}”的品牌项目，请核对名称或先导入品牌项目表"
REASON_BRAND_MANY = "名为“{}”的品牌项目不止一个：{}，请改填项目编码"
CODES = {
    "unit_name_unmatched": REASON_UNIT_NONE,
    "unit_name_ambiguous": REASON_UNIT_MANY,
    "activity_unmatched": REASON_ACTIVITY_NONE,
    "activity_ambiguous": REASON_ACTIVITY_MANY,
    "brand_name_unmatched": REASON_BRAND_NONE,
    "brand_name_ambiguous": REASON_BRAND_MANY,
}
_SUFFIXES = re.compile(r"(新时代文明实践(中心|站|所)|文明实践(中心|站|所)|实践(中心|站|所)|站|所)$")
# the same words written first: 新时代文明实践站 双桥社区
_PREFIXES = re.compile(r"^(新时代文明实践(中心|站|所)|文明实践(中心|站|所))")
_PUNCT = re.compile(r"[\s\W_]+")
MAX_CANDIDATES = 3


def normal_unit(name: str) -> str:
    """A unit name as matched (see the module docstring)."""
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", name))
    return _SUFFIXES.sub("", _PREFIXES.sub("", text)) or text


def needs_resolving(frame: pl.DataFrame) -> bool:
    return any(c.startswith("t__") for c in frame.columns) or (
        "t_unit_id" in frame.columns
        and frame.select(pl.col("t_unit_id").str.starts_with(NAME_PREFIX).any()).item()
    )


def resolve(table: str, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``frame`` (valid staged rows with ``_code``/``_reason``) with names resolved to codes,
    generated activity codes, and rejects for what cannot be resolved."""
    if frame.height == 0 or not needs_resolving(frame):
        return frame
    todo = _marked(frame)
    if "_order" in frame.columns:  # only the marked rows go through Python, in their place
        rest = frame.filter(~todo)
        done = _resolve_rows(table, frame.filter(todo), con)
        return pl.concat([rest, done]).sort("_order")
    return _resolve_rows(table, frame, con)


def _marked(frame: pl.DataFrame) -> pl.Expr:
    """Rows a mapping marked: a unit by name, an activity code to generate or attach."""
    marks = [pl.lit(False)]
    for column in ("t_unit_id", "t__unit", "t_brand_id"):
        if column in frame.columns:
            marks.append(pl.col(column).str.starts_with(NAME_PREFIX).fill_null(False))
    if "t_activity_id" in frame.columns:
        marks.append(pl.col("t_activity_id").is_in([GENERATE, ATTACH]).fill_null(False))
    return pl.any_horizontal(marks)


def _resolve_rows(table: str, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Names to codes, generated codes, attached activities: the lookups run once per
    distinct name or (unit, day, title), and are joined back."""
    if frame.height == 0:
        return frame
    schema = frame.schema
    units = _Units(con)
    if "t__scope" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("t__scope"))
    for column in ("t_unit_id", "t__unit"):
        if column in frame.columns:
            frame = _codes_by_name(frame, column, units)
    if table == "activities" and "t_brand_id" in frame.columns:
        frame = _codes_by_name(frame, "t_brand_id", _Brands(con))
    if "t_activity_id" in frame.columns:
        frame = _generate(table, frame, con)
        if table in ("attendance", "ratings"):
            frame = _attach(frame, con)
    return frame.select(list(schema)).cast(dict(schema))


def _codes_by_name(frame: pl.DataFrame, column: str, units: _Units) -> pl.DataFrame:
    value = pl.col(column)
    named = value.str.starts_with(NAME_PREFIX).fill_null(False) & pl.col("_code").is_null()
    pairs = frame.filter(named).select(column, "t__scope").unique()
    rows = []
    for name, given_scope in pairs.iter_rows():
        scope = given_scope
        if scope and scope.startswith(NAME_PREFIX):
            scope = units.find(scope.removeprefix(NAME_PREFIX))[0]
        code, failure = units.find(name.removeprefix(NAME_PREFIX), scope)
        rows.append((name, given_scope, code, *(failure or (None, None))))
    lookup = pl.DataFrame(
        rows,
        schema={
            column: pl.String,
            "t__scope": pl.String,
            "_found": pl.String,
            "_fcode": pl.String,
            "_freason": pl.String,
        },
        orient="row",
    )
    joined = frame.join(
        lookup, on=[column, "t__scope"], how="left", nulls_equal=True, maintain_order="left"
    )
    return joined.with_columns(
        pl.when(named).then(pl.col("_found")).otherwise(value).alias(column),
        pl.coalesce("_code", pl.when(named).then(pl.col("_fcode"))).alias("_code"),
        pl.coalesce("_reason", pl.when(named).then(pl.col("_freason"))).alias("_reason"),
    ).drop("_found", "_fcode", "_freason")


def _generate(table: str, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Activity codes a mapping asked for: ``activity_code`` of unit, day, title and n."""
    wanted = (pl.col("t_activity_id") == GENERATE).fill_null(False) & pl.col("_code").is_null()
    if not frame.select(wanted.any()).item():
        return frame
    unit = pl.col("t_unit_id" if table == "activities" else "t__unit")
    # the title's digest (``apply.title_digest``), once per distinct title, joined back;
    # ``apply`` stages the titles of rows to generate already normalised
    titles = frame.filter(wanted).select(pl.col("t__title").unique())
    # SHA-256 in DuckDB: one vectorised pass instead of a Python call per title
    con.register("_titles", titles)
    try:
        titles = con.sql("SELECT t__title, left(sha256(t__title), 8) AS _digest FROM _titles").pl()
    finally:
        con.unregister("_titles")
    frame = frame.join(titles, on="t__title", how="left", nulls_equal=True, maintain_order="left")
    code = pl.concat_str(
        unit,
        pl.lit("-"),
        pl.col("t__day").str.replace_all("-", ""),
        pl.lit("-"),
        pl.col("_digest"),
        pl.lit("-"),
        pl.col("t__n"),
    )
    missing = wanted & (unit.is_null() | pl.col("t__day").is_null())
    return frame.with_columns(
        pl.when(wanted & ~missing)
        .then(code)
        .otherwise(pl.col("t_activity_id"))
        .alias("t_activity_id"),
        pl.when(missing).then(pl.lit("missing_required")).otherwise(pl.col("_code")).alias("_code"),
        pl.when(missing)
        .then(pl.lit(REASON_NO_START))
        .otherwise(pl.col("_reason"))
        .alias("_reason"),
    ).drop("_digest")


def _attach(frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Sign-ins and ratings without a code: the loaded activity of the same unit (when
    given), day (when given) and normalised title."""
    wanted = (pl.col("t_activity_id") == ATTACH).fill_null(False) & pl.col("_code").is_null()
    keys = ["t__unit", "t__day", "t__title"]
    combos = frame.filter(wanted).select(keys).unique()
    if combos.height == 0:
        return frame
    loaded = con.sql(
        "SELECT activity_id, unit_id, CAST(start_on AS VARCHAR), title FROM activities"
    ).fetchall()
    by_title: dict[str, list[tuple]] = {}
    for activity in loaded:
        by_title.setdefault(normal_title(activity[3]), []).append(activity)
    rows = []
    for unit, day, title in combos.iter_rows():
        found = [
            a
            for a in by_title.get(normal_title(title), [])
            if (not unit or a[1] == unit) and (not day or a[2] == day)
        ]
        if len(found) == 1:
            rows.append((unit, day, title, found[0][0], None, None))
        elif not found:
            reason = REASON_ACTIVITY_NONE.format(unit or "未填阵地", day or "未填日期", title)
            rows.append((unit, day, title, None, "activity_unmatched", reason))
        else:
            shown = "、".join(a[0] for a in found[:MAX_CANDIDATES])
            rows.append(
                (unit, day, title, None, "activity_ambiguous", REASON_ACTIVITY_MANY.format(shown))
            )
    lookup = pl.DataFrame(
        rows,
        schema={
            **dict.fromkeys(keys, pl.String),
            "_aid": pl.String,
            "_acode": pl.String,
            "_areason": pl.String,
        },
        orient="row",
    )
    joined = frame.join(lookup, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return joined.with_columns(
        pl.when(wanted)
        .then(pl.col("_aid"))
        .otherwise(pl.col("t_activity_id"))
        .alias("t_activity_id"),
        pl.when(wanted).then(pl.col("_acode")).otherwise(pl.col("_code")).alias("_code"),
        pl.when(wanted).then(pl.col("_areason")).otherwise(pl.col("_reason")).alias("_reason"),
    ).drop("_aid", "_acode", "_areason")


class _Brands:
    """The loaded brands by normalised name (``find`` as ``_Units.find``, no subtree)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        rows = con.sql("SELECT brand_id, name FROM brands").fetchall()
        self.name = dict(rows)
        self.by_name: dict[str, list[str]] = {}
        for brand_id, name in rows:
            self.by_name.setdefault(normal_title(name), []).append(brand_id)

    def find(self, name: str, scope: str | None = None) -> tuple[str | None, tuple | None]:
        if name in self.name:
            return name, None
        found = self.by_name.get(normal_title(name), [])
        if len(found) == 1:
            return found[0], None
        if not found:
            close = difflib.get_close_matches(
                normal_title(name), list(self.by_name), MAX_CANDIDATES, 0.4
            )
            hint = "、".join(f"{self.name[b]}（{b}）" for n in close for b in self.by_name[n][:1])
            reason = REASON_BRAND_NONE.format(name) + (f"。相近的品牌项目：{hint}" if hint else "")
            return None, ("brand_name_unmatched", reason)
        shown = "、".join(f"{self.name[b]}（{b}）" for b in found[:MAX_CANDIDATES])
        return None, ("brand_name_ambiguous", REASON_BRAND_MANY.format(name, shown))


class _Units:
    """The loaded units by normalised name, with their parents for subtree lookups."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        rows = con.sql("SELECT unit_id, name, parent_id FROM units").fetchall()
        self.parent = {u: p for u, _, p in rows}
        self.name = {u: n for u, n, _ in rows}
        self.by_name: dict[str, list[str]] = {}
        for unit_id, name, _ in rows:
            self.by_name.setdefault(normal_unit(name), []).append(unit_id)
        self.memo: dict[str, tuple[str | None, tuple[str, str] | None]] = {}

    def find(self, name: str, scope: str | None = None) -> tuple[str | None, tuple | None]:
        """(code, None) or (None, (reason_code, reason))."""
        key = f"{scope}\x1f{name}"
        if key not in self.memo:
            self.memo[key] = self._find(name, scope)
        return self.memo[key]

    def _find(self, name: str, scope: str | None):
        if name in self.name:  # a code written where a name was expected
            return name, None
        wanted = normal_unit(name)
        found = self._narrow(self.by_name.get(wanted, []), scope)
        if not found:
            # 东林子 for 东林子村新时代文明实践站: a unit whose name begins with the text
            starts = [u for n, us in self.by_name.items() if n.startswith(wanted) for u in us]
            found = self._narrow(starts, scope) if wanted else []
        if len(found) == 1:
            return found[0], None
        if not found:
            close = difflib.get_close_matches(wanted, list(self.by_name), MAX_CANDIDATES, 0.4)
            hint = "、".join(f"{self.name[u]}（{u}）" for n in close for u in self.by_name[n][:1])
            reason = REASON_UNIT_NONE.format(name) + (f"。相近的阵地：{hint}" if hint else "")
            return None, ("unit_name_unmatched", reason)
        shown = "、".join(f"{self.name[u]}（{u}）" for u in found[:MAX_CANDIDATES])
        return None, ("unit_name_ambiguous", REASON_UNIT_MANY.format(name, shown))

    def _narrow(self, found: list[str], scope: str | None) -> list[str]:
        """Several matches: those inside the file's own unit, when any are."""
        if scope and len(found) > 1:
            inside = [u for u in found if self._under(u, scope)]
            return inside or found
        return found

    def _under(self, unit: str, scope: str) -> bool:
        seen = set()
        while unit and unit not in seen:
            if unit == scope:
                return True
            seen.add(unit)
            unit = self.parent.get(unit)
        return False
