"""A 填报员's upload only adds rows of the home unit's subtree (issue 12, item 5), and the
ledger functions check the acting account's role themselves (``dashboard.ledgers``), so a
page callback that skips its check still cannot rebuild, adopt, import a server folder or
withdraw another account's file.

The county: 中心 ZX01 with two towns, 济源路街道 S01 (station Z01) and 峡窝镇 S02 (station
Z02). The clerk's home unit is S02.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from dashboard import ledger_index, ledgers
from dashboard.accounts import ADMIN, CLERK, LEADER
from pipelines.build import build
from pipelines.reasons import REASONS

AS_OF = dt.datetime(2025, 12, 31, 23, 59, 59)
UNITS = (
    "阵地编码,阵地名称,层级,上级编码,区划代码\n"
    "ZX01,上街区新时代文明实践中心,中心,,410106000000\n"
    "S01,济源路街道新时代文明实践所,所,ZX01,410106001000\n"
    "S02,峡窝镇新时代文明实践所,所,ZX01,410106002000\n"
    "Z01,东林子村新时代文明实践站,站,S01,410106001001\n"
    "Z02,峡窝村新时代文明实践站,站,S02,410106002001\n"
)
ACTIVITIES = (
    "活动编码,活动名称,阵地编码,服务类别,开始时间\n"
    "HD01,宣讲,Z01,理论宣讲,2025-03-05\n"
    "HD02,健康讲座,Z02,卫生健康,2025-03-06\n"
)
# sign-ins for an activity of each town: HD02 (峡窝镇) loaded, HD01 (济源路街道) rejected
CLERK_ATTENDANCE = (
    "活动编码,参与者编号,签到时间\n"
    "HD02,P001,2025-03-06 09:00\n"
    "HD01,P002,2025-03-05 14:00\n"
    "HD02,P003,2025-03-06 09:05\n"
).encode()
# the clerk's ledger, rows of both towns: HD10 at Z02 and HD12 at S02 (峡窝镇: loaded),
# HD11 at Z01 (济源路街道: rejected), HD01 again exactly as sent (a duplicate, 济源路街道:
# rejected too, the row is not the clerk's to send)
CLERK_LEDGER = (
    "活动编码,活动名称,阵地编码,服务类别,开始时间\n"
    "HD10,读书会,Z02,教育服务,2025-04-01\n"
    "HD11,广场舞,Z01,文化服务,2025-04-02\n"
    "HD12,义诊,S02,卫生健康,2025-04-03\n"
    "HD01,宣讲,Z01,理论宣讲,2025-03-05\n"
).encode()
# new units: Z03 under the clerk's town (loaded), Z04 under the other town (rejected),
# and Z01 moved under S02 (rejected: a clerk cannot take over another town's station)
CLERK_UNITS = (
    "阵地编码,阵地名称,层级,上级编码,区划代码\n"
    "Z03,峡窝镇二村新时代文明实践站,站,S02,410106002002\n"
    "Z04,济源路街道二村新时代文明实践站,站,S01,410106001002\n"
    "Z01,东林子村新时代文明实践站,站,S02,410106001001\n"
).encode()
OTHER_LEDGER = (
    "活动编码,活动名称,阵地编码,服务类别,开始时间\nHD20,合唱,Z01,文化服务,2025-05-01\n".encode()
)
CLERK_BY = ledgers.Uploader("xiawo_tianbao", CLERK, "S02")
OTHER_CLERK = ledgers.Uploader("jiyuan_tianbao", CLERK, "S01")
ADMIN_BY = ledgers.Uploader("admin", ADMIN)


@pytest.fixture
def county(tmp_path, monkeypatch):
    """(warehouse, ledger folder): the two towns built by the CLI from their own folder."""
    monkeypatch.setenv("WENMING_CONFIG", str(tmp_path / "none.toml"))
    source = tmp_path / "src"
    source.mkdir()
    (source / "阵地.csv").write_text(UNITS, encoding="utf-8")
    (source / "活动.csv").write_text(ACTIVITIES, encoding="utf-8")
    db = tmp_path / "wh" / "warehouse.duckdb"
    build([source], db, as_of=AS_OF)
    return db, tmp_path / "ledgers"


def query(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def manifest(db) -> dict:
    return json.loads(query(db, "SELECT manifest_json FROM manifest")[0][0])


def test_a_clerks_upload_loads_its_own_towns_rows_and_rejects_the_other_towns(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("活动_峡窝镇.csv", CLERK_LEDGER)], CLERK_BY)
    # by hand: 4 rows read, HD10 and HD12 loaded, HD11 and HD01 outside 峡窝镇
    # (the base's 2 activities stay)
    assert [
        (t["table"], t["rows"], t["loaded"], t["duplicates"], t["rejected"]) for t in preview.tables
    ] == [("activities", 4, 2, 0, 2)]
    after = ledgers.confirm(db, folder, preview, CLERK_BY)
    acts = after["tables"]["activities"]
    assert (acts["rows"], acts["loaded"], acts["duplicates"], acts["rejected"]) == (6, 4, 0, 2)
    assert acts["rows"] == acts["loaded"] + acts["duplicates"] + acts["rejected"]
    assert sorted(r[0] for r in query(db, "SELECT activity_id FROM activities")) == [
        "HD01",
        "HD02",
        "HD10",
        "HD12",
    ]
    stored = next(iter(ledger_index.read_index(folder)))
    rejects = [r for r in after["rejects"] if r["file"] == stored]
    assert [(r["row"], r["reason_code"]) for r in rejects] == [
        (3, "out_of_scope"),
        (5, "out_of_scope"),
    ]
    assert all("不属于本账号的填报范围" in r["reason"] for r in rejects)
    assert rejects[0]["reason"] == REASONS["out_of_scope"].format("Z01", "S02")


def test_a_clerk_may_register_units_under_the_home_town_but_not_elsewhere(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("阵地_峡窝镇.csv", CLERK_UNITS)], CLERK_BY)
    after = ledgers.confirm(db, folder, preview, CLERK_BY)
    units = after["tables"]["units"]
    # by hand: 5 + 3 rows read; Z03 loaded; Z04 outside; Z01 is 济源路街道's station
    assert (units["rows"], units["loaded"], units["duplicates"], units["rejected"]) == (8, 6, 0, 2)
    assert query(db, "SELECT parent_id FROM units WHERE unit_id = 'Z01'") == [("S01",)]
    assert sorted(r[0] for r in query(db, "SELECT unit_id FROM units")) == [
        "S01",
        "S02",
        "Z01",
        "Z02",
        "Z03",
        "ZX01",
    ]
    codes = [r["reason_code"] for r in after["rejects"] if r["table"] == "units"]
    assert codes == ["out_of_scope", "out_of_scope"]


def test_a_clerks_sign_ins_count_only_for_activities_of_the_home_town(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("签到.csv", CLERK_ATTENDANCE)], CLERK_BY)
    after = ledgers.confirm(db, folder, preview, CLERK_BY)
    rows = after["tables"]["attendance"]
    assert (rows["rows"], rows["loaded"], rows["duplicates"], rows["rejected"]) == (3, 2, 0, 1)
    assert [(r["row"], r["reason_code"]) for r in after["rejects"]] == [(3, "out_of_scope")]


def test_an_administrators_upload_of_the_same_ledger_is_unrestricted(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("活动.csv", CLERK_LEDGER)], ADMIN_BY)
    after = ledgers.confirm(db, folder, preview, ADMIN_BY)
    acts = after["tables"]["activities"]
    # by hand: HD10, HD11, HD12 loaded, HD01 a duplicate of the base row
    assert (acts["rows"], acts["loaded"], acts["duplicates"], acts["rejected"]) == (6, 5, 1, 0)


def test_a_restriction_holds_on_every_later_build(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("活动_峡窝镇.csv", CLERK_LEDGER)], CLERK_BY)
    ledgers.confirm(db, folder, preview, CLERK_BY)
    again = ledgers.rebuild(db, folder, ADMIN_BY)["tables"]["activities"]
    assert (again["loaded"], again["rejected"]) == (4, 2)


@pytest.mark.parametrize("role", [CLERK, LEADER])
def test_only_an_administrator_may_rebuild_adopt_or_import_a_server_folder(county, role):
    db, folder = county
    by = ledgers.Uploader("someone", role, "S02")
    built = db.read_bytes()
    with pytest.raises(ledgers.RoleRefused, match="只有管理员可以重新构建数据仓库"):
        ledgers.rebuild(db, folder, by)
    with pytest.raises(ledgers.RoleRefused, match="只有管理员可以采用冲突的新值"):
        ledgers.adopt(db, {"table": "activities"}, by)
    with pytest.raises(ledgers.RoleRefused, match="只有管理员可以从服务器文件夹导入"):
        ledgers.stage_folder(db, folder, "各镇报送", ".", by)
    assert db.read_bytes() == built


def test_a_leader_may_not_upload(county):
    db, folder = county
    with pytest.raises(ledgers.RoleRefused, match="只有管理员、填报员可以上传台账"):
        ledgers.stage_uploads(
            db, folder, [("活动.csv", CLERK_LEDGER)], ledgers.Uploader("ld", LEADER, "S02")
        )
    assert not folder.exists() or ledger_index.read_index(folder) == {}


def test_a_clerk_cannot_confirm_an_unrestricted_preview(county):
    db, folder = county
    preview = ledgers.stage_uploads(db, folder, [("活动.csv", CLERK_LEDGER)], ADMIN_BY)
    with pytest.raises(ledgers.RoleRefused, match="不能由本账号确认"):
        ledgers.confirm(db, folder, preview, CLERK_BY)
    assert ledger_index.read_index(folder) == {}


def test_a_clerk_withdraws_own_uploads_only(county):
    db, folder = county
    mine = ledgers.stage_uploads(db, folder, [("活动_峡窝镇.csv", CLERK_LEDGER)], CLERK_BY)
    ledgers.confirm(db, folder, mine, CLERK_BY)
    theirs = ledgers.stage_uploads(db, folder, [("活动_济源路.csv", OTHER_LEDGER)], OTHER_CLERK)
    ledgers.confirm(db, folder, theirs, OTHER_CLERK)
    stored_mine = mine.entries[0]["stored"]
    stored_theirs = theirs.entries[0]["stored"]
    with pytest.raises(ledgers.RoleRefused, match="不是本账号上传的文件"):
        ledgers.stage_withdrawal(db, folder, stored_theirs, CLERK_BY)
    # a preview made by its uploader cannot be confirmed by another clerk either
    other_preview = ledgers.stage_withdrawal(db, folder, stored_theirs, OTHER_CLERK)
    with pytest.raises(ledgers.RoleRefused, match="不是本账号上传的文件"):
        ledgers.confirm(db, folder, other_preview, CLERK_BY)
    ledgers.cancel(folder, other_preview)
    withdrawal = ledgers.stage_withdrawal(db, folder, stored_mine, CLERK_BY)
    after = ledgers.confirm(db, folder, withdrawal, CLERK_BY)["tables"]["activities"]
    # by hand: the base HD01 and HD02 and the other clerk's HD20 stay
    assert (after["rows"], after["loaded"], after["rejected"]) == (3, 3, 0)
    assert list(ledger_index.read_index(folder)) == [stored_theirs]
