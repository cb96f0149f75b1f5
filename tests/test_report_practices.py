"""The text ``wenming report`` (七、文明实践) writes each practice family with the
briefing's rule: on the practice county (tests/practice_county.py) every figure below is
worked out from its rows (as tests/test_practices.py derives them); on the fixture county,
which sent none of the practices' inputs, a family says what was not sent, never 0."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.metrics import Scope, practices
from dashboard.report import build_report
from dashboard.warehouse import Warehouse
from pipelines.cli import main

Q2 = ("--from", "2025-04-01", "--to", "2025-06-30")
Q1 = ("--from", "2025-01-01", "--to", "2025-03-31")


def _section(capsys, db, *period: str) -> list[str]:
    code = main(["report", "--db", str(db), *period])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return out.split("七、文明实践\n")[1].split("\n\n八、简报文字")[0].splitlines()


def test_the_text_report_writes_every_practice_family_of_the_practice_county(capsys, practice_db):
    # points: V1 24 h (A1) + 20 h (A2), V2 10 h (A4), V3 8 h (A8), V4 5.5 h (A11)
    hours = 24 + 20 + 10 + 8 + 5.5
    earned = 10 * hours  # 675 → 670余 (a flow rounded down to tens)
    # balance up to 30 June: V1 304 h, V2 130 h, V3 8 h, V4 5.5 h, less R1–R4 (850)
    balance = (304 + 130 + 8 + 5.5) * 10 - (500 + 100 + 200 + 50)  # 3625 → 3600余
    assert (hours, earned, balance) == (67.5, 675, 3625)
    assert _section(capsys, practice_db, *Q2) == [
        "  五有达标",
        # S1 and T1 have all five; per part (yes, no, 未报送) over S1 S2 T1–T6
        "    所站数：8个，五有全达标：2个",
        "    各项达标：有机制2个、有阵地4个、有队伍3个、有活动5个、有项目3个",
        "    各项未达标：有机制2个、有阵地2个、有队伍4个、有活动3个、有项目5个",
        "    各项未报送：有机制4个、有阵地2个、有队伍1个",
        "  红灰黑榜（2025年第二季度）",
        # T1 and T2 tie at the red cut; T6 grey; T4 (no activity) and T5 (3.0 < 3.5) black
        "    参评站数：6个，红榜：2个，灰榜：1个，黑榜：2个",
        "    红榜站点：卜宜村新时代文明实践站、梁家庄新时代文明实践站",
        "    灰榜站点：南河村新时代文明实践站",
        "    黑榜站点：东河村新时代文明实践站、北沟村新时代文明实践站",
        "  三张清单",
        # O1–O5 placed; A0–A12 held, of them A1 (O1), A4 (O2), A8 (O5) from orders
        "    需求清单（群众点单）：5单，服务清单（开展活动）：13场次，其中按点单开展：3场次",
        # 关爱帮扶 (O3 O4) and 法治宣传 (O5) have no team or brand
        "    供需缺口类别：2类（关爱帮扶、法治宣传）",
        "  志愿服务积分",
        "    志愿者个人服务时长：67.5小时，获得积分：670余分，兑换积分：800分，"
        "积分结余：3600余分，参与人数：4人，超结余兑换：1笔",
        "  星级志愿者",
        # V1 260 → 304 h crosses 300 (two stars); V2 130 h (one); V3, V4 none
        "    有服务时长的志愿者人数：4人，星级志愿者：2人（一星1人、二星1人），本期晋星：1人",
    ]


def test_a_county_without_practice_inputs_is_told_what_it_did_not_send(capsys, fixture_db):
    lines = _section(capsys, fixture_db, *Q1)
    # no 制度上墙, 面积 or team anywhere: those parts are 未报送 for all six 所站, none 否
    assert "    各项未报送：有机制6个、有阵地6个、有队伍6个" in lines
    assert not any(line.startswith("    各项未达标：有机制") for line in lines)
    assert "    供需缺口类别：未知，未报送志愿服务队伍（志愿服务队伍表）" in lines
    points = lines[lines.index("  志愿服务积分") + 1]
    assert points.startswith("    未报送志愿者个人服务时长") and "0分" not in points


@pytest.mark.parametrize(
    ("ledgers", "unit_id", "sent"),
    [
        # the practice county sent all four; any unit of it answers for its county
        ("practice_db", "T3", {"teams": True, "brands": True, "redemptions": True, "hours": True}),
        ("practice_db", "S2", {"teams": True, "brands": True, "redemptions": True, "hours": True}),
        # the fixture county sent brands (B1–B4) and nothing of the practices' own
        (
            "fixture_db",
            "ZA2",
            {"teams": False, "brands": True, "redemptions": False, "hours": False},
        ),
        (
            "fixture_db",
            None,
            {"teams": False, "brands": True, "redemptions": False, "hours": False},
        ),
    ],
)
def test_what_a_county_sent_is_read_for_a_unit_as_for_the_whole(request, ledgers, unit_id, sent):
    wh = Warehouse(request.getfixturevalue(ledgers))
    assert {what: practices.is_reported(wh, what, unit_id) for what in sent} == sent


def test_changing_a_report_document_changes_no_later_report(practice_db):
    wh = Warehouse(practice_db)
    q2 = Scope(date(2025, 4, 1), date(2025, 6, 30))
    first = build_report(wh, q2)
    # the report reads the memoised practice figures without copying them: its document
    # must still be its own
    first["five_haves"]["by_unit"][0]["score"] = 99
    first["rankings"]["red"].clear()
    first["five_haves"]["counts"]["team"]["yes"] = 99
    again = build_report(wh, q2)
    assert again["five_haves"]["by_unit"][0]["score"] != 99
    assert {r["unit_id"] for r in again["rankings"]["red"]} == {"T1", "T2"}
    assert again["five_haves"]["counts"]["team"]["yes"] == 3
    assert practices.five_haves(wh, q2)["counts"]["team"]["yes"] == 3
