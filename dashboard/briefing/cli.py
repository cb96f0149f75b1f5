"""``wenming brief --from … --to … [--unit …] --out DIR``: the kit as files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dashboard.briefing.document import document
from dashboard.briefing.gather import Briefing, gather
from dashboard.briefing.images import chart_figures, export_charts, zip_files
from dashboard.briefing.text import compose
from dashboard.briefing.wording import (
    DIR_CHARTS,
    FILE_DOCX,
    FILE_TEXT,
    FILE_XLSX,
    FILE_ZIP,
    HELP_DATE,
    HELP_DB,
    HELP_FROM,
    HELP_ISSUE,
    HELP_NO_CHARTS,
    HELP_OFFICE,
    HELP_OUT,
    HELP_TO,
    HELP_UNIT,
    MSG_DONE,
    MSG_ERROR,
    MSG_NO_CHARTS,
    MSG_WRITTEN,
)
from dashboard.briefing.workbook import workbook
from dashboard.metrics import Scope, UnknownUnit
from dashboard.metrics.reader import Reader
from dashboard.warehouse import Warehouse, WarehouseError
from pipelines import settings
from pipelines.arguments import parse_date


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=HELP_DB)
    parser.add_argument("--from", dest="date_from", required=True, help=HELP_FROM)
    parser.add_argument("--to", dest="date_to", required=True, help=HELP_TO)
    parser.add_argument("--unit", dest="unit_id", help=HELP_UNIT)
    parser.add_argument("--out", required=True, type=Path, help=HELP_OUT)
    parser.add_argument("--issue", help=HELP_ISSUE)
    parser.add_argument("--office", help=HELP_OFFICE)
    parser.add_argument("--date", dest="issued_on", help=HELP_DATE)
    parser.add_argument("--no-charts", action="store_true", help=HELP_NO_CHARTS)


def run(args: argparse.Namespace) -> int:
    """Write the kit into ``args.out``; 0 when complete, 1 when charts could not be
    exported (the rest is written), 2 for a bad scope, 1 for an unreadable warehouse."""
    started = time.perf_counter()
    try:
        # checked here, not by argparse: its own error lines are English
        args.issued_on = parse_date("--date", args.issued_on)
        scope = Scope(
            parse_date("--from", args.date_from), parse_date("--to", args.date_to), args.unit_id
        )
        # the command line acts as 管理员: its reader sees every unit
        b = Reader(Warehouse(settings.db_path(args.db))).read(gather, scope)
    except (ValueError, UnknownUnit, WarehouseError) as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 2 if isinstance(exc, (ValueError, UnknownUnit)) else 1
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
        status = _write_kit(b, args, out)
    except OSError as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 1
    print(MSG_DONE.format(out=out, seconds=time.perf_counter() - started))
    return status


def _write_kit(b: Briefing, args: argparse.Namespace, out: Path) -> int:
    status = 0
    text = compose(b)
    _save(out / FILE_TEXT, (text.text + "\n").encode("utf-8"))
    _save(out / FILE_XLSX, workbook(b, text))
    images: dict[str, bytes] = {}
    if not args.no_charts:
        try:
            images = export_charts(chart_figures(b))
        except Exception as exc:  # no browser, a crashed render: the rest is still useful
            print(MSG_NO_CHARTS.format(error=exc), file=sys.stderr)
            status = 1
    for name, data in images.items():
        (out / DIR_CHARTS).mkdir(exist_ok=True)
        _save(out / DIR_CHARTS / name, data)
    if images:
        _save(out / FILE_ZIP, zip_files(images))
    docx = document(
        b, images, text=text, issue=args.issue, office=args.office, issued_on=args.issued_on
    )
    _save(out / FILE_DOCX, docx)
    return status


def _save(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    print(MSG_WRITTEN.format(path=path))
