"""The ``wenming`` command: build, conflicts, demo, report, brief, user.

Each subcommand lives in its own module exposing ``configure(parser)`` and
``run(args) -> int``; this file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line Chinese help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("pipelines.build_cli", "从台账文件构建数据仓库"),
    "conflicts": ("pipelines.conflicts_cli", "列出冲突行，或采用新值"),
    "demo": ("pipelines.demo", "生成演示台账文件"),
    "report": ("dashboard.report", "输出指定范围的统计报告"),
    "brief": ("dashboard.briefing", "生成简报素材（文字、数据表、图表、Word 初稿）"),
    "user": ("pipelines.user_cli", "管理看板账号（新建、列出、改密码、停用、启用）"),
    "map": ("pipelines.map_cli", "映射自有格式的台账：建议映射，或保存为报送格式"),
    "formats": ("pipelines.formats_cli", "列出、查看、改名或删除已保存的报送格式"),
    "pdf": ("dashboard.print_cli", "把看板的一个页面导出为 A4 打印版 PDF"),
    "audit": ("dashboard.audit_cli", "核查数据可信度：列出可疑的活动、签到和评价"),
}


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    """All subcommands listed; only the one asked for imports its module."""
    parser = argparse.ArgumentParser(prog="wenming", description="文明实践数据看板命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module)
        if name == chosen:
            _load(module).configure(sub_parser)
    return parser


def _load(module: str):
    return importlib.import_module(module)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(argv).parse_args(argv)
    try:
        return int(_load(args._module).run(args) or 0)
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
