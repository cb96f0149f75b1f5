"""数据可信度: what in the ledgers looks padded or copied, unit by unit, with the rows
behind each flag (dashboard.metrics.integrity). The audit lists; it never changes a
figure. The rules are shown before the audit is read, so the page paints at once.

The audit is read from the worker that computes beside the pages (``ui.load_later``),
the one the other pages' integrity marks ask: a result it holds for this build and scope
is shown at once, never computed again on the page's reader. Until it is held the page
says the audit is running and reruns by itself when it is done (minutes at a province's
first visit after a build), instead of holding the page up."""

import functools

import streamlit as st

from dashboard import ui, xlsx
from dashboard.metrics import Scope, integrity
from dashboard.numbers import format_count, format_date

INTRO = (
    "按下列{n}项规则核查各阵地报送的台账，列出可疑之处和背后的台账行，供核实；"
    "核查不改变看板上的任何数字。参与者只显示编号。"
)
RULES_TITLE = "核查规则"
RANK_TITLE = "各阵地被标记情况"
ALL_CLEAR = "所选期间和阵地范围内没有发现可疑之处。"
CHECK_CLEAR = "未发现。"
CHECK_OFF = "已在配置中关闭。"
LOADING = "正在核查台账，完成后本页自动显示结果（全省首次核查需要数十秒）。"
POLL_SECONDS = 2  # how often the page waiting for the audit looks whether it is done
RULE_LINE = "**{number}. {name}**：{rule}"
CHECK_TITLE = "{number}. {name}（{flags}处）"
WORKBOOK_LABEL = "下载全部核查结果（Excel）"
WORKBOOK_HELP = "每项核查一个工作表，每个被标记的台账行一行。"
PERSON = "{n}号"
TILE_HELP = "被标记的台账行（一对或一组活动算一处）。"

RANK_COLUMNS = [
    ui.Column("name", "阵地"),
    ui.Column("level", "层级"),
    ui.Column("flags", "标记处数", format_count, "#,##0"),
    ui.Column("checks_text", "涉及核查"),
]
ROW_COLUMNS = [
    ui.Column("unit_name", "阵地"),
    ui.Column("measure_text", "本阵地指标"),
    ui.Column("activity_text", "活动编码"),
    ui.Column("date_text", "活动时间"),
    ui.Column("units_text", "涉及阵地"),
    ui.Column("person_text", "人员编号"),
    ui.Column("note", "说明"),
]


def _moment(value) -> str:
    """``2025年5月10日 09:00`` (the time left out at midnight: a date-only start)."""
    if value.hour == 0 and value.minute == 0:
        return format_date(value)
    return f"{format_date(value)} {value:%H:%M}"


def _measure(value) -> str:
    return format_count(value) if value == int(value) else f"{value:.1f}"


def _audited(scope: Scope) -> dict:
    """The scope's audit as the worker holds it (read whole, never copied)."""
    return ui.load_later(integrity.audit, scope, wait=True)


@ui.cached
def ranked(scope: Scope) -> list[dict]:
    """Flagged units, most flags first, with the names of their checks."""
    result = _audited(scope)
    names = {check["key"]: check["name"] for check in result["checks"]}
    return [
        {**unit, "checks_text": "、".join(names[key] for key in unit["checks"])}
        for unit in result["units"]
    ]


@ui.cached
def check_rows(scope: Scope, key: str = "") -> list[dict]:
    """The rows behind one check's flags, one line per unit and row, as the table writes them."""
    result = _audited(scope)
    check = next(check for check in result["checks"] if check["key"] == key)
    tree = ui.unit_tree()
    # a province's check lists 100 k rows over a few thousand dates and unit sets: each
    # written once
    moment = functools.cache(_moment)

    @functools.cache
    def names(unit_ids: tuple[str, ...]) -> str:
        return "、".join(tree.name(u) for u in dict.fromkeys(unit_ids))

    lines = []
    for unit in check["units"]:
        measure_text = f"{check['measure']}{_measure(unit['measure'])}"
        for row in unit["rows"]:
            lines.append(
                {
                    "unit_id": unit["unit_id"],
                    "unit_name": unit["name"],
                    "measure_text": measure_text,
                    "activity_text": "、".join(row["activity_ids"]),
                    "date_text": "、".join(moment(d) for d in row["dates"]),
                    "units_text": names(tuple(row["unit_ids"])),
                    "person_text": PERSON.format(n=row["person_no"])
                    if row["person_no"] is not None
                    else "",
                    "note": row["note"],
                }
            )
    return lines


@ui.cached
def outline(scope: Scope) -> dict:
    """The audit as the page's top shows it, without the rows: ``{checks, flagged}``, each
    check's entry without its ``units`` list (``units`` True when it flagged any), and
    whether any unit is flagged. Small, so a rerun does not unpickle the whole audit (at a
    province 37 k flagged units with their rows)."""
    result = _audited(scope)
    return {
        "checks": [{**check, "units": bool(check["units"])} for check in result["checks"]],
        "flagged": bool(result["units"]),
    }


def workbook(scope: Scope, checks: list[dict]) -> bytes:
    """Every check's rows, one sheet per check."""
    labels = {column.key: column.label for column in ROW_COLUMNS}
    sheets = [
        (
            f"{check['number']}{check['name']}",
            [
                {column.key: line[column.key] for column in ROW_COLUMNS}
                for line in check_rows(scope, key=check["key"])
            ],
        )
        for check in checks
    ]
    return xlsx.to_xlsx(sheets, labels=labels)


scope = ui.scope_bar()
ui.title("数据可信度")
rules = integrity.rules()
st.caption(INTRO.format(n=len(rules)))

with st.expander(RULES_TITLE, expanded=True):
    st.markdown("\n".join(f"- {RULE_LINE.format(**rule)}" for rule in rules))


@st.fragment(run_every=POLL_SECONDS)
def _rerun_when_audited(scope: Scope) -> None:
    if ui.load_later(integrity.audit, scope) is not None:
        st.rerun()  # the whole page: its tiles and tables can be drawn now
    st.info(LOADING, icon=":material/hourglass_top:")


if ui.load_later(integrity.audit, scope) is None:
    _rerun_when_audited(scope)
    st.stop()
result = outline(scope)
checks = result["checks"]
ui.tiles(
    [
        ui.tile(
            f"{check['number']}. {check['name']}",
            check["flags"],
            format_count,
            unit="处",
            help=TILE_HELP,
        )
        for check in checks
        if check["enabled"]
    ],
    key="integrity",
)
if not result["flagged"]:
    st.success(ALL_CLEAR, icon=":material/check_circle:")
    st.stop()

st.subheader(RANK_TITLE, anchor=False)
ui.table(ranked.rows(scope), RANK_COLUMNS, key="integrity_units", file_name="各阵地被标记情况")
ui.download(
    WORKBOOK_LABEL,
    lambda: workbook(scope, checks),
    file_name=f"数据可信度核查_{ui.unit_name(scope.unit_id)}_{format_date(scope.date_to)}.xlsx",
    key="integrity_workbook",
    help=WORKBOOK_HELP,
    type="primary",
)

for check in checks:
    st.subheader(CHECK_TITLE.format(**check), anchor=False)
    st.caption(check["rule"])
    if not check["enabled"]:
        st.caption(CHECK_OFF)
    elif not check["units"]:
        st.caption(CHECK_CLEAR)
    else:
        ui.table(
            check_rows.rows(scope, key=check["key"]),
            ROW_COLUMNS,
            key=f"integrity_{check['key']}",
            file_name=f"{check['number']}{check['name']}",
        )
