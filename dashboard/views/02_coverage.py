"""阵地覆盖: how many villages have a station (有形覆盖) and how many a station that
actually runs activities (有效覆盖), by 所; which villages lack one; where the units
are; and the tree 中心 → 所 → 站 → 点."""

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from dashboard import charts, drill, lowsat, maps, metrics, shell, ui
from dashboard.metrics.figures import station_need
from dashboard.numbers import format_count, format_date, format_percent, inventory_number
from dashboard.unittree import unit_order
from pipelines import settings

CHART_BARS = 20
HELP_EFFECTIVE_MIN = "本期间（{months}个月）需开展活动不少于 {n} 场。"
UNIT_COUNT = "个"
HELP_PAPER = "有实践站服务、但实践站统计期间活动不足的村（社区）。"
MAP_OFFLINE = (
    "示意图：按阵地填报的经纬度标出位置，无需联网；圆点大小为期内活动场次，颜色为覆盖情况，"
    "虚线圈出各实践所下属阵地所在的范围（不是行政区划界线）。如有内网地图服务，可在配置文件中设置 tile_url 显示底图。"
)
MAP_TREE = (
    "所选范围的阵地都没有填报经纬度，按 中心 → 所 → 站 → 点 的层级显示：深蓝为有效覆盖的实践站，"
    "橙色为仅挂牌，浅灰为期末未挂牌，灰蓝为其他阵地；格中数字为期内活动场次。"
    "在阵地表中补填经度、纬度后即可显示地图。"
)
TREEMAP_DROPPED = ("站", "点", "基地")  # left out of a treemap with too many units
NO_STATIONS = "所选范围内没有实践站，也无法计算覆盖率。"
MAP_BY_LEVEL = (
    "所选范围有 {placed} 个阵地，地图按{level}汇总显示（{shown} 个，圆点大小为该{level}及其"
    "下属阵地的活动场次）；在上方选择一个{level}，可看到其下每个阵地。"
)
STATUS_NONE = "未覆盖"
STATUS_PAPER = "仅挂牌"
STATUS_EFFECTIVE = "有效覆盖"
STATUS_NOT_OPEN = "期末未挂牌"
# a station opened inside the period, judged on the months since its opening
NEW_MARK = "（新挂牌）"
STATION_ACTIVITIES = "{name}（{n}场）"
STATION_ACTIVITIES_NEW = "{name}（{n}场，新挂牌，按{months}个月计）"
VILLAGE_COLUMNS = [
    ui.Column("name", "村（社区）"),
    ui.Column("code", "区划代码"),
    ui.Column("town_name", "乡镇（街道）"),
    ui.Column("status", "情况"),
    ui.Column("stations", "负责实践站"),
    ui.Column("activities", "期内活动场次", format_count, "#,##0"),
]
INSTITUTE_COLUMNS = [
    ui.Column("name", "实践所"),
    ui.Column("villages", "村（社区）数", inventory_number, "0"),
    ui.Column("covered", "已覆盖", inventory_number, "0"),
    ui.Column.of("rate"),
    ui.Column("effective", "有效覆盖", inventory_number, "0"),
    ui.Column.of("effective_rate"),
    ui.Column("unknown_reason", "说明", lambda v: v or ""),
]
SILENT_TITLE = "近{days}天没有上报活动的实践站"
SILENT_CAPTION = (
    "{date_from}至{date_to}没有开展活动（含所属实践点）的实践站，共 {n} 个，"
    "未上报时间最长的在前；点表头可排序。"
)
SILENT_NONE = "近{days}天所有实践站都上报了活动。"
NEVER = "从未开展"
SILENT_COLUMNS = [
    ui.Column("name", "实践站"),
    ui.Column("institute_name", "所属实践所"),
    ui.Column("last_activity_on", "最近一次活动", lambda v: format_date(v) if v else NEVER),
    # a number, so the column sorts by it
    ui.Column("days_silent", "未上报天数", lambda v: v, "0"),
    ui.Column("opened_on", "挂牌日期"),
    ui.Column("unit_id", "阵地编码"),
]
TREE_COLUMNS = [
    ui.Column("tree_name", "阵地"),
    ui.Column("level", "层级"),
    ui.Column("activities", "期内活动场次", format_count, "#,##0"),
    ui.Column("last_activity_on", "最近一次活动"),
    ui.Column("status", "覆盖情况", lambda v: v or ""),
    ui.Column("opened_on", "挂牌日期"),
    ui.Column("unit_id", "阵地编码"),
]


def is_new(station: dict, scope: metrics.Scope) -> bool:
    """Opened inside the period (after its first day, by its last)."""
    opened = station["opened_on"]
    return opened is not None and scope.date_from < opened <= scope.date_to


def need_rule(scope: metrics.Scope) -> Callable[[dict], int]:
    """station → the activities it needs in the period to count as effective: k × the
    months since the later of the period's start and its opening (the period's end and k
    read once, not per station: a province has 55 k units)."""
    end = min(scope.date_to, ui.as_of())
    k = settings.config().effective_k
    return lambda station: station_need(scope.date_from, end, station["opened_on"], k)


def station_status(station: dict, need: int | None, scope: metrics.Scope) -> str | None:
    """A 站's coverage status in the period, marked 新挂牌 when it opened inside it; None
    for other levels."""
    if station["level"] != "站":
        return None
    if station["opened_on"] is not None and station["opened_on"] > scope.date_to:
        return STATUS_NOT_OPEN
    status = (
        STATUS_EFFECTIVE if need is not None and station["activities"] >= need else STATUS_PAPER
    )
    return status + NEW_MARK if is_new(station, scope) else status


@ui.cached
def unit_rows(scope: metrics.Scope) -> list[dict]:
    """One row per unit in scope, with its activities of the period (含下属阵地)."""
    # held whole, never pickled: a province's 55 k units took a second to pickle and unpickle
    return ui.load_shared(metrics.unit_activities, scope)


@ui.cached
def village_rows(scope: metrics.Scope, *, need: int) -> list[dict]:
    """One row per village of the scope, with its status and the stations serving it."""
    by_id = {u["unit_id"]: u for u in ui.load_shared(metrics.unit_activities, scope)}
    end = min(scope.date_to, ui.as_of())  # read once: a province has 50 k villages
    written: dict[int, str] = {}  # activities → as written (a few hundred values)

    def label(station: dict) -> str:
        n = station["activities"]
        if n not in written:
            written[n] = format_count(n)
        return station_label(station, scope, end, written[n])

    return [
        {
            **village,
            "status": STATUS_EFFECTIVE
            if village["is_effective"]
            else STATUS_PAPER
            if village["is_covered"]
            else STATUS_NONE,
            "activities": max((by_id[s]["activities"] for s in village["stations"]), default=0),
            "stations": [label(by_id[s]) for s in village["stations"]],
        }
        for village in ui.load_shared(metrics.villages, scope)  # 50 k villages: never pickled
    ]


def station_label(station: dict, scope: metrics.Scope, end: date, n: str) -> str:
    """``东林子社区新时代文明实践站（3场）`` (``n`` its activities as written); a new station
    says on how many months (up to ``end``, the period's end or the as-of date if
    earlier) it is judged."""
    if not is_new(station, scope):
        return STATION_ACTIVITIES.format(name=station["name"], n=n)
    months = metrics.months_touched(station["opened_on"], end)
    return STATION_ACTIVITIES_NEW.format(name=station["name"], n=n, months=months)


@ui.cached
def lacking_rows(scope: metrics.Scope, *, need: int) -> list[dict]:
    """The villages without effective coverage."""
    return [v for v in village_rows.shared(scope, need=need) if v["status"] != STATUS_EFFECTIVE]


@ui.cached
def counts(scope: metrics.Scope, *, need: int) -> dict:
    """How many stations, uncovered and paper-only villages the scope has."""
    villages = village_rows.shared(scope, need=need)
    return {
        "stations": sum(u["level"] == "站" for u in unit_rows.shared(scope)),
        "uncovered": sum(v["status"] == STATUS_NONE for v in villages),
        "paper": sum(v["status"] == STATUS_PAPER for v in villages),
    }


@ui.cached
def institute_rows(scope: metrics.Scope) -> list[dict]:
    """One row per 所 in scope with its coverage, named uniquely (two towns of a city
    may share a name)."""
    labels = ui.unit_tree().labels
    by_town = ui.load(metrics.coverage_by_town, scope)
    return [
        {"unit_id": u["unit_id"], "name": labels[u["unit_id"]], **by_town[u["unit_id"]]}
        for u in unit_rows.shared(scope)
        if u["level"] == "所" and u["unit_id"] in by_town
    ]


@ui.cached
def map_points(
    scope: metrics.Scope, *, limit: int, need: int
) -> tuple[str | None, int, list[dict]]:
    """(the level the map is drawn at, or None for every unit; how many units in scope
    have coordinates; the points, each 站 with its status), at most ``limit`` of them."""
    units = unit_rows.shared(scope)
    level, points = charts.map_points(units, limit)
    placed = sum(u["lng"] is not None and u["lat"] is not None for u in units)
    keep = ("unit_id", "name", "level", "parent_id", "lng", "lat", "activities")
    need_at = need_rule(scope)
    return (
        level,
        placed,
        [
            {**{k: u[k] for k in keep}, "status": station_status(u, need_at(u), scope)}
            for u in points
        ],
    )


@ui.cached
def offline_figure(scope: metrics.Scope, *, limit: int, need: int, title: str) -> Any:
    """The map drawn without tiles, built once per build and scope (laying out and
    decluttering a province's 2 k points took a third of a warm run)."""
    return maps.offline_map(map_points(scope, limit=limit, need=need)[2], title)


@ui.cached
def tree_tiles(scope: metrics.Scope, *, limit: int, need: int) -> list[dict]:
    """The units of the treemap, each 站 with its status: every unit when at most
    ``limit``, else the levels above 站."""
    units = unit_rows.shared(scope)
    if len(units) > limit:
        units = [u for u in units if u["level"] not in TREEMAP_DROPPED]
    keep = ("unit_id", "name", "level", "parent_id", "activities")
    need_at = need_rule(scope)
    return [
        {**{k: u[k] for k in keep}, "status": station_status(u, need_at(u), scope)}
        for u in units[:limit]
    ]


@ui.cached
def tree_rows(scope: metrics.Scope, *, need: int) -> list[dict]:
    """The units in scope in tree order, indented by depth, with each 站's status (``need``,
    k × m, keys the cache: each station's own need follows from it and its opening)."""
    by_id = {u["unit_id"]: u for u in unit_rows.shared(scope)}
    need_at = need_rule(scope)
    return [
        {
            **by_id[unit_id],
            "tree_name": "　" * depth + ("└ " if depth else "") + by_id[unit_id]["name"],
            "status": station_status(by_id[unit_id], need_at(by_id[unit_id]), scope),
        }
        for unit_id, depth in unit_order(by_id)
    ]


def silent_section(scope: metrics.Scope) -> None:
    """Every station with no activity in the last ``SILENT_DAYS`` days: the list behind
    总览's card, counted the same way (``lowsat.silent_stations``)."""
    recent = ui.last_days(scope, lowsat.SILENT_DAYS)
    st.subheader(SILENT_TITLE.format(days=lowsat.SILENT_DAYS), anchor=lowsat.SILENT_SECTION)
    silent = ui.load_shared(lowsat.silent_stations, recent)  # 总览's card reads the same
    if not silent:
        st.success(SILENT_NONE.format(days=lowsat.SILENT_DAYS), icon=":material/check_circle:")
        return
    st.caption(
        SILENT_CAPTION.format(
            date_from=format_date(recent.date_from),
            date_to=format_date(recent.date_to),
            n=inventory_number(len(silent)),
        )
    )
    ui.table(
        silent,
        SILENT_COLUMNS,
        key="coverage_silent",
        file_name=f"近{lowsat.SILENT_DAYS}天未上报活动的实践站_{ui.unit_name(scope.unit_id)}",
    )


scope = ui.scope_bar()
ui.title("阵地覆盖")
last_year = ui.same_period_last_year(scope)
# 总览's card links to ?section=silent: the list comes first on the page
silent_first = st.query_params.get(shell.SECTION_PARAM) == lowsat.SILENT_SECTION
if silent_first:
    silent_section(scope)

cover = ui.load(metrics.coverage, scope)
config = settings.config()
# k × the months the period touches up to the as-of date, as metrics.coverage counts it
# (which leaves it None where coverage itself is unknown)
need = cover["effective_min"] or config.effective_k * max(
    1, metrics.months_touched(scope.date_from, min(scope.date_to, ui.as_of()))
)
count = counts(scope, need=need)
ui.guard(count["stations"] or cover["rate"] is not None, NO_STATIONS)

before = dict(ui.load(metrics.coverage, last_year))
if not ui.load(metrics.activity_figures, last_year)["activities"]:
    # no activity on record a year ago (often: last year's ledgers were never imported),
    # so a 0% effective coverage then is no base for a change
    before["effective_rate"] = None

tile_counts = {
    "villages": cover["villages"],
    "uncovered": count["uncovered"],
    "paper": count["paper"],
}
if cover["unknown_reason"]:
    tile_counts = dict.fromkeys(tile_counts)  # unknown, not 0
reasons = {key: cover["unknown_reason"] for key in ("rate", "effective_rate", *tile_counts)}
ui.tiles(
    [
        *ui.compare(
            [
                ui.TileSpec.of("rate"),
                ui.TileSpec.of(
                    "effective_rate",
                    help=metrics.figure("effective").definition.format(k=config.effective_k)
                    + HELP_EFFECTIVE_MIN.format(months=need // config.effective_k, n=need),
                ),
            ],
            cover,
            before,
            reasons,
        ),
        ui.tile(
            "村（社区）",
            tile_counts["villages"],
            format_count,
            unknown_reason=reasons["villages"],
            unit=UNIT_COUNT,
        ),
        ui.tile(
            "未覆盖",
            tile_counts["uncovered"],
            format_count,
            unknown_reason=reasons["uncovered"],
            unit=UNIT_COUNT,
        ),
        ui.tile(
            "仅挂牌",
            tile_counts["paper"],
            format_count,
            unknown_reason=reasons["paper"],
            help=HELP_PAPER,
            unit=UNIT_COUNT,
        ),
        ui.tile("实践站", count["stations"], format_count, unit=UNIT_COUNT),
    ],
    key="coverage",
)

drill.open_pending()

st.subheader("各实践所覆盖情况", anchor=False)
institutes = institute_rows(scope)
if institutes:
    # the lowest first: which towns lag is the question; at most CHART_BARS bars
    known = sorted(
        (row for row in institutes if row["effective_rate"] is not None),
        key=lambda row: row["effective_rate"],
    )
    if len(known) > 1:
        title = (
            "各所有效覆盖率" if len(known) <= CHART_BARS else f"有效覆盖率最低的{CHART_BARS}个所"
        )
        ui.chart(
            charts.bar_by(
                known[:CHART_BARS],
                "name",
                "effective_rate",
                title,
                value_label="有效覆盖率",
                value_format=format_percent,
                sort=False,
                id_key="unit_id",
            ),
            key="coverage_institutes_chart",
            file_name=title,
            on_select=drill.on_select(
                "coverage_institutes_chart",
                lambda points: drill.unit_request(
                    points, scope, "effective_rate", "有效覆盖率", format_percent, known
                ),
            ),
        )
        st.caption(drill.CHART_HINT)
    ui.table(institutes, INSTITUTE_COLUMNS, key="coverage_institutes", file_name="各所覆盖情况")
    ui.mark_flagged(institutes, scope)
else:
    st.caption("所选范围内没有实践所。")

st.subheader("未覆盖或仅挂牌的村（社区）", anchor=False)
if cover["unknown_reason"]:
    st.info(cover["unknown_reason"], icon=":material/info:")
elif count["uncovered"] or count["paper"]:
    st.caption(
        f"仅挂牌：有实践站服务，但实践站统计期间开展活动少于 {need} 场（有效覆盖的标准）；"
        "期内新挂牌的实践站按挂牌后的月数折算。"
    )
    ui.table(
        lacking_rows.rows(scope, need=need),
        VILLAGE_COLUMNS,
        key="coverage_villages",
        file_name="未有效覆盖的村（社区）",
    )
else:
    st.success("辖区内所有村（社区）都已有效覆盖。", icon=":material/check_circle:")

if not silent_first:
    silent_section(scope)

st.subheader("阵地分布", anchor=False)
level, placed, points = map_points(scope, limit=charts.MAP_POINTS, need=need)
map_title = f"各{level}期内活动场次（含下属阵地）" if level else "各阵地期内活动场次"
if level:
    st.caption(MAP_BY_LEVEL.format(placed=f"{placed:,}", level=level, shown=f"{len(points):,}"))
if config.tile_url:
    figure = charts.unit_map(
        points,
        map_title,
        tile_url=config.tile_url,
        value_key="activities",
        value_label="活动场次",
    )
elif placed:
    st.caption(MAP_OFFLINE)
    figure = offline_figure.shared(scope, limit=charts.MAP_POINTS, need=need, title=map_title)
else:
    st.caption(MAP_TREE)
    figure = maps.unit_treemap(
        tree_tiles(scope, limit=charts.MAP_POINTS, need=need), "阵地体系（无经纬度时按层级显示）"
    )
ui.chart(figure, key="coverage_map", file_name="阵地分布图")

st.subheader("阵地体系", anchor=False)
ui.table(
    tree_rows.rows(scope, need=need),
    TREE_COLUMNS,
    key="coverage_tree",
    file_name="阵地体系",
    height=720,
)
st.caption(f"最近一次活动：截至 {format_date(scope.date_to)} 的最近一次活动（含下属阵地）。")
