"""The import template workbook (导入模板.xlsx): one sheet per table, header + two examples.

Header cells carry a comment with the column's rule; required headers are red.
The examples are consistent across sheets, so the template itself imports cleanly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from pipelines.contract import CATEGORIES, TABLE_SPECS, Column
from pipelines.settings import TABLES, TEMPLATE_PATH

KIND_HELP = {
    "id": "编码（文本）",
    "text": "文本",
    "date": "日期，如 2025-03-05、2025/3/5、2025年3月5日",
    "datetime": "日期时间，如 2025-03-05 14:30；只写日期也可以",
    "int": "整数",
    "decimal": "数字",
    "enum": "从规定值中选填",
    "score": "1–5分，或 ★★★★☆，或 非常满意/满意/基本满意/不满意/非常不满意",
    "codes": "12位区划代码，多个用分号、顿号或逗号分隔",
    "bool": "是 / 否",
}


def _comment(col: Column) -> str:
    parts = ["必填" if col.required else "选填", KIND_HELP.get(col.kind, "")]
    if col.aliases:
        parts.append("也可写作：" + "、".join(col.aliases))
    if col.key == "category":
        parts.append("可填：" + "、".join(CATEGORIES))
    return "；".join(p for p in parts if p)


def write_template(path: Path = TEMPLATE_PATH) -> Path:
    """Write the template workbook; byte-stable for the same code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": "文明实践台账导入模板", "created": dt.datetime(2025, 1, 1)})
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    head_required = workbook.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "font_color": "#C00000"}
    )
    text = workbook.add_format({"num_format": "@"})
    for table in TABLES:
        spec = TABLE_SPECS[table]
        sheet = workbook.add_worksheet(spec.zh)
        for j, col in enumerate(spec.columns):
            sheet.write_string(0, j, col.zh, head_required if col.required else head)
            sheet.write_comment(0, j, _comment(col), {"x_scale": 2, "y_scale": 1.5})
            for i, value in enumerate(col.example):
                if value:
                    sheet.write_string(i + 1, j, value, text)
            sheet.set_column(j, j, max(12, len(col.zh) * 2.2))
        sheet.freeze_panes(1, 0)
    workbook.close()
    return path


if __name__ == "__main__":
    print(write_template())
