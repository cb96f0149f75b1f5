"""Hostile values (issue 13): huge numbers, invisible characters, dates out of range and
personal numbers in odd spellings end as rows with Chinese reasons, never as a crash, a
second activity or a raw phone number.

The base ledgers (tests/fixtures/ledgers/base) hold units ZX01 S01 Z01 Z02 D01, brand
PP01, order DD01 and activities HD01 (2025-03-05 14:30) and HD02 (2025-03-06).
"""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from import_helpers import (
    AS_OF,
    SCHEMA,
    build,
    copy_base,
    counts,
    file_entry,
    query,
    rejects,
    run_cli,
    write_csv,
)

from dashboard.quality import REASON_LABELS
from pipelines import pii
from pipelines.contract import INVISIBLE
from pipelines.mapping.resolve import CODES as MAPPING_CODES
from pipelines.reasons import REASONS

ACTIVITY_HEADER = ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间"]


def _activity(activity_id: str, **extra: str) -> list[str]:
    return [activity_id, "新春文艺演出", "Z01", "文化服务", "2025-02-01", *extra.values()]


# ---------------------------------------------------------------- huge numbers (defect 3)

# every huge number in one build: (file, header, row), the reject expected per data row as
# (column shown, value); None where the row is loaded
HUGE_ACTIVITIES = [
    (["志愿者人数"], ["2147483648"], ("志愿者人数", "2147483648")),
    (["参与人次"], ["2147483648"], ("参与人次", "2147483648")),
    (["参与人次"], ["99999999999999999999999999"], ("参与人次", "99999999999999999999999999")),
    (["志愿者人数"], ["1000001"], ("志愿者人数", "1000001")),
    (["志愿服务时长"], ["1000000000000"], ("志愿服务时长（小时）", "1000000000000")),
    (["志愿服务时长"], ["1000000.5"], ("志愿服务时长（小时）", "1000000.5")),
]


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    """One build of a huge number in every numeric column: the manifest."""
    tmp = tmp_path_factory.mktemp("huge")
    src = copy_base(tmp / "src")
    for n, (header, row, _) in enumerate(HUGE_ACTIVITIES):
        write_csv(src / f"活动-{n}.csv", [ACTIVITY_HEADER + header, _activity(f"HD1{n}") + row])
    write_csv(src / "签到.csv", [["活动编码", "人数"], ["HD01", "2147483648"], ["HD01", "1000000"]])
    write_csv(
        src / "目标.csv",
        [
            ["年度", "阵地编码", "指标", "目标值"],
            ["2025", "ZX01", "活动场次", "1000000000000"],
            ["99999999999999999999", "ZX01", "服务人次", "100"],
            ["2025", "ZX01", "服务人次", "999999999999"],
        ],
    )
    return build(src, db=tmp / "w.duckdb")


def test_a_huge_number_is_a_rejected_row_and_the_build_goes_on(huge):
    got = {(r["file"], r["row"]): r["reason"] for r in rejects(huge)}
    expected = {
        (f"活动-{n}.csv", 2): (shown, value)
        for n, (_, _, (shown, value)) in enumerate(HUGE_ACTIVITIES)
    }
    expected[("签到.csv", 2)] = ("人数", "2147483648")
    expected[("目标.csv", 2)] = ("目标值", "1000000000000")
    expected[("目标.csv", 3)] = ("年度", "99999999999999999999")
    assert set(got) == set(expected)
    for where, (shown, value) in expected.items():
        assert got[where].startswith(f"“{shown}”的值“{value}”超出合理范围（最大"), where
    assert {r["reason_code"] for r in rejects(huge)} == {"number_too_large"}
    assert counts(huge, "activities") == (8, 2, 0, 6)
    assert counts(huge, "attendance") == (2, 1, 0, 1)
    assert counts(huge, "targets") == (3, 1, 0, 2)


def test_a_huge_number_is_rejected_with_the_limit_in_the_reason(huge):
    reasons = {(r["file"], r["row"]): r["reason"] for r in rejects(huge)}
    assert reasons[("活动-0.csv", 2)] == (
        "“志愿者人数”的值“2147483648”超出合理范围（最大1,000,000）："
        "请核对是否多写了位数、填错了列，或把多场活动合在了一行"
    )
    assert "（最大999,999,999,999）" in reasons[("目标.csv", 2)]
    assert "（最大2,147,483,647）" in reasons[("目标.csv", 3)]


def test_numbers_at_the_limits_are_loaded_and_counted(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(
        src / "活动-补.csv",
        [
            ACTIVITY_HEADER + ["志愿者人数", "参与人次", "志愿服务时长"],
            _activity("HD03") + ["1000000", "1000000", "1000000"],
            _activity("HD04") + ["1000001", "5", "1"],
        ],
    )
    db = tmp_path / "w.duckdb"
    manifest = build(src, db=db)
    assert counts(manifest, "activities") == (4, 3, 0, 1)
    assert query(
        db,
        "SELECT volunteer_count, reported_person_times, volunteer_hours FROM activities "
        "WHERE activity_id = 'HD03'",
    ) == [(1_000_000, 1_000_000, 1_000_000)]


def test_the_limits_follow_the_configuration(tmp_path, monkeypatch):
    config = tmp_path / "wenming.toml"
    config.write_text("max_headcount = 100\nmax_volunteer_hours = 50\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    src = copy_base(tmp_path / "src")
    write_csv(
        src / "活动-补.csv",
        [
            ACTIVITY_HEADER + ["参与人次", "志愿服务时长"],
            _activity("HD03") + ["100", "50"],
            _activity("HD04") + ["101", "1"],
            _activity("HD05") + ["1", "50.01"],
        ],
    )
    manifest = build(src, db=tmp_path / "w.duckdb")
    assert {r["row"]: r["reason"] for r in rejects(manifest, "activities")} == {
        3: REASONS["number_too_large"].format("参与人次", "101", "100"),
        4: REASONS["number_too_large"].format("志愿服务时长（小时）", "50.01", "50"),
    }


# ---------------------------------------------------------------- invisible characters (defect 5)

INVISIBLE_CHARS = ["\u200b", "\ufeff", "\u200e", "\u202e", "\u2060", "\u00ad", "\u200d", "\u3164"]


def test_a_code_with_an_invisible_character_is_the_same_activity(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    header = ACTIVITY_HEADER + ["参与人次"]
    write_csv(src / "活动-0.csv", [header, _activity("HD2025000006", n="100")])
    for n, char in enumerate(INVISIBLE_CHARS, start=1):
        write_csv(src / f"活动-{n}.csv", [header, _activity(f"HD2025000006{char}", n="100")])
    write_csv(
        src / "签到.csv",
        [["活动编码", "人数"]] + [[f"{char}HD2025000006", "10"] for char in INVISIBLE_CHARS],
    )
    db = tmp_path / "w.duckdb"
    manifest = build(src, db=db)
    assert counts(manifest, "activities") == (9, 1, 8, 0)
    assert counts(manifest, "attendance") == (8, 8, 0, 0)
    # the figures without the copies: 1 场次, 80 人次 (the 8 headcount lines of 10)
    assert query(db, "SELECT count(*), sum(person_times) FROM activity_facts") == [(1, 80)]


def test_invisible_characters_in_a_reference_and_a_category_are_ignored(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER, ["HD01", "宣讲", "\ufeffZ01\u200b", "理论\u200d宣讲", "2025-03-05"]],
    )
    db = tmp_path / "w.duckdb"
    assert counts(build(src, db=db), "activities") == (1, 1, 0, 0)
    assert query(db, "SELECT unit_id, category FROM activities") == [("Z01", "理论宣讲")]


def test_a_title_of_only_invisible_characters_is_missing(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER, ["HD01", "\u200b\ufeff\u200e\u3000\u2003", "Z01", "宣讲", "2025-03-05"]],
    )
    [reject] = rejects(build(src, db=tmp_path / "w.duckdb"), "activities")
    assert (reject["reason_code"], reject["reason"]) == (
        "missing_required",
        "缺少必填项“活动名称”，请补填后重新报送",
    )


def test_a_header_with_invisible_characters_is_recognised(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [
            ["\ufeff活动编码\u200b", "活动\u200c名称", "阵地编码\u2060", "服务类别", "开始时间"],
            ["HD01", "宣讲", "Z01", "宣讲", "2025-03-05"],
        ],
    )
    manifest = build(src, db=tmp_path / "w.duckdb")
    assert file_entry(manifest, "活动.csv")["table"] == "activities"
    assert counts(manifest, "activities") == (1, 1, 0, 0)


def test_the_invisible_class_holds_every_format_character_and_no_visible_one():
    pattern = re.compile(INVISIBLE)
    for char in [*INVISIBLE_CHARS, "\u2066", "\u2069", "\u061c", "\U000e0041", "\x00", "\x7f"]:
        assert pattern.fullmatch(char), f"U+{ord(char):04X}"
    for char in ["a", "1", "活", " ", "\u3000", "\t", "\n", "·", "★", "😀"]:
        assert not pattern.fullmatch(char), f"U+{ord(char):04X}"


# ---------------------------------------------------------------- dates out of range (defect 6)

# (开始时间 written, reason code or None when loaded); as-of is 2025-12-31 23:59:59
START_DATES = [
    ("0000-01-01", "date_too_early"),
    ("-2025-01-01", "date_too_early"),
    ("1948-12-31", "date_too_early"),
    ("1949-01-01", None),
    ("2026-01-01", "start_after_as_of"),
    ("2027-01-01", "date_too_late"),
    ("9999-12-31", "date_too_late"),
]


def test_start_dates_are_accepted_from_1949_to_the_year_after_the_as_of(tmp_path):
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER]
        + [[f"HD{n}", "宣讲", "Z01", "宣讲", date] for n, (date, _) in enumerate(START_DATES)],
    )
    manifest = build(src, db=tmp_path / "w.duckdb")
    got = {r["row"]: r["reason_code"] for r in rejects(manifest, "activities")}
    assert got == {n + 2: code for n, (_, code) in enumerate(START_DATES) if code}
    shown = {r["row"]: r["reason"] for r in rejects(manifest, "activities")}
    assert shown[2] == "“开始时间”的值“0000-01-01”早于1949年，不是可接受的日期：请检查年份是否写错"
    assert shown[8] == (
        "“开始时间”的值“9999-12-31”晚于2026年（数据截止年份之后1年以上），"
        "不是可接受的日期：请检查年份是否写错"
    )


def test_every_date_column_has_the_same_window(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(
        src / "阵地-补.csv",
        [["阵地编码", "阵地名称", "层级", "挂牌日期"], ["ZX9", "中心", "中心", "1900-01-01"]],
    )
    write_csv(
        src / "点单-补.csv",
        [
            ["点单编号", "点单时间", "需求类别", "点单阵地编码", "完成时间"],
            ["DD9", "2025-03-01", "义诊", "Z01", "2099-01-01"],
        ],
    )
    write_csv(
        src / "评价.csv",
        [
            ["活动编码", "满意度", "评价时间"],
            ["HD01", "5", "2027-01-01 10:00"],
            ["HD01", "5", "2026-12-31 10:00"],
        ],
    )
    write_csv(src / "签到.csv", [["活动编码", "签到时间"], ["HD01", "0000-03-05"]])
    manifest = build(src, db=tmp_path / "w.duckdb")
    assert {(r["table"], r["row"]): r["reason_code"] for r in rejects(manifest)} == {
        ("units", 2): "date_too_early",
        ("orders", 2): "date_too_late",
        ("ratings", 2): "date_too_late",
        ("attendance", 2): "date_too_early",
    }
    assert [r["reason"] for r in rejects(manifest, "ratings")] == [
        "“评价时间”的值“2027-01-01 10:00”晚于2026年（数据截止年份之后1年以上），"
        "不是可接受的日期：请检查年份是否写错"
    ]


def test_the_date_window_follows_the_configuration(tmp_path, monkeypatch):
    config = tmp_path / "wenming.toml"
    config.write_text("min_year = 2000\nyears_ahead = 0\n", encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(config))
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [ACTIVITY_HEADER, ["HD01", "宣讲", "Z01", "宣讲", "1999-12-31"], ["HD02", "宣讲", "Z01", "宣讲", "2000-01-01"]],
    )  # fmt: skip
    write_csv(
        src / "评价.csv",
        [["活动编码", "满意度", "评价时间"], ["HD02", "5", "2025-12-31"], ["HD02", "4", "2026-01-01"]],
    )  # fmt: skip
    manifest = build(src, db=tmp_path / "w.duckdb")
    assert [(r["table"], r["row"], r["reason_code"]) for r in rejects(manifest)] == [
        ("activities", 2, "date_too_early"),
        ("ratings", 3, "date_too_late"),
    ]


def test_a_later_as_of_rechecks_dates_rejected_as_too_late(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(src / "评价.csv", [["活动编码", "满意度", "评价时间"], ["HD01", "5", "2027-01-01"]])
    db = tmp_path / "w.duckdb"
    assert [r["reason_code"] for r in rejects(build(src, db=db))] == ["date_too_late"]
    code, out, err = run_cli("build", src, "--db", db, "--as-of", "2026-06-30T00:00:00", "--json")
    assert code == 0 and "全量构建" in err
    assert counts(json.loads(out), "ratings") == (1, 1, 0, 0)


# (command line after the warehouse, option named in the answer)
BAD_ARGUMENTS = [
    (["report", "--from", "2025-01-01", "--to", "9999-12-31"], "--to"),
    (["report", "--from", "0001-01-01", "--to", "2025-12-31"], "--from"),
    (["report", "--from", "2025-02-30", "--to", "2025-12-31"], "--from"),
    (["report", "--from", "1948-12-31", "--to", "2025-12-31"], "--from"),
    (["brief", "--from", "2025-01-01", "--to", "2101-01-01", "--out", "kit"], "--to"),
    (["brief", "--from", "2025-01-01", "--to", "2025-03-31", "--out", "kit", "--date", "9999-12-31"], "--date"),
    (["build", "SRC", "--as-of", "9999-12-31T00:00:00"], "--as-of"),
    (["build", "SRC", "--as-of", "0000-01-01"], "--as-of"),
    (["build", "SRC", "--as-of", "明天"], "--as-of"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "option"), BAD_ARGUMENTS)
def test_a_date_argument_out_of_range_or_malformed_is_answered_in_chinese_with_code_2(
    tmp_path, fixture_db, args, option
):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb" if args[0] == "build" else fixture_db
    args = [str(src) if a == "SRC" else str(tmp_path / a) if a == "kit" else a for a in args]
    code, out, err = run_cli(*args, "--db", db)
    assert (code, out) == (2, "")
    assert err.startswith(f"错误：{option} 的值“") and err.count("\n") == 1
    assert "Traceback" not in err and "Error" not in err
    assert not (tmp_path / "kit").exists()
    assert db == fixture_db or not db.exists()


def test_a_date_argument_at_the_edges_is_accepted(fixture_db):
    code, out, _ = run_cli(
        "report", "--db", fixture_db, "--from", "1949-01-01", "--to", "2100-12-31", "--json"
    )
    assert code == 0
    assert json.loads(out)["scope"]["date_to"] == "2100-12-31"


# ---------------------------------------------------------------- personal numbers (defect 7)

PHONE = "13912345686"
ID_CARD = "410106199001011234"
PHONE_SPELLINGS = [
    PHONE,
    "0086 139 1234 5686",
    "+86 13912345686",
    "+8613912345686",
    "(139)1234-5686",
    "139.1234.5686",
    "tel:13912345686",
    "139\u200b12345686",
    "１３９１２３４５６８６",
]
ID_SPELLINGS = [ID_CARD, "410106 19900101 1234", "410106-19900101-1234", "41010619900101\u200b1234"]


def _canonical_leaks(text: str, numbers: list[str]) -> list[str]:
    compact = re.sub(r"[\s\-.()·]", "", re.sub(INVISIBLE, "", text))
    compact = compact.translate({0xFF10 + d: str(d) for d in range(10)})
    return [n for n in numbers if n in compact]


@pytest.fixture(scope="module")
def odd_spellings(tmp_path_factory):
    """Sign-ins of one phone and one ID-card number in every spelling, a rejected row of
    ``+86`` spelling, and free text holding both: (manifest, db, cache)."""
    tmp_path = tmp_path_factory.mktemp("odd")
    src = copy_base(tmp_path / "src", "units")
    write_csv(
        src / "活动.csv",
        [
            ACTIVITY_HEADER + ["地点"],
            ["HD01", f"报名电话{PHONE_SPELLINGS[4]}", "Z01", "宣讲", "2025-03-05", f"身份证{ID_SPELLINGS[1]}"],
        ],
    )  # fmt: skip
    write_csv(
        src / "签到.csv",
        [["活动编码", "参与者编号", "人数"]]
        + [["HD01", spelled, ""] for spelled in PHONE_SPELLINGS + ID_SPELLINGS]
        + [["HD01", "+8613912345686", "3"]],  # headcount_with_person
    )
    write_csv(
        src / "评价.csv",
        [["活动编码", "评价人编号", "满意度", "评价内容"], ["HD01", "tel:13912345686", "2", "打139.1234.5686没人接"]],
    )  # fmt: skip
    db = tmp_path / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WENMING_SALT", "odd-spellings")
        return build(src, db=db), db, tmp_path / ".w.duckdb.cache"


def test_every_spelling_of_one_number_is_one_hashed_person(odd_spellings):
    manifest, db, _ = odd_spellings
    # 13 sign-ins of two people at one activity: 2 loaded, 11 duplicates, the +86 row rejected
    assert counts(manifest, "attendance") == (14, 2, 11, 1)
    people = [p for (p,) in query(db, "SELECT person_id FROM attendance ORDER BY source_row")]
    assert all(p.startswith("h:") for p in people) and len(set(people)) == 2
    [(rater,)] = query(db, "SELECT rater_id FROM ratings")
    assert rater == people[0]  # the rater is the same person as the phone's sign-in


def test_free_text_holds_personal_numbers_masked(odd_spellings):
    _, db, _ = odd_spellings
    assert query(db, "SELECT title, location FROM activities") == [
        ("报名电话(139****5686", "身份证410106********1234")
    ]
    assert query(db, "SELECT comment FROM ratings") == [("打139****5686没人接",)]


def test_a_rejected_row_shows_a_plus_86_number_masked(odd_spellings):
    manifest, _, _ = odd_spellings
    [reject] = rejects(manifest, "attendance")
    assert reject["raw"] == {"活动编码": "HD01", "参与者编号": "+86139****5686", "人数": "3"}


def test_no_spelling_of_the_numbers_is_stored_anywhere(odd_spellings):
    manifest, db, cache = odd_spellings
    assert not _canonical_leaks(json.dumps(manifest, ensure_ascii=False), [PHONE, ID_CARD])
    for table, column in [("attendance", "person_id"), ("ratings", "rater_id"), ("rejects", "raw"), ("rejects", "reason"), ("manifest", "manifest_json"), ("activities", "title")]:  # fmt: skip
        for (value,) in query(db, f'SELECT "{column}" FROM {table}'):
            assert not _canonical_leaks(value, [PHONE, ID_CARD]), (table, value)
    for path in cache.iterdir():
        if path.suffix == ".json":
            assert not _canonical_leaks(path.read_text(encoding="utf-8"), [PHONE, ID_CARD])


def test_a_header_less_file_shows_its_first_row_masked_everywhere(tmp_path):
    src = copy_base(tmp_path / "src")
    write_csv(src / "名单.csv", [["13912345686", "410106199001011234"], ["13800138000", "张三"]])
    db = tmp_path / "w.duckdb"
    manifest = build(src, db=db)
    shown = ["139****5686", "410106********1234"]
    assert file_entry(manifest, "名单.csv")["headers"] == shown
    [(stored,)] = query(db, "SELECT manifest_json FROM manifest")
    assert file_entry(json.loads(stored), "名单.csv")["headers"] == shown
    index = [p for p in (tmp_path / ".w.duckdb.cache").glob("*.json") if p.name != "digests.json"]
    texts = [p.read_text(encoding="utf-8") for p in index]
    assert any("139****5686" in t for t in texts)
    assert not any(PHONE in t or ID_CARD in t for t in texts)
    code, out, _ = run_cli("build", src, "--db", db, "--as-of", AS_OF)
    assert code == 0 and "139****5686、410106********1234" in out and PHONE not in out


def test_a_code_holding_a_phone_number_in_text_is_hashed_not_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("WENMING_SALT", "codes")
    src = copy_base(tmp_path / "src", "units", "activities")
    write_csv(
        src / "签到.csv",
        [["活动编码", "参与者编号"], ["HD01", "P-13912345686"], ["HD01", "P-13912349999"]],
    )
    db = tmp_path / "w.duckdb"
    assert counts(build(src, db=db), "attendance") == (2, 2, 0, 0)
    people = [p for (p,) in query(db, "SELECT person_id FROM attendance")]
    assert len(set(people)) == 2 and all(p.startswith("h:") for p in people)


# (text, as stored): a number however typed is masked; other numbers are left alone
MASKED_TEXTS = [
    ("0086 139 1234 5686", "0086 139****5686"),
    ("+86 13912345686", "+86 139****5686"),
    ("(139)1234-5686", "(139****5686"),
    ("139.1234.5686", "139****5686"),
    ("tel:13912345686", "tel:139****5686"),
    ("139\u200b12345686", "139****5686"),
    ("１３９１２３４５６８６", "１３９****５６８６"),
    ("410106 19900101 1234", "410106********1234"),
    ("410106-19900101-123x", "410106********123x"),
    ("41010619900101\u200b1234", "410106********1234"),
    ("打139.1234.5686没人接", "打139****5686没人接"),
    ("共13.5小时，120人次", "共13.5小时，120人次"),
    ("2025-03-05 14:30", "2025-03-05 14:30"),
    ("HD2025000006", "HD2025000006"),
    ("139123456861", "139123456861"),
]


@pytest.mark.parametrize(("text", "stored"), MASKED_TEXTS)
def test_text_is_stored_with_numbers_masked_however_they_are_typed(text, stored):
    frame = pl.DataFrame({"text": [text]})
    assert frame.select(pii.mask_text(pl.col("text"))).item() == stored


def test_every_reason_code_is_in_the_manifest_schema_and_has_a_page_label():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    listed = schema["$defs"]["reject"]["properties"]["reason_code"]["enum"]
    codes = {*REASONS, *MAPPING_CODES}  # a mapped ledger's names and derived codes
    assert sorted(listed) == sorted(codes)
    assert sorted(REASON_LABELS) == sorted(codes)
