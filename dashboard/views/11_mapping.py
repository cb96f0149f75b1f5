"""台账格式映射: map a ledger in a layout of its own once, save it as a 报送格式, rebuild.

Reads top to bottom: pick a stored file (those the last build marked 需要映射台账格式
first) and its sheet; the header rows, the table and per column a field, each with
the suggestion preselected and its confidence; constants; a preview of the rows as
they would load with the counts and reasons (a trial build, ``pipelines.mapping.
preview``); then save the format and rebuild (``dashboard.ledgers.rebuild``). Saved
formats are listed below, to rename or delete.
"""

import streamlit as st

from dashboard import build_sources, ledger_index, ledgers, quality, ui
from dashboard.warehouse import Warehouse
from pipelines import settings
from pipelines.build import BuildError
from pipelines.build_cli import summary
from pipelines.contract import TABLE_SPECS
from pipelines.map_cli import to_format
from pipelines.mapping import formats, preview
from pipelines.mapping.fields import IGNORE, fields_for, label
from pipelines.mapping.grid import Grid, column_letter, read_grids
from pipelines.mapping.header import MAX_HEADER_ROWS, header_at
from pipelines.mapping.suggest import suggest

TITLE = "台账格式映射"
INTRO = (
    "自有格式的台账（表头与导入模板不同）在这里映射一次：指定表头行、表的类型和每一列对应的字段，"
    "保存为“报送格式”。以后同样表头的台账（如下个月的台账）导入时自动按此格式读入，无需再映射。"
)
NO_FILES = "台账文件夹中还没有文件。请先在“数据导入与质量”页上传台账。"
LABEL_FILE = "台账文件"
WAITING = "（需要映射）"
LABEL_SHEET = "工作表"
NO_HEADER = "这张表中找不到表头：请调整表头所在的行。"
UNREADABLE = "文件无法读取：请用 Excel/WPS 另存为 .xlsx 后重新上传。"
H_HEADER = "1. 表头与表的类型"
LABEL_FIRST, LABEL_LAST = "表头第一行", "表头最后一行"
LABEL_TABLE = "这张表是"
H_COLUMNS = "2. 每一列对应的字段"
HELP_COLUMNS = "已按表头和列中的数值预选了最可能的字段，括号中是把握程度；不需要的列选“不导入”。"
COLUMN_LABEL = "{letter} 列 “{header}”（建议：{suggested}，把握 {confidence:.0%}）"
H_CONSTANTS = "3. 整张表相同的内容"
LABEL_UNIT = "本表的阵地编码（表中没有阵地列时填写；有阵地名称列时，名称先在该阵地下查找）"
LABEL_YEAR = "年份（表中和标题中都没有年份时填写）"
LABEL_CATEGORY = "服务类别（表中没有类别列时填写）"
CONTEXT = "从表外读到：{items}（每张表按其标题、填报单位行和工作表名重新读取）"
CONTEXT_NAMES = {"unit_name": "填报单位", "start_year": "年份", "start_month": "月份"}
H_PREVIEW = "4. 预览"
HELP_PREVIEW = (
    "按当前映射试构建这份台账（连同阵地等基础表），显示前 20 行入库后的样子，以及入库、重复、退回的行数和原因。"
    "与其他台账之间的重复在保存并重新构建后统计。"
)
BUTTON_PREVIEW = "预览"
PREVIEW_FAILED = "预览失败：{error}"
H_PREVIEW_ROWS = "“{table}”表前 {n} 行"
H_PREVIEW_REJECTS = "会被退回的行"
H_SAVE = "5. 保存格式并重新构建"
LABEL_NAME = "格式名称"
BUTTON_SAVE = "保存格式并重新构建"
SAVED = "已保存报送格式“{name}”并重新构建数据仓库。"
BUILD_FAILED = "构建失败，原数据仓库保持不变：{error}"
H_SAVED = "已保存的报送格式"
NO_SAVED = "还没有保存的报送格式。"
LABEL_PICK = "选择格式"
LABEL_RENAME = "新名称"
BUTTON_RENAME = "改名"
BUTTON_DELETE = "删除"
DELETED = "已删除报送格式“{name}”：这种表头的台账将重新标为需要映射。点“保存格式并重新构建”或在数据导入页重新构建后生效。"
RENAMED = "已将报送格式“{old}”改名为“{new}”。"
WIDGETS = ("map_first", "map_last", "map_table", "map_unit", "map_year", "map_category", "map_name")


def waiting_files(db) -> set[str]:
    """Files the last build marked as waiting for a mapping."""
    if not db.is_file():
        return set()
    manifest = quality.latest_manifest(Warehouse(db))
    return {
        f["file"]
        for f in manifest.get("files", [])
        if f["status"] == "needs_mapping"
        or any(s["status"] == "needs_mapping" for s in f.get("sheets", []))
    }


def column_options(table: str, header: str, suggested: str) -> list[str]:
    """The fields a column can take: ignore, the table's fields, group fields named after
    the column's group (参与人数/成人/人数 -> 成人), and the suggestion."""
    parts = [p for p in header.split("/") if p]
    group = parts[-2] if len(parts) >= 3 else parts[-1] if parts else header
    plain = [
        f.key for f in fields_for(table) if f.key not in ("headcount_by_group", "hours_by_group")
    ]
    groups = (
        [f"headcount_by_group:{group}", f"hours_by_group:{group}"] if table == "activities" else []
    )
    return list(dict.fromkeys([IGNORE, *plain, *groups, suggested]))


def reset_on_change(current: tuple) -> None:
    """A new file or sheet starts from its own suggestion."""
    if st.session_state.get("map_current") != current:
        for key in [k for k in st.session_state if str(k).startswith(("map_col_", *WIDGETS))]:
            del st.session_state[key]
        st.session_state.pop("map_preview_result", None)
        st.session_state["map_current"] = current


# the preview's reject rows ({table, sheet, row, reason}) under Chinese headers
REJECT_LABELS = {"table": "表", "sheet": "工作表", "row": "行号", "reason": "退回原因"}

scope = ui.scope_bar(require_data=False)
db = settings.db_path()
folder = ledgers.ledger_dir()
if db.is_file():
    ui.title(TITLE)
else:
    st.title(TITLE, anchor=False)
st.caption(INTRO)

outcome = st.session_state.pop("map_outcome", None)
if outcome:
    kind, message, details = outcome
    (st.success if kind == "success" else st.error)(message)
    if details:
        st.code(details, language=None)

# stored under generated names: the page shows the name each file came with
original = {row["stored"]: row["original"] for row in ledger_index.stored_files(folder)}
stored = list(original)
ui.guard(stored, NO_FILES)
waiting = waiting_files(db)
choices = sorted(stored, key=lambda name: (name not in waiting, name))
picked = st.selectbox(
    LABEL_FILE,
    choices,
    format_func=lambda name: original[name] + (WAITING if name in waiting else ""),
    key="map_file",
)
try:
    grids = read_grids(folder / picked)
except Exception:  # a corrupt or foreign file
    st.error(UNREADABLE)
    st.stop()
sheet_names = [g.sheet for g in grids]
sheet = st.selectbox(
    LABEL_SHEET, sheet_names, format_func=lambda s: s or "（CSV）", key="map_sheet"
)
grid: Grid = grids[sheet_names.index(sheet)]
reset_on_change((picked, sheet))
detected = suggest(grid)

# --- 1. header rows and table -------------------------------------------------------------
st.subheader(H_HEADER, anchor=False)
first_row, last_row = detected.header.rows if detected else (1, 1)
with st.container(horizontal=True, key="map_header_bar"):
    first = st.number_input(
        LABEL_FIRST, 1, max(1, len(grid.rows)), first_row, key="map_first", width=160
    )
    last = st.number_input(
        LABEL_LAST, 1, max(1, len(grid.rows)), last_row, key="map_last", width=160
    )
    table = st.selectbox(
        LABEL_TABLE,
        list(TABLE_SPECS),
        index=list(TABLE_SPECS).index(detected.table) if detected else 0,
        format_func=lambda t: TABLE_SPECS[t].zh,
        key="map_table",
        width=200,
    )
last = min(max(last, first), first + MAX_HEADER_ROWS - 1)
found = suggest(grid, header_at(grid, first - 1, last - 1), table)
if found is None or not any(c.header for c in found.columns):
    st.info(NO_HEADER)
    st.stop()

# --- 2. columns ---------------------------------------------------------------------------
st.subheader(H_COLUMNS, anchor=False)
st.caption(HELP_COLUMNS)
columns: dict[str, str] = {}
left, right = st.columns(2)
for i, column in enumerate(c for c in found.columns if c.header):
    options = column_options(table, column.header, column.field)
    with left if i % 2 == 0 else right:
        columns[column.header] = st.selectbox(
            COLUMN_LABEL.format(
                letter=column_letter(column.index),
                header=column.header,
                suggested=label(table, column.field),
                confidence=column.confidence,
            ),
            options,
            index=options.index(column.field),
            format_func=lambda key, t=table: label(t, key),
            key=f"map_col_{column.index}",
        )

# --- 3. constants -------------------------------------------------------------------------
st.subheader(H_CONSTANTS, anchor=False)
if found.context:
    items = "、".join(f"{CONTEXT_NAMES.get(k, k)} {v}" for k, v in found.context.items())
    st.caption(CONTEXT.format(items=items))
constants: dict[str, str] = {}
with st.container(horizontal=True, key="map_constants"):
    unit = st.text_input(LABEL_UNIT, key="map_unit", width=360)
    year = st.text_input(LABEL_YEAR, key="map_year", width=200)
    category = st.text_input(LABEL_CATEGORY, key="map_category", width=200)
for key, value in (("unit_id", unit), ("start_year", year), ("category", category)):
    if value.strip():
        constants[key] = value.strip()
found.constants = constants
for column in found.columns:
    column.field = columns.get(column.header, column.field)
name = st.text_input(
    LABEL_NAME, value=original[picked].rsplit(".", 1)[0].split("/")[-1], key="map_name"
)
try:
    draft = to_format(name.strip() or "未命名格式", found)
    draft.check()
except ValueError as exc:
    st.error(str(exc))
    st.stop()

# --- 4. preview ---------------------------------------------------------------------------
st.subheader(H_PREVIEW, anchor=False)
st.caption(HELP_PREVIEW)
if st.button(BUTTON_PREVIEW, key="map_preview", icon=":material/preview:"):
    manifest = quality.latest_manifest(Warehouse(db)) if db.is_file() else {}
    # the units, brands and activities the rows name may come from any source of the build
    recorded = build_sources.recorded_request(db) if db.is_file() else None
    sources, recorded_as_of = recorded if recorded else ([], None)
    references = preview.reference_files(manifest, [*sources, folder], picked, table)
    with st.spinner(BUTTON_PREVIEW):
        try:
            result = preview.preview(folder / picked, draft, references, as_of=recorded_as_of)
        except (BuildError, ValueError) as exc:
            st.session_state["map_preview_result"] = str(exc)
        else:
            st.session_state["map_preview_result"] = result
result = st.session_state.get("map_preview_result")
if isinstance(result, str):
    st.error(PREVIEW_FAILED.format(error=result))
elif result is not None:
    for shown_table, counts in result.counts.items():
        zh = TABLE_SPECS[shown_table].zh
        st.markdown(f"**{zh}**")
        with st.container(horizontal=True, key=f"map_counts_{shown_table}"):
            st.metric("读入行数", counts["rows"])
            st.metric("将入库", counts["loaded"])
            st.metric("重复", counts["duplicates"])
            st.metric("将退回", counts["rejected"])
        rows = result.rows.get(shown_table, [])
        st.caption(H_PREVIEW_ROWS.format(table=zh, n=len(rows)))
        if rows:
            st.dataframe(rows, key=f"map_rows_{shown_table}", hide_index=True)
    if result.rejects:
        st.markdown(f"**{H_PREVIEW_REJECTS}**")
        st.dataframe(
            result.rejects, key="map_rejects", hide_index=True, column_config=REJECT_LABELS
        )

# --- 5. save and rebuild ------------------------------------------------------------------
st.subheader(H_SAVE, anchor=False)
if st.button(BUTTON_SAVE, key="map_save", type="primary"):
    formats.save(db, draft)
    with st.spinner(BUTTON_SAVE, show_time=True):
        try:
            manifest = ledgers.rebuild(db, folder)
        except BuildError as exc:
            outcome = ("error", BUILD_FAILED.format(error=exc), None)
        else:
            outcome = ("success", SAVED.format(name=draft.name), summary(manifest, db))
    st.session_state["map_outcome"] = outcome
    st.session_state.pop("map_current", None)
    st.rerun()

# --- saved formats ------------------------------------------------------------------------
st.subheader(H_SAVED, anchor=False)
saved = formats.load_all(db)
ui.guard(saved, NO_SAVED)
ui.table(
    [
        {
            "name": f.name,
            "table": TABLE_SPECS[f.table].zh,
            "rows": f"{f.header_rows[0]}–{f.header_rows[-1]}",
            "columns": len(f.columns),
        }
        for f in saved
    ],
    [
        ui.Column("name", "格式名称"),
        ui.Column("table", "表"),
        ui.Column("rows", "表头行"),
        ui.Column("columns", "列数"),
    ],
    key="map_saved",
    file_name=H_SAVED,
)
with st.container(horizontal=True, vertical_alignment="bottom", key="map_manage"):
    chosen = st.selectbox(LABEL_PICK, [f.name for f in saved], key="map_pick", width=280)
    new_name = st.text_input(LABEL_RENAME, key="map_new_name", width=240)
    if st.button(BUTTON_RENAME, key="map_rename", disabled=not new_name.strip()):
        try:
            formats.rename(db, chosen, new_name.strip())
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.session_state["map_outcome"] = (
                "success",
                RENAMED.format(old=chosen, new=new_name.strip()),
                None,
            )
            st.rerun()
    if st.button(BUTTON_DELETE, key="map_delete"):
        formats.delete(db, chosen)
        st.session_state["map_outcome"] = ("success", DELETED.format(name=chosen), None)
        st.rerun()
