"""``wenming audit``: the integrity audit (数据可信度核查) of one scope, as JSON or as a
readable Chinese list.

``build_audit(wh, scope)`` returns the JSON document described by
docs/schemas/audit.schema.json: per check, per unit, the count, the measure and the rows
(activity ids, dates, units; persons only as their pseudonymous number). It lists what is
suspicious and never changes a figure.
"""

from __future__ import annotations

import argparse
from typing import Any

from dashboard import report
from dashboard.metrics import Scope, integrity, resolve
from dashboard.numbers import format_date
from dashboard.report import _jsonable
from dashboard.warehouse import Warehouse

HELP_JSON = "输出 JSON（字段见 docs/schemas/audit.schema.json）"
TEXT_TITLE = "数据可信度核查"
TEXT_NONE = "  未发现"
TEXT_OFF = "  （已在配置中关闭）"
TEXT_UNIT = "  {name}（{unit_id}）：{count}处，{measure_label}{measure}"
TEXT_ROW = "    - {ids}｜{dates}｜{note}"
TEXT_ROWS = 5  # rows listed per unit in the text; the JSON lists all
MORE_ROWS = "    ……另有{n}处，完整列表见 --json 输出"


def configure(parser: argparse.ArgumentParser) -> None:
    report.configure_scope(parser, HELP_JSON)


def run(args: argparse.Namespace) -> int:
    return report.run_scoped(args, build_audit, render_text)


def build_audit(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The audit of one scope as a JSON-ready dict (see audit.schema.json)."""
    unit = resolve(wh, scope)
    result = integrity.audit(wh, scope)
    return _jsonable(
        {
            "scope": {
                "date_from": scope.date_from,
                "date_to": scope.date_to,
                "unit_id": scope.unit_id,
                "unit_name": unit["name"] if unit else None,
            },
            "as_of": wh.as_of,
            "checks": result["checks"],
            "units": result["units"],
        }
    )


def render_text(document: dict[str, Any]) -> str:
    """The audit for a person to read, in Chinese."""
    scope = document["scope"]
    where = (
        f"{scope['unit_name']}（{scope['unit_id']}）及下属阵地" if scope["unit_id"] else "全部阵地"
    )
    lines = [
        TEXT_TITLE,
        f"范围：{where}",
        f"期间：{format_date(scope['date_from'])}至{format_date(scope['date_to'])}",
    ]
    for check in document["checks"]:
        lines += ["", f"{check['number']}. {check['name']}：{check['rule']}"]
        if not check["enabled"]:
            lines.append(TEXT_OFF)
            continue
        if not check["units"]:
            lines.append(TEXT_NONE)
        for unit in check["units"]:
            measure = unit["measure"]
            lines.append(
                TEXT_UNIT.format(
                    name=unit["name"],
                    unit_id=unit["unit_id"],
                    count=unit["count"],
                    measure_label=check["measure"],
                    measure=f"{measure:.1f}" if isinstance(measure, float) else measure,
                )
            )
            for row in unit["rows"][:TEXT_ROWS]:
                lines.append(
                    TEXT_ROW.format(
                        ids="、".join(row["activity_ids"]),
                        dates="、".join(d[:16].replace("T", " ") for d in row["dates"]),
                        note=row["note"],
                    )
                )
            if len(unit["rows"]) > TEXT_ROWS:
                lines.append(MORE_ROWS.format(n=len(unit["rows"]) - TEXT_ROWS))
    return "\n".join(lines)
