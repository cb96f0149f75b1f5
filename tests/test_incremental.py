"""A build that reuses staged files gives exactly the warehouse a full rebuild gives."""

import shutil

import duckdb
import pytest

from pipelines.build import build, cache_dir
from pipelines.build_cli import parse_as_of

AS_OF = parse_as_of("2025-12-31T23:59:59")
TABLES = [
    "units",
    "divisions",
    "brands",
    "orders",
    "activities",
    "attendance",
    "ratings",
    "targets",
    "unit_tree",
    "rejects",
    "source_files",
]


def _dump(db) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.sql(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def ledgers(demo_ledgers_one_year):
    return demo_ledgers_one_year  # build mechanics, one year: county, 2025, seed 3


@pytest.fixture
def first_build(demo_build_one_year, monkeypatch):
    """The first build of ``ledgers``, made once per run (conftest): its warehouse, whose
    staged cache a test copies rather than staging the same files again. Sets its salt."""
    db, salt = demo_build_one_year
    monkeypatch.setenv("WENMING_SALT", salt)
    return db


def test_a_cached_build_with_one_more_monthly_ledger_equals_a_full_rebuild(
    ledgers, first_build, tmp_path
):
    db = tmp_path / "wh" / "wh.duckdb"
    shutil.copytree(first_build.parent, db.parent)  # build([ledgers], db), made once per run
    staged = {p.name for p in cache_dir(db).iterdir()}
    assert staged, "the first build stages every file in the cache"

    # one town's ledger for another month, sent later: new activity codes, same shape
    source = next(p for p in sorted((ledgers / "activities").glob("*.csv")))
    extra = tmp_path / "extra"
    extra.mkdir()
    text = source.read_bytes().replace(b"HD20", b"ZB20")
    (extra / ("增补_" + source.name)).write_bytes(text)

    build([ledgers, extra], db, as_of=AS_OF)
    incremental = _dump(db)
    assert staged <= {p.name for p in cache_dir(db).iterdir()}, "unchanged files were reused"

    full = tmp_path / "full.duckdb"
    # this first build only leaves a warehouse to rebuild over, so it may reuse the
    # staged files; the rebuild below then stages every file from nothing
    shutil.copytree(cache_dir(db), cache_dir(full))
    build([ledgers, extra], full, as_of=AS_OF)
    shutil.rmtree(cache_dir(full))
    build([ledgers, extra], full, as_of=AS_OF)
    reference = _dump(full)
    for table in TABLES:
        if table == "source_files":  # modified_at differs by copy; compare the rest
            assert [r[:-1] for r in incremental[table]] == [r[:-1] for r in reference[table]]
        else:
            assert incremental[table] == reference[table], table
    assert any(r[0].startswith("ZB20") for r in incremental["activities"])


def test_a_withdrawn_file_leaves_the_cache_and_the_warehouse(ledgers, first_build, tmp_path):
    copy = tmp_path / "ledgers"
    shutil.copytree(ledgers, copy)
    db = tmp_path / "wh.duckdb"
    shutil.copytree(cache_dir(first_build), cache_dir(db))  # the same files, staged
    build([copy], db, as_of=AS_OF)
    before = len(list(cache_dir(db).iterdir()))
    ratings = sorted((copy / "ratings").iterdir())[0]
    ratings.unlink()
    build([copy], db, as_of=AS_OF)
    assert len(list(cache_dir(db).iterdir())) < before
    con = duckdb.connect(str(db), read_only=True)
    files = {r[0] for r in con.sql("SELECT DISTINCT source_file FROM ratings").fetchall()}
    con.close()
    assert ratings.relative_to(copy).as_posix() not in files


def test_unchanged_files_are_not_hashed_again_and_changed_ones_are(
    ledgers, first_build, tmp_path, monkeypatch
):
    copy = tmp_path / "ledgers"
    shutil.copytree(ledgers, copy)
    db = tmp_path / "wh.duckdb"
    shutil.copytree(cache_dir(first_build), cache_dir(db))  # staged, but not yet hashed here
    build([copy], db, as_of=AS_OF)

    import pipelines.read as read

    hashed = []
    real = read.file_sha256
    monkeypatch.setattr(read, "file_sha256", lambda p: hashed.append(p.name) or real(p))
    build([copy], db, as_of=AS_OF)
    assert hashed == []

    # the same size, other content: one title's first two characters swapped
    target = sorted((copy / "activities").glob("*.csv"))[0]
    con = duckdb.connect(str(db), read_only=True)
    rel = target.relative_to(copy).as_posix()
    title, row = con.sql(
        "SELECT title, source_row FROM activities WHERE source_file = $f "
        "AND substr(title, 1, 1) <> substr(title, 2, 1) ORDER BY source_row LIMIT 1",
        params={"f": rel},
    ).fetchall()[0]
    con.close()
    swapped = title[1] + title[0] + title[2:]
    encoding = read.detect_encoding(target)
    data = target.read_bytes()
    target.write_bytes(data.replace(title.encode(encoding), swapped.encode(encoding), 1))
    assert target.stat().st_size == len(data)
    build([copy], db, as_of=AS_OF)
    assert hashed == [target.name]
    con = duckdb.connect(str(db), read_only=True)
    now = con.sql(
        "SELECT title FROM activities WHERE source_file = $f AND source_row = $r",
        params={"f": rel, "r": row},
    ).fetchall()
    con.close()
    assert now == [(swapped,)]
