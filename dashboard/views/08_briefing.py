"""简报素材: the briefing text of the scope, every number in it with its exact value and
source, and the files a clerk needs (数据表, 图表, Word 初稿), each built only on click."""

from datetime import date

import streamlit as st

from dashboard import briefing, ui
from dashboard.numbers import UNKNOWN

TITLE = "简报素材"
H_TEXT = "简报文字"
HELP_TEXT = "点右上角按钮复制全文。数字已按简报写法向下取整（“余”表示有舍去），精确值和来源见下表。"
H_FACTS = "数字核对"
HELP_FACTS = "文字中的每个数字：精确值、简报写法、口径和来源行数。"
H_CHARTS = "图表预览"
H_FILES = "下载简报素材"
HELP_FILES = "点击后现场生成；图表和 Word 初稿需要几秒钟。"
LABEL_ISSUE = "期号"
LABEL_OFFICE = "发文单位"
LABEL_DATE = "印发日期"
DOWNLOAD_XLSX = "数据表（Excel）"
DOWNLOAD_CHARTS = "图表（PNG + SVG 压缩包）"
DOWNLOAD_DOCX = "Word 初稿"
CHART_NAMES = {
    "01_月度趋势": "月度趋势",
    "02_分单位": "分单位",
    "03_分类别": "分类别",
    "04_品牌排行": "品牌排行",
    "05_满意度": "满意度",
}
H = briefing.FACT_HEADERS


def source_rows(n: int | None) -> str:
    """How many source rows a figure counts, every digit (``1,234``); "—" for none."""
    return UNKNOWN if n is None else f"{n:,}"


FACT_COLUMNS = [
    ui.Column(H["n"], H["n"]),
    ui.Column(H["label"], H["label"]),
    ui.Column(H["written"], H["written"]),
    ui.Column(H["value"], H["value"]),
    ui.Column(H["unit"], H["unit"]),
    ui.Column(H["table"], H["table"]),
    # text in every cell: a figure without source rows shows "—", and a column of numbers
    # and dashes cannot become one Arrow column (the download keeps the numbers)
    ui.Column(H["rows"], H["rows"], source_rows, "#,##0"),
    ui.Column(H["note"], H["note"], fmt=lambda note: note or ""),
    ui.Column(H["definition"], H["definition"]),
    ui.Column(H["scope"], H["scope"]),
]

scope = ui.scope_bar()
ui.title(TITLE)

kit = ui.load_shared(briefing.gather, scope)  # one kit per build and scope, never copied
ui.guard(kit.summary["activities"], ui.MSG_EMPTY_SCOPE)
text = briefing.compose(kit)
name = briefing.place_name(kit.unit) + briefing.period_label(kit.scope.date_from, kit.data_end)

st.subheader(H_TEXT, anchor=False)
st.caption(HELP_TEXT)
st.code(text.text, language=None, wrap_lines=True)

st.subheader(H_FACTS, anchor=False)
st.caption(HELP_FACTS)
ui.table(briefing.fact_rows(text), FACT_COLUMNS, key="facts", file_name=f"{name}简报数字")

# The charts are built when the preview is opened or a file asks for them, not on every run.
built: dict[str, dict] = {}


def figures() -> dict:
    if "figures" not in built:
        built["figures"] = briefing.chart_figures(kit)
    return built["figures"]


preview = st.expander(H_CHARTS, key="brief_preview", on_change="rerun")
if preview.open:
    with preview:
        tabs = st.tabs(list(CHART_NAMES.values()))
        for tab, (stem, fig) in zip(tabs, figures().items(), strict=True):
            with tab:
                st.plotly_chart(fig, key=f"preview_{stem}", theme=None, width="stretch")

st.subheader(H_FILES, anchor=False)
st.caption(HELP_FILES)
with st.container(horizontal=True, vertical_alignment="bottom", key="docx_options"):
    issue = st.text_input(LABEL_ISSUE, key="brief_issue", width=120)
    # keyed by unit: another unit proposes its own issuer
    office = st.text_input(
        LABEL_OFFICE,
        value=briefing.issuing_office(kit.unit),
        key=f"brief_office_{scope.unit_id or ''}",
        width=320,
    )
    issued_on = st.date_input(LABEL_DATE, value=date.today(), key="brief_date", width=180)


# The zip and the Word draft share one export of the charts (on_click="ignore": no rerun).
def chart_files() -> dict[str, bytes]:
    if "files" not in built:
        built["files"] = briefing.export_charts(figures())
    return built["files"]


def word_draft() -> bytes:
    try:
        images = chart_files()
    except RuntimeError:  # no Chromium: the draft without charts is still useful
        images = {}
    return briefing.document(
        kit,
        images,
        text=text,
        issue=issue.strip() or None,
        office=office.strip(),
        issued_on=issued_on,
    )


with st.container(horizontal=True, key="brief_files"):
    ui.download(
        DOWNLOAD_XLSX,
        lambda: briefing.workbook(kit, text),
        file_name=f"{name}{briefing.FILE_XLSX}",
        key="brief_xlsx",
        icon=":material/table_view:",
    )
    ui.download(
        DOWNLOAD_CHARTS,
        lambda: briefing.zip_files(chart_files()),
        file_name=f"{name}{briefing.FILE_ZIP}",
        key="brief_charts",
        icon=":material/image:",
    )
    ui.download(
        DOWNLOAD_DOCX,
        word_draft,
        file_name=f"{name}{briefing.FILE_DOCX}",
        key="brief_docx",
        icon=":material/description:",
        type="primary",
    )
