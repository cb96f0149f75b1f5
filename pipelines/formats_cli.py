"""``wenming formats list | show NAME | delete NAME | rename OLD NEW [--db PATH] [--json]``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from pipelines.mapping import formats
from pipelines.settings import db_path

MSG_NONE = "还没有保存的报送格式（用 wenming map … --save 名称 保存）"
MSG_DELETED = "已删除报送格式“{}”：下次构建时，这种表头的台账将重新标为“需要映射台账格式”"
MSG_RENAMED = "已将报送格式“{}”改名为“{}”"
MSG_NEED_NAME = "请给出格式名称：wenming formats {} 名称"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "show", "delete", "rename"], help="操作")
    parser.add_argument("names", nargs="*", metavar="NAME", help="格式名称（rename：旧名 新名）")
    parser.add_argument("--db", help="数据仓库路径（格式保存在它旁边的 .formats 目录）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")


def run(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    needed = {"list": 0, "show": 1, "delete": 1, "rename": 2}[args.action]
    if len(args.names) != needed:
        print(f"错误：{MSG_NEED_NAME.format(args.action)}", file=sys.stderr)
        return 2
    try:
        if args.action == "list":
            saved = [asdict(f) for f in formats.load_all(db)]
            if args.json:
                print(json.dumps(saved, ensure_ascii=False))
            else:
                print(
                    "\n".join(
                        f"{f['name']}：{f['table']}表，表头第 {f['header_rows'][0]}–"
                        f"{f['header_rows'][-1]} 行，{len(f['columns'])} 列"
                        for f in saved
                    )
                    or MSG_NONE
                )
        elif args.action == "show":
            fmt = asdict(formats.load(db, args.names[0]))
            print(json.dumps(fmt, ensure_ascii=False, indent=None if args.json else 2))
        elif args.action == "delete":
            formats.delete(db, args.names[0])
            print(
                json.dumps({"deleted": args.names[0]})
                if args.json
                else MSG_DELETED.format(args.names[0])
            )
        else:
            formats.rename(db, *args.names)
            print(MSG_RENAMED.format(*args.names))
    except KeyError as exc:
        print(f"错误：{exc.args[0]}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0
