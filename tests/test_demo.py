"""The demo ledgers: same arguments give the same bytes, sizes stay within bounds, and the
deliberately bad rows are where the summary says.

Files are read here with plain ``csv`` and calamine and a header list written out in
this file, never with the pipeline's readers, so the demo is checked independently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import statistics
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import python_calamine

from pipelines.cli import main
from pipelines.demo import MARKER, write_demo
from pipelines.demo.integrity_plants import FOLDER as PLANTS_FOLDER

# every header spelling the demo writes -> the contract's key
HEADERS = {
    **dict.fromkeys(("阵地编码", "承办阵地编码", "所属阵地编码", "点单阵地编码"), "unit_id"),
    **dict.fromkeys(("阵地名称", "名称"), "name"),
    **dict.fromkeys(("层级",), "level"),
    **dict.fromkeys(("上级编码",), "parent_id"),
    **dict.fromkeys(("服务村居",), "serves"),
    **dict.fromkeys(("统计用区划代码",), "code"),
    **dict.fromkeys(("区划代码",), "division_code"),
    **dict.fromkeys(("项目名称",), "brand_name"),
    **dict.fromkeys(("项目编码", "品牌项目编码"), "brand_id"),
    **dict.fromkeys(("活动编码", "活动编号", "activity_id"), "activity_id"),
    **dict.fromkeys(("活动名称", "活动主题"), "title"),
    **dict.fromkeys(("服务类别", "活动类别", "需求类别"), "category"),
    **dict.fromkeys(("开始时间", "活动时间", "活动日期"), "start_at"),
    **dict.fromkeys(("点单编号",), "order_id"),
    **dict.fromkeys(("点单时间",), "ordered_at"),
    **dict.fromkeys(("参与者编号", "参与人编号", "志愿者编号", "person_id"), "person_id"),
    **dict.fromkeys(("人数", "headcount"), "headcount"),
    **dict.fromkeys(("评价人编号",), "rater_id"),
    **dict.fromkeys(("满意度", "评分"), "score"),
    **dict.fromkeys(("指标",), "metric"),
    **dict.fromkeys(("目标值",), "value"),
    **dict.fromkeys(("队伍编码",), "team_id"),
    **dict.fromkeys(("兑换编号",), "redemption_id"),
    **dict.fromkeys(("兑换阵地编码",), "unit_id"),
    **dict.fromkeys(("服务时长(小时)",), "service_hours"),
    **dict.fromkeys(("队员人数",), "member_count"),
    **dict.fromkeys(("兑换积分",), "points"),
    **dict.fromkeys(("兑换时间",), "redeemed_at"),
    **dict.fromkeys(("志愿服务时长(小时)", "志愿服务时长", "服务时长"), "volunteer_hours"),
    **dict.fromkeys(("制度上墙",), "is_rules_posted"),
    **dict.fromkeys(("功能室数量",), "room_count"),
    **dict.fromkeys(("场所面积(平方米)",), "area_sqm"),
}
TOTALS = ("合计", "小计", "总计", "总合计")
STARS = re.compile(r"^★{1,5}☆*$")
WORDS = {"非常满意": 5, "满意": 4, "基本满意": 3, "一般": 3, "不满意": 2, "非常不满意": 1}


def _norm(value: object) -> str:
    if isinstance(value, str) and value.isascii():
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text[:-4] if text.endswith("(必填)") else text.removesuffix("*")


def _sheets(path: Path) -> list[tuple[str | None, list[list[str]]]]:
    """Every sheet of a file as rows of normalised text, row i being Excel's row i + 1."""
    if path.suffix == ".xlsx":
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        return [
            (
                name,
                [
                    [_norm(c) for c in row]
                    for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                ],
            )
            for name in book.sheet_names
        ]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [(None, [[_norm(c) for c in row] for row in csv.reader(io.StringIO(text))])]


def _table(keys: set[str]) -> str:
    for table, needed in (
        ("teams", {"team_id"}),
        ("redemptions", {"redemption_id"}),
        ("units", {"level"}),
        ("brands", {"brand_name"}),
        ("orders", {"ordered_at"}),
        ("ratings", {"score"}),
        ("activities", {"title"}),
        ("attendance", {"activity_id"}),
        ("targets", {"metric"}),
        ("divisions", {"code"}),
    ):
        if needed <= keys:
            return table
    raise AssertionError(f"no table for {keys}")


def _records(root: Path, skip: tuple[str, ...] = ()) -> dict[str, list[dict[str, str]]]:
    """Data rows per table: below the header, less blank and total rows, byte copies skipped."""
    seen: set[str] = set()
    tables: dict[str, list[dict[str, str]]] = defaultdict(list)
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".csv", ".xlsx")):
        if path.name in skip:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        rel = path.relative_to(root).as_posix()
        for sheet, rows in _sheets(path):
            top = next(i for i, r in enumerate(rows) if sum(c in HEADERS for c in r) >= 2)
            names = list(rows[top])
            below = rows[top + 1] if top + 1 < len(rows) else []
            if any(b in HEADERS and a not in HEADERS for a, b in zip(names, below, strict=False)):
                # the lower half of a two-row merged header
                names = [b or a for a, b in zip(names, below + [""] * len(names), strict=False)]
                top += 1
            columns = {i: HEADERS[n] for i, n in enumerate(names) if n in HEADERS}
            table = _table(set(columns.values()))
            for number, row in enumerate(rows[top + 1 :], start=top + 2):
                filled = [c for c in row if c]
                if not filled or filled[0] in TOTALS:
                    continue
                record = {key: row[i] if i < len(row) else "" for i, key in columns.items()}
                record["_file"] = rel
                record["_row"] = str(number)
                record["_sheet"] = sheet or ""
                tables[table].append(record)
    return tables


def _score(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if STARS.match(text):
        return text.count("★")
    return WORDS.get(text)


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def county(demo_ledgers) -> tuple[Path, dict]:
    """``write_demo(out)`` with its defaults (the county), written once per run."""
    return demo_ledgers


@pytest.fixture(scope="module")
def city_alone(tmp_path_factory) -> Path:
    """``write_demo(out, scale="city", max_counties=0)``: the city with the county alone,
    written once per run. Copy it before changing it."""
    from conftest import made_once

    return made_once(
        tmp_path_factory, "demo-city-0", lambda out: write_demo(out, scale="city", max_counties=0)
    )


@pytest.fixture(scope="module")
def tables(county) -> dict[str, list[dict[str, str]]]:
    return _records(county[0])


def _years(summary: dict) -> list[int]:
    """The calendar years the demo spans, the reporting year last."""
    return list(range(summary["year"] - summary["years"] + 1, summary["year"] + 1))


def _of_year(rows: list[dict[str, str]], year: int, years: list[int]) -> list[dict[str, str]]:
    """The rows of one year's ledgers: files naming another year of the span are left out."""
    others = [str(y) for y in years if y != year]
    return [r for r in rows if not any(y in r["_file"] for y in others)]


def _activity_year(row: dict[str, str]) -> int | None:
    """The year an activity code names (HD2025000001, BB20250001), if the row has one."""
    found = re.match(r"[A-Z]{2}(\d{4})", row.get("activity_id", ""))
    return int(found[1]) if found else None


def test_another_seed_writes_other_ledgers(county, tmp_path):
    out, _ = county
    write_demo(tmp_path, seed=2)
    first, second = _digests(out), _digests(tmp_path)
    assert first.keys() == second.keys()
    ledgers = [f for f in first if f.startswith(("activities/", "attendance/", "ratings/"))]
    # per year: 6 towns x 12 months, the 中心's workbook, 3 sign-in and 2 rating files
    assert {y: sum(str(y) in f for f in ledgers) for y in _years(county[1])} == {
        y: 6 * 12 + 1 + 3 + 2 + (1 if y == county[1]["year"] else 0)  # + the re-sent copy
        for y in _years(county[1])
    }
    assert all(first[f] != second[f] for f in ledgers)


@pytest.mark.parametrize(
    ("table", "low", "high"),
    [
        ("units", 80, 100),
        ("divisions", 70, 90),
        ("brands", 12, 12),
        ("orders", 250, 400),
        ("activities", 1450, 1600),
        ("attendance", 30_000, 50_000),
        ("ratings", 5_000, 10_000),
        ("targets", 29, 29),
    ],
)
def test_row_counts_of_the_reporting_year_stay_within_bounds(county, tables, table, low, high):
    _, summary = county
    rows = _of_year(tables[table], summary["year"], _years(summary))
    # a file spanning the years (practices/ 服务时长) counts the rows of this year's activities
    rows = [r for r in rows if _activity_year(r) in (None, summary["year"])]
    assert low <= len(rows) <= high


def test_the_demo_spans_two_years_and_the_earlier_one_is_a_little_less_busy(county, tables):
    _, summary = county
    years = _years(summary)
    assert years == [2024, 2025]
    of_year = {y: _of_year(tables["activities"], y, years) for y in years}
    # the integrity audit's 补报 plants (backfill/) come with the reporting year only;
    # the years are compared on the ledgers the simulation writes
    planted = {y: [a for a in of_year[y] if a["_file"].startswith(PLANTS_FOLDER)] for y in years}
    assert {y: {a["activity_id"][:6] for a in planted[y]} for y in years} == {
        2024: set(),
        2025: {"BB2025"},
    }
    ledgers = {y: [a for a in of_year[y] if a not in planted[y]] for y in years}
    counts = {y: len(ledgers[y]) for y in years}
    assert 0.8 * counts[2025] <= counts[2024] < counts[2025]
    prefixes = {y: {a["activity_id"][:6] for a in ledgers[y]} for y in years}
    assert prefixes == {2024: {"HD2024"}, 2025: {"HD2025"}}
    # most stations report in both years, so 同比 compares like with like
    stations = {u["unit_id"] for u in tables["units"] if u["level"].endswith("站")}
    active = {y: {a["unit_id"] for a in ledgers[y]} & stations for y in years}
    assert len(active[2024] & active[2025]) >= 0.9 * len(active[2025])


def test_summary_counts_the_rows_the_files_hold(county, tables):
    _, summary = county
    assert summary["rows"] == {table: len(rows) for table, rows in tables.items()}


def test_the_county_has_one_centre_six_towns_and_62_stations(tables):
    levels = Counter(u["level"].removeprefix("实践") for u in tables["units"])
    assert (levels["中心"], levels["所"], levels["站"], levels["基地"]) == (1, 6, 62, 5)
    assert levels["点"] == 13  # 12 points and the one with a dropped digit


def test_every_town_has_between_8_and_12_stations(tables):
    per_town = Counter(u["parent_id"] for u in tables["units"] if u["level"].endswith("站"))
    assert len(per_town) == 6
    assert all(8 <= n <= 12 for n in per_town.values()), per_town


def test_the_joint_station_serves_the_five_wuyun_villages(tables):
    names = {d["code"]: d.get("name", "") for d in tables["divisions"]}
    joint = next(u for u in tables["units"] if u["name"] == "五云联合新时代文明实践站")
    served = [names[c] for c in re.split("[;；、,，]", joint["serves"])]
    assert served == [
        "东林子村委会",
        "西林子村委会",
        "营坡顶村委会",
        "老寨河村委会",
        "杨家沟村委会",
    ]


def test_four_villages_have_no_station(tables):
    villages = {
        d["code"]
        for d in tables["divisions"]
        if len(d["code"]) == 12 and not d["code"].endswith("000")
    }
    served = set()
    for unit in tables["units"]:
        if unit["level"].endswith("站"):
            served.update(
                re.split("[;；、,，]", unit["serves"])
                if unit["serves"]
                else [unit["division_code"]]
            )
    assert len(villages) == 71
    assert len(villages - served) == 4


def test_ratings_per_activity_stay_between_0_and_15(tables):
    per_activity = Counter(r["activity_id"] for r in tables["ratings"])
    activities = {a["activity_id"] for a in tables["activities"]}
    assert max(per_activity.values()) <= 15
    assert 3 <= len(tables["ratings"]) / len(activities) <= 7


def test_one_brand_is_rated_poorly_and_the_others_well(tables):
    brand_of = {}
    for act in tables["activities"]:
        brand_of.setdefault(act["activity_id"], act["brand_id"])
    scores = defaultdict(list)
    for rating in tables["ratings"]:
        score = _score(rating["score"])
        brand = brand_of.get(rating["activity_id"])
        if brand and score and 1 <= score <= 5:
            scores[brand].append(score)
    means = {brand: statistics.mean(s) for brand, s in scores.items()}
    assert len(means) == 12
    poor = [b for b, m in means.items() if m < 3.5]
    assert poor == ["PP007"]
    assert 2.2 <= means["PP007"] <= 2.8
    assert len(scores["PP007"]) >= 60
    assert all(m >= 4.0 for b, m in means.items() if b != "PP007")


def test_every_activity_names_a_unit_from_the_units_file_but_one(tables):
    units = {u["unit_id"] for u in tables["units"]}
    named = {a["unit_id"] for a in tables["activities"]}
    assert named - units == {"Z410106005099"}


def test_march_is_busier_than_february_and_culture_peaks_at_the_spring_festival(tables):
    months = Counter()
    culture = Counter()
    for act in tables["activities"]:
        month = int(re.match(r"(\d{4})\D?(\d{1,2})", act["start_at"]).group(2))
        months[month] += 1
        culture[month] += act["title"].startswith("“我们的节日·春节”")
    assert months[3] > 1.6 * months[2]
    assert culture[1] + culture[2] >= 10


def test_three_stations_fall_idle_for_more_than_60_days(tables):
    stations = {u["unit_id"] for u in tables["units"] if u["level"].endswith("站")}
    last = {}
    for act in tables["activities"]:
        if act["unit_id"] in stations:
            parts = re.match(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})", act["start_at"]).groups()
            try:
                day = dt.date(*map(int, parts))
            except ValueError:  # the deliberately bad 6月31日
                continue
            last[act["unit_id"]] = max(last.get(act["unit_id"], day), day)
    idle = [u for u, day in last.items() if day < dt.date(2025, 11, 1)]
    assert len(idle) == 3


def test_about_a_fifth_of_the_activities_answer_an_order(tables):
    ordered = sum(1 for a in tables["activities"] if a["order_id"])
    assert 0.15 <= ordered / len(tables["activities"]) <= 0.25


def test_some_people_come_again_and_some_ids_are_phone_numbers(tables):
    people = Counter(r["person_id"] for r in tables["attendance"] if r["person_id"].startswith("P"))
    phones = {
        r["person_id"] for r in tables["attendance"] if re.fullmatch(r"1\d{10}", r["person_id"])
    }
    assert sum(1 for n in people.values() if n >= 5) >= 1000
    assert "13800138000" in phones and len(phones) >= 20


def test_the_resent_file_is_a_byte_copy(county):
    out, _ = county
    by_digest = defaultdict(list)
    for name, digest in _digests(out).items():
        by_digest[digest].append(name)
    copies = [sorted(names) for names in by_digest.values() if len(names) > 1]
    assert copies == [
        ["activities/工业路街道_2025-06.csv", "activities/工业路街道_2025-06（重报）.csv"]
    ]


def test_one_ledger_is_gbk_and_others_start_with_a_bom(county):
    out, _ = county
    gbk, bom = [], []
    for path in out.rglob("*.csv"):
        data = path.read_bytes()
        bom += [path.name] if data.startswith(b"\xef\xbb\xbf") else []
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data.decode("gbk")
            gbk.append(path.name)
    assert sorted(gbk) == [
        f"峡窝镇_{y}-{m:02d}.csv" for y in _years(county[1]) for m in range(1, 13)
    ]
    assert len(bom) >= 10


def test_sixteen_bad_rows_are_listed_and_each_is_where_the_summary_says(county):
    out, summary = county
    assert len(summary["bad_rows"]) == 16
    for bad in summary["bad_rows"]:
        sheets = dict(_sheets(out / bad["file"]))
        row = sheets[bad.get("sheet")][bad["row"] - 1]
        tokens = re.findall(r"[A-Z]*\d[\d.]{4,}\d", bad["what"])
        assert tokens and any(t in row for t in tokens), (bad, row)


def test_the_cli_prints_json_and_same_arguments_write_the_same_bytes(county, tmp_path, capsys):
    # one county written here (a few CPU seconds), checked both as the CLI's output and
    # against the run's first write with the same (default) arguments
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["files"] == sum(1 for p in out.rglob("*") if p.is_file() and p.name != MARKER)
    assert printed["rows"] == county[1]["rows"]  # the same run as write_demo's defaults
    assert _digests(out) == _digests(county[0])


def test_the_cli_says_in_one_chinese_line_what_it_wrote_and_a_rerun_removes_only_its_own_files(
    city_alone, tmp_path, capsys
):
    # one county written (a few CPU seconds) over a city the last run wrote and a file of
    # the user's: `make run` runs this first, one line a person reads, not 130 of JSON
    (tmp_path / "mine.csv").write_text("活动编码\n", encoding="utf-8")
    shutil.copytree(city_alone, tmp_path, dirs_exist_ok=True)  # as write_demo(city) leaves it
    assert (tmp_path / "410106_上街区" / "基础信息.xlsx").is_file()
    assert main(["demo", "--out", str(tmp_path)]) == 0  # write_demo(tmp_path), its defaults
    printed = capsys.readouterr().out.strip().splitlines()
    assert not list(tmp_path.glob("410106_上街区/**/*.*"))
    assert (tmp_path / "mine.csv").is_file()
    assert json.loads((tmp_path / MARKER).read_text(encoding="utf-8"))["scale"] == "county"
    files = [f for f in tmp_path.rglob("*") if f.is_file() and f.name not in (MARKER, "mine.csv")]
    assert len(printed) == 1 and printed[0].startswith("已生成演示台账")
    assert f"（{len(files)} 个文件" in printed[0]


def test_a_city_puts_every_county_centre_under_the_city_centre(county, tmp_path):
    summary = write_demo(tmp_path, scale="city", max_counties=1)
    big = ("参与记录.csv", "评价.csv")
    tables = _records(tmp_path, skip=big)
    units = tables["units"]
    assert max(Counter(u["unit_id"] for u in units).values()) == 1
    centres = {u["unit_id"]: u["parent_id"] for u in units if u["level"].endswith("中心")}
    assert centres == {"ZX410106": "ZX4101", "ZX410102": "ZX4101"}
    activity_ids = Counter(a["activity_id"] for a in tables["activities"])
    assert sum(n > 1 for n in activity_ids.values()) == 2  # the re-sent and the conflicting row
    # the streamed county's big files are plain: one header line, then one line per row
    streamed = {
        name: (tmp_path / "410102_中原区" / name).read_bytes().count(b"\n") - 1 for name in big
    }
    county_rows = county[1]["rows"]
    # practices/ holds the hours of the whole demo: the county's alone, or the city's
    hours = {
        scale: (root / "practices" / "志愿服务时长登记.csv").read_bytes().count(b"\n") - 1
        for scale, root in (("county", county[0]), ("city", tmp_path))
    }
    ledgers = county_rows["attendance"] - hours["county"] + streamed["参与记录.csv"]
    assert summary["rows"]["attendance"] == ledgers + hours["city"]
    assert summary["rows"]["ratings"] == county_rows["ratings"] + streamed["评价.csv"]
    assert 9_000 <= len(activity_ids) - county_rows["activities"] <= 12_000
    small = {t: n for t, n in summary["rows"].items() if t not in ("attendance", "ratings")}
    assert small == {t: len(rows) for t, rows in tables.items() if t in small}


def test_the_city_holds_the_county_ledgers_unchanged_but_the_centre_parent(county, city_alone):
    city = _digests(city_alone / "410106_上街区")
    # practices/ covers the whole demo: at the city scale it is the city's, beside the counties
    alone = {
        f: d
        for f, d in _digests(county[0]).items()
        if f != MARKER and not f.startswith("practices/")
    }
    assert city.keys() == alone.keys()
    assert [f for f in city if city[f] != alone[f]] == ["基础信息.xlsx"]


def test_the_build_rejects_exactly_the_listed_bad_rows(county, demo_build):
    # demo_build ran ``wenming build <county> --db … --as-of 2025-12-31T23:59:59 --json``
    _out, summary = county
    _db, manifest = demo_build
    rejected = sorted((r["file"], r.get("sheet") or "", r["row"]) for r in manifest["rejects"])
    listed = sorted((b["file"], b.get("sheet", ""), b["row"]) for b in summary["bad_rows"])
    assert rejected == listed
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == summary["rows"]
    assert manifest["tables"]["activities"]["duplicates"] == 1


# ---------------------------------------------------------------- the practices (issue 15)


def _day(text: str) -> dt.date | None:
    """The date of a demo cell: 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305 or
    an Excel serial day; None for the deliberately bad ones."""
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
    found = re.match(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})", text)
    try:
        return dt.date(*map(int, found.groups())) if found else None
    except ValueError:
        return None


def _levels(tables) -> dict[str, str]:
    return {u["unit_id"]: u["level"].removeprefix("实践") for u in tables["units"]}


def test_every_town_has_eight_teams_of_its_own_and_most_stations_one(tables):
    levels = _levels(tables)
    per_unit = Counter(t["unit_id"] for t in tables["teams"])
    towns = [u for u, level in levels.items() if level == "所"]
    stations = [u for u, level in levels.items() if level == "站"]
    assert [per_unit[t] for t in towns] == [8] * len(towns)
    with_team = sum(per_unit[s] > 0 for s in stations)
    assert 0.9 * len(stations) <= with_team <= len(stations)
    assert set(per_unit) <= set(levels)
    members = [int(t["member_count"]) for t in tables["teams"]]
    assert min(members) < 10 <= max(members)  # some teams too small for 有队伍


def test_volunteers_hours_stay_within_a_day_and_mostly_add_up_to_the_ledgers(tables):
    hours = [a for a in tables["attendance"] if a.get("service_hours")]
    assert all(0 < float(a["service_hours"]) <= 24 for a in hours)
    assert len({(a["activity_id"], a["person_id"]) for a in hours}) == len(hours)
    ledger: dict[str, float] = {}
    for a in tables["activities"]:
        if a.get("volunteer_hours"):
            ledger.setdefault(a["activity_id"], float(a["volunteer_hours"]))
    persons: dict[str, float] = defaultdict(float)
    for a in hours:
        persons[a["activity_id"]] += float(a["service_hours"])
    assert set(persons) <= set(ledger)
    off = [i for i, total in persons.items() if abs(total - ledger[i]) > 0.1 * ledger[i]]
    assert 0 < len(off) <= 0.06 * len(persons)


def test_a_few_redemptions_exceed_the_points_earned_before_them(tables):
    start = {}
    for a in tables["activities"]:
        start.setdefault(a["activity_id"], _day(a["start_at"]))
    earned: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
    for a in tables["attendance"]:
        if a.get("service_hours"):
            earned[a["person_id"]].append((start[a["activity_id"]], float(a["service_hours"])))
    redeemed: dict[str, int] = defaultdict(int)
    over = 0
    rows = sorted(tables["redemptions"], key=lambda r: r["redeemed_at"])
    for r in rows:
        day = _day(r["redeemed_at"])
        balance = (
            10 * sum(h for d, h in earned[r["person_id"]] if d < day) - redeemed[r["person_id"]]
        )
        over += int(r["points"]) > balance + 1e-6
        redeemed[r["person_id"]] += int(r["points"])
    assert all(int(r["points"]) > 0 for r in rows)
    assert 0 < over <= 0.05 * len(rows)


def test_most_towns_and_stations_send_the_five_haves_columns_and_some_do_not(tables):
    levels = _levels(tables)
    judged = [u for u in tables["units"] if levels[u["unit_id"]] in ("所", "站")]
    posted = [u["is_rules_posted"] for u in judged]
    assert set(posted) == {"是", "否", ""}
    assert 0.8 * len(judged) <= sum(p != "" for p in posted) < len(judged)
    rooms = [int(u["room_count"]) for u in judged if u["room_count"]]
    assert min(rooms) == 0 and len(rooms) >= 0.8 * len(judged)
    others = [u for u in tables["units"] if levels[u["unit_id"]] not in ("所", "站")]
    assert all(not u.get("is_rules_posted") for u in others)
