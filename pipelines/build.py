"""The build: ledger files in, a new warehouse file atomically in place, a manifest out.

Order of work: find the files; stage each one (read, normalise, row-local rules:
``stage``, cached by content hash); then table by table, in the contract's
order, check references against the tables already loaded (``validate``) and
resolve duplicates and conflicts (``dedup``), bucket by bucket of activity code
so memory stays bounded; every bucket is loaded straight into a new DuckDB file
beside the target, which finally replaces it with ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines import append, dedup, pii, read, scopes, stage, summaries
from pipelines.contract import TABLE_SPECS
from pipelines.mapping import resolve
from pipelines.schema import DDL
from pipelines.settings import TABLES, config, decisions_path, salt_path
from pipelines.validate import Context, check_refs, check_unit_parents

BUCKET_ROWS = 2_000_000  # valid rows per bucket of a large table
PARALLEL_WORKERS = 4
DIGESTS = "digests.json"  # in the cache: each file's stamp and SHA-256
PARALLEL_MIN_BYTES = 64 << 20  # below this, starting worker processes costs more than it saves
# each staging worker runs Polars on one thread: the workers already fill the cores, and
# a pool of threads per worker on top of them costs CPU in scheduling (measured at the
# city: staging 34 -> 32 CPU-s, a third less system time)
WORKER_THREADS = ("POLARS_MAX_THREADS", "1")
DUCKDB_MEMORY = "3GB"


STATUS_ZH = {
    "loaded": "已读入",
    "duplicate_file": "重复文件，已跳过",
    "unrecognised": "无法识别表格类型",
    "needs_mapping": "需要映射台账格式",
    "unreadable": "无法读取",
    "empty": "空表",
}


MSG_BUSY = "另一次构建正在进行，请稍候再试。"
MSG_FIRST = "全量构建 …"
MSG_FULL = "全量构建（{}）…"
MSG_APPEND = "增量构建：沿用上次的数据仓库，只校验新增文件 …"
MSG_DISK_FULL = "磁盘空间不足，请清理磁盘后重新构建；原数据仓库保持不变"
MSG_FILE_SIZE_LIMIT = (
    "写入的文件超过了系统允许的大小（ulimit -f），请管理员放宽限制后重新构建；原数据仓库保持不变"
)
MSG_NO_WRITE = "没有写入“{name}”的权限，请检查数据目录的权限后重新构建；原数据仓库保持不变"
MSG_OUT_OF_MEMORY = (
    "内存不足，构建未完成：请关闭其他占用内存的程序，或把台账分批导入后重新构建；原数据仓库保持不变"
)
MSG_WORKER_DIED = (
    "读取台账的子进程意外退出（可能是内存不足），构建未完成：请重新构建；"
    "如仍出错，请把“{log}”发给维护人员。原数据仓库保持不变"
)
MSG_INTERNAL = "构建中途出错，原数据仓库保持不变：请重新构建；如仍出错，请把“{log}”发给维护人员"
MSG_DIR_NOT_WRITABLE = "目标目录不可写：{name}，请检查权限后重新构建"

# build_state keys recording what the build was asked (read by dashboard.build_sources:
# the page rebuilds from the same sources); an incremental build does not compare them
SOURCES_KEY = "sources"
AS_OF_KEY = "as_of_given"

MSG_MAPPED = "有按报送格式读入的台账"
# a ledger in a layout of its own: what the clerk does about it
MSG_MAP = "请在“台账格式映射”页（或用 wenming map）把表头映射一次，以后同样格式的台账自动读入"


MSG_CHANGED_DURING_BUILD = (
    "文件“{name}”在构建过程中被修改、移走或删除：请等报送的文件不再变动后重新构建；"
    "原数据仓库保持不变"
)


class BuildError(Exception):
    """Nothing could be built; the message is one line of Chinese for the user."""


@dataclass
class Part:
    """One staged sheet of a table, placed in this build's file order."""

    file_idx: int
    sheet_idx: int
    file: str
    sheet: str | None
    staged: stage.StagedSheet
    # the file as this build found it: read again for the raw text of later rejects
    path: Path | None = None
    stamp: list[int] | None = None  # stage.file_stamp when the build staged it
    db: Path | None = None


@dataclass
class TableResult:
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejects: list[pl.DataFrame] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(r.height for r in self.rejects)


def load_decisions(db: Path) -> dict[tuple[str, str], list[str]]:
    """(table, key) -> adopted content hashes, oldest first."""
    path = decisions_path(db)
    if not path.exists():
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for d in json.loads(path.read_text(encoding="utf-8")).get("decisions", []):
        out.setdefault((d["table"], d["key"]), []).append(d["content_hash"])
    return out


def cache_dir(db: Path) -> Path:
    return db.with_name(f".{db.name}.cache")


@contextmanager
def build_lock(db: Path, wait: bool = True):
    """One build at a time per warehouse, across processes and the threads of one app
    (flock conflicts between two open() calls even in one process). ``wait=False``
    raises BuildError at once instead of queueing behind the running build."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock = db.with_name(f".{db.name}.lock")
    with lock.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(MSG_BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(
    sources: list[str | os.PathLike],
    db: Path,
    as_of: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    wait: bool = True,
) -> dict:
    """Build the warehouse at ``db`` from ``sources``; returns the manifest. Waits for a
    build already running on ``db``, or with ``wait=False`` raises BuildError."""
    return locked_build(sources, db, as_of, progress, wait, _build_locked)


def locked_build(
    sources: list[str | os.PathLike],
    db: Path,
    as_of: dt.datetime | None,
    progress: Callable[[str], None] | None,
    wait: bool,
    run: Callable[..., dict],
) -> dict:
    """The frame of a build on any engine: the sources found and the 填报员 scopes read,
    then, under the warehouse's lock, ``run(files, db, as_of, asked, say, write_units)``;
    a failure leaves the old warehouse in place and is said in Chinese."""
    asked = request_state(sources, as_of)
    as_of = (as_of or dt.datetime.now()).replace(microsecond=0)
    say = progress or (lambda _msg: None)
    db = Path(db)
    if not db.parent.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(db.parent, os.W_OK):
        raise BuildError(MSG_DIR_NOT_WRITABLE.format(name=db.parent.name))
    files = read.find_sources(sources)
    if not files:
        raise BuildError(
            "没有找到可读取的台账文件（.csv、.xlsx、.xls）：" + "、".join(map(str, sources))
        )
    try:
        write_units = scopes.write_units(sources, files)
    except scopes.ScopeIndexError as exc:
        raise BuildError(str(exc)) from None
    with build_lock(db, wait):
        _sweep_scratch(cache_dir(db))  # what a killed build left
        try:
            return run(files, db, as_of, asked, say, write_units)
        except (BuildError, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the old warehouse is in place; say why in Chinese
            # (BaseException: a Rust panic in a reader arrives as pyo3's PanicException)
            raise BuildError(failure_message(exc, db)) from exc
        finally:
            _sweep_scratch(cache_dir(db))


def _build_locked(
    files: list[read.SourceFile],
    db: Path,
    as_of: dt.datetime,
    asked: dict[str, str],
    say,
    write_units: dict[int, str],
) -> dict:
    salt = pii.load_salt(salt_path(db), config().salt)
    entries, parts, source_rows, used = _stage_all(files, db, salt, say)
    if not any(parts.values()) and not _waiting_for_mapping(entries):
        found = "；".join(
            f"{e['file']}（{STATUS_ZH.get(e['status'], e['status'])}）" for e in entries
        )
        raise BuildError("没有可识别的台账表：" + found)
    decisions = load_decisions(db)
    state = append.build_state(stage.fingerprint(salt, db), decisions)
    try:
        if any(p.staged.format for ps in parts.values() for p in ps):
            # generated codes and names resolved against the loaded units: only a full
            # build judges them against every other row
            raise append.Fallback(MSG_MAPPED)
        the_plan = append.plan(db, parts, source_rows, as_of, state)
    except append.Fallback as why:
        say(MSG_FULL.format(why) if str(why) else MSG_FIRST)
        manifest = _load(
            db, parts, entries, source_rows, as_of, decisions, {**state, **asked}, say, write_units
        )
    else:
        say(MSG_APPEND)
        manifest = append.append(
            db,
            the_plan,
            entries,
            source_rows,
            as_of,
            decisions,
            {**state, **asked},
            say,
            write_units,
        )
    _prune_cache(cache_dir(db), used)
    return manifest


def failure_message(exc: BaseException, db: Path) -> str:
    """What a user is told when a build fails for a reason that is not a file's: a full
    disk, missing rights, memory; anything else points to a log beside the warehouse
    that holds the traceback (English, for whoever maintains the server)."""
    if isinstance(exc, stage.ChangedFile):
        return MSG_CHANGED_DURING_BUILD.format(name=exc.path.name)
    space = stage.out_of_space(exc)
    if space:
        return MSG_DISK_FULL if space == "disk" else MSG_FILE_SIZE_LIMIT
    if isinstance(exc, PermissionError):  # ledgers a build cannot read are staged as such
        return MSG_NO_WRITE.format(name=Path(exc.filename or db).name)
    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return MSG_OUT_OF_MEMORY
    log_path = db.with_name(f".{db.name}.error.log")
    try:
        log_path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:
        pass
    template = MSG_WORKER_DIED if isinstance(exc, BrokenProcessPool) else MSG_INTERNAL
    return template.format(log=log_path.name)


def _sweep_scratch(cache: Path) -> None:
    """Remove temporary copies of raw ledgers a killed or failed build left behind."""
    shutil.rmtree(stage.scratch_dir(cache), ignore_errors=True)


def request_state(sources: list[str | os.PathLike], as_of: dt.datetime | None) -> dict[str, str]:
    """What the build was asked, as build_state rows: the SOURCE arguments resolved to
    absolute paths (JSON list, in the order given) and the --as-of given ('' when the
    build takes the clock's time)."""
    resolved = [str(Path(source).expanduser().resolve()) for source in sources]
    return {
        SOURCES_KEY: json.dumps(resolved, ensure_ascii=False),
        AS_OF_KEY: as_of.replace(microsecond=0).isoformat(sep=" ") if as_of else "",
    }


# ---------------------------------------------------------------- staging


def _stage_all(files: list[read.SourceFile], db: Path, salt: str, say):
    fp = stage.fingerprint(salt, db)  # the saved 报送格式 beside this warehouse apply
    cache = cache_dir(db)
    seen: dict[str, str] = {}
    entries: list[dict] = []
    parts: dict[str, list[Part]] = {t: [] for t in TABLES}
    source_rows: list[dict] = []
    used: set[str] = set()
    digests = _digests(files, cache)
    _stage_in_parallel(files, digests, cache, fp, salt, db, say)
    for file_idx, source in enumerate(files):
        say(f"读取 {source.rel}（{file_idx + 1}/{len(files)}）")
        digest = digests[file_idx]
        modified = dt.datetime.fromtimestamp(source.path.stat().st_mtime).replace(microsecond=0)
        if digest in seen:
            entries.append(
                {
                    "file": source.rel,
                    "status": "duplicate_file",
                    "rows": 0,
                    "duplicate_of": seen[digest],
                }
            )
            source_rows.append(
                _source_row(source.rel, None, "duplicate_file", None, 0, digest, modified)
            )
            continue
        seen[digest] = source.rel
        used.add(f"{digest}-{fp}")
        try:
            stamp = stage.file_stamp(source.path)
        except OSError:  # gone or unreadable: staging says why; never read again
            stamp = None
        staged = stage.stage_file(source.path, digest, cache, fp, salt, db)
        if staged.error:
            entries.append(
                {"file": source.rel, "status": "unreadable", "rows": 0, "error": staged.error}
            )
            source_rows.append(
                _source_row(source.rel, None, "unreadable", None, 0, digest, modified)
            )
            continue
        sheet_entries = []
        for sheet_idx, s in enumerate(staged.sheets):
            sheet_entries.append(
                {
                    "sheet": s.sheet,
                    "table": s.table,
                    "status": s.status,
                    "rows": s.rows,
                    "headers": s.headers,
                    **({"error": s.error} if s.error else {}),
                }
                | ({"format": s.format} if s.format else {})
            )
            source_rows.append(
                _source_row(source.rel, s.sheet, s.status, s.table, s.rows, digest, modified)
            )
            if s.status == "loaded":
                parts[s.table].append(
                    Part(file_idx, sheet_idx, source.rel, s.sheet, s, source.path, stamp, db)
                )
        loaded = [s for s in sheet_entries if s["status"] == "loaded"]
        refused = [s["error"] for s in sheet_entries if s["status"] == "unreadable"]
        if (
            refused
            and not loaded
            and all(
                s["status"] == "unreadable" or (s["status"] == "empty" and not s["headers"])
                for s in sheet_entries
            )
        ):
            # nothing of the workbook could be read: the file is unreadable, and why
            entries.append(
                {"file": source.rel, "status": "unreadable", "rows": 0, "error": "；".join(refused)}
            )
            continue
        for sheet_entry, s in zip(sheet_entries, staged.sheets, strict=True):
            if sheet_entry["status"] == "unrecognised":
                sheet_entry["hint"] = read.header_hint(sheet_entry["headers"])
            elif sheet_entry["status"] == "needs_mapping":
                sheet_entry["hint"] = _mapping_hint(sheet_entry["headers"])
                sheet_entry["header_row"] = s.header_row
        entry: dict = {"file": source.rel, "status": _file_status(sheet_entries)}
        if source.path.suffix.lower() == ".csv":
            s = sheet_entries[0]
            entry.update({"table": s["table"], "rows": s["rows"], "headers": s["headers"]})
            entry.update({"format": s["format"]} if "format" in s else {})
        else:
            entry.update({"sheets": sheet_entries, "rows": sum(s["rows"] for s in sheet_entries)})
            if not loaded:
                entry["headers"] = next((s["headers"] for s in sheet_entries if s["headers"]), [])
        if entry["status"] == "needs_mapping":
            waiting = next(s for s in sheet_entries if s["status"] == "needs_mapping")
            entry.update(headers=waiting["headers"], header_row=waiting["header_row"])
            entry["hint"] = waiting["hint"]
        elif not loaded:
            entry["hint"] = read.header_hint(entry["headers"])
        elif source.path.suffix.lower() == ".csv":
            entry.pop("hint", None)
        entries.append(entry)
    return entries, parts, source_rows, used


def _file_status(sheets: list[dict]) -> str:
    """loaded when any sheet loaded; else needs_mapping when any sheet waits for a
    mapping; else unrecognised."""
    statuses = {s["status"] for s in sheets}
    if "loaded" in statuses:
        return "loaded"
    return "needs_mapping" if "needs_mapping" in statuses else "unrecognised"


def _mapping_hint(headers: list[str]) -> str:
    """What to do about a ledger in a layout of its own; a near miss of a template
    table (a required column missing) says which column first."""
    guess = read.header_hint(headers)
    return f"{guess}；或者{MSG_MAP}" if guess.startswith("表头最像") else MSG_MAP


def _waiting_for_mapping(entries: list[dict]) -> bool:
    """Whether a file or sheet waits for a mapping: such a build is not a failure."""
    return any(
        e["status"] == "needs_mapping"
        or any(s["status"] == "needs_mapping" for s in e.get("sheets", []))
        for e in entries
    )


def _stage_in_parallel(files, digests, cache: Path, fp: str, salt: str, db: Path, say) -> None:
    """Stage the files the cache lacks, one process per core, when there is enough to do.

    Each worker writes its file's cache entry; the build then reads them in order.
    Workers are spawned, not forked: Polars' thread pool does not survive a fork.
    """
    todo = {}
    for source, digest in zip(files, digests, strict=True):
        if digest not in todo and not stage.is_staged(digest, cache, fp):
            todo[digest] = source.path
    size = sum(p.stat().st_size for p in todo.values())
    workers = min(os.cpu_count() or 1, PARALLEL_WORKERS)
    if workers < 2 or len(todo) < 2 or size < PARALLEL_MIN_BYTES:
        return
    say(f"并行读取 {len(todo)} 个文件 …")
    context = multiprocessing.get_context("spawn")
    # os.putenv, not os.environ: the build's own process keeps its settings; set in the
    # worker before its first Polars call, which is when Polars reads it
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=os.putenv, initargs=WORKER_THREADS
    ) as pool:
        # the largest first, so the last files to finish are small ones
        largest_first = sorted(todo.items(), key=lambda item: -item[1].stat().st_size)
        jobs = [
            pool.submit(stage.stage_file, path, digest, cache, fp, salt, db)
            for digest, path in largest_first
        ]
        for job in jobs:
            job.result()


def _digests(files: list[read.SourceFile], cache: Path) -> list[str]:
    """Each file's SHA-256; a file whose size, inode and change times are those of the
    last build is not read again (a province's 2.7 GB take seconds to hash)."""
    memo_path = cache / DIGESTS
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    fresh, out = {}, []
    for source in files:
        st = source.path.stat()
        key = str(source.path.resolve())
        stamp = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
        known = memo.get(key)
        try:
            digest = known[-1] if known and known[:-1] == stamp else read.file_sha256(source.path)
        except OSError:
            # unreadable (no permission, gone): staging it says why, in Chinese; not
            # remembered, so the next build hashes it again
            out.append("unreadable" + hashlib.sha256(f"{key}{stamp}".encode()).hexdigest()[:32])
            continue
        fresh[key] = [*stamp, digest]
        out.append(digest)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = memo_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(fresh, ensure_ascii=False), encoding="utf-8")
    tmp.replace(memo_path)
    return out


def _prune_cache(cache: Path, used: set[str]) -> None:
    """Drop staged results of files this build no longer has (withdrawn or changed)."""
    if not cache.exists():
        return
    for path in cache.iterdir():
        if path.name == DIGESTS or path.is_dir():
            continue
        if "-".join(path.name.split("-")[:2]).split(".")[0] not in used:
            path.unlink(missing_ok=True)


def _source_row(file, sheet, status, table, rows, digest, modified) -> dict:
    return {
        "file": file,
        "sheet": sheet,
        "status": status,
        "table_name": table,
        "rows": rows,
        "sha256": digest,
        "modified_at": modified,
    }


# ---------------------------------------------------------------- one table, bucket by bucket


def _provenance(p: Part) -> list[pl.Expr]:
    return [
        pl.lit(p.file).alias("_file"),
        pl.lit(p.sheet, dtype=pl.String).alias("_sheet"),
        pl.lit(p.file_idx, dtype=pl.Int64).alias("_file_idx"),
        pl.lit(p.sheet_idx, dtype=pl.Int64).alias("_sheet_idx"),
    ]


def _valid_rows(parts: list[Part], bucket: int, buckets: int) -> pl.DataFrame:
    scans = [
        pl.scan_parquet(p.staged.valid)
        .filter((pl.col("_bh") % buckets) == bucket)
        .with_columns(_provenance(p))
        for p in parts
    ]
    frame = pl.concat(scans, how="diagonal_relaxed").collect()
    # parts come in file and sheet order, each in row order: sorted already, as a rule
    # (a check of one packed integer instead of a sort of the whole bucket)
    packed = (
        pl.col("_file_idx") * 4398046511104
        + pl.col("_sheet_idx") * 4294967296
        + pl.col("_row").cast(pl.Int64)
    )
    if not frame.select(packed).to_series().is_sorted():
        frame = frame.sort(["_file_idx", "_sheet_idx", "_row"])
    return frame.with_row_index("_order")


def _raw_of(parts: list[Part], rows: pl.DataFrame) -> pl.DataFrame:
    """The masked raw text of the given (_file_idx, _sheet_idx, _row) rows, read again
    from their files (each file once), as staging keeps no raw text of rows it loads."""
    out = []
    by_file: dict[int, list[Part]] = {}
    for p in parts:
        by_file.setdefault(p.file_idx, []).append(p)
    for file_idx, file_parts in by_file.items():
        in_file = rows.filter(pl.col("_file_idx") == file_idx)
        if not in_file.height:
            continue
        wanted = {
            p.sheet_idx: in_file.filter(pl.col("_sheet_idx") == p.sheet_idx)["_row"]
            for p in file_parts
        }
        wanted = {i: r for i, r in wanted.items() if r.len()}
        if not wanted:
            continue
        p = file_parts[0]
        found = stage.raw_rows(p.path, p.stamp, cache_dir(p.db), p.db, wanted)
        for sheet_idx, raw in found.items():
            out.append(
                raw.with_columns(
                    pl.lit(file_idx, pl.Int64).alias("_file_idx"),
                    pl.lit(sheet_idx, pl.Int64).alias("_sheet_idx"),
                )
            )
    if not out:
        return pl.DataFrame(
            schema={
                "_row": pl.Int64,
                "raw": pl.String,
                "_file_idx": pl.Int64,
                "_sheet_idx": pl.Int64,
            }
        )
    return pl.concat(out)


def _local_rejects(table: str, parts: list[Part]) -> pl.DataFrame | None:
    frames = [pl.read_parquet(p.staged.rejects).with_columns(_provenance(p)) for p in parts]
    frames = [f for f in frames if f.height]
    if not frames:
        return None
    none_s = pl.lit(None, pl.String)
    return pl.concat(frames).select(
        "_file_idx",
        "_sheet_idx",
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(table).alias("table_name"),
        "reason_code",
        "reason",
        "raw",
        none_s.alias("row_key"),
        none_s.alias("content_hash"),
        none_s.alias("kept_file"),
        none_s.alias("kept_sheet"),
        pl.lit(None, pl.Int64).alias("kept_row"),
    )


def _late_rejects(
    table: str, frame: pl.DataFrame, parts: list[Part], with_kept: bool
) -> pl.DataFrame:
    """Rejects found after staging (references, conflicts), with their raw rows."""
    return _with_raw_rows(_late_picked(table, frame, with_kept), parts)


def _late_picked(table: str, frame: pl.DataFrame, with_kept: bool) -> pl.DataFrame:
    """Rejects found after staging, without their raw rows yet (``_with_raw_rows``)."""
    none_s, none_i = pl.lit(None, pl.String), pl.lit(None, pl.Int64)
    return frame.select(
        "_file_idx",
        "_sheet_idx",
        pl.col("_row").cast(pl.Int64),
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(table).alias("table_name"),
        pl.col("_code").alias("reason_code"),
        pii.mask_text(pl.col("_reason")).alias("reason"),
        (pl.col("_key") if with_kept else none_s).alias("row_key"),
        (pl.col("_stable") if with_kept else none_s).alias("content_hash"),
        (pl.col("_kept_file") if with_kept else none_s).alias("kept_file"),
        (pl.col("_kept_sheet") if with_kept else none_s).alias("kept_sheet"),
        (pl.col("_kept_row").cast(pl.Int64) if with_kept else none_i).alias("kept_row"),
    )


def _with_raw_rows(picked: pl.DataFrame, parts: list[Part]) -> pl.DataFrame:
    """Late rejects (``_late_picked``) with their raw rows, each file read once."""
    raw = _raw_of(parts, picked)
    joined = picked.join(raw, on=["_file_idx", "_sheet_idx", "_row"], how="left")
    return joined.select(
        "_file_idx",
        "_sheet_idx",
        "file",
        "sheet",
        "row",
        "table_name",
        "reason_code",
        "reason",
        pl.col("raw").fill_null("{}"),
        "row_key",
        "content_hash",
        "kept_file",
        "kept_sheet",
        "kept_row",
    )


def _process_table(table, parts, ctx, decisions, con, say) -> TableResult:
    result = TableResult(rows=sum(p.staged.rows for p in parts))
    if not parts:
        return result
    local = _local_rejects(table, parts)
    if local is not None:
        result.rejects.append(local)
    valid_rows = sum(
        pl.scan_parquet(p.staged.valid).select(pl.len()).collect().item() for p in parts
    )
    buckets = max(1, math.ceil(valid_rows / BUCKET_ROWS)) if table in stage.BUCKETED else 1
    remembered, late = [], []
    id_column = {"units": "t_unit_id", "activities": "t_activity_id"}.get(table)
    rejected_ids = [_locally_rejected_ids(parts)] if id_column else []
    for bucket in range(buckets):
        if buckets > 1:
            say(f"校验 {TABLE_SPECS[table].zh}（{bucket + 1}/{buckets}）…")
        frame = _valid_rows(parts, bucket, buckets)
        frame = frame.with_columns(
            pl.lit(None, pl.String).alias("_code"), pl.lit(None, pl.String).alias("_reason")
        )
        if table == "units":
            frame = check_unit_parents(frame, rejected_ids[0])
        frame = resolve.resolve(table, frame, con)  # mapping hook: names to codes
        frame = check_refs(table, frame, ctx)
        invalid = frame.filter(pl.col("_code").is_not_null())
        if invalid.height:
            late.append(_late_picked(table, invalid, with_kept=False))
            if id_column:
                rejected_ids.append(invalid[id_column])
        valid = dedup.with_keys(table, frame.filter(pl.col("_code").is_null()))
        resolved = dedup.resolve(table, valid, decisions)
        loaded = resolved.filter(pl.col("_status") == "loaded")
        result.loaded += loaded.height
        result.duplicates += resolved.filter(pl.col("_status") == "duplicate").height
        conflicts = resolved.filter(pl.col("_status") == "rejected")
        if conflicts.height:
            late.append(_late_picked(table, conflicts, with_kept=True))
        _insert(con, table, loaded)
        remembered.append(_keys(table, loaded))
    if late:  # raw rows of every bucket's late rejects at once: each file is read once
        result.rejects.append(_with_raw_rows(pl.concat(late, how="vertical_relaxed"), parts))
    keys = pl.concat(remembered, how="vertical_relaxed")
    _remember(table, keys, ctx)
    if id_column:
        loaded_ids = keys.get_column(keys.columns[0])
        ids = pl.concat(rejected_ids).drop_nulls().unique()
        ctx.rejected[table] = ids.filter(~ids.is_in(loaded_ids.implode()))
    return result


def _locally_rejected_ids(parts: list[Part]) -> pl.Series:
    """Codes of rows rejected by row-local rules (a reference to them says so)."""
    ids = [pl.read_parquet(p.staged.rejects, columns=["key_id"])["key_id"] for p in parts]
    return pl.concat([pl.Series([], dtype=pl.String), *ids]).cast(pl.String)


def _keys(table: str, loaded: pl.DataFrame) -> pl.DataFrame:
    names = {
        "units": {"t_unit_id": "unit_id", "t_level": "level", "t_parent_id": "parent_id"},
        "brands": {"t_brand_id": "brand_id"},
        "orders": {"t_order_id": "order_id"},
        "activities": {
            "t_activity_id": "activity_id",
            "t_start_at": "start_at",
            "t_start_at_has_time": "start_has_time",
            "t_unit_id": "unit_id",
        },
    }.get(table)
    if not names:
        return pl.DataFrame()
    if loaded.height == 0:
        return pl.DataFrame(schema={v: loaded.schema.get(k, pl.String) for k, v in names.items()})
    return loaded.select([pl.col(k).alias(v) for k, v in names.items()])


def _remember(table: str, keys: pl.DataFrame, ctx: Context) -> None:
    """Keys of a loaded table, for the reference rules of the tables after it."""
    if table == "units":
        ctx.unit_levels = keys
    elif table == "brands":
        ctx.brand_ids = keys.get_column("brand_id")
    elif table == "orders":
        ctx.order_ids = keys.get_column("order_id")
    elif table == "activities":
        ctx.activities = keys


# ---------------------------------------------------------------- the warehouse file


_STAGE: dict[str, dict[str, str]] = {
    "units": {
        "unit_id": "t_unit_id",
        "name": "t_name",
        "level": "t_level",
        "parent_id": "t_parent_id",
        "division_code": "t_division_code",
        "serves": "t_serves",
        "opened_on": "t_opened_on",
        "is_model": "t_is_model",
        "lng": "t_lng",
        "lat": "t_lat",
        "head": "t_head",
        "is_rules_posted": "t_is_rules_posted",
        "room_count": "t_room_count",
        "area_sqm": "t_area_sqm_text",
    },
    "divisions": {
        "code": "t_code",
        "name": "t_name",
        "urban_rural": "t_urban_rural",
        "population": "t_population",
    },
    "brands": {
        "brand_id": "t_brand_id",
        "name": "t_name",
        "unit_id": "t_unit_id",
        "category": "t_category",
        "started_on": "t_started_on",
    },
    "orders": {
        "order_id": "t_order_id",
        "ordered_at": "t_ordered_at",
        "category": "t_category",
        "content": "t_content",
        "unit_id": "t_unit_id",
        "dispatched_at": "t_dispatched_at",
        "accepted_unit_id": "t_accepted_unit_id",
        "accepted_at": "t_accepted_at",
        "completed_at": "t_completed_at",
        "status": "t_status",
    },
    "activities": {
        "activity_id": "t_activity_id",
        "title": "t_title",
        "unit_id": "t_unit_id",
        "brand_id": "t_brand_id",
        "category": "t_category",
        "start_at": "t_start_at",
        "end_at": "t_end_at",
        "source": "t_source",
        "order_id": "t_order_id",
        "volunteer_count": "t_volunteer_count",
        "volunteer_hours": "t_volunteer_hours_text",
        "target_group": "t_target_group",
        "reported_person_times": "t_reported_person_times",
        "location": "t_location",
    },
    "attendance": {
        "activity_id": "t_activity_id",
        "person_id": "t_person_id",
        "headcount": "t_headcount",
        "checked_in_at": "t_checked_in_at",
        "person_group": "t_group",
        "role": "t_role",
        "service_hours": "t_service_hours_text",
    },
    "ratings": {
        "activity_id": "t_activity_id",
        "rater_id": "t_rater_id",
        "score": "t_score",
        "comment": "t_comment",
        "rated_at": "t_rated_at",
    },
    "targets": {"year": "t_year", "unit_id": "t_unit_id", "metric": "t_metric", "value": "t_value"},
    "teams": {
        "team_id": "t_team_id",
        "name": "t_name",
        "unit_id": "t_unit_id",
        "category": "t_category",
        "founded_on": "t_founded_on",
        "member_count": "t_member_count",
    },
    "redemptions": {
        "redemption_id": "t_redemption_id",
        "person_id": "t_person_id",
        "unit_id": "t_unit_id",
        "redeemed_at": "t_redeemed_at",
        "points": "t_points",
        "item": "t_item",
    },
}

_DERIVED: dict[str, str] = {
    "activities": "start_on := CAST(start_at AS DATE)",
    "divisions": "is_village := NOT ends_with(code, '000')",
}


def _insert(con: duckdb.DuckDBPyConnection, table: str, loaded: pl.DataFrame) -> None:
    if loaded.height == 0:
        return
    cols = [pl.col(src).alias(dst) for dst, src in _STAGE[table].items()]
    cols += [
        pl.col("_file").alias("source_file"),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").cast(pl.Int32).alias("source_row"),
    ]
    if not loaded.get_column("_order").is_sorted():  # in order already, as a rule
        loaded = loaded.sort("_order")
    con.register("stage", loaded.select(cols))
    select = "*"
    if table in _DERIVED:
        name, expr = _DERIVED[table].split(" := ")
        select = (
            f"* REPLACE ({expr} AS {name})" if name in _STAGE[table] else f"*, {expr} AS {name}"
        )
    con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM stage")
    con.unregister("stage")


@contextmanager
def new_warehouse(db: Path, copy_of: Path | None = None):
    """A connection to a new file beside ``db`` (empty, or a copy of ``copy_of``), put in
    place of ``db`` with ``os.replace`` when the block ends; on any error the new file is
    removed and ``db`` stays byte for byte as it was."""
    for stale in db.parent.glob(f".{db.name}.building-*"):
        stale.unlink(missing_ok=True)
    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    try:
        if copy_of is not None:
            shutil.copyfile(copy_of, tmp)
        con = duckdb.connect(str(tmp), config={"memory_limit": DUCKDB_MEMORY})
        try:
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def write_manifest(con: duckdb.DuckDBPyConnection, as_of: dt.datetime, manifest: dict) -> None:
    """The build's one manifest row: as-of, build stamps and the manifest as JSON."""
    con.execute("DELETE FROM manifest")
    con.execute(
        "INSERT INTO manifest VALUES (?, ?, ?, ?)",
        [
            as_of,
            dt.datetime.now().replace(microsecond=0),
            uuid.uuid4().hex,
            json.dumps(manifest, ensure_ascii=False),
        ],
    )


def _load(db, parts, entries, source_rows, as_of, decisions, state, say, write_units) -> dict:
    with new_warehouse(db) as con:
        for ddl in DDL.values():
            con.execute(ddl)
        ctx = Context(as_of=as_of, write_units=write_units)
        results = {}
        for table in TABLES:
            say(f"校验 {TABLE_SPECS[table].zh} …")
            results[table] = _process_table(table, parts[table], ctx, decisions, con, say)
        say("写入数据仓库 …")
        rejects = [r for res in results.values() for r in res.rejects]
        reject_frame = sorted_rejects(rejects)
        if reject_frame is not None:
            con.register("reject_frame", reject_frame)
            con.execute("INSERT INTO rejects BY NAME SELECT * FROM reject_frame")
        manifest = _manifest(as_of, entries, results, reject_frame)
        con.execute(
            """INSERT INTO unit_tree
            WITH RECURSIVE t(unit_id, ancestor_id, depth) AS (
                SELECT unit_id, unit_id, 0 FROM units
                UNION ALL
                SELECT t.unit_id, u.parent_id, t.depth + 1
                FROM t JOIN units u ON u.unit_id = t.ancestor_id
                WHERE u.parent_id IS NOT NULL
            ) SELECT unit_id, ancestor_id, depth FROM t"""
        )
        say("汇总统计表 …")
        summaries.build(con)
        insert_sources(con, source_rows)
        write_build_state(con, state)
        write_manifest(con, as_of, manifest)
    return manifest


def sorted_rejects(rejects: list[pl.DataFrame]) -> pl.DataFrame | None:
    """Rejects in the contract's order: table, then file, sheet and row."""
    if not rejects:
        return None
    order = {t: i for i, t in enumerate(TABLES)}
    return (
        pl.concat(rejects, how="vertical_relaxed")
        .with_columns(pl.col("table_name").replace_strict(order, return_dtype=pl.Int64).alias("_t"))
        .sort(["_t", "_file_idx", "_sheet_idx", "row"])
        .drop("_t", "_file_idx", "_sheet_idx")
    )


def insert_sources(con: duckdb.DuckDBPyConnection, source_rows: list[dict]) -> None:
    sources = pl.DataFrame(
        source_rows,
        schema={
            "file": pl.String,
            "sheet": pl.String,
            "status": pl.String,
            "table_name": pl.String,
            "rows": pl.Int64,
            "sha256": pl.String,
            "modified_at": pl.Datetime("us"),
        },
    )
    con.register("sources", sources)
    con.execute("INSERT INTO source_files BY NAME SELECT * FROM sources")
    con.unregister("sources")


def write_build_state(con: duckdb.DuckDBPyConnection, state: dict[str, str]) -> None:
    """What the next build compares to decide whether it may append (see ``append``)."""
    con.execute("DELETE FROM build_state")
    con.executemany("INSERT INTO build_state VALUES (?, ?)", sorted(state.items()))


def _manifest(
    as_of: dt.datetime,
    files: list[dict],
    results: dict[str, TableResult],
    rejects: pl.DataFrame | None,
) -> dict:
    tables = {
        table: {
            "rows": r.rows,
            "loaded": r.loaded,
            "duplicates": r.duplicates,
            "rejected": r.rejected,
        }
        for table, r in results.items()
    }
    listed = []
    for rec in rejects.iter_rows(named=True) if rejects is not None else []:
        kept = (
            {"file": rec["kept_file"], "sheet": rec["kept_sheet"], "row": rec["kept_row"]}
            if rec["kept_file"] is not None
            else None
        )
        listed.append(
            {
                "file": rec["file"],
                "sheet": rec["sheet"],
                "row": rec["row"],
                "table": rec["table_name"],
                "reason_code": rec["reason_code"],
                "reason": rec["reason"],
                "raw": json.loads(rec["raw"]),
                "kept_from": kept,
            }
        )
    return {"as_of": as_of.isoformat(sep=" "), "tables": tables, "files": files, "rejects": listed}
