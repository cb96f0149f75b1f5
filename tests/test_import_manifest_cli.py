"""The build's manifest and command line: counts that add up, the schema, exit codes."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from import_helpers import (
    AS_OF,
    MIXED_COUNTS,
    SCHEMA,
    TABLES,
    build,
    copy_base,
    counts,
    file_entry,
    query,
    rejects,
    run_cli,
    write_csv,
    write_mixed,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The mixed ledgers (every kind of row and file) built once: (manifest, db)."""
    tmp = tmp_path_factory.mktemp("mixed")
    src = write_mixed(tmp / "src")
    db = tmp / "w.duckdb"
    return build(src, db=db), db


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize("table", TABLES)
def test_every_input_row_is_loaded_a_duplicate_or_rejected(mixed, table):
    manifest, db = mixed
    rows, loaded, duplicates, rejected = counts(manifest, table)
    assert (rows, loaded, duplicates, rejected) == MIXED_COUNTS[table]
    assert rows == loaded + duplicates + rejected
    assert query(db, f"SELECT count(*) FROM {table}") == [(loaded,)]
    assert query(db, "SELECT count(*) FROM rejects WHERE table_name = ?", [table]) == [(rejected,)]
    assert len(rejects(manifest, table)) == rejected


def test_files_report_how_each_was_read(mixed):
    manifest, _ = mixed
    assert [(f["file"], f["status"], f["rows"]) for f in manifest["files"]] == [
        ("01-阵地.csv", "loaded", 7),
        ("02-区划.csv", "loaded", 5),
        ("03-品牌项目.csv", "loaded", 2),
        ("04-点单.csv", "loaded", 3),
        ("05-台账.xlsx", "loaded", 14),
        ("06-活动-补报.csv", "loaded", 3),
        ("07-目标.csv", "loaded", 4),
        ("08-花名册.csv", "needs_mapping", 0),
        ("09-损坏.xlsx", "unreadable", 0),
        ("10-台账-重发.xlsx", "duplicate_file", 0),
    ]
    assert [
        (s["sheet"], s["table"], s["status"], s["rows"])
        for s in file_entry(manifest, "05-台账.xlsx")["sheets"]
    ] == [
        ("活动", "activities", "loaded", 4),
        ("签到", "attendance", "loaded", 6),
        ("评价", "ratings", "loaded", 4),
        ("说明", None, "empty", 0),
    ]
    assert file_entry(manifest, "08-花名册.csv")["headers"] == ["姓名", "性别", "备注"]
    assert file_entry(manifest, "10-台账-重发.xlsx")["duplicate_of"] == "05-台账.xlsx"
    # a file's rows are the input rows of its tables: loaded files only, re-sent copy excluded
    assert sum(f["rows"] for f in manifest["files"]) == sum(c[0] for c in MIXED_COUNTS.values())


def test_rejects_say_where_and_why(mixed):
    manifest, _ = mixed
    assert [
        (r["table"], r["file"], r["sheet"], r["row"], r["reason_code"]) for r in manifest["rejects"]
    ] == [
        ("units", "01-阵地.csv", None, 9, "bad_enum"),
        ("divisions", "02-区划.csv", None, 6, "bad_division_code"),
        ("brands", "03-品牌项目.csv", None, 3, "unknown_unit"),
        ("orders", "04-点单.csv", None, 4, "times_out_of_order"),
        ("activities", "05-台账.xlsx", "活动", 6, "start_after_as_of"),
        ("activities", "06-活动-补报.csv", None, 3, "conflict"),
        ("activities", "06-活动-补报.csv", None, 4, "unknown_unit"),
        ("attendance", "05-台账.xlsx", "签到", 7, "unknown_activity"),
        ("ratings", "05-台账.xlsx", "评价", 5, "bad_score"),
        ("targets", "07-目标.csv", None, 5, "missing_required"),
    ]
    conflict = next(r for r in manifest["rejects"] if r["reason_code"] == "conflict")
    assert conflict["kept_from"] == {"file": "05-台账.xlsx", "sheet": "活动", "row": 5}
    assert conflict["raw"] == {
        "活动编码": "HD03",
        "活动名称": "四点半智慧课堂",
        "阵地编码": "D01",
        "服务类别": "教育服务",
        "开始时间": "2025-03-08",
    }
    assert all(r["kept_from"] is None for r in manifest["rejects"] if r is not conflict)
    assert all(CHINESE.search(r["reason"]) for r in manifest["rejects"])


def test_warehouse_keeps_the_manifest_it_printed(mixed):
    manifest, db = mixed
    [(as_of, stored)] = query(db, "SELECT as_of, manifest_json FROM manifest")
    assert json.loads(stored) == manifest
    assert manifest["as_of"] == "2025-12-31 23:59:59" == str(as_of)
    assert query(db, "SELECT count(*) FROM source_files WHERE status = 'duplicate_file'") == [(1,)]


# ---------------------------------------------------------------- schema


def _validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_manifest_validates_against_its_schema(mixed, tmp_path):
    manifest, _ = mixed
    _validator().validate(manifest)
    small = build(copy_base(tmp_path / "src", "units"), db=tmp_path / "w.duckdb")
    _validator().validate(small)


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda m: m["tables"].pop("ratings"), id="a-table-missing"),
        pytest.param(lambda m: m["tables"]["units"].update(rows=-1), id="negative-count"),
        pytest.param(lambda m: m["files"][0].update(status="ok"), id="unknown-file-status"),
        pytest.param(
            lambda m: m["rejects"][0].update(reason_code="oops"), id="unknown-reason-code"
        ),
        pytest.param(lambda m: m["rejects"][0].update(row=0), id="row-zero"),
        pytest.param(
            lambda m: m["rejects"][5].update(kept_from=None), id="conflict-without-kept-from"
        ),
        pytest.param(lambda m: m["files"][8].pop("error"), id="unreadable-without-error"),
        pytest.param(lambda m: m["files"][9].pop("duplicate_of"), id="duplicate-without-original"),
        pytest.param(lambda m: m.update(as_of="2025-12-31T23:59:59"), id="as-of-with-t"),
    ],
)
def test_schema_rejects_a_manifest_of_the_wrong_shape(mixed, break_it):
    manifest = copy.deepcopy(mixed[0])
    break_it(manifest)
    assert list(_validator().iter_errors(manifest))


# ---------------------------------------------------------------- the command line


def test_json_flag_prints_the_manifest_and_nothing_else(tmp_path):
    src = copy_base(tmp_path / "src")
    code, out, err = run_cli(
        "build", src, "--db", tmp_path / "w.duckdb", "--as-of", AS_OF, "--json"
    )
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    assert json.loads(out)["tables"]["activities"]["loaded"] == 2


def test_without_json_the_build_prints_a_chinese_summary(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(src / "名单.csv", [["姓名", "性别"], ["张三", "男"]])
    code, out, err = run_cli("build", src, "--db", tmp_path / "w.duckdb", "--as-of", AS_OF)
    assert (code, err) == (0, "")
    assert "数据仓库已更新" in out
    assert "活动：读入 2 行，入库 2，重复 0，退回 0" in out
    assert "名单.csv" in out and "姓名" in out


def test_build_with_rejects_still_exits_zero(mixed):
    manifest, _ = mixed
    assert manifest["rejects"]


def _assert_one_chinese_line(code, out, err):
    assert code != 0
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert CHINESE.search(err), err


def _only_corrupt(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "损坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    return tmp_path / "in"


def _only_text_files(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "说明.txt").write_text("台账见附件", encoding="utf-8")
    return tmp_path / "in"


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(lambda tmp: tmp / "不存在的目录", id="missing-path"),
        pytest.param(_only_text_files, id="no-ledger-files"),
        pytest.param(_only_corrupt, id="only-a-corrupt-workbook"),
    ],
)
def test_no_readable_source_fails_with_one_chinese_line(tmp_path, make_source):
    db = tmp_path / "w.duckdb"
    _assert_one_chinese_line(
        *run_cli("build", make_source(tmp_path), "--db", db, "--as-of", AS_OF, "--json")
    )
    assert not db.exists()


def test_a_build_of_only_unmapped_ledgers_succeeds_with_nothing_loaded_and_says_why(tmp_path):
    src = write_csv(tmp_path / "in" / "名单.csv", [["姓名", "性别"], ["张三", "男"]]).parent
    db = tmp_path / "w.duckdb"

    code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF)
    json_code, json_out, _ = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")

    assert (code, json_code) == (0, 0), err
    assert "没有读入任何数据：1 个文件是自有格式的台账，需要先映射一次表头。" in out
    assert "名单.csv：格式需要映射" in out
    manifest = json.loads(json_out)
    assert {t["loaded"] for t in manifest["tables"].values()} == {0}
    assert [(f["file"], f["status"], f["headers"]) for f in manifest["files"]] == [
        ("名单.csv", "needs_mapping", ["姓名", "性别"])
    ]
    assert query(db, "SELECT count(*) FROM activities") == [(0,)]


def test_bad_as_of_fails_with_one_chinese_line(tmp_path):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    _assert_one_chinese_line(*run_cli("build", src, "--db", db, "--as-of", "明天", "--json"))
    assert not db.exists()


def test_target_under_a_file_fails_with_one_chinese_line(tmp_path):
    src = copy_base(tmp_path / "src")
    (tmp_path / "not-a-dir").write_text("", encoding="utf-8")
    db = tmp_path / "not-a-dir" / "w.duckdb"
    _assert_one_chinese_line(*run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json"))


def _without_dac_override() -> list[str]:
    """A command prefix under which permission bits bind (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only directory is writable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_unwritable_target_directory_fails_with_one_chinese_line(tmp_path):
    src = copy_base(tmp_path / "src")
    target = tmp_path / "只读"
    target.mkdir()
    target.chmod(0o555)
    script = "import sys; from pipelines.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        result = subprocess.run(
            [
                *_without_dac_override(),
                sys.executable,
                "-c",
                script,
                "build",
                str(src),
                "--db",
                str(target / "w.duckdb"),
                "--as-of",
                AS_OF,
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parent.parent,
        )
    finally:
        target.chmod(0o755)
    _assert_one_chinese_line(result.returncode, result.stdout, result.stderr)
    assert "目标目录不可写" in result.stderr
    assert list(target.iterdir()) == []


def test_a_rebuild_says_whether_it_appended_or_why_it_rebuilt_in_full(tmp_path):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    assert run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")[2] == ""
    code, _out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")
    assert (code, err) == (0, "增量构建：沿用上次的数据仓库，只校验新增文件\n")
    code, _out, err = run_cli("build", src, "--db", db, "--as-of", "2025-01-01", "--json")
    assert (code, err) == (0, "全量构建（数据截至时间早于上次）\n")
