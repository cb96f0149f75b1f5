"""The append path: a build that adds new files to the last warehouse equals a full
rebuild of the same sources, and falls back to one whenever it could not be equal."""

import json
import shutil

import duckdb
import pytest

from pipelines.build import build, cache_dir, decisions_path
from pipelines.build_cli import parse_as_of
from pipelines.schema import DDL

AS_OF = parse_as_of("2025-12-31T23:59:59")
APPENDED = "增量构建"
FULL = "全量构建"

ACTIVITY_HEADER = (
    "活动编码,活动名称,阵地编码,品牌项目编码,服务类别,开始时间,结束时间,来源,点单编号,"
    "志愿者人数,志愿服务时长（小时）,服务对象,参与人次,地点\n"
)
ATTENDANCE_HEADER = "活动编码,参与者编号,人数,签到时间,人群类别\n"
RATINGS_HEADER = "活动编码,评价人编号,评分,意见建议,评价时间\n"


def _activity(code: str, unit: str = "Z410106002003", day: str = "2025/12/2", order="") -> str:
    source = "群众点单" if order else "自主"
    return (
        f"{code},邻里议事会,{unit},,理论宣讲,{day} 9:30,{day} 11:00,{source},{order},"
        "3,6,群众,40,兴华社区新时代文明实践站\n"
    )


def _dump(db) -> dict[str, list[tuple]]:
    """Every table of the warehouse, rows sorted; the manifest without its stamps."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {
            t: sorted(con.sql(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in DDL
            if t != "manifest"
        }
        (as_of, manifest_json), *_ = con.sql("SELECT as_of, manifest_json FROM manifest").fetchall()
        out["manifest"] = [(as_of, json.loads(manifest_json))]
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def ledgers(demo_ledgers_one_year):
    return demo_ledgers_one_year  # build mechanics, one year: county, 2025, seed 3


@pytest.fixture
def built(demo_build_one_year, monkeypatch):
    """The demo built once per run (conftest, as of AS_OF); each test starts from a copy
    (warehouse, salt, cache). Sets the salt it was built with."""
    db, salt = demo_build_one_year
    monkeypatch.setenv("WENMING_SALT", salt)
    return db


@pytest.fixture
def warehouse(built, tmp_path):
    db = tmp_path / "wh" / "wh.duckdb"
    shutil.copytree(built.parent, db.parent)
    return db


def _build(sources, db, as_of=AS_OF) -> tuple[dict, list[str]]:
    said: list[str] = []
    manifest = build(sources, db, as_of=as_of, progress=said.append)
    return manifest, said


def _mode(said: list[str]) -> str:
    return APPENDED if any(APPENDED in s for s in said) else FULL


def _assert_equals_full_rebuild(db, sources, tmp_path, as_of=AS_OF, staged=None) -> None:
    """``db`` equals a full build of ``sources`` into a new folder (same salt, decisions).

    With ``staged`` (the module's first build, of the base ledgers alone), the new folder
    starts with a copy of that build's staged files, so the reference stages only the
    files added since; test_incremental proves such a build equals one staged from
    nothing, and test_a_monthly_ledger_is_appended_and_equals_a_full_rebuild checks
    against a reference staged from nothing."""
    reference = tmp_path / "reference" / "wh.duckdb"
    reference.parent.mkdir()
    if staged is not None:
        shutil.copytree(cache_dir(staged), cache_dir(reference))
    if db.with_name("wh.salt").exists():
        shutil.copy(db.with_name("wh.salt"), reference.with_name("wh.salt"))
    if decisions_path(db).exists():
        shutil.copy(decisions_path(db), decisions_path(reference))
    _manifest, said = _build(sources, reference, as_of)
    assert _mode(said) == FULL
    ours, theirs = _dump(db), _dump(reference)
    for table in theirs:
        assert ours[table] == theirs[table], table


def _monthly_ledger(ledgers, folder, name="增补_兴华社区_2025-12.csv"):
    """A town's December ledger sent later: activities, their sign-ins and ratings, with
    a duplicate line, a sign-in for an unknown activity and one for an old rejected code."""
    folder.mkdir(parents=True, exist_ok=True)
    acts = [_activity(f"ZB2025{n:06d}") for n in range(1, 6)]
    (folder / name).write_text(
        ACTIVITY_HEADER + "".join(acts) + acts[0] + _activity("ZB2025000009", unit="Z_NO_SUCH"),
        encoding="utf-8",
    )
    signs = [f"ZB2025{n:06d},P9{n:05d},1,2025/12/2 9:20,群众\n" for n in range(1, 6)]
    signs += ["ZB2025000001,,12,2025/12/2 9:25,群众\n"] * 2  # two headcount lines, both count
    signs += ["ZB2025999999,P900001,1,2025/12/2 9:20,群众\n"]
    (folder / name.replace(".csv", "_签到.csv")).write_text(
        ATTENDANCE_HEADER + "".join(signs), encoding="utf-8"
    )
    rates = [f"ZB2025{n:06d},P9{n:05d},{1 + n % 5},很好,2025/12/2 12:00\n" for n in range(1, 6)]
    (folder / name.replace(".csv", "_评单.csv")).write_text(
        RATINGS_HEADER + "".join(rates) + "ZB2025000002,,5,,2025/12/2 12:30\n", encoding="utf-8"
    )
    return folder


def test_a_monthly_ledger_is_appended_and_equals_a_full_rebuild(ledgers, warehouse, tmp_path):
    extra = _monthly_ledger(ledgers, tmp_path / "zz_later")
    manifest, said = _build([ledgers, extra], warehouse)
    assert _mode(said) == APPENDED, said
    assert manifest["tables"]["activities"]["duplicates"] >= 1
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], tmp_path)
    con = duckdb.connect(str(warehouse), read_only=True)
    n = con.sql("SELECT COUNT(*) FROM activities WHERE activity_id LIKE 'ZB2025%'").fetchall()
    headcount = con.sql(
        "SELECT SUM(headcount) FROM attendance WHERE activity_id = 'ZB2025000001'"
    ).fetchall()
    con.close()
    assert n == [(5,)]
    assert headcount == [(1 + 12 + 12,)]


def test_the_same_sources_again_are_appended_with_nothing_to_add(ledgers, warehouse, tmp_path):
    before = _dump(warehouse)
    _manifest, said = _build([ledgers], warehouse)
    assert _mode(said) == APPENDED
    assert _dump(warehouse) == before


def test_new_activities_sorting_before_the_old_ones_rebuild_in_full(
    ledgers, built, warehouse, tmp_path
):
    extra = _monthly_ledger(ledgers, tmp_path / "extra", name="000_早报.csv")
    _manifest, said = _build([extra, ledgers], warehouse)
    assert _mode(said) == FULL  # activities and persons are numbered in file order
    _assert_equals_full_rebuild(warehouse, [extra, ledgers], tmp_path, staged=built)


def test_new_targets_sorting_before_the_old_files_are_appended(ledgers, built, warehouse, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "000_目标.csv").write_text(
        "年度,阵地编码,指标,目标值\n2026,S410106002,活动场次,120\n", encoding="utf-8"
    )
    _manifest, said = _build([extra, ledgers], warehouse)
    assert _mode(said) == APPENDED
    _assert_equals_full_rebuild(warehouse, [extra, ledgers], tmp_path, staged=built)


def test_a_copy_of_an_old_file_sorting_before_it_rebuilds_in_full(
    ledgers, built, warehouse, tmp_path
):
    extra = tmp_path / "extra"
    extra.mkdir()
    first = sorted((ledgers / "activities").glob("*.csv"))[0]
    shutil.copy(first, extra / ("0_" + first.name))  # the copy sorts first: it is kept
    _manifest, said = _build([extra, ledgers], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [extra, ledgers], tmp_path, staged=built)


def test_a_new_row_with_an_old_key_rebuilds_in_full(ledgers, built, warehouse, tmp_path):
    extra = tmp_path / "zz_later"
    extra.mkdir()
    # an old activity sent again with another title: a conflict the old row wins
    (extra / "重报.csv").write_text(
        ACTIVITY_HEADER + _activity("HD2025000006", day="2025/1/2"), encoding="utf-8"
    )
    _manifest, said = _build([ledgers, extra], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], tmp_path, staged=built)


def test_new_sign_ins_of_an_old_activity_rebuild_in_full(ledgers, built, warehouse, tmp_path):
    extra = tmp_path / "zz_later"
    extra.mkdir()
    (extra / "补签到.csv").write_text(
        ATTENDANCE_HEADER + "HD2025000006,P955555,1,2025/1/2 9:20,群众\n", encoding="utf-8"
    )
    _manifest, said = _build([ledgers, extra], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], tmp_path, staged=built)


def test_an_activity_an_old_rating_was_missing_rebuilds_in_full(
    ledgers, built, warehouse, tmp_path
):
    con = duckdb.connect(str(warehouse), read_only=True)
    reason = con.sql(
        "SELECT reason FROM rejects WHERE table_name IN ('attendance', 'ratings') "
        "AND reason_code = 'unknown_activity'"
    ).fetchall()[0][0]
    con.close()
    missing = reason.split("“")[1].split("”")[0]
    extra = tmp_path / "zz_later"
    extra.mkdir()
    (extra / "补登活动.csv").write_text(ACTIVITY_HEADER + _activity(missing), encoding="utf-8")
    _manifest, said = _build([ledgers, extra], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], tmp_path, staged=built)


def test_new_units_rebuild_in_full(ledgers, built, warehouse, tmp_path):
    extra = tmp_path / "zz_later"
    extra.mkdir()
    (extra / "新建站点.csv").write_text(
        "阵地编码,阵地名称,层级,上级阵地编码\nZ410106002099,新建社区新时代文明实践站,站,S410106002\n",
        encoding="utf-8",
    )
    _manifest, said = _build([ledgers, extra], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], tmp_path, staged=built)


def test_changed_decisions_rebuild_in_full(ledgers, built, warehouse, tmp_path):
    decisions_path(warehouse).write_text(
        json.dumps(
            {"decisions": [{"table": "activities", "key": "HD2025000006", "content_hash": "x"}]}
        ),
        encoding="utf-8",
    )
    _manifest, said = _build([ledgers], warehouse)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers], tmp_path, staged=built)


def test_a_later_as_of_is_appended_unless_an_old_start_was_after_it(
    ledgers, built, warehouse, tmp_path
):
    later = parse_as_of("2026-01-31T23:59:59")
    _manifest, said = _build([ledgers], warehouse, as_of=later)
    assert _mode(said) == APPENDED
    _assert_equals_full_rebuild(warehouse, [ledgers], tmp_path, as_of=later, staged=built)

    extra = tmp_path / "zz_later"
    extra.mkdir()
    (extra / "预告.csv").write_text(
        ACTIVITY_HEADER + _activity("ZB2026000001", day="2026/2/10"), encoding="utf-8"
    )
    _manifest, said = _build([ledgers, extra], warehouse, as_of=later)
    assert _mode(said) == APPENDED  # rejected as after the as-of moment
    evenlater = parse_as_of("2026-03-01T00:00:00")
    _manifest, said = _build([ledgers, extra], warehouse, as_of=evenlater)
    assert _mode(said) == FULL  # now it is not: the full rebuild loads it
    (ref := tmp_path / "ref2").mkdir()
    _assert_equals_full_rebuild(warehouse, [ledgers, extra], ref, as_of=evenlater, staged=built)


def test_an_earlier_as_of_rebuilds_in_full(ledgers, built, warehouse, tmp_path):
    earlier = parse_as_of("2025-12-01T00:00:00")
    _manifest, said = _build([ledgers], warehouse, as_of=earlier)
    assert _mode(said) == FULL
    _assert_equals_full_rebuild(warehouse, [ledgers], tmp_path, as_of=earlier, staged=built)
