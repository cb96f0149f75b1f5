"""Reading ledger files as they are: find files, decode, locate the header, read rows.

The only module of the write side that opens ledger files. Every sheet comes
out as string columns named by contract keys plus ``_row``: the row number the
user sees in Excel/WPS (for a CSV, the record's line; the first line is row 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import python_calamine

from pipelines import preflight
from pipelines.contract import (
    HEADER_INDEX,
    TABLE_SPECS,
    TOTAL_WORDS,
    VOLUNTEER_HEADER,
    normalize_header,
)
from pipelines.reasons import REASONS
from pipelines.settings import LEDGER_SUFFIXES, config

RawMask = Callable[[pl.DataFrame], pl.DataFrame]
HEADER_SCAN_ROWS = 30
MIN_MAPPABLE_HEADERS = 2  # header cells a layout needs before a person can map it
_CHUNK = 1 << 22
_SPACES = " \t\r\n\u3000\u00a0"
# Excel's limit on one cell; a longer cell cannot come from Excel/WPS: the row is rejected
EXCEL_CELL_CHARS = 32_767
# how much of an over-long cell a rejected row's raw text keeps
LONG_CELL_SHOWN = 200
MSG_LONG_CELL_CUT = "…（共 {:,} 个字符，已截断）"
MSG_LONG_CELL_CUT_PL = "{}…（共 {} 个字符，已截断）"
# text read to find a CSV's header (the first lines), whatever the length of its lines
HEAD_CHARS = 1 << 20
# the bytes of a line that is valid UTF-8 (the rule for a line mixed into a GBK file)
_UTF8_LINE = re.compile(
    rb"(?:[\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]"
    rb"|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})*"
)


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
    # set when the frame holds each row's cells (_cell0, _cell1 …) instead of _raw:
    # the labels of those cells; ``with_raw`` builds _raw of the rows that need it
    raw_labels: list[str] | None = None
    error: str | None = None  # status "unreadable": why the sheet was not read (Chinese)
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
    if not any(_is_known(c) for c in cells):
        # no cell names a column of any table: every table's mapping is empty, as for a
        # row of no cells (most rows scanned for the header are data)
        cells = []
    normalised = [_normalized(c) for c in cells]
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
    return sum(_is_known(c) for c in cells)


@functools.lru_cache(maxsize=1 << 16)
def _normalized(cell: str) -> str:
    """``normalize_header`` of a cell, once per text: each cell of the rows scanned for
    the header is matched and scored several times, alone and merged."""
    return normalize_header(cell)


@functools.lru_cache(maxsize=1 << 16)
def _is_known(cell: str) -> bool:
    """Whether a cell is a known header name of any table."""
    h = _normalized(cell)
    return bool(h) and any(h in index for index in HEADER_INDEX.values())


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
    defects: list[str | None] = []
    defect_reasons: list[str | None] = []
    for offset, row in enumerate(data_rows):
        cells = [(row[j] if j < len(row) else "") for j in range(max(width, len(row)))]
        row_numbers.append(first_row_number + header.row + 1 + offset)
        defect, reason = None, None
        if cells and max(map(len, cells)) > EXCEL_CELL_CHARS:
            j = next(j for j, c in enumerate(cells) if len(c) > EXCEL_CELL_CHARS)
            label = names[j] if j < width else f"第{j + 1}列"
            defect = "cell_too_long"
            reason = REASONS[defect].format(label, f"{len(cells[j]):,}")
            cells = [_cut_long(c) for c in cells]
        defects.append(defect)
        defect_reasons.append(reason)
        for j, key in header.mapping.items():
            v = cells[j]
            columns[key].append(v if v != "" and defect is None else None)
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
        "_defect": pl.String,
        "_defect_reason": pl.String,
    }
    return pl.DataFrame(
        {
            **columns,
            "_row": row_numbers,
            "_raw": raws,
            "_first": firsts,
            "_defect": defects,
            "_defect_reason": defect_reasons,
        },
        schema=schema,
    )


def _cut_long(text: str) -> str:
    """An over-long cell as a rejected row shows it: its start and its length."""
    if len(text) <= EXCEL_CELL_CHARS:
        return text
    return text[:LONG_CELL_SHOWN] + MSG_LONG_CELL_CUT.format(len(text))


def drop_blank_and_total_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows that are not data: every cell empty, or a first non-empty cell 合计/总计/小计."""
    # the first cell repeats (an activity code on every sign-in): test each value once
    totals = (
        frame.select(pl.col("_first").unique().drop_nulls())
        .filter(pl.col("_first").str.replace_all(r"[\s:：]", "").is_in(list(TOTAL_WORDS)))
        .get_column("_first")
    )
    first = pl.col("_first")
    if totals.len() == 0 and frame.get_column("_first").null_count() == 0:
        return frame.drop("_first")  # nothing to drop: no filter, which copies every column
    return frame.filter(first.is_not_null() & ~first.is_in(totals.implode())).drop("_first")


# ---------------------------------------------------------------- workbooks


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of a workbook, in workbook order. A sheet beyond the limits of
    ``pipelines.preflight`` comes back "unreadable" with the reason; a whole file
    beyond them raises ``preflight.Refused``."""
    limits = config()
    if path.suffix.lower() == ".xls":
        return [
            _sheet_from_grid(_text_grid(values), name, first_row_number=1)
            for name, values in preflight.read_xls_grids(path, limits)
        ]
    refused = preflight.check_xlsx(path, limits).refused_sheets
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets: list[Sheet] = []
    for name in workbook.sheet_names:
        if name in refused:
            sheets.append(Sheet(name, "unreadable", [], error=refused[name]))
            continue
        values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets.append(_sheet_from_grid(_text_grid(values), name, first_row_number=1))
    return sheets


def _text_grid(values: list[list[object]]) -> list[list[str]]:
    # most cells are text: they skip cell_text's type tests (a third of the read time)
    return [
        [c.strip(_SPACES) if type(c) is str else cell_text(c).strip(_SPACES) for c in row]
        for row in values
    ]


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


GB = "gb18030"  # a superset of GBK
ENCODING_ZH = {"utf-8": "UTF-8", GB: "GBK/GB18030"}


@dataclass
class Transcoded:
    """A UTF-8 copy of a CSV and the rows of its lines in the other encoding."""

    path: Path
    main: str  # the encoding of most of its lines: "utf-8" or GB
    odd_rows: list[int]
    tally: list[int] = field(default_factory=lambda: [0, 0])  # non-ASCII lines: main, odd

    def odd_reason(self) -> str:
        other = "utf-8" if self.main == GB else GB
        return REASONS["mixed_encoding"].format(ENCODING_ZH[other], ENCODING_ZH[self.main])


def _transcode(path: Path, scratch: Path, main: str = GB) -> Transcoded:
    """A UTF-8 copy of a CSV that is not plain UTF-8, in ``scratch``; the caller deletes
    it (it holds the raw ledger). On failure nothing is left behind.

    Lines in the other encoding are told apart by the rule: in a file that is not
    valid UTF-8 overall, a line whose bytes are valid UTF-8 and contain multibyte
    sequences is a UTF-8 line. Each line is copied in its own encoding (so the
    rejected row shows what was written, not mojibake) and the rows of the minority
    returned, to be rejected. A file that is mostly UTF-8 with a GBK line is copied
    again with UTF-8 as its main encoding.
    """
    copy = _transcode_as(path, scratch, main)
    if main == GB and copy.tally[1] > copy.tally[0]:
        copy.path.unlink(missing_ok=True)
        copy = _transcode_as(path, scratch, "utf-8")
    return copy


def _transcode_as(path: Path, scratch: Path, main: str) -> Transcoded:
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="transcode-", dir=scratch)
    copy = Transcoded(Path(tmp), main, [])
    lines_before = 0
    try:
        with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            carry = b""
            while True:
                block = src.read(_CHUNK)
                data = carry + block
                cut = data.rfind(b"\n") + 1 if block else len(data)
                carry, piece = data[cut:], data[:cut]
                if piece:
                    dst.write(_decode_lines(piece, copy, lines_before).encode())
                    lines_before += piece.count(b"\n")
                if not block:
                    break
    except BaseException:
        copy.path.unlink(missing_ok=True)
        raise
    return copy


def _decode_lines(piece: bytes, copy: Transcoded, lines_before: int) -> str:
    """Whole lines decoded, each in its encoding; the rows (1-based) of lines in the
    minority encoding appended to ``copy.odd_rows`` (see ``_transcode``)."""
    if lines_before == 0 and piece.startswith(codecs.BOM_UTF8):
        piece = piece[len(codecs.BOM_UTF8) :]
    lines = piece.split(b"\n")
    wide = [i for i, line in enumerate(lines) if not line.isascii()]
    utf8 = {i for i in wide if _UTF8_LINE.fullmatch(lines[i])}
    odd = utf8 if copy.main == GB else {i for i in wide if i not in utf8}
    copy.tally[0] += len(wide) - len(odd)
    copy.tally[1] += len(odd)
    if not odd:
        return piece.decode(copy.main)
    copy.odd_rows.extend(lines_before + i + 1 for i in sorted(odd))
    return "\n".join(line.decode("utf-8" if i in utf8 else GB) for i, line in enumerate(lines))


def read_csv(
    path: Path, mask: RawMask | None = None, scratch: Path | None = None, lazy_raw: bool = False
) -> Sheet:
    """A CSV ledger in any of the contract's encodings (``mask``, ``lazy_raw``: see
    ``read_source``).

    A file that is not plain UTF-8 is read from a UTF-8 copy written to ``scratch`` (a
    private folder beside the warehouse; the system temp folder when not given) and
    removed after.
    """
    encoding = detect_encoding(path)
    if encoding == "utf-8-sig":
        # no UTF-8 copy for a BOM: it sits on the first line, which is the header or
        # above it, so Polars skips it with that line; the bytes after it must be UTF-8
        try:
            _check_utf8(path)
        except UnicodeDecodeError:
            encoding = "utf-8-mixed"
    copy = None
    if encoding in (GB, "utf-8-mixed"):
        main = GB if encoding == GB else "utf-8"
        copy = _transcode(path, scratch or Path(tempfile.gettempdir()), main)
    utf8_path = copy.path if copy else path
    try:
        with utf8_path.open(
            encoding=encoding if encoding == "utf-8-sig" else "utf-8", newline=""
        ) as fh:
            head = _head_rows(fh)
        if not any(any(c.strip() for c in row) for row in head):
            return Sheet(None, "empty", [])
        header = locate_header(head)
        if header is None or header.table is None:
            return _unrecognised(None, head, header)
        odd = (copy.odd_rows, copy.odd_reason()) if copy else ([], "")
        frame, labels = _read_csv_body(utf8_path, header, mask, odd, lazy_raw)
        return Sheet(
            None,
            "loaded",
            [c for c in header.names if c.strip()],
            header.table,
            frame,
            _is_volunteer(header),
            raw_masked=mask is not None,
            raw_labels=labels,
        )
    finally:
        if copy:
            copy.path.unlink(missing_ok=True)


def _head_rows(fh) -> list[list[str]]:
    """The first records of a CSV, where the header is, read from a bounded prefix: a
    data line of 200 MB below the header is the body's business, not the header's."""
    text = fh.read(HEAD_CHARS)
    if len(text) == HEAD_CHARS and "\n" in text:
        text = text[: text.rfind("\n") + 1]  # the cut line is not read as a record
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= HEADER_SCAN_ROWS + 2:
                break
    except csv.Error:  # a field beyond the csv module's limit: a data row, not a header
        pass
    return rows


def _read_csv_body(
    path: Path,
    header: HeaderFound,
    mask: RawMask | None,
    odd: tuple[list[int], str],
    lazy_raw: bool = False,
) -> tuple[pl.DataFrame, list[str] | None]:
    """The rows below the header as the sheet's frame, with ``_raw``, or with the cells
    (``_cell0`` …) and their labels when ``lazy_raw`` (see ``with_raw``)."""
    width = len(header.names)
    try:
        body = _polars_body(path, header, width)
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        # a row wider than the header: read row by row, so its extra cells are kept
        body = _python_body(path, header, width)
    names = body.columns
    # Excel shows the header at record header.row (0-based) as row header.row + 1.
    body = body.with_row_index("_idx").with_columns(
        (pl.col("_idx").cast(pl.Int64) + header.row + 2).alias("_row")
    )
    labels = [n.strip() or f"第{j + 1}列" for j, n in enumerate(header.names)]
    labels += [f"第{j + 1}列" for j in range(width, len(names))]
    trimmed = [pl.col(n).str.strip_chars(_SPACES) for n in names]
    body = body.with_columns([t.alias(n) for t, n in zip(trimmed, names, strict=True)])
    body = body.with_columns(
        [pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n) for n in names]
    )
    body = _with_defects(body, names, labels, width, odd)
    defective = pl.col("_defect").is_not_null()
    if lazy_raw:
        raw = [pl.col(n).alias(f"{CELL}{j}") for j, n in enumerate(names)]
    else:
        raw = [_raw_json(body.select(names), _dedupe(labels), mask).alias("_raw")]
    frame = body.select(
        *[
            pl.when(defective).then(None).otherwise(pl.col(f"c{j}")).alias(key)
            for j, key in header.mapping.items()
        ],
        pl.col("_row"),
        *raw,
        pl.coalesce([pl.col(n) for n in names]).alias("_first"),
        "_defect",
        "_defect_reason",
    )
    return drop_blank_and_total_rows(frame), (_dedupe(labels) if lazy_raw else None)


def _polars_body(path: Path, header: HeaderFound, width: int) -> pl.DataFrame:
    """The rows below the header, c0..c{width-1}; raises when a row is wider."""
    names = [f"c{j}" for j in range(width)]
    return pl.read_csv(
        path,
        has_header=False,
        skip_rows=header.row + 1,
        infer_schema=False,
        truncate_ragged_lines=False,
        new_columns=names,
        schema={n: pl.String for n in names},
        raise_if_empty=False,
        # a first data line shorter than the header must not make the file unreadable
        missing_columns="insert",
    )


def _python_body(path: Path, header: HeaderFound, width: int) -> pl.DataFrame:
    """The rows below the header as the csv module splits them, as wide as the widest:
    column by column, so a long file is not held twice."""
    columns: list[list[str | None]] = [[] for _ in range(width)]
    limit = csv.field_size_limit()
    csv.field_size_limit((1 << 31) - 1)  # an over-long cell is rejected later, not here
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.reader(fh)):
                if n <= header.row:
                    continue
                while len(row) > len(columns):  # a new widest row: earlier rows lack it
                    columns.append([None] * (n - header.row - 1))
                for j, column in enumerate(columns):
                    column.append(row[j] if j < len(row) else None)
    finally:
        csv.field_size_limit(limit)
    return pl.DataFrame(
        {f"c{j}": column for j, column in enumerate(columns)},
        schema={f"c{j}": pl.String for j in range(len(columns))},
    )


def _with_defects(
    body: pl.DataFrame,
    names: list[str],
    labels: list[str],
    width: int,
    odd: tuple[list[int], str],
) -> pl.DataFrame:
    """``_defect``/``_defect_reason`` of rows the file itself spoilt (see ``REASONS``):
    an over-long cell (its text cut for the raw row), non-empty cells beyond the header,
    a line in another encoding."""
    extras = names[width:]
    odd_rows, odd_reason = odd
    # a cell of at most EXCEL_CELL_CHARS bytes has at most as many characters: the
    # usual file (no long cell, no extra cells, one encoding) needs no per-cell pass
    may_be_long = pl.any_horizontal(pl.col(n).str.len_bytes() > EXCEL_CELL_CHARS for n in names)
    if not extras and not odd_rows and not body.select(may_be_long.any()).item():
        return body.with_columns(
            pl.lit(None, pl.String).alias("_defect"),
            pl.lit(None, pl.String).alias("_defect_reason"),
        )
    long_at = [pl.col(n).str.len_chars() > EXCEL_CELL_CHARS for n in names]
    first_long = pl.coalesce([pl.when(c).then(pl.lit(j)) for j, c in enumerate(long_at)])
    long_length = pl.coalesce(
        [pl.when(c).then(pl.col(n).str.len_chars()) for c, n in zip(long_at, names, strict=True)]
    )
    code = pl.when(pl.any_horizontal(long_at)).then(pl.lit("cell_too_long"))
    reason = pl.when(pl.any_horizontal(long_at)).then(
        pl.format(
            REASONS["cell_too_long"],
            first_long.replace_strict(dict(enumerate(labels)), return_dtype=pl.String),
            long_length,
        )
    )
    if extras:
        filled = [pl.col(n).is_not_null() for n in extras]
        first_extra = pl.coalesce(
            [pl.when(c).then(pl.lit(width + j + 1)) for j, c in enumerate(filled)]
        )
        code = code.when(pl.any_horizontal(filled)).then(pl.lit("extra_cells"))
        reason = reason.when(pl.any_horizontal(filled)).then(
            pl.format(REASONS["extra_cells"], pl.sum_horizontal(filled), first_extra)
        )
    in_other_encoding = pl.col("_row").is_in(pl.Series(odd_rows, dtype=pl.Int64).implode())
    code = code.when(in_other_encoding).then(pl.lit("mixed_encoding"))
    reason = reason.when(in_other_encoding).then(pl.lit(odd_reason))
    cut = [
        pl.when(c)
        .then(
            pl.format(
                MSG_LONG_CELL_CUT_PL,
                pl.col(n).str.slice(0, LONG_CELL_SHOWN),
                pl.col(n).str.len_chars(),
            )
        )
        .otherwise(pl.col(n))
        .alias(n)
        for c, n in zip(long_at, names, strict=True)
    ]
    return body.with_columns(
        code.otherwise(None).alias("_defect"), reason.otherwise(None).alias("_defect_reason")
    ).with_columns(cut)


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


CELL = "_cell"  # prefix of a lazily read row's cell columns (``Sheet.raw_labels``)


def cell_columns(frame: pl.DataFrame) -> list[str]:
    """The cell columns of a frame read with ``lazy_raw`` (none otherwise)."""
    return [c for c in frame.columns if c.startswith(CELL)]


def with_raw(sheet: Sheet, rows: pl.DataFrame, mask: RawMask | None) -> pl.DataFrame:
    """``rows`` (some rows of ``sheet.frame``) with ``_raw``, the text a reject report
    shows, and without the cell columns. Built from the cells when the sheet was read
    with ``lazy_raw`` (passed through ``mask``, as ``read_source`` does for a CSV read
    whole), so only the rows that need their raw text pay for it; a frame that has
    ``_raw`` already is returned as it is."""
    if sheet.raw_labels is None:
        return rows
    cells = cell_columns(rows)
    raw = _raw_json(rows.select(cells), sheet.raw_labels, mask)
    return rows.drop(cells).with_columns(raw.alias("_raw"))


def _dedupe(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        n = seen.get(label, 0)
        seen[label] = n + 1
        out.append(label if n == 0 else f"{label}_{n + 1}")
    return out


def read_source(
    path: Path,
    mask: RawMask | None = None,
    scratch: Path | None = None,
    formats_db: Path | None = None,
    lazy_raw: bool = False,
) -> list[Sheet]:
    """All sheets of one ledger file (a CSV is one sheet named None).

    ``mask`` (a frame of text columns in, the same frame with its texts masked out)
    is applied to a CSV's raw rows as they are built, cell by cell; such a sheet says
    ``raw_masked``. Workbook sheets leave ``_raw`` as read. With ``lazy_raw`` a CSV's
    frame keeps the cells instead of ``_raw`` (``Sheet.raw_labels``): ``with_raw``
    builds the raw text of the rows that need it (a build: the rejected ones).
    """
    from pipelines.mapping.apply import read_mapped  # the mapping reads through this module

    if path.suffix.lower() == ".csv":
        sheets = [read_csv(path, mask, scratch, lazy_raw)]
    else:
        sheets = read_workbook(path)
    # mapping hook: a sheet no template table fits is read through its saved 报送格式
    return read_mapped(path, sheets, scratch, formats_db)


__all__ = [
    "SourceFile",
    "Sheet",
    "find_sources",
    "file_sha256",
    "read_source",
    "locate_header",
    "io",
]
