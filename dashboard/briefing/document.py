"""The Word draft (简报初稿.docx): GB/T 9704 page, masthead, text, charts and the
口径 appendix."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import date
from typing import Any

from dashboard.briefing.gather import Briefing, issuing_office, period_label, place_name
from dashboard.briefing.images import chart_titles
from dashboard.briefing.text import Ledger, Text, compose
from dashboard.briefing.wording import (
    APPENDIX,
    APPENDIX_ITEM,
    APPENDIX_SCOPE,
    CAPTION,
    DEFINITIONS,
    DISTRIBUTION,
    HEADLINE,
    ISSUE,
    ISSUE_BLANK,
    MASTHEAD,
    PAGE_NUMBER,
)
from dashboard.numbers import (
    format_date,
)

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
LATIN_FONT = "Times New Roman"
# Word uses the altName when a font is missing: Windows 10+ ships 仿宋, not 仿宋_GB2312.
FONT_FALLBACKS = {BODY_FONT: "仿宋", HEAD_FONT: "SimHei"}
PAGE_NUMBER_FONT = "宋体"
RED = "C00000"
PAGE_CM = (21.0, 29.7)  # A4
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}  # GB/T 9704
TEXT_WIDTH_CM = PAGE_CM[0] - MARGINS_CM["left"] - MARGINS_CM["right"]


def document(
    b: Briefing,
    images: Mapping[str, bytes] | None = None,
    *,
    text: Text | None = None,
    issue: str | None = None,
    office: str | None = None,
    issued_on: date | None = None,
) -> bytes:
    """简报初稿.docx (A4, editable): masthead, 第 N 期, issuer and date over a red rule,
    headline, the text, the charts (``images``: PNG bytes by file name; SVGs are
    skipped) with captions, the distribution lines, and the 口径说明 appendix.

    Chinese text is set in 仿宋_GB2312 (body) and 黑体 (headings) as East-Asian fonts,
    with 仿宋 / SimHei named as fallbacks for machines without them.
    """
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Cm

    text = text or compose(b)
    issued_on = issued_on or date.today()
    office = issuing_office(b.unit) if office is None else office
    place = place_name(b.unit)
    headline = HEADLINE.format(place=place, period=period_label(b.scope.date_from, b.data_end))

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_CM[0]), Cm(PAGE_CM[1])
    section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    _set_style_font(doc.styles["Normal"], BODY_FONT, 16)
    _page_numbers(section)
    doc.core_properties.title = headline
    doc.core_properties.author = office

    _paragraph(doc, MASTHEAD.format(place=place), HEAD_FONT, 26, center=True, bold=True, color=RED)
    number = _paragraph(doc, "", BODY_FONT, 16, center=True)
    before, after = ISSUE.split("{issue}")
    _run(number, before, BODY_FONT, 16)
    mark = _run(number, issue or ISSUE_BLANK, BODY_FONT, 16)
    if not issue:
        mark.font.highlight_color = WD_COLOR_INDEX.YELLOW
    _run(number, after, BODY_FONT, 16)
    line = _paragraph(doc, f"{office}\t{format_date(issued_on)}", BODY_FONT, 14)
    line.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), _right_tab())
    _border(line, "bottom", RED, 18)

    _paragraph(doc, headline, HEAD_FONT, 22, center=True, space_before=18, space_after=12)
    for body in text.paragraphs:
        _body(doc, body)

    titles = chart_titles(b)
    pngs = [(name, data) for name, data in (images or {}).items() if name.endswith(".png")]
    for n, (name, data) in enumerate(pngs, start=1):
        picture = _paragraph(doc, "", BODY_FONT, 12, center=True, space_before=12)
        picture.add_run().add_picture(io.BytesIO(data), width=Cm(TEXT_WIDTH_CM))
        title = titles.get(name.removesuffix(".png"), name.removesuffix(".png"))
        _paragraph(doc, CAPTION.format(n=n, title=title), BODY_FONT, 12, center=True)

    for i, label in enumerate(DISTRIBUTION):
        item = _paragraph(doc, label, BODY_FONT, 14, space_before=18 if i == 0 else 0)
        if i == 0:
            _border(item, "top", "000000", 8)
        if i == len(DISTRIBUTION) - 1:
            _border(item, "bottom", "000000", 8)

    doc.add_page_break()
    _paragraph(doc, APPENDIX, HEAD_FONT, 16, space_after=12)
    as_of = format_date(b.data_end)
    _body(doc, APPENDIX_SCOPE.format(scope=Ledger(b).current, as_of=as_of), size=14)
    for n, (label, definition) in enumerate(_definitions(text), start=1):
        _body(doc, APPENDIX_ITEM.format(n=n, label=label, definition=definition), size=14)

    out = io.BytesIO()
    doc.save(out)
    return _with_font_fallbacks(out.getvalue())


def _page_numbers(section: Any) -> None:
    """The page number centred in the footer as GB/T 9704 writes it, "— 1 —": a PAGE
    field that Word, WPS and LibreOffice fill in on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = PAGE_NUMBER.split("{page}")
    _run(paragraph, before, PAGE_NUMBER_FONT, 14)
    # a complex field: begin, the instruction, separate, the last value shown, end
    for part in ("begin", " PAGE ", "separate", "1", "end"):
        run = _run(paragraph, "", PAGE_NUMBER_FONT, 14)
        if part in ("begin", "separate", "end"):
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), part)
            run._r.append(mark)
        elif part == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = part
            run._r.append(code)
        else:
            run.text = part
    _run(paragraph, after, PAGE_NUMBER_FONT, 14)


def _definitions(text: Text) -> list[tuple[str, str]]:
    """(指标, 口径) of each kind of figure the text wrote, in the order first written."""
    seen: dict[str, tuple[str, str]] = {}
    for fact in text.facts:
        if not fact.key.startswith("previous:"):
            seen.setdefault(fact.kind, (DEFINITIONS[fact.kind][0], fact.definition))
    return list(seen.values())


def _right_tab() -> Any:
    from docx.enum.text import WD_TAB_ALIGNMENT

    return WD_TAB_ALIGNMENT.RIGHT


def _east_asian(element: Any, east_asian: str, latin: str) -> None:
    """Name ``east_asian`` for CJK text and ``latin`` for digits and letters."""
    from docx.oxml.ns import qn

    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_style_font(style: Any, east_asian: str, size: float) -> None:
    from docx.shared import Pt

    style.font.size = Pt(size)
    _east_asian(style.element, east_asian, LATIN_FONT)


def _run(paragraph: Any, text: str, font: str, size: float, **kw: Any) -> Any:
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = kw.get("bold") or None
    if kw.get("color"):
        run.font.color.rgb = RGBColor.from_string(kw["color"])
    _east_asian(run._element, font, font if font == HEAD_FONT else LATIN_FONT)
    return run


def _paragraph(
    doc: Any,
    text: str,
    font: str,
    size: float,
    *,
    center: bool = False,
    space_before: float = 0,
    space_after: float = 0,
    **kw: Any,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before, fmt.space_after = Pt(space_before), Pt(space_after)
    if text:
        _run(paragraph, text, font, size, **kw)
    return paragraph


def _body(doc: Any, text: str, *, size: float = 16) -> Any:
    """A body paragraph: 仿宋, justified, first line indented two characters, 28 pt lines
    (for 三号; smaller text scales down)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = _paragraph(doc, text, BODY_FONT, size)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(2 * size)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(round(size * 1.75))
    return paragraph


def _border(paragraph: Any, side: str, color: str, size: int) -> None:
    """A rule on one side of ``paragraph`` (``size`` in eighths of a point)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # the schema fixes the order of a paragraph's properties; Word rejects others
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    edge = OxmlElement(f"w:{side}")
    for name, value in (("val", "single"), ("sz", str(size)), ("space", "4"), ("color", color)):
        edge.set(qn(f"w:{name}"), value)
    borders.append(edge)


# CT_PPr's children that follow w:pBdr (ECMA-376 part 1, 17.3.1.26)
_AFTER_PBDR = tuple(
    f"w:{tag}"
    for tag in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
        "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
        "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId "
        "cnfStyle rPr sectPr pPrChange"
    ).split()
)


def _with_font_fallbacks(docx: bytes) -> bytes:
    """The docx with 仿宋_GB2312 and 黑体 declared in its font table, each with a GB2312
    charset and an altName Word substitutes when the font is not installed."""
    from lxml import etree

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    w = f"{{{ns}}}"
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/fontTable.xml":
                root = etree.fromstring(data)
                for name, alt in FONT_FALLBACKS.items():
                    font = etree.SubElement(root, f"{w}font", {f"{w}name": name})
                    etree.SubElement(font, f"{w}altName", {f"{w}val": alt})
                    etree.SubElement(font, f"{w}charset", {f"{w}val": "86"})
                    etree.SubElement(font, f"{w}family", {f"{w}val": "modern"})
                    etree.SubElement(font, f"{w}pitch", {f"{w}val": "fixed"})
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return out.getvalue()
