"""数据导入与质量: add ledger files (upload, or a folder under a configured server root),
withdraw one, and see what the last build loaded, skipped and sent back, the rejected
rows for the clerks, and the conflicts a person must decide.

It opens on an empty warehouse too: this is where the first files are imported. Every
change is previewed first (``dashboard.ledgers``: a dry-run build into a scratch
warehouse) and made only on 确认; a build keeps the sources the warehouse was built from,
so an upload only ever adds. Server paths are never shown: sources are named relative to
the project or their import root, uploads by their original names.

A 管理员 does everything here; a 填报员 uploads (the build keeps only the rows of the home
unit's subtree), sees the manifest, rejects and conflicts of their own files (the reader
scopes them) and withdraws their own uploads. Each action is checked on the page
(``ui.require_role``) and again by ``dashboard.ledgers`` with the acting account, and
written to the audit log.
"""

import logging
from collections.abc import Callable

import streamlit as st

from dashboard import audit, build_sources, ledger_index, ledgers, quality, ui
from dashboard.numbers import format_count, inventory_number
from pipelines import settings
from pipelines.build import BuildError
from pipelines.contract import TABLE_SPECS

log = logging.getLogger(__name__)

TITLE = "数据导入与质量"
HELP_MAPPING_LINK = "自有格式的台账（状态为“需要映射台账格式”）在此映射一次"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
H_IMPORT = "导入台账"
HELP_IMPORT = (
    "可一次选择多个 .csv / .xlsx / .xls 文件。导入只会增加数据：先预览将发生的变化，"
    "确认后才写入；已有的数据和来源保持不变。重复报送的文件和行不会重复计数。"
)
LABEL_UPLOAD = "选择台账文件"
BUTTON_UPLOAD = "预览导入"
H_FOLDER = "从服务器文件夹导入"
HELP_FOLDER = "只能选择管理员配置的导入文件夹及其子文件夹；其中的台账文件复制到台账文件夹。"
NO_ROOTS = (
    "尚未配置可导入的服务器文件夹，此功能未启用。管理员可在 wenming.toml 中列出允许导入的"
    "文件夹（名称 = 路径），重启看板后即可在此选择，例如：\n\n"
    '```toml\n[import_roots]\n"各镇报送" = "/srv/wenming/报送"\n```'
)
LABEL_ROOT = "导入文件夹"
LABEL_SUBFOLDER = "子文件夹"
ROOT_FOLDER = "（整个导入文件夹）"
BUTTON_FOLDER = "预览导入该文件夹"
BUTTON_TEMPLATE = "下载导入模板"
H_PREVIEW = "待确认的变更"
PREVIEW_ADD = (
    "将导入 {n} 个文件。下表是试算的结果（数据仓库尚未改动）：确认后按此导入，取消则不做任何改动。"
)
PREVIEW_WITHDRAW = (
    "将撤回“{name}”。下表是试算的结果（数据仓库尚未改动）：确认后按此撤回，取消则不做任何改动。"
)
PREVIEW_NO_ROWS = "各表行数没有变化。"
H_ADDED, H_WITHDRAWN = "新增的文件", "移出的文件"
BUTTON_CONFIRM = {"add": "确认导入", "withdraw": "确认撤回"}
PREVIEW_NOTHING_READABLE = "所选文件都无法读入（原因见上表），导入后也不会有任何数据：请按说明修改文件后重新选择，或点「取消」。"
BUTTON_CANCEL = "取消"
PREVIEWING = "正在试算导入后的变化（不改动数据仓库），请稍候…"
SPINNER = "正在重新构建数据仓库，请稍候…"
BUILT = {"add": "已导入，数据仓库已重新构建。", "withdraw": "已撤回，数据仓库已重新构建。"}
CANCELLED = "已取消，没有做任何改动。"
NOTHING_NEW = "没有新文件需要导入。"
FAILED = "操作失败，数据仓库和台账文件夹保持不变：{error}"
IO_ERROR = "读写文件出错，请检查服务器的磁盘空间和文件夹权限后重试。"
INTERNAL_ERROR = "程序内部错误，请把看板日志交给管理员。"
H_STORED = "台账来源"
SOURCES_LINE = "数据仓库由以下来源构建（命令行指定，本页不能撤回）：{names}。"
FOLDER_LINE = "台账文件夹（上传和导入的文件）：现有 {n} 个文件。"
NO_STORED = "台账文件夹中还没有文件。"
LABEL_WITHDRAW = "撤回文件"
BUTTON_WITHDRAW = "预览撤回"
HELP_WITHDRAW = "先试算撤回后的变化，确认后才从台账文件夹删除该文件并重新构建。"
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
CLERK_SCOPE = "本账号（填报员）上传的台账只会录入“{home}”及其下级阵地的记录，其他阵地的行将被退回。"
CLERK_WITHDRAW = "填报员只能撤回本账号上传的文件。"
ADMIN_ONLY_ADOPT = "采用新值并重新构建需由管理员操作。"
AUDIT_PREVIEW = "预览{what}：{names}"
AUDIT_DONE = "{what}：{names}；{counts}"
AUDIT_REFUSED = "{what}被拒：{error}"
AUDIT_ADOPT = "{table} {key} 采用 {file} 第{row}行的新值"
AUDIT_REBUILD = "采用冲突新值后重新构建：{counts}"
WHAT = {"add": "导入", "withdraw": "撤回"}
UNKNOWN_ROWS = "该仓库没有记录重复行数（不是由导入流程构建的），读入行数无法核对。"


def signed(value: int) -> str:
    return f"{value:+,}" if value else "0"


STORED_COLUMNS = [
    ui.Column("original", "文件"),
    ui.Column("how_label", "方式"),
    ui.Column("size_kb", "大小（KB）", lambda v: f"{v:,.1f}", "#,##0.0"),
    ui.Column("uploaded_at", "保存时间"),
    ui.Column("sha256", "SHA-256（前12位）", lambda v: (v or "")[:12]),
]
DELTA_COLUMNS = [
    ui.Column("name", "表"),
    ui.Column("rows", "读入行数", signed),
    ui.Column("loaded", "入库", signed),
    ui.Column("duplicates", "重复", signed),
    ui.Column("rejected", "退回", signed),
]
CHANGED_FILE_COLUMNS = [
    ui.Column("file", "文件"),
    ui.Column("status", "状态"),
    ui.Column("rows", "行数", format_count),
    ui.Column("note", "说明"),
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
    ui.Column("reason", "退回原因", wrap=True),
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


def ui_rows(rows: list[dict], columns: list[ui.Column]) -> list[dict[str, str]]:
    """Rows written as the page shows them, under the columns' Chinese headers."""
    return [{c.label: c.fmt(row[c.key]) if c.fmt else row[c.key] for c in columns} for row in rows]


def finish(outcome: tuple[str, str]) -> None:
    """Remember what happened for the next run, clear the uploader, rerun."""
    st.session_state["data_outcome"] = outcome
    st.session_state["data_upload_round"] = st.session_state.get("data_upload_round", 0) + 1
    st.rerun()


def unexpected(exc: Exception) -> str:
    """What to tell the user about a failure the import did not foresee (logged)."""
    log.exception("import failed")
    return FAILED.format(error=IO_ERROR if isinstance(exc, OSError) else INTERNAL_ERROR)


def counted(tables: list[dict]) -> str:
    """A preview's or manifest's per-table change, for the audit log."""
    parts = [
        f"{t['name']} 入库{signed(t['loaded'])} 重复{signed(t['duplicates'])} 退回{signed(t['rejected'])}"
        for t in tables
    ]
    return "，".join(parts) or PREVIEW_NO_ROWS


def change_names(preview: ledgers.Preview) -> str:
    if preview.withdraw:
        return names.get(preview.withdraw, preview.withdraw)
    return "、".join(e["original"] for e in preview.entries)


def refused(what: str, exc: Exception) -> None:
    """Log a refused action (a role or scope check) before the page says why."""
    if isinstance(exc, ledgers.RoleRefused):
        audit.record(audit.SCOPE_REFUSED, AUDIT_REFUSED.format(what=what, error=exc))


def stage(action: Callable[[], ledgers.Preview], what: str) -> None:
    """Stage a change and keep its preview for 确认 / 取消."""
    with st.spinner(PREVIEWING, show_time=True):
        try:
            preview = action()
        except (build_sources.ImportRefused, BuildError) as exc:
            refused(what, exc)
            finish(("error", FAILED.format(error=exc)))
        except Exception as exc:  # nothing changed; say so without a traceback
            finish(("error", unexpected(exc)))
    if preview.changes:  # the preview box says the rest
        audit.record(
            audit.UPLOAD_PREVIEW if preview.kind == "add" else audit.WITHDRAW_PREVIEW,
            AUDIT_PREVIEW.format(what=WHAT[preview.kind], names=change_names(preview)),
        )
        st.session_state["data_preview"] = preview
        finish(("info", ""))
    finish(("info", "\n\n".join([*preview.already, NOTHING_NEW])))


def confirm(preview: ledgers.Preview) -> None:
    what = WHAT[preview.kind]
    with st.spinner(SPINNER, show_time=True):
        try:
            ledgers.confirm(db, folder, preview, by)
        except (build_sources.ImportRefused, BuildError) as exc:
            refused(what, exc)
            finish(("error", FAILED.format(error=exc)))
        except Exception as exc:  # nothing changed; say so without a traceback
            finish(("error", unexpected(exc)))
    audit.record(
        audit.UPLOAD if preview.kind == "add" else audit.WITHDRAW,
        AUDIT_DONE.format(what=what, names=change_names(preview), counts=counted(preview.tables)),
    )
    del st.session_state["data_preview"]
    finish(("success", BUILT[preview.kind]))


def cancel(preview: ledgers.Preview) -> None:
    ledgers.cancel(folder, preview)
    del st.session_state["data_preview"]
    finish(("info", CANCELLED))


scope = ui.scope_bar(require_data=False)
db = settings.db_path()
folder = ledgers.ledger_dir()
account = ui.account()
# who acts, for dashboard.ledgers' own checks ("" role when nobody is signed in: refused)
by = ledgers.Uploader(account.user_name, account.role, account.home_unit) if account else None
by = by or ledgers.Uploader("", "未登录")
is_admin = ui.has_role(ui.ADMIN)
if db.is_file():
    ui.title(TITLE)
else:
    st.title(TITLE, anchor=False)
    st.info(ui.MSG_NO_WAREHOUSE, icon=":material/inbox:")

outcome = st.session_state.pop("data_outcome", None)
if outcome and outcome[1]:
    kind, message = outcome
    {"success": st.success, "error": st.error, "info": st.info}[kind](message)
    # the page may be scrolled down to the button that was clicked
    st.toast(message.split("\n")[0], icon=":material/info:")

names = ledger_index.original_names(folder)

# --- a staged change: what it would do, confirm or cancel -----------------------------------
preview: ledgers.Preview | None = st.session_state.get("data_preview")
if preview is not None:
    with st.container(border=True, key="data_preview_box"):
        st.subheader(H_PREVIEW, anchor=False)
        if preview.kind == "add":
            st.markdown(PREVIEW_ADD.format(n=len(preview.entries)))
        else:
            st.markdown(PREVIEW_WITHDRAW.format(name=names.get(preview.withdraw, preview.withdraw)))
        for line in preview.already:
            st.caption(line)
        # small tables, written into the page (st.table) so they read without scrolling
        if preview.tables:
            st.table(ui_rows(preview.tables, DELTA_COLUMNS), border="horizontal")
        else:
            st.caption(PREVIEW_NO_ROWS)
        for heading, rows in (
            (H_ADDED, preview.files_added),
            (H_WITHDRAWN, preview.files_withdrawn),
        ):
            if rows:
                st.markdown(f"**{heading}**")
                st.table(ui_rows(rows, CHANGED_FILE_COLUMNS), border="horizontal")
        if preview.nothing_readable:
            st.warning(PREVIEW_NOTHING_READABLE, icon=":material/warning:")
        with st.container(horizontal=True, key="data_preview_buttons"):
            if st.button(
                BUTTON_CONFIRM[preview.kind],
                key="data_confirm",
                type="primary",
                disabled=preview.nothing_readable,
            ):
                confirm(preview)
            if st.button(BUTTON_CANCEL, key="data_cancel"):
                cancel(preview)

# --- import ---------------------------------------------------------------------------------
st.subheader(H_IMPORT, anchor=False)
st.caption(HELP_IMPORT)
if not is_admin:
    st.info(CLERK_SCOPE.format(home=ui.home_name(by.home_unit)), icon=":material/info:")
try:
    request = build_sources.build_request(db, folder)
except build_sources.ImportRefused as exc:
    request = None
    st.warning(str(exc), icon=":material/warning:")
blocked = request is None or preview is not None
limit_mb = min(ledgers.upload_limit_mb(), st.get_option("server.maxUploadSize"))
st.html(
    UPLOADER_CSS.replace("{max_mb}", str(limit_mb)).replace(
        "{suffixes}", "、".join(s.lstrip(".").upper() for s in settings.LEDGER_SUFFIXES)
    )
)
uploads = st.file_uploader(
    LABEL_UPLOAD,
    type=[suffix.lstrip(".") for suffix in settings.LEDGER_SUFFIXES],
    accept_multiple_files=True,
    key=f"data_upload_{st.session_state.get('data_upload_round', 0)}",
    disabled=blocked,
)
with st.container(horizontal=True, key="data_import_buttons"):
    if st.button(
        BUTTON_UPLOAD, key="data_upload_preview", type="primary", disabled=blocked or not uploads
    ):
        ui.require_role(ui.ADMIN, ui.CLERK)
        stage(
            lambda: ledgers.stage_uploads(
                db, folder, [(f.name, f.getvalue()) for f in uploads], by
            ),
            WHAT["add"],
        )
    ui.download(
        BUTTON_TEMPLATE,
        ledgers.template_bytes,
        file_name=settings.TEMPLATE_PATH.name,
        key="data_template",
    )
roots = build_sources.import_roots()
root = subfolder = None
if is_admin:  # a 管理员's: the server's folders
    with st.expander(H_FOLDER):
        if not roots:
            st.markdown(NO_ROOTS)
        else:
            st.caption(HELP_FOLDER)
            root = st.selectbox(LABEL_ROOT, list(roots), key="data_folder_root", disabled=blocked)
            subfolder = st.selectbox(
                LABEL_SUBFOLDER,
                ledgers.folders_under(root) if root else [],
                format_func=lambda f: ROOT_FOLDER if f == "." else f,
                key="data_folder_path",
                disabled=blocked,
            )
        if st.button(
            BUTTON_FOLDER,
            key="data_folder_preview",
            disabled=blocked or root is None or not subfolder,
        ):
            ui.require_role(ui.ADMIN)
            stage(lambda: ledgers.stage_folder(db, folder, root, subfolder, by), WHAT["add"])
ui.page_link("mapping", help=HELP_MAPPING_LINK)

# --- sources and stored files ---------------------------------------------------------------
st.subheader(H_STORED, anchor=False)
# a 填报员 sees (and may withdraw) only the files that account uploaded
stored = [row for row in ledger_index.stored_files(folder) if ledgers.may_withdraw(by, row)]
if not is_admin:
    st.caption(CLERK_WITHDRAW)
if is_admin and request is not None and request.recorded:
    shown = "、".join(f"`{build_sources.display_path(s)}`" for s in request.recorded)
    st.caption(SOURCES_LINE.format(names=shown))
if stored:
    st.caption(FOLDER_LINE.format(n=inventory_number(len(stored))))
    ui.table(
        [{**row, "size_kb": row["size"] / 1024} for row in stored],
        STORED_COLUMNS,
        key="data_stored",
        file_name="台账文件夹",
        height=min(35 * len(stored) + 38, 360),
    )
    originals = {row["stored"]: f"{row['original']}（{row['uploaded_at']}）" for row in stored}
    with st.container(horizontal=True, vertical_alignment="bottom", key="data_withdraw_bar"):
        withdraw = st.selectbox(
            LABEL_WITHDRAW,
            list(originals),
            format_func=originals.get,
            index=None,
            placeholder="选择要撤回的文件",
            key="data_withdraw_pick",
            width=480,
            disabled=blocked,
        )
        if st.button(
            BUTTON_WITHDRAW,
            key="data_withdraw_preview",
            disabled=blocked or withdraw is None,
            help=HELP_WITHDRAW,
        ):
            ui.require_role(ui.ADMIN, ui.CLERK)
            stage(lambda: ledgers.stage_withdrawal(db, folder, withdraw, by), WHAT["withdraw"])
else:
    st.caption(NO_STORED)

if scope is None and not db.is_file():
    st.stop()

# --- the last build ---------------------------------------------------------------------------
st.subheader(H_MANIFEST, anchor=False)
tables = ui.load(quality.table_counts)
files = ledger_index.with_original_names(ui.load(quality.file_counts), names)
found_conflicts = ledger_index.with_original_names(
    ui.load(quality.conflicts), names, ("file", "kept_file")
)
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
    shown = ledger_index.with_original_names(
        ui.load(quality.rejects, table=table or None, reason_code=reason or None),
        names,
        ("file", "kept_file"),
    )
    st.caption(f"共 {format_count(len(shown))} 行。")
    ui.table(shown, REJECT_COLUMNS, key="data_rejects", file_name="退回的行")
    ui.download(
        BUTTON_REJECTS,
        lambda: quality.rejects_workbook(shown),
        file_name="退回行_请修改后重报.xlsx",
        key="data_rejects_clerk",
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
if not is_admin:
    st.caption(ADMIN_ONLY_ADOPT)
elif st.button(BUTTON_ADOPT, key="data_adopt", type="primary", disabled=request is None):
    ui.require_role(ui.ADMIN)
    ledgers.adopt(db, conflict, by)
    audit.record(
        audit.CONFLICT_ADOPTED,
        AUDIT_ADOPT.format(
            table=conflict["table_name"],
            key=conflict["row_key"],
            file=conflict["file"],
            row=conflict["row"],
        ),
    )
    with st.spinner(SPINNER, show_time=True):
        try:
            built = ledgers.rebuild(db, folder, by)
        except (build_sources.ImportRefused, BuildError) as exc:
            refused(ledgers.ACTION_REBUILD, exc)
            finish(("error", FAILED.format(error=exc)))
        except Exception as exc:  # nothing changed; say so without a traceback
            finish(("error", unexpected(exc)))
    audit.record(
        audit.REBUILD,
        AUDIT_REBUILD.format(
            counts="，".join(
                f"{TABLE_SPECS[t].zh} 入库{c['loaded']:,} 退回{c['rejected']:,}"
                for t, c in built["tables"].items()
            )
        ),
    )
    finish(
        (
            "success",
            ADOPTED.format(
                table=conflict["table_name"],
                key=conflict["row_key"],
                file=conflict["file"],
                row=conflict["row"],
            ),
        )
    )
