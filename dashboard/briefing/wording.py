"""Every word of the briefing kit: paragraph templates, labels, file and sheet
names, CLI help and messages, and each figure's 口径 (``DEFINITIONS``)."""

from __future__ import annotations

from dashboard.metrics.catalog import FIGURES

LEVEL_WORDS = {
    "省": "省级中心",
    "市": "市级中心",
    "中心": "中心",
    "所": "实践所",
    "站": "实践站",
    "点": "实践点",
    "基地": "实践基地",
}
# Who "各…" are below a scope unit of each level (seed 003: 各新时代文明实践所(站)).
MEMBERS = {
    "省": "各级新时代文明实践阵地",
    "市": "各级新时代文明实践阵地",
    "中心": "各新时代文明实践所站",
    "所": "各新时代文明实践站",
}
ALL_MEMBERS = "各新时代文明实践阵地"
ALL_UNITS = "全部阵地"
# "全区" for a 中心 named …区…, "全镇" / "全街道" for a 所 (longest ending first).
WHOLE_ENDINGS = {
    "省": ("省", "区", "市"),
    "市": ("市", "州", "盟"),
    "中心": ("区", "县", "市", "旗"),
    "所": ("街道", "苏木", "镇", "乡"),
}
OFFICE = "中共{place}委宣传部"
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
SINCE_NEW_YEAR = "今年以来"  # only while the year runs: 1 January to the as-of date

P_ACTIVITIES = "{period}，{area}累计开展活动{activities}场次{c_activities}，服务群众{person_times}人次{c_person_times}"
P_UNIQUE = "，服务人数{unique_persons}人（按实名签到去重）"
P_VOLUNTEERS = "；组织志愿者{volunteer_times}人次{c_volunteer_times}参与志愿服务"
P_HOURS = "，志愿服务时长{volunteer_hours}小时{c_volunteer_hours}"
P_HOURS_ONLY = "；志愿服务时长{volunteer_hours}小时{c_volunteer_hours}"
P_NO_ACTIVITY = "{period}，{area}暂无活动记录。"
PREFIX = "新时代文明实践"
P_UNITS = "阵地建设方面，{place}现有新时代文明实践{inventory}。"
P_UNITS_BELOW = "阵地建设方面，{place}下设新时代文明实践{inventory}。"
P_COVERAGE = (
    "辖区内{villages}个村（社区）中，已有{covered}个纳入新时代文明实践站服务范围，覆盖率{rate}；"
    "其中由开展活动{effective_min}场次及以上（期内新挂牌的按挂牌后月数折算）的实践站服务的有{effective}个，有效覆盖率{effective_rate}。"
)
P_BRANDS = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，{active}个开展了活动：{items}。"
P_BRANDS_TOP = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，{active}个开展了活动，服务群众较多的有：{items}。"
P_BRANDS_IDLE = "品牌项目方面，{place}共有文明实践品牌项目{brands}个，期内均未开展活动。"
P_BRAND = "“{name}”开展活动{activities}场次，服务群众{person_times}人次"
P_BRAND_SCORE = "，满意度均分{mean_score}"
P_ORDERS = "群众点单方面，受理群众点单{orders}单"
P_CANCELLED = "（已取消{cancelled}单）"
P_COMPLETED = "，已办结{completed}单，办结率{completion_rate}"
P_ACCEPT = "，从点单到接单用时的中位数为{median_accept_hours}小时"
P_RATINGS = (
    "群众评单方面，收到群众评价{ratings}条，满意率{satisfaction_rate}，满意度均分{mean_score}。"
)
CHANGE_UP = "（同比增长{percent}）"
CHANGE_DOWN = "（同比下降{percent}）"
CHANGE_FLAT = "（与去年同期持平）"
CHANGE_TINY_UP = "（同比增长不足0.1%）"
CHANGE_TINY_DOWN = "（同比下降不足0.1%）"

SCOPE_TEXT = "{unit}，{date_from}至{date_to}"
SCOPE_UNIT = "{name}及下属阵地"
PREVIOUS = "（去年同期）"
SOURCE = "{place}新时代文明实践台账"
SOURCE_UNIT = "{name}台账"
MASTHEAD = "{place}新时代文明实践简报"
HEADLINE = "{place}{period}新时代文明实践工作情况"
ISSUE = "第 {issue} 期"
ISSUE_BLANK = "××"
CAPTION = "图{n}　{title}"
APPENDIX = "附件：口径说明"
APPENDIX_SCOPE = "统计范围：{scope}。数据截至{as_of}。数字按简报写法向下取整（“余”表示有舍去），阵地、品牌、村（社区）等个数照实写。"
APPENDIX_ITEM = "{n}. {label}：{definition}"
DISTRIBUTION = ("本期送：", "发：", "责任编辑：")

# Chart titles state scope and period; file names are the stems below.
CHART_TREND = ("01_月度趋势", "{place}{period}各月活动场次")
CHART_UNITS = ("02_分单位", "{place}{period}各单位活动场次")
CHART_CATEGORIES = ("03_分类别", "{place}{period}活动类别构成")
CHART_BRANDS = ("04_品牌排行", "{place}{period}品牌项目服务人次排行")
CHART_SATISFACTION = ("05_满意度", "{place}{period}各单位群众满意率")
RATED_LABEL = "{name}（{ratings}条评价）"

FILE_TEXT = "简报文字.txt"
FILE_XLSX = "数据表.xlsx"
FILE_DOCX = "简报初稿.docx"
FILE_ZIP = "图表.zip"
DIR_CHARTS = "图表"

SHEET_TEXT = "简报文字"
TEXT_ITEM, TEXT_CONTENT = "项目", "内容"
TEXT_SCOPE, TEXT_AS_OF, TEXT_COVERAGE = "统计范围", "数据截至", "覆盖率未写入的原因"
TEXT_PARAGRAPH = "第{n}段"
SHEET_FACTS = "简报数字"
SHEET_UNITS = "按单位"
SHEET_BRANDS = "按品牌"
SHEET_MONTHS = "按月份"
SHEET_CATEGORIES = "按类别"
FACT_HEADERS = {
    "n": "序号",
    "label": "指标",
    "value": "精确值",
    "written": "简报写法",
    "unit": "单位",
    "definition": "口径",
    "scope": "范围",
    "table": "来源表",
    "rows": "来源行数",
    "note": "说明",
}

HELP_DB = "数据仓库文件（默认：环境变量 WENMING_DB，或 data/warehouse.duckdb）"
HELP_FROM = "统计期间起始日期，YYYY-MM-DD（含当天）"
HELP_TO = "统计期间结束日期，YYYY-MM-DD（含当天）"
HELP_UNIT = "阵地编码：统计该阵地及其下属阵地；不填则统计全部"
HELP_OUT = "输出目录（不存在则新建；同名文件会被覆盖）"
HELP_ISSUE = "期号，如 12（不填则留“××”待填）"
HELP_OFFICE = "发文单位（默认按阵地推断，如“中共上街区委宣传部”）"
HELP_DATE = "印发日期，YYYY-MM-DD（默认今天）"
HELP_NO_CHARTS = "不导出图表（不需要 Chromium；Word 初稿不含图表）"
MSG_ERROR = "错误：{error}"
MSG_WRITTEN = "已生成：{path}"
MSG_NO_CHARTS = "未能导出图表：{error}。文字、数据表和不含图表的 Word 初稿已生成。"
MSG_DONE = "简报素材已写入 {out}（用时 {seconds:.1f} 秒）"

# key → (指标, 单位, 来源表, 口径): every figure of the one list (dashboard.metrics.catalog),
# and the few the briefing alone writes
_BRIEFING_ONLY: dict[str, tuple[str, str, str, str]] = {
    "brands": ("品牌项目数", "个", "品牌项目", "所属阵地在范围内的品牌项目个数。"),
    "active_brands": (
        "开展活动的品牌项目数",
        "个",
        "品牌项目、活动",
        "期内有活动的品牌项目个数。",
    ),
    "brand_activities": (
        "品牌项目活动场次",
        "场次",
        "活动",
        "该品牌项目开始日期在统计期间内的活动场数（不论由哪个阵地承办）。",
    ),
    "brand_person_times": (
        "品牌项目服务人次",
        "人次",
        "活动、参与记录",
        "该品牌项目期内活动的服务人次之和，每场活动的算法同“服务人次”。",
    ),
    "brand_mean_score": (
        "品牌项目满意度均分",
        "分",
        "评价",
        "该品牌项目期内活动所有评价分数（1—5分）的平均值。",
    ),
    "change": (
        "同比",
        "%",
        "活动",
        "（本期 − 去年同期）÷ 去年同期；去年同期为统计期间前移一年（截至本期数据截止日的前一年同日），"
        "去年同期为0或无数据时不计算。",
    ),
}
DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    **{f.key: (f.name, f.unit, f.table, f.definition) for f in FIGURES},
    **_BRIEFING_ONLY,
}
