"""A small ledger set with each pattern of the integrity audit planted beside a near miss.

Every station holds the rows of one check only, so a test can say exactly which units and
rows each check flags. Built through the real import (``wenming build``) from five CSV
files; as-of 2025-12-31, period 2025.

Units: 中心 ZX, 所 SA, and the 站 below it, by check::

    1 overlap    O1 O2 O3   P01 at OV1 (O1 09:00) and OV2 (O2 09:59), no end: flagged
                            P02 at OV3 (O1 09:00) and OV4 (O3 10:00), no end: 60 min, not
                            P03 at OV5 (O2 09:00-11:00) and OV6 (O3 10:59-12:00): flagged
                            P04 at OV7 (O2 09:00-11:00) and OV8 (O3 11:00-12:00): touching, not
                            P05 at OV9 (O1) and OV10 (O3), dates only: not compared
                            P06 at OV11 and OV12, both O1 at 09:00: one unit, not
    2 copied     C1 C2      CP1 (C1), CP2 (C2): the same 10 persons Q01-Q10: flagged
                            CP3 (C1), CP4 (C2): the same 9 persons R01-R09: not
                            CN1 (C1), CN2 (C2) on 08-05: same title, 40, 5, 10 h: flagged
                            CN3 (C1), CN4 (C2) on 08-06: 10 h against 10.5 h: not
    3 heaping    H1 H2 H3   30 / 29 / 30 activities, each 参与人次 50 and 8 hours; H3's
                            have a headcount line of 50 (its records heap as much): H1 only
    4 burst      B1 B2 B3   B1 10 activities on months' last 3 days; B2 9 such; B3 10 of
                            which 2 are: B1 only
    5 hours      V1 V2      HR1 (V1) 6 h, 0 volunteers: flagged; HR2 (V1) 6 h, no count but
                            a 志愿者 row: not; HR3 (V2) 26 h / 2: flagged; HR4 (V2) 24 h / 2: not
                 V3 V4      one volunteer's 服务时长 (SERVICE_HOURS): HS1, HS2 (V3), HS3 (V4)
    8 redemptions V3        RD2 redeems beyond the balance; RD1 and RD3 do not (REDEMPTIONS)
    6 headcount  W1 W2      NR1 (W1) 参与人次 51 over 10 recorded: flagged; NR2 (W2) 50 / 10: not
    7 ratings    X1 X2 X3   RE1 (X1 09:00-11:00) rated 10:30: flagged; at 11:00 and dated
                            only: not. T10 rates 5 X2 activities all 5: flagged; T11 4 all 5,
                            T12 5 with one 4: not. COMMENT on 5 activities of X1 and X3:
                            flagged; ONE_UNIT on 5 of X2 only, FOUR on 4 of X1/X3: not
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from import_helpers import build, write_csv

AS_OF = "2025-12-31T23:59:59"
PERIOD = (date(2025, 1, 1), date(2025, 12, 31))

STATIONS = "O1 O2 O3 C1 C2 H1 H2 H3 B1 B2 B3 V1 V2 V3 V4 W1 W2 X1 X2 X3".split()
COMMENT = "活动组织得非常好，希望以后多多举办"  # 16 characters
ONE_UNIT = "老师讲得特别细致，孩子们都很喜欢"
FOUR = "场地安排合理，服务热情周到值得点赞"

_ACTIVITY_HEAD = [
    "活动编码", "活动名称", "阵地编码", "服务类别", "开始时间", "结束时间",
    "志愿者人数", "志愿服务时长（小时）", "参与人次",
]  # fmt: skip


def _act(aid, unit, start, end="", title=None, volunteers="", hours="", reported=""):
    return [aid, title or f"{unit}活动{aid}", unit, "文化服务", start, end, volunteers, hours,
            reported]  # fmt: skip


def _month_ends(n: int) -> list[str]:
    """The last day of each of the first n months of 2025, at 09:00."""
    return [
        f"{(date(2025, m + 1, 1) - timedelta(days=1)) if m < 12 else date(2025, 12, 31)} 09:00"
        for m in range(1, n + 1)
    ]


def _mid_month(n: int, hour: int = 9) -> list[str]:
    """n distinct days in the middle of months (the 8th-19th), at ``hour``."""
    days = [date(2025, 1 + i % 12, 8 + i // 12) for i in range(n)]
    return [f"{day} {hour:02d}:00" for day in days]


def activities() -> list[list[object]]:
    rows = [
        # 1 overlap
        _act("OV1", "O1", "2025-05-10 09:00"),
        _act("OV2", "O2", "2025-05-10 09:59"),
        _act("OV3", "O1", "2025-05-11 09:00"),
        _act("OV4", "O3", "2025-05-11 10:00"),
        _act("OV5", "O2", "2025-06-02 09:00", "2025-06-02 11:00"),
        _act("OV6", "O3", "2025-06-02 10:59", "2025-06-02 12:00"),
        _act("OV7", "O2", "2025-06-03 09:00", "2025-06-03 11:00"),
        _act("OV8", "O3", "2025-06-03 11:00", "2025-06-03 12:00"),
        _act("OV9", "O1", "2025-06-04"),
        _act("OV10", "O3", "2025-06-04"),
        _act("OV11", "O1", "2025-06-05 09:00"),
        _act("OV12", "O1", "2025-06-05 09:00"),
        # 2 copied
        _act("CP1", "C1", "2025-07-01 09:00"),
        _act("CP2", "C2", "2025-07-08 09:00"),
        _act("CP3", "C1", "2025-07-15 09:00"),
        _act("CP4", "C2", "2025-07-22 09:00"),
        _act("CN1", "C1", "2025-08-05 09:00", title="敬老志愿服务", volunteers=5, hours=10, reported=40),
        _act("CN2", "C2", "2025-08-05 15:00", title="敬老志愿服务", volunteers=5, hours=10, reported=40),
        _act("CN3", "C1", "2025-08-06 09:00", title="敬老志愿服务", volunteers=5, hours=10, reported=40),
        _act("CN4", "C2", "2025-08-06 15:00", title="敬老志愿服务", volunteers=5, hours=10.5, reported=40),
    ]  # fmt: skip
    # 3 heaping
    for unit, n in (("H1", 30), ("H2", 29), ("H3", 30)):
        for i, start in enumerate(_mid_month(n), start=1):
            rows.append(_act(f"{unit}-{i:02d}", unit, start, volunteers=2, hours=8, reported=50))
    # 4 burst
    for i, start in enumerate(_month_ends(10), start=1):
        rows.append(_act(f"B1-{i:02d}", "B1", start))
    for i, start in enumerate(_month_ends(9), start=1):
        rows.append(_act(f"B2-{i:02d}", "B2", start))
    for i, start in enumerate(_month_ends(2) + _mid_month(8), start=1):
        rows.append(_act(f"B3-{i:02d}", "B3", start))
    rows += [
        # 5 hours
        _act("HR1", "V1", "2025-09-10 09:00", volunteers=0, hours=6),
        _act("HR2", "V1", "2025-09-11 09:00", hours=6),
        _act("HR3", "V2", "2025-09-12 09:00", volunteers=2, hours=26),
        _act("HR4", "V2", "2025-09-13 09:00", volunteers=2, hours=24),
        _act("HS1", "V3", "2025-09-15 09:00", "2025-09-15 11:00", volunteers=2, hours=4.5),
        _act("HS2", "V3", "2025-09-16 08:00", "2025-09-16 22:00", volunteers=2, hours=20),
        _act("HS3", "V4", "2025-09-17 09:00", "2025-09-17 15:00", volunteers=2, hours=10),
        _act("HS4", "V4", "2025-09-18 09:00", "2025-09-18 15:00", volunteers=2, hours=10),
        # 6 headcount
        _act("NR1", "W1", "2025-10-10 09:00", reported=51),
        _act("NR2", "W2", "2025-10-10 09:00", reported=50),
        # 7 ratings
        _act("RE1", "X1", "2025-09-01 09:00", "2025-09-01 11:00"),
    ]
    for i in range(1, 6):
        rows.append(_act(f"T10-{i}", "X2", f"2025-04-{i + 10} 09:00"))
        rows.append(_act(f"T11-{i}", "X2", f"2025-05-{i + 10} 09:00"))
        rows.append(_act(f"T12-{i}", "X2", f"2025-06-{i + 10} 15:00"))
    for i in range(1, 6):
        unit = "X1" if i <= 2 else "X3"
        rows.append(_act(f"CM{i}", unit, f"2025-11-{i + 10} 09:00"))
        rows.append(_act(f"OU{i}", "X2", f"2025-11-{i + 10} 15:00"))
    return rows


def attendance() -> list[list[object]]:
    """(活动编码, 参与者编号, 人数, 身份): the overlap persons first, so P01 is person 1."""
    rows = []
    for person, first, second in (
        ("P01", "OV1", "OV2"),
        ("P02", "OV3", "OV4"),
        ("P03", "OV5", "OV6"),
        ("P04", "OV7", "OV8"),
        ("P05", "OV9", "OV10"),
        ("P06", "OV11", "OV12"),
    ):
        rows += [[first, person, "", "群众"], [second, person, "", "群众"]]
    for aid in ("CP1", "CP2"):
        rows += [[aid, f"Q{n:02d}", "", "群众"] for n in range(1, 11)]
    for aid in ("CP3", "CP4"):
        rows += [[aid, f"R{n:02d}", "", "群众"] for n in range(1, 10)]
    rows += [[f"H3-{i:02d}", "", 50, "群众"] for i in range(1, 31)]
    rows.append(["HR2", "VOL1", "", "志愿者"])
    rows += [["NR1", "", 10, "群众"], ["NR2", "", 10, "群众"]]
    rows = [[*row, ""] for row in rows]
    for aid, person, hours in SERVICE_HOURS:
        rows.append([aid, person, "", "志愿者", hours])
    return rows


# 参与记录 服务时长（小时）: HS1 runs 2 h (VA 2.5: flagged; VB 2.0: not); HS2 14 h (VC 13 h:
# above 12, flagged); HS3's 4.45 + 4.45 = 8.9 is more than 10 % off its 10 h (flagged),
# HS4's 9.0 is not
SERVICE_HOURS = [
    ("HS1", "VA", 2.5), ("HS1", "VB", 2.0), ("HS2", "VC", 13), ("HS2", "VD", 7),
    ("HS3", "VE", 4.45), ("HS3", "VF", 4.45), ("HS4", "VG", 4.5), ("HS4", "VH", 4.5),
]  # fmt: skip

# 积分兑换 at V3 (10 points per service hour): VA earned 25 on 09-15; RD1 takes 25 (the
# balance: not flagged), RD2 one more (flagged). VC earned 130 on 09-16 at 08:00; RD3,
# dated 09-16 without a time, takes 100 (the whole day counts: not flagged)
REDEMPTIONS = [
    ("RD1", "VA", "V3", "2025-09-20 10:00", 25),
    ("RD2", "VA", "V3", "2025-09-21 10:00", 1),
    ("RD3", "VC", "V3", "2025-09-16", 100),
]


def ratings() -> list[list[object]]:
    """(活动编码, 评价人编号, 满意度, 评价内容, 评价时间)."""
    rows = [
        ["RE1", "T01", 5, "", "2025-09-01 10:30"],
        ["RE1", "T02", 5, "", "2025-09-01 11:00"],
        ["RE1", "T03", 5, "", "2025-09-01"],
    ]
    for i in range(1, 6):
        rows.append([f"T10-{i}", "T10", 5, "", ""])
        if i <= 4:
            rows.append([f"T11-{i}", "T11", 5, "", ""])
        rows.append([f"T12-{i}", "T12", 4 if i == 3 else 5, "", ""])
        rows.append([f"CM{i}", "", 5, COMMENT, ""])
        rows.append([f"OU{i}", "", 5, ONE_UNIT, ""])
        if i <= 4:
            rows.append([f"CM{i}", "", 4, FOUR, ""])
    return rows


def units() -> list[list[object]]:
    rows = [
        ["阵地编码", "阵地名称", "层级", "上级编码"],
        ["ZX", "核查区新时代文明实践中心", "中心", ""],
        ["SA", "核查街道新时代文明实践所", "所", "ZX"],
    ]
    rows += [[code, f"{code}社区新时代文明实践站", "站", "SA"] for code in STATIONS]
    return rows


def write_ledgers(folder: Path) -> Path:
    """The five ledger files under ``folder``."""
    write_csv(folder / "阵地.csv", units())
    write_csv(folder / "活动.csv", [_ACTIVITY_HEAD, *activities()])
    write_csv(
        folder / "参与记录.csv",
        [["活动编码", "参与者编号", "人数", "身份", "服务时长（小时）"], *attendance()],
    )
    write_csv(
        folder / "积分兑换.csv",
        [["兑换编号", "参与者编号", "兑换阵地编码", "兑换时间", "积分"], *REDEMPTIONS],
    )
    write_csv(
        folder / "评价.csv",
        [["活动编码", "评价人编号", "满意度", "评价内容", "评价时间"], *ratings()],
    )
    return folder


def build_planted(folder: Path) -> Path:
    """Write the ledgers and build the warehouse beside them; returns its path."""
    db = folder / "planted.duckdb"
    manifest = build(write_ledgers(folder / "ledgers"), db=db, as_of=AS_OF)
    rejected = sum(table["rejected"] for table in manifest["tables"].values())
    assert rejected == 0, manifest  # every planted row is loaded
    return db


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
