"""Personal data never stored raw, and a build that fails or dies leaves the old warehouse."""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from import_helpers import AS_OF, build, copy_base, query, rejects, run_cli, write_csv

from pipelines import pii

PHONE = "13800138000"
ID_CARD = "410106199001011234"
ID_CARD_X = "41010619900101123X"
RATER_PHONE = "13900139000"
# in rejected rows only
REJECTED_PHONE = "13700137000"
UNKNOWN_ACTIVITY_PHONE = "13600136000"
REJECTED_ID_CARD = "410106198001015678"
RAW_VALUES = [
    PHONE,
    ID_CARD,
    ID_CARD_X,
    RATER_PHONE,
    REJECTED_PHONE,
    UNKNOWN_ACTIVITY_PHONE,
    REJECTED_ID_CARD,
]
# a pseudonymous id is stored as written: it proves the byte search can find stored text
PSEUDONYM = "P20250305"


def _personal_ledgers(src: Path) -> Path:
    copy_base(src)
    write_csv(
        src / "签到.csv",
        [
            ["活动编码", "参与者编号", "人数"],
            ["HD01", PHONE, ""],
            ["HD02", PHONE, ""],
            ["HD01", ID_CARD, ""],
            ["HD01", PSEUDONYM, ""],
            ["HD01", REJECTED_PHONE, "3"],  # row 6: headcount_with_person
        ],
    )
    write_csv(
        src / "评价-1.csv",
        [
            ["活动编码", "评价人编号", "满意度"],
            ["HD01", RATER_PHONE, "5"],
            ["HD01", ID_CARD_X, "4"],
            ["HD99", UNKNOWN_ACTIVITY_PHONE, "5"],  # row 4: unknown_activity
            ["HD01", REJECTED_ID_CARD, "很好"],  # row 5: bad_score
        ],
    )
    write_csv(
        src / "评价-2.csv", [["活动编码", "评价人编号", "满意度"], ["HD01", RATER_PHONE, "3"]]
    )
    return src


@pytest.fixture(scope="module")
def personal(tmp_path_factory):
    """The personal ledgers built with a fixed salt: (manifest text, db)."""
    tmp = tmp_path_factory.mktemp("personal")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WENMING_SALT", "pii-test-salt")
        src = _personal_ledgers(tmp / "src")
        db = tmp / "w.duckdb"
        code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")
    assert code == 0, err
    return out, db


def test_phone_and_id_card_numbers_are_stored_hashed(personal):
    _, db = personal
    people = query(db, "SELECT activity_id, person_id FROM attendance ORDER BY source_row")
    assert [a for a, _ in people] == ["HD01", "HD02", "HD01", "HD01"]
    phone_1, phone_2, card, pseudonym = (p for _, p in people)
    assert phone_1 == phone_2  # the same person is still one person
    assert len({phone_1, card}) == 2
    assert pseudonym == PSEUDONYM
    raters = [r for (r,) in query(db, "SELECT rater_id FROM ratings ORDER BY source_row")]
    assert len(set(raters)) == 2
    for value in (phone_1, card, *raters):
        assert not any(raw in value for raw in RAW_VALUES)


def test_raw_numbers_appear_nowhere_in_the_warehouse_file(personal):
    _, db = personal
    data = db.read_bytes()
    assert PSEUDONYM.encode() in data
    for raw in RAW_VALUES:
        assert raw.encode() not in data, raw
        assert raw.encode("utf-16-le") not in data, raw


def test_raw_numbers_appear_nowhere_in_the_manifest(personal):
    out, _ = personal
    for raw in RAW_VALUES:
        assert raw not in out, raw
    assert PSEUDONYM not in out  # loaded rows are not in the manifest at all


def test_rejected_rows_show_personal_numbers_masked(personal):
    out, db = personal
    manifest = json.loads(out)
    shown = {(r["file"], r["row"]): (r["reason_code"], r["raw"]) for r in rejects(manifest)}
    assert shown[("签到.csv", 6)] == (
        "headcount_with_person",
        {"活动编码": "HD01", "参与者编号": "137****7000", "人数": "3"},
    )
    assert shown[("评价-1.csv", 4)][1]["评价人编号"] == "136****6000"
    assert shown[("评价-1.csv", 5)][1]["评价人编号"] == "410106********5678"
    assert shown[("评价-2.csv", 2)] == (
        "conflict",
        {"活动编码": "HD01", "评价人编号": "139****9000", "满意度": "3"},
    )
    stored = [
        json.loads(r)
        for (r,) in query(db, "SELECT raw FROM rejects ORDER BY table_name, file, row")
    ]
    assert sorted(map(json.dumps, stored)) == sorted(
        json.dumps(r["raw"]) for r in manifest["rejects"]
    )


# (cell text, as a reject shows it)
MASKED_CELLS = [
    ("138 0013 8000", "138****8000"),
    ("139-0013-9000", "139****9000"),
    ("１３８００１３８０００", "１３８****８０００"),
    ("电话:13800138000。", "电话:138****8000。"),
    ("身份证41010619900101123X号", "身份证410106********123X号"),
    ('引号"13800138000"', '引号"138****8000"'),
    ("P20250305", "P20250305"),
]


def test_numbers_anywhere_in_a_rejected_row_and_its_header_are_masked(tmp_path):
    src = copy_base(tmp_path / "src", "units", "activities")
    labels = [f"备注{n}" for n in range(len(MASKED_CELLS))]
    write_csv(
        src / "签到.csv",
        [
            ["活动编码", "参与者编号", "人数", *labels, "联系电话13800138000"],
            ["HD01", "P1", "3", *(text for text, _ in MASKED_CELLS), "x"],  # headcount_with_person
        ],
    )
    manifest = build(src, db=tmp_path / "w.duckdb")
    [reject] = rejects(manifest, "attendance")
    assert reject["raw"] == {
        "活动编码": "HD01",
        "参与者编号": "P1",
        "人数": "3",
        **{label: shown for label, (_, shown) in zip(labels, MASKED_CELLS, strict=True)},
        "联系电话138****8000": "x",
    }


def test_same_salt_gives_the_same_hash_and_another_salt_another(tmp_path, monkeypatch):
    src = _personal_ledgers(tmp_path / "src")
    hashes = {}
    for name, salt in (("a", "salt-1"), ("b", "salt-1"), ("c", "salt-2")):
        monkeypatch.setenv("WENMING_SALT", salt)
        db = tmp_path / f"{name}.duckdb"
        build(src, db=db)
        hashes[name] = query(db, "SELECT person_id FROM attendance ORDER BY source_row")
    assert hashes["a"] == hashes["b"]
    assert hashes["a"][0] != hashes["c"][0]
    assert hashes["a"][3] == hashes["c"][3] == (PSEUDONYM,)


def test_without_a_configured_salt_one_is_kept_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("WENMING_SALT", raising=False)
    src = _personal_ledgers(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    first = query(db, "SELECT person_id FROM attendance ORDER BY source_row")
    salt = (tmp_path / "w.salt").read_text(encoding="utf-8")

    build(src, db=db)

    assert (tmp_path / "w.salt").read_text(encoding="utf-8") == salt
    assert query(db, "SELECT person_id FROM attendance ORDER BY source_row") == first
    assert salt.encode() not in db.read_bytes()


# ---------------------------------------------------------------- atomicity


def _boom(*args, **kwargs):
    raise RuntimeError("模拟故障\n第二行")


FAILURES = [
    pytest.param("pipelines.dedup", "resolve", id="resolving-duplicates-fails"),
    pytest.param("pipelines.build", "_insert", id="writing-a-table-fails"),
    pytest.param("pipelines.build.os", "replace", id="final-rename-fails"),
]


# where a build keeps copies of GBK ledgers while it reads them (swept by every build)
_SCRATCH = ".w.duckdb.cache/transcode"


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".building" in p.name)


@pytest.mark.parametrize("module, name", FAILURES)
def test_failed_build_leaves_the_previous_warehouse_byte_identical(
    tmp_path, monkeypatch, module, name
):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    write_csv(src / "签到.csv", [["活动编码", "人数"], ["HD01", "30"]])
    monkeypatch.setattr(f"{module}.{name}", _boom)

    code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")
    monkeypatch.undo()

    assert (code != 0, out) == (True, "")
    # one line of Chinese for the user; the traceback goes to a log for the maintainer
    assert err.count("\n") == 1 and "原数据仓库保持不变" in err, err
    assert "RuntimeError" not in err
    assert "模拟故障" in (tmp_path / ".w.duckdb.error.log").read_text(encoding="utf-8")
    assert db.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert query(db, "SELECT count(*) FROM attendance") == [(0,)]


DISK_FULL = "错误：磁盘空间不足，请清理磁盘后重新构建；原数据仓库保持不变\n"


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _polars_no_space(*args, **kwargs):
    raise pl.exceptions.ComputeError("parquet: I/O error: No space left on device (os error 28)")


def _duckdb_no_space(*args, **kwargs):
    raise duckdb.IOException('Could not write file "w.duckdb": No space left on device')


# where a full disk can strike: copying a GBK ledger, caching a staged file, filling the
# new warehouse, writing its manifest
DISK_FULL_AT = [
    pytest.param("pipelines.read._decode_lines", _no_space, id="transcoding"),
    pytest.param("polars.DataFrame.write_parquet", _polars_no_space, id="staging"),
    pytest.param("pipelines.build._insert", _no_space, id="loading"),
    pytest.param("pipelines.build.write_manifest", _duckdb_no_space, id="writing-manifest"),
]


@pytest.mark.parametrize("target, failure", DISK_FULL_AT)
def test_disk_full_leaves_the_previous_warehouse_and_says_so_in_chinese(
    tmp_path, monkeypatch, target, failure
):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    (src / "签到.csv").write_bytes("活动编码,人数\r\nHD01,30\r\n".encode("gbk"))
    monkeypatch.setattr(target, failure)

    code, out, err = run_cli("build", src, "--db", db, "--as-of", AS_OF, "--json")
    monkeypatch.undo()

    assert (code, out, err) == (1, "", DISK_FULL)
    assert db.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / _SCRATCH).exists()


_SIZE_CAPPED_BUILD = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
from pipelines.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_real_write_failure_leaves_the_previous_warehouse_and_says_so_in_chinese(tmp_path):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    write_csv(src / "签到.csv", [["活动编码", "人数"], ["HD01", "30"]])

    # files may grow to 300 KB: the staged parts fit, the new warehouse does not
    child = subprocess.run(
        [sys.executable, "-c", _SIZE_CAPPED_BUILD, "build", str(src), "--db", str(db)]
        + ["--as-of", AS_OF],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )

    assert child.returncode == 1
    assert child.stderr == (
        "错误：写入的文件超过了系统允许的大小（ulimit -f），请管理员放宽限制后重新构建；"
        "原数据仓库保持不变\n"
    )
    assert db.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_build_with_nothing_readable_leaves_the_previous_warehouse_byte_identical(tmp_path):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "台账.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)

    code, out, err = run_cli("build", broken, "--db", db, "--as-of", AS_OF, "--json")

    assert (code != 0, out, err.count("\n")) == (True, "", 1)
    assert db.read_bytes() == before


# A build run in a child that parks at a progress message (or, for "mid-transcode",
# once the first chunk of a GBK ledger is copied) until it is killed: the kill lands
# at that point, with no sleep and no race.
_PARKED_BUILD = """
import datetime as dt, sys
from pathlib import Path
from pipelines import build, read
src, db, stop_at = sys.argv[1:4]

def park(message):
    print(message, flush=True)
    sys.stdin.readline()  # killed here

if stop_at == "mid-transcode":
    decode = read._decode_lines
    def parked(*args):
        text = decode(*args)
        park(stop_at)
        return text
    read._decode_lines = parked

def progress(message):
    if message.startswith(stop_at):
        park(message)

build.build([src], Path(db), as_of=dt.datetime(2025, 12, 31, 23, 59, 59), progress=progress)
print("finished", flush=True)
"""


@pytest.mark.parametrize(
    "stop_at, left_behind",
    [
        pytest.param("mid-transcode", _SCRATCH, id="mid-transcode"),  # a raw copy exists
        # the new warehouse is half filled
        pytest.param("校验 参与记录", ".w.duckdb.building-", id="validating-sign-ins"),
        pytest.param("写入数据仓库", ".w.duckdb.building-", id="writing-rejects"),
        pytest.param("汇总统计表", ".w.duckdb.building-", id="building-summaries"),
    ],
)
def test_build_killed_at_any_point_leaves_the_old_warehouse_byte_identical(
    tmp_path, stop_at, left_behind
):
    src = copy_base(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    build(src, db=db)
    before = db.read_bytes()
    lines = ["活动编码,参与者编号,人群类别"] + [f"HD01,P{n:06d},老年人" for n in range(50_000)]
    (src / "签到.csv").write_bytes("\r\n".join(lines).encode("gbk"))
    child = subprocess.Popen(
        [sys.executable, "-c", _PARKED_BUILD, str(src), str(db), stop_at],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    said = [child.stdout.readline().strip()]  # blocks until the child parks (or ends)
    parked_with = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    child.kill()
    child.wait(timeout=30)
    child.stdout.close()
    child.stdin.close()

    assert said[0].startswith(stop_at), said
    assert child.returncode == -signal.SIGKILL
    assert any(name.startswith(left_behind) for name in parked_with), parked_with
    assert db.read_bytes() == before
    assert query(db, "SELECT count(*) FROM attendance") == [(0,)]

    # the next build clears away what the killed one left
    (src / "签到.csv").unlink()
    build(src, db=db)
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / _SCRATCH).exists()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13800138000,13900139000", "138****8000,139****9000"),
        ("13800138000、13900139000、13700137000", "138****8000、139****9000、137****7000"),
        (
            "410106199001011234,13800138000",
            "410106********1234,138****8000",
        ),
        (
            "410106199001011234/41010619900101123X",
            "410106********1234/410106********123X",
        ),
    ],
)
def test_numbers_one_separator_apart_are_all_masked(text, masked):
    frame = pl.DataFrame({"text": [text]})
    assert frame.select(pii.mask_text(pl.col("text")))["text"].to_list() == [masked]
