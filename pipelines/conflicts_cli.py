"""``wenming conflicts --db PATH [--adopt HASH] [--json]``: list conflicts, adopt a new value."""

from __future__ import annotations

import argparse
import json
import sys

from dashboard import audit
from pipelines import user_cli
from pipelines.decisions import list_conflicts, record_decision
from pipelines.settings import db_path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", help="数据仓库路径（默认 data/warehouse.duckdb 或环境变量 WENMING_DB）"
    )
    parser.add_argument(
        "--adopt", metavar="HASH", help="采用该内容指纹（content_hash）对应的新值，下次构建生效"
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 输出冲突列表")


def run(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    if not db.exists():
        print(f"错误：数据仓库不存在：{db}，请先运行 wenming build", file=sys.stderr)
        return 1
    conflicts = list_conflicts(db)
    if args.adopt:
        matches = [c for c in conflicts if c["content_hash"] == args.adopt]
        if not matches:
            print(f"错误：没有内容指纹为 {args.adopt} 的冲突行", file=sys.stderr)
            return 1
        c = matches[0]
        record_decision(
            db, c["table"], c["key"], c["content_hash"], note=f"{c['file']} 第{c['row']}行"
        )
        user_cli.log(args.db, audit.CONFLICT_ADOPTED, f"{c['table']} {c['key']}：{c['file']}")
        if args.json:
            adopted = {k: c[k] for k in ("table", "key", "content_hash", "file", "sheet", "row")}
            json.dump({"adopted": adopted}, sys.stdout, ensure_ascii=False, default=str)
            sys.stdout.write("\n")
        else:
            print(
                f"已记录：{c['table']} {c['key']} 采用 {c['file']} 第{c['row']}行 的新值，下次构建生效。"
            )
        return 0
    if args.json:
        json.dump(conflicts, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return 0
    if not conflicts:
        print("没有冲突行。")
        return 0
    for c in conflicts:
        sheet = f"“{c['sheet']}”表" if c["sheet"] else ""
        print(f"[{c['content_hash']}] {c['table']} {c['key']}：{c['file']} {sheet}第{c['row']}行")
        print(f"    {c['reason']}")
    print(f"共 {len(conflicts)} 个冲突。采用新值：wenming conflicts --adopt <内容指纹>")
    return 0
