"""The widgets a page shows: the title with its freshness line, tiles, notices, tables
and charts with their downloads (audited, made as the account that saw the page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import audit, cache, charts, printout, scopebar, shell, signin, xlsx
from dashboard.cache import Rows
from dashboard.metrics.catalog import figure
from dashboard.numbers import (
    EXCEL_COUNT,
    EXCEL_HOURS,
    EXCEL_PERCENT,
    EXCEL_SCORE,
    UNKNOWN,
    format_count,
    format_date,
    format_hours,
    format_percent,
    format_score,
)

FRESHNESS = "数据截至 {as_of}　·　最近导入 {built_at}{files}"
FRESHNESS_FILES = "（{n} 个文件）"
DELTA_LABEL = "同比"
DELTA_POINTS = "{sign}{points}个百分点"
DELTA_SAME = "持平"
DELTA_PERIOD_LABEL = "环比"
DELTA_BOTH = "同比　环比 {delta}"
HELP_PERIOD = "环比：与上一个同样长的期间比较（本月比上月同期，本季度比上季度同期）。"
HELP_NO_PREVIOUS = "去年同期没有可比数据，不计算同比。"
DOWNLOAD_XLSX = "下载表格（Excel）"
PAGE_ROWS = 500  # a table shows this many rows at a time; its download has every row
LABEL_PAGE = "页码（共 {pages} 页）"
TABLE_PAGED = "共 {total} 行，每页显示 {rows} 行；完整数据请点「{file}」。"
DOWNLOAD_PNG = "下载图片（PNG）"
LABEL_SEARCH = "搜索"
PLACEHOLDER_SEARCH = "输入文字，筛选表中的行"
SEARCH_FOUND = "含「{text}」的行：{n} 行"
SEARCH_NONE = "没有含「{text}」的行。"
ROW_PX = 35  # a table row as Streamlit draws it
WRAP_COLUMN_PX = 320  # a long-text column (Column.wrap) at 1440 px: three lines hold ~60 字
NARROW_PX = 120  # the other long values of such a table: two lines of ~7 字
WRAP_ROW_PX = 68  # a row that holds three wrapped lines (wrapping needs > 64 px)
WRAP_TABLE_PX = 560  # such a table scrolls inside this height
SEARCH_MIN_ROWS = 10  # a table this short is read at a glance: no search box
SEARCH_MAX_ROWS = 20_000  # longer tables are searched in their download
MORE_ITEMS = "另有 {n} 项"
DOWNLOAD_PDF = "打印/导出PDF"
HELP_PDF = "生成本页的 A4 打印版（PDF）：标题、范围、数据截至和页码，不含侧边栏和按钮；需要几秒钟。"
PRINT_STATE = "_print_sheet"  # what the page showed, for its PDF (dashboard.printout)
SEE_PAGE = "查看「{title}」"


# --- Title and freshness ------------------------------------------------------------------


def title(text: str) -> None:
    """The page title, the line saying how fresh the data is, and the page's 打印/导出PDF
    button (the PDF holds what the rest of the page shows, recorded as it runs)."""
    st.title(text, anchor=False)
    freshness()
    print_button(text)


def print_button(page_title: str) -> None:
    """Start recording this run's printable content (``printout.Sheet``) and offer it as
    an A4 PDF; the PDF is made on click, after the page has shown everything."""
    info = cache.build_info() if cache.warehouse().path.is_file() else {"as_of": None}
    sheet = printout.Sheet(
        app=shell.APP_TITLE,
        title=page_title,
        scope=st.session_state.get(scopebar.SCOPE_LINE_STATE, ""),
        as_of=format_date(info["as_of"]) if info["as_of"] else "",
    )
    st.session_state[PRINT_STATE] = sheet
    download(
        DOWNLOAD_PDF,
        lambda: printout.to_pdf(sheet),
        file_name=f"{page_title}.pdf",
        key="print_pdf",
        icon=":material/print:",
        help=HELP_PDF,
    )


def _printing() -> printout.Sheet | None:
    """The sheet this run records into (None before the page's title)."""
    return st.session_state.get(PRINT_STATE)


def freshness() -> None:
    """数据截至 (the build's as-of) and when the last files were imported."""
    if not cache.warehouse().path.is_file():
        return
    info = cache.build_info()
    if info["as_of"] is None:
        return
    files = FRESHNESS_FILES.format(n=info["files"]) if info["files"] else ""
    built = info["built_at"]
    st.caption(
        FRESHNESS.format(
            as_of=format_date(info["as_of"]),
            built_at=f"{format_date(built)} {built:%H:%M}" if built else UNKNOWN,
            files=files,
        )
    )


# --- Tiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One headline figure as shown: value written, change, and the hover text."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    unchanged: bool = False
    note: str | None = None  # what the delta is against, when not 同比 alone (with_period_change)


NOT_COMPARED = object()  # tile(): the figure has no 同比 (an inventory, say)


def _fraction(value: Any) -> Decimal:
    return Decimal(str(value))


def tile(
    label: str,
    value: Any,
    fmt: Callable[[Any], str],
    *,
    previous: Any = NOT_COMPARED,
    rate: bool = False,
    unknown_reason: str | None = None,
    help: str | None = None,
    unit: str = "",
) -> Tile:
    """A tile for ``value`` written by ``fmt`` and followed by ``unit`` (``82场次``), with
    its change against ``previous``.

    A count changes by a percentage of ``previous`` (none when it was 0 or None: the
    hover says there is nothing to compare with); a rate (``rate=True``) by percentage
    points. Without ``previous`` the tile is not compared. An unknown value (None) shows
    "—" and says why on hover; it never shows as 0.
    """
    if value is None:
        return Tile(label, UNKNOWN, None, _notes(unknown_reason, help))
    delta = change = None
    notes = [help]
    if previous is NOT_COMPARED:
        pass
    elif previous is None or (not rate and previous == 0):
        notes.append(HELP_NO_PREVIOUS)
    elif rate:
        change = _fraction(value) - _fraction(previous)
        points = format_percent(change).rstrip("%")
        delta = DELTA_POINTS.format(sign="+" if change > 0 else "", points=points)
    else:
        change = (_fraction(value) - _fraction(previous)) / _fraction(previous)
        delta = ("+" if change > 0 else "") + format_percent(change)
    if change == 0:
        delta = DELTA_SAME
    return Tile(label, fmt(value) + unit, delta, _notes(*notes), unchanged=change == 0)


def figure_tile(
    figure_key: str,
    value: Any,
    *,
    label: str | None = None,
    previous: Any = NOT_COMPARED,
    unknown_reason: str | None = None,
    help: str | None = None,
) -> Tile:
    """``tile`` for a figure of the one list: its name (or ``label``), writer, unit and
    definition (or ``help``)."""
    f = figure(figure_key)
    return tile(
        label or f.name,
        value,
        f.written,
        previous=previous,
        rate=f.kind == "rate",
        unknown_reason=unknown_reason,
        help=help or f.definition,
        unit="" if f.unit == "%" else f.unit,
    )


def _notes(*notes: str | None) -> str | None:
    return "\n\n".join(note for note in notes if note) or None


@dataclass(frozen=True)
class TileSpec:
    """How to show one figure as a tile: its key in the figures dict, label, writer,
    whether it is a rate (its change is in percentage points), why it may be unknown
    and what it counts (the hover text)."""

    key: str
    label: str
    fmt: Callable[[Any], str]
    rate: bool = False
    unknown: str | None = None
    help: str | None = None
    unit: str = ""

    @classmethod
    def of(
        cls,
        figure_key: str,
        *,
        key: str | None = None,
        unknown: str | None = None,
        help: str | None = None,
    ) -> TileSpec:
        """The tile of a figure of the one list (``dashboard.metrics.catalog``): its name,
        writer, unit and definition; ``key`` when the figures dict names it otherwise,
        ``help`` to fill in the definition's blanks."""
        f = figure(figure_key)
        return cls(
            key or f.key,
            f.name,
            f.written,
            rate=f.kind == "rate",
            unknown=unknown,
            help=help or f.definition,
            unit="" if f.unit == "%" else f.unit,
        )


def compare(
    specs: Iterable[TileSpec],
    now: Mapping[str, Any],
    before: Mapping[str, Any],
    reasons: Mapping[str, str | None] | None = None,
) -> list[Tile]:
    """One tile per spec: ``now[key]`` against ``before[key]`` (same period last year).

    ``reasons`` overrides a spec's ``unknown`` text (e.g. why coverage is unknown).
    """
    reasons = reasons or {}
    return [
        tile(
            spec.label,
            now.get(spec.key),
            spec.fmt,
            previous=before.get(spec.key),
            rate=spec.rate,
            unknown_reason=reasons.get(spec.key) or spec.unknown,
            help=spec.help,
            unit=spec.unit,
        )
        for spec in specs
    ]


def with_period_change(
    items: Sequence[Tile],
    specs: Sequence[TileSpec],
    now: Mapping[str, Any],
    earlier: Mapping[str, Any] | None,
) -> list[Tile]:
    """The tiles of ``compare`` with their 环比 (``now`` against ``earlier``, the period
    just before: ``comparison.previous_period``) written after the 同比; a tile without
    同比 shows its 环比 as the delta. ``earlier`` None (本年): the tiles as they are.
    """
    if earlier is None:
        return list(items)
    out = []
    for item, spec in zip(items, specs, strict=True):
        period = tile(
            spec.label, now.get(spec.key), spec.fmt, previous=earlier.get(spec.key), rate=spec.rate
        )
        if period.delta is None:
            out.append(item)
        elif item.delta is None:
            out.append(
                replace(
                    item,
                    delta=period.delta,
                    note=DELTA_PERIOD_LABEL,
                    help=_notes(item.help, HELP_PERIOD),
                    unchanged=period.unchanged,
                )
            )
        else:
            note = DELTA_BOTH.format(delta=period.delta)
            out.append(replace(item, note=note, help=_notes(item.help, HELP_PERIOD)))
    return out


def figure_switch(
    figures: Mapping[str, tuple[str, Any]], *, key: str, default: str = "person_times"
) -> str:
    """Which figure a trend shows: ``figures`` maps a key to (Chinese label, formatter)."""
    return st.segmented_control(
        "指标",
        list(figures),
        format_func=lambda name: figures[name][0],
        default=default,
        required=True,
        key=key,
        persist_state="session",
    )


def tiles(items: Iterable[Tile], *, key: str) -> None:
    """The tiles side by side, wrapping (two to a row on a phone)."""
    items = list(items)
    if (sheet := _printing()) is not None:
        sheet.tiles.extend(printout.Tile(t.label, t.value, t.delta) for t in items)
    with st.container(horizontal=True, key=f"tiles_{key}", gap="small"):
        for item in items:
            st.metric(
                item.label,
                item.value,
                delta=item.delta,
                delta_color="off" if item.unchanged else "normal",
                delta_arrow="off" if item.unchanged else "auto",
                delta_description=(item.note or DELTA_LABEL) if item.delta else None,
                help=item.help,
                border=True,
                width="stretch",
            )


def alert(
    headline: str,
    items: Sequence[str],
    page: str,
    *,
    key: str,
    limit: int = 5,
    more: str = MORE_ITEMS,
    section: str | None = None,
) -> None:
    """A boxed notice: headline, the first ``limit`` items (markdown; an item may hold a
    nested list), ``more`` saying how many are left, and a link to the page that has the
    rest (``page`` is a URL path of ``PAGES``; ``section`` the part of it to open on)."""
    if (sheet := _printing()) is not None:
        more_text = more.format(n=len(items) - limit) if len(items) > limit else None
        sheet.blocks.append(printout.Notice(headline, list(items[:limit]), more_text))
    with st.container(border=True, key=key):
        if items:
            st.markdown(f"**:material/warning: {headline}**")
            st.markdown("\n".join(f"- {item}" for item in items[:limit]))
            if len(items) > limit:
                st.caption(more.format(n=len(items) - limit))
        else:
            st.markdown(f":material/check_circle: {headline}")
        shell.page_link(page, SEE_PAGE.format(title=shell.PAGE[page].title), section=section)


# --- Tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: row key, Chinese header, how the app writes it, Excel format.

    ``fmt`` None shows the value as it is; ``excel`` is an xlsx number format such as
    ``"#,##0"``, ``"0.0%"`` or ``"0.00"`` (the download keeps numbers as numbers).
    """

    key: str
    label: str
    fmt: Callable[[Any], str] | None = None
    excel: str | None = None
    width: str | int | None = None  # "small", "medium", "large" or pixels; None: fit
    wrap: bool = False  # long text a reader needs whole (意见, 退回原因): wide, lines wrap

    @classmethod
    def of(cls, figure_key: str, *, key: str | None = None, label: str | None = None) -> Column:
        """The column of a figure of the one list: its header, writer and xlsx format."""
        f = figure(figure_key)
        return cls(key or f.key, label or f.header, f.written, f.excel)


def _shown(value: Any, column: Column) -> Any:
    if column.fmt is not None:
        return column.fmt(value)
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{format_date(value)} {value:%H:%M}"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return value


def table(
    rows: Sequence[Mapping[str, Any]] | Rows,
    columns: Sequence[Column],
    *,
    key: str,
    file_name: str,
    height: int | str = "auto",
    on_select: Callable[[], None] | None = None,
    page_rows: int | None = None,
) -> None:
    """The rows as a scrolling table, written the Chinese way, with an xlsx download.

    More than ``page_rows`` (``PAGE_ROWS``) rows are shown a page at a time, with a note saying so; the
    download always has every row. ``rows`` may be a list or a cached derivation's
    ``Rows`` (only the page shown is read). ``on_select`` makes rows selectable (one at
    a time, never paged); the callback reads ``st.session_state[key].selection.rows``.
    """
    page_rows = page_rows or PAGE_ROWS
    if on_select is not None and not isinstance(rows, Rows):
        page_rows = max(page_rows, len(rows))  # a selection indexes the rows as given
    page_key, search_key = f"{key}_page", f"{key}_search"
    # the grid's own toolbar (search, columns, full screen) speaks English and is hidden
    # (shell's CSS); a box under the table searches instead, where rows are not picked
    # (a pick indexes the rows as given) and there are enough rows to need it
    count = rows.window(0, 0)[0] if isinstance(rows, Rows) else len(rows)
    searchable = on_select is None and SEARCH_MIN_ROWS < count <= SEARCH_MAX_ROWS
    text = st.session_state.get(search_key, "").strip() if searchable else ""
    source = _matching(rows, columns, text) if text else rows
    total, shown, pages = _page(source, page_key, page_rows)
    data = {c.label: [_shown(row.get(c.key), c) for row in shown] for c in columns}
    if (sheet := _printing()) is not None:
        printed = [[str(data[c.label][i]) for c in columns] for i in range(len(shown))]
        sheet.blocks.append(
            printout.Table(
                file_name, [c.label for c in columns], printed[: printout.PRINT_ROWS], total
            )
        )
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "single-row"}
    wrap = any(c.wrap for c in columns)
    row_px = WRAP_ROW_PX if wrap else ROW_PX
    if isinstance(height, int):
        height = min(height, row_px * max(len(shown), 1) + ROW_PX + 3)
    elif wrap and height == "auto":
        height = min(WRAP_TABLE_PX, row_px * max(len(shown), 1) + ROW_PX + 3)
    # a wide table would push its long text out of sight past the right edge: that
    # column gets the room, and in its rows (Streamlit wraps only in rows taller than
    # 4rem) the other long values wrap into a narrower column too
    widths = {}
    for c in columns:
        width = c.width
        if wrap and width is None:
            widest = max((_text_px(str(value)) for value in data[c.label]), default=0)
            width = WRAP_COLUMN_PX if c.wrap else (NARROW_PX if widest > NARROW_PX else None)
        if width is not None:
            widths[c.label] = st.column_config.Column(width=width)
    if wrap:
        kwargs["row_height"] = row_px
    st.dataframe(
        data,
        key=key,
        hide_index=True,
        height=height,
        width="stretch",
        column_config=widths or None,
        **kwargs,
    )
    everything = rows.all if isinstance(rows, Rows) else lambda snapshot=list(rows): snapshot
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"{key}_foot"):
        download(
            DOWNLOAD_XLSX,
            lambda: to_xlsx(everything(), columns, sheet=file_name),
            file_name=f"{file_name}.xlsx",
            key=f"{key}_xlsx",
        )
        if searchable:
            st.text_input(
                LABEL_SEARCH,
                key=search_key,
                placeholder=PLACEHOLDER_SEARCH,
                icon=":material/search:",
                width=240,
            )
            if text:
                st.caption(
                    SEARCH_FOUND.format(text=text, n=f"{total:,}")
                    if total
                    else SEARCH_NONE.format(text=text)
                )
        if pages > 1:
            st.number_input(
                LABEL_PAGE.format(pages=pages),
                min_value=1,
                max_value=pages,
                step=1,
                key=page_key,
                width=160,
            )
            st.caption(TABLE_PAGED.format(total=f"{total:,}", rows=page_rows, file=DOWNLOAD_XLSX))


def _text_px(text: str) -> int:
    """About how wide ``text`` is in a table cell: 14 px a 字, 8 px a Latin letter."""
    return 16 + sum(14 if ord(ch) > 0x2E7F else 8 for ch in text)


def _matching(
    rows: Sequence[Mapping[str, Any]] | Rows, columns: Sequence[Column], text: str
) -> list[Mapping[str, Any]]:
    """The rows with ``text`` in any cell as the table writes it (letters in any case)."""
    if isinstance(rows, Rows):
        rows = rows.window(0, SEARCH_MAX_ROWS)[1]
    needle = text.casefold()
    return [
        row
        for row in rows
        if any(needle in str(_shown(row.get(c.key), c)).casefold() for c in columns)
    ]


def _page(
    rows: Sequence[Mapping[str, Any]] | Rows, page_key: str, page_rows: int
) -> tuple[int, Sequence[Mapping[str, Any]], int]:
    """(how many rows in all, the rows of the page picked under the table, the pages)."""
    page = st.session_state.get(page_key, 1)
    while True:
        start, stop = (page - 1) * page_rows, page * page_rows
        if isinstance(rows, Rows):
            total, shown = rows.window(start, stop)
        else:
            total, shown = len(rows), rows[start:stop]
        pages = max(1, -(-total // page_rows))
        if page <= pages:
            break
        page = 1  # the scope changed under a later page: back to the first
    if pages == 1:
        st.session_state.pop(page_key, None)
    else:
        st.session_state[page_key] = page
    return total, shown, pages


# A column the app writes with one of these shows the same digits in Excel under the
# format beside it, whatever its ``excel`` says.
_EXCEL_OF_WRITER: dict[Callable[[Any], str], str] = {
    format_count: EXCEL_COUNT,
    format_hours: EXCEL_HOURS,
    format_percent: EXCEL_PERCENT,
    format_score: EXCEL_SCORE,
}


def excel_format(column: Column) -> str | None:
    """The Excel number format of ``column``: the one matching its writer when it is a
    ``dashboard.numbers`` writer (so the download shows the page's digits), else its own
    ``excel``."""
    return _EXCEL_OF_WRITER.get(column.fmt, column.excel) if column.fmt else column.excel


def to_xlsx(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, sheet: str) -> bytes:
    """The table as an xlsx workbook (``dashboard.xlsx``): the columns in order under their
    Chinese headers, numbers as numbers showing the page's digits (the exact value in a
    ``（精确值）`` column beside a rate, score or hours), every string as text (never a
    formula)."""
    table_rows = [{c.key: row.get(c.key) for c in columns} for row in rows]
    formats = {c.key: excel_format(c) for c in columns}
    return xlsx.to_xlsx(
        {sheet: table_rows},
        labels={c.key: c.label for c in columns},
        number_formats={key: fmt for key, fmt in formats.items() if fmt},
    )


# --- Charts ---------------------------------------------------------------------------------

_PLOTLY_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def chart(
    fig: Any,
    *,
    key: str,
    file_name: str,
    source: str = shell.APP_TITLE,
    on_select: Callable[[], None] | None = None,
) -> None:
    """The plotly figure, with a PNG download (print size, with a source line under the
    chart) rendered only when it is clicked: an export starts a Chromium. ``on_select``
    makes a click on a point or bar call it (it reads ``st.session_state[key].selection``)."""
    selectable: dict[str, Any] = {}
    if on_select is not None:
        selectable = {"on_select": on_select, "selection_mode": "points"}
    st.plotly_chart(fig, key=key, theme=None, config=_PLOTLY_CONFIG, width="stretch", **selectable)
    if (sheet := _printing()) is not None:
        sheet.charts.append(printout.Chart(fig, file_name))
    source_line = charts.source_text(source, cache.as_of())
    download(
        DOWNLOAD_PNG,
        lambda: charts.to_png(charts.with_source_line(fig, source_line)),
        file_name=f"{file_name}.png",
        key=f"{key}_png",
        icon=":material/image:",
    )


# --- Downloads --------------------------------------------------------------------------------

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".html": "text/html",
}


def download(
    label: str,
    data: Callable[[], bytes],
    *,
    file_name: str,
    key: str,
    icon: str = ":material/download:",
    **kwargs: Any,
) -> None:
    """A download button whose file is made only when clicked, as the account that saw
    the page (the click is served outside the page's run) and written to the audit log
    (who, which file, which scope)."""
    account = signin.current()
    actor = signin.actor()
    scope = st.session_state.get(scopebar.SCOPE_STATE)

    def made() -> bytes:
        with signin.acting_as(account):
            content = data()
        if actor is not None:
            audit.append(
                actor.store, actor.user_name, audit.DOWNLOAD, file_name, scope or actor.scope
            )
        return content

    suffix = file_name[file_name.rfind(".") :]
    st.download_button(
        label,
        data=made,
        file_name=file_name,
        mime=MIME.get(suffix, "application/octet-stream"),
        key=key,
        on_click="ignore",
        icon=icon,
        **kwargs,
    )
