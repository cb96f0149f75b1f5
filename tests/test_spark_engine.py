"""``wenming build --engine spark`` builds the warehouse the DuckDB build does.

One ledger set, messy on purpose (the mixed ledgers: title row, a corrupt and a
re-sent workbook, duplicates, conflicts, references to rejected rows; plus a GBK CSV,
renamed and garbage files of the hostile corpus, two clerks' layouts with merged and
three-row headers, and a conflict decision adopted), is
built once each way per test session (Spark on ``local[2]``, started once). The DuckDB
build is the oracle: manifest, rejects and every figure of ``wenming report --json``
must be the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from clerk_layouts import MERGED_SERIAL, THREE_ROWS
from hostile_corpus import garbage, renamed
from import_helpers import AS_OF, all_tables, query, run_cli, write_csv, write_mixed
from page_helpers import tiles

from pipelines.spark import session
from pipelines.spark.engine import DuckEngine, NotPortable, portable, to_spark

# one Spark build per test session: the tests share one xdist worker (make test runs
# pytest with --dist loadgroup)
pytestmark = pytest.mark.xdist_group("spark")

# a GBK CSV of activities (HD06 new; HD02 again with another title: a conflict) and its
# sign-ins; figures move by these rows
GBK_ACTIVITIES = [
    ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间", "参与人次"],
    ["HD06", "垃圾分类入户宣传", "Z02", "文明风尚", "2025-06-01 09:00", 40],
    ["HD02", "健康义诊进社区", "Z02", "义诊", "2025-03-06", 35],
]
GBK_SIGN_INS = [
    ["活动编码", "参与者编号", "身份"],
    ["HD06", "P001", "群众"],
    ["HD06", "P004", "群众"],
    ["HD06", "V001", "志愿者"],
    ["HD06", "P004", "群众"],
]


def _ledgers(folder: Path) -> Path:
    write_mixed(folder)
    write_csv(folder / "11-活动-GBK.csv", GBK_ACTIVITIES, encoding="gbk")
    write_csv(folder / "12-签到-GBK.csv", GBK_SIGN_INS, encoding="gbk")
    renamed(folder)
    garbage(folder, 2, seed=3)
    # clerks' own layouts (merged headers, three header rows): without a saved 报送格式
    # they wait for a mapping, listed in the manifest with their headers
    MERGED_SERIAL.write(folder)
    THREE_ROWS.write(folder)
    return folder


JAVA_FOR_A_SHORT_RUN = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def _build(ledgers: Path, db: Path, engine: str) -> dict:
    code, out, err = run_cli(
        "build", ledgers, "--db", db, "--as-of", AS_OF, "--json", "--engine", engine
    )
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="session")
def both_ways(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The ledger set built by DuckDB and by Spark, with one conflict decision adopted
    (the version of HD03 the re-sent 06-活动-补报.csv carries) and the same salt."""
    root = tmp_path_factory.mktemp("spark")
    ledgers = _ledgers(root / "ledgers")
    duck, spark = root / "duck" / "w.duckdb", root / "spark" / "w.duckdb"
    first = _build(ledgers, duck, "duckdb")
    assert any(r["reason_code"] == "conflict" for r in first["rejects"])
    key, content = query(
        duck,
        "SELECT row_key, content_hash FROM rejects WHERE reason_code = 'conflict' "
        "AND table_name = 'activities' AND row_key = 'HD03'",
    )[0]
    decisions = {"decisions": [{"table": "activities", "key": key, "content_hash": content}]}
    spark.parent.mkdir()
    for db in (duck, spark):
        db.with_name("w.decisions.json").write_text(json.dumps(decisions), encoding="utf-8")
    shutil.copy(duck.with_name("w.salt"), spark.with_name("w.salt"))
    with pytest.MonkeyPatch.context() as env:
        # the JVM for a build of a few hundred rows: most of its CPU went to the optimising
        # JIT (C2) and parallel GC threads, which pay off only on a long run (halves it)
        env.setenv("JAVA_TOOL_OPTIONS", JAVA_FOR_A_SHORT_RUN)
        built = {
            "duck": duck,
            "spark": spark,
            "duck_manifest": _build(ledgers, duck, "duckdb"),
            "spark_manifest": _build(ledgers, spark, "spark"),
            "ledgers": ledgers,
        }
    session.stop()  # the rest of the run gets the JVM's memory back
    return built


def test_spark_build_writes_the_duckdb_builds_manifest(both_ways):
    duck, spark = both_ways["duck_manifest"], both_ways["spark_manifest"]
    assert spark == duck
    # the set is messy where it should be: each kind of trouble occurs
    codes = {r["reason_code"] for r in duck["rejects"]}
    assert {"conflict", "superseded", "unknown_unit", "start_after_as_of"} <= codes
    statuses = {f["status"] for f in duck["files"]}
    assert {"loaded", "duplicate_file", "unreadable", "needs_mapping"} <= statuses
    assert duck["tables"]["activities"]["duplicates"] >= 1


def test_spark_build_keeps_the_duckdb_builds_rejects_and_source_files(both_ways):
    for table in ("rejects", "source_files"):
        assert query(both_ways["spark"], f"SELECT * FROM {table} ORDER BY ALL") == query(
            both_ways["duck"], f"SELECT * FROM {table} ORDER BY ALL"
        )


def test_spark_build_loads_the_same_rows_into_every_table(both_ways):
    duck, spark = all_tables(both_ways["duck"]), _every_relation(both_ways["spark"])
    duck.pop("manifest")
    assert spark.keys() >= duck.keys()
    for table, rows in duck.items():
        assert spark[table] == rows, table


def _every_relation(db: Path) -> dict[str, list[tuple]]:
    """Tables and views of a warehouse, rows sorted (the Spark build's are views)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        names += [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        ]
        return {
            name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in set(names) - {"build_state", "manifest"}
        }
    finally:
        con.close()


def test_spark_tables_are_parquet_folders_partitioned_by_year(both_ways):
    spark = both_ways["spark"]
    (build,) = list(spark.with_name("w.parquet").iterdir())
    activities = sorted(p.name for p in (build / "activities").iterdir() if p.is_dir())
    # HD01-HD03 of 2025 are loaded (HD04 is after the as-of, HD05's unit is unknown)
    assert activities == ["part_year=2025"]
    assert list((build / "units").glob("*.parquet"))
    views = {r[0] for r in query(spark, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert {"activities", "attendance", "units", "sign_ins", "activity_facts"} <= views


SCOPES = [
    ("2025-01-01", "2025-12-31", None),
    ("2025-03-01", "2025-03-31", None),
    ("2025-01-01", "2025-12-31", "S01"),
    ("2025-03-06", "2025-06-30", "Z02"),
    ("2024-01-01", "2024-12-31", None),
]


@pytest.mark.parametrize(("date_from", "date_to", "unit"), SCOPES)
def test_every_report_figure_is_the_same_from_a_spark_build(both_ways, date_from, date_to, unit):
    def report(db: Path) -> dict:
        args = ["report", "--db", db, "--from", date_from, "--to", date_to, "--json"]
        code, out, err = run_cli(*args, *(["--unit", unit] if unit else []))
        assert code == 0, err
        return json.loads(out)

    duck, spark = report(both_ways["duck"]), report(both_ways["spark"])
    assert spark == duck


def test_the_overview_page_shows_the_same_tiles_from_a_spark_build(both_ways, open_app):
    """Pages read a Spark build's views over Parquet as they read a DuckDB file."""
    duck = tiles(open_app(db=both_ways["duck"]))
    assert duck["活动场次"] != "0场次"
    assert tiles(open_app(db=both_ways["spark"])) == duck


def test_the_load_pass_sql_run_on_duckdb_gives_the_duckdb_build(both_ways, tmp_path):
    """The same SQL, untranspiled, on DuckDB: the DuckDB engine could adopt it."""
    from pipelines.spark.build import build as spark_build

    db = tmp_path / "w.duckdb"
    shutil.copy(both_ways["duck"].with_name("w.salt"), tmp_path / "w.salt")
    shutil.copy(both_ways["duck"].with_name("w.decisions.json"), tmp_path / "w.decisions.json")
    from pipelines.build_cli import parse_as_of

    manifest = spark_build([both_ways["ledgers"]], db, parse_as_of(AS_OF), engine=DuckEngine())
    assert manifest == both_ways["duck_manifest"]
    duck = all_tables(both_ways["duck"])
    mine = _every_relation(db)
    for table, rows in duck.items():
        if table != "manifest":
            assert mine[table] == rows, table


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT age(start_at) FROM activities",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY score) FROM ratings",
        "SELECT median(score) FROM ratings",
        "SELECT * FROM t UNPIVOT (v FOR k IN (a, b))",
    ],
)
def test_sql_outside_the_portable_subset_is_refused(sql):
    with pytest.raises(NotPortable):
        portable(sql)


def test_portable_sql_keeps_duckdbs_null_order_on_spark():
    # DuckDB sorts NULLs last ascending, Spark first: the transpiled text says which
    sql = to_spark("SELECT ROW_NUMBER() OVER (ORDER BY a, b NULLS FIRST) AS n FROM t")
    assert "a NULLS LAST" in sql
    assert "COUNT(DISTINCT" in to_spark("SELECT COUNT(DISTINCT person_id) AS n FROM t")
