"""Reading ledger files as they are: find files, decode, locate the header, read rows.

The only module of the write side that opens ledger files. Every sheet comes
out as string columns named by contract keys plus ``_row``: the row number the
user sees in Excel/WPS (for a CSV, the record's line; the first line is row 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import python_calamine

from pipelines.contract import (
    HEADER_INDEX,
    TABLE_SPECS,
    TOTAL_WORDS,
    VOLUNTEER_HEADER,
    normalize_header,
)
from pipelines.settings import LEDGER_SUFFIXES

RawMask = Callable[[pl.DataFrame], pl.DataFrame]
HEADER_SCAN_ROWS = 30
MIN_MAPPABLE_HEADERS = 2  # header cells a layout needs before a person can map it
_CHUNK = 1 << 22
_SPACES = " \t\r\n\u3000\u00a0"


@dataclass
class SourceFile:
    """A ledger file found under a SOURCE argument."""

    path: Path
    rel: str  # path relative to the SOURCE it was found under (manifest name)


@dataclass
class Sheet:
    """One CSV file or one workbook sheet, read and matched to a table."""

    sheet: str | None
    status: str  # loaded | needs_mapping | unrecognised | empty
    headers: list[str]
    table: str | None = None
    frame: pl.DataFrame | None = None  # contract keys as strings + _row + _raw
    is_volunteer_file: bool = False
    ambiguous: list[str] = field(default_factory=list)
    raw_masked: bool = False  # _raw already passed through read_source's mask
    header_row: int | None = None  # spreadsheet row of the (last) header row found
    format: str | None = None  # the saved 报送格式 it was read through (pipelines.mapping)


def find_sources(sources: list[str | os.PathLike]) -> list[SourceFile]:
    """Every ledger file below the given files/directories, in the contract's order."""
    found: dict[Path, SourceFile] = {}
    for source in sources:
        root = Path(source)
        if root.is_dir():
            for path in root.rglob("*"):
                if (
                    path.is_file()
                    and path.suffix.lower() in LEDGER_SUFFIXES
                    and not path.name.startswith("~$")
                ):
                    found.setdefault(
                        path.resolve(), SourceFile(path, path.relative_to(root).as_posix())
                    )
        elif root.is_file():
            found.setdefault(root.resolve(), SourceFile(root, root.name))
    return sorted(found.values(), key=lambda f: (f.rel, str(f.path.resolve())))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- header matching


def _match_headers(cells: list[str]) -> tuple[str | None, dict[int, str], list[str]]:
    """Best table for a header row: (table or None, column index -> key, tables tied)."""
    normalised = [normalize_header(c) for c in cells]
    best: list[tuple[int, int, str, dict[int, str]]] = []
    for name, spec in TABLE_SPECS.items():
        index = HEADER_INDEX[name]
        mapping: dict[int, str] = {}
        for i, h in enumerate(normalised):
            key = index.get(h)
            if key and key not in mapping.values():
                mapping[i] = key
        if all(req in mapping.values() for req in spec.required):
            best.append((len(spec.required), len(mapping), name, mapping))
    if not best:
        return None, {}, []
    best.sort(key=lambda b: (-b[0], -b[1]))
    top = [b for b in best if b[0] == best[0][0]]
    if len(top) > 1:
        return None, {}, [b[2] for b in top]
    if _mostly_another_table(normalised, best[0][2], len(best[0][3])):
        return None, {}, []
    return best[0][2], best[0][3], []


def _table_matches(normalised: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Per table: how many of the headers it knows, and its required columns missing."""
    out = {}
    for name, spec in TABLE_SPECS.items():
        keys = {HEADER_INDEX[name][h] for h in normalised if h in HEADER_INDEX[name]}
        out[name] = (len(keys), [spec.column(k).zh for k in spec.required if k not in keys])
    return out


def _mostly_another_table(normalised: list[str], chosen: str, chosen_matches: int) -> bool:
    """An activities ledger that lacks 服务类别 still fits attendance (which needs only
    活动编码); taking it as attendance would reject every row for the wrong reason. A
    header that names at least two more columns of a table it does not fit (missing at
    most two required ones) is reported as unrecognised instead, with that hint."""
    for name, (matched, missing) in _table_matches(normalised).items():
        if name != chosen and missing and len(missing) <= 2 and matched >= chosen_matches + 2:
            return True
    return False


def header_hint(headers: list[str]) -> str:
    """What a clerk can do about a file whose table was not recognised."""
    if not headers:
        return "文件或工作表是空的"
    if any(sep in h for h in headers for sep in (";", "\t", "|", "；")):
        return "表头里有分号或制表符：文件可能不是逗号分隔的，请在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”"
    matches = _table_matches([normalize_header(h) for h in headers])
    name, (matched, missing) = max(matches.items(), key=lambda kv: kv[1][0])
    required = len(TABLE_SPECS[name].required)
    if matched >= 2 and missing and len(missing) <= max(1, required // 2):
        return f"表头最像“{TABLE_SPECS[name].zh}”表，但缺少必填列：{'、'.join(missing)}"
    return "表头中没有可识别的列名，请使用导入模板的列名"


def _score(cells: list[str]) -> int:
    """How many cells are known header names of any table."""
    known = 0
    for c in cells:
        h = normalize_header(c)
        if h and any(h in index for index in HEADER_INDEX.values()):
            known += 1
    return known


@dataclass
class HeaderFound:
    row: int  # 0-based index of the (last) header row
    names: list[str]  # header text per column, merged over two rows when needed
    table: str | None
    mapping: dict[int, str]
    tied: list[str]


def locate_header(rows: list[list[str]]) -> HeaderFound | None:
    """Find the header among the first rows: one row, or two rows of a merged header."""
    candidates: list[tuple[int, int, HeaderFound]] = []
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(c.strip() for c in row):
            continue
        single = list(row)
        table, mapping, tied = _match_headers(single)
        candidates.append(
            (int(table is not None), _score(single), HeaderFound(i, single, table, mapping, tied))
        )
        if i + 1 < len(rows):
            below = rows[i + 1]
            width = max(len(row), len(below))
            merged = []
            group = ""  # a merged group header (志愿服务) spans the cells right of it
            for j in range(width):
                upper = row[j] if j < len(row) else ""
                lower = below[j] if j < len(below) else ""
                group = upper if upper.strip() else group
                if lower.strip() and group and _score([group + lower]):
                    merged.append(group + lower)  # 志愿服务 + 时长（小时）
                elif lower.strip() and _score([lower]):
                    merged.append(lower)
                else:
                    merged.append(upper if upper.strip() else lower)
            if _score(merged) > _score(single) and _score(merged) > _score(below):
                table, mapping, tied = _match_headers(merged)
                candidates.append(
                    (
                        int(table is not None),
                        _score(merged),
                        HeaderFound(i + 1, merged, table, mapping, tied),
                    )
                )
    if not candidates:
        return None
    # a row that fits a table beats one that does not; then the most known names; then the first
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2].row))
    return candidates[0][2]


# ---------------------------------------------------------------- cells


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user would type (Excel dates as ISO text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, dt.datetime):
        # a midnight datetime is how spreadsheets store a date-only cell
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != dt.time()
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _frame_from_grid(
    grid: list[list[str]], header: HeaderFound, first_row_number: int
) -> pl.DataFrame:
    """Rows below the header as a frame: mapped columns, _row, _raw (JSON of every cell)."""
    data_rows = grid[header.row + 1 :]
    width = len(header.names)
    columns: dict[str, list[str | None]] = {key: [] for key in header.mapping.values()}
    row_numbers: list[int] = []
    raws: list[str] = []
    firsts: list[str | None] = []
    names = [n.strip() or f"第{j + 1}列" for j, n in enumerate(header.names)]
    for offset, row in enumerate(data_rows):
        cells = [(row[j] if j < len(row) else "") for j in range(max(width, len(row)))]
        row_numbers.append(first_row_number + header.row + 1 + offset)
        for j, key in header.mapping.items():
            v = cells[j]
            columns[key].append(v if v != "" else None)
        firsts.append(next((c for c in cells if c != ""), None))
        raws.append(
            json.dumps(
                {
                    names[j] if j < width else f"第{j + 1}列": c
                    for j, c in enumerate(cells)
                    if c != ""
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    schema = {
        **{k: pl.String for k in columns},
        "_row": pl.Int64,
        "_raw": pl.String,
        "_first": pl.String,
    }
    return pl.DataFrame(
        {**columns, "_row": row_numbers, "_raw": raws, "_first": firsts}, schema=schema
    )


def drop_blank_and_total_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows that are not data: every cell empty, or a first non-empty cell 合计/总计/小计."""
    # the first cell repeats (an activity code on every sign-in): test each value once
    totals = (
        frame.select(pl.col("_first").unique().drop_nulls())
        .filter(pl.col("_first").str.replace_all(r"[\s:：]", "").is_in(list(TOTAL_WORDS)))
        .get_column("_first")
    )
    first = pl.col("_first")
    return frame.filter(first.is_not_null() & ~first.is_in(totals.implode())).drop("_first")


# ---------------------------------------------------------------- workbooks


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of a workbook, in workbook order."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets: list[Sheet] = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        grid = [
            [cell_text(c).strip(_SPACES) for c in row]
            for row in sheet.to_python(skip_empty_area=False)
        ]
        sheets.append(_sheet_from_grid(grid, name, first_row_number=1))
    return sheets


def _unrecognised(name: str | None, rows: list[list[str]], header: HeaderFound | None) -> Sheet:
    """A sheet no table fits, reported with the header cells found (or its first row).

    With at least two header cells it is a ledger in a layout of its own: it waits for
    a person to map it (``needs_mapping``) instead of failing. A single cell (a file
    split on the wrong delimiter, a note) cannot be mapped: ``unrecognised``.
    """
    from pipelines.mapping import grid  # mapping hook: 1-3 header rows
    from pipelines.mapping import header as block

    detected = block.detect_header(grid.Grid("", name, rows))
    if detected is not None:
        found, row = detected.names, detected.last
    elif header is not None:
        found, row = header.names, header.row
    else:
        row, found = next((i, r) for i, r in enumerate(rows) if any(c.strip() for c in r))
    cells = [c for c in found if c.strip()]
    tied = header.tied if header else []
    status = "needs_mapping" if len(cells) >= MIN_MAPPABLE_HEADERS else "unrecognised"
    return Sheet(name, status, cells, ambiguous=tied, header_row=row + 1)


def _sheet_from_grid(grid: list[list[str]], name: str | None, first_row_number: int) -> Sheet:
    if not any(any(c.strip() for c in row) for row in grid):
        return Sheet(name, "empty", [])
    header = locate_header(grid)
    if header is None or header.table is None:
        return _unrecognised(name, grid, header)
    frame = drop_blank_and_total_rows(_frame_from_grid(grid, header, first_row_number))
    return Sheet(
        name,
        "loaded",
        [c for c in header.names if c.strip()],
        header.table,
        frame,
        is_volunteer_file=_is_volunteer(header),
    )


def _is_volunteer(header: HeaderFound) -> bool:
    return any(
        normalize_header(header.names[j]) == VOLUNTEER_HEADER
        for j, k in header.mapping.items()
        if k == "person_id"
    )


# ---------------------------------------------------------------- CSV


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or gb18030 (a superset of GBK), decided from the bytes."""
    with path.open("rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            return "gb18030"


def _check_utf8(path: Path) -> None:
    """Raise UnicodeDecodeError unless the file is UTF-8 (with or without a BOM)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            decoder.decode(chunk)
    decoder.decode(b"", final=True)


def _transcode(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a GB18030 file, streamed in chunks; the caller deletes it."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="wenming-")
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    return Path(tmp)


def read_csv(path: Path, mask: RawMask | None = None) -> Sheet:
    """A CSV ledger in any of the contract's encodings (``mask``: see ``read_source``)."""
    encoding = detect_encoding(path)
    if encoding == "utf-8-sig":
        # no UTF-8 copy for a BOM: it sits on the first line, which is the header or
        # above it, so Polars skips it with that line; the bytes after it must be UTF-8
        _check_utf8(path)
    utf8_path = path if encoding.startswith("utf-8") else _transcode(path, encoding)
    try:
        with utf8_path.open(
            encoding=encoding if encoding == "utf-8-sig" else "utf-8", newline=""
        ) as fh:
            head = list(_take(csv.reader(fh), HEADER_SCAN_ROWS + 2))
        head = [[c for c in row] for row in head]
        if not any(any(c.strip() for c in row) for row in head):
            return Sheet(None, "empty", [])
        header = locate_header(head)
        if header is None or header.table is None:
            return _unrecognised(None, head, header)
        frame = _read_csv_body(utf8_path, header, mask)
        return Sheet(
            None,
            "loaded",
            [c for c in header.names if c.strip()],
            header.table,
            frame,
            _is_volunteer(header),
            raw_masked=mask is not None,
        )
    finally:
        if utf8_path != path:
            utf8_path.unlink(missing_ok=True)


def _take(iterator, n: int):
    for i, item in enumerate(iterator):
        if i >= n:
            break
        yield item


def _read_csv_body(path: Path, header: HeaderFound, mask: RawMask | None) -> pl.DataFrame:
    width = len(header.names)
    names = [f"c{j}" for j in range(width)]
    body = pl.read_csv(
        path,
        has_header=False,
        skip_rows=header.row + 1,
        infer_schema=False,
        truncate_ragged_lines=True,
        new_columns=names,
        schema={n: pl.String for n in names},
        raise_if_empty=False,
        # a first data line shorter than the header must not make the file unreadable
        missing_columns="insert",
    )
    # Excel shows the header at record header.row (0-based) as row header.row + 1.
    body = body.with_row_index("_idx").with_columns(
        (pl.col("_idx").cast(pl.Int64) + header.row + 2).alias("_row")
    )
    labels = [n.strip() or f"第{j + 1}列" for j, n in enumerate(header.names)]
    trimmed = [pl.col(n).str.strip_chars(_SPACES) for n in names]
    body = body.with_columns([t.alias(n) for t, n in zip(trimmed, names, strict=True)])
    body = body.with_columns(
        [pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n) for n in names]
    )
    frame = body.select(
        *[pl.col(f"c{j}").alias(key) for j, key in header.mapping.items()],
        pl.col("_row"),
        _raw_json(body.select(names), _dedupe(labels), mask).alias("_raw"),
        pl.coalesce([pl.col(n) for n in names]).alias("_first"),
    )
    return drop_blank_and_total_rows(frame)


# what JSON escapes in a string, and how (as json.dumps and Polars' json_encode do)
_JSON_SPECIAL = ["\\", '"'] + [chr(c) for c in range(0x20)]
_JSON_ESCAPED = [json.dumps(c)[1:-1] for c in _JSON_SPECIAL]


def _raw_json(cells: pl.DataFrame, labels: list[str], mask: RawMask | None) -> pl.Series:
    """Each row's non-null cells as a JSON object of label -> text, in column order
    (a blank row is "{}"); the text json.dumps(..., ensure_ascii=False) would write,
    passed through ``mask`` when given.

    Built by concatenation: one pass, where a struct's json_encode writes the nulls
    that then had to be cut out again by regex (three times the work). ``mask`` sees
    the escaped texts of the cells and of the labels (each with its quotes), never a
    whole row: the row's text is exactly those pieces joined by quotes, colons and
    commas, which no phone or ID number spans, so masking the pieces gives the text
    masking the row would, and a value repeated on many rows is masked once.
    """
    values = cells.select(pl.all().str.replace_many(_JSON_SPECIAL, _JSON_ESCAPED))
    keys = pl.DataFrame({"key": [json.dumps(label, ensure_ascii=False) for label in labels]})
    if mask is not None:
        values, keys = mask(values), mask(keys)
    members = [
        pl.concat_str(pl.lit(key + ':"'), pl.col(name), pl.lit('"'))
        for key, name in zip(keys["key"], values.columns, strict=True)
    ]
    return values.select(
        pl.concat_str(
            pl.lit("{"), pl.concat_str(members, separator=",", ignore_nulls=True), pl.lit("}")
        )
    ).to_series()


def _dedupe(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        n = seen.get(label, 0)
        seen[label] = n + 1
        out.append(label if n == 0 else f"{label}_{n + 1}")
    return out


def read_source(path: Path, mask: RawMask | None = None) -> list[Sheet]:
    """All sheets of one ledger file (a CSV is one sheet named None).

    ``mask`` (a frame of text columns in, the same frame with its texts masked out)
    is applied to a CSV's raw rows as they are built, cell by cell; such a sheet says
    ``raw_masked``. Workbook sheets leave ``_raw`` as read.
    """
    from pipelines.mapping.apply import read_mapped  # the mapping reads through this module

    sheets = [read_csv(path, mask)] if path.suffix.lower() == ".csv" else read_workbook(path)
    # mapping hook: a sheet no template table fits is read through its saved 报送格式
    return read_mapped(path, sheets)


__all__ = [
    "SourceFile",
    "Sheet",
    "find_sources",
    "file_sha256",
    "read_source",
    "locate_header",
    "io",
]
