"""Hostile files: every one ends with a Chinese message, in bounded memory, and the good
files of the same build still load.

The fuzz corpus (over 300 files, ``hostile_corpus``) is built in three builds, each in
a child process whose address space is capped at 2 GB (``RLIMIT_AS``): a file that
made the reader allocate what it declares (a cell at XFD1048576 asks for 549 GB, a
zip bomb for 14 GB) would kill the child, and the test with it.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import (
    SHEET_HEAD,
    SHEET_TAIL,
    SIGN_INS,
    Part,
    bit_flipped,
    bombs,
    far_cells,
    garbage,
    good_workbook,
    good_xls,
    hostile_workbook,
    inline_row,
    renamed,
    sheet_xml,
    truncated,
)
from import_helpers import AS_OF, copy_base, query, write_csv, write_xlsx
from import_helpers import build as build_in_process

ROOT = Path(__file__).resolve().parent.parent
MEMORY_CAP = 2 << 30
_BUILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from pipelines.cli import main
sys.exit(main(sys.argv[1:]))
"""

# what a message must not contain: an exception's class or an English error text
_ENGLISH = re.compile(
    r"[A-Za-z]+(?:Error|Exception)\b|Traceback|\berror\b|\bfailed\b|panicked|Errno|os error",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(message: str | None) -> bool:
    return bool(message) and bool(_CJK.search(message)) and not _ENGLISH.search(message)


def build_capped(src: Path, db: Path) -> dict:
    """``wenming build SRC --json`` in a child capped at 2 GB; the manifest."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _BUILD.format(cap=MEMORY_CAP),
            "build",
            str(src),
            "--db",
            str(db),
            "--as-of",
            AS_OF,
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    return json.loads(child.stdout)


def unheard(manifest: dict) -> list[str]:
    """Files, sheets and rejects whose outcome is not told in Chinese."""
    bad = []
    for entry in manifest["files"]:
        status = entry["status"]
        if status == "unreadable" and not is_chinese(entry["error"]):
            bad.append(f"{entry['file']}: {entry['error']}")
        if status == "unrecognised" and not is_chinese(entry["hint"]):
            bad.append(f"{entry['file']}: {entry['hint']}")
        for sheet in entry.get("sheets", []):
            said = sheet.get("error") or sheet.get("hint")
            if sheet["status"] in ("unreadable", "unrecognised") and not is_chinese(said):
                bad.append(f"{entry['file']} {sheet['sheet']}: {said}")
    bad += [
        f"{r['file']} {r['row']}: {r['reason']}"
        for r in manifest["rejects"]
        if not is_chinese(r["reason"])
    ]
    return bad


def assert_every_row_accounted(manifest: dict) -> None:
    for table, t in manifest["tables"].items():
        assert t["rows"] == t["loaded"] + t["duplicates"] + t["rejected"], table


def loaded_from(db: Path, name: str) -> int:
    return query(db, "SELECT count(*) FROM attendance WHERE source_file = ?", [name])[0][0]


def entry(manifest: dict, name: str) -> dict:
    return next(f for f in manifest["files"] if f["file"] == name)


def sheet(manifest: dict, name: str, sheet_name: str) -> dict:
    return next(s for s in entry(manifest, name)["sheets"] if s["sheet"] == sheet_name)


# ---------------------------------------------------------------- the corpus, in three builds


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Bombs, far-away cells, broken and foreign workbooks, beside a good one."""
    src = copy_base(tmp_path_factory.mktemp("workbooks") / "src")
    good_workbook(src / "00-好-签到.xlsx", rows=40)
    source = good_workbook(src.parent / "source.xlsx", rows=6)
    names = truncated(source, src, 85, seed=1) + bit_flipped(source, src, 85, seed=2)
    made = bombs(src)
    names += list(made) + far_cells(src) + renamed(src)
    wide = ["活动编码", "人数"] + [f"备注{j}" for j in range(9_998)]
    write_xlsx(src / "宽-一万列.xlsx", {"签到": [wide, ["HD01", 5], ["HD02", 6]]})
    (src / "空.xlsx").write_bytes(b"")
    write_xlsx(src / "空表.xlsx", {"Sheet1": []})
    write_xlsx(src / "只有表头.xlsx", {"签到": [["活动编码", "人数"]]})
    long_cell = "长" * 40_000
    rows = [["活动编码", "参与者编号"], ["HD01", "P1"], ["HD01", long_cell], ["HD02", "P2"]]
    body = b"".join(inline_row(i + 1, r) for i, r in enumerate(rows))
    hostile_workbook(src / "超长单元格.xlsx", Part("", SHEET_HEAD + body + SHEET_TAIL))
    names += ["宽-一万列.xlsx", "空.xlsx", "空表.xlsx", "只有表头.xlsx", "超长单元格.xlsx"]
    db = src.parent / "w.duckdb"
    return build_capped(src, db), db, names, made


@pytest.fixture(scope="module")
def xls_files(tmp_path_factory):
    src = copy_base(tmp_path_factory.mktemp("xls") / "src")
    good_xls(src / "00-好-签到.xls", rows=25)
    source = good_xls(src.parent / "source.xls", rows=5)
    names = truncated(source, src, 15, seed=3) + bit_flipped(source, src, 15, seed=4)
    (src / "空.xls").write_bytes(b"")
    names.append("空.xls")
    db = src.parent / "w.duckdb"
    return build_capped(src, db), db, names


# (file, rows as written); ragged rows: wider and narrower than the header
def _ragged(seed: int) -> list[list[str]]:
    import random

    rng = random.Random(seed)
    rows = [["活动编码", "参与者编号", "人数"]]
    for i in range(12):
        row = ["HD01", f"R{seed:02d}{i:02d}", ""]
        shape = rng.choice(["same", "wider-empty", "wider-filled", "narrower"])
        if shape == "wider-empty":
            row += [""] * rng.randint(1, 3)
        elif shape == "wider-filled":
            row += [rng.choice(["", " "]) for _ in range(rng.randint(0, 2))] + ["多出"]
        elif shape == "narrower":
            row = row[: rng.randint(1, 2)]
        rows.append(row)
    return rows


RAGGED = {f"参差-{seed:02d}.csv": _ragged(seed) for seed in range(40)}
# the first data row is wider than the header: a trailing comma, then a filled cell
RAGGED["参差-首行逗号.csv"] = [["活动编码", "人数"], ["HD01", "3", ""], ["HD02", "4"]]
RAGGED["参差-首行多列.csv"] = [["活动编码", "人数"], ["HD01", "3", "多"], ["HD02", "4"]]


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory):
    src = copy_base(tmp_path_factory.mktemp("csv") / "src")
    write_csv(
        src / "00-好-签到.csv", [["活动编码", "人数"]] + [["HD02", str(n)] for n in range(1, 31)]
    )
    names = garbage(src, 60, seed=5)
    for name, rows in RAGGED.items():
        write_csv(src / name, rows)
    huge = [
        ["活动编码", "参与者编号"],
        ["HD01", "P1"],
        ["HD01", "长" * 40_000],
        ["HD01", "9" * (5 << 20)],
        ["HD02", "P2"],
    ]
    write_csv(src / "超长单元格.csv", huge)
    (src / "空.csv").write_bytes(b"")
    (src / "只有BOM.csv").write_bytes(codecs.BOM_UTF8)
    write_csv(src / "只有表头.csv", [["活动编码", "人数"]])
    names += list(RAGGED) + ["超长单元格.csv", "空.csv", "只有BOM.csv", "只有表头.csv"]
    db = src.parent / "w.duckdb"
    return build_capped(src, db), db, names


def test_the_corpus_holds_over_three_hundred_files(workbooks, xls_files, csv_files):
    assert len(workbooks[2]) + len(xls_files[2]) + len(csv_files[2]) >= 300


@pytest.mark.parametrize("corpus", ["workbooks", "xls_files", "csv_files"])
def test_every_hostile_file_ends_with_a_chinese_message(corpus, request):
    manifest, _db, names, *_ = request.getfixturevalue(corpus)
    listed = {f["file"] for f in manifest["files"]}
    assert set(names) <= listed
    assert unheard(manifest) == []
    assert_every_row_accounted(manifest)


@pytest.mark.parametrize("corpus, rows", [("workbooks", 40), ("xls_files", 25), ("csv_files", 30)])
def test_good_files_beside_hostile_ones_load_every_row(corpus, rows, request):
    manifest, db, *_ = request.getfixturevalue(corpus)
    good = next(f for f in manifest["files"] if f["file"].startswith("00-好-"))
    assert good["status"] == "loaded"
    assert loaded_from(db, good["file"]) == rows
    assert manifest["tables"]["activities"]["loaded"] == 2  # the base ledgers, whole


def test_a_broken_xls_is_called_broken_not_too_big(xls_files):
    # a truncated .xls makes calamine panic; the child reports a broken file
    manifest, *_ = xls_files
    said = {
        f["error"] for f in manifest["files"] if f["status"] == "unreadable" and "截断" in f["file"]
    }
    assert said == {
        "不是有效的 Excel 文件（可能已损坏、未下载完整，或是网页导出的“伪 .xls”）："
        "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
    }


def test_a_zip_bomb_is_refused_before_it_is_inflated(workbooks):
    manifest, db, _, made = workbooks
    for name, scope in made.items():
        if scope == "file":
            assert entry(manifest, name)["status"] == "unreadable", name
        else:  # only the bombed sheet is refused; the sign-ins beside it load
            assert sheet(manifest, name, "坏表")["status"] == "unreadable", name
            assert sheet(manifest, name, "签到")["rows"] == len(SIGN_INS) - 1, name
    said = entry(manifest, "炸弹-整表.xlsx")["error"]
    # 1,100,000,000 bytes of XML declared in the zip directory, 1 MB = 2**20 bytes
    assert said.startswith(f"文件解压后达 {round(1_100_000_000 / 2**20):,} MB，超过上限 1,024 MB")


@pytest.mark.parametrize(
    "name",
    [
        "远-XFD1048576.xlsx",
        "远-ZZ1000000.xlsx",
        "远-小写.xlsx",
        "远-属性在后.xlsx",
        "远-行号在单元格.xlsx",
        "远-无引用.xlsx",
        "远-前缀.xlsx",
    ],
)
def test_a_cell_far_away_refuses_its_sheet_and_keeps_the_others(workbooks, name):
    manifest, *_ = workbooks
    refused = sheet(manifest, name, "坏表")
    assert refused["status"] == "unreadable"
    assert "使用范围达到 A1:" in refused["error"] and "请删除表格外多余的单元格" in refused["error"]
    assert sheet(manifest, name, "签到")["rows"] == 2


def test_the_far_cell_message_names_the_corner_and_the_count(workbooks):
    manifest, *_ = workbooks
    said = sheet(manifest, "远-XFD1048576.xlsx", "坏表")["error"]
    # 16,384 columns (A..XFD) times 1,048,576 rows
    assert f"A1:XFD1048576（{16_384 * 1_048_576:,} 个单元格）" in said


def test_a_workbook_ten_thousand_columns_wide_loads(workbooks):
    manifest, *_ = workbooks
    assert sheet(manifest, "宽-一万列.xlsx", "签到")["rows"] == 2


def test_an_over_long_workbook_cell_rejects_its_row_only(workbooks):
    manifest, db, *_ = workbooks
    [reject] = [r for r in manifest["rejects"] if r["file"] == "超长单元格.xlsx"]
    assert (reject["row"], reject["reason_code"]) == (3, "cell_too_long")
    assert "40,000 个字符" in reject["reason"]
    shown = reject["raw"]["参与者编号"]
    assert shown.startswith("长" * 200) and len(shown) < 300
    assert sheet(manifest, "超长单元格.xlsx", "坏表")["rows"] == 3


def test_a_csv_row_wider_than_its_header_is_rejected_with_its_extra_cells(csv_files):
    manifest, *_ = csv_files
    for name, rows in RAGGED.items():
        expected = {
            n
            for n, row in enumerate(rows[1:], start=2)
            if any(c.strip() for c in row[len(rows[0]) :])
        }
        got = {
            r["row"]
            for r in manifest["rejects"]
            if r["file"] == name and r["reason_code"] == "extra_cells"
        }
        assert got == expected, name
        assert entry(manifest, name)["rows"] == len(rows) - 1, name
    [reject] = [r for r in manifest["rejects"] if r["file"] == "参差-首行多列.csv"]
    assert reject["raw"] == {"活动编码": "HD01", "人数": "3", "第3列": "多"}
    assert "多出 1 个有内容的单元格（从第3列起）" in reject["reason"]


def test_over_long_csv_cells_reject_their_rows_and_keep_the_rest(csv_files):
    manifest, db, *_ = csv_files
    got = {
        (r["row"], r["reason_code"]) for r in manifest["rejects"] if r["file"] == "超长单元格.csv"
    }
    assert got == {(3, "cell_too_long"), (4, "cell_too_long")}
    assert loaded_from(db, "超长单元格.csv") == 2
    stored = json.dumps(manifest, ensure_ascii=False)
    assert "9" * 1000 not in stored  # the 5 MB cell is shown cut, not copied


def test_csv_files_with_only_a_header_load_nothing_and_say_nothing_wrong(csv_files):
    manifest, *_ = csv_files
    assert (entry(manifest, "只有表头.csv")["status"], entry(manifest, "只有表头.csv")["rows"]) == (
        "loaded",
        0,
    )


# ---------------------------------------------------------------- mixed encodings


@pytest.mark.parametrize(
    "main, odd, bom, said",
    [
        ("gbk", "utf-8", b"", "混有其他编码（UTF-8）的文字，与文件其余部分（GBK/GB18030）不一致"),
        ("utf-8", "gbk", b"", "混有其他编码（GBK/GB18030）的文字，与文件其余部分（UTF-8）不一致"),
        ("utf-8", "gbk", codecs.BOM_UTF8, "混有其他编码（GBK/GB18030）"),
    ],
    ids=["utf8-line-in-gbk", "gbk-line-in-utf8", "gbk-line-in-utf8-with-bom"],
)
def test_a_line_in_another_encoding_is_rejected_and_the_others_load(tmp_path, main, odd, bom, said):
    src = copy_base(tmp_path / "src")
    lines = [
        ("活动编码,参与者编号,人群类别", main),
        ("HD01,P1,老年人", main),
        ("HD01,P2,青少年", odd),
        ("HD02,P3,残疾人", main),
        ("HD02,P4,困难群众", main),
    ]
    data = bom + b"".join(text.encode(enc) + b"\r\n" for text, enc in lines)
    (src / "签到.csv").write_bytes(data)
    db = tmp_path / "w.duckdb"
    manifest = build_in_process(src, db=db)
    [reject] = manifest["rejects"]
    assert (reject["row"], reject["reason_code"]) == (3, "mixed_encoding")
    assert said in reject["reason"]
    assert reject["raw"]["人群类别"] == "青少年"  # shown as written, not as mojibake
    groups = query(db, "SELECT person_group FROM attendance ORDER BY source_row")
    assert groups == [("老年人",), ("残疾人",), ("困难群众",)]


# ---------------------------------------------------------------- temporary copies


def test_a_failed_transcode_leaves_no_copy_of_the_raw_ledger(tmp_path, monkeypatch):
    import tempfile

    from pipelines.build import build, cache_dir

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-temp"))
    (tmp_path / "system-temp").mkdir()
    src = copy_base(tmp_path / "src")
    phones = "".join(f"HD01,1380013{n:04d}\r\n" for n in range(2000)).encode("gbk")
    # a byte GB18030 cannot decode, on the last line, after 120,000 phone numbers
    body = "活动编码,参与者编号\r\n".encode("gbk") + phones * 60 + b"HD01,\x80\xff\r\n"
    (src / "签到.csv").write_bytes(body)
    db = tmp_path / "w.duckdb"

    manifest = build([src], db)

    assert entry(manifest, "签到.csv")["status"] == "unreadable"
    assert is_chinese(entry(manifest, "签到.csv")["error"])
    assert list((tmp_path / "system-temp").iterdir()) == []
    cache = cache_dir(db)
    assert [p for p in cache.rglob("*") if "transcode" in str(p.relative_to(cache))] == []


def test_a_build_sweeps_copies_a_killed_build_left_behind(tmp_path):
    from pipelines.build import build, cache_dir
    from pipelines.stage import scratch_dir

    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    stale = scratch_dir(cache_dir(db)) / "transcode-killed.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("活动编码,参与者编号\nHD01,13800138000\n", encoding="utf-8")

    build([src], db)

    assert not scratch_dir(cache_dir(db)).exists()


def test_a_ledger_the_build_may_not_read_is_reported_and_the_rest_loads(tmp_path, monkeypatch):
    # (the tests run as root, who may read anything: the refusal is injected)
    from pipelines import read
    from pipelines.build import build

    src = copy_base(tmp_path / "src")
    write_csv(src / "签到.csv", [["活动编码", "人数"], ["HD01", "3"]])
    hashed, opened = read.file_sha256, read.read_source

    def denied(real):
        def check(path, *args, **kwargs):
            if path.name == "签到.csv":
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        return check

    monkeypatch.setattr(read, "file_sha256", denied(hashed))
    monkeypatch.setattr(read, "read_source", denied(opened))
    manifest = build([src], tmp_path / "w.duckdb")

    assert entry(manifest, "签到.csv") == {
        "file": "签到.csv",
        "status": "unreadable",
        "rows": 0,
        "error": "没有读取这个文件的权限：请检查文件权限（或关闭正在占用它的程序）后重新构建",
    }
    assert manifest["tables"]["activities"]["loaded"] == 2

    # once the file may be read, the next build reads it: the refusal was not cached
    monkeypatch.undo()
    manifest = build([src], tmp_path / "w.duckdb")
    assert entry(manifest, "签到.csv")["status"] == "loaded"
    digest = hashlib.sha256((src / "签到.csv").read_bytes()).hexdigest()
    assert query(
        tmp_path / "w.duckdb", "SELECT sha256 FROM source_files WHERE file = '签到.csv'"
    ) == [(digest,)]


# ---------------------------------------------------------------- readers, directly


def test_reading_an_xls_that_needs_more_memory_than_allowed_is_refused_in_chinese(tmp_path):
    import dataclasses

    import xlwt

    from pipelines import preflight
    from pipelines.settings import config

    book = xlwt.Workbook()
    book.add_sheet("远").write(65_535, 255, "x")  # a dense grid of 16.7 million cells
    path = tmp_path / "远.xls"
    book.save(str(path))
    tight = dataclasses.replace(config(), max_read_memory_mb=256)
    with pytest.raises(preflight.Refused) as refused:
        preflight.read_xls_grids(path, tight)
    assert is_chinese(str(refused.value)) and "256 MB" in str(refused.value)


def test_a_lying_dimension_does_not_refuse_a_small_sheet(tmp_path):
    from pipelines import preflight
    from pipelines.settings import config

    body = (
        SHEET_HEAD.replace(b'ref="A1"', b'ref="A1:XFD1048576"')
        + inline_row(1, ["活动编码", "人数"])
        + SHEET_TAIL
    )
    path = hostile_workbook(tmp_path / "谎报范围.xlsx", Part("", body))
    assert preflight.check_xlsx(path, config()).refused_sheets == {}


def test_a_worksheet_part_no_relationship_names_is_checked_too(tmp_path):
    from hostile_corpus import workbook_parts, write_zip

    from pipelines import preflight
    from pipelines.settings import config

    far = SHEET_HEAD + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + SHEET_TAIL
    parts = workbook_parts({"签到": Part("", sheet_xml(SIGN_INS))})
    path = write_zip(tmp_path / "暗藏.xlsx", [*parts, Part("xl/worksheets/sheet9.xml", far)])
    with pytest.raises(preflight.Refused) as refused:
        preflight.check_xlsx(path, config())
    assert "使用范围达到 A1:XFD1048576" in str(refused.value)


def test_limits_come_from_the_limits_table_of_the_configuration(tmp_path, monkeypatch):
    from pipelines.settings import config

    toml = tmp_path / "wenming.toml"
    toml.write_text("[limits]\nmax_sheet_cells = 1000\nmax_zip_ratio = 50\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(toml))
    assert (config().max_sheet_cells, config().max_zip_ratio) == (1000, 50)
    assert config().max_unzipped_mb == 1024  # the default where none is given


def test_a_sheet_beyond_a_configured_area_is_refused_with_that_limit(tmp_path, monkeypatch):
    from pipelines.build import build

    toml = tmp_path / "wenming.toml"
    toml.write_text("[limits]\nmax_sheet_cells = 100\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(toml))
    src = copy_base(tmp_path / "src")
    # 51 rows by 2 columns = 102 cells
    write_xlsx(
        src / "签到.xlsx", {"签到": [["活动编码", "人数"]] + [["HD01", n] for n in range(1, 51)]}
    )
    manifest = build([src], tmp_path / "w.duckdb")
    said = entry(manifest, "签到.xlsx")["error"]
    assert "A1:B51（102 个单元格），超过上限 100 个单元格" in said
