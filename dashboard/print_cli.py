"""``wenming pdf --page overview [--unit …] [--period 本季度] --out x.pdf``: a page of the
dashboard as its A4 print (the PDF behind each page's 打印/导出PDF button).

The page itself is run, headless, by Streamlit's own script runner (``AppTest``): the
same code computes the same figures, and ``dashboard.widgets`` records what it shows
for ``dashboard.printout``, so the command and the button cannot print different
things. Like every ``wenming`` command it acts for whoever holds the files (单机模式:
a temporary, empty account store), so it sees every unit.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from streamlit import logger as streamlit_logger

from pipelines import settings

# Streamlit logs English warnings when its pages run outside a server ("No runtime
# found", "missing ScriptRunContext"): nothing a user can act on.
streamlit_logger.set_log_level("ERROR")

from pypdf import PdfReader  # noqa: E402

from dashboard import printout, scopebar, shell, widgets  # noqa: E402
from dashboard.warehouse import Warehouse, WarehouseError  # noqa: E402

APP = Path(__file__).resolve().parent / "app.py"
RUN_TIMEOUT_S = 120
PERIODS = {label: key for key, label in scopebar.PERIOD_LABELS.items() if key != "custom"}

HELP_DB = "数据仓库文件（默认：环境变量 WENMING_DB，或 data/warehouse.duckdb）"
HELP_PAGE = "页面：{pages}"
HELP_UNIT = "阵地编码：统计该阵地及其下属阵地；不填则统计全部"
HELP_PERIOD = "统计期间：{periods}（默认：本年，截至数据截至日）"
HELP_OUT = "输出的 PDF 文件（同名文件会被覆盖）"
MSG_ERROR = "错误：{error}"
MSG_NO_UNIT = "找不到阵地编码“{unit}”。可用 wenming report 查看各阵地编码。"
MSG_PAGE_FAILED = "页面“{page}”运行出错：{error}"
MSG_NOT_PRINTED = "页面“{page}”没有生成打印内容（数据仓库可能是空的）。"
MSG_DONE = "已生成：{path}（共 {pages} 页，用时 {seconds:.1f} 秒）"


def configure(parser: argparse.ArgumentParser) -> None:
    pages = [spec.url_path for spec in shell.PAGES]
    parser.add_argument("--db", help=HELP_DB)
    parser.add_argument(
        "--page",
        default="overview",
        choices=pages,
        metavar="PAGE",
        help=HELP_PAGE.format(pages="、".join(f"{s.url_path}（{s.title}）" for s in shell.PAGES)),
    )
    parser.add_argument("--unit", dest="unit_id", help=HELP_UNIT)
    parser.add_argument(
        "--period",
        default=scopebar.PERIOD_LABELS[scopebar.DEFAULT_PERIOD],
        choices=list(PERIODS),
        metavar="PERIOD",
        help=HELP_PERIOD.format(periods="、".join(PERIODS)),
    )
    parser.add_argument("--out", required=True, type=Path, help=HELP_OUT)


def run(args: argparse.Namespace) -> int:
    """Print the page to ``args.out``: 0 when written, 2 for an unknown unit, 1 otherwise."""
    started = time.perf_counter()
    db = settings.db_path(args.db)
    try:
        units = Warehouse(db).units()
    except WarehouseError as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 1
    if args.unit_id and args.unit_id not in units:
        print(MSG_ERROR.format(error=MSG_NO_UNIT.format(unit=args.unit_id)), file=sys.stderr)
        return 2
    try:
        sheet = page_sheet(db, args.page, args.unit_id, PERIODS[args.period])
        pdf = printout.to_pdf(sheet)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(pdf)
    except (RuntimeError, OSError) as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 1
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(MSG_DONE.format(path=args.out, pages=pages, seconds=time.perf_counter() - started))
    return 0


def page_sheet(db: Path, page: str, unit_id: str | None, period: str) -> printout.Sheet:
    """Run ``page`` (a URL path of ``shell.PAGES``) on ``db`` for the scope and return
    what it showed, as ``printout.Sheet``. Raises ``RuntimeError`` in Chinese."""
    from streamlit.testing.v1 import AppTest

    spec = shell.PAGE[page]
    saved = {key: os.environ.get(key) for key in ("WENMING_DB", settings.ACCOUNTS_ENV)}
    with tempfile.TemporaryDirectory(prefix="wenming-pdf-") as folder:
        os.environ["WENMING_DB"] = str(db)
        os.environ[settings.ACCOUNTS_ENV] = str(Path(folder) / "accounts.sqlite")
        try:
            at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)
            at.session_state["period"] = period
            if unit_id:
                at.session_state["unit"] = unit_id
            at.run()
            at.switch_page(spec.path).run()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    if at.exception:
        raise RuntimeError(MSG_PAGE_FAILED.format(page=spec.title, error=at.exception[0].message))
    if widgets.PRINT_STATE not in at.session_state:
        raise RuntimeError(MSG_NOT_PRINTED.format(page=spec.title))
    return at.session_state[widgets.PRINT_STATE]
