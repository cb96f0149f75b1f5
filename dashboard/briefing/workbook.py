"""The 数据表 workbook: the facts of the text and the breakdowns behind them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from dashboard.briefing.gather import Briefing
from dashboard.briefing.text import Ledger, Text, compose
from dashboard.briefing.wording import (
    FACT_HEADERS,
    SHEET_BRANDS,
    SHEET_CATEGORIES,
    SHEET_FACTS,
    SHEET_MONTHS,
    SHEET_TEXT,
    SHEET_UNITS,
    TEXT_AS_OF,
    TEXT_CONTENT,
    TEXT_COVERAGE,
    TEXT_ITEM,
    TEXT_PARAGRAPH,
    TEXT_SCOPE,
)
from dashboard.metrics.catalog import METRIC_LABELS
from dashboard.numbers import (
    EXCEL_COUNT,
    EXCEL_HOURS,
    EXCEL_PERCENT,
    EXCEL_SCORE,
    format_date,
)
from dashboard.xlsx import to_xlsx

PERCENT_UNIT = "%"
BRAND_ADJUSTED = "满意度修正分"


def exact_in_unit(value: Any, unit: str) -> Any:
    """The exact value in the unit written beside it: a rate (0.8775483533716676) as a
    percentage (87.75483533716676) when the unit is %, anything else as it is."""
    if unit != PERCENT_UNIT or value is None:
        return value
    return float(Decimal(str(value)) * 100)


def fact_rows(text: Text) -> list[dict[str, Any]]:
    """One row per number the text writes, with Chinese headers, for tables and xlsx.
    The exact value is in the row's unit (a rate in %), never rounded."""
    return [
        {
            FACT_HEADERS["n"]: i,
            FACT_HEADERS["label"]: f.label,
            FACT_HEADERS["value"]: exact_in_unit(f.value, f.unit),
            FACT_HEADERS["written"]: f.written,
            FACT_HEADERS["unit"]: f.unit,
            FACT_HEADERS["definition"]: f.definition,
            FACT_HEADERS["scope"]: f.scope,
            FACT_HEADERS["table"]: f.table,
            FACT_HEADERS["rows"]: f.rows,
            FACT_HEADERS["note"]: f.note,
        }
        for i, f in enumerate(text.facts, start=1)
    ]


def breakdown_sheets(b: Briefing) -> dict[str, list[dict[str, Any]]]:
    """The breakdowns behind the charts, with Chinese headers: by unit, brand, month,
    category. Values are exact (rates as fractions, scores unrounded)."""
    label = METRIC_LABELS
    flows = ("activities", "person_times", "volunteer_hours", "volunteer_times", "ratings")

    def measures(row: Mapping[str, Any]) -> dict[str, Any]:
        out = {label[k]: row.get(k) for k in flows if k in row}
        out[label["mean_score"]] = row.get("mean_score")
        out[label["satisfaction_rate"]] = row.get("satisfaction_rate")
        return out

    return {
        SHEET_UNITS: [
            {"阵地编码": r["unit_id"], "阵地": r["name"], "层级": r["level"], **measures(r)}
            | {label["unique_persons"]: r["unique_persons"]}
            for r in b.by_unit
        ],
        SHEET_BRANDS: [
            {
                "品牌编码": r["brand_id"],
                "品牌项目": r["name"],
                "所属阵地": r["unit_name"],
                "服务类别": r["category"],
                **measures(r),
                BRAND_ADJUSTED: r["adjusted_score"],
            }
            for r in b.brands
        ],
        SHEET_MONTHS: [{"月份": r["month"], **measures(r)} for r in b.by_month],
        SHEET_CATEGORIES: [{"服务类别": r["category"], **measures(r)} for r in b.by_category],
    }


def breakdown_formats() -> dict[str, str]:
    """The Excel number format of each measure column of the breakdown sheets, as the
    app's tables write them (counts ``#,##0``, hours one decimal, scores two, rates
    ``0.0%``): every value is cut to those digits and kept exact beside them."""
    label = METRIC_LABELS
    formats = {
        label[k]: EXCEL_COUNT
        for k in ("activities", "person_times", "volunteer_times", "ratings", "unique_persons")
    }
    formats[label["volunteer_hours"]] = EXCEL_HOURS
    formats[label["mean_score"]] = EXCEL_SCORE
    formats[BRAND_ADJUSTED] = EXCEL_SCORE
    formats[label["satisfaction_rate"]] = EXCEL_PERCENT
    return formats


def workbook(b: Briefing, text: Text | None = None) -> bytes:
    """数据表.xlsx: the text, every number in it, and a sheet per breakdown."""
    text = text or compose(b)
    about = [
        {TEXT_ITEM: TEXT_SCOPE, TEXT_CONTENT: Ledger(b).current},
        {TEXT_ITEM: TEXT_AS_OF, TEXT_CONTENT: format_date(b.data_end)},
    ]
    if b.coverage["unknown_reason"]:
        about.append({TEXT_ITEM: TEXT_COVERAGE, TEXT_CONTENT: b.coverage["unknown_reason"]})
    paragraphs = [
        {TEXT_ITEM: TEXT_PARAGRAPH.format(n=n), TEXT_CONTENT: p}
        for n, p in enumerate(text.paragraphs, start=1)
    ]
    sheets: dict[str, list[dict[str, Any]]] = {
        SHEET_TEXT: about + paragraphs,
        SHEET_FACTS: fact_rows(text),
        **breakdown_sheets(b),
    }
    return to_xlsx(sheets, number_formats=breakdown_formats())
