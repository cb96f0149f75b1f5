"""``wenming build --engine spark``: the DuckDB build's warehouse, made on Spark.

1. Staging runs on the executors: the list of files the cache lacks is parallelised and
   each task runs ``stage.stage_file`` (read, normalise, row-local rules), which writes
   the file's staged Parquet into the cache beside the warehouse, as a DuckDB build does.
2. The driver reads the cache index (``build._stage_all``: the manifest's file entries).
3. The cross-row pass (``load``) and the summary tables (``summaries``) run as Spark SQL,
   transpiled from the portable SQL; every table is written as Parquet, one folder per
   table (partitioned by year where the table has one), under ``<name>.parquet/<build>/``.
4. A small DuckDB file at ``db`` (atomically replaced, as a DuckDB build's) holds views
   over those folders with the warehouse's types, the rejects, source files, build state
   and manifest, and ``person_months`` (bitmaps made here from the ``sign_ins`` Parquet):
   the dashboard and ``wenming report`` read it as they read a DuckDB build's file.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines import append, pii, read, stage
from pipelines import build as duck_build
from pipelines import summaries as duck_summaries
from pipelines.build import BuildError
from pipelines.contract import TABLE_SPECS
from pipelines.schema import DDL, SUMMARY_TABLES
from pipelines.settings import TABLES, config, salt_path
from pipelines.spark import load
from pipelines.spark import summaries as spark_summaries
from pipelines.spark.engine import Engine, SparkEngine

MSG_START = "启动 Spark（{master}）…"
MSG_STAGE = "在 Spark 执行器上读取 {n} 个文件 …"
MSG_WRITE = "写出 Parquet 表 …"
MSG_MAPPED = (
    "有按报送格式（台账格式映射）读入的台账：Spark 引擎暂不支持，请用默认引擎构建"
    "（wenming build 不加 --engine spark）"
)
MSG_RESTRICTED = (
    "有填报员上传的、限定填报范围的台账：Spark 引擎暂不支持，请用默认引擎构建"
    "（wenming build 不加 --engine spark）"
)
MSG_NO_SPARK = (
    "Spark 引擎需要 pyspark：请安装 pip install 'wenming-dashboard[spark]'（或 make install）"
    "后重新构建，或用默认引擎构建；原数据仓库保持不变"
)
MSG_NO_JAVA = (
    "Spark 引擎需要 Java 17：请运行 make system-deps（安装 openjdk-17-jre-headless）"
    "后重新构建，或用默认引擎构建；原数据仓库保持不变"
)
# the state a DuckDB build compares before appending: a Spark build's never matches, so
# the next DuckDB build rebuilds in full (it cannot append to views over Parquet)
ENGINE_PREFIX = "spark-"
# the warehouse tables the Parquet folders hold (the rest live in the DuckDB file)
PARQUET_TABLES = (
    *TABLES,
    "unit_tree",
    "persons",
    "activity_facts",
    "sign_ins",
    "volunteer_hours",
    "redemption_balances",
)
_SUMMARY_VIEWS = {
    "unit_tree": "s_unit_tree",
    "persons": "s_persons",
    "activity_facts": "s_activity_facts",
    "sign_ins": "s_sign_ins",
    "volunteer_hours": "s_volunteer_hours",
    "redemption_balances": "s_redemption_balances",
}


def tables_root(db: Path) -> Path:
    """Where a Spark build's Parquet tables live: ``<name>.parquet/<build id>/<table>/``."""
    return db.with_name(f"{db.stem}.parquet")


def build(
    sources: list[str | os.PathLike],
    db: Path,
    as_of: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    wait: bool = True,
    engine: Engine | None = None,
) -> dict:
    """Build the warehouse at ``db`` from ``sources`` on Spark (or on ``engine``);
    returns the manifest, as ``pipelines.build.build`` does."""

    def run(files, db, as_of, asked, say, write_units) -> dict:
        if write_units:
            raise BuildError(MSG_RESTRICTED)
        return _build_locked(files, db, as_of, asked, say, engine)

    return duck_build.locked_build(sources, db, as_of, progress, wait, run)


def _build_locked(files, db: Path, as_of, asked, say, engine: Engine | None) -> dict:
    salt = pii.load_salt(salt_path(db), config().salt)
    if engine is None:
        engine = SparkEngine(_start(say))
        stage_on_executors(engine.spark, files, db, salt, say)
    entries, parts, source_rows, used = duck_build._stage_all(files, db, salt, say)
    if not any(parts.values()) and not duck_build._waiting_for_mapping(entries):
        found = "；".join(
            f"{e['file']}（{duck_build.STATUS_ZH.get(e['status'], e['status'])}）" for e in entries
        )
        raise BuildError("没有可识别的台账表：" + found)
    if any(p.staged.format for ps in parts.values() for p in ps):
        raise BuildError(MSG_MAPPED)
    decisions = duck_build.load_decisions(db)
    state = append.build_state(ENGINE_PREFIX + stage.fingerprint(salt, db), decisions)
    say(duck_build.MSG_FIRST)
    build_id = uuid.uuid4().hex[:12]
    folder = tables_root(db) / build_id
    staged = Staged(entries, parts, source_rows)
    try:
        run = load.Pass(engine=engine, as_of=as_of, decisions=decisions)
        manifest, rejects = _load(run, folder, staged, say)
        _write_warehouse(db, folder, manifest, rejects, source_rows, {**state, **asked}, as_of)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        engine.close()
    for old in tables_root(db).iterdir():  # the last build's tables: no view reads them now
        if old.name != build_id:
            shutil.rmtree(old, ignore_errors=True)
    duck_build._prune_cache(duck_build.cache_dir(db), used)
    return manifest


def _start(say):
    """The SparkSession, or a BuildError saying what to install."""
    from pipelines.spark.session import spark

    say(MSG_START.format(master=config().spark.master))
    try:
        return spark()
    except ImportError:
        raise BuildError(MSG_NO_SPARK) from None
    except Exception as exc:  # pyspark's "Java gateway process exited" and kin
        if shutil.which("java") is None:
            raise BuildError(MSG_NO_JAVA) from exc
        raise


def stage_on_executors(session, files: list[read.SourceFile], db: Path, salt: str, say) -> None:
    """Stage every file the cache lacks, one task per file, on the executors."""
    cache = duck_build.cache_dir(db)
    fp = stage.fingerprint(salt, db)
    digests = duck_build._digests(files, cache)
    todo: dict[str, str] = {}
    for source, digest in zip(files, digests, strict=True):
        if digest not in todo and not stage.is_staged(digest, cache, fp):
            todo[digest] = str(source.path)
    if not todo:
        return
    say(MSG_STAGE.format(n=len(todo)))
    # the largest first, so the last tasks to finish are small ones
    jobs = sorted(todo.items(), key=lambda item: -Path(item[1]).stat().st_size)
    settings = os.environ.get("WENMING_CONFIG") or str(Path.cwd() / "wenming.toml")
    slices = max(1, min(len(jobs), session.sparkContext.defaultParallelism * 4))
    session.sparkContext.parallelize(jobs, slices).foreach(
        lambda job: _stage_one(job, cache, fp, salt, db, settings)
    )


def _stage_one(job: tuple[str, str], cache: Path, fp: str, salt: str, db: Path, settings: str):
    """One executor task: the file's staged Parquet in the cache (settings as the driver's)."""
    os.environ["WENMING_CONFIG"] = settings
    digest, path = job
    stage.stage_file(Path(path), digest, cache, fp, salt, db)


@dataclass
class Staged:
    """What the driver read from the cache index: the manifest's file entries, each
    table's staged parts in file order, and the source_files rows."""

    entries: list[dict]
    parts: dict[str, list[duck_build.Part]]
    source_rows: list[dict]


def _load(run: load.Pass, folder: Path, staged: Staged, say) -> tuple[dict, pl.DataFrame | None]:
    """The cross-row pass and the summaries, the tables written under ``folder``;
    returns the manifest and the rejects (in the DuckDB build's order)."""
    engine = run.engine
    load.empty_context(engine)
    types = load.ddl_types()
    results = {}
    for table in TABLES:
        say(f"校验 {TABLE_SPECS[table].zh} …")
        results[table] = load.process_table(table, staged.parts[table], run)
        if staged.parts[table]:
            engine.view(f"w_{table}", load.warehouse_select(table, types[table]))
        else:
            engine.view(f"w_{table}", _empty_select(types[table], table))
    say("汇总统计表 …")
    spark_summaries.build(engine)
    say(MSG_WRITE)
    for table in PARQUET_TABLES:
        view = _SUMMARY_VIEWS.get(table, f"w_{table}")
        partition = load.PART_COLUMN if table in load.PARTITION_YEAR else None
        engine.write(_ordered(table, view), folder / table, partition)
    rejects = [r for res in results.values() for r in res.rejects]
    reject_frame = duck_build.sorted_rejects(rejects)
    return duck_build._manifest(run.as_of, staged.entries, results, reject_frame), reject_frame


def _ordered(table: str, view: str) -> str:
    if table in ("unit_tree", "persons"):
        order = "depth" if table == "unit_tree" else "person_no"
        return f"SELECT *, CAST({order} AS BIGINT) AS _order FROM {view}"
    return f"SELECT * FROM {view}"


def _empty_select(types: list[tuple[str, str]], table: str) -> str:
    cells = [f"CAST(NULL AS {kind}) AS {column}" for column, kind in types]
    if table in load.PARTITION_YEAR:
        cells.append(f"CAST(NULL AS INTEGER) AS {load.PART_COLUMN}")
    cells.append("CAST(NULL AS BIGINT) AS _order")
    return f"SELECT {', '.join(cells)} FROM (SELECT 1 AS one) AS x WHERE FALSE"


def _write_warehouse(
    db: Path,
    folder: Path,
    manifest: dict,
    reject_frame: pl.DataFrame | None,
    source_rows: list[dict],
    state: dict[str, str],
    as_of: dt.datetime,
) -> None:
    """The DuckDB file: views over the Parquet tables, the small tables, ``person_months``."""
    types = load.ddl_types()
    with duck_build.new_warehouse(db) as con:
        for table, ddl in DDL.items():
            files = sorted((folder / table).rglob("*.parquet")) if table in PARQUET_TABLES else []
            if files:
                cells = ", ".join(f"CAST({c} AS {k}) AS {c}" for c, k in types[table])
                glob = str((folder / table).resolve() / "**" / "*.parquet")
                con.execute(
                    f"CREATE VIEW {table} AS SELECT {cells} "
                    f"FROM read_parquet('{glob}', hive_partitioning = false)"
                )
            elif table != "person_months":
                con.execute(ddl)
        con.execute(DDL["person_months"])
        duck_summaries.build_person_months(con)
        if reject_frame is not None:
            con.register("reject_frame", reject_frame)
            con.execute("INSERT INTO rejects BY NAME SELECT * FROM reject_frame")
            con.unregister("reject_frame")
        duck_build.insert_sources(con, source_rows)
        duck_build.write_build_state(con, state)
        duck_build.write_manifest(con, as_of, manifest)


assert set(SUMMARY_TABLES) <= {*PARQUET_TABLES, "person_months"}
