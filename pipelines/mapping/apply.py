"""A ledger read through a saved 报送格式: the template's columns, as ``read`` makes them.

``read_mapped`` is the hook ``read.read_source`` calls: a sheet no template table fits
whose header signature is a saved format's becomes a loaded sheet of that format's
table. Values are composed here, row by row (dates from their parts, sums of group
headcounts, pseudonyms of 姓名 + another column); what needs the loaded units and
activities (codes from names, generated activity codes, sign-ins and ratings matched
to their activity) is marked for ``resolve``, which the build runs per table.

Activity codes a ledger lacks are generated as ``<阵地编码>-<YYYYMMDD>-<8 hex of the
normalised title>-<n>``, n counting earlier rows of the same unit, day and title in
the same file (1 for the first): the same file sent again gives the same codes (its
rows are duplicates), a corrected re-send the same codes with other content
(conflicts), never new activities.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import tempfile
import unicodedata
from pathlib import Path

import polars as pl

from pipelines import pii
from pipelines.contract import TOTAL_WORDS
from pipelines.mapping import compose, formats
from pipelines.mapping.fields import IGNORE
from pipelines.mapping.grid import Grid, read_grids
from pipelines.mapping.header import Header, detect_header, header_at, text_above
from pipelines.read import _dedupe, _raw_json, _transcode, detect_encoding  # shared with the reader
from pipelines.settings import config, salt_path

NAME_PREFIX = "名称:"  # a unit given by name, resolved to its code by ``resolve``
# placeholders the stage keeps as they are (ASCII, so NFKC leaves them alone)
GENERATE = "@generate"  # an activity code to generate from unit, day, title and n
ATTACH = "@attach"  # a sign-in or rating to attach to its activity by title
_GROUP_HEADCOUNT = "headcount_by_group"
_GROUP_HOURS = "hours_by_group"
_PUNCT = re.compile(r"[\s\W_]+")
_SPACES = " \t\r\n\u3000\u00a0"
# a total cell: a TOTAL_WORDS word with spaces or colons anywhere, as one anchored match
# (most cells fail at their first character)
_GAP = r"[\s:：]*"
_TOTAL = f"^{_GAP}(?:{'|'.join(_GAP.join(map(re.escape, w)) for w in TOTAL_WORDS)}){_GAP}$"


def normal_title(title: str | None) -> str:
    """A title as compared: NFKC, without spaces and punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", title or ""))


def normal_titles(column: pl.Expr) -> pl.Expr:
    """``normal_title`` of a text column, vectorised (null as "")."""
    return column.fill_null("").str.normalize("NFKC").str.replace_all(r"[\s\W_]+", "")


def title_digest(title: str | None) -> str:
    """8 hex digits of the normalised title: the title's part of a generated code."""
    return hashlib.sha256(normal_title(title).encode()).hexdigest()[:8]


def activity_code(unit_id: str, day: str, title: str, n: int) -> str:
    """The generated code of an activity without one (see the module docstring)."""
    return f"{unit_id}-{day.replace('-', '')}-{title_digest(title)}-{n}"


def match(grid: Grid, saved: list[formats.Format]) -> tuple[formats.Format, Header] | None:
    """The saved format whose header signature this grid has, at the format's header rows
    or where the header is detected (a month with one more title row)."""
    if not saved or not grid.rows:
        return None
    detected = detect_header(grid)
    for fmt in saved:
        first, last = fmt.header_rows[0] - 1, fmt.header_rows[-1] - 1
        if last < len(grid.rows):
            at_rows = header_at(grid, first, last)
            if at_rows.signature == fmt.signature:
                return fmt, at_rows
        if detected is not None:
            height = last - first
            shifted = header_at(grid, detected.first, detected.first + height)
            if shifted.signature == fmt.signature:
                return fmt, shifted
    return None


# the build's private folder for UTF-8 copies of raw ledgers (``read_source``'s scratch);
# outside a build (wenming map, the page's preview) a private temporary folder
_SCRATCH: contextvars.ContextVar[Path | None] = contextvars.ContextVar("scratch", default=None)


def read_mapped(
    path: Path, sheets: list, scratch: Path | None = None, db: Path | None = None
) -> list:
    """``sheets`` with each one that waits for a mapping read through a saved format of
    warehouse ``db``, when one matches; a format with group headcounts adds a sign-in
    sheet after it."""
    token = _SCRATCH.set(scratch)
    try:
        return _read_mapped(path, sheets, db)
    finally:
        _SCRATCH.reset(token)


def _read_mapped(path: Path, sheets: list, db: Path | None) -> list:
    waiting = [s for s in sheets if s.status in ("needs_mapping", "unrecognised")]
    saved = formats.load_all(db) if waiting and db else []
    if not saved:
        return sheets
    from pipelines.read import Sheet  # read imports this module

    grids = {g.sheet: g for g in read_grids(path)}
    salt = pii.load_salt(salt_path(db), config().salt)
    seen: dict = {}  # rows of each (unit, day, title) in the file's earlier sheets
    out = []
    for sheet in sheets:
        found = match(grids[sheet.sheet], saved) if sheet in waiting else None
        if found is None:
            out.append(sheet)
            continue
        fmt, header = found
        grid = grids[sheet.sheet]
        tables = to_frames(grid, header, fmt, salt, seen)
        for table, frame in tables.items():
            headers = [n for n in header.names if n]
            out.append(
                Sheet(
                    sheet.sheet,
                    "loaded",
                    headers,
                    table,
                    frame,
                    format=fmt.name,
                    raw_masked=True,  # _raw_column masks phone and ID numbers
                )
            )
    return out


def to_frames(
    grid: Grid, header: Header, fmt: formats.Format, salt: str, seen: dict
) -> dict[str, pl.DataFrame]:
    """The format's table (and, for group headcounts, its sign-in lines) as string frames:
    contract keys plus helper columns ``t__*`` for ``resolve``, ``_row`` and ``_raw``.

    Column by column, vectorised; what needs Python (composing a start, pseudonyms,
    normalised titles) runs once per distinct value."""
    columns = {j: fmt.columns.get(name, IGNORE) for j, name in enumerate(header.names) if name}
    context = compose.constants_from_context(text_above(grid, header), grid.file_name, grid.sheet)
    constants = {**context, **fmt.constants}
    if "unit_id" in fmt.constants:
        constants.pop("unit_name", None)  # a unit picked once beats the 填报单位 line
    # the file's own unit: unit names are looked up inside its subtree first
    own = constants.get("unit_id") or constants.get("unit_name")
    scope = None if not own else own if "unit_id" in constants else NAME_PREFIX + own
    body = data_frame(grid, header)
    names = [n or f"第{j + 1}列" for j, n in enumerate(header.names)]
    private = [j for j, key in columns.items() if key == "person_name"]
    body = body.with_columns(_raw_column(body, names, private).alias("_raw"))
    values = _Values(columns, constants)
    table = fmt.table
    out: dict[str, pl.Expr] = {}
    skip = {IGNORE, "unit_name", "unit_id", "activity_title", "phone", "person_name", "brand_name"}
    skip |= {"start_at", "start_year", "start_month", "start_day", "start_time"}
    for key in dict.fromkeys([*columns.values(), *constants]):
        if key.split(":")[0] not in skip | {_GROUP_HEADCOUNT, _GROUP_HOURS}:
            out[key] = values.get(key)
    unit = pl.coalesce(
        values.column("unit_id"),
        pl.lit(NAME_PREFIX) + values.column("unit_name"),
        values.constant("unit_id"),
        pl.lit(NAME_PREFIX) + values.constant("unit_name"),
    )
    title = pl.coalesce(values.get("title"), values.get("activity_title"))
    body = body.with_columns(
        _start(body, values).alias("_start"), unit.alias("_unit"), title.alias("_title")
    )
    start, unit, title = pl.col("_start"), pl.col("_unit"), pl.col("_title")
    day = start.str.slice(0, 10)
    day = pl.when(day == "").then(None).otherwise(day)
    lines, heads = None, []
    if table == "activities":
        out["start_at"], out["unit_id"] = start, unit
        if "brand_name" in values.by_key or "brand_name" in constants:
            brand = pl.lit(NAME_PREFIX) + values.get("brand_name")
            out["brand_id"] = pl.coalesce(values.get("brand_id"), brand)
        heads = [
            (j, k.partition(":")[2]) for j, k in columns.items() if k.startswith(_GROUP_HEADCOUNT)
        ]
        hours = [j for j, k in columns.items() if k.startswith(_GROUP_HOURS)]
        if heads and "reported_person_times" not in out:
            out["reported_person_times"] = _sum_text([j for j, _ in heads])
        if hours and "volunteer_hours" not in out:
            out["volunteer_hours"] = _sum_text(hours)
        out["activity_id"] = pl.coalesce(values.get("activity_id"), pl.lit(GENERATE))
        # the title as its code's digest reads it (normalised once, here)
        body = body.with_columns(day.alias("_day"), normal_titles(title).alias("_title_n"))
        body = body.with_columns(_nth(body, seen).alias("t__n"))
        out |= {"t__day": pl.col("_day"), "t__title": pl.col("_title_n"), "t__n": pl.col("t__n")}
    elif table in ("attendance", "ratings"):
        attach = values.get("activity_id").is_null()
        out["activity_id"] = pl.coalesce(values.get("activity_id"), pl.lit(ATTACH))
        out["t__unit"] = pl.when(attach).then(unit)
        out["t__day"] = pl.when(attach).then(day)
        out["t__title"] = pl.when(attach).then(title)
        person = _pseudonyms(body, values, salt)
        if person is not None:
            out["person_id" if table == "attendance" else "rater_id"] = person
    else:
        out["unit_id"] = unit
        person = _pseudonyms(body, values, salt) if table == "redemptions" else None
        if person is not None:
            out["person_id"] = person
    if scope:
        out["t__scope"] = pl.when(unit != scope).then(pl.lit(scope))
    frame = body.select(
        *[e.cast(pl.String).alias(k) for k, e in out.items()], pl.col("_row"), pl.col("_raw")
    )
    if table == "activities" and heads:
        lines = _headcount_lines(body, frame, heads, names)
    return {table: frame, **({"attendance": lines} if lines is not None and lines.height else {})}


class _Values:
    """A field's value per row: its (first) column where that cell is filled, else its
    constant."""

    def __init__(self, columns: dict[int, str], constants: dict[str, str]):
        self.by_key: dict[str, int] = {}
        for j, key in columns.items():
            self.by_key.setdefault(key, j)
        self.constants = constants

    def column(self, key: str) -> pl.Expr:
        j = self.by_key.get(key)
        return pl.col(f"c{j}") if j is not None else pl.lit(None, pl.String)

    def constant(self, key: str) -> pl.Expr:
        return pl.lit(self.constants.get(key), pl.String)

    def get(self, key: str) -> pl.Expr:
        return pl.coalesce(self.column(key), self.constant(key))


def data_frame(grid: Grid, header: Header) -> pl.DataFrame:
    """The input rows below the header: ``c0…`` (text, null when empty) and ``_row`` (the
    spreadsheet row). Blank rows and total rows are left out: a row any of whose cells
    reads 合计/总计/总合计/小计 (the first cell, or a 备注 beside the sums); a cell merged
    over several rows is read on each of them."""
    width = max(grid.width, len(header.names))
    names = [f"c{j}" for j in range(width)]
    if grid.csv_path is not None:
        body = _csv_body(grid.csv_path, header.last + 1, names)
    else:
        filled = grid.filled()[header.last + 1 :]
        body = pl.DataFrame(
            [row if len(row) == width else row + [""] * (width - len(row)) for row in filled],
            schema=dict.fromkeys(names, pl.String),
            orient="row",
        )
    body = body.with_row_index("_row", offset=header.last + 2)
    trimmed = [pl.col(n).str.strip_chars(_SPACES) for n in names]
    body = body.with_columns(
        [
            pl.when(t == "").then(None).otherwise(t).alias(n)
            for t, n in zip(trimmed, names, strict=True)
        ]
    )
    is_total = pl.any_horizontal([pl.col(n).str.contains(_TOTAL).fill_null(False) for n in names])
    blank = pl.all_horizontal([pl.col(n).is_null() for n in names])
    return body.filter(~blank & ~is_total).with_columns(pl.col("_row").cast(pl.Int64))


def _csv_body(path: Path, skip: int, names: list[str]) -> pl.DataFrame:
    """A CSV's records after the first ``skip`` as text columns ``names`` (as the
    reader reads a template CSV's body: GB18030 through a UTF-8 copy)."""
    encoding = detect_encoding(path)
    if encoding.startswith("utf-8"):
        return _read_body(path, skip, names)
    scratch = _SCRATCH.get()
    if scratch is not None:
        return _read_transcoded(path, Path(scratch), skip, names)
    with tempfile.TemporaryDirectory(prefix="wenming-map-") as private:
        return _read_transcoded(path, Path(private), skip, names)


def _read_transcoded(path: Path, scratch: Path, skip: int, names: list[str]) -> pl.DataFrame:
    utf8 = _transcode(path, scratch).path
    try:
        return _read_body(utf8, skip, names)
    finally:
        utf8.unlink(missing_ok=True)


def _read_body(utf8: Path, skip: int, names: list[str]) -> pl.DataFrame:
    return pl.read_csv(
        utf8,
        has_header=False,
        skip_rows=skip,
        infer_schema=False,
        truncate_ragged_lines=True,
        new_columns=names,
        schema=dict.fromkeys(names, pl.String),
        raise_if_empty=False,
        missing_columns="insert",
    ).fill_null("")


def _raw_column(body: pl.DataFrame, names: list[str], private: list[int]) -> pl.Series:
    """Each row's non-empty cells by header as JSON, 姓名 shown as its first character,
    phone and ID numbers masked (``pii.mask_frame``)."""
    cells = body.select(pl.exclude("_row"))
    labels = [names[j] if j < len(names) else f"第{j + 1}列" for j in range(cells.width)]
    if private:
        masked = [
            (
                pl.col(f"c{j}").str.slice(0, 1)
                + pl.col(f"c{j}").str.slice(1).str.replace_all(".", "*")
            ).alias(f"c{j}")
            for j in private
        ]
        cells = cells.with_columns(masked)
    # masked here, cell by cell (each distinct value once), as the reader masks a
    # template ledger's raw rows: the stage then need not mask whole rows again
    return _raw_json(cells, _dedupe(labels), pii.mask_frame)


def _start(body: pl.DataFrame, values: _Values) -> pl.Expr:
    """The start from its parts (年份 + 月份 + 日期 + 时间), composed once per distinct
    combination; a start the parts do not make (2024-06-10 14:30, or text no rule
    reads) goes to the contract's parser as it is."""
    day = pl.coalesce(values.get("start_day"), values.get("start_at"))
    parts = [values.get("start_year"), values.get("start_month"), day, values.get("start_time")]
    # _row keeps the frame's height when every part is a constant
    combos = body.select(
        pl.struct(*[e.alias(f"p{i}") for i, e in enumerate(parts)]).alias("k"), "_row"
    ).drop("_row")
    composed = {
        tuple(k.values()): compose.compose_start(*k.values())
        for k in combos["k"].unique().to_list()
    }
    lookup = pl.DataFrame(
        {
            **{f"p{i}": [k[i] for k in composed] for i in range(4)},
            "_composed": list(composed.values()),
        },
        schema={**{f"p{i}": pl.String for i in range(4)}, "_composed": pl.String},
    )
    joined = combos.unnest("k").join(
        lookup, on=[f"p{i}" for i in range(4)], how="left", nulls_equal=True, maintain_order="left"
    )
    return pl.coalesce(pl.lit(joined["_composed"]), values.get("start_at"), values.get("start_day"))


def _numbers(j: int) -> pl.Expr:
    return pl.col(f"c{j}").str.replace_all(",", "").cast(pl.Float64, strict=False)


def _sum_text(cols: list[int]) -> pl.Expr:
    """The sum of number columns as contract text (``25``, ``6.5``); null when none is
    filled in the row."""
    total = pl.sum_horizontal([_numbers(j) for j in cols])
    text = (
        pl.when(total % 1 == 0)
        .then(total.cast(pl.Int64).cast(pl.String))
        .otherwise(total.cast(pl.String))
    )
    return pl.when(pl.any_horizontal([_numbers(j).is_not_null() for j in cols])).then(text)


def _nth(body: pl.DataFrame, seen: dict) -> pl.Series:
    """n of each activity row: earlier rows of the same unit, day and title in the file
    (``seen["keys"]``: the keys of the earlier sheets), + 1.

    Vectorised: most rows have a key of their own (n = 1), so only rows whose key's
    hash repeats are numbered by a window over the exact key."""
    # a file names few units: each distinct one normalised once
    units = body.select(pl.col("_unit").fill_null("").unique())
    units = units.with_columns(normal_titles(pl.col("_unit")).alias("_unit_n"))
    keys = body.select(
        pl.concat_str(
            [
                pl.col("_unit").fill_null("").replace(units["_unit"], units["_unit_n"]),
                pl.col("_day").fill_null(""),
                pl.col("_title_n"),
            ],
            separator="\x1f",
        ).alias("k")
    )
    n = pl.repeat(1, keys.height, dtype=pl.Int64, eager=True).alias("n")
    repeated = keys.get_column("k").hash(seed=0).is_duplicated()
    if repeated.any():
        numbered = (
            keys.with_row_index("_i")
            .filter(repeated)
            .select("_i", (pl.int_range(pl.len(), dtype=pl.Int64).over("k") + 1).alias("n"))
        )
        n = n.scatter(numbered.get_column("_i"), numbered.get_column("n"))
    earlier = seen.get("keys")
    if earlier is not None and earlier.height:
        counts = (
            earlier.filter(pl.col("k").is_in(keys.get_column("k").implode())).group_by("k").len()
        )
        n = (
            keys.with_columns(n)
            .join(counts, on="k", how="left", maintain_order="left")
            .select(pl.col("n") + pl.col("len").fill_null(0))
            .get_column("n")
        )
    seen["keys"] = keys if earlier is None else pl.concat([earlier, keys])
    return n.cast(pl.String)


def _pseudonyms(body: pl.DataFrame, values: _Values, salt: str) -> pl.Expr | None:
    """Person ids: a phone (hashed by the stage like any phone id), or 姓名 hashed with
    the phone or, lacking one, the unit: a name is never an id."""
    name, phone = values.get("person_name"), values.get("phone")
    if "person_name" not in values.by_key and "phone" not in values.by_key:
        return None
    combos = body.select(
        name.alias("name"), phone.alias("phone"), pl.col("_unit").alias("unit")
    ).unique()
    hashed = {}
    for n, ph, u in combos.iter_rows():
        if n:
            text = f"{salt}{unicodedata.normalize('NFKC', n).strip()}|{ph or u or ''}"
            hashed[(n, ph, u)] = "h:" + hashlib.sha256(text.encode()).hexdigest()[:24]
    if not hashed:
        return phone
    lookup = pl.DataFrame(
        [(*k, v) for k, v in hashed.items()],
        schema={"name": pl.String, "phone": pl.String, "unit": pl.String, "_pid": pl.String},
        orient="row",
    )
    joined = body.select(
        name.alias("name"), phone.alias("phone"), pl.col("_unit").alias("unit")
    ).join(
        lookup, on=["name", "phone", "unit"], how="left", nulls_equal=True, maintain_order="left"
    )
    return pl.coalesce(pl.lit(joined["_pid"]), phone)


def _headcount_lines(
    body: pl.DataFrame, frame: pl.DataFrame, heads: list[tuple[int, str]], names: list[str]
) -> pl.DataFrame:
    """The 参与记录 headcount lines of the activity rows: one per group with people."""
    parts = []
    for order, (j, group) in enumerate(heads):
        n = _numbers(j)
        parts.append(
            pl.concat([body.select(f"c{j}", n.alias("_n")), frame], how="horizontal")
            .filter(pl.col("_n").is_not_null() & (pl.col("_n") != 0))
            .select(
                "activity_id",
                pl.col(f"c{j}").alias("headcount"),
                pl.lit(group or names[j]).alias("group"),
                pl.col("unit_id").alias("t__unit"),
                "t__day",
                "t__title",
                "t__n",
                *(["t__scope"] if "t__scope" in frame.columns else []),
                "_row",
                "_raw",
                pl.lit(order).alias("_g"),
            )
        )
    return pl.concat(parts).sort(["_row", "_g"]).drop("_g")
