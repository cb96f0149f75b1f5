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

import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import polars as pl

from pipelines import pii
from pipelines.mapping import compose, formats
from pipelines.mapping.fields import IGNORE
from pipelines.mapping.grid import Grid, read_grids
from pipelines.mapping.header import Header, data_rows, detect_header, header_at, text_above
from pipelines.settings import config, salt_path

NAME_PREFIX = "名称:"  # a unit given by name, resolved to its code by ``resolve``
# placeholders the stage keeps as they are (ASCII, so NFKC leaves them alone)
GENERATE = "@generate"  # an activity code to generate from unit, day, title and n
ATTACH = "@attach"  # a sign-in or rating to attach to its activity by title
_GROUP_HEADCOUNT = "headcount_by_group"
_GROUP_HOURS = "hours_by_group"
_PUNCT = re.compile(r"[\s\W_]+")


def normal_title(title: str | None) -> str:
    """A title as compared: NFKC, without spaces and punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", title or ""))


def activity_code(unit_id: str, day: str, title: str, n: int) -> str:
    """The generated code of an activity without one (see the module docstring)."""
    digest = hashlib.sha256(normal_title(title).encode()).hexdigest()[:8]
    return f"{unit_id}-{day.replace('-', '')}-{digest}-{n}"


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


def read_mapped(path: Path, sheets: list) -> list:
    """``sheets`` with each one that waits for a mapping read through its saved format,
    when one matches; a format with group headcounts adds a sign-in sheet after it."""
    waiting = [s for s in sheets if s.status in ("needs_mapping", "unrecognised")]
    db = formats.active_db()
    saved = formats.load_all(db) if waiting and db else []
    if not saved:
        return sheets
    from pipelines.read import Sheet  # read imports this module

    grids = {g.sheet: g for g in read_grids(path)}
    salt = pii.load_salt(salt_path(db), config().salt)
    counter: Counter = Counter()  # n of (unit, day, title) across the file's sheets
    out = []
    for sheet in sheets:
        found = match(grids[sheet.sheet], saved) if sheet in waiting else None
        if found is None:
            out.append(sheet)
            continue
        fmt, header = found
        grid = grids[sheet.sheet]
        tables = to_frames(grid, header, fmt, salt, counter)
        for table, frame in tables.items():
            headers = [n for n in header.names if n]
            out.append(Sheet(sheet.sheet, "loaded", headers, table, frame, format=fmt.name))
    return out


def to_frames(
    grid: Grid, header: Header, fmt: formats.Format, salt: str, counter: Counter
) -> dict[str, pl.DataFrame]:
    """The format's table (and, for group headcounts, its sign-in lines) as string frames:
    contract keys plus helper columns ``t__*`` for ``resolve``, ``_row`` and ``_raw``."""
    columns = {j: fmt.columns.get(name, IGNORE) for j, name in enumerate(header.names) if name}
    context = compose.constants_from_context(text_above(grid, header), grid.file_name, grid.sheet)
    constants = {**context, **fmt.constants}
    if "unit_id" in fmt.constants:
        constants.pop("unit_name", None)  # a unit picked once beats the 填报单位 line
    names = [n or f"第{j + 1}列" for j, n in enumerate(header.names)]
    private = {j for j, key in columns.items() if key == "person_name"}
    mapped = set(columns.values())
    # the file's own unit: unit names are looked up inside its subtree first
    own = constants.get("unit_id") or constants.get("unit_name")
    scope = None if not own else own if "unit_id" in constants else NAME_PREFIX + own
    records, lines = [], []
    for row_number, cells in data_rows(grid, header):
        values: dict[str, str] = dict(constants)
        groups: list[tuple[str, str, str]] = []  # (kind, group, text)
        for j, key in columns.items():
            text = cells[j] if j < len(cells) else ""
            base, _, group = key.partition(":")
            if base in (_GROUP_HEADCOUNT, _GROUP_HOURS):
                groups.append((base, group or names[j], text))
            elif key != IGNORE and text:
                values[key] = text
        record = _compose(fmt.table, values, mapped, groups, salt, counter)
        if scope and record.get("unit_id") != scope:
            record["t__scope"] = scope
        record["_row"] = row_number
        record["_raw"] = _raw(names, cells, private)
        records.append(record)
        if fmt.table == "activities":
            lines += _headcount_lines(record, groups)
    out = {fmt.table: _frame(records)}
    if lines:
        out["attendance"] = _frame(lines)
    return out


def _compose(
    table: str, values: dict, columns: set[str], groups: list, salt: str, counter: Counter
) -> dict:
    """One row's contract columns from its mapped values and the constants (``columns``:
    the fields some column of the sheet maps to)."""
    record = {k: v for k, v in values.items() if not k.startswith(("start_", "unit_name"))}
    for key in ("start_at", "start_year", "start_month", "start_day", "start_time"):
        record.pop(key, None)
    # the start from its parts (年份 + 月份 + 日期 + 时间); a start the parts do not
    # make (2024-06-10 14:30, or text no rule reads) goes to the contract's parser as is
    start = values.get("start_at")
    composed = compose.compose_start(
        values.get("start_year"),
        values.get("start_month"),
        values.get("start_day") or start,
        values.get("start_time"),
    )
    start = composed or start or values.get("start_day")
    # a unit column beats a constant unit (the file's own, its 填报单位)
    unit = values.get("unit_id") if "unit_id" in columns else None
    if unit is None and values.get("unit_name") and "unit_name" in columns:
        unit = NAME_PREFIX + values["unit_name"]
    if unit is None:
        unit = values.get("unit_id") or (
            NAME_PREFIX + values["unit_name"] if values.get("unit_name") else None
        )
    record.pop("unit_name", None)
    title = values.get("title") or values.pop("activity_title", None)
    record.pop("activity_title", None)
    if table == "activities":
        record["start_at"] = start
        record["unit_id"] = unit
        heads = [_number(t) for kind, _, t in groups if kind == _GROUP_HEADCOUNT]
        hours = [_number(t) for kind, _, t in groups if kind == _GROUP_HOURS]
        if "reported_person_times" not in record and any(h is not None for h in heads):
            record["reported_person_times"] = _text(sum(h or 0 for h in heads))
        if "volunteer_hours" not in record and any(h is not None for h in hours):
            record["volunteer_hours"] = _text(sum(h or 0 for h in hours))
        if not record.get("activity_id"):
            record["activity_id"] = GENERATE
        day = (start or "")[:10]
        n_key = (normal_title(unit), day, normal_title(title))
        counter[n_key] += 1
        record.update(t__n=str(counter[n_key]), t__day=day, t__title=title)
    elif table in ("attendance", "ratings"):
        if not record.get("activity_id"):
            record["activity_id"] = ATTACH
            record.update(t__unit=unit, t__day=(start or "")[:10] or None, t__title=title)
        person = _pseudonym(values, salt, unit)
        if person:
            record["person_id" if table == "attendance" else "rater_id"] = person
    elif unit is not None:
        record["unit_id"] = unit
    for key in ("phone", "person_name"):
        record.pop(key, None)
    return record


def _pseudonym(values: dict, salt: str, unit: str | None) -> str | None:
    """A person's id from a phone (hashed by the stage like any phone id), or from 姓名
    hashed together with the phone or, lacking one, the unit: a name is never an id."""
    phone, name = values.get("phone"), values.get("person_name")
    if name:
        other = phone or unit or ""
        text = f"{salt}{unicodedata.normalize('NFKC', name).strip()}|{other}"
        return "h:" + hashlib.sha256(text.encode()).hexdigest()[:24]
    return phone


def _headcount_lines(record: dict, groups: list) -> list[dict]:
    """The 参与记录 headcount lines of one activity row: one per group with people."""
    out = []
    for kind, group, text in groups:
        n = _number(text)
        if kind != _GROUP_HEADCOUNT or not n:
            continue
        out.append(
            {
                "activity_id": record["activity_id"],
                "headcount": text,
                "group": group,
                "t__unit": record.get("unit_id"),
                "t__day": record.get("t__day"),
                "t__title": record.get("t__title"),
                "t__n": record.get("t__n"),
                "t__scope": record.get("t__scope"),
                "_row": record["_row"],
                "_raw": record["_raw"],
            }
        )
    return out


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def _raw(names: list[str], cells: list[str], private: set[int]) -> str:
    """The row's non-empty cells by header, 姓名 shown as its first character only."""
    raw = {}
    for j, cell in enumerate(cells):
        if cell:
            label = names[j] if j < len(names) else f"第{j + 1}列"
            raw[label] = cell[0] + "*" * (len(cell) - 1) if j in private else cell
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def _frame(records: list[dict]) -> pl.DataFrame:
    keys = list(dict.fromkeys(k for r in records for k in r if k not in ("_row", "_raw")))
    data = {k: [r.get(k) for r in records] for k in keys}
    schema = {**dict.fromkeys(keys, pl.String), "_row": pl.Int64, "_raw": pl.String}
    data |= {"_row": [r["_row"] for r in records], "_raw": [r["_raw"] for r in records]}
    return pl.DataFrame(data, schema=schema)
