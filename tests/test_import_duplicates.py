"""Duplicates and conflicts: same key same content, same key other content, keyless rows,
re-sent files, a person's decision, and the order files come in."""

from __future__ import annotations

import itertools
import json
import shutil

import pytest
from import_helpers import (
    all_tables,
    build,
    codes_by_row,
    copy_base,
    counts,
    file_entry,
    query,
    rejects,
    write_csv,
)

ACTIVITY_HEADER = ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间"]
RATING_HEADER = ["活动编码", "评价人编号", "满意度"]
P = pytest.param

# (table, header, first file's row, second file's row): same content after normalisation
SAME_CONTENT = [
    P("ratings", RATING_HEADER, ["HD01", "R01", "4"], ["HD01", "R01", "满意"], id="score-4-and-满意"),
    P("ratings", RATING_HEADER, ["HD01", "R02", "4"], ["HD01", "R02", "★★★★☆"], id="score-4-and-stars"),
    P("ratings", RATING_HEADER, ["HD01", "R03", "满意"], ["HD01", "R03", "4分"], id="score-满意-and-4分"),
    P("ratings", RATING_HEADER, ["HD01", "R04", "非常满意"], ["HD01", "R04", "５"], id="score-words-and-full-width"),
    P("activities", ACTIVITY_HEADER, ["HD11", "宣讲", "Z01", "宣讲", "2025/3/5"], ["HD11", "宣讲", "Z01", "宣讲", "2025年3月5日"], id="date-slashes-and-chinese"),
    P("activities", ACTIVITY_HEADER, ["HD12", "宣讲", "Z01", "宣讲", "2025-03-05 14:30"], ["HD12", "宣讲", "Z01", "宣讲", "2025年3月5日14时30分"], id="datetime-dashes-and-chinese"),
    P("activities", ACTIVITY_HEADER, ["HD13", "宣讲", "Z01", "宣讲", "20250305"], ["HD13", "宣讲", "Z01", "宣讲", "2025.3.5"], id="date-compact-and-dots"),
    P("activities", ACTIVITY_HEADER, ["HD14", "宣讲", "Z01", "宣讲", "2025-03-05"], ["HD14", "宣讲", "Z01", "理论宣讲", "2025-03-05"], id="category-alias-and-canonical"),
    P("activities", ACTIVITY_HEADER, ["HD15", "宣讲", "Z01", "宣讲", "2025-03-05"], ["ＨＤ１５", "宣讲", "Ｚ０１", "宣讲", " 2025-03-05 "], id="full-width-codes-and-spaces"),
    P("targets", ["年度", "阵地编码", "指标", "目标值"], ["2025", "ZX01", "满意率", "90%"], ["2025", "ZX01", "满意率", "0.9"], id="rate-percent-and-fraction"),
    P("units", ["阵地编码", "阵地名称", "层级", "上级编码"], ["Z11", "某站", "实践站", "S01"], ["Z11", "某站", "站", "S01"], id="level-alias-and-canonical"),
    P("attendance", ["活动编码", "参与者编号", "人数"], ["HD01", "P01", ""], ["HD01", "P01", "1"], id="headcount-default-and-1"),
]  # fmt: skip


@pytest.fixture(scope="module")
def same_content(tmp_path_factory):
    """Case n writes 重复-nn-1.csv and 重复-nn-2.csv, one row each."""
    tmp = tmp_path_factory.mktemp("same")
    src = copy_base(tmp / "src")
    for n, case in enumerate(SAME_CONTENT):
        _, header, first, second = case.values
        write_csv(src / f"重复-{n:02d}-1.csv", [header, first])
        write_csv(src / f"重复-{n:02d}-2.csv", [header, second])
    db = tmp / "w.duckdb"
    return build(src, db=db), db


@pytest.mark.parametrize(
    "n, table, header, first, second",
    [P(n, *case.values, id=case.id) for n, case in enumerate(SAME_CONTENT)],
)
def test_same_key_and_same_content_written_differently_is_a_duplicate(
    same_content, n, table, header, first, second
):
    manifest, db = same_content
    loaded = query(db, f"SELECT source_file FROM {table} WHERE source_file LIKE '重复-{n:02d}-%'")
    assert loaded == [(f"重复-{n:02d}-1.csv",)]
    assert not [r for r in manifest["rejects"] if r["file"].startswith(f"重复-{n:02d}-")]


def test_every_second_copy_is_counted_as_a_duplicate(same_content):
    manifest, _ = same_content
    per_table = {t: sum(c.values[0] == t for c in SAME_CONTENT) for t in manifest["tables"]}
    base = {"units": 5, "brands": 1, "orders": 1, "activities": 2}
    for table, n in per_table.items():
        b = base.get(table, 0)
        assert counts(manifest, table) == (b + 2 * n, b + n, n, 0), table


def test_same_key_and_other_content_is_a_conflict_naming_the_kept_row(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(
        src / "活动-1.csv",
        [
            ACTIVITY_HEADER,
            ["HD11", "健康义诊", "Z01", "义诊", "2025-03-06"],
            ["HD12", "宣讲", "Z01", "宣讲", "2025-03-07"],
        ],
    )
    write_csv(
        src / "活动-2.csv",
        [
            ACTIVITY_HEADER,
            ["HD12", "宣讲", "Z01", "宣讲", "2025-03-07"],
            ["HD11", "健康义诊进村", "Z02", "义诊", "2025-03-06"],
        ],
    )
    write_csv(src / "评价-1.csv", [RATING_HEADER, ["HD01", "R001", "满意"]])
    write_csv(src / "评价-2.csv", [RATING_HEADER, ["HD01", "R001", "基本满意"]])
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, "activities") == (6, 4, 1, 1)
    assert counts(manifest, "ratings") == (2, 1, 0, 1)
    [activity] = rejects(manifest, "activities")
    assert (activity["file"], activity["row"], activity["reason_code"], activity["kept_from"]) == (
        "活动-2.csv",
        3,
        "conflict",
        {"file": "活动-1.csv", "sheet": None, "row": 2},
    )
    for text in (
        "活动-1.csv",
        "第2行",
        "活动名称",
        "“健康义诊”",
        "“健康义诊进村”",
        "阵地编码",
        "“Z01”",
        "“Z02”",
    ):
        assert text in activity["reason"]
    [rating] = rejects(manifest, "ratings")
    assert (rating["reason_code"], rating["kept_from"]) == (
        "conflict",
        {"file": "评价-1.csv", "sheet": None, "row": 2},
    )
    assert "满意度" in rating["reason"] and "“4”" in rating["reason"] and "“3”" in rating["reason"]
    assert query(db, "SELECT title, unit_id FROM activities WHERE activity_id = 'HD11'") == [
        ("健康义诊", "Z01")
    ]
    [(key, content_hash, kept_file, kept_row)] = query(
        db,
        "SELECT row_key, content_hash, kept_file, kept_row FROM rejects WHERE table_name = 'activities'",
    )
    assert (key, kept_file, kept_row) == ("HD11", "活动-1.csv", 2)
    assert len(content_hash) == 16 and int(content_hash, 16) >= 0


def test_rejected_row_never_blocks_a_later_good_one(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(src / "活动-1.csv", [ACTIVITY_HEADER, ["HD21", "宣讲", "NOPE", "宣讲", "2025-03-05"]])
    write_csv(src / "活动-2.csv", [ACTIVITY_HEADER, ["HD21", "宣讲", "Z01", "宣讲", "2025-03-05"]])
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, "activities") == (4, 3, 0, 1)
    assert codes_by_row(manifest, "activities") == {("活动-1.csv", 2): "unknown_unit"}
    assert query(db, "SELECT source_file FROM activities WHERE activity_id = 'HD21'") == [
        ("活动-2.csv",)
    ]


def test_keyed_row_repeated_within_a_file_is_a_duplicate(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    row = ["HD21", "宣讲", "Z01", "宣讲", "2025-03-05"]
    write_csv(src / "活动.csv", [ACTIVITY_HEADER, row, row])
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, "activities") == (2, 1, 1, 0)
    assert query(db, "SELECT source_row FROM activities") == [(2,)]


# ---------------------------------------------------------------- rows without a key

KEYLESS = [
    P("ratings", ["活动编码", "满意度"], ["HD01", "5"], id="anonymous-rating"),
    P("attendance", ["活动编码", "人数"], ["HD02", "30"], id="headcount-line"),
]


@pytest.mark.parametrize("table, header, row", KEYLESS)
def test_keyless_rows_repeated_in_one_file_are_separate_records(tmp_path, table, header, row):
    src = copy_base(tmp_path / "src")
    write_csv(src / "匿名-1.csv", [header, row, row])
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert counts(manifest, table) == (2, 2, 0, 0)


@pytest.mark.parametrize("table, header, row", KEYLESS)
def test_keyless_row_is_a_duplicate_only_while_an_earlier_file_holds_as_many(
    tmp_path, table, header, row
):
    src = copy_base(tmp_path / "src")
    write_csv(src / "匿名-1.csv", [header, row, row])
    write_csv(src / "匿名-2.csv", [header, row, row, row])
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    # the later file's first two copies are already held; its third is a new record
    assert counts(manifest, table) == (5, 3, 2, 0)
    assert query(db, f"SELECT source_file, source_row FROM {table} ORDER BY 1, 2") == [
        ("匿名-1.csv", 2),
        ("匿名-1.csv", 3),
        ("匿名-2.csv", 4),
    ]


def test_file_re_sent_in_another_encoding_adds_nothing(tmp_path):
    src = copy_base(tmp_path / "src")
    rows = [
        ["活动编码", "评价人编号", "满意度", "评价内容"],
        ["HD01", "R001", "5", "讲得很实在"],
        ["HD01", "", "4", "不错"],
        ["HD01", "", "4", "不错"],
        ["HD02", "", "★★★☆☆", ""],
    ]
    write_csv(src / "评价.csv", rows)
    write_csv(src / "重报-评价.csv", rows, encoding="gbk")
    db = tmp_path / "w.duckdb"

    manifest = build(src, db=db)

    assert file_entry(manifest, "重报-评价.csv")["status"] == "loaded"
    assert counts(manifest, "ratings") == (8, 4, 4, 0)
    assert query(db, "SELECT DISTINCT source_file FROM ratings") == [("评价.csv",)]


# ---------------------------------------------------------------- re-sent files


def test_re_sent_file_is_skipped_whole_and_changes_no_figure(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(
        src / "签到.csv",
        [
            ["活动编码", "参与者编号", "人数"],
            ["HD01", "P001", ""],
            ["HD01", "", "30"],
            ["HD02", "", "25"],
        ],
    )
    first = build(src, db=tmp_path / "first.duckdb")
    shutil.copy(src / "签到.csv", src / "重报-签到.csv")
    shutil.copy(src / "活动.csv", src / "重报-活动.csv")
    db = tmp_path / "second.duckdb"

    second = build(src, db=db)

    assert file_entry(second, "重报-签到.csv") == {
        "file": "重报-签到.csv",
        "status": "duplicate_file",
        "rows": 0,
        "duplicate_of": "签到.csv",
    }
    assert file_entry(second, "重报-活动.csv")["status"] == "duplicate_file"
    assert second["tables"] == first["tables"]
    # person-times: HD01 has a 群众 sign-in and 30 more, HD02 a line of 25
    assert query(db, "SELECT sum(headcount) FROM attendance") == [(56,)]
    old, new = all_tables(tmp_path / "first.duckdb"), all_tables(db)
    facts = [t for t in new if t not in ("source_files", "manifest")]
    assert {t: new[t] for t in facts} == {t: old[t] for t in facts}


# ---------------------------------------------------------------- a person's decision


def _conflicting_versions(src):
    copy_base(src)
    write_csv(
        src / "活动-1.csv", [ACTIVITY_HEADER, ["HD11", "旧标题", "Z01", "宣讲", "2025-03-05"]]
    )
    write_csv(
        src / "活动-2.csv", [ACTIVITY_HEADER, ["HD11", "新标题", "Z01", "宣讲", "2025-03-05"]]
    )


def _adopt_conflict(db):
    """Records, beside ``db``, the decision to adopt the version rejected as a conflict."""
    [(key, content_hash)] = query(
        db, "SELECT row_key, content_hash FROM rejects WHERE reason_code = 'conflict'"
    )
    decisions = db.with_name(db.stem + ".decisions.json")
    decisions.write_text(
        json.dumps(
            {"decisions": [{"table": "activities", "key": key, "content_hash": content_hash}]}
        ),
        encoding="utf-8",
    )
    return key


def test_adopted_version_is_loaded_and_the_old_one_superseded(tmp_path):
    src = tmp_path / "src"
    _conflicting_versions(src)
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    assert query(db, "SELECT title FROM activities WHERE activity_id = 'HD11'") == [("旧标题",)]
    assert _adopt_conflict(db) == "HD11"

    manifest = build(src, db=db)

    assert query(db, "SELECT title, source_file FROM activities WHERE activity_id = 'HD11'") == [
        ("新标题", "活动-2.csv")
    ]
    assert counts(manifest, "activities") == (4, 3, 0, 1)
    [reject] = rejects(manifest, "activities")
    assert (reject["file"], reject["row"], reject["reason_code"], reject["kept_from"]) == (
        "活动-1.csv",
        2,
        "superseded",
        {"file": "活动-2.csv", "sheet": None, "row": 2},
    )


@pytest.mark.parametrize(
    "old_name, new_name, keep_originals",
    [
        P("重报/活动-1.csv", "重报/活动-2.csv", True, id="copies-beside-the-originals"),
        P("2026/1-旧.csv", "2026/2-新.csv", False, id="renamed-same-order"),
        P("b-旧.csv", "a-新.csv", False, id="renamed-new-version-first"),
    ],
)
def test_decision_survives_re_sending_the_files_under_other_names(
    tmp_path, old_name, new_name, keep_originals
):
    src = tmp_path / "src"
    _conflicting_versions(src)
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    _adopt_conflict(db)
    for name, original in ((old_name, "活动-1.csv"), (new_name, "活动-2.csv")):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / original, src / name)
        if not keep_originals:
            (src / original).unlink()

    manifest = build(src, db=db)

    assert query(db, "SELECT title, source_file FROM activities WHERE activity_id = 'HD11'") == [
        ("新标题", "活动-2.csv" if keep_originals else new_name)
    ]
    assert [(r["file"], r["reason_code"]) for r in rejects(manifest, "activities")] == [
        ("活动-1.csv" if keep_originals else old_name, "superseded")
    ]
    if keep_originals:
        assert file_entry(manifest, old_name)["status"] == "duplicate_file"
        assert file_entry(manifest, new_name)["status"] == "duplicate_file"


def test_a_third_version_after_a_decision_is_a_new_conflict(tmp_path):
    src = tmp_path / "src"
    _conflicting_versions(src)
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    _adopt_conflict(db)
    write_csv(
        src / "活动-3.csv", [ACTIVITY_HEADER, ["HD11", "第三个标题", "Z01", "宣讲", "2025-03-05"]]
    )

    manifest = build(src, db=db)

    assert [(r["file"], r["reason_code"], r["kept_from"]["file"]) for r in rejects(manifest)] == [
        ("活动-1.csv", "superseded", "活动-2.csv"),
        ("活动-3.csv", "conflict", "活动-2.csv"),
    ]


# ---------------------------------------------------------------- order of the sources


def test_order_of_sources_on_the_command_line_does_not_change_the_result(tmp_path, monkeypatch):
    monkeypatch.setenv("WENMING_SALT", "order-test-salt")
    a = copy_base(tmp_path / "a")
    write_csv(
        a / "评价.csv",
        [RATING_HEADER, ["HD01", "13800138000", "5"], ["HD01", "", "4"], ["HD01", "", "4"]],
    )
    b = tmp_path / "b"
    # same relative names as in a: ties are broken by the full path, not by argument order
    write_csv(
        b / "活动.csv",
        [
            ACTIVITY_HEADER,
            ["HD01", "另一个标题", "Z01", "宣讲", "2025-03-05 14:30"],
            ["HD03", "四点半课堂", "D01", "课堂", "2025-03-08"],
        ],
    )
    write_csv(
        b / "评价.csv",
        [RATING_HEADER, ["HD01", "13800138000", "满意"], ["HD01", "", "4"], ["HD03", "", "5"]],
    )
    single = write_csv(
        tmp_path / "补报" / "评价-补报.csv",
        [RATING_HEADER, ["HD01", "", "满意"], ["HD01", "", "4"], ["HD01", "", "4"]],
    )
    sources = [a, b, single]

    results = []
    for n, order in enumerate(itertools.permutations(sources)):
        db = tmp_path / f"w{n}.duckdb"
        manifest = build(*order, db=db)
        results.append((manifest, all_tables(db)))

    first_manifest, first_tables = results[0]
    assert counts(first_manifest, "activities") == (4, 3, 0, 1)
    assert counts(first_manifest, "ratings") == (9, 5, 3, 1)
    for manifest, tables in results[1:]:
        assert manifest == first_manifest
        assert tables == first_tables
