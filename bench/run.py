"""``make bench [SCALE=county|city|province]``: the yardsticks of issue 7, in one run.

Measures, on the same generated ledgers: the build (time, peak RSS), DuckDB's
bare ``read_csv`` of the same data as UTF-8 CSV (the floor), a naive pandas
baseline (county and city), ``wenming report`` per scope level, the integrity audit per scope level, each page's
render time (cold and warm, through AppTest), 1x vs 10x input, an
incremental build, and a mapped 1 M-row ledger next to the same rows in template
layout (``bench/mapped.py``). Absolute times are reported, never asserted.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from bench import integrity as integrity_bench

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results.json"
BIN = Path(sys.executable).parent
AS_OF = "2025-12-31T23:59:59"
PERIOD = ("2025-01-01", "2025-12-31")


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command; wall seconds, peak RSS (MB) of the child, exit code, stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    out, err = proc.communicate()
    # wait4 is gone after communicate(); RUSAGE_CHILDREN keeps the max over children so far,
    # so every measured command runs in its own short-lived wrapper process (see _rss_wrapper).
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 3),
        "rc": proc.returncode,
        "stdout": out.decode(),
        "stderr": err.decode()[-2000:],
    }


def timed_rss(cmd: list[str], env: dict | None = None) -> dict:
    """Like ``timed`` but also the peak RSS of the command, via a wrapper that calls wait4."""
    wrapper = (
        "import os,sys,json,time;t=time.perf_counter();pid=os.fork()\n"
        "if pid==0:\n os.execvp(sys.argv[1],sys.argv[1:])\n"
        "_,st,ru=os.wait4(pid,0);print(json.dumps({'s':time.perf_counter()-t,'rss_mb':ru.ru_maxrss/1024,'rc':os.waitstatus_to_exitcode(st)}),file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, env=env, cwd=ROOT
    )
    last = proc.stderr.decode().strip().splitlines()[-1]
    info = json.loads(last)
    return {
        "seconds": round(info["s"], 3),
        "peak_rss_mb": round(info["rss_mb"], 1),
        "rc": info["rc"],
        "stdout": proc.stdout.decode(),
        "stderr": proc.stderr.decode(),
    }


def ensure_ledgers(scale: str) -> tuple[Path, float | None]:
    out = WORK / scale / "ledgers"
    if (out / ".wenming-demo.json").exists() or (out.exists() and any(out.iterdir())):
        return out, None
    out.mkdir(parents=True, exist_ok=True)
    r = timed([str(BIN / "wenming"), "demo", "--out", str(out), "--scale", scale])
    if r["rc"] != 0:
        raise SystemExit(f"demo generation failed: {r['stderr']}")
    return out, r["seconds"]


def build(ledgers: list[Path], db: Path, cold: bool = True, engine: str = "duckdb") -> dict:
    """A build; ``cold`` drops the warehouse and its per-file cache first (a full build)."""
    from pipelines.build import cache_dir

    if cold:
        db.unlink(missing_ok=True)
        shutil.rmtree(cache_dir(db), ignore_errors=True)
    r = timed_rss(
        [
            str(BIN / "wenming"),
            "build",
            *map(str, ledgers),
            "--db",
            str(db),
            "--as-of",
            AS_OF,
            "--json",
            "--engine",
            engine,
        ]
    )
    manifest = json.loads(r["stdout"]) if r["rc"] == 0 else {}
    rows = sum(t["rows"] for t in manifest.get("tables", {}).values())
    modes = [line for line in r["stderr"].splitlines() if line.startswith(("增量", "全量"))]
    return {
        "seconds": r["seconds"],
        "peak_rss_mb": r["peak_rss_mb"],
        "rc": r["rc"],
        "mode": modes[-1] if modes else None,
        "input_rows": rows,
        "tables": manifest.get("tables"),
    }


# ---------------------------------------------------------------- floor: DuckDB's bare read_csv


def utf8_copies(ledgers: Path, dest: Path) -> list[Path]:
    """The same data as plain UTF-8 CSV files (untimed): GBK transcoded, xlsx sheets exported."""
    from pipelines.read import cell_text, detect_encoding

    if dest.exists():
        return sorted(dest.glob("*.csv"))
    dest.mkdir(parents=True)
    out = []
    for i, path in enumerate(sorted(p for p in ledgers.rglob("*") if p.is_file())):
        suffix = path.suffix.lower()
        target = dest / f"{i:05d}.csv"
        if suffix == ".csv":
            enc = detect_encoding(path)
            if enc == "utf-8":
                shutil.copyfile(path, target)
            else:
                with path.open("rb") as src, target.open("wb") as dst:
                    dec = codecs.getincrementaldecoder(enc)()
                    while chunk := src.read(1 << 22):
                        dst.write(dec.decode(chunk).encode())
            out.append(target)
        elif suffix in (".xlsx", ".xls"):
            import python_calamine

            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            for j, name in enumerate(wb.sheet_names):
                rows = wb.get_sheet_by_name(name).to_python()
                if not rows:
                    continue
                sheet_target = dest / f"{i:05d}_{j}.csv"
                with sheet_target.open("w", newline="", encoding="utf-8") as fh:
                    csv.writer(fh).writerows([[cell_text(c) for c in r] for r in rows])
                out.append(sheet_target)
    return out


def floor(files: list[Path]) -> dict:
    code = (
        "import duckdb,sys,time\n"
        "con=duckdb.connect(sys.argv[1]);con.execute('SET enable_progress_bar=false');t=time.perf_counter()\n"
        "for i,f in enumerate(sys.argv[2:]):\n"
        " con.execute(f\"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}', all_varchar=true, header=false, null_padding=true, strict_mode=false)\")\n"
        "con.execute('CHECKPOINT');print(time.perf_counter()-t)"
    )
    db = WORK / "floor.duckdb"
    db.unlink(missing_ok=True)
    r = timed_rss([sys.executable, "-c", code, str(db), *map(str, files)])
    size = sum(f.stat().st_size for f in files)
    db.unlink(missing_ok=True)
    return {
        # the last line: a progress bar, if DuckDB draws one, must not spoil the figure
        "seconds": round(float((r["stdout"].strip().splitlines() or ["nan"])[-1]), 3),
        "process_seconds": r["seconds"],
        "peak_rss_mb": r["peak_rss_mb"],
        "csv_mb": round(size / 1e6, 1),
        "files": len(files),
    }


# ---------------------------------------------------------------- naive baseline


def naive(files: list[Path]) -> dict | None:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return None
    r = timed_rss([sys.executable, "-m", "bench.naive", *map(str, files)])
    return {"seconds": r["seconds"], "peak_rss_mb": r["peak_rss_mb"], "rc": r["rc"]}


# ---------------------------------------------------------------- report and pages


def report_times(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    picks = {}
    for level in ("省", "市", "中心", "所"):
        rows = con.sql(
            "SELECT unit_id FROM units WHERE level = ? ORDER BY unit_id LIMIT 1", params=[level]
        ).fetchall()
        if rows:
            picks[level] = rows[0][0]
    con.close()
    out = {}
    scopes = {"全部": None, **picks}
    for label, unit in scopes.items():
        cmd = [
            str(BIN / "wenming"),
            "report",
            "--db",
            str(db),
            "--from",
            PERIOD[0],
            "--to",
            PERIOD[1],
            "--json",
        ]
        if unit:
            cmd += ["--unit", unit]
        runs = [timed(cmd)["seconds"] for _ in range(3)]
        out[label] = {"unit_id": unit, "cli_seconds_median": round(statistics.median(runs), 3)}
    # in-process time (no interpreter start-up): the figure the 1 s target is about
    code = (
        "import sys,time,json,io,contextlib;from pipelines.cli import main\n"
        "args=sys.argv[1:];ts=[]\n"
        "for _ in range(5):\n"
        " t=time.perf_counter();buf=io.StringIO()\n"
        " with contextlib.redirect_stdout(buf): main(args)\n"
        " ts.append(time.perf_counter()-t)\n"
        "print(json.dumps(ts))"
    )
    for label, unit in scopes.items():
        args = ["report", "--db", str(db), "--from", PERIOD[0], "--to", PERIOD[1], "--json"] + (
            ["--unit", unit] if unit else []
        )
        r = timed([sys.executable, "-c", code, *args])
        ts = json.loads(r["stdout"]) if r["rc"] == 0 else []
        out[label]["in_process_first_seconds"] = round(ts[0], 3) if ts else None
        out[label]["in_process_warm_median_seconds"] = (
            round(statistics.median(ts[1:]), 3) if len(ts) > 1 else None
        )
    return out


def page_times(db: Path, runs: int = 20) -> dict | None:
    code = "from bench.pages import main; main()"
    env = {**os.environ, "WENMING_DB": str(db), "BENCH_RUNS": str(runs)}
    r = timed([sys.executable, "-c", code], env=env)
    if r["rc"] != 0:
        return {"error": r["stderr"][-500:]}
    return json.loads(r["stdout"].strip().splitlines()[-1])


def load_times(db: Path, sessions: int = 20) -> dict:
    """``bench.load``: ``sessions`` sessions moving between pages at once (issue 17)."""
    r = timed([sys.executable, "-m", "bench.load", str(db), "--sessions", str(sessions)])
    if r["rc"] != 0:
        return {"error": r["stderr"][-500:]}
    return json.loads(r["stdout"].strip().splitlines()[-1])


# ---------------------------------------------------------------- incremental


def incremental(ledgers: Path, db: Path) -> dict:
    """On a built warehouse (warm per-file cache): the same sources again, then plus one
    more monthly ledger. tests/test_incremental.py checks the result equals a full build."""
    extra_dir = WORK / "incremental"
    extra_dir.mkdir(parents=True, exist_ok=True)
    months = sorted(
        (p for p in ledgers.rglob("*.csv") if "activit" in p.as_posix() or "活动" in p.name),
        key=lambda p: -p.stat().st_size,
    )
    if not months:
        return {"skipped": "no monthly activity ledger found"}
    source = months[0]
    extra = extra_dir / ("增补_" + source.name)
    from pipelines.read import detect_encoding

    # one county's monthly ledger: about 2,000 activities with new codes
    lines = source.read_text(encoding=detect_encoding(source)).splitlines(keepends=True)
    extra.write_text("".join(lines[:2003]).replace("HD", "ZB"), encoding="utf-8")
    same = build([ledgers], db, cold=False)
    plus = build([ledgers, extra], db, cold=False)
    return {
        "same_sources_seconds": same["seconds"],
        "same_sources_mode": same["mode"],
        "plus_one_file_seconds": plus["seconds"],
        "plus_one_file_mode": plus["mode"],
        "peak_rss_mb": max(same["peak_rss_mb"], plus["peak_rss_mb"]),
        "extra_file": extra.name,
        "extra_rows": plus["input_rows"] - same["input_rows"],
    }


PARTS = ("build", "report", "audit", "pages", "load", "sessions", "incremental", "mapped")


def parse_parts(text: str | None) -> set[str]:
    """``--only build,report`` → the parts to run (every part when not given)."""
    if not text:
        return set(PARTS)
    parts = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(parts - set(PARTS))
    if unknown:
        raise SystemExit(f"--only: unknown part(s) {', '.join(unknown)}; parts: {', '.join(PARTS)}")
    return parts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="county", choices=["county", "city", "province"])
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--engine", default="duckdb", choices=["duckdb", "spark"], help="also build on Spark"
    )
    parser.add_argument(
        "--mapped-rows", type=int, default=1_000_000, help="mapped ledger rows (0: skip)"
    )
    parser.add_argument(
        "--only", help=f"run only these parts, comma-separated ({','.join(PARTS)}); default all"
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="measure this warehouse (read only: no build, no incremental) instead of building",
    )
    args = parser.parse_args()
    parts = parse_parts(args.only)
    if args.skip_pages:
        parts -= {"pages", "load", "sessions"}
    if args.db is not None:
        if not args.db.exists():
            raise SystemExit(f"--db: no warehouse at {args.db}")
        parts -= {"build", "incremental"}  # never write a warehouse we were given
    WORK.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # a partial run updates the parts it ran and keeps the scale's other results
    res: dict = dict(results.get(args.scale, {})) if parts != set(PARTS) else {}
    res["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    db = args.db or WORK / args.scale / "warehouse.duckdb"
    if args.db is not None:
        res["db"] = str(args.db)
    if "build" in parts or "incremental" in parts:
        ledgers, gen = ensure_ledgers(args.scale)
    if "build" in parts:
        res["generate_seconds"] = gen
        measure_build(args.scale, ledgers, db, res, engine=args.engine)
    if "report" in parts:
        print("  report …", flush=True)
        res["report"] = report_times(db)
    if "audit" in parts:
        print("  integrity audit …", flush=True)
        res["integrity"] = integrity_bench.run(db, PERIOD)  # issue 16: province ≤ 10 s
    if "pages" in parts:
        print("  pages …", flush=True)
        res["pages"] = page_times(db)
    if "load" in parts:
        print("  load: 20 sessions moving between pages …", flush=True)
        res["load"] = load_times(db)
    if "sessions" in parts and shutil.which("chromium"):
        print("  20 sessions …", flush=True)
        r = timed([sys.executable, "-m", "bench.sessions", str(db), "20"])
        res["app_sessions"] = json.loads(r["stdout"]) if r["rc"] == 0 else {"error": r["stderr"]}
    if "incremental" in parts:
        res["incremental"] = incremental(ledgers, db)
    if "mapped" in parts and args.mapped_rows:
        from bench import mapped  # a mapped ledger next to the template layout (issue 11)

        print(f"  mapped ledger, {args.mapped_rows} rows …", flush=True)
        res["mapped"] = mapped.run(args.mapped_rows)
    results[args.scale] = res
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(res, ensure_ascii=False, indent=2))


def measure_build(scale: str, ledgers: Path, db: Path, res: dict, engine: str = "duckdb") -> None:
    """The build, the floor, the naive baseline and the county-to-scale ratio, into ``res``;
    with ``engine="spark"`` also the Spark build of the same files (docs/scale.md)."""
    print(f"[{scale}] build …", flush=True)
    res["build"] = build([ledgers], db)
    print(f"  {res['build']['seconds']} s, {res['build']['peak_rss_mb']} MB", flush=True)
    files = utf8_copies(ledgers, WORK / scale / "utf8")
    res["floor"] = floor(files)
    res["build_over_floor"] = round(res["build"]["seconds"] / res["floor"]["seconds"], 2)
    print(f"  floor {res['floor']['seconds']} s -> ratio {res['build_over_floor']}", flush=True)
    if engine == "spark":
        print("  spark build …", flush=True)
        spark = build([ledgers], WORK / scale / "spark" / "w.duckdb", engine="spark")
        spark["same_tables_as_duckdb"] = spark["tables"] == res["build"]["tables"]
        res["spark_build"] = spark
        res["spark_over_duckdb"] = round(spark["seconds"] / res["build"]["seconds"], 2)
        res["spark_over_floor"] = round(spark["seconds"] / res["floor"]["seconds"], 2)
        print(f"  spark {spark['seconds']} s", flush=True)
    if scale in ("county", "city"):
        res["naive"] = naive(files)
        if res["naive"]:
            res["naive_over_build"] = round(res["naive"]["seconds"] / res["build"]["seconds"], 2)
    if scale in ("city", "province"):
        county, _ = ensure_ledgers("county")
        small = build([county], WORK / "county" / "warehouse.duckdb")
        res["scaling"] = {
            "county_seconds": small["seconds"],
            "county_rows": small["input_rows"],
            f"{scale}_seconds": res["build"]["seconds"],
            f"{scale}_rows": res["build"]["input_rows"],
            "time_ratio": round(res["build"]["seconds"] / small["seconds"], 2),
            "row_ratio": round(res["build"]["input_rows"] / max(small["input_rows"], 1), 2),
        }


if __name__ == "__main__":
    main()
