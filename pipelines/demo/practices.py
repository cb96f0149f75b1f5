"""The practices of the source documents in the demo: volunteer teams, each volunteer's
hours, redemptions at the 爱心超市, and the 五有 columns of the 所 and 站.

Runs after every other generator (one call in ``write_demo``) and reads what they wrote:
the units and activities files, through the import's own reader and row-local rules,
less the rows the summary lists as bad, so it works on whatever span and scale the demo
has. Shaped like 平遥县卜宜乡 (21 villages: 34 teams, 330 volunteers, every village with a
team): each 所 has eight teams of its own (the "8" of "8+N") and most 站 one or two; a
town's volunteers are as many as its teams' members, a few of them doing most of the
hours (so some cross the 100/300-hour star thresholds).

Files (under ``practices/``): 志愿服务队伍.csv, 志愿服务时长登记.csv (志愿者 sign-ins with
服务时长（小时）, under a 志愿者编号 header; their own volunteer ids, so no key meets a sign-in
of another file), 爱心超市积分兑换.csv. Units files get four columns more (负责人, 制度上墙,
功能室数量, 场所面积（平方米）), filled for most 所 and 站 and left empty for some (未报送).
Every row loads: none is deliberately bad, and the counts go to the writer's summary.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from pipelines import read
from pipelines.contract import CATEGORIES
from pipelines.demo.integrity_plants import FOLDER as PLANTS_FOLDER
from pipelines.demo.writer import Writer
from pipelines.validate import prepare_local

FOLDER = "practices/"
TEAMS_FILE = FOLDER + "志愿服务队伍.csv"
HOURS_FILE = FOLDER + "志愿服务时长登记.csv"
REDEMPTIONS_FILE = FOLDER + "爱心超市积分兑换.csv"
TEAMS_HEADER = ["队伍编码", "队伍名称", "所属阵地编码", "服务类别", "成立日期", "队员人数"]
HOURS_HEADER = ["活动编码", "志愿者编号", "服务时长（小时）"]
REDEMPTIONS_HEADER = ["兑换编号", "志愿者编号", "兑换阵地编码", "兑换时间", "兑换积分", "兑换物品"]
UNIT_COLUMNS = ["负责人", "制度上墙", "功能室数量", "场所面积（平方米）"]
HEAD_ROWS = 8  # rows of a demo CSV searched for its header

TOWN_TEAMS = 8  # the "8" of 卜宜乡's "8+N": teams of the 所 itself
POINTS_PER_HOUR = 10  # the figure's default (practices.md): points earned per hour
MAX_PERSONS = 4  # volunteers given hours per activity, unless its hours need more
MAX_TENTHS = 120  # one volunteer's hours in one activity, in tenths: the audit's 12-hour bound
OFF_SHARE = 0.03  # activities whose persons' hours differ from the ledger's by > 10 %
OVER_SHARE = 0.02  # redemptions larger than the balance (the audit lists them)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国卫东海燕红梅志强秀英桂兰立新春生玉兰振华丽娟国庆文斌晓明淑珍永刚雪梅德胜凤英"
ITEMS = ("洗衣液", "食用油", "大米", "毛巾", "香皂", "牙膏", "酱油", "挂面", "保温杯", "雨伞")
TEAM_WORDS = {
    "理论宣讲": "宣讲",
    "教育服务": "助学",
    "文化服务": "文艺",
    "科技科普": "科普",
    "健身体育": "健身",
    "卫生健康": "健康",
    "便民服务": "便民",
    "关爱帮扶": "关爱",
    "法治宣传": "普法",
    "移风易俗": "乡风文明",
}


@dataclass
class Unit:
    """A unit as the build will load it: what teams, pools and the 五有 columns need."""

    unit_id: str
    name: str
    level: str
    parent_id: str | None


def write_practices(w: Writer, seed: int) -> None:
    """Teams, volunteers' hours and redemptions from the units and activities ``w`` wrote,
    and the 五有 columns added to its units files."""
    # which table each CSV written so far holds, by its header
    tables = {
        rel: _csv_table(w.root / rel) for rel in dict.fromkeys(w.files) if rel.endswith(".csv")
    }
    units, activities = _generated(w, tables)
    if not units:
        return
    rng = random.Random(f"{seed}-practices")
    _add_unit_columns(w, tables, units, seed)
    teams = _teams(rng, units)
    w.csv(TEAMS_FILE, [TEAMS_HEADER, *teams], "utf-8-sig")
    w.count("teams", len(teams))
    pools = _pools(units, teams)
    towns = {u: _town(units, u) for u in units}
    activities = activities.with_columns(
        pl.col("unit_id").replace_strict(towns, default=None, return_dtype=pl.String).alias("town")
    ).filter(pl.col("town").is_in(list(pools)))
    order = {town: n for n, town in enumerate(pools)}
    activities = activities.sort(
        pl.col("town").replace_strict(order, return_dtype=pl.Int64), "start_at", "activity_id"
    )
    # town by town, so a province's millions of rows never sit in memory at once
    with (
        _csv_out(w, HOURS_FILE, HOURS_HEADER) as hours_out,
        _csv_out(w, REDEMPTIONS_FILE, REDEMPTIONS_HEADER) as redemptions_out,
    ):
        counted = {"attendance": 0, "redemptions": 0}
        for (town,), acts in activities.group_by("town", maintain_order=True):
            hours = _hours(rng, acts, pools[town])
            hours_out.writerows(h[:3] for h in hours)
            redemptions = _redemptions(rng, town, hours, counted["redemptions"])
            redemptions_out.writerows(redemptions)
            counted["attendance"] += len(hours)
            counted["redemptions"] += len(redemptions)
    for table, n in counted.items():
        w.count(table, n)


@contextmanager
def _csv_out(w: Writer, rel: str, header: list[str]):
    """A CSV writer on a new demo file (UTF-8 with BOM, CRLF lines, as ``Writer.csv``)."""
    with w.file_path(rel).open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(header)
        yield out


# ---------------------------------------------------------------- what was generated


def _generated(w: Writer, tables: dict[str, str | None]) -> tuple[dict[str, Unit], pl.DataFrame]:
    """The units and activities the build will load, in file order: read as the import
    reads them, the summary's bad rows left out, the first row of a code kept."""
    bad = pl.DataFrame(
        [(b["file"], b.get("sheet") or "", b["row"]) for b in w.bad_rows],
        schema={"_file": pl.String, "_sheet": pl.String, "_row": pl.Int64},
        orient="row",
    )
    raw: dict[str, list[pl.DataFrame]] = {"units": [], "activities": []}
    for rel in sorted(dict.fromkeys(w.files)):
        if rel in tables and tables[rel] not in raw:
            continue
        if f"/{PLANTS_FOLDER}" in f"/{rel}":
            continue  # the audit's 补报 plants: their padded figures stay as planted
        for sheet in read.read_source(w.root / rel):
            if sheet.status == "loaded" and sheet.table in raw:
                where = [pl.lit(rel).alias("_file"), pl.lit(sheet.sheet or "").alias("_sheet")]
                frame = sheet.frame.drop("_raw", "_defect", "_defect_reason", strict=False)
                raw[sheet.table].append(frame.with_columns(where))
    frames: dict[str, list[pl.DataFrame]] = {}
    for table, parts in raw.items():  # typed once per table: the rules run per distinct value
        if not parts:
            frames[table] = []
            continue
        typed = prepare_local(table, pl.concat(parts, how="diagonal_relaxed"))
        typed = typed.with_columns(pl.col("_row").cast(pl.Int64))
        frames[table] = [
            typed.filter(pl.col("_code").is_null()).join(
                bad, on=["_file", "_sheet", "_row"], how="anti", maintain_order="left"
            )
        ]
    units: dict[str, Unit] = {}
    for frame in frames["units"]:
        for unit_id, name, level, parent in frame.select(
            "t_unit_id", "t_name", "t_level", "t_parent_id"
        ).iter_rows():
            units.setdefault(unit_id, Unit(unit_id, name, level, parent))
    columns = {
        "t_activity_id": "activity_id",
        "t_unit_id": "unit_id",
        "t_start_at": "start_at",
        "t_end_at": "end_at",
        "t_volunteer_hours": "hours",
        "t_volunteer_count": "count",
    }
    activities = pl.concat(
        [
            pl.DataFrame(
                schema={
                    "t_activity_id": pl.String,
                    "t_unit_id": pl.String,
                    "t_start_at": pl.Datetime("us"),
                    "t_end_at": pl.Datetime("us"),
                    "t_volunteer_hours": pl.Float64,
                    "t_volunteer_count": pl.Int64,
                }
            ),
            *[f.select(list(columns)) for f in frames["activities"]],
        ],
        how="diagonal_relaxed",
    )
    activities = (
        activities.rename(columns)
        .unique("activity_id", keep="first", maintain_order=True)
        .filter(pl.col("unit_id").is_in(list(units)) & (pl.col("hours") > 0))
    )
    return units, activities


def _csv_table(path: Path) -> str | None:
    """The table a CSV's header names, from its first lines only (the demo writes at
    most a title, a 填报单位 line and a two-row header above its data)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 13)
    head = head[: head.rfind(b"\n") + 1] or head  # no character cut in two
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="ignore")
    rows = list(csv.reader(io.StringIO(text)))[:HEAD_ROWS]
    found = read.locate_header(rows)
    return found.table if found else None


# ---------------------------------------------------------------- 阵地: the 五有 columns


def _station_columns(unit: Unit, seed: int) -> list[object]:
    """负责人, 制度上墙, 功能室数量, 场所面积 of a 所 or 站: most report all four, some
    leave one out, a few none (未报送)."""
    rng = random.Random(f"{seed}-unit-{unit.unit_id}")
    roll = rng.random()
    if roll < 0.08:
        return ["", "", "", ""]
    head = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
    posted = "是" if rng.random() < 0.85 else "否"
    rooms = 0 if rng.random() < 0.06 else rng.randint(2, 12 if unit.level == "所" else 6)
    area = rng.randint(300, 2400) if unit.level == "所" else rng.randint(60, 800)
    values: list[object] = [head, posted, rooms, area]
    if roll < 0.16:
        values[rng.randrange(4)] = ""  # one of them not sent
    return values


def _add_unit_columns(
    w: Writer, tables: dict[str, str | None], units: dict[str, Unit], seed: int
) -> None:
    """Add the four columns to every units sheet that holds a 所 or 站, in place."""
    for rel in sorted(dict.fromkeys(w.files)):
        if rel in w.workbooks:
            sheets = w.workbooks[rel]
            if any(_amend(sheet.rows, units, seed) for sheet in sheets):
                w.xlsx(rel, sheets)
                w.files.remove(rel)  # written again, listed once
        elif tables.get(rel) == "units":
            path = w.root / rel
            data = path.read_bytes()
            encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                encoding = "gb18030"
                text = data.decode(encoding)
            rows: list[list[object]] = list(csv.reader(io.StringIO(text, newline="")))
            if _amend(rows, units, seed):
                out = io.StringIO()
                csv.writer(out, lineterminator="\r\n").writerows(rows)
                path.write_bytes(out.getvalue().encode(encoding))


def _amend(rows: list[list[object]], units: dict[str, Unit], seed: int) -> bool:
    """Adds the columns to a units sheet's rows (a list of cell lists); False when the
    sheet is not one, or holds no 所 or 站."""
    cells = [[read.cell_text(c) for c in row] for row in rows[: read.HEADER_SCAN_ROWS]]
    found = read.locate_header(cells)
    if found is None or found.table != "units":
        return False
    column = next(j for j, key in found.mapping.items() if key == "unit_id")
    below = rows[found.row + 1 :]
    codes = [read.cell_text(r[column]).strip() if column < len(r) else "" for r in below]
    if not any(units.get(c) and units[c].level in ("所", "站") for c in codes):
        return False
    width = max(len(r) for r in rows[: found.row + 1])
    rows[found.row] = [*rows[found.row], *[""] * (width - len(rows[found.row])), *UNIT_COLUMNS]
    for i, code in enumerate(codes, start=found.row + 1):
        unit = units.get(code)
        if unit is None or unit.level not in ("所", "站") or not any(rows[i]):
            continue
        rows[i] = [*rows[i], *[""] * (width - len(rows[i])), *_station_columns(unit, seed)]
    return True


# ---------------------------------------------------------------- 队伍


def _teams(rng: random.Random, units: dict[str, Unit]) -> list[list[object]]:
    """Eight teams of each 所, one or two of most 站: code, name, unit, category,
    founded, members (some under 10, so 有队伍 is not every station's)."""
    categories = list(CATEGORIES)
    rows: list[list[object]] = []
    for unit in units.values():
        if unit.level == "所":
            chosen = rng.sample(categories, TOWN_TEAMS)
            members = [rng.randint(12, 40) for _ in chosen]
        elif unit.level == "站":
            n = 0 if rng.random() < 0.06 else 2 if rng.random() < 0.3 else 1
            chosen = rng.sample(categories, n)
            members = [rng.randint(6, 24) for _ in chosen]
        else:
            continue
        for category, count in zip(chosen, members, strict=True):
            founded = date(2019, 3, 5) + timedelta(days=rng.randrange(5 * 365))
            name = f"{_short(unit.name)}{TEAM_WORDS[category]}志愿服务队"
            rows.append(
                [f"DW{len(rows) + 1:06d}", name, unit.unit_id, category, founded.isoformat(), count]
            )
    return rows


def _short(name: str) -> str:
    for suffix in ("新时代文明实践站", "新时代文明实践所", "文明实践站", "文明实践所", "实践站"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _town(units: dict[str, Unit], unit_id: str) -> str | None:
    """The 所 a unit belongs to, else its 中心 (a 基地 or the 中心 itself)."""
    seen = set()
    current: str | None = unit_id
    centre = None
    while current in units and current not in seen:
        seen.add(current)
        unit = units[current]
        if unit.level == "所":
            return current
        if unit.level == "中心" and centre is None:
            centre = current
        current = unit.parent_id
    return centre


def _pools(units: dict[str, Unit], teams: list[list[object]]) -> dict[str, list[str]]:
    """Each town's volunteers (and a 中心's for its own and its bases' activities): as
    many as its teams' members, at least 20; pseudonymous ids."""
    members: dict[str, int] = defaultdict(int)
    for _code, _name, unit_id, _cat, _founded, count in teams:
        town = _town(units, unit_id)
        if town is not None:
            members[town] += count
    pools = {}
    for n, town in enumerate(u for u in units if units[u].level in ("所", "中心")):
        size = max(20, members.get(town, 0))
        pools[town] = [f"ZY{n + 1:05d}{k:04d}" for k in range(1, size + 1)]
    return pools


# ---------------------------------------------------------------- 服务时长


def _hours(rng: random.Random, activities: pl.DataFrame, pool: list[str]) -> list[tuple]:
    """Per activity of one town (in time order), up to four of the town's volunteers (more
    where the hours need them) and their hours: (activity, person, hours text, day,
    tenths), summing to the ledger's 志愿服务时长 (to a tenth), except a few activities a
    third over it. No one's hours exceed the activity's duration or 12 hours, so the
    audit lists only those few (check 5's 合计 rule); an activity whose hours the pool
    cannot spread so gets none."""
    weights = list(_cumulative([1 / (k + 1) ** 0.9 for k in range(len(pool))]))  # a few do most
    rows: list[tuple] = []
    for activity_id, start, end, hours, count in activities.select(
        "activity_id", "start_at", "end_at", "hours", "count"
    ).iter_rows():
        tenths = round(hours * (13 if rng.random() < OFF_SHARE else 10))
        cap = MAX_TENTHS
        if end is not None:
            cap = min(cap, int((end - start).total_seconds()) // 360)
        k = max(1, min(count or 3, MAX_PERSONS), math.ceil(tenths / max(cap, 1)))
        if cap < 1 or k > len(pool):
            continue
        persons = _pick(rng, pool, weights, k)
        persons = persons[: max(1, min(len(persons), tenths))]
        shares = _split(rng, tenths, len(persons), cap)
        day = start.date()
        for person, share in zip(persons, shares, strict=True):
            rows.append((activity_id, person, _decimal(share), day, share))
    return rows


def _cumulative(values: list[float]):
    total = 0.0
    for v in values:
        total += v
        yield total


def _pick(rng: random.Random, pool: list[str], cum: list[float], k: int) -> list[str]:
    """``k`` distinct volunteers, the busy ones likelier (draws in batches: one call
    per activity in the usual case)."""
    chosen: dict[str, None] = {}
    while len(chosen) < k:
        for person in rng.choices(pool, cum_weights=cum, k=2 * k):
            chosen.setdefault(person)
    return list(chosen)[:k]


def _split(rng: random.Random, tenths: int, n: int, cap: int) -> list[int]:
    """``tenths`` tenths of an hour in ``n`` positive parts, each at most ``cap`` (the
    caller makes ``n`` × ``cap`` at least ``tenths``); the excess of a part above the cap
    goes to the parts below it, in order, so the sum stays."""
    cuts = sorted(rng.sample(range(1, tenths), n - 1)) if n > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, tenths], strict=True)]
    excess = sum(max(0, p - cap) for p in parts)
    parts = [min(p, cap) for p in parts]
    for i, p in enumerate(parts):
        moved = min(excess, cap - p)
        parts[i] += moved
        excess -= moved
    return parts


def _decimal(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)


# ---------------------------------------------------------------- 积分兑换


def _redemptions(rng: random.Random, town: str, hours: list[tuple], before: int) -> list[list]:
    """Up to three redemptions of each of a town's volunteers, at its 爱心超市 on the day
    of one of their later activities, for part of the points earned before that day; a
    few for more than the balance. Numbered on from ``before``."""
    history: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for _activity, person, _text, day, tenths in hours:
        history[person].append((day, tenths))
    rows: list[list] = []
    for person in sorted(history):
        days = sorted(history[person])
        if len(days) < 3:
            continue
        picks = sorted(rng.sample(range(1, len(days)), min(rng.randint(0, 3), len(days) - 1)))
        redeemed = 0
        for i in picks:
            day = days[i][0]
            earned = sum(t for d, t in days if d < day) * POINTS_PER_HOUR // 10
            balance = earned - redeemed
            if rng.random() < OVER_SHARE:
                points = balance + rng.randint(5, 40) * 5
            elif balance >= 10:
                points = max(5, balance * rng.randint(3, 7) // 50 * 5)
            else:
                continue
            redeemed += points
            at = datetime(day.year, day.month, day.day, rng.randint(15, 17), rng.choice((0, 30)))
            rows.append([person, at, points, rng.choice(ITEMS)])
    rows.sort(key=lambda r: (r[1], r[0]))
    return [
        [f"DH{n:08d}", person, town, at.strftime("%Y-%m-%d %H:%M"), points, item]
        for n, (person, at, points, item) in enumerate(rows, start=before + 1)
    ]
