"""Chinese wording of the dashboard, in one place so it reads consistently.

A flat module of constants and dicts: add to it, keep it flat. Code and identifiers are
English; everything a user reads is here.
"""

# --- Units and marks used when writing numbers -----------------------------------
UNIT_WAN = "万"
UNIT_YI = "亿"
MORE_THAN = "余"  # "300余场次": the figure was rounded down
UNIT_SCORE = "分"

# --- Labels of values that are not figures of the one list -------------------------
# (a figure's label is its header in dashboard.metrics.catalog: METRIC_LABELS there)
OTHER_LABELS = {
    "coverage": "覆盖率",
    "effective_coverage": "有效覆盖率",
    "value": "数值",
}

# --- Chart wording ----------------------------------------------------------------
AXIS_MONTH = "月份"
NO_DATA = "暂无数据"
OTHER = "其他"
SCORE_AXIS = "评分"
# Shown under a map when some units could not be placed.
MAP_MISSING_COORDS = "另有{count}个阵地未填经纬度，未在图中显示"
# The source line under an exported chart.
SOURCE_LINE = "数据来源：{source}，截至{as_of}"
SHARE_OF_FIRST = "占首环节"
EXPORT_NO_BROWSER = "导出图片需要本机安装 Chromium 浏览器（Debian：apt-get install chromium）"

# 满意度 1–5, as the ratings template words them.
SCORE_LABELS = {
    1: "非常不满意",
    2: "不满意",
    3: "基本满意",
    4: "满意",
    5: "非常满意",
}

# The order loop: 群众点单 → 中心派单 → 所站接单 → 志愿者送单 → 群众评单.
ORDER_STAGES = ("群众点单", "中心派单", "所站接单", "志愿者送单", "群众评单")
