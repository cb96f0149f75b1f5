"""数据导入与质量: store ledger files (upload, or a folder on the server) and rebuild the
warehouse from every stored file; what the last build loaded, skipped and sent back, the
rejected rows for the clerks, and the conflicts a person must decide.

It opens on an empty warehouse too: this is where the first files are imported. It is
the one page that triggers a build (``dashboard.ledgers.rebuild``, atomic: other
sessions keep reading the old warehouse until the new one is in place).
"""

import logging
from pathlib import Path

import streamlit as st

from dashboard import ledgers, quality, ui
from dashboard.numbers import format_count, inventory_number
from pipelines import settings
from pipelines.build import BuildError
from pipelines.build_cli import summary

log = logging.getLogger(__name__)

TITLE = "数据导入与质量"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
H_IMPORT = "导入台账"
HELP_IMPORT = (
    "可一次选择多个 .csv / .xlsx / .xls 文件。文件保存到台账文件夹后，"
    "用文件夹中的全部文件重新构建数据仓库；重复报送的文件和行不会重复计数。"
)
LABEL_UPLOAD = "选择台账文件"
BUTTON_UPLOAD = "保存并重新构建"
LABEL_FOLDER = "服务器上的台账文件夹路径"
BUTTON_FOLDER = "导入该文件夹并重新构建"
H_FOLDER = "从服务器文件夹导入"
BUTTON_TEMPLATE = "下载导入模板"
FOLDER_LINE = "台账文件夹：`{folder}`，现有 {n} 个文件。"
H_STORED = "已保存的台账文件"
NO_STORED = "台账文件夹中还没有文件。"
LABEL_WITHDRAW = "撤回文件"
BUTTON_WITHDRAW = "撤回该文件"
HELP_WITHDRAW = "从台账文件夹删除该文件；重新构建后，只来自该文件的数据将移出看板。"
BUTTON_REBUILD = "重新构建"
HELP_REBUILD = "用台账文件夹中的全部文件重新构建数据仓库。"
SPINNER = "正在重新构建数据仓库，请稍候…"
BUILT = "数据仓库已重新构建。"
STORED = {
    "saved": "已保存",
    "unchanged": "内容相同，未重复保存",
    "renamed": "同名文件已存在，另存为",
}
WITHDRAWN = "已撤回“{name}”。点「重新构建」后，其数据将移出看板。"
BUILD_FAILED = "构建失败，原数据仓库保持不变：{error}"
H_MANIFEST = "最近一次导入"
BUILT_FILES = "最近一次构建读入 {n} 个文件；读入行数 = 入库 + 重复 + 退回。"
H_TABLES = "各表入库情况"
H_FILES = "各文件入库情况"
NO_FILES = "最近一次构建没有文件记录。"
H_REJECTS = "退回的行"
NO_REJECTS = "最近一次导入没有退回的行。"
ALL = "全部"
BUTTON_REJECTS = "下载退回行（按原表格式，供填报人修改后重报）"
H_CONFLICTS = "冲突：同一编码的两个版本"
HELP_CONFLICTS = (
    "同一编码出现了内容不同的两行：看板先保留了较早的一行。"
    "核实后如新值正确，点「采用新值并重新构建」，以后每次构建都采用新值。"
)
NO_CONFLICTS = "没有待决定的冲突。"
LABEL_CONFLICT = "选择冲突"
BUTTON_ADOPT = "采用新值并重新构建"
ADOPTED = "已记录：{table} {key} 采用 {file} 第{row}行的新值。"
UNKNOWN_ROWS = "该仓库没有记录重复行数（不是由导入流程构建的），读入行数无法核对。"

STORED_COLUMNS = [
    ui.Column("name", "文件"),
    ui.Column("size_kb", "大小（KB）", lambda v: f"{v:,.1f}", "#,##0.0"),
    ui.Column("modified_at", "保存时间"),
]
TABLE_COLUMNS = [
    ui.Column("name", "表"),
    ui.Column("rows", "读入行数", format_count, "#,##0"),
    ui.Column("loaded", "入库", format_count, "#,##0"),
    ui.Column("duplicates", "重复", format_count, "#,##0"),
    ui.Column("rejected", "退回", format_count, "#,##0"),
]
FILE_COLUMNS = [
    ui.Column("file", "文件"),
    ui.Column("sheet", "工作表", lambda v: v or ""),
    ui.Column("status_label", "状态"),
    ui.Column("table_name", "识别为", lambda v: v or ""),
    ui.Column("rows", "读入行数", format_count, "#,##0"),
    ui.Column("loaded", "入库", format_count, "#,##0"),
    ui.Column("duplicates", "重复", format_count, "#,##0"),
    ui.Column("rejected", "退回", format_count, "#,##0"),
    ui.Column("note", "说明", lambda v: v or ""),
]
REJECT_COLUMNS = [
    ui.Column("table_name", "表"),
    ui.Column("file", "文件"),
    ui.Column("sheet", "工作表", lambda v: v or ""),
    ui.Column("row", "行号"),
    ui.Column("reason_label", "问题"),
    ui.Column("reason", "退回原因"),
    ui.Column("raw_text", "原始内容"),
]
DIFFERS = "不同"


# The file uploader's own words are English (Streamlit has no locale for them): hide them
# and write Chinese in their place.
UPLOADER_CSS = """
<style>
[class*="st-key-data_upload_"] [data-testid="stFileUploaderDropzone"] button p,
[class*="st-key-data_upload_"] [data-testid="stFileUploaderDropzoneInstructions"] span {
  font-size: 0;
}
[class*="st-key-data_upload_"] [data-testid="stFileUploaderDropzone"] button p::after {
  content: "选择文件"; font-size: 0.875rem;
}
[class*="st-key-data_upload_"] [data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "或把文件拖到这里　·　每个文件不超过 {max_mb}MB　·　{suffixes}";
  font-size: 0.875rem; white-space: normal;
}
</style>
"""


def rebuild(done: str) -> None:
    """Rebuild from every stored file under a spinner, remember the outcome, rerun."""
    with st.spinner(SPINNER, show_time=True):
        try:
            manifest = ledgers.rebuild(folder, db)
        except BuildError as exc:
            outcome = ("error", BUILD_FAILED.format(error=exc), None)
        except Exception as exc:  # the old warehouse stays; say so without a traceback
            log.exception("build failed")
            outcome = ("error", BUILD_FAILED.format(error=f"{type(exc).__name__}: {exc}"), None)
        else:
            outcome = ("success", f"{BUILT}\n\n{done}".strip(), summary(manifest, db))
    st.session_state["data_outcome"] = outcome
    st.session_state["data_upload_round"] = st.session_state.get("data_upload_round", 0) + 1
    st.rerun()


def stored_lines(results: list[dict]) -> str:
    return "\n".join(f"- {STORED[r['status']]}：{r['name']}" for r in results)


scope = ui.scope_bar(require_data=False)
db = settings.db_path()
folder = ledgers.ledger_dir()
if db.is_file():
    ui.title(TITLE)
else:
    st.title(TITLE, anchor=False)
    st.info(ui.MSG_NO_WAREHOUSE, icon=":material/inbox:")

outcome = st.session_state.pop("data_outcome", None)
if outcome:
    kind, message, details = outcome
    (st.success if kind == "success" else st.error)(message)
    # the page may be scrolled down to the button that was clicked
    st.toast(
        message.split("\n")[0],
        icon=":material/check_circle:" if kind == "success" else ":material/error:",
    )
    if details:
        st.code(details, language=None)

# --- import ---------------------------------------------------------------------------------
st.subheader(H_IMPORT, anchor=False)
st.caption(HELP_IMPORT)
stored = ledgers.stored_files(folder)
st.html(
    UPLOADER_CSS.replace("{max_mb}", str(st.get_option("server.maxUploadSize"))).replace(
        "{suffixes}", "、".join(s.lstrip(".").upper() for s in settings.LEDGER_SUFFIXES)
    )
)
uploads = st.file_uploader(
    LABEL_UPLOAD,
    type=[suffix.lstrip(".") for suffix in settings.LEDGER_SUFFIXES],
    accept_multiple_files=True,
    key=f"data_upload_{st.session_state.get('data_upload_round', 0)}",
)
with st.container(horizontal=True, key="data_import_buttons"):
    if st.button(BUTTON_UPLOAD, key="data_upload_build", type="primary", disabled=not uploads):
        try:
            results = [ledgers.store_file(folder, f.name, f.getvalue()) for f in uploads]
        except (ValueError, OSError) as exc:
            st.error(str(exc))
        else:
            rebuild(stored_lines(results))
    st.download_button(
        BUTTON_TEMPLATE,
        data=ledgers.template_bytes,
        file_name=settings.TEMPLATE_PATH.name,
        mime=XLSX_MIME,
        key="data_template",
        on_click="ignore",
        icon=":material/download:",
    )
with st.expander(H_FOLDER):
    source = st.text_input(LABEL_FOLDER, key="data_folder", placeholder="/data/ledgers/2025")
    if st.button(BUTTON_FOLDER, key="data_folder_build", disabled=not source):
        try:
            results = ledgers.import_folder(folder, Path(source))
        except (ValueError, OSError) as exc:
            st.error(str(exc))
        else:
            rebuild(stored_lines(results))
st.caption(FOLDER_LINE.format(folder=folder, n=inventory_number(len(stored))))
ui.page_link("mapping", help="自有格式的台账（状态为“需要映射台账格式”）在此映射一次")

# --- stored files -----------------------------------------------------------------------------
st.subheader(H_STORED, anchor=False)
if stored:
    ui.table(
        [{**row, "size_kb": row["size"] / 1024} for row in stored],
        STORED_COLUMNS,
        key="data_stored",
        file_name="已保存的台账文件",
        height=min(35 * len(stored) + 38, 360),
    )
    with st.container(horizontal=True, vertical_alignment="bottom", key="data_withdraw_bar"):
        withdraw = st.selectbox(
            LABEL_WITHDRAW,
            [row["name"] for row in stored],
            index=None,
            placeholder="选择要撤回的文件",
            key="data_withdraw_pick",
            width=420,
        )
        if st.button(
            BUTTON_WITHDRAW, key="data_withdraw", disabled=withdraw is None, help=HELP_WITHDRAW
        ):
            try:
                ledgers.withdraw_file(folder, withdraw)
            except (ValueError, OSError) as exc:  # withdrawn meanwhile in another session
                st.error(str(exc))
            else:
                st.session_state["data_outcome"] = (
                    "success",
                    WITHDRAWN.format(name=withdraw),
                    None,
                )
                st.rerun()
        if st.button(BUTTON_REBUILD, key="data_rebuild", help=HELP_REBUILD):
            rebuild("")
else:
    st.caption(NO_STORED)

if scope is None and not db.is_file():
    st.stop()

# --- the last build ---------------------------------------------------------------------------
st.subheader(H_MANIFEST, anchor=False)
tables = ui.load(quality.table_counts)
files = ui.load(quality.file_counts)
found_conflicts = ui.load(quality.conflicts)
duplicates_known = all(row["duplicates"] is not None for row in tables)
if files:
    st.caption(BUILT_FILES.format(n=inventory_number(len({row["file"] for row in files}))))
ui.tiles(
    [
        ui.tile(
            "读入行数",
            sum(row["rows"] for row in tables) if duplicates_known else None,
            format_count,
            unknown_reason=UNKNOWN_ROWS,
        ),
        ui.tile("入库", sum(row["loaded"] for row in tables), format_count),
        ui.tile(
            "重复",
            sum(row["duplicates"] for row in tables) if duplicates_known else None,
            format_count,
            unknown_reason=UNKNOWN_ROWS,
        ),
        ui.tile("退回", sum(row["rejected"] for row in tables), format_count),
        ui.tile("待决定冲突", len(found_conflicts), format_count),
    ],
    key="data_manifest",
)
st.markdown(f"**{H_TABLES}**")
ui.table(tables, TABLE_COLUMNS, key="data_tables", file_name=H_TABLES)
st.markdown(f"**{H_FILES}**")
if files:
    ui.table(
        files,
        FILE_COLUMNS,
        key="data_files",
        file_name=H_FILES,
        height=min(35 * len(files) + 38, 420),
    )
else:
    st.caption(NO_FILES)

# --- rejected rows ----------------------------------------------------------------------------
st.subheader(H_REJECTS, anchor=False)
all_rejects = ui.load(quality.rejects)
if not all_rejects:
    st.success(NO_REJECTS, icon=":material/check_circle:")
else:
    table_names = {row["table"]: row["table_name"] for row in all_rejects}
    reason_labels = {row["reason_code"]: row["reason_label"] for row in all_rejects}
    with st.container(horizontal=True, key="data_reject_filters"):
        table = st.selectbox(
            "表",
            ["", *table_names],
            format_func=lambda t: table_names.get(t, ALL),
            key="data_reject_table",
            width=200,
        )
        reason = st.selectbox(
            "问题",
            ["", *reason_labels],
            format_func=lambda r: reason_labels.get(r, ALL),
            key="data_reject_reason",
            width=280,
        )
    shown = ui.load(quality.rejects, table=table or None, reason_code=reason or None)
    st.caption(f"共 {format_count(len(shown))} 行。")
    ui.table(shown, REJECT_COLUMNS, key="data_rejects", file_name="退回的行")
    st.download_button(
        BUTTON_REJECTS,
        data=lambda: quality.rejects_workbook(shown),
        file_name="退回行_请修改后重报.xlsx",
        mime=XLSX_MIME,
        key="data_rejects_clerk",
        on_click="ignore",
        icon=":material/assignment_return:",
        disabled=not shown,
    )

# --- conflicts --------------------------------------------------------------------------------
st.subheader(H_CONFLICTS, anchor=False)
ui.guard(found_conflicts, NO_CONFLICTS)
st.caption(HELP_CONFLICTS)
by_hash = {row["content_hash"]: row for row in found_conflicts}
picked = st.selectbox(
    LABEL_CONFLICT,
    list(by_hash),
    format_func=lambda h: (
        f"{by_hash[h]['table_name']} {by_hash[h]['row_key']}：{by_hash[h]['file']} 第{by_hash[h]['row']}行"
    ),
    key="data_conflict_pick",
)
conflict = by_hash[picked]
kept_at = f"{conflict['kept_file']} 第{conflict['kept_row']}行"
new_at = f"{conflict['file']} 第{conflict['row']}行"
ui.table(
    conflict["fields"],
    [
        ui.Column("label", "字段"),
        ui.Column("kept", f"已保留（{kept_at}）"),
        ui.Column("new", f"新值（{new_at}）"),
        ui.Column("differs", "不同", lambda v: DIFFERS if v else ""),
    ],
    key="data_conflict_versions",
    file_name=f"冲突_{conflict['row_key']}",
    height=35 * len(conflict["fields"]) + 38,
)
if st.button(BUTTON_ADOPT, key="data_adopt", type="primary"):
    ledgers.adopt(db, conflict)
    rebuild(
        ADOPTED.format(
            table=conflict["table_name"],
            key=conflict["row_key"],
            file=conflict["file"],
            row=conflict["row"],
        )
    )
