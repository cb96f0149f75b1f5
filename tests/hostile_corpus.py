"""Hostile ledger files for ``test_hostile_files``: broken, bombed, far-flung, garbled.

Every generator is seeded, so a failing file can be made again. Zip bombs are
written by hand: a raw-deflate segment flushed with ``Z_FULL_FLUSH`` refers to
nothing before it, so one compressed block of rows repeated a thousand times is a
valid stream that inflates to a thousand blocks; a 1 GB sheet costs a few MB and
no time to make.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import xlsxwriter
import xlwt

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{overrides}</Types>"
)
_SHEET_CT = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_STRINGS_CT = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{rels}</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
)
_STRINGS_REL = (
    '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1"/><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"

# The sign-ins every hostile workbook carries on a second sheet: they must still load.
SIGN_INS = [["活动编码", "人数"], ["HD01", "3"], ["HD02", "4"]]


def inline_row(number: int, cells: list[str]) -> bytes:
    """One ``<row>`` of inline strings in columns A, B, …"""
    out = [f'<row r="{number}">']
    for j, text in enumerate(cells):
        out.append(f'<c r="{chr(65 + j)}{number}" t="inlineStr"><is><t>{text}</t></is></c>')
    out.append("</row>")
    return "".join(out).encode()


def sheet_xml(rows: list[list[str]], extra: bytes = b"") -> bytes:
    body = b"".join(inline_row(i + 1, r) for i, r in enumerate(rows))
    return SHEET_HEAD + body + extra + SHEET_TAIL


# ---------------------------------------------------------------- zip by hand


class Part:
    """One zip entry, stored as raw deflate: literal bytes or a repeated block."""

    def __init__(self, name: str, head: bytes, block: bytes = b"", times: int = 0, tail=b""):
        self.name = name
        pieces = [_segment(head)]
        if times:
            pieces.append(_segment(block) * times)
        pieces.append(_segment(tail, final=True))
        self.data = b"".join(pieces)
        crc = zlib.crc32(head)
        for _ in range(times):
            crc = zlib.crc32(block, crc)
        self.crc = zlib.crc32(tail, crc)
        self.size = len(head) + len(block) * times + len(tail)


def _segment(data: bytes, final: bool = False) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH
    )


def write_zip(path: Path, parts: list[Part]) -> Path:
    """A zip of deflated entries (sizes under 4 GB: no zip64 needed)."""
    out, central = bytearray(), bytearray()
    for part in parts:
        name = part.name.encode()
        offset = len(out)
        fields = (20, 0x800, 8, 0, 0x21, part.crc, len(part.data), part.size, len(name))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + part.data
        central += (
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIH", *fields)
            + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
            + name
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def workbook_parts(sheets: dict[str, Part], strings: Part | None = None) -> list[Part]:
    """The parts of a workbook whose sheets (name -> sheet part) are given."""
    n = len(sheets)
    overrides = "".join(_SHEET_CT.format(n=i + 1) for i in range(n))
    rels = "".join(_SHEET_REL.format(n=i + 1) for i in range(n))
    if strings is not None:
        overrides += _STRINGS_CT
        rels += _STRINGS_REL
    listed = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, name in enumerate(sheets)
    )
    parts = [
        Part("[Content_Types].xml", _CT.format(overrides=overrides).encode()),
        Part("_rels/.rels", _RELS.encode()),
        Part("xl/workbook.xml", _WORKBOOK.format(sheets=listed).encode()),
        Part("xl/_rels/workbook.xml.rels", _BOOK_RELS.format(rels=rels).encode()),
    ]
    for i, part in enumerate(sheets.values()):
        part.name = f"xl/worksheets/sheet{i + 1}.xml"
        parts.append(part)
    if strings is not None:
        strings.name = "xl/sharedStrings.xml"
        parts.append(strings)
    return parts


def hostile_workbook(path: Path, hostile: Part, strings: Part | None = None) -> Path:
    """A workbook of a hostile sheet "坏表" and the good sign-ins sheet "签到"."""
    good = Part("", sheet_xml(SIGN_INS))
    return write_zip(path, workbook_parts({"坏表": hostile, "签到": good}, strings))


# ---------------------------------------------------------------- the kinds of file


_ROW_BLOCK = b"".join(inline_row(2, ["HD01", "3"]) for _ in range(2000))


def bombs(folder: Path) -> dict[str, str]:
    """Zip bombs of three kinds; file name -> what must be said about it."""
    made = {}
    # 1. a sheet that inflates to ~1.1 GB of rows (declared honestly in the directory)
    rows = Part("", SHEET_HEAD, _ROW_BLOCK, 1_100_000_000 // len(_ROW_BLOCK), SHEET_TAIL)
    write_zip(folder / "炸弹-整表.xlsx", workbook_parts({"签到": rows}))
    made["炸弹-整表.xlsx"] = "file"
    # 1b. 300 MB of rows beside a good sheet: only the bombed sheet is refused
    rows = Part("", SHEET_HEAD, _ROW_BLOCK, 300_000_000 // len(_ROW_BLOCK), SHEET_TAIL)
    hostile_workbook(folder / "炸弹-一张表.xlsx", rows)
    made["炸弹-一张表.xlsx"] = "sheet"
    # 2. one shared string of ~1.1 GB
    text = Part("", b'<sst xmlns="x" count="1" uniqueCount="1"><si><t>', b"A" * (1 << 20), 1050,
                b"</t></si></sst>")  # fmt: skip
    sheet = Part(
        "", sheet_xml([["活动编码", "人数"]], b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    )
    write_zip(folder / "炸弹-共享文字.xlsx", workbook_parts({"签到": sheet}, text))
    made["炸弹-共享文字.xlsx"] = "file"
    # 2b. a 200 KB shared string referred to by 20,000 cells: 4 GB once copied per cell
    text = Part("", b'<sst xmlns="x"><si><t>' + b"B" * 200_000 + b"</t></si></sst>")
    refs = b"".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>'.encode() for r in range(2, 20_002)
    )
    hostile_workbook(folder / "炸弹-引用.xlsx", Part("", SHEET_HEAD + refs + SHEET_TAIL), text)
    made["炸弹-引用.xlsx"] = "sheet"
    # 3. many entries
    many = [Part(f"xl/media/p{i}.xml", b"<a/>") for i in range(12_000)]
    write_zip(
        folder / "炸弹-部件多.xlsx", workbook_parts({"签到": Part("", sheet_xml(SIGN_INS))}) + many
    )
    made["炸弹-部件多.xlsx"] = "file"
    # 3b. a part that is not a sheet, at a ratio of ~1000:1
    zeros = Part("docProps/thumbnail.xml", b"<t>", b"\0" * (1 << 20), 100, b"</t>")
    write_zip(
        folder / "炸弹-高压缩比.xlsx",
        workbook_parts({"签到": Part("", sheet_xml(SIGN_INS))}) + [zeros],
    )
    made["炸弹-高压缩比.xlsx"] = "file"
    return made


# (file name, hostile sheet XML body): cells far away, spelt every way a reader accepts
FAR_CELLS = {
    "远-XFD1048576.xlsx": b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    "远-ZZ1000000.xlsx": b'<row r="1000000"><c r="ZZ1000000"><v>1</v></c></row>',
    "远-小写.xlsx": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "远-属性在后.xlsx": b'<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',
    "远-行号在单元格.xlsx": b'<row r="1"><c r="XFD1048576"><v>1</v></c></row>',
    "远-无引用.xlsx": b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>",
    "远-前缀.xlsx": (
        b'<x:row r="1048576" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
    ),
}  # fmt: skip


def far_cells(folder: Path) -> list[str]:
    for name, body in FAR_CELLS.items():
        hostile = Part("", SHEET_HEAD + inline_row(1, ["活动编码", "人数"]) + body + SHEET_TAIL)
        hostile_workbook(folder / name, hostile)
    return list(FAR_CELLS)


def good_workbook(path: Path, rows: int) -> Path:
    """Sign-ins of HD01 on sheet "签到" (``rows`` data rows) and a title sheet."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("签到")
    sheet.write_row(0, 0, ["活动编码", "参与者编号", "签到时间"])
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, ["HD01", f"P{r:05d}", "2025-03-05 14:30"])
    workbook.add_worksheet("说明").write(0, 0, "签到表")
    workbook.close()
    return path


def good_xls(path: Path, rows: int) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("签到")
    for j, text in enumerate(["活动编码", "参与者编号", "签到时间"]):
        sheet.write(0, j, text)
    for r in range(1, rows + 1):
        for j, text in enumerate(["HD02", f"Q{r:05d}", "2025-03-06"]):
            sheet.write(r, j, text)
    book.save(str(path))
    return path


def truncated(source: Path, folder: Path, count: int, seed: int) -> list[str]:
    data = source.read_bytes()
    rng = random.Random(seed)
    names = []
    for i in range(count):
        cut = rng.randrange(0, len(data))
        name = f"截断-{i:02d}{source.suffix}"
        (folder / name).write_bytes(data[:cut])
        names.append(name)
    return names


def bit_flipped(source: Path, folder: Path, count: int, seed: int) -> list[str]:
    data = source.read_bytes()
    rng = random.Random(seed)
    names = []
    for i in range(count):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        name = f"翻转-{i:02d}{source.suffix}"
        (folder / name).write_bytes(bytes(flipped))
        names.append(name)
    return names


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(64)
HTML = "<html><head><meta charset='utf-8'></head><body><table><tr><td>活动编码</td></tr></table></body></html>".encode()  # fmt: skip


def renamed(folder: Path) -> list[str]:
    names = []
    for kind, data in (("图片", PNG), ("网页", HTML)):
        for suffix in (".xlsx", ".xls", ".csv"):
            name = f"{kind}{suffix}"
            (folder / name).write_bytes(data)
            names.append(name)
    return names


def garbage(folder: Path, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = []
    for i in range(count):
        name = f"乱码-{i:02d}.csv"
        (folder / name).write_bytes(rng.randbytes(rng.randint(1, 4000)))
        names.append(name)
    return names
