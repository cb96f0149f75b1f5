"""``wenming build SOURCE... --db PATH [--as-of DATETIME] [--json]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from dashboard import audit
from pipelines import user_cli
from pipelines.arguments import ArgumentError, parse_moment
from pipelines.build import MSG_APPEND, MSG_FULL, MSG_MAP, BuildError, build
from pipelines.contract import TABLE_SPECS
from pipelines.settings import db_path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="台账文件或目录（其下所有 .csv/.xlsx/.xls）"
    )
    parser.add_argument(
        "--db", help="数据仓库路径（默认 data/warehouse.duckdb 或环境变量 WENMING_DB）"
    )
    parser.add_argument(
        "--as-of", dest="as_of", help="本次构建的“当前时间”，如 2025-12-31T23:59:59（默认：现在）"
    )
    parser.add_argument("--json", action="store_true", help="在标准输出打印 JSON 清单（仅此内容）")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="构建引擎：duckdb（默认，单机）或 spark（集群，见 docs/scale.md；spark.master 取自配置）",
    )


def parse_as_of(text: str | None) -> dt.datetime | None:
    """The ``--as-of`` moment (see ``arguments.parse_moment``); None when not given."""
    return parse_moment("--as-of", text)


MSG_NEEDS_MAPPING = "格式需要映射，未读入。" + MSG_MAP
MSG_NOTHING_LOADED = "  没有读入任何数据：{} 个文件是自有格式的台账，需要先映射一次表头。"
MSG_EMPTY = "  没有读入任何数据。"

ENGINES = ("duckdb", "spark")


def _builder(engine: str):
    """The build function of ``--engine`` (Spark's is imported only when asked for)."""
    if engine == "spark":
        from pipelines.spark.build import build as spark_build

        return spark_build
    return build


# the build's progress lines that say how it built (pipelines.build)
MODES = (MSG_APPEND, MSG_FULL.split("{")[0])


def run(args: argparse.Namespace) -> int:
    try:
        as_of = parse_as_of(args.as_of)
    except ArgumentError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    shown = (
        (lambda msg: print(f"\r\033[K{msg}", end="", file=sys.stderr, flush=True))
        if sys.stderr.isatty()
        else None
    )
    modes: list[str] = []

    def progress(msg: str) -> None:
        if msg.startswith(MODES):
            modes.append(msg)
        if shown:
            shown(msg)

    try:
        run_build = _builder(getattr(args, "engine", "duckdb"))
        manifest = run_build(args.sources, db_path(args.db), as_of=as_of, progress=progress)
    except BuildError as exc:
        if shown:
            print(file=sys.stderr)
        print(f"错误：{_one_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"错误：无法写入数据仓库：{_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # the old warehouse stays in place; say so in one line
        print(
            f"错误：构建失败，原数据仓库保持不变：{type(exc).__name__}: {_one_line(exc)}",
            file=sys.stderr,
        )
        return 1
    if shown:
        print(file=sys.stderr)
    if modes:  # whether the last warehouse was appended to, or rebuilt and why (not said
        # of a first build)
        print(modes[-1].rstrip(" …"), file=sys.stderr)
    files = len(manifest["files"])
    user_cli.log(args.db, audit.REBUILD, f"{files} 个文件，{len(manifest['rejects'])} 行退回")
    if args.json:
        json.dump(manifest, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        print(summary(manifest, db_path(args.db)))
    return 0


def _one_line(exc: Exception) -> str:
    """An error message on one line (DuckDB's, for one, span several)."""
    return " ".join(str(exc).split())


def summary(manifest: dict, db) -> str:
    """The short Chinese summary printed after a build."""
    lines = [f"数据仓库已更新：{db}（数据截至 {manifest['as_of']}）"]
    if not any(t["loaded"] for t in manifest["tables"].values()):
        waiting = sum(f["status"] == "needs_mapping" for f in manifest["files"])
        lines.append(MSG_NOTHING_LOADED.format(waiting) if waiting else MSG_EMPTY)
    for table, t in manifest["tables"].items():
        if t["rows"]:
            lines.append(
                f"  {TABLE_SPECS[table].zh}：读入 {t['rows']} 行，入库 {t['loaded']}，重复 {t['duplicates']}，退回 {t['rejected']}"
            )
    for f in manifest["files"]:
        if f["status"] == "duplicate_file":
            lines.append(f"  ! {f['file']}：与 {f['duplicate_of']} 内容相同，已跳过")
        elif f["status"] == "unreadable":
            lines.append(f"  ! {f['file']}：无法读取。{f['error']}")
        elif f["status"] == "unrecognised":
            lines.append(
                f"  ! {f['file']}：无法识别表格类型。{f['hint']}（表头：{'、'.join(f['headers'])}）"
            )
        elif f["status"] == "needs_mapping":
            lines.append(f"  ? {f['file']}：{MSG_NEEDS_MAPPING}（表头：{'、'.join(f['headers'])}）")
        for sheet in f.get("sheets", []):
            if sheet["status"] == "unreadable":  # refused before reading (too big, bombed)
                lines.append(f"  ! {f['file']}“{sheet['sheet']}”表：未读入。{sheet['error']}")
            elif sheet["status"] == "needs_mapping" and f["status"] == "loaded":
                lines.append(
                    f"  ? {f['file']}“{sheet['sheet']}”表：{MSG_NEEDS_MAPPING}"
                    f"（表头：{'、'.join(sheet['headers'])}）"
                )
            elif sheet["status"] == "unrecognised" and f["status"] == "loaded":
                lines.append(
                    f"  ! {f['file']}“{sheet['sheet']}”表：未读入，无法识别表格类型。"
                    f"{sheet['hint']}（表头：{'、'.join(sheet['headers'])}）"
                )
    if manifest["rejects"]:
        lines.append(
            f"共退回 {len(manifest['rejects'])} 行，原因见“数据导入与质量”页或 --json 输出。"
        )
    return "\n".join(lines)
