"""Uploads add, never replace (``dashboard.ledgers``): a page build keeps the sources the
warehouse was built from, every change is previewed in a scratch warehouse first,
uploads are stored under generated names, and folder imports stay under configured roots.

The warehouse is built from the base ledgers (tests/import_helpers.py: 5 units, 1 brand,
1 order, 2 activities HD01 at Z01 and HD02 at Z02) as ``wenming build`` would build it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest
from import_helpers import BASE

from dashboard import build_sources, ledger_index, ledgers
from pipelines import settings
from pipelines.build import BuildError, build

AS_OF = dt.datetime(2025, 12, 31, 23, 59, 59)
ROOT = Path(__file__).resolve().parent.parent
# three activities: HD10 new at Z01, HD02 exactly as the base sent it (a duplicate),
# HD11 with a category no list knows (rejected)
APRIL = (
    "活动编码,活动名称,阵地编码,服务类别,开始时间,参与人次\n"
    "HD10,读书会,Z01,教育服务,2025-04-01,30\n"
    "HD02,健康义诊进村居,Z02,卫生健康,2025-03-06,\n"
    "HD11,邻里联谊会,Z01,联谊,2025-04-02,12\n"
).encode()
MAY = "活动编码,活动名称,阵地编码,服务类别,开始时间\nHD12,广场舞,Z02,文化服务,2025-05-01\n".encode()
BASE_TABLES = {"units": 5, "brands": 1, "orders": 1, "activities": 2}


@pytest.fixture
def county(tmp_path, monkeypatch):
    """(warehouse, ledger folder, source folder): the base ledgers built by the CLI's
    build from their own folder, and an empty ledger folder."""
    monkeypatch.setenv("WENMING_CONFIG", str(tmp_path / "none.toml"))
    source = tmp_path / "src"
    shutil.copytree(BASE, source)
    db = tmp_path / "wh" / "warehouse.duckdb"
    build([source], db, as_of=AS_OF)
    return db, tmp_path / "ledgers", source


def manifest(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return json.loads(con.sql("SELECT manifest_json FROM manifest").fetchall()[0][0])


def loaded(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.sql(f"SELECT COUNT(*) FROM {t}").fetchall()[0][0] for t in BASE_TABLES}


def files_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def configure(tmp_path: Path, monkeypatch, text: str) -> None:
    path = tmp_path / "wenming.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(path))


# ---------------------------------------------------------------- sources recorded


def test_a_build_records_its_sources_and_the_as_of_it_was_given(tmp_path):
    extra = tmp_path / "五月.csv"
    extra.write_bytes(MAY)
    db = tmp_path / "warehouse.duckdb"
    build([BASE], db, as_of=AS_OF)
    assert build_sources.recorded_request(db) == ([BASE.resolve()], AS_OF)
    build([BASE, extra], db)  # an append to a copy of the last warehouse, on the clock
    assert build_sources.recorded_request(db) == ([BASE.resolve(), extra.resolve()], None)


def test_a_page_build_keeps_the_recorded_sources_and_adds_the_upload(county):
    db, folder, source = county
    preview = ledgers.stage_uploads(db, folder, [("活动_五月.csv", MAY)])
    ledgers.confirm(db, folder, preview)
    assert loaded(db) == {**BASE_TABLES, "activities": 3}  # HD01, HD02 kept; HD12 added
    assert build_sources.recorded_request(db) == ([source.resolve(), folder.resolve()], AS_OF)
    assert manifest(db)["as_of"] == "2025-12-31 23:59:59"  # the warehouse's own as-of


def test_a_warehouse_without_recorded_sources_is_refused_before_anything_is_stored(
    fixture_db, tmp_path
):
    folder = tmp_path / "ledgers"
    with pytest.raises(build_sources.ImportRefused, match="命令行全量构建"):
        ledgers.stage_uploads(fixture_db, folder, [("活动.csv", MAY)])
    assert files_under(tmp_path) == []


def test_a_recorded_source_that_is_gone_is_refused(county):
    db, folder, source = county
    source.rename(source.with_name("moved"))
    with pytest.raises(build_sources.ImportRefused, match="“…/src”已不存在"):
        build_sources.build_request(db, folder)


def test_without_a_warehouse_the_first_upload_builds_from_the_ledger_folder(tmp_path):
    db, folder = tmp_path / "warehouse.duckdb", tmp_path / "ledgers"
    files = [(p.name, p.read_bytes()) for p in sorted(BASE.iterdir())]
    ledgers.confirm(db, folder, ledgers.stage_uploads(db, folder, files))
    assert loaded(db) == BASE_TABLES
    assert build_sources.recorded_request(db) == ([folder.resolve()], None)


# ---------------------------------------------------------------- stored names and the index


@pytest.mark.parametrize(
    "name",
    ["../../x.csv", "/etc/cron.d/x.csv", "..\\..\\x.csv", "C:\\Windows\\x.csv", "CON.csv"],
)
def test_an_upload_is_stored_under_a_generated_name_never_where_its_name_says(
    county, tmp_path, name
):
    db, folder, _source = county
    ledgers.confirm(db, folder, ledgers.stage_uploads(db, folder, [(name, MAY)]))
    (stored,) = [f for f in files_under(folder) if f.endswith(".csv")]
    assert re.fullmatch(r"uploads/\d{8}T\d{12}-001-[0-9a-f]{12}\.csv", stored)
    assert (folder / stored).read_bytes() == MAY
    assert not any(p.name in ("x.csv", "CON.csv") for p in tmp_path.parent.rglob("*.csv"))
    (entry,) = json.loads((folder / "index.json").read_text(encoding="utf-8"))["files"]
    assert entry["original"] == re.split(r"[\\/]", name)[-1]
    assert (entry["size"], entry["sha256"]) == (len(MAY), hashlib.sha256(MAY).hexdigest())
    assert dt.datetime.fromisoformat(entry["uploaded_at"]).date() == dt.date.today()


def test_the_same_bytes_uploaded_twice_are_stored_once_and_the_user_is_told(county):
    db, folder, _source = county
    ledgers.confirm(db, folder, ledgers.stage_uploads(db, folder, [("五月.csv", MAY)]))
    built = db.read_bytes()
    again = ledgers.stage_uploads(db, folder, [("五月（重报）.csv", MAY)])
    assert not again.changes
    assert again.already == ["“五月（重报）.csv”与已保存的“五月.csv”内容完全相同，未重复保存。"]
    assert len([f for f in files_under(folder) if f.endswith(".csv")]) == 1
    assert db.read_bytes() == built


def test_two_copies_in_one_upload_are_stored_once(county):
    db, folder, _source = county
    preview = ledgers.stage_uploads(db, folder, [("a.csv", MAY), ("b.csv", MAY)])
    assert [e["original"] for e in preview.entries] == ["a.csv"]
    assert preview.already == ["“b.csv”与已保存的“a.csv”内容完全相同，未重复保存。"]


def test_a_file_over_the_size_limit_is_refused_in_chinese(county, tmp_path, monkeypatch):
    db, folder, _source = county
    configure(tmp_path, monkeypatch, "upload_max_mb = 1\n")
    big = MAY + b"," * (1024 * 1024)
    with pytest.raises(build_sources.ImportRefused, match="超过单个文件 1 MB 的上限"):
        ledgers.stage_uploads(db, folder, [("ok.csv", MAY), ("大.csv", big)])
    assert not folder.exists()  # nothing of the batch was stored


def test_the_size_limit_defaults_to_200_mb_as_the_streamlit_upload_limit():
    streamlit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings.Config().upload_max_mb == 200
    assert streamlit["server"]["maxUploadSize"] == 200


def test_a_file_that_is_not_a_ledger_is_refused(county):
    db, folder, _source = county
    with pytest.raises(build_sources.ImportRefused, match="不是台账文件"):
        ledgers.stage_uploads(db, folder, [("说明.docx", b"x")])


# ---------------------------------------------------------------- preview, confirm, cancel


def test_the_preview_shows_the_change_a_real_build_then_makes(county):
    db, folder, _source = county
    before, built = manifest(db), db.read_bytes()
    preview = ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL)])
    # by hand: 3 rows, HD10 loaded, HD02 a duplicate, HD11 rejected (联谊)
    assert preview.tables == [
        {
            "table": "activities",
            "name": "活动",
            "rows": 3,
            "loaded": 1,
            "duplicates": 1,
            "rejected": 1,
        }
    ]
    assert preview.files_added == [
        {
            "file": "活动_四月.csv",
            "status_code": "loaded",
            "status": "已读入",
            "rows": 3,
            "note": "",
        }
    ]
    assert preview.files_withdrawn == []
    # the real warehouse is untouched, the scratch one gone, the upload not yet stored
    assert db.read_bytes() == built
    assert sorted(p.name for p in db.parent.iterdir() if "preview" in p.name) == []
    assert files_under(folder) == []
    after = ledgers.confirm(db, folder, preview)["tables"]
    real = {
        t: {k: after[t][k] - before["tables"][t][k] for k in ("rows", "loaded", "duplicates")}
        for t in after
    }
    assert {
        r["table"]: {k: r[k] for k in ("rows", "loaded", "duplicates")} for r in preview.tables
    } == {t: d for t, d in real.items() if any(d.values())}
    assert after["activities"]["rejected"] - before["tables"]["activities"]["rejected"] == 1


def test_a_scratch_warehouse_left_by_a_killed_preview_is_removed_by_the_next(county):
    db, folder, _source = county
    left = db.parent / f".{db.name}.preview-killed"
    left.mkdir()
    shutil.copyfile(db, left / db.name)
    ledgers.cancel(folder, ledgers.stage_uploads(db, folder, [("五月.csv", MAY)]))
    assert [p.name for p in db.parent.iterdir() if "preview" in p.name] == []


def test_cancel_leaves_nothing_behind(county):
    db, folder, _source = county
    built = db.read_bytes()
    preview = ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL)])
    ledgers.cancel(folder, preview)
    assert db.read_bytes() == built
    assert files_under(folder) == []
    assert files_under(folder.parent / ".ledgers.pending") == []
    with pytest.raises(build_sources.ImportRefused, match="已不存在"):
        ledgers.confirm(db, folder, preview)


def test_withdrawing_an_upload_previews_then_brings_the_figures_back(county):
    db, folder, _source = county
    before = manifest(db)["tables"]
    ledgers.confirm(db, folder, ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL)]))
    (stored,) = ledger_index.stored_files(folder)
    preview = ledgers.stage_withdrawal(db, folder, stored["stored"])
    assert [
        (r["table"], r["rows"], r["loaded"], r["duplicates"], r["rejected"]) for r in preview.tables
    ] == [("activities", -3, -1, -1, -1)]
    assert [f["file"] for f in preview.files_withdrawn] == ["活动_四月.csv"]
    assert (folder / stored["stored"]).is_file()  # not before the confirmation
    ledgers.confirm(db, folder, preview)
    assert manifest(db)["tables"] == before
    assert ledger_index.stored_files(folder) == []
    assert json.loads((folder / "index.json").read_text(encoding="utf-8")) == {"files": []}


def test_only_files_of_the_ledger_folder_can_be_withdrawn(county):
    db, folder, _source = county
    with pytest.raises(build_sources.ImportRefused, match="不能在本页撤回"):
        ledgers.stage_withdrawal(db, folder, "活动.csv")  # a file of the recorded source
    with pytest.raises(build_sources.ImportRefused):
        ledgers.stage_withdrawal(db, folder, "../src/活动.csv")


def test_a_failed_build_puts_the_ledger_folder_back(county, monkeypatch):
    db, folder, _source = county
    built = db.read_bytes()
    preview = ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL)])

    def fail(*_args, **_kwargs):
        raise BuildError("磁盘空间不足")

    monkeypatch.setattr(ledgers, "build", fail)
    with pytest.raises(BuildError, match="磁盘空间不足"):
        ledgers.confirm(db, folder, preview)
    assert db.read_bytes() == built
    assert ledger_index.stored_files(folder) == []
    monkeypatch.undo()
    ledgers.confirm(db, folder, preview)  # the staged files are still there to retry
    assert loaded(db)["activities"] == 3


def test_a_preview_made_before_another_build_must_be_made_again(county):
    db, folder, _source = county
    preview = ledgers.stage_uploads(db, folder, [("活动_四月.csv", APRIL)])
    ledgers.confirm(db, folder, ledgers.stage_uploads(db, folder, [("五月.csv", MAY)]))
    with pytest.raises(build_sources.ImportRefused, match="请取消后重新预览"):
        ledgers.confirm(db, folder, preview)


# ---------------------------------------------------------------- folder import under roots


@pytest.fixture
def roots(tmp_path, monkeypatch):
    """An import root 各镇报送 with 镇A/活动_五月.csv, and a secret folder beside it."""
    incoming = tmp_path / "incoming"
    (incoming / "镇A").mkdir(parents=True)
    (incoming / "镇A" / "活动_五月.csv").write_bytes(MAY)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "工资表.csv").write_text("姓名,手机号\n张三,13800138000\n", encoding="utf-8")
    (incoming / "捷径").symlink_to(secret, target_is_directory=True)
    configure(tmp_path, monkeypatch, f'[import_roots]\n"各镇报送" = "{incoming}"\n')
    return incoming


def test_folder_import_is_disabled_until_roots_are_configured(county):
    db, folder, _source = county
    assert build_sources.import_roots() == {}
    with pytest.raises(build_sources.ImportRefused, match="尚未配置"):
        ledgers.stage_folder(db, folder, "各镇报送", ".")


@pytest.mark.parametrize("relative", ["..", "../secret", "/etc", "捷径", "镇A/../../secret"])
def test_folder_import_refuses_folders_outside_its_root(county, roots, relative):
    db, folder, _source = county
    with pytest.raises(build_sources.ImportRefused, match="不在导入文件夹“各镇报送”之内"):
        ledgers.stage_folder(db, folder, "各镇报送", relative)


def test_folder_import_copies_ledgers_under_the_root_named_relative_to_it(county, roots):
    db, folder, _source = county
    assert ledgers.folders_under("各镇报送") == [".", "镇A"]  # not the symlink leading out
    preview = ledgers.stage_folder(db, folder, "各镇报送", ".")
    assert [e["original"] for e in preview.entries] == ["各镇报送/镇A/活动_五月.csv"]
    ledgers.confirm(db, folder, preview)
    assert [(r["original"], r["how_label"]) for r in ledger_index.stored_files(folder)] == [
        ("各镇报送/镇A/活动_五月.csv", "服务器文件夹导入")
    ]
    assert build_sources.display_path(roots / "镇A") == "各镇报送/镇A"


def test_the_readme_configuration_example_configures_the_import(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)\n```", readme, flags=re.S)
    configure(tmp_path, monkeypatch, example)
    assert build_sources.import_roots() == {"各镇报送": Path("/srv/wenming/报送")}
    assert ledgers.upload_limit_mb() == 200


def test_display_path_never_shows_an_absolute_path(tmp_path):
    assert build_sources.display_path(settings.LEDGER_DIR) == "data/ledgers"
    assert build_sources.display_path(tmp_path / "台账") == "…/台账"
