"""The raw text of rows rejected after staging (references, conflicts) is read again from
their files: every sheet and encoding shows the row as written (numbers masked), each
file is read once however many buckets its rows fall in, and a file changed in the
meantime fails the build in Chinese, leaving the last warehouse in place."""

from __future__ import annotations

from pathlib import Path

from import_helpers import AS_OF, build, copy_base, query, rejects, run_cli, write_csv, write_xlsx

from pipelines import stage


def _late_rejects_ledgers(src: Path) -> Path:
    copy_base(src)
    write_xlsx(
        src / "台账.xlsx",
        {
            "签到": [
                ["活动编码", "参与者编号", "人数"],
                ["HD01", "P1", None],
                ["HD99", "13600136000", None],  # row 3: unknown_activity
                ["HD01", "P2", None],
                ["HD98", "P3", None],  # row 5: unknown_activity
            ],
            "评价": [
                ["活动编码", "评价人编号", "满意度"],
                ["HD97", "P4", "5"],  # row 2: unknown_activity
                ["HD01", "P5", "4"],
            ],
        },
    )
    write_csv(
        src / "评价-补报.csv",
        [
            ["活动编码", "评价人编号", "满意度", "备注"],
            ["HD01", "P6", "5", "很好"],
            ["HD96", "P7", "4", "电话13800138000"],  # row 3: unknown_activity
        ],
        encoding="gb18030",
    )
    return src


def _reads_again(monkeypatch) -> list[str]:
    """Names of the files read again for their rejects' raw text, once per reading."""
    read_again = []
    real = stage.raw_rows

    def counted(path, *args, **kwargs):
        read_again.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(stage, "raw_rows", counted)
    return read_again


def test_rows_rejected_after_staging_show_their_raw_text_from_each_sheet_and_encoding(
    tmp_path, monkeypatch
):
    src = _late_rejects_ledgers(tmp_path / "src")
    monkeypatch.setattr("pipelines.build.BUCKET_ROWS", 1)  # every row a bucket of its own
    read_again = _reads_again(monkeypatch)

    manifest = build(src, db=tmp_path / "w.duckdb")

    shown = {
        (r["file"], r["sheet"], r["row"]): (r["reason_code"], r["raw"]) for r in rejects(manifest)
    }
    assert shown == {
        ("台账.xlsx", "签到", 3): (
            "unknown_activity",
            {"活动编码": "HD99", "参与者编号": "136****6000"},
        ),
        ("台账.xlsx", "签到", 5): ("unknown_activity", {"活动编码": "HD98", "参与者编号": "P3"}),
        ("台账.xlsx", "评价", 2): (
            "unknown_activity",
            {"活动编码": "HD97", "评价人编号": "P4", "满意度": "5"},
        ),
        ("评价-补报.csv", None, 3): (
            "unknown_activity",
            {"活动编码": "HD96", "评价人编号": "P7", "满意度": "4", "备注": "电话138****8000"},
        ),
    }
    # one reading per table that rejects rows of the file: 签到 and 评价 for the workbook
    assert sorted(read_again) == ["台账.xlsx", "台账.xlsx", "评价-补报.csv"]
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM attendance") == [(2,)]


def test_a_ledger_changed_before_it_is_read_again_fails_the_build_and_keeps_the_warehouse(
    tmp_path, monkeypatch
):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    _late_rejects_ledgers(src)
    real = stage.raw_rows

    def changed_first(path, *args, **kwargs):
        # a clerk saves the file again after the build staged it
        path.write_bytes(path.read_bytes() + b"\r\n")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(stage, "raw_rows", changed_first)

    code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")

    assert (code != 0, out) == (True, "")
    assert err.count("\n") == 1, err
    assert "在构建过程中被修改" in err and "原数据仓库保持不变" in err, err
    assert ("台账.xlsx" in err) or ("评价-补报.csv" in err), err
    assert db.read_bytes() == before
