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

from dashboard import audit, cache, charts, scopebar, shell, signin, xlsx
from dashboard.cache import Rows
from dashboard.numbers import UNKNOWN, format_date, format_percent

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
MORE_ITEMS = "另有 {n} 项"
SEE_PAGE = "查看「{title}」"


# --- Title and freshness ------------------------------------------------------------------


def title(text: str) -> None:
    """The page title and the line saying how fresh the data is."""
    st.title(text, anchor=False)
    freshness()


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
) -> Tile:
    """A tile for ``value`` written by ``fmt``, with its change against ``previous``.

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
    return Tile(label, fmt(value), delta, _notes(*notes), unchanged=change == 0)


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


def alert(headline: str, items: Sequence[str], page: str, *, key: str, limit: int = 5) -> None:
    """A boxed notice: headline, the first ``limit`` items, and a link to the page that
    has the rest (``page`` is a URL path of ``PAGES``)."""
    with st.container(border=True, key=key):
        if items:
            st.markdown(f"**:material/warning: {headline}**")
            st.markdown("\n".join(f"- {item}" for item in items[:limit]))
            if len(items) > limit:
                st.caption(MORE_ITEMS.format(n=len(items) - limit))
        else:
            st.markdown(f":material/check_circle: {headline}")
        shell.page_link(page, SEE_PAGE.format(title=shell.PAGE[page].title))


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
    page_key = f"{key}_page"
    total, shown, pages = _page(rows, page_key, page_rows)
    data = {c.label: [_shown(row.get(c.key), c) for row in shown] for c in columns}
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "single-row"}
    if isinstance(height, int):
        height = min(height, 35 * len(shown) + 38)
    st.dataframe(data, key=key, hide_index=True, height=height, width="stretch", **kwargs)
    everything = rows.all if isinstance(rows, Rows) else lambda snapshot=list(rows): snapshot
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"{key}_foot"):
        download(
            DOWNLOAD_XLSX,
            lambda: to_xlsx(everything(), columns, sheet=file_name),
            file_name=f"{file_name}.xlsx",
            key=f"{key}_xlsx",
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


def to_xlsx(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, sheet: str) -> bytes:
    """The table as an xlsx workbook (``dashboard.xlsx``): the columns in order under their
    Chinese headers, numbers as numbers, every string as text (never a formula)."""
    table_rows = [{c.key: row.get(c.key) for c in columns} for row in rows]
    return xlsx.to_xlsx(
        {sheet: table_rows},
        labels={c.key: c.label for c in columns},
        number_formats={c.key: c.excel for c in columns if c.excel},
    )


# --- Charts ---------------------------------------------------------------------------------

_PLOTLY_CONFIG = {"displayModeBar": False, "scrollZoom": False, "responsive": True}


def chart(fig: Any, *, key: str, file_name: str, source: str = shell.APP_TITLE) -> None:
    """The plotly figure, with a PNG download (print size, with a source line under the
    chart) rendered only when it is clicked: an export starts a Chromium."""
    st.plotly_chart(fig, key=key, theme=None, config=_PLOTLY_CONFIG, width="stretch")
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
