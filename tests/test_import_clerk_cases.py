"""Cases a county clerk's real files raise, beyond the template: how they are told."""

from __future__ import annotations

import duckdb

from pipelines.build import build
from pipelines.build_cli import parse_as_of

AS_OF = parse_as_of("2025-12-31T23:59:59")
UNITS = "阵地编码,阵地名称,层级,上级编码,区划代码,示范站\nZX,区中心,中心,,410106000000,\nSA,甲所,所,ZX,410106001000,\n"


def _build(tmp_path, files: dict[str, str]) -> tuple[dict, duckdb.DuckDBPyConnection]:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    manifest = build([src], db, as_of=AS_OF)
    return manifest, duckdb.connect(str(db), read_only=True)


def _rejects(con) -> list[tuple]:
    return con.sql(
        'SELECT file, "row", reason_code, reason FROM rejects ORDER BY file, "row"'
    ).fetchall()


def test_a_blank_default_and_its_written_value_are_the_same_content(tmp_path):
    # 示范站 blank means 否; 状态 blank follows from the times: re-sent rows are duplicates
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b_units.csv": UNITS.replace("410106001000,\n", "410106001000,否\n"),
            "c_orders.csv": "点单编号,点单时间,需求类别,点单阵地编码,完成时间,状态\nD1,2025-03-01 09:00,义诊,SA,2025-03-02,\n",
            "d_orders.csv": "点单编号,点单时间,需求类别,点单阵地编码,完成时间,状态\nD1,2025-03-01 09:00,义诊,SA,2025-03-02,已完成\n",
        },
    )
    assert manifest["tables"]["units"] == {"rows": 4, "loaded": 2, "duplicates": 2, "rejected": 0}
    assert manifest["tables"]["orders"] == {"rows": 2, "loaded": 1, "duplicates": 1, "rejected": 0}


def test_full_width_digits_in_a_title_are_the_same_title(tmp_path):
    activity = "活动编码,活动名称,阵地编码,服务类别,开始时间\nH1,书法课第{}期,SA,课堂,2025-03-05\n"
    manifest, con = _build(
        tmp_path,
        {"a_units.csv": UNITS, "b.csv": activity.format("１"), "c.csv": activity.format("1")},
    )
    assert manifest["tables"]["activities"] == {
        "rows": 2,
        "loaded": 1,
        "duplicates": 1,
        "rejected": 0,
    }
    assert con.sql("SELECT title FROM activities").fetchall() == [("书法课第1期",)]


def test_a_phone_number_typed_with_spaces_or_86_is_one_hashed_person(tmp_path):
    sign_ins = "活动编码,参与者编号\nH1,138 0013 8000\nH1,+86 13800138000\nH1,138-0013-8000\nH1,１３８００１３８０００\n"
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b.csv": "活动编码,活动名称,阵地编码,服务类别,开始时间\nH1,宣讲,SA,宣讲,2025-03-05\n",
            "c.csv": sign_ins,
        },
    )
    # four spellings of one number: one person, three duplicates, nothing raw stored
    assert manifest["tables"]["attendance"] == {
        "rows": 4,
        "loaded": 1,
        "duplicates": 3,
        "rejected": 0,
    }
    (person,) = con.sql("SELECT person_id FROM attendance").fetchall()[0]
    assert person.startswith("h:")


def test_a_full_width_phone_number_is_masked_in_rejects(tmp_path):
    manifest, con = _build(
        tmp_path,
        {"a_units.csv": UNITS, "c.csv": "活动编码,参与者编号,人数\nH9,１３６００１３６０００,2\n"},
    )
    (raw,) = con.sql("SELECT raw FROM rejects").fetchall()[0]
    assert "１３６００１３６０００" not in raw and "１３６****６０００" in raw
    assert "１３６００１３６０００" not in str(manifest)


def test_an_id_that_excel_turned_into_scientific_notation_is_rejected_with_a_fix(tmp_path):
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b.csv": "活动编码,活动名称,阵地编码,服务类别,开始时间\nH1,宣讲,SA,宣讲,2025-03-05\n",
            "c.csv": "活动编码,参与者编号\nH1,4.101061990030712e+17\n",
        },
    )
    assert [(r[2], "文本" in r[3]) for r in _rejects(con)] == [("id_scientific", True)]


def test_an_activities_file_missing_a_required_column_is_not_taken_for_sign_ins(tmp_path):
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b.csv": "活动编码,活动名称,阵地编码,开始时间,参与人次\nH1,宣讲,SA,2025-03-05,30\n",
        },
    )
    entry = next(f for f in manifest["files"] if f["file"] == "b.csv")
    assert entry["status"] == "needs_mapping"
    assert entry["hint"].startswith("表头最像“活动”表，但缺少必填列：服务类别；")
    assert manifest["tables"]["attendance"]["rows"] == 0


def test_a_reference_to_a_rejected_activity_says_the_activity_was_rejected(tmp_path):
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b.csv": "活动编码,活动名称,阵地编码,服务类别,开始时间\nH1,宣讲,SA,联谊,2025-03-05\n",
            "c.csv": "活动编码,参与者编号\nH1,P1\nH2,P2\n",
        },
    )
    reasons = {(r[0], r[1]): (r[2], r[3]) for r in _rejects(con)}
    assert reasons[("b.csv", 2)][0] == "unknown_category"
    code, text = reasons[("c.csv", 2)]
    assert code == "unknown_activity" and "本身被退回" in text
    code, text = reasons[("c.csv", 3)]
    assert code == "unknown_activity" and "不存在" in text


def test_a_group_header_over_two_columns_names_them(tmp_path):
    two_rows = "活动编码,活动名称,阵地编码,服务类别,开始时间,志愿服务,\n,,,,,人数,时长（小时）\nH1,宣讲,SA,宣讲,2025-03-05,4,6.5\n"
    manifest, con = _build(tmp_path, {"a_units.csv": UNITS, "b.csv": two_rows})
    assert con.sql("SELECT volunteer_count, volunteer_hours FROM activities").fetchall()[0] == (
        4,
        6.5,
    )


def test_a_semicolon_separated_file_is_told_about_its_delimiter(tmp_path):
    manifest, con = _build(
        tmp_path,
        {
            "a_units.csv": UNITS,
            "b.csv": "活动编码;活动名称;阵地编码;服务类别;开始时间\nH1;宣讲;SA;宣讲;2025-03-05\n",
        },
    )
    entry = next(f for f in manifest["files"] if f["file"] == "b.csv")
    assert entry["status"] == "unrecognised" and "分号" in entry["hint"]
