"""The activity ledgers of 上街区: the 中心's yearly workbook and each town's monthly
CSV, with the re-sent, conflicting and deliberately bad rows on top of the clean
simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.demo.common import Calendar, format_hours
from pipelines.demo.ledger_styles import (
    ACT_HEADERS,
    ACT_KEYS,
    CENTRE_STYLE,
    TOWN_STYLES,
    activity_cells,
    column_totals,
)
from pipelines.demo.shangjie_plan import COUNTY_CODE, COUNTY_NAME, SHANGJIE_TOWNS, Activity, County
from pipelines.demo.shangjie_sim import pick_location
from pipelines.demo.writer import Writer, XSheet


@dataclass
class _Extra:
    """A row added to a ledger on top of the clean simulation: re-sent, conflicting or bad."""

    kind: str  # "duplicate" | "bad"
    where: str  # "top" | "bottom"
    cells: dict[str, object] | None  # None: take the rendered cells of `source_id`
    what: str
    source_id: str = ""
    title: str | None = None  # a changed title for a conflicting re-send


def _bad_activities(
    rng: random.Random, cal: Calendar, county: County
) -> dict[tuple[str | None, int], list[tuple[Activity, dict[str, str], str]]]:
    """Deliberately bad activity rows: (town id or None, month) -> [(activity, overrides, what)]."""
    y = cal.year
    n = len(county.activities)
    station = {u.place: u for u in county.units if u.level == "站"}
    centre = county.units[0]
    specs = (
        ("兴华社区", "文化服务", datetime(y, 4, 18, 19, 0), 120, "邻里联谊会", {"category": "联谊"},
         "unknown category 联谊"),
        ("康宁社区", "文化服务", datetime(y, 6, 28, 9, 30), 120, "消夏广场舞展演",
         {"start_at": f"{y}年6月31日 9时30分", "end_at": ""}, "start date 6月31日 does not exist"),
        ("科技社区", "卫生健康", datetime(y, 9, 12, 14, 30), 180, "健康义诊进科技社区",
         {"end_at": f"{y}.9.12 12:30"}, "end time 12:30 before start 14:30"),
        ("北林社区", "便民服务", datetime(y, 7, 19, 9, 0), 120, "义务配钥匙修拉链",
         {"unit_id": f"Z{COUNTY_CODE}005099"}, "unknown unit Z410106005099"),
        (None, "教育服务", datetime(y, 7, 14, 9, 0), 3360, "少年儿童暑期研学营（三天）", {},
         "ends 56 hours after it starts (more than 24 h)"),
        ("双桥社区", "便民服务", datetime(y, 10, 11, 9, 0), 120, "免费理发进双桥社区",
         {"source": "群众点单", "order_id": f"DD{y}009999"}, "unknown order DD" + f"{y}009999"),
    )  # fmt: skip
    out: dict[tuple[str | None, int], list[tuple[Activity, dict[str, str], str]]] = {}
    for i, (place, category, start, minutes, title, overrides, what) in enumerate(specs, 1):
        unit = station[place] if place else centre
        act = Activity(unit, category, start, start + timedelta(minutes=minutes), title)
        act.activity_id = f"HD{y}{n + i:06d}"
        act.target_group = "群众"
        act.location = pick_location(rng, unit)
        act.volunteer_count = 4
        act.volunteer_hours = 8.0
        act.reported = 40
        out.setdefault((unit.town_id, start.month), []).append((act, overrides, what))
    return out


def write_activity_ledgers(
    w: Writer, base: str, county: County, cal: Calendar, rng: random.Random, *, clean: bool = False
) -> None:
    """The 中心's yearly workbook and each town's monthly CSV ledgers, with their extras
    (none when ``clean``).
    """
    year = cal.year
    groups: dict[tuple[str | None, int], list[Activity]] = {}
    for act in county.activities:
        groups.setdefault((act.unit.town_id, act.start.month), []).append(act)
    extras: dict[tuple[str | None, int], list[_Extra]] = {}
    if not clean:
        _add_extras(rng, cal, county, groups, extras)
    rendered: dict[str, tuple[dict[str, object], str, int]] = {}

    def resolve(extra: _Extra) -> dict[str, object]:
        if extra.cells is not None:
            return extra.cells
        cells, _, _ = rendered[extra.source_id]
        return {**cells, "title": extra.title} if extra.title else dict(cells)

    _write_centre_ledger(
        w, f"{base}activities/区中心_{year}年活动台账.xlsx", groups, extras, rng, year
    )
    for code, town, *_ in SHANGJIE_TOWNS:
        style = TOWN_STYLES[code]
        town_id = f"S{COUNTY_CODE}{code}"
        for month in range(1, 13):
            rel = f"{base}activities/{town}_{year}-{month:02d}.csv"
            acts = groups.get((town_id, month), [])
            town_extras = extras.get((town_id, month), [])
            entries: list[tuple[dict[str, object], _Extra | None]] = []
            entries += [(resolve(e), e) for e in town_extras if e.where == "top"]
            entries += [(activity_cells(rng, a, style), None) for a in acts]
            entries += [(resolve(e), e) for e in town_extras if e.where == "bottom"]
            headers = [h for _, h in style.columns]
            width = len(headers)
            rows: list[list[str]] = []
            if style.title:
                title = f"{town}新时代文明实践活动台账（{year}年{month}月）"
                rows.append([title] + [""] * (width - 1) if style.pad_title else [title])
            if style.unit_line:
                filed = date(year, month, 1) + timedelta(days=rng.randint(31, 38))
                line = [""] * width
                line[0] = f"填报单位：{town}新时代文明实践所"
                line[width - 4] = f"填报日期：{filed.year}年{filed.month}月{filed.day}日"
                rows.append(line)
            rows.append(headers)
            sums = column_totals([cells for cells, _ in entries])
            total_row = [format_hours(sums[k]) if k in sums else "" for k, _ in style.columns]
            total_row[0] = "小计" if style.total == "top" else "合计"
            if style.total == "top":
                rows.append(total_row)
            for seq, (cells, extra) in enumerate(entries, 1):
                row = []
                for key, _ in style.columns:
                    if key == "#seq":
                        row.append(str(seq))
                    elif key == "#note":
                        row.append("补报" if extra and extra.where == "top" else "")
                    else:
                        row.append(str(cells[key]))
                rows.append(row)
                number = len(rows)
                aid = str(cells["activity_id"])
                if extra is None:
                    rendered[aid] = (cells, rel, number)
                elif extra.source_id:
                    _, first_rel, first_row = rendered[extra.source_id]
                    what = f"{extra.what} ({aid} first at {first_rel} row {first_row})"
                    if extra.kind == "bad":
                        w.bad(rel, number, "activities", what)
                    else:
                        w.duplicate(rel, number, "activities", what)
                else:
                    w.bad(rel, number, "activities", f"{extra.what} ({aid})")
            if style.total == "bottom":
                rows.append(total_row)
            rows.extend([[""] * width for _ in range(style.trailing_blank)])
            w.count("activities", len(entries))
            data = w.csv(rel, rows, style.encoding)
            if (
                code == "004" and month == 6 and not clean
            ):  # the whole file sent twice under another name
                copy = f"{base}activities/{town}_{year}-{month:02d}（重报）.csv"
                w.copy(copy, data)
                w.duplicate(copy, None, "activities", f"byte-for-byte copy of {rel}")


def _add_extras(
    rng: random.Random,
    cal: Calendar,
    county: County,
    groups: dict[tuple[str | None, int], list[Activity]],
    extras: dict[tuple[str | None, int], list[_Extra]],
) -> None:
    """The bad rows, the unchanged re-send and the conflicting re-send, by (town, month)."""
    bad = _bad_activities(rng, cal, county)
    for key, items in bad.items():
        for act, overrides, what in items:
            style = CENTRE_STYLE if key[0] is None else TOWN_STYLES[key[0][-3:]]
            cells = {**activity_cells(rng, act, style), **overrides}
            extras.setdefault(key, []).append(_Extra("bad", "bottom", cells, what))
    # a row re-sent unchanged next month, and one re-sent with a changed title
    jiyuan, xiawo = f"S{COUNTY_CODE}001", f"S{COUNTY_CODE}100"
    resent = next(
        a for a in groups[(jiyuan, 3)] if a.start.day >= 20 and not a.brand_id and not a.order_id
    )
    changed = next(a for a in groups[(xiawo, 5)] if a.start.day >= 15 and not a.brand_id)
    extras.setdefault((jiyuan, 4), []).insert(
        0, _Extra("duplicate", "top", None, "re-sent unchanged", resent.activity_id)
    )
    extras.setdefault((xiawo, 6), []).insert(
        0,
        _Extra(
            "bad", "top", None, "conflict: re-sent with a changed title", changed.activity_id,
            title=changed.title + "（修改）",
        ),
    )  # fmt: skip


def _write_centre_ledger(
    w: Writer,
    rel: str,
    groups: dict[tuple[str | None, int], list[Activity]],
    extras: dict[tuple[str | None, int], list[_Extra]],
    rng: random.Random,
    year: int,
) -> None:
    """The 中心's yearly workbook: title, unit line, a two-row merged header, blank rows, 合计."""
    sheet = XSheet("活动台账", header_rows=(2, 3), width=15)
    width = len(ACT_KEYS)
    title = f"{COUNTY_NAME}新时代文明实践活动台账（{year}年）"
    sheet.add([title] + [""] * (width - 1))
    sheet.merges.append((0, 0, 0, width - 1, title))
    line: list[object] = [""] * width
    line[0] = f"填报单位：{COUNTY_NAME}新时代文明实践中心"
    line[10] = f"填报日期：{year + 1}年1月6日"
    sheet.add(line)
    upper: list[object] = [ACT_HEADERS[k] for k in ACT_KEYS]
    lower: list[object] = [""] * width
    for group, (first, last) in (("起止时间", (5, 6)), ("志愿服务", (9, 10))):
        for c in (first, last):
            lower[c] = upper[c]
            upper[c] = ""
        upper[first] = group
        sheet.merges.append((2, first, 2, last, group))
    for c in range(width):
        if lower[c] == "":
            sheet.merges.append((2, c, 3, c, str(upper[c])))
    sheet.add(upper)
    sheet.add(lower)
    entries: list[dict[str, object]] = []
    for month in range(1, 13):
        for act in groups.get((None, month), []):
            entries.append(activity_cells(rng, act, CENTRE_STYLE))
            sheet.add([entries[-1][k] for k in ACT_KEYS])
        for extra in extras.get((None, month), []):
            assert extra.cells is not None
            entries.append(extra.cells)
            row = sheet.add([extra.cells[k] for k in ACT_KEYS])
            w.bad(
                rel, row, "activities", f"{extra.what} ({extra.cells['activity_id']})", "活动台账"
            )
    blank = (len(sheet.rows), len(sheet.rows) + 1)
    sheet.add([""] * width)
    sheet.add([""] * width)
    sheet.blank_rows = blank
    total: list[object] = ["合计"] + [""] * (width - 1)
    for key, value in column_totals(entries).items():
        total[ACT_KEYS.index(key)] = int(value) if value.is_integer() else value
    sheet.add(total)
    w.count("activities", len(entries))
    w.xlsx(rel, [sheet])
