"""``wenming report``: run it on the fixture county, read its JSON, check it against the schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from dashboard import report as report_module
from pipelines.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
WENMING = Path(sys.executable).parent / "wenming"
Q1 = ["--from", "2025-01-01", "--to", "2025-03-31"]


def report(capsys, db, *args: str) -> tuple[int, str, str]:
    code = main(["report", "--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def report_json(capsys, db, *args: str) -> dict:
    code, out, err = report(capsys, db, *args, "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    return document


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_report_of_the_whole_warehouse(capsys, fixture_db):
    doc = report_json(capsys, fixture_db, *Q1)
    assert doc["scope"] == {
        "date_from": "2025-01-01",
        "date_to": "2025-03-31",
        "unit_id": None,
        "unit_name": None,
        "level": None,
    }
    assert doc["as_of"] == "2025-04-15T12:00:00"
    headline = {k: doc[k] for k in ("activities", "person_times", "unique_persons")}
    assert headline == {"activities": 11, "person_times": 506, "unique_persons": 8}
    assert (doc["volunteer_hours"], doc["volunteer_times"], doc["volunteer_persons"]) == (
        55.5,
        29,
        3,
    )
    assert doc["ratings"] == 46
    assert doc["mean_score"] == pytest.approx(168 / 46)
    assert doc["satisfaction_rate"] == pytest.approx(28 / 46)
    assert doc["units"] == {"中心": 1, "所": 2, "站": 4, "点": 1, "基地": 1}
    # every imported village: 7, of which 5 served, 4 by effective stations (ZA2,
    # opened 03-15, on its one month)
    assert (
        doc["coverage"]["villages"],
        doc["coverage"]["covered"],
        doc["coverage"]["effective"],
    ) == (7, 5, 4)
    assert doc["orders"] == {
        "orders": 5,
        "completed": 2,
        "cancelled": 1,
        "completion_rate": 0.5,
        "median_accept_hours": 10.0,
    }
    assert [r["unit_id"] for r in doc["by_unit"]] == ["SA", "SB", "JD", "ZX"]
    assert [b["brand_id"] for b in doc["brands"]] == ["B1", "B2", "B3", "B4"]
    assert [(r["kind"], r["id"]) for r in doc["low_satisfaction"]] == [
        ("activity", "A07"),
        ("brand", "B3"),
        ("activity", "A04"),
        ("brand", "B1"),
        ("station", "ZB2"),
    ]


def test_the_briefing_writes_numbers_as_a_briefing_does(capsys, fixture_db):
    doc = report_json(capsys, fixture_db, *Q1, "--unit", "ZX")
    # 506 → 500余; 55.5 h stays exact (< 100); 28/46 = 60.86% → 60.8%; 168/46 = 3.652 →
    # 3.65分; 2/4 → 50%; coverage of the county: 5/6 = 83.3%, 4/6 = 66.6% (ZA2, opened
    # 03-15, needs one activity for its one month); units exact.
    # The 存在问题 and 下一步工作 paragraphs that follow are test_briefing's.
    assert doc["briefing"].split("\n")[:5] == (
        [
            "2025年第一季度，全区各新时代文明实践所站累计开展活动11场次，服务群众500余人次，"
            "服务人数8人（按实名签到去重）；组织志愿者29人次参与志愿服务，志愿服务时长55.5小时。",
            "阵地建设方面，全区现有新时代文明实践中心1个、实践所2个、实践站4个、实践点1个、"
            "实践基地1个。辖区内6个村（社区）中，已有5个纳入新时代文明实践站服务范围，"
            "覆盖率83.3%；其中由开展活动3场次及以上（期内新挂牌的按挂牌后月数折算）的实践站"
            "服务的有4个，有效覆盖率66.6%。",
            "品牌项目方面，全区共有文明实践品牌项目4个，3个开展了活动：“五云秀场”开展活动2场次，"
            "服务群众180余人次，满意度均分3.83分；“草堂叙语”开展活动2场次，服务群众15人次，"
            "满意度均分4.14分；“四点半智慧课堂”开展活动1场次，服务群众3人次，满意度均分2.00分。",
            "群众点单方面，受理群众点单5单（已取消1单），已办结2单，办结率50%，"
            "从点单到接单用时的中位数为10小时。",
            "群众评单方面，收到群众评价46条，满意率60.8%，满意度均分3.65分。",
        ]
    )


def test_a_period_from_new_year_to_the_as_of_date_reads_this_year_so_far(capsys, fixture_db):
    doc = report_json(
        capsys, fixture_db, "--from", "2025-01-01", "--to", "2025-12-31", "--unit", "SB"
    )
    # SB to 04-15: A04 A05 A06 A07 A08 A12 → 120 + 61 + 30 + 3 + 1 + 45 = 260, exact: no 余
    assert doc["briefing"].startswith(
        "今年以来，全镇各新时代文明实践站累计开展活动6场次，服务群众260人次"
    )


def test_a_unit_without_a_division_code_reports_unknown_coverage_as_null(capsys, fixture_db):
    doc = report_json(capsys, fixture_db, *Q1, "--unit", "SA")
    coverage = doc["coverage"]
    assert [
        coverage[k] for k in ("villages", "covered", "rate", "effective", "effective_rate")
    ] == [None] * 5
    assert "覆盖率" not in doc["briefing"]
    # SA: its children ZA1 (A01 A02 A03) and ZA2 (A11), and its own A09
    assert [(r["unit_id"], r["name"], r["activities"]) for r in doc["by_unit"]] == [
        ("ZA1", "东林子社区新时代文明实践站", 3),
        ("SA", "本级", 1),
        ("ZA2", "西林子社区新时代文明实践站", 1),
    ]


@pytest.mark.parametrize("unit", ["ZX", "SB", "ZA1", "DB1", "JD"])
def test_every_scope_produces_a_valid_report(capsys, fixture_db, unit):
    doc = report_json(capsys, fixture_db, *Q1, "--unit", unit)
    assert sum(r["activities"] for r in doc["by_unit"]) == doc["activities"]
    assert sum(r["person_times"] for r in doc["by_unit"]) == doc["person_times"]


def test_a_warehouse_without_divisions_reports_null_coverage(capsys, fixture_db_without_divisions):
    doc = report_json(capsys, fixture_db_without_divisions, *Q1)
    assert doc["coverage"]["rate"] is None and "未导入" in doc["coverage"]["unknown_reason"]


def test_an_empty_period_reports_zeros_and_nulls(capsys, fixture_db):
    doc = report_json(capsys, fixture_db, "--from", "2023-01-01", "--to", "2023-12-31")
    assert (doc["activities"], doc["mean_score"], doc["satisfaction_rate"]) == (0, None, None)
    # a whole calendar year is written as the year
    first, *rest = doc["briefing"].split("\n")
    assert first == "2023年，全区各新时代文明实践所站暂无活动记录。"
    # inventories stay (written exactly); no flow figure is invented for an empty period
    assert "人次" not in doc["briefing"] and "品牌项目4个，期内均未开展活动" in rest[-1]


def test_the_text_report_reads_in_chinese(capsys, fixture_db):
    code, out, err = report(capsys, fixture_db, *Q1, "--unit", "SA")
    assert (code, err) == (0, "")
    assert out.startswith(
        "新时代文明实践数据报告\n范围：济源路街道新时代文明实践所（SA）及下属阵地\n"
    )
    assert "  活动场次：5\n" in out
    assert "  覆盖率：未知（该阵地未填写区划代码，覆盖率未知）\n" in out
    assert "八、简报文字" in out
    assert not out.lstrip().startswith("{")


def test_the_text_report_shortens_long_lists(capsys, fixture_db, monkeypatch):
    monkeypatch.setattr(report_module, "TEXT_ROWS", 2)
    code, out, _ = report(capsys, fixture_db, *Q1)
    brands = out.split("五、品牌项目\n")[1].split("\n\n")[0].splitlines()
    # B1 and B2 listed, B3 and B4 counted
    assert [line.split("（")[0].strip() for line in brands[:2]] == ["草堂叙语", "五云秀场"]
    assert brands[2:] == ["  ……另有2项，完整列表见 --json 输出"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2025-03-31", "--to", "2025-01-01"],
            "起始日期 2025-03-31 晚于结束日期 2025-01-01",
        ),
        ([*Q1, "--unit", "NOPE"], "找不到阵地编码“NOPE”"),
    ],
)
def test_a_bad_scope_is_a_chinese_error_and_nothing_on_stdout(capsys, fixture_db, args, message):
    code, out, err = report(capsys, fixture_db, *args, "--json")
    assert code != 0
    assert out == ""
    assert message in err


def test_a_missing_warehouse_is_a_chinese_error(capsys, tmp_path):
    code, out, err = report(capsys, tmp_path / "absent.duckdb", *Q1)
    assert (code, out) == (1, "")
    assert "找不到数据仓库文件" in err and "wenming build" in err


def test_a_malformed_date_is_answered_in_chinese_with_code_2(capsys, fixture_db):
    code = main(["report", "--db", str(fixture_db), "--from", "2025-13-01", "--to", "2025-03-31"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == "错误：--from 的值“2025-13-01”不是日期，应写作 YYYY-MM-DD，如 2025-12-31\n"


def test_the_installed_command_prints_valid_json(fixture_db):
    done = subprocess.run(
        [str(WENMING), "report", "--db", str(fixture_db), *Q1, "--unit", "SB", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    doc = json.loads(done.stdout)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert (doc["activities"], doc["person_times"]) == (4, 214)  # A04 A05 A06 A07
