"""Cell parsers as Polars expressions: text in, typed value out (null when unparseable).

Pure functions over expressions, vectorised so a province's tens of millions of
rows parse without a Python loop.
"""

from __future__ import annotations

import polars as pl

from pipelines.contract import INVISIBLE, SCORE_WORDS

# every Unicode white space (the full-width 　, no-break and thin spaces among them)
SPACES = " \t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
# Excel serial day numbers accepted as dates: 1954-10-04 .. 2119-01-23
SERIAL_MIN, SERIAL_MAX = 20000, 80000


# full-width digits and Latin letters, which free text keeps as ASCII; its Chinese
# punctuation (，。：) stays as written
_FULL_WIDTH = [
    chr(c) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
]
_HALF_WIDTH = [chr(ord(c) - 0xFEE0) for c in _FULL_WIDTH]


def clean(expr: pl.Expr, normalise: bool = True) -> pl.Expr:
    """Text without invisible characters (``contract.INVISIBLE``: zero-width spaces, BOMs,
    bidi marks …), trimmed of white space (full-width too); codes, numbers and dates
    NFKC-normalised, free text (``normalise=False``) with full-width digits and letters
    made ASCII. Every column of every table is cleaned here, so every key compares in
    this form, and a cell of only invisible characters is empty."""
    e = expr.str.replace_all(INVISIBLE, "").str.strip_chars(SPACES)
    if normalise:
        e = e.str.normalize("NFKC").str.strip_chars(SPACES)
    else:
        e = e.str.replace_many(_FULL_WIDTH, _HALF_WIDTH)
    # replace, not when/then: a when/then evaluates ``e`` once per use
    return e.replace("", None)


def _pad(e: pl.Expr, width: int, default: str) -> pl.Expr:
    return e.fill_null(default).str.zfill(width)


def parse_datetime(frame: pl.DataFrame, column: str, ts_name: str, time_name: str) -> pl.DataFrame:
    """``frame`` plus (timestamp, has_time) of its text ``column``, from any listed date
    form with an optional time.

    Forms: 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305, Excel serials,
    each with an optional 14:30, 14:30:00 or 14时30分. The normalised text and each
    pattern's groups are materialised as columns first: as one nested expression they
    were re-evaluated for every branch and field that uses them (about 20× the work).
    """
    s = (
        pl.col(column)
        .str.replace_all("年|月", "-")
        .str.replace_all("日", " ")
        .str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "$1-$2-$3")
        .str.replace_all("时|点", ":")
        .str.replace_all("分", ":")
        .str.replace_all("秒", "")
        .str.replace_all("T", " ")
        .str.replace_all(":+\\s*$", "")
        .str.replace_all("\\s+", " ")
        .str.strip_chars(" ")
    )
    frame = frame.with_columns(s.alias("_dt_text"))
    s = pl.col("_dt_text")
    frame = frame.with_columns(
        # fractional-second cells from spreadsheets: keep whole seconds
        s.str.extract_groups(
            r"^(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})(?: (?<H>\d{1,2}):(?<M>\d{1,2})(?::(?<S>\d{1,2})(?:\.\d+)?)?)?$"
        ).alias("_dt_dashed"),
        s.str.extract_groups(
            r"^(?<y>\d{4})(?<m>\d{2})(?<d>\d{2})(?: (?<H>\d{1,2}):(?<M>\d{1,2})(?::(?<S>\d{1,2}))?)?$"
        ).alias("_dt_compact"),
        # a serial may carry a text time too: Excel writes ="..."&A2&" 14:30" as "45721 14:30"
        s.str.extract_groups(
            r"^(?<n>\d{5}(?:\.\d+)?)(?: (?<H>\d{1,2}):(?<M>\d{1,2})(?::(?<S>\d{1,2}))?)?$"
        ).alias("_dt_serial"),
    )
    dashed, compact, serial_parts = (
        pl.col("_dt_dashed"),
        pl.col("_dt_compact"),
        pl.col("_dt_serial"),
    )

    def build(g: pl.Expr) -> pl.Expr:
        text = pl.format(
            "{}-{}-{} {}:{}:{}",
            g.struct.field("y"),
            _pad(g.struct.field("m"), 2, "01"),
            _pad(g.struct.field("d"), 2, "01"),
            _pad(g.struct.field("H"), 2, "00"),
            _pad(g.struct.field("M"), 2, "00"),
            _pad(g.struct.field("S"), 2, "00"),
        )
        return text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)

    serial = serial_parts.struct.field("n").cast(pl.Float64, strict=False)
    hour, minute, second = (
        serial_parts.struct.field(f).cast(pl.Int64, strict=False).fill_null(0)
        for f in ("H", "M", "S")
    )
    serial_time = serial_parts.struct.field("H").is_not_null()
    serial_ok = serial.is_between(SERIAL_MIN, SERIAL_MAX) & (
        ~serial_time | ((hour < 24) & (minute < 60) & (second < 60))
    )
    serial_ts = pl.datetime(1899, 12, 30) + pl.duration(
        milliseconds=(serial * 86_400_000).round(0).cast(pl.Int64),
        seconds=hour * 3600 + minute * 60 + second,
    )
    serial_ts = serial_ts.dt.round("1s")
    ts = (
        pl.when(dashed.struct.field("y").is_not_null())
        .then(build(dashed))
        .when(compact.struct.field("y").is_not_null())
        .then(build(compact))
        .when(serial_ok)
        .then(serial_ts.cast(pl.Datetime("us")))
        .otherwise(None)
    )
    has_time = (
        pl.when(dashed.struct.field("y").is_not_null())
        .then(dashed.struct.field("H").is_not_null())
        .when(compact.struct.field("y").is_not_null())
        .then(compact.struct.field("H").is_not_null())
        .when(serial_ok)
        .then(((serial % 1) != 0) | serial_time)
        .otherwise(False)
    )
    return frame.with_columns(ts.alias(ts_name), has_time.alias(time_name)).drop(
        "_dt_text", "_dt_dashed", "_dt_compact", "_dt_serial"
    )


def parse_number(expr: pl.Expr) -> pl.Expr:
    """A decimal number (thousands separators allowed) as Float64; null when not a number."""
    s = expr.str.replace_all(",", "")
    ok = s.str.contains(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
    return pl.when(ok).then(s.cast(pl.Float64, strict=False)).otherwise(None)


def parse_decimal_text(expr: pl.Expr) -> pl.Expr:
    """The canonical decimal text of a number (DuckDB casts it exactly to DECIMAL)."""
    s = expr.str.replace_all(",", "").str.strip_prefix("+")
    ok = s.str.contains(r"^-?(\d+(\.\d*)?|\.\d+)$")
    return pl.when(ok).then(s).otherwise(None)


def is_integer(number: pl.Expr) -> pl.Expr:
    return (number % 1) == 0


def parse_score(expr: pl.Expr) -> pl.Expr:
    """A 1–5 score from 4, 4.0, 4分, ★★★★☆ or 满意; 0/6/… kept as is for the range rule."""
    stars = expr.str.contains(r"^[★☆]{1,5}$")
    n_stars = expr.str.count_matches("★")
    numeric = expr.str.extract(r"^(\d+(?:\.0+)?)\s*(?:分|星)?$", 1).cast(pl.Float64, strict=False)
    words = expr.replace_strict(SCORE_WORDS, default=None, return_dtype=pl.Int64)
    return (
        pl.when(stars & (n_stars > 0))
        .then(n_stars.cast(pl.Int64))
        .when(numeric.is_not_null())
        # clipped: 99999999999999999999分 is a score out of range, not an overflow
        .then(numeric.clip(0, 1000).cast(pl.Int64))
        .otherwise(words)
    )


def parse_enum(expr: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    return expr.replace_strict(mapping, default=None, return_dtype=pl.String)


def split_codes(expr: pl.Expr) -> pl.Expr:
    """A list of codes from text separated by ; ； 、 , ，(NFKC has made them ASCII)."""
    return (
        expr.str.replace_all("[;、,]", ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars(SPACES))
        .list.filter(pl.element() != "")
    )


# the forms most ledgers use, tried first by a fast exact parser; the rest go the regex way
FAST_FORMATS = (
    ("%Y-%m-%d %H:%M:%S", True),
    ("%Y-%m-%d %H:%M", True),
    ("%Y-%m-%d", False),
    ("%Y/%m/%d %H:%M:%S", True),
    ("%Y/%m/%d %H:%M", True),
    ("%Y/%m/%d", False),
)


# other forms ledgers use often, read by the exact parser only where a pattern admits
# nothing else: there the regex way gives the same value (ASCII digits, one space)
GUARDED_FORMATS = (
    (
        r"^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日 [0-9]{1,2}时[0-9]{1,2}分$",
        "%Y年%m月%d日 %H时%M分",
        True,
    ),
    (r"^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$", "%Y年%m月%d日", False),
    (r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2} [0-9]{1,2}:[0-9]{1,2}$", "%Y.%m.%d %H:%M", True),
    (r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,2}$", "%Y.%m.%d", False),
    (r"^[0-9]{8} [0-9]{1,2}:[0-9]{1,2}$", "%Y%m%d %H:%M", True),
    (r"^[0-9]{8}$", "%Y%m%d", False),
)


def _guarded(frame: pl.DataFrame, column: str, ts_name: str, time_name: str) -> pl.DataFrame:
    """``frame`` plus the timestamp (null where no guarded form reads it) and has-time flag."""
    value = pl.col(column)
    parsed = [
        pl.when(value.str.contains(guard)).then(
            value.str.strptime(pl.Datetime("us"), f, strict=False)
        )
        for guard, f, _ in GUARDED_FORMATS
    ]
    frame = frame.with_columns(p.alias(f"_guard{i}") for i, p in enumerate(parsed))
    tries = [f"_guard{i}" for i in range(len(GUARDED_FORMATS))]
    has_time = pl.coalesce(
        pl.when(pl.col(name).is_not_null()).then(pl.lit(timed))
        for (_, _, timed), name in zip(GUARDED_FORMATS, tries, strict=True)
    )
    return frame.with_columns(
        pl.coalesce(tries).alias(ts_name), has_time.fill_null(False).alias(time_name)
    ).drop(tries)


def with_datetime(frame: pl.DataFrame, column: str, ts_name: str, time_name: str) -> pl.DataFrame:
    """``frame`` plus the parsed timestamp and has-time flag of its text ``column``.

    Exact formats first (fast), then the guarded ones; only values none of them reads
    take the regex path, so a column of well-formed dates costs one pass.
    """
    value = pl.col(column)
    tries = [f"_fast{i}" for i in range(len(FAST_FORMATS))]
    frame = frame.with_columns(
        value.str.strptime(pl.Datetime("us"), f, strict=False).alias(name)
        for (f, _), name in zip(FAST_FORMATS, tries, strict=True)
    )
    has_time = pl.coalesce(
        pl.when(pl.col(name).is_not_null()).then(pl.lit(timed))
        for (_, timed), name in zip(FAST_FORMATS, tries, strict=True)
    )
    frame = frame.with_columns(
        pl.coalesce(tries).alias(ts_name), has_time.fill_null(False).alias(time_name)
    ).drop(tries)
    # unique: two cells that clean to the same text must not join twice
    rest = frame.filter(pl.col(ts_name).is_null() & value.is_not_null()).select(column).unique()
    if rest.height == 0:
        return frame
    rest = _guarded(rest, column, "_slow_ts", "_slow_time")
    slow = rest.filter(pl.col("_slow_ts").is_null()).drop("_slow_ts", "_slow_time")
    if slow.height:
        slow = parse_datetime(slow, column, "_slow_ts", "_slow_time")
        rest = pl.concat([rest.filter(pl.col("_slow_ts").is_not_null()), slow])
    return (
        frame.join(rest, on=column, how="left")
        .with_columns(
            pl.coalesce(ts_name, "_slow_ts").alias(ts_name),
            pl.when(pl.col("_slow_ts").is_not_null())
            .then("_slow_time")
            .otherwise(time_name)
            .alias(time_name),
        )
        .drop("_slow_ts", "_slow_time")
    )


# the dashed ISO forms read straight from each row, without the distinct-value pass: a
# cell that is all ASCII digits and separators in one of these exact shapes is its own
# cleaned text (nothing to trim, NFKC leaves it as is), and ``with_datetime`` reads it
# with the same exact format (the first of FAST_FORMATS that fits its length); by length
ROW_FORMATS = {
    19: ("%Y-%m-%d %H:%M:%S", True),
    16: ("%Y-%m-%d %H:%M", True),
    10: ("%Y-%m-%d", False),
}
_ROW_GUARD = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?$"


def row_datetimes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(timestamp, has-time) of each raw cell in an exact dashed form (``ROW_FORMATS``),
    null where a cell is in no such form or is not a real date or time: those cells
    take ``with_datetime``'s way, and the rest give exactly what it gives.

    A file's sign-in times are mostly distinct (a ledger of 400 k rows holds ~120 k),
    so parsing them once per distinct value costs a unique, a clean and a join back;
    one exact parse per row is a fraction of that."""
    value = pl.col("v")
    length = value.str.len_bytes()
    frame = (
        values.alias("v")
        .to_frame()
        .with_columns(
            (value.str.contains(_ROW_GUARD) & length.is_in(list(ROW_FORMATS))).alias("ok"),
            length.alias("n"),
        )
    )
    present = frame.filter("ok").get_column("n").unique().sort().to_list()
    if not present:
        return (
            pl.repeat(None, values.len(), dtype=pl.Datetime("us"), eager=True).alias("ts"),
            pl.repeat(None, values.len(), dtype=pl.Boolean, eager=True).alias("timed"),
        )
    ts = pl.lit(None, dtype=pl.Datetime("us"))
    timed = pl.lit(None, dtype=pl.Boolean)
    for n in present:
        fmt, has_time = ROW_FORMATS[n]
        hit = pl.col("ok") & (pl.col("n") == n)
        ts = (
            pl.when(hit)
            .then(value.str.strptime(pl.Datetime("us"), fmt, strict=False))
            .otherwise(ts)
        )
        timed = pl.when(hit).then(pl.lit(has_time)).otherwise(timed)
    out = frame.select(ts.alias("ts"), timed.alias("timed")).with_columns(
        pl.when(pl.col("ts").is_not_null()).then("timed").alias("timed")
    )
    return out.get_column("ts"), out.get_column("timed")
