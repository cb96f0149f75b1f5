"""Deterministic demo ledgers: the files a county's stations would send in a year.

``wenming demo --out DIR [--scale county|city|province] [--year 2025] [--years 2] [--seed 1]``

``county`` writes one county modelled on 上街区 (Zhengzhou): real town and street
names, the 五云 joint station, the brands of the briefings, ``years`` years of
activities up to the reporting year ``year`` (two by default, so 同比 has a year to
compare with) with their sign-ins, ratings and orders, and the mess real ledgers
carry (title rows, merged headers, aliases, GBK, full-width digits, mixed date
forms) plus a handful of deliberately bad rows in the reporting year, listed in the
returned summary. The units, brands, targets and divisions are those of the
reporting year; earlier years' ledgers are the same county a little less busy. ``city`` adds
nine more counties and ``province`` a whole province; those extra counties are
streamed to plain CSV, county by county, so memory stays flat.

Same arguments, same bytes: every random choice comes from ``random.Random``
seeded by the arguments, never from the clock, and workbooks carry a fixed
creation date.

Modules: ``vocabulary`` and ``common`` (words, calendar, formats); ``shangjie_plan``,
``shangjie_sim``, ``ledger_styles``, ``activity_ledgers`` and ``shangjie_files`` (the
detailed county); ``writer`` (files and the summary); ``region`` and ``synthetic``
(the streamed city and province); ``practices`` (teams, volunteers' hours, redemptions
and the 五有 columns, from what the others wrote).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipelines.demo.common import Calendar
from pipelines.demo.practices import write_practices
from pipelines.demo.region import write_region
from pipelines.demo.shangjie_files import write_county
from pipelines.demo.writer import Writer

SCALES = ("county", "city", "province")
# what `wenming demo` prints (`make run` shows it): one line; --json gives the whole summary
DEMO_WRITTEN = (
    "已生成演示台账：{out}（{files} 个文件，{rows:,} 行，其中 {bad} 行故意写错、"
    "构建时会被退回），用时 {seconds} 秒。"
)
MARKER = ".wenming-demo.json"  # lists the files of the last run, so a rerun can tidy up


def write_demo(
    out_dir: Path | str,
    scale: str = "county",
    year: int = 2025,
    seed: int = 1,
    *,
    years: int = 2,
    max_counties: int | None = None,
) -> dict:
    """Write the demo ledgers under ``out_dir``; returns a summary.

    The summary holds ``files`` (paths relative to out_dir), ``rows`` (input rows
    per table, counted as the build counts them: data rows below the header, less
    blank and total rows, the re-sent byte copy not counted), ``bad_rows`` (each
    deliberately bad row: file, row as Excel shows it, table, what is wrong) and
    ``duplicates`` (rows and files that are re-sends, not errors).
    ``max_counties`` stops a city or province early (for trying the big scales).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if years < 1:
        raise ValueError("years must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_files(out)
    w = Writer(out, year)
    cal = Calendar(year, first_year=year - years + 1)
    if scale == "county":
        write_county(w, "", cal, seed, None)
    else:
        write_region(w, scale, cal, seed, max_counties)
    write_practices(w, seed)  # reads the units and activities written above
    files = sorted(w.files)
    for rel in previous:
        if rel not in w.files and (out / rel).is_file():
            (out / rel).unlink()  # written by an earlier run of this command, now stale
    (out / MARKER).write_text(
        json.dumps(
            {"scale": scale, "year": year, "years": years, "seed": seed, "files": files},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return {
        "out_dir": str(out),
        "scale": scale,
        "year": year,
        "years": years,
        "seed": seed,
        "files": files,
        "rows": dict(w.rows),
        "bad_rows": w.bad_rows,
        "duplicates": w.duplicates,
    }


def _previous_files(out: Path) -> list[str]:
    marker = out / MARKER
    if not marker.is_file():
        return []
    try:
        return list(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
    except (ValueError, AttributeError):
        return []


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="输出目录")
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="county",
        help="规模：county 区县 / city 地市 / province 全省",
    )
    parser.add_argument("--year", type=int, default=2025, help="报告年度（默认 2025）")
    parser.add_argument(
        "--years", type=int, default=2, help="生成几个年度的台账，截至报告年度（默认 2，可算同比）"
    )
    parser.add_argument("--seed", type=int, default=1, help="随机种子（相同参数生成相同文件）")
    parser.add_argument("--max-counties", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="在标准输出打印 JSON 清单（仅此内容）")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    summary = write_demo(
        args.out,
        args.scale,
        args.year,
        args.seed,
        years=args.years,
        max_counties=args.max_counties,
    )
    summary["files"] = len(summary["files"])
    summary["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(
            DEMO_WRITTEN.format(
                out=summary["out_dir"],
                files=summary["files"],
                rows=sum(summary["rows"].values()),
                bad=len(summary["bad_rows"]),
                seconds=summary["seconds"],
            )
        )
    return 0
