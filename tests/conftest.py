"""The shared fixture warehouse: a tiny county, small enough to check every figure by hand.

``fixture_db`` (session-scoped) is the path of a warehouse built from the literal rows
below with ``pipelines.schema.DDL``; ``unit_tree`` and ``manifest`` are filled here, not
by the import pipeline, and the summary tables by ``pipelines.summaries.build``. Keep
the rows stable: tests of the metrics, the report CLI and the pages check numbers
against them. ``build_warehouse(path, divisions=False)`` builds
the same county without a 区划 list (coverage unknown).

What is costly is made once per run, not per test or module: ``made_once`` fills a folder
under the run's base temp for whichever xdist worker asks first (the county demo's
ledgers ``demo_ledgers``, their build ``demo_build``/``demo_db``, the one-year ledgers of
the build-mechanics tests ``demo_ledgers_one_year``); ``fixture_server`` is one
``streamlit run`` per worker on the fixture county for the browser tests that only read
it. These are shared: a test that changes one works on its own copy.

as_of: 2025-04-15 12:00. "Q1" below means 2025-01-01..2025-03-31.

Units (阵地)::

    unit  level  parent  division_code  serves                     opened_on
    ZX    中心   -       410106000000   -                          2019-10-01
    SA    所     ZX      (none)         -                          2020-01-01
    SB    所     ZX      410106002000   -                          2020-01-01
    ZA1   站     SA      410106001001   -                          2020-05-20
    ZA2   站     SA      410106001002   -                          2025-03-15 (after Feb)
    ZB1   站     SB      410106002001   410106002001;410106002002  (none: counts as open)
    ZB2   站     SB      410106002003   -                          2021-01-01
    DB1   点     ZB1     -              -                          -
    JD    基地   ZX      -              -                          -

Divisions (区划): county 410106000000, towns 410106001000 and 410106002000, villages
410106001001 (served by ZA1), 410106001002 (ZA2), 410106001003 (served by nobody),
410106002001 and 410106002002 (joint station ZB1), 410106002003 (ZB2), and one village
of another county, 410107001001. So the county has 6 villages, the warehouse 7.

Brands: B1 草堂叙语 (ZA1), B2 五云秀场 (ZB1), B3 四点半智慧课堂 (ZB2), B4 心系银发·微幸福
(SB, no activities).

Activities (服务人次 = 群众 attendance headcount where any, else 参与人次, else 0)::

    id   unit brand category  start_on   vol  hours target  reported 群众 attendance         志愿者 rows    人次
    A01  ZA1  B1    理论宣讲  2025-01-10  3   6.0   群众    50       P1 P2 P3 + headcount 10  V1 V2          13
    A02  ZA1  B1    理论宣讲  2025-02-24  2   4.5   老年人  20       P1 P4                    -              2
    A03  ZA1  -     便民服务  2025-03-05  1   2.0   老年人  -        -                        V1             0
    A04  ZB1  B2    文化服务  2025-01-20  5   10.0  群众    120      -                        -              120
    A05  DB1  B2    文化服务  2025-02-08  4   8.0   群众    80       headcount 60 + P2        V2             61
    A06  ZB1  -     卫生健康  2025-03-12  2   3.5   老年人  30       -                        V3             30
    A07  ZB2  B3    教育服务  2025-01-25  2   4.0   未成年人 15      P5 P6 P7                 -              3
    A08  ZB2  B3    教育服务  2025-04-08  1   2.0   未成年人 -       P5                       -              1
    A09  SA   -     法治宣传  2025-02-20  2   3.0   群众    40       -                        -              40
    A10  ZX   -     理论宣讲  2025-03-18  6   12.0  群众    200      -                        headcount 5    200
    A11  ZA2  -     健身体育  2025-03-20  2   2.5   -       25       P8 P1                    -              2
    A12  ZB1  B2    文化服务  2025-04-02  3   6.0   群众    90       headcount 45             -              45
    A13  ZA1  B1    理论宣讲  2024-12-20  1   1.5   群众    10       P1                       -              1
    A14  JD   -     科技科普  2025-03-08  0   -     未成年人 35      -                        -              35

A03 and A06 are 群众点单 activities (orders O1, O2). Q1 holds A01–A07, A09–A11, A14.

Ratings (评价)::

    A01  5 5 4 4                                      (4, sum 18)
    A02  4, 4 ("讲得很好"), 3 ("场地太小")            (3, sum 11)
    A04  1 ("声音太吵")                               (1, sum 1)   the single 1-star
    A05  5 5 5 4 3                                    (5, sum 22)
    A07  1 1 1 2×9 3 3 3                              (15, sum 30) the 15 averaging 2.0
         comments on ≤3: 老师讲得太快 ×3, "老师讲得太快，场地太小", 场地太小, "时间太短。"
    A09  5 ×10                                        (10, sum 50)
    A10  5 5 5 5 4 4 4 4                              (8, sum 36)
    A12  4 5                                          (2, sum 9)
    A13  5                                            (1, sum 5)

Orders (点单)::

    O1  2025-03-01 08:00  ZA1  accepted +4 h, completed      已完成
    O2  2025-03-10 09:00  ZB1  accepted +24 h, completed     已完成
    O3  2025-03-20 10:00  ZB2  -                             已取消
    O4  2025-03-25 10:00  ZB2  accepted +10 h                已接单
    O5  2025-02-10 15:00  ZA1  -                             待派单
    O6  2024-12-28 10:00  ZA1  accepted +2 h, completed      已完成

Targets (目标) 2025: ZX 活动场次 40, 服务人次 2000, 志愿服务时长 200, 满意率 0.9;
SA 活动场次 20. 2024: ZX 活动场次 30.

Figures of Q1, whole warehouse (= ZX), for quick reference (derivations in
tests/test_metrics.py): 11 场次, 506 服务人次 (11 signed in + 70 headcount lines + 425
reported), 8 服务人数, 55.5 小时, 29 志愿者人次, 3 志愿者人数, 46 ratings, mean 168/46 =
3.652, 满意率 28/46; coverage of ZX 5/6 villages, effective 3/6 (whole warehouse 5/7,
3/7); orders 5, completed 2, cancelled 1, median 10 h; flagged: A07, B3, A04, B1 (fell),
station ZB2 (65 days idle).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pipelines import summaries
from pipelines.schema import DDL

AS_OF = datetime(2025, 4, 15, 12, 0)
SOURCE = "fixture"

# unit_id, name, level, parent_id, division_code, serves, opened_on, is_model, lng, lat
UNITS = [
    ("ZX", "上街区新时代文明实践中心", "中心", None, "410106000000", None, date(2019, 10, 1), False, 113.281, 34.802),
    ("SA", "济源路街道新时代文明实践所", "所", "ZX", None, None, date(2020, 1, 1), False, None, None),
    ("SB", "峡窝镇新时代文明实践所", "所", "ZX", "410106002000", None, date(2020, 1, 1), False, 113.29, 34.81),
    ("ZA1", "东林子社区新时代文明实践站", "站", "SA", "410106001001", None, date(2020, 5, 20), True, 113.285, 34.805),
    ("ZA2", "西林子社区新时代文明实践站", "站", "SA", "410106001002", None, date(2025, 3, 15), False, None, None),
    ("ZB1", "五云联合新时代文明实践站", "站", "SB", "410106002001", ["410106002001", "410106002002"], None, True, 113.3, 34.82),
    ("ZB2", "营坡顶村新时代文明实践站", "站", "SB", "410106002003", None, date(2021, 1, 1), False, None, None),
    ("DB1", "五云秀场新时代文明实践点", "点", "ZB1", None, None, None, False, None, None),
    ("JD", "上街区红色教育实践基地", "基地", "ZX", None, None, None, False, None, None),
]  # fmt: skip

# code, name, urban_rural, is_village (no 常住人口)
DIVISION_COLUMNS = "code, name, urban_rural, is_village, source_file, source_sheet, source_row"
DIVISIONS = [
    ("410106000000", "上街区", None, False),
    ("410106001000", "济源路街道", None, False),
    ("410106001001", "东林子社区", "111", True),
    ("410106001002", "西林子社区", "111", True),
    ("410106001003", "南林子社区", "112", True),
    ("410106002000", "峡窝镇", None, False),
    ("410106002001", "杨家沟村", "220", True),
    ("410106002002", "老寨河村", "220", True),
    ("410106002003", "营坡顶村", "220", True),
    ("410107001001", "邻区某村", "220", True),
]

# brand_id, name, unit_id, category, started_on
BRANDS = [
    ("B1", "草堂叙语", "ZA1", "理论宣讲", date(2023, 3, 1)),
    ("B2", "五云秀场", "ZB1", "文化服务", date(2022, 6, 1)),
    ("B3", "四点半智慧课堂", "ZB2", "教育服务", None),
    ("B4", "心系银发·微幸福", "SB", "关爱帮扶", None),
]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


# order_id, ordered_at, category, content, unit_id, dispatched_at, accepted_unit_id,
# accepted_at, completed_at, status
ORDERS = [
    ("O1", _t("2025-03-01 08:00"), "便民服务", "修锁配钥匙", "ZA1", _t("2025-03-01 09:00"), "ZA1", _t("2025-03-01 12:00"), _t("2025-03-05 16:00"), "已完成"),
    ("O2", _t("2025-03-10 09:00"), "卫生健康", "老人量血压", "ZB1", _t("2025-03-10 10:00"), "ZB1", _t("2025-03-11 09:00"), _t("2025-03-12 11:00"), "已完成"),
    ("O3", _t("2025-03-20 10:00"), "文化服务", "广场舞指导", "ZB2", None, None, None, None, "已取消"),
    ("O4", _t("2025-03-25 10:00"), "教育服务", "作业辅导", "ZB2", _t("2025-03-25 11:00"), "ZB2", _t("2025-03-25 20:00"), None, "已接单"),
    ("O5", _t("2025-02-10 15:00"), "法治宣传", "反诈讲座", "ZA1", None, None, None, None, "待派单"),
    ("O6", _t("2024-12-28 10:00"), "便民服务", "理发", "ZA1", _t("2024-12-28 10:30"), "ZA1", _t("2024-12-28 12:00"), _t("2024-12-30 10:00"), "已完成"),
]  # fmt: skip

# activity_id, title, unit_id, brand_id, category, start_at, source, order_id,
# volunteer_count, volunteer_hours, target_group, reported_person_times
ACTIVITIES = [
    ("A01", "党的创新理论宣讲", "ZA1", "B1", "理论宣讲", "2025-01-10 09:00", "自主开展", None, 3, "6.0", "群众", 50),
    ("A02", "草堂叙语·银龄课", "ZA1", "B1", "理论宣讲", "2025-02-24 09:30", "自主开展", None, 2, "4.5", "老年人", 20),
    ("A03", "上门修锁配钥匙", "ZA1", None, "便民服务", "2025-03-05 14:30", "群众点单", "O1", 1, "2.0", "老年人", None),
    ("A04", "新春村晚", "ZB1", "B2", "文化服务", "2025-01-20 19:00", "自主开展", None, 5, "10.0", "群众", 120),
    ("A05", "五云秀场周末演出", "DB1", "B2", "文化服务", "2025-02-08 19:00", "自主开展", None, 4, "8.0", "群众", 80),
    ("A06", "健康义诊量血压", "ZB1", None, "卫生健康", "2025-03-12 08:30", "群众点单", "O2", 2, "3.5", "老年人", 30),
    ("A07", "四点半课堂·作业辅导", "ZB2", "B3", "教育服务", "2025-01-25 16:30", "自主开展", None, 2, "4.0", "未成年人", 15),
    ("A08", "四点半课堂·阅读", "ZB2", "B3", "教育服务", "2025-04-08 16:30", "自主开展", None, 1, "2.0", "未成年人", None),
    ("A09", "民法典进社区", "SA", None, "法治宣传", "2025-02-20 10:00", "自主开展", None, 2, "3.0", "群众", 40),
    ("A10", "百姓宣讲团开讲", "ZX", None, "理论宣讲", "2025-03-18 09:00", "自主开展", None, 6, "12.0", "群众", 200),
    ("A11", "全民健身晨练", "ZA2", None, "健身体育", "2025-03-20 07:00", "自主开展", None, 2, "2.5", None, 25),
    ("A12", "五云秀场清明诗会", "ZB1", "B2", "文化服务", "2025-04-02 19:00", "自主开展", None, 3, "6.0", "群众", 90),
    ("A13", "冬至宣讲", "ZA1", "B1", "理论宣讲", "2024-12-20 09:00", "自主开展", None, 1, "1.5", "群众", 10),
    ("A14", "科普研学", "JD", None, "科技科普", "2025-03-08 10:00", "自主开展", None, 0, None, "未成年人", 35),
]  # fmt: skip

# activity_id, person_id, headcount, role
ATTENDANCE = [
    ("A01", "P1", 1, "群众"),
    ("A01", "P2", 1, "群众"),
    ("A01", "P3", 1, "群众"),
    ("A01", None, 10, "群众"),
    ("A01", "V1", 1, "志愿者"),
    ("A01", "V2", 1, "志愿者"),
    ("A02", "P1", 1, "群众"),
    ("A02", "P4", 1, "群众"),
    ("A03", "V1", 1, "志愿者"),
    ("A05", None, 60, "群众"),
    ("A05", "P2", 1, "群众"),
    ("A05", "V2", 1, "志愿者"),
    ("A06", "V3", 1, "志愿者"),
    ("A07", "P5", 1, "群众"),
    ("A07", "P6", 1, "群众"),
    ("A07", "P7", 1, "群众"),
    ("A08", "P5", 1, "群众"),
    ("A10", None, 5, "志愿者"),
    ("A11", "P8", 1, "群众"),
    ("A11", "P1", 1, "群众"),
    ("A12", None, 45, "群众"),
    ("A13", "P1", 1, "群众"),
]

# activity_id, score, comment
RATINGS = (
    [("A01", s, None) for s in (5, 5, 4, 4)]
    + [("A02", 4, None), ("A02", 4, "讲得很好"), ("A02", 3, "场地太小")]
    + [("A04", 1, "声音太吵")]
    + [("A05", s, None) for s in (5, 5, 5, 4, 3)]
    + [
        ("A07", 1, "老师讲得太快"),
        ("A07", 1, "老师讲得太快"),
        ("A07", 1, "老师讲得太快，场地太小"),
        ("A07", 2, "老师讲得太快"),
        ("A07", 2, "场地太小"),
        ("A07", 2, "时间太短。"),
    ]
    + [("A07", 2, None)] * 6
    + [("A07", 3, None)] * 3
    + [("A09", 5, None)] * 10
    + [("A10", s, None) for s in (5, 5, 5, 5, 4, 4, 4, 4)]
    + [("A12", 4, None), ("A12", 5, None)]
    + [("A13", 5, None)]
)

# year, unit_id, metric, value
TARGETS = [
    (2025, "ZX", "活动场次", 40.0),
    (2025, "ZX", "服务人次", 2000.0),
    (2025, "ZX", "志愿服务时长", 200.0),
    (2025, "ZX", "满意率", 0.9),
    (2025, "SA", "活动场次", 20.0),
    (2024, "ZX", "活动场次", 30.0),
]


def _unit_tree() -> list[tuple[str, str, int]]:
    parent = {u[0]: u[3] for u in UNITS}
    rows = []
    for unit_id in parent:
        ancestor, depth = unit_id, 0
        while ancestor is not None:
            rows.append((unit_id, ancestor, depth))
            ancestor, depth = parent[ancestor], depth + 1
    return rows


# columns the fixture county leaves NULL (未报送): the optional columns of the practices
# and of 区划
UNFILLED = {
    "units": ("head", "is_rules_posted", "room_count", "area_sqm"),
    "attendance": ("service_hours",),
    "divisions": ("population",),
}


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], columns: str = ""
) -> None:
    """Rows into the table's columns in order, less the ``UNFILLED`` ones; ``columns``
    names them instead where a caller fills an optional column."""
    if not rows:
        return
    names = [
        f'"{name}"'
        for (name, *_rest) in con.execute(f"DESCRIBE {table}").fetchall()
        if name not in UNFILLED.get(table, ())
    ]
    marks = ", ".join("?" * len(rows[0]))
    if columns:
        names = [c.strip() for c in columns.split(",")]
    con.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def _with_source(rows: list[tuple]) -> list[tuple]:
    return [(*row, SOURCE, None, i) for i, row in enumerate(rows, start=2)]


def build_warehouse(path: Path, *, divisions: bool = True) -> Path:
    """Write the fixture county to ``path`` (a new DuckDB file) and return the path."""
    con = duckdb.connect(str(path))
    try:
        for ddl in DDL.values():
            con.execute(ddl)
        _insert(con, "units", _with_source(UNITS))
        if divisions:
            _insert(con, "divisions", _with_source(DIVISIONS), DIVISION_COLUMNS)
        _insert(con, "brands", _with_source(BRANDS))
        _insert(con, "orders", _with_source(ORDERS))
        activities = [
            (
                *row[:5],
                _t(row[5]),
                _t(row[5]).date(),
                None,  # end_at
                row[6],
                row[7],
                row[8],
                Decimal(row[9]) if row[9] is not None else None,
                row[10],
                row[11],
                "文明实践广场",  # location
            )
            for row in ACTIVITIES
        ]
        _insert(con, "activities", _with_source(activities))
        attendance = [(a, p, n, None, None, role) for a, p, n, role in ATTENDANCE]
        _insert(con, "attendance", _with_source(attendance))
        ratings = [(a, f"R{i:02d}", s, c, None) for i, (a, s, c) in enumerate(RATINGS, start=1)]
        _insert(con, "ratings", _with_source(ratings))
        _insert(con, "targets", _with_source(TARGETS))
        _insert(con, "unit_tree", _unit_tree())
        summaries.build(con)  # as the build does once unit_tree is filled
        _insert(con, "manifest", [(AS_OF, AS_OF, "fixture", "{}")])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of the fixture county's warehouse (see the module docstring)."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "fixture.duckdb")


@pytest.fixture(scope="session")
def fixture_db_without_divisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture county with no 区划 list imported."""
    path = tmp_path_factory.mktemp("warehouse") / "no_divisions.duckdb"
    return build_warehouse(path, divisions=False)


@pytest.fixture
def downloads(monkeypatch):
    """The deferred download callables registered while a page runs, by file name."""
    found: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data, mimetype, coordinates, file_name=None, **kw):
        found[file_name] = data
        return original(self, data, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def open_app(fixture_db, monkeypatch):
    """Run the app on the fixture warehouse: ``open_app(page, **query_params)``."""

    def run(page: str | None = None, db: Path = fixture_db, **query: str) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


@pytest.fixture(scope="session")
def practice_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The practice county of tests/practice_county.py (五有、红灰黑榜、三张清单、积分)."""
    from practice_county import build_practice_warehouse

    return build_practice_warehouse(tmp_path_factory.mktemp("warehouse") / "practice.duckdb")


# A brand rated low as a whole, held in eight sessions of the same title at two stations:
# B5 星光课堂 (ZA1), activities S1–S8 "星光课堂·插花" weekly from 2025-01-06, at ZA1 (odd)
# and ZB2 (even), each rated 2 by four raters (32 ratings, mean 2.0).
STARRY_BRAND = ("B5", "星光课堂", "ZA1", "教育服务", None)
STARRY_SESSIONS = [
    (
        f"S{k + 1}",
        "星光课堂·插花",
        "ZA1" if k % 2 == 0 else "ZB2",
        date(2025, 1, 6) + timedelta(weeks=k),
    )
    for k in range(8)
]
STARRY_RATINGS_EACH, STARRY_SCORE = 4, 2


@pytest.fixture(scope="session")
def starry_db(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture county plus the low-rated brand 星光课堂 and its eight sessions."""
    path = tmp_path_factory.mktemp("warehouse") / "starry.duckdb"
    shutil.copyfile(fixture_db, path)
    con = duckdb.connect(str(path))
    try:
        _insert(con, "brands", _with_source([STARRY_BRAND]))
        activities = [
            (a, title, unit, "B5", "教育服务", datetime(d.year, d.month, d.day, 15), d, None,
             "自主开展", None, 1, Decimal("2.0"), "群众", 20, "文明实践广场")
            for a, title, unit, d in STARRY_SESSIONS
        ]  # fmt: skip
        _insert(con, "activities", _with_source(activities))
        ratings = [
            (a, f"{a}R{i}", STARRY_SCORE, None, None)
            for a, *_ in STARRY_SESSIONS
            for i in range(STARRY_RATINGS_EACH)
        ]
        _insert(con, "ratings", _with_source(ratings))
        summaries.build(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def integrity_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from ledgers with each integrity-audit pattern planted beside a
    near miss (tests/integrity_ledgers.py)."""
    from integrity_ledgers import build_planted

    return build_planted(tmp_path_factory.mktemp("integrity"))


# ---------------------------------------------------------------- shared across workers
# Under ``pytest -n 2`` each worker runs every session fixture it needs; the costly ones
# below are made once per run by whichever worker asks first and read by the other.


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker sees (the run's own base temp when
    the tests run in one process)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``path`` (created if missing) across processes."""
    try:
        import fcntl
    except ImportError:  # Windows: one worker per run there, no lock needed
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]):
    """The folder ``name`` of this run, filled by ``make(folder)`` the first time any
    worker asks for it; a folder left half-made by a failed ``make`` is made again."""
    root = shared_dir(tmp_path_factory)
    folder, done = root / name, root / f"{name}.done"
    with _locked(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            make(folder)
            done.touch()
    return folder


def _write_county_demo(folder: Path) -> None:
    from pipelines.demo import write_demo

    summary = write_demo(folder / "demo", scale="county")
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), "utf-8")


@pytest.fixture(scope="session")
def demo_ledgers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The county demo's ledger folder (``wenming demo``, seed 1) and the summary
    ``write_demo`` returned, written once per run. Read it; never write into it."""
    folder = made_once(tmp_path_factory, "demo-county", _write_county_demo)
    return folder / "demo", json.loads((folder / "summary.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def demo_ledgers_one_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year (2025) of the county demo, seed 3: the ledgers the build-mechanics tests
    (test_append, test_incremental) build, written once per run. Copy before changing."""
    from pipelines.demo import write_demo

    def make(folder: Path) -> None:
        write_demo(folder, scale="county", year=2025, seed=3, years=1)

    return made_once(tmp_path_factory, "demo-county-2025-seed3", make)


@pytest.fixture(scope="session")
def demo_build_one_year(demo_ledgers_one_year, tmp_path_factory) -> tuple[Path, str]:
    """``demo_ledgers_one_year`` built once per run (as of 2025-12-31 23:59:59): the
    warehouse ``wh.duckdb`` with its staged cache beside it, and the salt it was built
    with (set ``WENMING_SALT`` to it before building on a copy). test_append and
    test_incremental start from copies of its folder; never write into it."""
    from pipelines.build import build
    from pipelines.build_cli import parse_as_of

    salt = "build-mechanics-test"

    def make(folder: Path) -> None:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WENMING_SALT", salt)
            as_of = parse_as_of("2025-12-31T23:59:59")
            build([demo_ledgers_one_year], folder / "wh.duckdb", as_of=as_of)

    return made_once(tmp_path_factory, "demo-county-2025-seed3-build", make) / "wh.duckdb", salt


@pytest.fixture(scope="session")
def demo_build(demo_ledgers, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The county demo built as ``make run`` builds it (``wenming build … --json``), once
    per run: the warehouse's path and the manifest the command printed. The ledgers are
    ``path.parent / "demo"``. Copy the warehouse before changing it."""
    from import_helpers import build as build_cli

    def make(folder: Path) -> None:
        (folder / "demo").symlink_to(demo_ledgers[0], target_is_directory=True)
        manifest = build_cli(
            demo_ledgers[0], db=folder / "demo.duckdb", as_of="2025-12-31T23:59:59"
        )
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")

    folder = made_once(tmp_path_factory, "demo-county-build", make)
    return folder / "demo.duckdb", json.loads((folder / "manifest.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def demo_db(demo_build) -> Path:
    """The county demo (``wenming demo``, seed 1), built as ``make run`` builds it; its
    ledgers are ``demo_db.parent / "demo"``. Shared by every test of the run: read only."""
    return demo_build[0]


@pytest.fixture(scope="session")
def browser():
    """The system Chromium through Playwright, one per worker for every browser test file
    (each file's tests open their own contexts in it): a launch costs seconds of CPU."""
    from test_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM:
        pytest.skip("chromium is not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def fixture_server(fixture_db) -> Iterator[str]:
    """``streamlit run`` on the fixture county, one per worker for the browser tests that
    only read it (test_browser, test_browser_shell, test_drill_browser): its base URL."""
    from test_browser import serve

    with serve(fixture_db, "server.log") as base:
        yield base


# Recorded wall seconds per test file, and per test for the browser tests (refresh with
# the numbers of a ``--durations=0`` run when files change a lot; a file missing here
# counts UNRECORDED_S per test). Used only to order the run, never asserted.
DURATIONS = Path(__file__).with_name("durations.json")
UNRECORDED_S = 0.5


def _uses_module_fixture(item: pytest.Item) -> bool:
    """Whether the test uses a fixture kept for its module or class (moving it away from
    its neighbours would make that fixture again)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return True
    return any(
        defs[-1].scope in ("module", "class", "package")
        for defs in info.name2fixturedefs.values()
        if defs
    )


def order_longest_first(items: list[pytest.Item]) -> None:
    """Longest first, browser tests woven between the others.

    xdist hands the tests out one at a time in this order, so the long ones start early
    and the run ends on short ones on both workers. A browser test mostly waits on its
    server and Chromium: woven in by recorded time, about one worker drives a browser
    while the other computes, instead of both waiting at once. A test file's tests stay
    together (its module fixtures are made once per worker), except browser tests that
    use no module fixture, which are placed one by one."""
    if not DURATIONS.exists():
        return
    recorded = json.loads(DURATIONS.read_text("utf-8"))
    per_file, per_test = recorded.get("modules", {}), recorded.get("tests", {})
    blocks: dict[str, list[pytest.Item]] = {}
    for item in items:
        alone = item.get_closest_marker("browser") and not _uses_module_fixture(item)
        blocks.setdefault(item.nodeid if alone else item.nodeid.split("::")[0], []).append(item)

    def cost(block: list[pytest.Item]) -> float:
        if all(item.nodeid in per_test for item in block):
            return sum(per_test[item.nodeid] for item in block)
        return per_file.get(block[0].nodeid.split("::")[0], UNRECORDED_S * len(block))

    def longest_first(browser: bool) -> list[tuple[float, list[pytest.Item]]]:
        chosen = [b for b in blocks.values() if bool(b[0].get_closest_marker("browser")) == browser]
        return sorted(((cost(b), b) for b in chosen), key=lambda pair: -pair[0])

    browser, other = longest_first(True), longest_first(False)
    ordered: list[pytest.Item] = []
    spent = {True: 0.0, False: 0.0}
    while browser or other:
        take_browser = bool(browser) and (not other or spent[True] <= spent[False])
        seconds, block = (browser if take_browser else other).pop(0)
        spent[take_browser] += seconds
        ordered.extend(block)
    items[:] = ordered


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, give each test of an ``xdist_group`` the ``@group``
    suffix the scheduler groups by. pytest-xdist 3.8 writes it to ``item._nodeid``, which
    pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386): the Spark tests were spread
    over both workers and each built the ledger set on Spark. Drop this once xdist sets it.
    First the tests are put in the order they are handed out in (``order_longest_first``)."""
    order_longest_first(items)
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers only
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})  # fmt: skip
        suffix = f"@{'_'.join(names)}"
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)
