"""Cheap checks of a workbook before calamine opens it, and a memory-capped reader.

calamine allocates what a file declares, not what it holds: one cell at XFD1048576
makes it build a dense range of 17 billion cells (a Rust abort, not an exception:
the whole process dies, and with it the Streamlit server), and a shared string is
cloned into every cell that refers to it. A workbook is a zip of XML parts, so
its real extent can be measured by streaming: the zip directory (entries, declared
sizes, compression ratios) and each worksheet's cell references, in bounded chunks,
stopping as soon as a limit is passed. ``<dimension>`` is not trusted (calamine
does not size its range by it either). A sheet beyond the limits is refused on its
own; the workbook's other sheets are read. A part calamine reads on opening the
workbook (workbook.xml, sharedStrings.xml, styles.xml) refuses the whole file.

.xls (BIFF inside an OLE compound file) cannot be measured the same way without a
compound-file parser we do not ship; its grid is bounded by the format (65,536 rows
by 256 columns), but strings are cloned per cell as in xlsx. So an .xls is read in a
child process (``python -m pipelines.preflight``) capped with ``RLIMIT_AS``: a file
that needs more memory kills only the child, and the build reports it. The child
imports calamine and nothing heavier, so it costs ~0.1 s per .xls file.

.xlsx is not read in a capped child as well (a safety net behind the checks): the
grid would cross a pipe, pickled and unpickled, which for a 382,782-row sheet costs
about 2 s of CPU on top of the 8.4 s its staging takes, and the checks above already
bound what calamine allocates (the dense range by ``max_sheet_cells``, strings by the
zip and shared-string limits and the sum of long strings' copies). The checks cost
1.1 s of CPU for that sheet (107 MB of XML), 13% of its staging; the province demo has
a handful of small workbooks among its 1,438 files, so there they cost well under 1%.
The large builds stage in worker processes anyway (``build._stage_in_parallel``): a
worker that dies fails that build with a Chinese message, and the server lives on.

This module imports no Polars: the child starts fast.
"""

from __future__ import annotations

import io
import pickle
import re
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from pipelines.settings import Config

CHUNK = 1 << 22  # bytes of XML inspected at a time
_MB = 1 << 20
# a zip entry smaller than this is not judged by its ratio (small XML compresses ~100:1)
RATIO_MIN_BYTES = 8 * _MB
# a part we parse whole (workbook.xml, relationships) may not exceed this
SMALL_PART_BYTES = 16 * _MB
# a shared string longer than this (in XML bytes) is "long": its references are summed,
# because calamine copies a shared string into every cell that refers to it
LONG_STRING_BYTES = 64 << 10

MSG_NOT_ZIP = (
    "不是有效的 Excel 文件（可能已损坏、未下载完整，或是网页导出的“伪 .xlsx”）："
    "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_ENTRIES = (
    "文件内部包含 {n} 个部件，超过上限 {limit} 个（可能是压缩炸弹或已损坏）："
    "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_TOTAL = (
    "文件解压后达 {mb:,} MB，超过上限 {limit:,} MB：请把数据分成几个文件报送，"
    "或删除无关的工作表、图片后另存"
)
MSG_RATIO = (
    "文件中的“{part}”压缩比达 {ratio:,}:1（解压后 {mb:,} MB），超过上限 {limit:,}:1，"
    "可能是压缩炸弹：请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_PART_BROKEN = (
    "文件中的“{part}”已损坏（解压后的内容与记录的不符）：请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_SHEET_AREA = (
    "工作表“{sheet}”的使用范围达到 A1:{corner}（{cells:,} 个单元格），"
    "超过上限 {limit:,} 个单元格：请删除表格外多余的单元格（或整行整列）后另存，"
    "数据多时请分成几个工作表或文件"
)
MSG_SHEET_TOO_BIG = (
    "工作表“{sheet}”解压后达 {mb:,} MB，超过上限 {limit:,} MB：请把数据分成几个工作表或文件报送"
)
MSG_STRINGS_TOO_BIG = (
    "文件的共享文字表解压后达 {mb:,} MB，超过上限 {limit:,} MB：请把数据分成几个文件报送"
)
MSG_SHEET_TEXT = (
    "工作表“{sheet}”中的长文字被引用了多次，展开后达 {mb:,} MB，超过上限 {limit:,} MB："
    "单元格文字不能超过 Excel 的 32,767 字上限，请删除超长的单元格后另存"
)
MSG_XLS_MEMORY = (
    "读取这个 .xls 文件时超出了 {limit:,} MB 的内存上限，或读取程序异常退出"
    "（文件可能已损坏或含有异常大的内容）：请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_XLS_BROKEN = (
    "不是有效的 Excel 文件（可能已损坏、未下载完整，或是网页导出的“伪 .xls”）："
    "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)

_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# the common spelling of a cell: <c r="B12" ...>; anything else takes the slow scanner
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,4}[0-9]{1,9})"')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
_DIGITS, _LETTERS = b"0123456789", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TOKEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s>/])([^>]*)>")
_REF_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*\$?([A-Za-z]{1,4})\$?([0-9]{1,9})""")
_ROW_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([0-9]{1,9})""")
_SHARED_REF = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*\bt\s*=\s*["']s["'][^>]*>\s*"""
    rb"""<(?:[A-Za-z_][\w.-]*:)?v>\s*([0-9]{1,10})\s*<"""
)
_SI_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?si>")


class Refused(Exception):
    """A whole file refused before reading; the message is Chinese for the clerk."""


@dataclass
class Verdict:
    """What may be read of a workbook: sheet name -> why it is refused."""

    refused_sheets: dict[str, str] = field(default_factory=dict)


def column_letters(n: int) -> str:
    """1 -> A, 16384 -> XFD."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


# ---------------------------------------------------------------- xlsx


def check_xlsx(path: Path, limits: Config) -> Verdict:
    """Refused sheets of an .xlsx/.xlsm; raises Refused when the file as a whole is."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(MSG_NOT_ZIP) from None
    with archive:
        try:
            return _check_archive(archive, limits)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
            raise Refused(MSG_NOT_ZIP) from None
        except (ElementTree.ParseError, KeyError, NotImplementedError, RuntimeError):
            # broken XML, a missing part, an unknown compression method, encryption
            raise Refused(MSG_NOT_ZIP) from None


def _check_archive(archive: zipfile.ZipFile, limits: Config) -> Verdict:
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise Refused(MSG_ENTRIES.format(n=len(entries), limit=limits.max_zip_entries))
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_mb * _MB:
        raise Refused(MSG_TOTAL.format(mb=_mb(total), limit=limits.max_unzipped_mb))
    sheets = _sheet_parts(archive)
    sheet_of_part = {part: name for name, part in sheets.items()}
    verdict = Verdict()
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size >= RATIO_MIN_BYTES and ratio > limits.max_zip_ratio:
            message = MSG_RATIO.format(
                part=sheet_of_part.get(entry.filename, entry.filename),
                ratio=ratio,
                mb=_mb(entry.file_size),
                limit=limits.max_zip_ratio,
            )
            if entry.filename in sheet_of_part:
                verdict.refused_sheets[sheet_of_part[entry.filename]] = message
            elif not entry.is_dir():
                raise Refused(message)
    long_strings = _check_shared_strings(archive, limits)
    for name, part in sheets.items():
        if name in verdict.refused_sheets or part not in archive.NameToInfo:
            continue  # a sheet without its part: calamine reports it, as a broken file
        why = _check_sheet(archive, name, part, limits, long_strings)
        if why:
            verdict.refused_sheets[name] = why
    # a worksheet part the relationships did not lead to (an odd spelling of its path a
    # reader may still resolve): checked too, and refused with the whole file
    for entry in entries:
        looks_like_sheet = "worksheets/" in entry.filename.lower().replace("\\", "/")
        if looks_like_sheet and entry.filename not in sheet_of_part and not entry.is_dir():
            why = _check_sheet(archive, entry.filename, entry.filename, limits, long_strings)
            if why:
                raise Refused(why)
    return verdict


def _mb(size: int) -> int:
    return max(1, round(size / _MB))


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > SMALL_PART_BYTES:
        raise Refused(MSG_TOTAL.format(mb=_mb(info.file_size), limit=SMALL_PART_BYTES // _MB))
    with archive.open(info) as fh:
        return fh.read(SMALL_PART_BYTES + 1)


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (PurePosixPath(base).parent / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of a part."""
    folder = PurePosixPath(part).parent
    rels_name = str(folder / "_rels" / (PurePosixPath(part).name + ".rels")).lstrip("./")
    if rels_name not in archive.NameToInfo:
        return {}
    root = ElementTree.fromstring(_read_small(archive, rels_name))
    return {
        rel.get("Id", ""): (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
        for rel in root.iter(f"{{{_NS_REL}}}Relationship")
    }


def _workbook_part(archive: zipfile.ZipFile) -> str:
    if "_rels/.rels" in archive.NameToInfo:
        root = ElementTree.fromstring(_read_small(archive, "_rels/.rels"))
        for rel in root.iter(f"{{{_NS_REL}}}Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> its XML part, in workbook order."""
    book = _workbook_part(archive)
    rels = _rels(archive, book)
    root = ElementTree.fromstring(_read_small(archive, book))
    out = {}
    for sheet in root.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel = rels.get(sheet.get(f"{{{_NS_OFFICE_REL}}}id", ""))
        if rel and rel[0].endswith("/worksheet"):
            out[sheet.get("name", "")] = rel[1]
    return out


def _chunks(archive: zipfile.ZipFile, name: str):
    """The part's bytes in pieces of about CHUNK that end at a tag's end (``>``)."""
    carry = b""
    with archive.open(name) as fh:
        while block := fh.read(CHUNK):
            data = carry + block
            cut = data.rfind(b">") + 1
            if cut == 0 and len(data) < 4 * CHUNK:
                carry = data
                continue
            cut = cut or len(data)
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def _check_shared_strings(archive: zipfile.ZipFile, limits: Config) -> dict[int, int]:
    """Index -> XML length of each long shared string; raises Refused beyond the limits."""
    rels = _rels(archive, _workbook_part(archive))
    part = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    if part is None or part not in archive.NameToInfo:
        return {}
    size = archive.getinfo(part).file_size
    if size > limits.max_shared_strings_mb * _MB:
        raise Refused(MSG_STRINGS_TOO_BIG.format(mb=_mb(size), limit=limits.max_shared_strings_mb))
    long_strings: dict[int, int] = {}
    index, pending, read = 0, 0, 0
    for chunk in _chunks(archive, part):
        read += len(chunk)
        if read > limits.max_shared_strings_mb * _MB:
            raise Refused(MSG_PART_BROKEN.format(part=part))
        pieces = _SI_END.split(chunk)
        # every piece but the last closes one string; the first continues the last chunk's
        lengths = [len(p) for p in pieces]
        lengths[0] += pending
        pending = lengths.pop()
        if max(lengths, default=0) > LONG_STRING_BYTES:
            for i, n in enumerate(lengths):
                if n > LONG_STRING_BYTES:
                    long_strings[index + i] = n
        index += len(lengths)
    return long_strings


def _check_sheet(
    archive: zipfile.ZipFile,
    name: str,
    part: str,
    limits: Config,
    long_strings: dict[int, int],
) -> str | None:
    """Why a worksheet is refused, or None: its used area, size and expanded text."""
    info = archive.getinfo(part)
    if info.file_size > limits.max_unzipped_mb * _MB:
        return MSG_SHEET_TOO_BIG.format(
            sheet=name, mb=_mb(info.file_size), limit=limits.max_unzipped_mb
        )
    max_row = max_col = 0
    expanded = read = 0
    slow = _SlowScan()
    for chunk in _chunks(archive, part):
        read += len(chunk)
        if read > info.file_size:  # more than the directory declared: a lie
            return MSG_PART_BROKEN.format(part=name)
        extent = None if slow.on else _usual_extent(chunk, max_row, max_col)
        if extent is None:
            # cells without a reference (placed one after another), with another
            # attribute first, in lower case or with a prefix: read tag by tag from here
            slow.on = True
            rows, cols = slow.scan(chunk)
            max_row, max_col = max(max_row, rows), max(max_col, cols)
        else:
            max_row, max_col, last = extent
            if last != (0, 0):
                slow.row, slow.col = last
        if max_row * max_col > limits.max_sheet_cells:
            return _area_message(name, max_row, max_col, limits)
        if long_strings:
            expanded += sum(long_strings.get(int(i), 0) for i in _SHARED_REF.findall(chunk))
            if expanded > limits.max_unzipped_mb * _MB:
                return MSG_SHEET_TEXT.format(
                    sheet=name, mb=_mb(expanded), limit=limits.max_unzipped_mb
                )
    return None


def _cell_tags(chunk: bytes) -> int:
    return chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/")


def _usual_extent(
    chunk: bytes, max_row: int, max_col: int
) -> tuple[int, int, tuple[int, int]] | None:
    """(rows, columns) so far and the last cell's (row, column), from a chunk where every
    cell is spelt as Excel writes it (``<c r="B12"``); None when some cell is not (the
    slow scanner reads it). One regex pass and C-level passes over the joined
    references: no Python object per cell beyond the reference itself. (Narrower
    passes, such as a search for rows beyond the last ``<row>``, cost more: each regex
    pass over the XML costs about as much as this one.)"""
    refs = _FAST_CELL.findall(chunk)
    if chunk.count(b"<c") != len(refs) and _cell_tags(chunk) != len(refs):
        return None
    if (b":c " in chunk or b":c>" in chunk) and _PREFIXED_CELL.search(chunk):
        return None
    if not refs:
        return max_row, max_col, (0, 0)
    joined = b" ".join(refs)
    letters = set(joined.translate(None, _DIGITS).split())
    numbers = set(joined.translate(None, _LETTERS).split())
    max_col = max(max_col, max(map(_column_number, letters)))
    max_row = max(max_row, max(map(int, numbers)))
    last = refs[-1]
    return max_row, max_col, (int(last.lstrip(_LETTERS)), _column_number(last.rstrip(_DIGITS)))


def _area_message(name: str, rows: int, cols: int, limits: Config) -> str:
    return MSG_SHEET_AREA.format(
        sheet=name,
        corner=f"{column_letters(min(cols, 16384))}{rows}",
        cells=rows * cols,
        limit=limits.max_sheet_cells,
    )


class _SlowScan:
    """Cell positions as a spreadsheet reader places them: a cell's own reference, else
    the column after the previous cell of its row (a row's own ``r``, else the next)."""

    def __init__(self) -> None:
        self.on = False
        self.row = 0
        self.col = 0

    def scan(self, chunk: bytes) -> tuple[int, int]:
        max_row = max_col = 0
        for kind, attrs in _TOKEN.findall(chunk):
            if kind == b"row":
                found = _ROW_ATTR.search(attrs)
                self.row = int(found.group(1)) if found else self.row + 1
                self.col = 0
                continue
            found = _REF_ATTR.search(attrs)
            if found:
                self.col, self.row = _column_number(found.group(1)), int(found.group(2))
            else:
                self.col += 1
            max_row, max_col = max(max_row, self.row or 1), max(max_col, self.col)
        return max_row, max_col


# ---------------------------------------------------------------- xls, in a capped child


def read_xls_grids(path: Path, limits: Config) -> list[tuple[str, list[list[object]]]]:
    """Each sheet's cell values of an .xls, read by calamine in a child process whose
    address space is capped at ``limits.max_read_memory_mb``; raises Refused."""
    child = subprocess.run(
        [sys.executable, "-m", "pipelines.preflight", str(path), str(limits.max_read_memory_mb)],
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if child.returncode == 0:
        return pickle.loads(child.stdout)
    if child.returncode == 3:
        raise Refused(MSG_XLS_BROKEN)
    # MemoryError (exit 4) or a Rust allocation abort (SIGABRT) or the kernel's kill
    raise Refused(MSG_XLS_MEMORY.format(limit=limits.max_read_memory_mb))


def _child_main(path: str, memory_mb: int) -> int:
    limit = memory_mb * _MB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # a parent already capped: stay within its cap
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_path(path)
        grids = [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
        out = pickle.dumps(grids, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return 4
    except BaseException:  # a broken file (a Rust panic is not an Exception): see parent
        return 3
    with io.BufferedWriter(io.FileIO(sys.stdout.fileno(), "wb", closefd=False)) as out_fh:
        out_fh.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1], int(sys.argv[2])))
