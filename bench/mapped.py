"""Staging throughput of a mapped ledger next to the same rows in template layout.

``python -m bench.mapped [--rows 1000000]`` (also part of ``make bench``): writes one
activity ledger of ROWS rows twice — in the template layout, and as a clerk keeps it
(title row; 年份 | 月份 | 日期 ``6.30`` | 活动名称 | 开展站点 by name | 活动类别 |
参与人数 | 备注), saves the clerk layout's 报送格式 with ``wenming map``, and builds each
cold (no staging cache). Reports, for both layouts, the staging throughput issue 11 asks
for — rows/s of the stage step alone (``stage.stage_file`` of the activity ledger: read,
compose, row-local rules, Parquet written; a fresh process, no cache) — and the whole
cold build's rows/s, with their ratios and the load average around the run; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

from bench.run import BIN, WORK, build

STATIONS = 200
TITLES = ("理论宣讲进村", "广场舞展演", "四点半课堂", "健康义诊", "反诈宣传", "文明家庭评选")
CATEGORIES = ("宣讲", "文体", "课堂", "义诊", "反诈", "文明风尚")


def write_ledgers(folder: Path, rows: int) -> tuple[Path, Path]:
    """(template folder, mapped folder), each with the units and one activity ledger."""
    template, mapped = folder / "template", folder / "mapped"
    for path in (template, mapped):
        path.mkdir(parents=True, exist_ok=True)
    units = [
        ["阵地编码", "阵地名称", "层级", "上级编码"],
        ["ZX1", "测试区新时代文明实践中心", "中心", ""],
    ]
    units.append(["S1", "测试镇新时代文明实践所", "所", "ZX1"])
    units += [[f"Z{i:04d}", f"第{i}村新时代文明实践站", "站", "S1"] for i in range(STATIONS)]
    rng = random.Random(7)
    with (
        (template / "活动.csv").open("w", newline="", encoding="utf-8") as t,
        (mapped / "2025年活动台账.csv").open("w", newline="", encoding="utf-8") as m,
    ):
        tw, mw = csv.writer(t), csv.writer(m)
        tw.writerow(["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间", "参与人次"])
        mw.writerow(["测试镇2025年新时代文明实践活动台账"])
        mw.writerow(
            ["年份", "月份", "日期", "活动名称", "开展站点", "活动类别", "参与人数", "备注"]
        )
        for i in range(rows):
            unit, month, day = rng.randrange(STATIONS), rng.randint(1, 12), rng.randint(1, 28)
            title = f"{TITLES[i % len(TITLES)]}（第{i // len(TITLES) + 1}期）"
            category, people = CATEGORIES[i % len(CATEGORIES)], rng.randint(5, 200)
            tw.writerow(
                [
                    f"HD{i:08d}",
                    title,
                    f"Z{unit:04d}",
                    category,
                    f"2025-{month:02d}-{day:02d}",
                    people,
                ]
            )
            mw.writerow([2025, month, f"{month}.{day}", title, f"第{unit}村", category, people, ""])
    for path in (template, mapped):
        with (path / "阵地.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(units)
    return template, mapped


# the stage step of one file, alone, in a fresh process (the build stages each file so,
# in a worker): what the ledger's staged Parquet costs, without the load into DuckDB
_STAGE = """
import json, sys, tempfile, time
from pathlib import Path
from pipelines import pii, stage
from pipelines.settings import config, salt_path
path, db = Path(sys.argv[1]), Path(sys.argv[2])
salt = pii.load_salt(salt_path(db), config().salt)
with tempfile.TemporaryDirectory() as cache:
    fp = stage.fingerprint(salt, db)
    start = time.perf_counter()
    staged = stage.stage_file(path, "bench", Path(cache), fp, salt, db)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": sum(s.rows for s in staged.sheets)}))
"""


def stage_seconds(ledger: Path, db: Path) -> dict:
    """Seconds and staged rows of the stage step of ``ledger`` (formats and salt of ``db``)."""
    proc = subprocess.run(
        [sys.executable, "-c", _STAGE, str(ledger), str(db)],
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def run(rows: int) -> dict:
    folder = WORK / "mapped" / str(rows)
    template, mapped = write_ledgers(folder, rows)
    db_template, db_mapped = folder / "template.duckdb", folder / "mapped.duckdb"
    subprocess.run(
        [str(BIN / "wenming"), "map", str(mapped / "2025年活动台账.csv"), "--save", "台账"]
        + ["--db", str(db_mapped)],
        check=True,
        capture_output=True,
    )
    ledgers = {"template": template / "活动.csv", "mapped": mapped / "2025年活动台账.csv"}
    out = {"rows": rows, "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    for name, source, db in (("template", template, db_template), ("mapped", mapped, db_mapped)):
        result = build([source], db)  # also makes the warehouse's salt the stage reads
        staged = stage_seconds(ledgers[name], db)
        loaded = (result["tables"] or {}).get("activities", {}).get("loaded")
        out[name] = {
            "stage_seconds": round(staged["seconds"], 3),
            "staged_rows": staged["rows"],
            "stage_rows_per_second": round(rows / staged["seconds"]),
            "build_seconds": result["seconds"],
            "build_rows_per_second": round(rows / result["seconds"]),
            "peak_rss_mb": result["peak_rss_mb"],
            "activities_loaded": loaded,
        }
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for step in ("stage", "build"):
        ratio = out["mapped"][f"{step}_seconds"] / out["template"][f"{step}_seconds"]
        out[f"{step}_mapped_over_template"] = round(ratio, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(json.dumps(run(args.rows), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
