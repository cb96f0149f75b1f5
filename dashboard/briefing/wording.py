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
PAGE_NUMBER = "— {page} —"  # GB/T 9704: 4号半角宋体阿拉伯数字, a dash either side
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

# --- 存在问题 and 下一步工作 (dashboard.briefing.problems) ---------------------------------
PROBLEMS_HEAD = "工作中还存在一些不足："
ACTIONS_HEAD = "下一步，将重点抓好以下工作："
ORDINALS = ("一是", "二是", "三是", "四是")
SENTENCE_END, SENTENCE_SEPARATOR, PART_SEPARATOR = "。", "；", "，"
ITEM_SEPARATOR = "、"
SAMPLE_MORE = "等"
P_LOW = "{n}个活动或品牌项目的群众满意度修正分低于{threshold}，{items}"
P_LOW_ITEM = "{unit}“{name}”修正分{score}（满意率{rate}）"
A_LOW = "针对{items}满意度偏低的问题，逐条梳理群众意见，调整活动内容和形式"
A_LOW_MORE = "{items}等{n}个活动和项目"
P_IDLE = "{n}个实践站已连续{days}天以上未开展活动，{items}"
P_IDLE_ITEM = "{name}已{days}天"
A_IDLE = "督促{items}制定活动计划，尽快恢复常态化开展活动"
A_IDLE_MORE = "{items}等{n}个实践站"
P_TARGETS = "{n}个实践所年度目标完成进度落后于时间进度（{elapsed}），{items}"
P_TARGETS_UNMET = "{n}个实践所未完成年度目标，{items}"
P_TARGET_ITEM = "{unit}{metrics}"
P_TARGET_METRIC = "{metric}完成{progress}"
TOWN_SEPARATOR = "，"
TARGET_NOTE = "完成值{actual}，目标值{target}"
A_TARGETS = "对{items}加强调度，逐项分析差距，确保完成年度目标"
A_TARGETS_MORE = "{items}等{n}个实践所"
P_COVERAGE_GAP = "{n}个村（社区）尚未纳入实践站服务范围（{items}）"
P_COVERAGE_WEAK = "{n}个村（社区）的实践站期内开展活动不足{min}场（{items}）"
A_COVERAGE_GAP = "推动{items}纳入实践站服务范围"
A_COVERAGE_WEAK = "督促服务{items}的实践站常态化开展活动，提升有效覆盖率"
A_VILLAGES_MORE = "{items}等{n}个村（社区）"
ACTION_LABEL = "下一步工作：{name}"

DEFINITIONS |= {
    "low_items": (
        "满意度偏低的活动和项目数",
        "个",
        "评价、活动、品牌项目",
        "满意度修正分低于阈值的品牌项目和活动个数（其品牌已列出的活动不重复计）；"
        "修正分把均分按评价条数向范围均分收缩，见“群众满意度”页。",
    ),
    "low_score": (
        "满意度修正分",
        "分",
        "评价",
        "（评分之和 + 5 × 范围均分）÷（评价条数 + 5），范围均分不低于阈值。",
    ),
    "idle_stations": (
        "长期未开展活动的实践站数",
        "个",
        "阵地、活动",
        "期末前已挂牌、截至期末连续{days}天以上没有活动（含所属实践点）的实践站个数。",
    ),
    "idle_days": (
        "未开展活动天数",
        "天",
        "活动",
        "从最近一次活动次日（期内没有活动的，从期初或挂牌日）到期末的天数。",
    ),
    "behind_towns": (
        "目标进度滞后的实践所数",
        "个",
        "目标、活动、评价",
        "有年度目标、完成进度低于时间进度（年度结束后为未完成）的实践所个数。",
    ),
    "target_progress": (
        "目标完成进度",
        "%",
        "目标、活动、评价",
        "1月1日至数据截至日的完成值 ÷ 年度目标值。",
    ),
    "year_elapsed": ("时间进度", "%", "目标", "1月1日至数据截至日的天数 ÷ 全年天数。"),
    "uncovered": (
        "未覆盖村（社区）数",
        "个",
        "阵地、区划",
        "范围所辖村（社区）中，没有期末前已挂牌的实践站服务的个数。",
    ),
    "weak": (
        "活动不足的村（社区）数",
        "个",
        "阵地、区划、活动",
        "已纳入服务范围、但服务它的实践站期内开展活动都少于{min}场的村（社区）个数。",
    ),
}
# --- the practices' paragraphs (dashboard.metrics.practices) ---------------------------------
P_FIVE_HAVES = "五有建设方面，{units}个实践所、站中{full}个五项全部达标，其中{parts}"
P_FIVE_HAVES_PART = "{name}{n}个"
P_FIVE_HAVES_NOT_SENT = "；{names}所需信息未报送"
P_FIVE_HAVES_UNREPORTED = "（另有{n}个所站部分项目未报送，未计入达标）"
P_RANKINGS = "{year}年{quarter}红灰黑榜评出：{stations}个实践站参评，红榜{red}个、灰榜{grey}个、黑榜{black}个"
P_RANKINGS_RED = "，红榜为{names}"
P_THREE_LISTS = (
    "三张清单方面，群众点单{demand}单，开展活动{delivered}场，其中来自群众点单{from_orders}场"
)
P_THREE_LISTS_GAPS = "；{gaps}个服务类别有点单但无对应志愿服务队伍或品牌项目（{names}）"
P_POINTS = "积分激励方面，志愿者服务{hours}小时，获得积分{earned}分"
P_POINTS_REDEEMED = "，爱心超市兑换积分{redeemed}分"
P_POINTS_ONLY_REDEEMED = "积分激励方面，爱心超市兑换积分{redeemed}分"
P_POINTS_PERSONS = "，{persons}人参与"
P_STARS = "星级志愿者{starred}名（{levels}）"
P_STARS_LEVEL = "{name}{n}名"
P_STARS_PROMOTED = "，本期新晋星级{promoted}名"
STAR_WORDS = ("一星", "二星", "三星", "四星", "五星")
RED_NAMES_SHOWN = 3  # the 红榜 stations the paragraph names, at most

DEFINITIONS.update(
    {
        "five_haves_units": ("参评所站数", "个", "阵地", "统计范围内的实践所和实践站。"),
        "five_haves_full": (
            "五有全达标所站数",
            "个",
            "阵地、志愿服务队伍、活动、品牌项目",
            "有机制、有阵地、有队伍、有活动、有项目五项全部为“是”的所站；未报送的项不算达标。",
        ),
        "five_haves_part": (
            "五有单项达标数",
            "个",
            "阵地、志愿服务队伍、活动、品牌项目",
            "该项为“是”的所站数（口径见 docs/figures.md 五有）。",
        ),
        "five_haves_unreported": (
            "部分项目未报送的所站数",
            "个",
            "阵地、志愿服务队伍",
            "至少有一项因未报送所需信息而无法判断的所站。",
        ),
        "rankings_list": (
            "红灰黑榜站数",
            "个",
            "活动、评价、点单",
            "季度站点得分（活动40分、满意度30分、点单办结30分）排出的榜单站数；口径见 docs/figures.md。",
        ),
        "three_lists_demand": (
            "需求清单点单数",
            "单",
            "点单",
            "期内点单阵地在范围内的群众点单数。",
        ),
        "three_lists_delivered": ("服务清单活动数", "场", "活动", "期内范围内开展的活动场数。"),
        "three_lists_from_orders": (
            "来自群众点单的活动数",
            "场",
            "活动",
            "来源为群众点单或填有点单编号的活动。",
        ),
        "three_lists_gaps": (
            "供需缺口类别数",
            "个",
            "点单、志愿服务队伍、品牌项目",
            "有群众点单、但范围内没有同类别志愿服务队伍和品牌项目的服务类别数。",
        ),
        "points_hours": (
            "志愿者个人服务时长",
            "小时",
            "参与记录",
            "期内范围内活动中志愿者个人服务时长之和。",
        ),
        "points_earned": (
            "获得积分",
            "分",
            "参与记录",
            "每小时积分 × 志愿者个人服务时长（另加群众签到积分）。",
        ),
        "points_redeemed": ("兑换积分", "分", "积分兑换", "期内范围内爱心超市兑换的积分之和。"),
        "points_persons": (
            "积分参与人数",
            "人",
            "参与记录、积分兑换",
            "期内获得或兑换积分的人数。",
        ),
        "stars_starred": (
            "星级志愿者人数",
            "人",
            "参与记录",
            "截至期末在范围内累计服务时长达到一星及以上的志愿者人数。",
        ),
        "stars_level": (
            "各星级志愿者人数",
            "人",
            "参与记录",
            "按累计服务时长评定星级的志愿者人数。",
        ),
        "stars_promoted": (
            "本期晋星人数",
            "人",
            "参与记录",
            "期初星级低于期末星级的志愿者人数。",
        ),
    }
)
