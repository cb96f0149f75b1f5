"""``wenming report``: the figures of one scope, as JSON or as a readable Chinese report.

``build_report(wh, scope)`` returns the JSON document described by
docs/schemas/report.schema.json (numbers as numbers, rates as fractions 0–1, unknown as
null); ``render_text`` writes it for a person; ``briefing_text`` writes the briefing
paragraph with ``dashboard.numbers``' rule.

The report is a document for a leader, not a dump: every list that grows with the
stations (``BOUNDED_LISTS``) holds its first ``[report] list_rows`` rows, worst first,
beside ``<key>_total``, the length of the whole list (``--all``: every row).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from dashboard import briefing, lowsat, metrics
from dashboard.briefing.wording import QUARTERS, STAR_WORDS
from dashboard.metrics import Scope, UnknownUnit, practices
from dashboard.metrics.reader import Reader
from dashboard.numbers import (
    UNKNOWN,
    brief_number,
    brief_percent,
    brief_score,
    format_count,
    format_date,
    format_percent,
    format_score,
    inventory_number,
)
from dashboard.warehouse import Warehouse, WarehouseError
from pipelines import settings
from pipelines.arguments import parse_date

MSG_ERROR = "错误：{error}"

HELP_DB = "数据仓库文件（默认：环境变量 WENMING_DB，或 data/warehouse.duckdb）"
HELP_FROM = "统计期间起始日期，YYYY-MM-DD（含当天）"
HELP_TO = "统计期间结束日期，YYYY-MM-DD（含当天）"
HELP_UNIT = "阵地编码：统计该阵地及其下属阵地；不填则统计全部"
HELP_JSON = "输出 JSON（字段见 docs/schemas/report.schema.json）"
HELP_ALL = "列出全部名单（默认每张名单列出前若干个，个数见 wenming.toml 的 [report] list_rows）"

# The lists of a document that grow with the stations of the scope, as (section or None
# for the top level, key): each keeps its order and at most ``list_rows`` rows, and
# ``<key>_total`` beside it says how long the whole list is.
BOUNDED_LISTS = (
    (None, "low_satisfaction"),
    ("five_haves", "by_unit"),
    ("rankings", "red"),
    ("rankings", "grey"),
    ("rankings", "black"),
)
TOTAL = "{key}_total"
LISTED_PART = "  （共{total}个，列出前{shown}个）"

# The text report lists at most this many rows of 分单位 and 品牌项目 (lists of the
# scope's direct children and brands, not bounded in the JSON).
TEXT_ROWS = 30
MORE_ROWS = "  ……另有{n}项，完整列表见 --json 输出"
FLAG_KINDS = {"activity": "活动", "brand": "品牌", "station": "站点"}

# the practices section (七、文明实践)
PRACTICE_INDENT = "    "
PRACTICE_JOIN = "，"
PRACTICE_LIST_JOIN = "、"
PRACTICE_NAMED = 5  # a list names at most this many stations
PRACTICE_MORE = "等{n}个"
PRACTICE_LISTED = "{list}站点"
PRACTICE_UNKNOWN = "未知"
PRACTICE_NONE = "    范围内没有{what}"
PRACTICE_UNITS = "实践所、站"
PRACTICE_STATIONS = "实践站"
PRACTICE_FIVE_HAVES = "  五有达标"
PRACTICE_MET = "各项达标"
PRACTICE_UNMET = "各项未达标"
PRACTICE_UNSENT = "各项未报送"
PRACTICE_RANKINGS = "  红灰黑榜（{quarter}）"
PRACTICE_THREE_LISTS = "  三张清单"
PRACTICE_DEMAND = "需求清单（群众点单）："
PRACTICE_DELIVERED = "服务清单（开展活动）："
PRACTICE_FROM_ORDERS = "其中按点单开展："
PRACTICE_POINTS = "  志愿服务积分"
PRACTICE_HOURS = "志愿者个人服务时长："
PRACTICE_STARS = "  星级志愿者"

# the headline figures of the text report, in order (names and writers: metrics.FIGURES)
HEADLINE_KEYS = (
    "activities",
    "person_times",
    "unique_persons",
    "volunteer_hours",
    "volunteer_times",
    "volunteer_persons",
    "ratings",
    "mean_score",
    "satisfaction_rate",
)
BY_UNIT_KEYS = (
    "unit_id",
    "name",
    "level",
    "is_self",
    "activities",
    "person_times",
    "unique_persons",
    "volunteer_hours",
    "ratings",
    "mean_score",
)
BRAND_KEYS = (
    "brand_id",
    "name",
    "unit_id",
    "unit_name",
    "category",
    "activities",
    "person_times",
    "ratings",
    "mean_score",
    "satisfaction_rate",
    "adjusted_score",
)


# --------------------------------------------------------------------------- CLI


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of ``wenming report``: those of a command over one scope, and --all."""
    configure_scope(parser)
    parser.add_argument("--all", dest="all_rows", action="store_true", help=HELP_ALL)


def configure_scope(parser: argparse.ArgumentParser, json_help: str = HELP_JSON) -> None:
    """The options of a command over one scope: --db, --from, --to, --unit, --json."""
    parser.add_argument("--db", metavar="PATH", help=HELP_DB)
    parser.add_argument(
        "--from", dest="date_from", metavar="YYYY-MM-DD", required=True, help=HELP_FROM
    )
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", required=True, help=HELP_TO)
    parser.add_argument("--unit", dest="unit_id", metavar="阵地编码", help=HELP_UNIT)
    parser.add_argument("--json", action="store_true", help=json_help)


def run_scoped(
    args: argparse.Namespace,
    build: Callable[[Warehouse, Scope], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
) -> int:
    """Build one scope's document and print it as JSON or as text: 0, 2 for a bad date or
    unit, 1 for a warehouse that cannot be read (the message in Chinese on stderr)."""
    try:
        # checked here, not by argparse: its own error lines are English
        date_from = parse_date("--from", args.date_from)
        date_to = parse_date("--to", args.date_to)
        scope = Scope(date_from, date_to, args.unit_id)
        # the command line acts as 管理员: its reader sees every unit
        document = Reader(Warehouse(settings.db_path(args.db))).read(build, scope)
    except (ValueError, UnknownUnit, WarehouseError) as exc:
        print(MSG_ERROR.format(error=exc), file=sys.stderr)
        return 2 if isinstance(exc, (ValueError, UnknownUnit)) else 1
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(render(document))
    return 0


def run(args: argparse.Namespace) -> int:
    return run_scoped(args, partial(build_report, all_rows=args.all_rows), render_text)


# --------------------------------------------------------------------------- the document


def build_report(wh: Warehouse, scope: Scope, *, all_rows: bool = False) -> dict[str, Any]:
    """The report of one scope as a JSON-ready dict (see report.schema.json): each of
    ``BOUNDED_LISTS`` cut to ``[report] list_rows`` rows unless ``all_rows``."""
    unit = metrics.resolve(wh, scope)
    as_of = wh.as_of
    prior = metrics.rating_prior(wh, scope)
    report: dict[str, Any] = {
        "scope": {
            "date_from": scope.date_from,
            "date_to": scope.date_to,
            "unit_id": scope.unit_id,
            "unit_name": unit["name"] if unit else None,
            "level": unit["level"] if unit else None,
        },
        "as_of": as_of,
        **metrics.summary(wh, scope),
        "units": metrics.units_by_level(wh, scope),
        "coverage": metrics.coverage(wh, scope),
        "orders": metrics.order_figures(wh, scope),
        "by_unit": [_pick(row, BY_UNIT_KEYS) for row in metrics.by_unit(wh, scope)],
        "brands": [_pick(row, BRAND_KEYS) for row in metrics.by_brand(wh, scope, prior)],
        "low_satisfaction": lowsat.low_satisfaction(wh, scope, prior),
        **practice_families(wh, scope),
    }
    # one text for the report, the briefing kit and the app (dashboard.briefing)
    report["briefing"] = briefing.briefing_text(wh, scope)
    _bound(report, None if all_rows else settings.config().report.list_rows)
    return _jsonable(report)


def _bound(report: dict[str, Any], rows: int | None) -> None:
    """Cut each of ``BOUNDED_LISTS`` to its first ``rows`` rows (None: all), with its
    total beside it. The sections are the document's own copies (``practice_families``)."""
    for section, key in BOUNDED_LISTS:
        holder = report if section is None else report[section]
        whole = holder[key]
        holder[TOTAL.format(key=key)] = len(whole)
        holder[key] = whole if rows is None else whole[:rows]


def practice_families(wh: Warehouse, scope: Scope) -> dict[str, Any]:
    """The five practice families (docs/figures.md): 五有, 红灰黑榜 (the three lists and
    how many stations were ranked, not every station), 三张清单, 积分, 星级志愿者."""
    # read, not copied: the document is built from them by _jsonable (a province has tens
    # of thousands of 所站)
    ranked = dict(practices.rankings.shared(wh, scope))
    # how many were ranked, not every station's row
    ranked["stations"] = len(ranked["stations"])
    haves = dict(practices.five_haves.shared(wh, scope))
    full = len(practices.HAVES)
    haves["full"] = sum(1 for row in haves["by_unit"] if row["score"] == full)
    # the worst first, as 五有达标 lists those short of five (sorted is stable: 所 before
    # 站 within a score, as five_haves orders them)
    haves["by_unit"] = sorted(haves["by_unit"], key=lambda row: row["score"])
    return {
        "five_haves": haves,
        "rankings": ranked,
        "three_lists": practices.three_lists.shared(wh, scope),
        "points": practices.points.shared(wh, scope),
        "stars": practices.stars.shared(wh, scope),
    }


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: row[key] for key in keys}


def _jsonable(value: Any) -> Any:
    """A copy of ``value`` with dates as ISO text and tuples as lists; other scalars are
    taken as they are, without a call per cell (a province's document has millions)."""
    if isinstance(value, dict):
        return {
            key: _jsonable(item) if isinstance(item, _CONVERTED) else item
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_jsonable(item) if isinstance(item, _CONVERTED) else item for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_CONVERTED = (dict, list, tuple, date)  # datetime is a date


# --------------------------------------------------------------------------- text report


def render_text(report: dict[str, Any]) -> str:
    """The report for a person to read, in Chinese."""
    scope = report["scope"]
    where = (
        f"{scope['unit_name']}（{scope['unit_id']}）及下属阵地" if scope["unit_id"] else "全部阵地"
    )
    as_of = format_date(report["as_of"]) if report["as_of"] else UNKNOWN
    lines = [
        "新时代文明实践数据报告",
        f"范围：{where}",
        f"期间：{format_date(scope['date_from'])}至{format_date(scope['date_to'])}（数据截至{as_of}）",
        "",
        "一、总体情况",
        *(_figure_line(key, report[key]) for key in HEADLINE_KEYS),
        "",
        "二、阵地与覆盖",
    ]
    units = "、".join(f"{level}{n}个" for level, n in report["units"].items())
    lines.append(f"  阵地：{units or '无'}")
    coverage = report["coverage"]
    if coverage["rate"] is None:
        lines.append(f"  覆盖率：未知（{coverage['unknown_reason']}）")
    else:
        lines += [
            f"  覆盖率：{format_percent(coverage['rate'])}"
            f"（{coverage['covered']}/{coverage['villages']}个村、社区）",
            f"  有效覆盖率：{format_percent(coverage['effective_rate'])}"
            f"（{coverage['effective']}/{coverage['villages']}，"
            f"期内开展活动不少于{coverage['effective_min']}场的站，新挂牌的按挂牌后月数折算）",
        ]
    orders = report["orders"]
    lines += [
        "",
        "三、群众点单",
        _figure_line("orders", orders["orders"])
        + f"（已取消{orders['cancelled']}，已办结{orders['completed']}）",
        _figure_line("completion_rate", orders["completion_rate"]),
        _figure_line("median_accept_hours", orders["median_accept_hours"]),
        "",
        "四、分单位",
    ]
    lines += _listed(report["by_unit"], _unit_line)
    lines += ["", "五、品牌项目"]
    lines += _listed(report["brands"], _brand_line)
    lines += ["", "六、需关注"]
    flagged = report["low_satisfaction"]
    lines += [_flag_line(row) for row in flagged] or ["  无"]
    if report["low_satisfaction_total"] > len(flagged):
        lines.append(LISTED_PART.format(total=report["low_satisfaction_total"], shown=len(flagged)))
    lines += ["", "七、文明实践", *practice_lines(report)]
    lines += ["", "八、简报文字", "  " + report["briefing"]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- practices


def practice_lines(report: dict[str, Any]) -> list[str]:
    """The practices section of the text report: one block per family (五有, 红灰黑榜,
    三张清单, 积分, 星级志愿者), figures named as ``metrics.FIGURES`` names them and
    written by the briefing's rule (flows rounded down with 余, counts of things exact);
    a family whose input was not sent says so instead of a zero."""
    return [
        *_five_haves_lines(report["five_haves"]),
        *_rankings_lines(report["rankings"]),
        *_three_lists_lines(report["three_lists"]),
        *_points_lines(report["points"]),
        *_stars_lines(report["stars"]),
    ]


def _brief(key: str, value: Any) -> str:
    """``名称：值单位`` with the figure's name and unit from the one list, the value
    written as the briefing writes its kind (unknown: 未知)."""
    figure = metrics.figure(key)
    return f"{figure.name}：{_brief_value(figure, value)}"


def _brief_value(figure: metrics.Figure, value: Any) -> str:
    if value is None:
        return PRACTICE_UNKNOWN
    if figure.kind == "inventory":
        return inventory_number(value) + figure.unit
    if figure.kind == "rate":
        return brief_percent(value)
    if figure.kind == "score":
        return brief_score(value)
    # a balance can be negative: written toward zero like any flow, with its sign
    sign = "-" if value < 0 else ""
    return sign + brief_number(abs(value)) + figure.unit


def _five_haves_lines(haves: dict[str, Any]) -> list[str]:
    lines = [PRACTICE_FIVE_HAVES]
    if not haves["units"]:
        return [*lines, PRACTICE_NONE.format(what=PRACTICE_UNITS)]
    full = haves["full"]
    lines.append(
        PRACTICE_INDENT
        + PRACTICE_JOIN.join(
            (_brief("five_haves_units", haves["units"]), _brief("five_haves_full", full))
        )
    )
    counts = haves["counts"]
    for label, field in (
        (PRACTICE_MET, "yes"),
        (PRACTICE_UNMET, "no"),
        (PRACTICE_UNSENT, "unreported"),
    ):
        said = PRACTICE_LIST_JOIN.join(
            f"{name}{inventory_number(counts[key][field])}个"
            for key, name, _ in practices.HAVES
            if counts[key][field]
        )
        if said:
            lines.append(f"{PRACTICE_INDENT}{label}：{said}")
    return lines


def _rankings_lines(ranked: dict[str, Any]) -> list[str]:
    first = ranked["date_from"]
    if isinstance(first, str):
        first = date.fromisoformat(first)
    quarter = f"{first.year}年{QUARTERS[(first.month - 1) // 3]}"
    lines = [PRACTICE_RANKINGS.format(quarter=quarter)]
    stations = ranked["stations"]
    if not stations:
        return [*lines, PRACTICE_NONE.format(what=PRACTICE_STATIONS)]
    lines.append(
        PRACTICE_INDENT
        + PRACTICE_JOIN.join(
            [
                _brief("ranked_stations", stations),
                *(
                    _brief(f"{name}_stations", ranked[TOTAL.format(key=name)])
                    for name in practices.LISTS
                ),
            ]
        )
    )
    for name in practices.LISTS:
        rows, total = ranked[name], ranked[TOTAL.format(key=name)]
        if rows:
            names = PRACTICE_LIST_JOIN.join(row["name"] for row in rows[:PRACTICE_NAMED])
            more = PRACTICE_MORE.format(n=total) if total > PRACTICE_NAMED else ""
            label = PRACTICE_LISTED.format(list=practices.LIST_NAMES[name])
            lines.append(f"{PRACTICE_INDENT}{label}：{names}{more}")
    return lines


def _three_lists_lines(lists: dict[str, Any]) -> list[str]:
    rows = lists["by_category"]
    demand = sum(row["demand"] for row in rows)
    delivered = sum(row["delivered"] for row in rows)
    from_orders = sum(row["from_orders"] for row in rows)
    lines = [
        PRACTICE_THREE_LISTS,
        PRACTICE_INDENT
        + PRACTICE_JOIN.join(
            (
                PRACTICE_DEMAND + _brief_value(metrics.figure("orders"), demand),
                PRACTICE_DELIVERED + _brief_value(metrics.figure("activities"), delivered),
                PRACTICE_FROM_ORDERS + _brief_value(metrics.figure("activities"), from_orders),
            )
        ),
    ]
    if not lists["teams_reported"]:
        return [
            *lines,
            f"{PRACTICE_INDENT}{_brief('list_gaps', None)}{PRACTICE_JOIN}{practices.NO_TEAMS}",
        ]
    gaps = [row["category"] for row in rows if row["gap"]]
    line = PRACTICE_INDENT + _brief("list_gaps", lists["gaps"])
    if gaps:
        line += f"（{PRACTICE_LIST_JOIN.join(gaps)}）"
    return [*lines, line]


def _points_lines(points: dict[str, Any]) -> list[str]:
    lines = [PRACTICE_POINTS]
    if points["earned"] is None and points["redeemed"] is None:
        return [*lines, PRACTICE_INDENT + points["unknown_reason"]]
    said = [
        PRACTICE_HOURS + _brief_value(metrics.figure("volunteer_hours"), points["hours"]),
        _brief("points_earned", points["earned"]),
        _brief("points_redeemed", points["redeemed"]),
        _brief("points_balance", points["balance"]),
        _brief("points_persons", points["persons"]),
        _brief("points_overdrawn", points["overdrawn"]),
    ]
    lines.append(PRACTICE_INDENT + PRACTICE_JOIN.join(said))
    if points["unknown_reason"]:
        lines.append(PRACTICE_INDENT + points["unknown_reason"])
    return lines


def _stars_lines(stars: dict[str, Any]) -> list[str]:
    lines = [PRACTICE_STARS]
    if stars["counts"] is None:
        return [*lines, PRACTICE_INDENT + stars["unknown_reason"]]
    starred = _brief("starred", stars["starred"])
    levels = PRACTICE_LIST_JOIN.join(
        f"{word}{_brief_value(metrics.figure('starred'), stars['counts'][str(i)])}"
        for i, word in enumerate(STAR_WORDS, start=1)
        if stars["counts"][str(i)]
    )
    if levels:
        starred += f"（{levels}）"
    said = [
        _brief("star_volunteers", stars["volunteers"]),
        starred,
        _brief("promoted", stars["promoted"]),
    ]
    return [*lines, PRACTICE_INDENT + PRACTICE_JOIN.join(said)]


def _figure_line(key: str, value: Any) -> str:
    """``  活动场次：11`` with the figure's name and writer from the one list."""
    figure = metrics.figure(key)
    return f"  {figure.header}：{figure.written(value)}"


def _listed(rows: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]) -> list[str]:
    """One line per row, at most TEXT_ROWS of them, then how many more there are."""
    lines = [line(row) for row in rows[:TEXT_ROWS]]
    if len(rows) > TEXT_ROWS:
        lines.append(MORE_ROWS.format(n=len(rows) - TEXT_ROWS))
    return lines


def _unit_line(row: dict[str, Any]) -> str:
    return (
        f"  {row['name']}（{row['level']}）：活动{format_count(row['activities'])}场次，"
        f"服务{format_count(row['person_times'])}人次，均分{format_score(row['mean_score'])}"
    )


def _brand_line(row: dict[str, Any]) -> str:
    return (
        f"  {row['name']}（{row['unit_name']}）：活动{format_count(row['activities'])}场次，"
        f"服务{format_count(row['person_times'])}人次，评价{row['ratings']}条，"
        f"均分{format_score(row['mean_score'])}，修正分{format_score(row['adjusted_score'])}"
    )


def _flag_line(row: dict[str, Any]) -> str:
    said = "、".join(f"{c['text']}（{c['count']}）" for c in row["complaints"])
    tail = f"；主要意见：{said}" if said else ""
    return f"  [{FLAG_KINDS[row['kind']]}] {row['name']}：{row['reason']}{tail}"
