"""The briefing kit (简报素材): for one scope, everything a clerk needs for a 简报.

- ``gather(wh, scope)`` (``gather``) reads every figure the kit uses from the metrics
  layer into a ``Briefing`` (plain data, cacheable); nothing else here touches the
  warehouse.
- ``compose(b)`` (``text``) writes the text in the seeds' style ("今年以来，全区各新时代文明
  实践所站累计开展活动3100余场次……") and lists every number it wrote as a ``Fact``: exact
  value, as written, definition (口径), scope and the number of source rows behind it.
- ``workbook(b)`` (xlsx, ``workbook``), ``chart_figures(b)`` + ``export_charts`` (PNG
  300 dpi and SVG, 16 cm wide, ``images``) and ``document(b, images)`` (the Word draft,
  ``document``) build the files; every word they use is in ``wording``.
- ``configure``/``run`` (``cli``): ``wenming brief --from … --to … [--unit …] --out DIR``.

Numbers are written only by ``dashboard.numbers``: flows rounded down with 余,
inventories exact, rates and scores rounded down. ``briefing_text(wh, scope)`` is the
single source of the briefing paragraph (``wenming report`` uses it too).
"""

from dashboard.briefing.cli import configure, run
from dashboard.briefing.document import document
from dashboard.briefing.gather import (
    Briefing,
    gather,
    issuing_office,
    period_label,
    period_phrase,
    place_name,
    whole_place,
)
from dashboard.briefing.images import (
    chart_figures,
    chart_titles,
    export_charts,
    source_line,
    zip_files,
)
from dashboard.briefing.text import Fact, Text, briefing_text, compose
from dashboard.briefing.wording import FACT_HEADERS, FILE_DOCX, FILE_XLSX, FILE_ZIP
from dashboard.briefing.workbook import fact_rows, workbook

__all__ = [
    "FACT_HEADERS",
    "FILE_DOCX",
    "FILE_XLSX",
    "FILE_ZIP",
    "Briefing",
    "Fact",
    "Text",
    "briefing_text",
    "chart_figures",
    "chart_titles",
    "compose",
    "configure",
    "document",
    "export_charts",
    "fact_rows",
    "gather",
    "issuing_office",
    "period_label",
    "period_phrase",
    "place_name",
    "run",
    "source_line",
    "whole_place",
    "workbook",
    "zip_files",
]
