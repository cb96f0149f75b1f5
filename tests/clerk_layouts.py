"""Ledgers as clerks keep them, written the way Excel/WPS would save them.

Each layout is one file in a layout of its own, with ``truth``: the field each
header should map to, decided by reading the sheet as a person would. Figures
expected after the mapping are written in the tests, counted by hand.

Units (``UNITS``):  ZX1 中心 ─ S1 峡窝镇所 ─ Z1 东林子村站, Z2 西林子村站
                              └ S2 上街镇所 ─ Z3 东林子村站 (same name as Z1), Z4 马固村站
Template activities (``ACTIVITIES``), for sign-ins and ratings to attach to:
  HD1 理论宣讲进村 at Z1 on 2024-06-30; HD2 健康义诊 at Z2 on 2024-07-05.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
import xlwt
from import_helpers import write_csv

UNITS = [
    ["阵地编码", "阵地名称", "层级", "上级编码"],
    ["ZX1", "上街区新时代文明实践中心", "中心", ""],
    ["S1", "峡窝镇新时代文明实践所", "所", "ZX1"],
    ["S2", "上街镇新时代文明实践所", "所", "ZX1"],
    ["Z1", "东林子村新时代文明实践站", "站", "S1"],
    ["Z2", "西林子村新时代文明实践站", "站", "S1"],
    ["Z3", "东林子村新时代文明实践站", "站", "S2"],
    ["Z4", "马固村新时代文明实践站", "站", "S2"],
]
ACTIVITIES = [
    ["活动编码", "活动名称", "阵地编码", "服务类别", "开始时间"],
    ["HD1", "理论宣讲进村", "Z1", "理论宣讲", "2024-06-30 09:00"],
    ["HD2", "健康义诊", "Z2", "卫生健康", "2024-07-05"],
]
TITLE = "峡窝镇2024年新时代文明实践活动统计表"
UNIT_LINE = "填报单位：峡窝镇新时代文明实践所"


@dataclass
class Sheet:
    rows: list[list[object]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1


def write_book(path: Path, sheets: dict[str, Sheet]) -> Path:
    """A workbook as a clerk saves it: text stays text, numbers numbers, merged ranges."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, sheet in sheets.items():
        ws = book.add_worksheet(name)
        covered = {
            (r, c)
            for r0, c0, r1, c1 in sheet.merges
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)
        }
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is None or value == "" or (r, c) in covered:
                    continue
                ws.write_string(r, c, value) if isinstance(value, str) else ws.write(r, c, value)
        for r0, c0, r1, c1 in sheet.merges:
            value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else ""
            ws.merge_range(r0, c0, r1, c1, value)
    book.close()
    return path


def write_xls(path: Path, sheets: dict[str, Sheet]) -> Path:
    """The same workbook as WPS/old Excel save it: BIFF8 .xls (xlwt), merges kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    for name, sheet in sheets.items():
        ws = book.add_sheet(name)
        merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sheet.merges}
        covered = {
            (r, c)
            for (r0, c0), (r1, c1) in merged.items()
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)
        }
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if (r, c) in covered or (r, c) in merged or value is None or value == "":
                    continue
                ws.write(r, c, value)
        for (r0, c0), (r1, c1) in merged.items():
            value = sheet.rows[r0][c0] if c0 < len(sheet.rows[r0]) else ""
            ws.write_merge(r0, r1, c0, c1, value)
    book.save(str(path))
    return path


@dataclass
class Layout:
    name: str
    file: str
    truth: dict[str, str]  # header (as joined) -> field
    write: object  # (folder) -> path
    sheet: str | None = None


def _month_sheets(folder: Path) -> Path:
    header = ["序号", "日期", "活动名称", "开展站点", "活动类别", "参与人数", "备注"]
    june = [
        [TITLE],
        [UNIT_LINE],
        header,
        [1, "6.30", "理论宣讲进村", "东林子村", "宣讲", 40, ""],
        [2, "12", "广场舞展演", "西林子村", "文体", 25, "雨天改期"],
    ]
    july = [[TITLE], [UNIT_LINE], header, [1, "7.2", "暑期课堂", "东林子村", "课堂", 18, ""]]
    merges = [(0, 0, 0, 6), (1, 0, 1, 6)]
    return write_book(
        folder / "峡窝镇2024年活动台账.xlsx",
        {"6月": Sheet(june, merges), "7月": Sheet(july, merges)},
    )


MONTH_SHEETS = Layout(
    "one sheet per month",
    "峡窝镇2024年活动台账.xlsx",
    {
        "序号": "ignore",
        "日期": "start_day",
        "活动名称": "title",
        "开展站点": "unit_name",
        "活动类别": "category",
        "参与人数": "reported_person_times",
        "备注": "ignore",
    },
    _month_sheets,
    "6月",
)


def issue_workbook_rows(rows: list[tuple]) -> Sheet:
    """The 所 workbook of issue 11: title; 3-row merged header 序号 | 年份 | 月份 | 日期 |
    活动名称 | 开展站点 | 活动类别 | 参与人数 → 成人/儿童 → 人数/小时 | 备注; 总合计 right
    under the header. ``rows``: (年份, 月份, 日期, 名称, 站点, 类别, 成人人数, 成人小时,
    儿童人数, 儿童小时)."""
    head = ["序号", "年份", "月份", "日期", "活动名称", "开展站点", "活动类别"]
    out: list[list[object]] = [[TITLE], [*head, "参与人数", "", "", "", "备注"]]
    out.append([""] * 7 + ["成人", "", "儿童", "", ""])
    out.append([""] * 7 + ["人数", "小时", "人数", "小时", ""])
    sums = [sum(r[k] for r in rows) for k in (6, 7, 8, 9)]
    out.append(["总合计", "", "", "", "", "", "", *sums, ""])
    out += [[i + 1, *r, ""] for i, r in enumerate(rows)]
    merges = [(0, 0, 0, 11), *((1, c, 3, c) for c in range(7)), (1, 7, 1, 10)]
    merges += [(2, 7, 2, 8), (2, 9, 2, 10), (1, 11, 3, 11)]
    return Sheet(out, merges)


ISSUE_ROWS = [
    (2024, 6, "6.30", "理论宣讲进村", "东林子村新时代文明实践站", "宣讲", 20, 40, 5, 10),
    (2024, 6, "6.12", "广场舞", "西林子村", "文体", 30, 0, 0, 0),
    (2024, 6, "6.15", "亲子阅读", "马固村", "教育", 8, 16, 12, 24),
]


def _three_rows(folder: Path) -> Path:
    return write_book(folder / "2024年活动台账.xlsx", {"Sheet1": issue_workbook_rows(ISSUE_ROWS)})


THREE_ROWS = Layout(
    "three-row merged header with group headcounts and 总合计 under it",
    "2024年活动台账.xlsx",
    {
        "序号": "ignore",
        "年份": "start_year",
        "月份": "start_month",
        "日期": "start_day",
        "活动名称": "title",
        "开展站点": "unit_name",
        "活动类别": "category",
        "参与人数/成人/人数": "headcount_by_group:成人",
        "参与人数/成人/小时": "hours_by_group:成人",
        "参与人数/儿童/人数": "headcount_by_group:儿童",
        "参与人数/儿童/小时": "hours_by_group:儿童",
        "备注": "ignore",
    },
    _three_rows,
)


def _total_under_header(folder: Path) -> Path:
    rows = [
        ["上街镇新时代文明实践活动登记表"],
        ["填报单位：上街镇新时代文明实践所"],
        ["活动时间", "活动主题", "承办站点", "类别", "服务人次", "活动地点"],
        ["总合计", "", "", "", 95, ""],
        ["2024-06-03 09:00", "反诈宣传", "马固村", "反诈", 50, "村委会"],
        ["2024-06-10 14:30", "义诊进社区", "东林子村", "义诊", 45, "卫生室"],
        ["小计", "", "", "", 95, ""],
    ]
    return write_book(folder / "上街镇6月活动.xlsx", {"6月": Sheet(rows, [(0, 0, 0, 5)])})


TOTAL_UNDER_HEADER = Layout(
    "总合计 right under the header, 小计 at the end",
    "上街镇6月活动.xlsx",
    {
        "活动时间": "start_at",
        "活动主题": "title",
        "承办站点": "unit_name",
        "类别": "category",
        "服务人次": "reported_person_times",
        "活动地点": "location",
    },
    _total_under_header,
)


def _wide_groups(folder: Path) -> Path:
    rows = [
        ["活动名称", "活动日期", "开展站点", "服务类别", "参加人数", "", "", "", "志愿者人数"],
        ["", "", "", "", "老年人", "儿童", "残疾人", "合计", ""],
        ["重阳敬老", "2024-10-11", "东林子村", "关爱帮扶", 30, 0, 2, 32, 6],
        ["四点半课堂", "2024-10-15", "西林子村", "教育服务", 0, 25, "", 25, 3],
    ]
    merges = [(1, c, 2, c) for c in (0, 1, 2, 3, 8)] + [(1, 4, 1, 7)]
    return write_book(folder / "峡窝镇10月.xlsx", {"10月": Sheet([[UNIT_LINE], *rows], merges)})


WIDE_GROUPS = Layout(
    "wide group headcounts with a total column",
    "峡窝镇10月.xlsx",
    {
        "活动名称": "title",
        "活动日期": "start_at",
        "开展站点": "unit_name",
        "服务类别": "category",
        "参加人数/老年人": "headcount_by_group:老年人",
        "参加人数/儿童": "headcount_by_group:儿童",
        "参加人数/残疾人": "headcount_by_group:残疾人",
        "参加人数/合计": "reported_person_times",
        "志愿者人数": "volunteer_count",
    },
    _wide_groups,
)


def _names_only(folder: Path) -> Path:
    rows = [
        ["活动名称", "活动日期", "阵地名称", "服务类别", "参与人次"],
        ["移风易俗宣讲", "2024/6/3", "马固村 新时代文明实践站", "移风易俗", 60],
        ["科普讲座", "2024/6/5", "西林子村新时代文明实践站", "科普", 35],
        ["书法课", "2024/6/8", "马固村", "教育", 12],
        ["电影放映", "2024/6/9", "东林子村", "文化服务", 80],
        ["健身操", "2024/6/9", "不存在村", "健身", 20],
    ]
    return write_csv(folder / "区级汇总6月.csv", rows)


NAMES_ONLY = Layout(
    "names only, no codes",
    "区级汇总6月.csv",
    {
        "活动名称": "title",
        "活动日期": "start_at",
        "阵地名称": "unit_name",
        "服务类别": "category",
        "参与人次": "reported_person_times",
    },
    _names_only,
)


def _split_date_rows() -> list[list[object]]:
    return [
        [TITLE],
        [UNIT_LINE],
        ["年份", "月份", "日期", "时间", "活动名称", "站点", "类别", "人数"],
        [2024, 6, "6.30", "上午9:00", "党史宣讲", "东林子村", "宣讲", 30],
        [2024, 6, "6月28日", "下午2:30", "健康讲座", "西林子村", "健康", 22],
        [2024, 6, "30", "", "消夏晚会", "西林子村", "文艺", 150],
        [2024, 7, "2024.7.1", "", "建党节宣讲", "东林子村", "宣讲", 41],
        [2024, 7, "7.2-7.4", "", "暑期托管", "东林子村", "一老一小", 26],
    ]


def _split_date(folder: Path) -> Path:
    return write_book(
        folder / "峡窝镇台账（分列日期）.xlsx", {"台账": Sheet(_split_date_rows(), [])}
    )


SPLIT_DATE = Layout(
    "年份/月份/日期 split, days written 6.30",
    "峡窝镇台账（分列日期）.xlsx",
    {
        "年份": "start_year",
        "月份": "start_month",
        "日期": "start_day",
        "时间": "start_time",
        "活动名称": "title",
        "站点": "unit_name",
        "类别": "category",
        "人数": "reported_person_times",
    },
    _split_date,
)


def _split_date_xls(folder: Path) -> Path:
    """The split-date ledger saved as .xls, its title merged over the columns."""
    rows = _split_date_rows()
    return write_xls(folder / "峡窝镇台账（WPS）.xls", {"台账": Sheet(rows, [(0, 0, 0, 7)])})


SPLIT_DATE_XLS = Layout(
    "a .xls saved by WPS, dates split, title merged",
    "峡窝镇台账（WPS）.xls",
    SPLIT_DATE.truth,
    _split_date_xls,
)


def _merged_serial(folder: Path) -> Path:
    rows = [
        [TITLE],
        ["序号", "活动日期", "开展站点", "活动名称", "活动类别", "参与人数"],
        [1, "2024-05-04", "西林子村", "青年读书会", "文化活动", 20],
        ["", "", "", "青年志愿服务", "便民", 15],
        [2, "2024-05-20", "马固村", "义务理发", "便民", 33],
        ["", "", "", "健康检查", "义诊", 40],
        ["", "", "", "防溺水宣传", "法治", 55],
    ]
    merges = [(0, 0, 0, 5), (2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 3, 2)]
    merges += [(4, 0, 6, 0), (4, 1, 6, 1), (4, 2, 6, 2)]
    return write_book(folder / "5月活动（合并单元格）.xlsx", {"5月": Sheet(rows, merges)})


MERGED_SERIAL = Layout(
    "序号, date and site merged over several activities",
    "5月活动（合并单元格）.xlsx",
    {
        "序号": "ignore",
        "活动日期": "start_at",
        "开展站点": "unit_name",
        "活动名称": "title",
        "活动类别": "category",
        "参与人数": "reported_person_times",
    },
    _merged_serial,
)


def _photo_column(folder: Path) -> Path:
    rows = [
        ["峡窝镇2024年8月新时代文明实践活动台账"],
        ["序号", "活动日期", "活动名称", "开展站点", "活动类别", "参与人数", "活动照片"],
        [1, "2024年8月1日", "八一慰问老兵", "东林子村", "关爱", 12, "IMG_0801.jpg"],
        [2, "2024年8月9日", "纳凉晚会", "西林子村", "文艺演出", 200, "见附件"],
    ]
    return write_csv(folder / "8月台账.csv", [[UNIT_LINE], *rows], encoding="gbk")


PHOTO_COLUMN = Layout(
    "a 照片 column, GBK CSV",
    "8月台账.csv",
    {
        "序号": "ignore",
        "活动日期": "start_at",
        "活动名称": "title",
        "开展站点": "unit_name",
        "活动类别": "category",
        "参与人数": "reported_person_times",
        "活动照片": "ignore",
    },
    _photo_column,
)


def _note_total(folder: Path) -> Path:
    rows = [
        [UNIT_LINE],
        ["活动日期", "活动名称", "开展站点", "活动类别", "参与人数", "志愿者人数", "备注"],
        ["2024-09-02", "开学第一课", "东林子村", "教育", 45, 4, "合计3场中第1场"],
        ["2024-09-10", "教师节慰问", "西林子村", "关爱", 16, 2, ""],
        ["", "", "", "", 61, 6, "合计"],
    ]
    return write_book(folder / "9月台账.xlsx", {"9月": Sheet(rows, [])})


NOTE_TOTAL = Layout(
    "备注 holding 合计",
    "9月台账.xlsx",
    {
        "活动日期": "start_at",
        "活动名称": "title",
        "开展站点": "unit_name",
        "活动类别": "category",
        "参与人数": "reported_person_times",
        "志愿者人数": "volunteer_count",
        "备注": "ignore",
    },
    _note_total,
)


def _sign_in(folder: Path) -> Path:
    rows = [
        ["东林子村新时代文明实践站活动签到表"],
        ["填报单位：东林子村新时代文明实践站"],
        ["序号", "姓名", "联系电话", "活动名称", "签到日期"],
        [1, "张三", "13800138000", "理论宣讲进村", "2024-06-30"],
        [2, "李四", "13900139000", "理论宣讲进村", "2024-06-30"],
        [3, "张三", "13700137000", "理论宣讲进村", "2024-06-30"],
        [4, "王五", "13600136000", "不存在的活动", "2024-06-30"],
    ]
    return write_book(folder / "签到表.xlsx", {"签到": Sheet(rows, [(0, 0, 0, 4)])})


SIGN_IN = Layout(
    "a sign-in sheet with 姓名 and 电话",
    "签到表.xlsx",
    {
        "序号": "ignore",
        "姓名": "person_name",
        "联系电话": "phone",
        "活动名称": "activity_title",
        "签到日期": "start_day",
    },
    _sign_in,
)


def _ratings(folder: Path) -> Path:
    rows = [
        ["群众评价表"],
        ["活动名称", "活动日期", "开展站点", "满意程度", "意见建议"],
        ["理论宣讲进村", "2024-06-30", "东林子村", "★★★★☆", "讲得很实在"],
        ["理论宣讲进村", "2024-06-30", "东林子村", "★★★★★", ""],
        ["健康义诊", "2024-07-05", "西林子村", "满意", "希望常来"],
        ["健康义诊", "2024-07-05", "西林子村", "★★☆☆☆", "排队太久"],
    ]
    return write_book(folder / "评价表.xlsx", {"评价": Sheet([[UNIT_LINE], *rows], [])})


RATINGS = Layout(
    "ratings with ★★★★☆ and 意见",
    "评价表.xlsx",
    {
        "活动名称": "activity_title",
        "活动日期": "start_day",
        "开展站点": "unit_name",
        "满意程度": "score",
        "意见建议": "comment",
    },
    _ratings,
)


def _orders(folder: Path) -> Path:
    rows = [
        ["群众点单登记表"],
        ["单号", "点单时间", "点单站点", "需求类别", "需求内容", "办理状态", "办结时间"],
        [
            "D001",
            "2024-06-01 10:00",
            "东林子村",
            "义诊",
            "老人测血压",
            "已完成",
            "2024-06-05 16:00",
        ],
        ["D002", "2024-06-03 09:30", "西林子村", "便民", "修家电", "已接单", ""],
        ["D003", "2024-06-04 15:00", "马固村", "普法", "婚姻法咨询", "待派单", ""],
    ]
    return write_book(folder / "点单登记.xlsx", {"点单": Sheet([[UNIT_LINE], *rows], [])})


ORDERS = Layout(
    "orders with Chinese status words",
    "点单登记.xlsx",
    {
        "单号": "order_id",
        "点单时间": "ordered_at",
        "点单站点": "unit_name",
        "需求类别": "category",
        "需求内容": "content",
        "办理状态": "status",
        "办结时间": "completed_at",
    },
    _orders,
)

LAYOUTS = [
    MONTH_SHEETS,
    THREE_ROWS,
    TOTAL_UNDER_HEADER,
    WIDE_GROUPS,
    NAMES_ONLY,
    SPLIT_DATE,
    SPLIT_DATE_XLS,
    MERGED_SERIAL,
    PHOTO_COLUMN,
    NOTE_TOTAL,
    SIGN_IN,
    RATINGS,
    ORDERS,
]
