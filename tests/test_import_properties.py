"""Property-based tests of reading and staging: hostile ledgers end as rows, never as a crash.

Hypothesis writes ledgers the way a careless or hostile sender might: any of the three
encodings, headers in any order under any of their aliases (or no header at all), cells
of invisible characters, huge and negative numbers, NaN, dates out of range, 10,000
characters, phone and ID-card numbers in odd spellings, and rows with delimiters added or
missing. Each example is built beside the base ledgers; then, whatever was sent:

- the build returns a manifest (no exception escapes);
- per table, rows == loaded + duplicates + rejected;
- every reason is one of ``pipelines.reasons``' Chinese templates, filled in;
- no phone or ID-card number of the input appears, however spelled, in any stored byte:
  everything the build left beside the sources (the warehouse, every column of every
  table; the cache, its Parquet parts and index; any other file), the manifest, and the
  system temp folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import BASE

from pipelines.build import build, cache_dir
from pipelines.contract import TABLE_SPECS, strip_invisible
from pipelines.reasons import REASONS

AS_OF = dt.datetime(2025, 12, 31, 23, 59, 59)
SALT = "property-salt"
CJK = re.compile(r"[\u4e00-\u9fff]")

# what a column holds when the sender got it right (the base ledgers hold HD01, HD02,
# Z01, Z02, D01, PP01, DD01)
VALID: dict[str, list[str]] = {
    "activity_id": ["HD01", "HD02", "HD03", "HD77"],
    "title": ["宣讲活动", "义诊进村"],
    "unit_id": ["Z01", "Z02", "D01", "Z99"],
    "brand_id": ["", "PP01"],
    "category": ["理论宣讲", "义诊", "宣讲"],
    "start_at": ["2025-03-05 14:30", "2025/3/6", "2025年3月7日"],
    "end_at": ["", "2025-03-05 16:30"],
    "source": ["", "自主开展"],
    "order_id": ["", "DD01"],
    "volunteer_count": ["3", "0"],
    "volunteer_hours": ["6.5", "10"],
    "target_group": ["群众", "老年人"],
    "reported_person_times": ["120", "35"],
    "location": ["文化馆", ""],
    "person_id": ["P001", "P002", ""],
    "headcount": ["", "1", "30"],
    "checked_in_at": ["2025-03-05 14:20", ""],
    "group": ["老年人", ""],
    "role": ["群众", "志愿者", ""],
    "rater_id": ["R001", "R002", ""],
    "score": ["5", "★★★★☆", "满意"],
    "comment": ["很好", ""],
    "rated_at": ["2025-03-06", ""],
    "service_hours": ["", "2.5", "24"],
}
INVISIBLES = ["\u200b", "\ufeff", "\u200e", "\u202e", "\u2060", "\u00ad", "\u3164", "\u200d"]
FIXED_GARBAGE = [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "−5",
    "0000-01-01",
    "-2025-01-01",
    "9999-12-31",
    "1948-12-31",
    "2027-01-01",
    "99999",
    "长" * 10_000,
    "x" * 10_000,
    "合计",
]
# how a phone or ID-card number may be written ({} is the bare number)
PHONE_SPELLINGS = [
    "{}",
    "0086{}",
    "+86 {}",
    "({p3}){p4}-{p5}",
    "{p3}.{p4}.{p5}",
    "tel:{}",
    "{p3}\u200b{p4}{p5}",
    "{p3} {p4} {p5}",
    "１{rest_full}",
]
ID_SPELLINGS = ["{}", "{i6} {i8} {i4}", "{i6}-{i8}-{i4}", "{i14}\u200b{i4}"]


@dataclass
class Cell:
    text: str
    numbers: list[str] = field(default_factory=list)  # personal numbers, canonical


@st.composite
def phones(draw) -> Cell:
    number = (
        "1"
        + str(draw(st.integers(3, 9)))
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    )
    spelling = draw(st.sampled_from(PHONE_SPELLINGS))
    full = "".join(chr(ord(c) + 0xFEE0) for c in number[1:])
    text = spelling.format(number, p3=number[:3], p4=number[3:7], p5=number[7:], rest_full=full)
    return Cell(text, [number])


@st.composite
def id_cards(draw) -> Cell:
    region = str(draw(st.integers(110000, 659999)))
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31))).strftime("%Y%m%d")
    tail = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=3, max_size=3)))
    number = region + born + tail + draw(st.sampled_from("0123456789X"))
    spelling = draw(st.sampled_from(ID_SPELLINGS))
    text = spelling.format(number, i6=number[:6], i8=number[6:14], i4=number[14:], i14=number[:14])
    return Cell(text, [number])


personal = st.one_of(phones(), id_cards())


@st.composite
def cells(draw, key: str) -> Cell:
    kind = draw(st.integers(0, 11))
    valid = draw(st.sampled_from(VALID[key]))
    if kind <= 4:
        return Cell(valid)
    if kind == 5:  # a valid value with invisible characters in it
        chars = list(valid)
        for _ in range(draw(st.integers(1, 3))):
            chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(INVISIBLES)))
        return Cell("".join(chars))
    if kind == 6:
        return Cell(str(draw(st.integers(2**31 - 2, 10**30))))
    if kind == 7:
        return Cell(str(draw(st.integers(-(10**30), -1))))
    if kind == 8:
        return Cell(draw(st.sampled_from(FIXED_GARBAGE)))
    if kind == 9:
        found = draw(personal)
        before, after = draw(st.sampled_from([("", ""), ("联系", "报名"), ("电话：", "。")]))
        return Cell(before + found.text + after, found.numbers)
    if kind == 10:
        return Cell("".join(draw(st.lists(st.sampled_from(INVISIBLES), min_size=1, max_size=4))))
    return Cell(draw(st.text(max_size=12)))


MIXED = "gb18030 with a utf-8 line"


@dataclass
class Ledger:
    name: str
    rows: list[list[str]]
    encoding: str
    numbers: list[str]


def _header(draw, key: str, table: str) -> str:
    col = TABLE_SPECS[table].column(key)
    name = draw(st.sampled_from([col.zh, *col.aliases, col.key]))
    return draw(
        st.sampled_from(["{}", "{}（必填）", " {} ", "{}*", "{}\u200b", "\ufeff{}"])
    ).format(name)


@st.composite
def ledgers(draw, index: int) -> Ledger:
    table = draw(st.sampled_from(["activities", "attendance", "ratings"]))
    spec = TABLE_SPECS[table]
    optional = [c.key for c in spec.columns if not c.required]
    keys = [*spec.required, *draw(st.lists(st.sampled_from(optional), unique=True, max_size=4))]
    keys = draw(st.permutations(keys))
    numbers: list[str] = []
    header = [_header(draw, key, table) for key in keys]
    if draw(st.booleans()):  # a free column, its header maybe holding a number
        note = draw(st.one_of(st.just(Cell("备注")), personal))
        header.append(note.text)
        numbers += note.numbers
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = []
        for key in keys:
            cell = draw(cells(key))
            row.append(cell.text)
            numbers += cell.numbers
        if len(header) > len(keys):
            cell = draw(st.one_of(st.just(Cell("")), personal))
            row.append(cell.text)
            numbers += cell.numbers
        change = draw(st.integers(-2, 2))  # delimiters added or missing
        row = row + [""] * change if change > 0 else row[: len(row) + change or None]
        rows.append(row)
    if draw(st.integers(0, 5)) > 0:
        rows.insert(0, header)
    elif not numbers:  # a header-less file whose first row is a phone and an ID
        first = [draw(phones()), draw(id_cards())]
        rows.insert(0, [c.text for c in first])
        numbers += [n for c in first for n in c.numbers]
    fmt = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", MIXED, "xlsx"]))
    return Ledger(f"{index}-{table}", rows, fmt, numbers)


def _write(folder: Path, ledger: Ledger) -> None:
    if ledger.encoding == "xlsx":
        workbook = xlsxwriter.Workbook(str(folder / f"{ledger.name}.xlsx"))
        sheet = workbook.add_worksheet("台账")
        for r, row in enumerate(ledger.rows):
            for c, text in enumerate(row):
                if text:
                    sheet.write_string(r, c, text)
        workbook.close()
        return
    if ledger.encoding == MIXED:  # a GBK file whose last record was pasted in as UTF-8
        *gbk, pasted = ledger.rows
        data = _csv_text(gbk).encode("gb18030") + _csv_text([pasted]).encode("utf-8")
    else:
        data = _csv_text(ledger.rows).encode(ledger.encoding)
    (folder / f"{ledger.name}.csv").write_bytes(data)


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- what was stored


def _canonical(text: str) -> str:
    """Stored text as the detector sees numbers: no invisible characters, NFKC, no separators.
    NUL is invisible too; dropping it first is the same result, only quicker on a
    warehouse file's bytes, which are mostly NUL."""
    text = unicodedata.normalize("NFKC", strip_invisible(text.replace("\0", ""))).upper()
    return re.sub(r"[\s\-.()/·]", "", text)


def _warehouse_texts(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        texts = []
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            columns = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            for column in columns:
                rows = con.execute(f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall()
                texts += [v for (v,) in rows if v is not None]
        return texts
    finally:
        con.close()


def _stored_texts(folder: Path, skip: Path | None = None) -> list[str]:
    """Every text a build left in ``folder`` (the sources in ``skip`` aside): each column
    of a warehouse and of a Parquet part (both compress, so bytes alone could hide a
    number), and every file's bytes as text."""
    texts = []
    for path in folder.rglob("*"):
        if not path.is_file() or (skip is not None and path.is_relative_to(skip)):
            continue
        if path.suffix == ".duckdb":
            texts += _warehouse_texts(path)
        elif path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            for column in frame.columns:
                texts += [str(v) for v in frame[column].to_list() if v is not None]
        texts.append(path.read_bytes().decode("utf-8", "replace"))
    return texts


def _template(code: str) -> re.Pattern:
    parts = [re.escape(p) for p in REASONS[code].split("{}")]
    return re.compile(".*".join(parts), re.S)


TEMPLATES = {code: [_template(code)] for code in REASONS}
# a reference to a row that was itself rejected keeps the code of a missing one (stable
# codes) and says why in its text
for missing, rejected in (
    ("unknown_unit", "unit_rejected"),
    ("unknown_parent", "parent_rejected"),
    ("unknown_activity", "activity_rejected"),
):
    TEMPLATES[missing].append(_template(rejected))


# ---------------------------------------------------------------- the property


@pytest.fixture(scope="module")
def private_temp(tmp_path_factory):
    """The system temp folder, for this module a private one that can be inspected."""
    folder = tmp_path_factory.mktemp("system-temp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WENMING_SALT", SALT)
        mp.setattr(tempfile, "tempdir", str(folder))
        yield folder


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    sent=st.lists(st.integers(0, 10**6), min_size=1, max_size=2).flatmap(
        lambda seeds: st.tuples(*(ledgers(i) for i in range(len(seeds))))
    )
)
def test_hostile_ledgers_end_as_counted_rows_with_chinese_reasons_and_no_raw_numbers(
    sent, private_temp, tmp_path_factory
):
    work = tmp_path_factory.mktemp("example")
    src = work / "src"
    shutil.copytree(BASE, src)
    for ledger in sent:
        _write(src, ledger)
    db = work / "w.duckdb"

    manifest = build([src], db, as_of=AS_OF)

    for table, t in manifest["tables"].items():
        assert t["rows"] == t["loaded"] + t["duplicates"] + t["rejected"], table
    for reject in manifest["rejects"]:
        assert CJK.search(reject["reason"]), reject
        assert any(t.fullmatch(reject["reason"]) for t in TEMPLATES[reject["reason_code"]]), reject
    for entry in manifest["files"]:
        for said in (entry.get("error"), entry.get("hint")):
            assert said is None or CJK.search(said), entry
    numbers = {n for ledger in sent for n in ledger.numbers}
    assert cache_dir(db).is_dir()  # the cache is among what is searched
    stored = [
        *_stored_texts(work, skip=src),
        json.dumps(manifest, ensure_ascii=False),
        *_stored_texts(private_temp),
    ]
    for text in stored:
        canonical = _canonical(text)
        leaked = [n for n in numbers if n in canonical]
        assert not leaked, (leaked, text[:300])
    shutil.rmtree(work)
