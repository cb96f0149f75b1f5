"""The integrity audit (数据可信度核查): each check flags its planted pattern and not the
near miss beside it (tests/integrity_ledgers.py), lists the rows behind each flag, never
names a person but by number, and raises nothing on clean ledgers."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
from import_helpers import run_cli
from integrity_ledgers import AS_OF, PERIOD

from dashboard.metrics import Reader, Scope, integrity
from dashboard.metrics.reader import OutOfScope
from dashboard.warehouse import Warehouse

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "schemas" / "audit.schema.json"


@pytest.fixture(scope="module")
def result(integrity_db):
    return integrity.audit(Warehouse(integrity_db), Scope(*PERIOD))


def _check(result, key):
    return next(check for check in result["checks"] if check["key"] == key)


def _flagged(result, key):
    """{unit_id: [activity ids of each row]} of one check."""
    return {
        unit["unit_id"]: [tuple(row["activity_ids"]) for row in unit["rows"]]
        for unit in _check(result, key)["units"]
    }


def test_same_person_at_two_units_59_minutes_apart_is_flagged_and_60_is_not(result):
    # OV1/OV2 start 59 minutes apart without an end; OV5 ends at 11:00, OV6 starts 10:59;
    # OV3/OV4 are 60 minutes apart, OV7/OV8 only touch, OV9/OV10 carry dates only and
    # OV11/OV12 are at one unit
    assert _flagged(result, "overlap") == {
        "O1": [("OV1", "OV2")],
        "O2": [("OV1", "OV2"), ("OV5", "OV6")],
        "O3": [("OV5", "OV6")],
    }


def test_an_overlap_names_the_person_by_number_and_gives_both_times(result):
    rows = {
        tuple(row["activity_ids"]): row for row in _check(result, "overlap")["units"][0]["rows"]
    }
    # persons are numbered by their first sign-in in file order: P01 is 1, P03 is 3
    assert rows[("OV1", "OV2")]["person_no"] == 1
    assert rows[("OV5", "OV6")]["person_no"] == 3
    assert rows[("OV5", "OV6")]["dates"] == [
        datetime(2025, 6, 2, 9, 0),
        datetime(2025, 6, 2, 10, 59),
    ]
    assert rows[("OV5", "OV6")]["unit_ids"] == ["O2", "O3"]
    assert "P03" not in json.dumps(result, default=str)


def test_ten_identical_sign_ins_are_copied_sheets_and_nine_are_not(result):
    # CP1/CP2 share Q01-Q10; CP3/CP4 share only 9; CN1/CN2 repeat title and numbers on
    # one day at two units, CN3/CN4 differ by half an hour of volunteer time
    assert _flagged(result, "copied") == {
        "C1": [("CP1", "CP2"), ("CN1", "CN2")],
        "C2": [("CP1", "CP2"), ("CN1", "CN2")],
    }
    assert [unit["measure"] for unit in _check(result, "copied")["units"]] == [2, 2]


def test_thirty_round_activities_heap_and_twenty_nine_are_too_few(result):
    # H1: 30 activities, every 参与人次 50 and 8 hours: 60 of 60 numbers round, index 500;
    # H2 has 29 activities; H3's own headcount lines are 50 too (its records heap as much)
    flagged = _flagged(result, "heaping")
    assert list(flagged) == ["H1"]
    assert sorted(flagged["H1"]) == [(f"H1-{i:02d}",) for i in range(1, 31)]
    assert _check(result, "heaping")["units"][0]["measure"] == 500


def test_ten_activities_on_months_last_days_burst_and_nine_are_too_few(result):
    flagged = _flagged(result, "burst")
    assert list(flagged) == ["B1"]
    assert sorted(flagged["B1"]) == [(f"B1-{i:02d}",) for i in range(1, 11)]
    # all 10 in the last 3 days, which are 36 of the year's 365 days: 365/36 times uniform
    measure = _check(result, "burst")["units"][0]["measure"]
    assert measure == pytest.approx(1 / (36 / 365))


def test_hours_without_volunteers_or_above_12_each_are_flagged(result):
    # HR1: 6 h with 0 volunteers; HR3: 26 h for 2 (13 each). HR2 has a 志愿者 row,
    # HR4 is 12 h each. One volunteer's 服务时长: VA 2.5 h in HS1's 2 h; VC 13 h in HS2;
    # HS3's volunteers add up to 8.9 h of its 10 h. VB's 2.0 h, HS4's 9.0 h are not flagged
    assert _flagged(result, "hours") == {
        "V1": [("HR1",)],
        "V2": [("HR3",)],
        "V3": [("HS1",), ("HS2",)],
        "V4": [("HS3",)],
    }
    values = {
        (row["activity_ids"][0], row["person_no"] is not None): row["value"]
        for unit in _check(result, "hours")["units"]
        for row in unit["rows"]
    }
    assert values == {
        ("HR1", False): 6,
        ("HR3", False): 13,
        ("HS1", True): 2.5,
        ("HS2", True): 13,
        ("HS3", False): pytest.approx(8.9),
    }


def test_a_redemption_beyond_the_balance_is_flagged_and_one_up_to_it_is_not(result):
    check = _check(result, "redemptions")
    [unit] = check["units"]
    [row] = unit["rows"]
    # VA earned 25 points (2.5 h × 10); RD1 took 25, so RD2's 1 point is beyond it;
    # RD3, dated the day VC earned 130, counts that whole day
    assert (unit["unit_id"], row["activity_ids"], row["value"]) == ("V3", [], 1)
    assert row["dates"] == [datetime(2025, 9, 21, 10, 0)]
    assert row["note"].startswith("兑换RD2：")


def test_a_headcount_over_5_times_the_records_is_flagged_and_5_times_is_not(result):
    assert _flagged(result, "headcount") == {"W1": [("NR1",)]}
    assert _check(result, "headcount")["units"][0]["measure"] == pytest.approx(5.1)


def test_early_ratings_all_five_raters_and_repeated_comments_are_flagged(result):
    flagged = _flagged(result, "ratings")
    cm = ("CM1", "CM2", "CM3", "CM4", "CM5")
    assert flagged == {
        "X1": [("RE1",), cm],
        "X2": [tuple(f"T10-{i}" for i in range(1, 6))],
        "X3": [cm],
    }


def test_units_are_ranked_by_flags(result):
    ranked = [(unit["unit_id"], unit["flags"]) for unit in result["units"]]
    assert ranked[:3] == [("H1", 30), ("B1", 10), ("V3", 3)]
    assert dict(ranked) == {
        "H1": 30, "B1": 10, "V3": 3, "C1": 2, "C2": 2, "O2": 2, "X1": 2, "O1": 1, "O3": 1,
        "V1": 1, "V2": 1, "V4": 1, "W1": 1, "X2": 1, "X3": 1,
    }  # fmt: skip


def test_a_unit_scope_sees_only_its_own_flags(integrity_db):
    scoped = integrity.audit(Warehouse(integrity_db), Scope(*PERIOD, unit_id="O2"))
    # OV2 and OV5 are O2's; their partners OV1 and OV6 lie outside the scope
    assert [unit["unit_id"] for unit in scoped["units"]] == []
    town = integrity.audit(Warehouse(integrity_db), Scope(*PERIOD, unit_id="SA"))
    assert len(town["units"]) == 15


def test_flagged_units_add_up_the_tree(integrity_db):
    totals = integrity.flagged_units(Warehouse(integrity_db), Scope(*PERIOD))
    below = 30 + 10 + 3 + 2 + 2 + 2 + 2 + 8 * 1
    assert totals["SA"] == totals["ZX"] == (0, below)
    assert totals["H1"] == (30, 30)


def test_a_restricted_reader_cannot_audit_another_unit(integrity_db):
    reader = Reader(Warehouse(integrity_db), home="O1")
    with pytest.raises(OutOfScope):
        reader.read(integrity.audit, Scope(*PERIOD, unit_id="O2"))


def test_settings_change_each_rule(integrity_db, tmp_path, monkeypatch):
    config = tmp_path / "wenming.toml"
    config.write_text(
        "[audit]\noverlap_minutes = 59\nheaping_min_activities = 29\ndisabled = ['burst']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    changed = integrity.audit(Warehouse(integrity_db), Scope(*PERIOD))
    # 59 minutes apart is no overlap under a 59-minute rule; H2's 29 activities now count
    assert _flagged(changed, "overlap") == {"O2": [("OV5", "OV6")], "O3": [("OV5", "OV6")]}
    assert sorted(_flagged(changed, "heaping")) == ["H1", "H2"]
    burst = _check(changed, "burst")
    assert (burst["enabled"], burst["units"]) == (False, [])
    assert "59分钟" in _check(changed, "overlap")["rule"]


def test_the_clean_fixture_county_raises_no_flag_of_checks_1_2_and_5(fixture_db):
    clean = integrity.audit(Warehouse(fixture_db), Scope(date(2024, 1, 1), date(2025, 4, 15)))
    for key in ("overlap", "copied", "hours"):
        assert _check(clean, key)["units"] == []


def test_the_cli_prints_the_audit_as_json_matching_its_schema(integrity_db):
    code, out, err = run_cli(
        "audit", "--from", "2025-01-01", "--to", "2025-12-31", "--db", integrity_db, "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["as_of"] == AS_OF
    hours = next(check for check in document["checks"] if check["key"] == "hours")
    assert [(u["unit_id"], u["count"], u["rows"][0]["activity_ids"]) for u in hours["units"]] == [
        ("V3", 2, ["HS1"]),
        ("V1", 1, ["HR1"]),
        ("V2", 1, ["HR3"]),
        ("V4", 1, ["HS3"]),
    ]
    assert hours["units"][1]["rows"][0]["dates"] == ["2025-09-10T09:00:00"]


def test_the_cli_text_names_each_check_and_a_unit_scope(integrity_db):
    code, out, _ = run_cli(
        "audit", "--from", "2025-01-01", "--to", "2025-12-31", "--db", integrity_db, "--unit", "W1"
    )
    assert code == 0
    assert "范围：W1社区新时代文明实践站（W1）及下属阵地" in out
    assert "W1社区新时代文明实践站（W1）：1处，最大倍数5.1" in out
    assert out.count("未发现") == 7


def test_the_cli_refuses_an_unknown_unit_in_chinese(integrity_db):
    code, _, err = run_cli(
        "audit",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--db",
        integrity_db,
        "--unit",
        "NOPE",
    )
    assert code == 2
    assert "找不到阵地编码“NOPE”" in err


def test_the_cli_doc_embeds_the_audit_schema_as_tested():
    text = (SCHEMA.parent.parent / "cli.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", text, flags=re.S)]
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) in blocks
