"""账号与日志 (管理员 only): the accounts, changes to them, and the audit log with filters
and an xlsx export. Every change is written to the log by the signed-in 管理员."""

from datetime import timedelta

import streamlit as st

from dashboard import accounts as accounts_module
from dashboard import audit, ui
from dashboard.accounts import ADMIN, ROLES, AccountError
from dashboard.signin import store

TITLE = "账号与日志"
H_ACCOUNTS = "账号"
H_ADD = "新建账号"
H_CHANGE = "修改账号"
H_LOG = "操作日志"
STATE_ON, STATE_OFF = "正常", "已停用"
LABEL_USER, LABEL_NAME, LABEL_ROLE = "用户名", "显示名称", "角色"
LABEL_UNIT = "所属阵地编码（领导、填报员必填）"
LABEL_PASSWORD, LABEL_AGAIN = "密码", "再输入一次密码"
LABEL_PICK = "选择账号"
LABEL_NEW_PASSWORD = "新密码"
BUTTON_ADD, BUTTON_PASSWORD = "新建", "重设密码"
BUTTON_DISABLE, BUTTON_ENABLE = "停用", "启用"
LABEL_LOG_USER, LABEL_LOG_ACTIONS, LABEL_LOG_DATES = "账号", "操作", "日期"
ANY_USER = "全部账号"
MSG_MISMATCH = "两次输入的密码不一致。"
MSG_UNKNOWN_UNIT = "找不到阵地编码“{unit}”，请检查后重新输入。"
MSG_DONE = "已完成：{what}"
NO_ACCOUNTS = "还没有账号：看板处于单机模式。新建第一个管理员后，每个页面都需要登录。"
NO_ENTRIES = "所选条件下没有日志记录。"
LOG_DAYS = 30  # the log opens on the last 30 days

ACCOUNT_COLUMNS = [
    ui.Column("user_name", "用户名"),
    ui.Column("display_name", "显示名称"),
    ui.Column("role", "角色"),
    ui.Column("home", "所属阵地"),
    ui.Column("state", "状态"),
]
ANY_ACTION = "全部操作"
LOG_COLUMNS = [ui.Column(key, label) for key, label in audit.HEADERS.items()]

accounts = store()
ui.title(TITLE)

st.subheader(H_ACCOUNTS, anchor=False)
found = accounts.accounts()
if not found:
    st.info(NO_ACCOUNTS, icon=":material/lock_open:")
else:
    ui.table(
        [
            {
                "user_name": a.user_name,
                "display_name": a.display_name,
                "role": a.role,
                "home": ui.home_name(a.home),
                "state": STATE_OFF if a.is_disabled else STATE_ON,
            }
            for a in found
        ],
        ACCOUNT_COLUMNS,
        key="accounts_table",
        file_name="账号",
    )


def done(what: str, action: str) -> None:
    audit.record(action, what, scope="")
    st.session_state["accounts_notice"] = MSG_DONE.format(what=what)


def add_account() -> None:
    if not ui.has_role(ADMIN):  # a callback runs before the rerun checks the session
        return
    values = {k: st.session_state.get(f"add_{k}", "") for k in ("user", "name", "unit")}
    password, again = (
        st.session_state.get("add_password", ""),
        st.session_state.get("add_again", ""),
    )
    st.session_state["add_password"] = st.session_state["add_again"] = ""
    role = st.session_state.get("add_role", ROLES[1])
    unit = values["unit"].strip() or None
    try:
        if password != again:
            raise AccountError(MSG_MISMATCH)
        if role != ADMIN and unit is not None and unit not in ui.warehouse().units():
            raise AccountError(MSG_UNKNOWN_UNIT.format(unit=unit))
        account = accounts.add(values["user"].strip(), values["name"].strip(), role, unit, password)
    except AccountError as exc:
        st.session_state["accounts_error"] = str(exc)
        return
    detail = f"{account.user_name}（{account.role}，{account.home_unit or '全部'}）"
    done(detail, audit.ACCOUNT_ADDED)


def change(action: str) -> None:
    user_name = st.session_state.get("change_user")
    if not user_name or not ui.has_role(ADMIN):
        return
    try:
        if action == audit.PASSWORD_CHANGED:
            password = st.session_state.get("change_password", "")
            st.session_state["change_password"] = ""
            accounts.set_password(user_name, password)
        else:
            accounts.set_disabled(user_name, action == audit.ACCOUNT_DISABLED)
    except AccountError as exc:
        st.session_state["accounts_error"] = str(exc)
        return
    done(f"{audit.ACTION_LABELS[action]}：{user_name}", action)


for key, show in (("accounts_error", st.error), ("accounts_notice", st.success)):
    if st.session_state.get(key):
        show(st.session_state.pop(key))

with st.expander(H_ADD, key="accounts_add"):
    with st.form("add_account", width=480):
        st.text_input(LABEL_USER, key="add_user")
        st.text_input(LABEL_NAME, key="add_name")
        st.selectbox(LABEL_ROLE, ROLES, index=1, key="add_role")
        st.text_input(LABEL_UNIT, key="add_unit")
        st.text_input(LABEL_PASSWORD, type="password", key="add_password")
        st.text_input(LABEL_AGAIN, type="password", key="add_again")
        st.form_submit_button(BUTTON_ADD, on_click=add_account, type="primary")

if found:
    with st.expander(H_CHANGE, key="accounts_change"):
        st.selectbox(LABEL_PICK, [a.user_name for a in found], key="change_user", width=300)
        with st.container(horizontal=True, vertical_alignment="bottom", key="change_row"):
            st.text_input(LABEL_NEW_PASSWORD, type="password", key="change_password", width=240)
            st.button(
                BUTTON_PASSWORD, key="change_password_button", on_click=change,
                args=(audit.PASSWORD_CHANGED,),
            )  # fmt: skip
            st.button(
                BUTTON_DISABLE,
                key="change_disable",
                on_click=change,
                args=(audit.ACCOUNT_DISABLED,),
            )
            st.button(
                BUTTON_ENABLE, key="change_enable", on_click=change, args=(audit.ACCOUNT_ENABLED,)
            )

st.subheader(H_LOG, anchor=False)
today = accounts_module.now().date()  # the store's clock: the log's own days
with st.container(horizontal=True, vertical_alignment="bottom", key="log_filters"):
    user = st.selectbox(
        LABEL_LOG_USER,
        ["", *(a.user_name for a in found)],
        format_func=lambda name: name or ANY_USER,
        key="log_user",
        width=200,
    )
    actions = st.multiselect(
        LABEL_LOG_ACTIONS,
        list(audit.ACTION_LABELS),
        format_func=audit.ACTION_LABELS.get,
        placeholder=ANY_ACTION,
        key="log_actions",
        width=360,
    )
    dates = st.date_input(
        LABEL_LOG_DATES,
        value=(today - timedelta(days=LOG_DAYS - 1), today),
        format="YYYY/MM/DD",
        key="log_dates",
        width=240,
    )
date_from, date_to = (dates[0], dates[-1]) if dates else (None, None)
rows = audit.entries(
    accounts, user_name=user or None, actions=actions, date_from=date_from, date_to=date_to
)
ui.guard(rows, NO_ENTRIES)
ui.table(
    list(reversed(rows)), LOG_COLUMNS, key="log_table", file_name=f"{H_LOG}_{date_from}_{date_to}"
)
