"""A small county where every part of every practice figure is planted (五有、红灰黑榜、
三张清单、积分、星级志愿者); ``build_practice_warehouse(path)`` writes it. The tests
(test_practices, test_practice_pages) work each expected figure out from the rows below.

as_of 2025-06-20 12:00. "Q2" is 2025-04-01..2025-06-30 (3 months touched up to as-of);
effective_k 1, so a station needs 3 activities in Q2 to be 有活动.

Units::

    unit level parent 制度上墙 负责人 挂牌日期    功能室 面积
    ZX   中心  -      -        -      -           -      -
    S1   所    ZX     是       张所长 2020-01-01  3      -
    S2   所    ZX     -        -      2020-01-01  -      -
    T1   站    S1     是       李站长 2021-01-01  2      -
    T2   站    S1     否       王站长 2021-01-01  -      120.5   (lacks only 有机制)
    T3   站    S1     -        -      2021-01-01  0      0       (no ratings)
    T4   站    S1     是       -      2021-01-01  -      50
    T5   站    S2     否       -      -           1      -
    T6   站    S2     -        -      2025-07-01  1      -       (opened after Q2)

Teams: K1 T1 理论宣讲 12; K2 T2 文化服务 15; K3 T3 (no category) no count; K4 T4 卫生健康 8;
K6 T6 便民服务 10 founded 2025-08-01 (after Q2). Brands: B1 T1 理论宣讲; B2 S1 文化服务.

Activities of Q2 (unit, category, brand, order): A0 ZX 理论宣讲; A1 T1 理论宣讲 B1 O1; A2,
A3 T1 理论宣讲; A4 T2 文化服务 B2 O2; A5, A6 T2 文化服务; A7 T3 卫生健康; A8 T5 法治宣传
O5; A9, A10 T5 法治宣传; A11, A12 T6 关爱帮扶. Q1: Q1a–Q1c T3 卫生健康 (Jan, Feb, Mar),
Q1d T1 理论宣讲 (1 March). 2024: H01–H13 at T1.

Ratings of Q2: A0 5×6; A1 5 5; A4 5 5; A8 2×5; A11 4 (16 ratings, sum 64: mean 4.0).

Orders of Q2: O1 T1 理论宣讲 completed; O2 T2 文化服务 completed; O3 T6 关爱帮扶
cancelled; O4 T6 关爱帮扶 accepted, not completed; O5 T5 法治宣传 completed.

Volunteer hours (志愿者 sign-ins with 服务时长): V1 20 h at each of H01–H13 (260 h), 24 h at
A1 (10 April), 20 h at A2 (10 May): 304 h by 30 June, crossing 300 inside Q2. V2 24 h at
H01–H05 (120 h), 10 h at A4 (12 April). V3 8 h at A8 (15 April). V4 5.5 h at A11 (20
April). V5 at A12 without hours.

Redemptions: R1 V1 T1 2025-04-20 500; R2 V3 T5 2025-05-01 100 (V3 has earned only 80: over
the balance); R3 V2 T2 2025-06-01 200; R4 V2 T2 2025-03-10 50 (Q1).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines import summaries
from pipelines.schema import DDL

AS_OF = datetime(2025, 6, 20, 12, 0)
SOURCE = "practice"

UNIT_COLUMNS = (
    "unit_id name level parent_id opened_on is_model is_rules_posted head room_count area_sqm"
)
UNITS = [
    ("ZX", "示范县新时代文明实践中心", "中心", None, None, False, None, None, None, None),
    ("S1", "卜宜乡新时代文明实践所", "所", "ZX", date(2020, 1, 1), False, True, "张所长", 3, None),
    ("S2", "东河乡新时代文明实践所", "所", "ZX", date(2020, 1, 1), False, None, None, None, None),
    ("T1", "卜宜村新时代文明实践站", "站", "S1", date(2021, 1, 1), False, True, "李站长", 2, None),
    ("T2", "梁家庄新时代文明实践站", "站", "S1", date(2021, 1, 1), False, False, "王站长", None, 120.5),
    ("T3", "西泉村新时代文明实践站", "站", "S1", date(2021, 1, 1), False, None, None, 0, 0.0),
    ("T4", "北沟村新时代文明实践站", "站", "S1", date(2021, 1, 1), False, True, None, None, 50.0),
    ("T5", "东河村新时代文明实践站", "站", "S2", None, False, False, None, 1, None),
    ("T6", "南河村新时代文明实践站", "站", "S2", date(2025, 7, 1), False, None, None, 1, None),
]  # fmt: skip

TEAMS = [
    ("K1", "卜宜村理论宣讲队", "T1", "理论宣讲", date(2022, 1, 1), 12),
    ("K2", "梁家庄文艺队", "T2", "文化服务", None, 15),
    ("K3", "西泉村志愿服务队", "T3", None, None, None),
    ("K4", "北沟村健康服务队", "T4", "卫生健康", None, 8),
    ("K6", "南河村便民服务队", "T6", "便民服务", date(2025, 8, 1), 10),
]
BRANDS = [
    ("B1", "卜宜讲堂", "T1", "理论宣讲", date(2023, 1, 1)),
    ("B2", "梁家庄大舞台", "S1", "文化服务", None),
]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


# order_id, ordered_at, category, unit_id, accepted_at, completed_at, status
ORDERS = [
    ("O1", _t("2025-04-05 09:00"), "理论宣讲", "T1", _t("2025-04-05 12:00"), _t("2025-04-10 12:00"), "已完成"),
    ("O2", _t("2025-04-06 09:00"), "文化服务", "T2", _t("2025-04-06 12:00"), _t("2025-04-12 12:00"), "已完成"),
    ("O3", _t("2025-04-07 09:00"), "关爱帮扶", "T6", None, None, "已取消"),
    ("O4", _t("2025-05-07 09:00"), "关爱帮扶", "T6", _t("2025-05-08 09:00"), None, "已接单"),
    ("O5", _t("2025-04-08 09:00"), "法治宣传", "T5", _t("2025-04-08 12:00"), _t("2025-04-15 12:00"), "已完成"),
]  # fmt: skip

# activity_id, unit_id, category, start_at, brand_id, order_id
ACTIVITIES = [
    ("A0", "ZX", "理论宣讲", "2025-05-10 09:00", None, None),
    ("A1", "T1", "理论宣讲", "2025-04-10 09:00", "B1", "O1"),
    ("A2", "T1", "理论宣讲", "2025-05-10 09:00", None, None),
    ("A3", "T1", "理论宣讲", "2025-06-10 09:00", None, None),
    ("A4", "T2", "文化服务", "2025-04-12 09:00", "B2", "O2"),
    ("A5", "T2", "文化服务", "2025-05-12 09:00", None, None),
    ("A6", "T2", "文化服务", "2025-06-12 09:00", None, None),
    ("A7", "T3", "卫生健康", "2025-05-15 09:00", None, None),
    ("A8", "T5", "法治宣传", "2025-04-15 09:00", None, "O5"),
    ("A9", "T5", "法治宣传", "2025-05-15 09:00", None, None),
    ("A10", "T5", "法治宣传", "2025-06-15 09:00", None, None),
    ("A11", "T6", "关爱帮扶", "2025-04-20 09:00", None, None),
    ("A12", "T6", "关爱帮扶", "2025-05-20 09:00", None, None),
    ("Q1a", "T3", "卫生健康", "2025-01-15 09:00", None, None),
    ("Q1b", "T3", "卫生健康", "2025-02-15 09:00", None, None),
    ("Q1c", "T3", "卫生健康", "2025-03-15 09:00", None, None),
    ("Q1d", "T1", "理论宣讲", "2025-03-01 09:00", None, None),
] + [
    (f"H{i:02d}", "T1", "理论宣讲", f"{date(2024, 1, 5) + timedelta(days=20 * i)} 09:00", None, None)
    for i in range(1, 14)
]  # fmt: skip

# activity_id, person_id, role, service_hours
ATTENDANCE = (
    [(f"H{i:02d}", "V1", "志愿者", "20") for i in range(1, 14)]
    + [(f"H{i:02d}", "V2", "志愿者", "24") for i in range(1, 6)]
    + [
        ("A1", "V1", "志愿者", "24"),
        ("A2", "V1", "志愿者", "20"),
        ("A4", "V2", "志愿者", "10"),
        ("A8", "V3", "志愿者", "8"),
        ("A11", "V4", "志愿者", "5.5"),
        ("A12", "V5", "志愿者", None),
        ("A1", "P1", "群众", None),
        ("A2", "P2", "群众", None),
    ]
)

RATINGS = (
    [("A0", 5)] * 6 + [("A1", 5), ("A1", 5), ("A4", 5), ("A4", 5)] + [("A8", 2)] * 5 + [("A11", 4)]
)

# redemption_id, person_id, unit_id, redeemed_at, points, item
REDEMPTIONS = [
    ("R1", "V1", "T1", _t("2025-04-20 10:00"), 500, "洗衣液"),
    ("R2", "V3", "T5", _t("2025-05-01 10:00"), 100, "毛巾"),
    ("R3", "V2", "T2", _t("2025-06-01 10:00"), 200, "大米"),
    ("R4", "V2", "T2", _t("2025-03-10 10:00"), 50, "香皂"),
]


def _insert(con, table: str, columns: str, rows: list[tuple]) -> None:
    names = columns.split() + ["source_file", "source_sheet", "source_row"]
    marks = ", ".join("?" * len(names))
    con.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
        [(*row, SOURCE, None, i) for i, row in enumerate(rows, start=2)],
    )


def _unit_tree() -> list[tuple[str, str, int]]:
    parent = {u[0]: u[3] for u in UNITS}
    rows = []
    for unit_id in parent:
        ancestor, depth = unit_id, 0
        while ancestor is not None:
            rows.append((unit_id, ancestor, depth))
            ancestor, depth = parent[ancestor], depth + 1
    return rows


def build_practice_warehouse(path: Path) -> Path:
    """Write the practice county to ``path`` (a new DuckDB file) and return the path."""
    con = duckdb.connect(str(path))
    try:
        for ddl in DDL.values():
            con.execute(ddl)
        _insert(con, "units", UNIT_COLUMNS, UNITS)
        _insert(con, "teams", "team_id name unit_id category founded_on member_count", TEAMS)
        _insert(con, "brands", "brand_id name unit_id category started_on", BRANDS)
        _insert(
            con,
            "orders",
            "order_id ordered_at category unit_id accepted_at completed_at status",
            ORDERS,
        )
        activities = [
            (
                a_id,
                f"活动{a_id}",
                unit,
                brand,
                category,
                _t(start),
                _t(start).date(),
                "群众点单" if order else "自主开展",
                order,
            )
            for a_id, unit, category, start, brand, order in ACTIVITIES
        ]
        _insert(
            con,
            "activities",
            "activity_id title unit_id brand_id category start_at start_on source order_id",
            activities,
        )
        attendance = [(a, p, 1, role, Decimal(h) if h else None) for a, p, role, h in ATTENDANCE]
        _insert(con, "attendance", "activity_id person_id headcount role service_hours", attendance)
        ratings = [(a, f"R{i:02d}", s) for i, (a, s) in enumerate(RATINGS, start=1)]
        _insert(con, "ratings", "activity_id rater_id score", ratings)
        _insert(
            con,
            "redemptions",
            "redemption_id person_id unit_id redeemed_at points item",
            REDEMPTIONS,
        )
        con.executemany("INSERT INTO unit_tree VALUES (?, ?, ?)", _unit_tree())
        summaries.build(con)
        con.execute("INSERT INTO manifest VALUES (?, ?, ?, ?)", (AS_OF, AS_OF, "practice", "{}"))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
