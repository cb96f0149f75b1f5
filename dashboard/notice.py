"""The 红灰黑榜 公示: one quarter's three lists as a printable A4 page (HTML with print CSS).

A pure function of ``practices.rankings``' result: data in, an HTML document out. The
browser prints it on A4 (``@page``), one list after another, each station with its
score's parts, as 白音他拉 posts its 一季一公示.
"""

from __future__ import annotations

from html import escape
from typing import Any

from dashboard.numbers import format_date

NOTICE_TITLE = "{scope}{year}年{quarter}新时代文明实践站红灰黑榜公示"
QUARTER_WORDS = ("第一季度", "第二季度", "第三季度", "第四季度")
NOTICE_INTRO = (
    "根据各站{date_from}至{date_to}的活动开展、群众满意度和点单办结情况，"
    "按“一季一公示、年度一考评”的要求，现将本季度红灰黑榜公示如下。"
)
NOTICE_RULE = (
    "得分（满分100）= 活动{w_act:g}分 × 月均活动场次达标程度 + 满意度{w_sat:g}分 × （修正分−1）÷4 "
    "+ 点单办结{w_done:g}分 × 办结率。无活动或满意度修正分偏低的站列入黑榜；其余站中得分前列的列入红榜、"
    "靠后的列入灰榜，同分同榜。"
)
NOTICE_EMPTY = "（本季度无）"
NOTICE_FOOT = "公示单位：{scope}　　　数据截至：{as_of}"
LIST_TITLES = {"red": "红榜", "grey": "灰榜", "black": "黑榜"}
HEADERS = ("名次", "站点", "所属", "得分", "活动分", "满意度分", "办结分", "较上季度")
BLACK_HEADERS = ("站点", "所属", "得分", "列入原因", "较上季度")
MOVEMENT_UP, MOVEMENT_DOWN, MOVEMENT_SAME, MOVEMENT_NEW = "↑{n}", "↓{n}", "持平", "—"

_CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 11pt;
       color: #000; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 6mm; }
h2 { font-size: 14pt; margin: 6mm 0 2mm; }
h2.red { color: #b71c1c; } h2.grey { color: #555; } h2.black { color: #000; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 0.3mm solid #333; padding: 1.2mm 1.5mm; text-align: center; }
td.name { text-align: left; }
p.rule, p.foot { font-size: 9.5pt; }
p.foot { text-align: right; margin-top: 8mm; }
"""


def movement_text(row: dict[str, Any]) -> str:
    """The move since last quarter: ↑2, ↓1, 持平, or — when there is nothing to compare."""
    moved = row.get("movement")
    if moved is None:
        return MOVEMENT_NEW
    if moved > 0:
        return MOVEMENT_UP.format(n=moved)
    return MOVEMENT_DOWN.format(n=-moved) if moved < 0 else MOVEMENT_SAME


def points(value: float | None) -> str:
    """A score or part written with one decimal, rounded down (never more than earned)."""
    if value is None:
        return "—"
    tenths = int(value * 10 + 1e-9)
    return f"{tenths // 10}.{tenths % 10}"


def _cells(values: tuple[str, ...], name_at: int) -> str:
    return "".join(
        f'<td class="name">{escape(v)}</td>' if i == name_at else f"<td>{escape(v)}</td>"
        for i, v in enumerate(values)
    )


def _rows(name: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"<p>{NOTICE_EMPTY}</p>"
    if name == "black":
        head = "".join(f"<th>{h}</th>" for h in BLACK_HEADERS)
        body = "".join(
            "<tr>"
            + _cells(
                (
                    r["name"],
                    r["parent_name"] or "",
                    points(r["score"]),
                    r["black_reason"] or "",
                    movement_text(r),
                ),
                0,
            )
            + "</tr>"
            for r in rows
        )
    else:
        head = "".join(f"<th>{h}</th>" for h in HEADERS)
        body = "".join(
            "<tr>"
            + _cells(
                (
                    str(r["rank"]),
                    r["name"],
                    r["parent_name"] or "",
                    points(r["score"]),
                    points(r["activity_part"]),
                    points(r["satisfaction_part"]),
                    points(r["completion_part"]),
                    movement_text(r),
                ),
                1,
            )
            + "</tr>"
            for r in rows
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def notice_html(ranked: dict[str, Any], scope_name: str, as_of: Any) -> str:
    """The 公示 of ``ranked`` (``practices.rankings``) for the place named ``scope_name``
    ("示范县", "卜宜乡")."""
    first = ranked["date_from"]
    w_act, w_sat, w_done = ranked["weights"]
    title = NOTICE_TITLE.format(
        scope=scope_name, year=first.year, quarter=QUARTER_WORDS[(first.month - 1) // 3]
    )
    parts = [
        f"<h1>{escape(title)}</h1>",
        "<p>"
        + escape(
            NOTICE_INTRO.format(
                date_from=format_date(first), date_to=format_date(ranked["date_to"])
            )
        )
        + "</p>",
    ]
    for name in ("red", "grey", "black"):
        rows = ranked[name]
        parts.append(f'<h2 class="{name}">{LIST_TITLES[name]}（{len(rows)}个）</h2>')
        parts.append(_rows(name, rows))
    parts.append(
        f'<p class="rule">{escape(NOTICE_RULE.format(w_act=w_act, w_sat=w_sat, w_done=w_done))}</p>'
    )
    parts.append(
        f'<p class="foot">{escape(NOTICE_FOOT.format(scope=scope_name, as_of=format_date(as_of) if as_of else "—"))}</p>'
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )
