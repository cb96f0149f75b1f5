"""The pages 五有达标, 红灰黑榜, 三张清单, 志愿者与积分 by AppTest, and ``wenming report --json``
with the five practice families, on the practice county (tests/practice_county.py): every
expected figure is worked out in tests/test_practices.py's comments or here. 本季度 is
2025-04-01..2025-06-20 (the as-of date); nothing of the county happens 21–30 June, so its
figures are Q2's. On the fixture county (no practice inputs) each page says what to send.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from page_helpers import sheet_rows, table, texts, tiles
from streamlit.testing.v1 import AppTest

from dashboard import ledgers
from pipelines.cli import main

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
FIVE, HONOR, LISTS, VOLUNTEERS = (
    "views/14_five_haves.py",
    "views/15_honor_lists.py",
    "views/16_three_lists.py",
    "views/17_volunteers.py",
)


@pytest.fixture
def open_page(practice_db, monkeypatch, tmp_path):
    """``open_page(page, db=…)``: the page for 本季度 over the whole warehouse."""
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))

    def run(page: str, db: Path = practice_db) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params["period"] = "本季度"
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def test_the_five_haves_page_shows_the_matrix_with_not_sent_apart_from_no(open_page, downloads):
    at = open_page(FIVE)
    assert at.title[0].value == "五有达标"
    shown = tiles(at)
    assert shown["所站数"] == "8个" and shown["五有全达标"] == "2个"  # S1, T1
    assert [
        shown[f"{name}达标"] for name in ("有机制", "有阵地", "有队伍", "有活动", "有项目")
    ] == [
        "2个",
        "4个",
        "3个",
        "5个",
        "3个",
    ]
    matrix = {r["阵地编码"]: r for r in table(at, "阵地", "层级", "上级阵地", "有机制")}
    assert [matrix["T2"][k] for k in ("有机制", "有阵地", "有队伍", "有活动", "有项目")] == [
        "否",
        "是",
        "是",
        "是",
        "是",
    ]
    assert [matrix["T3"][k] for k in ("有机制", "有阵地", "有队伍")] == ["未报送", "否", "未报送"]
    lacks = {r["阵地"]: r for r in table(at, "阵地", "上级阵地", "缺少")}
    assert lacks["梁家庄新时代文明实践站"]["缺少"] == "有机制"
    assert lacks["梁家庄新时代文明实践站"]["未报送"] == "—"
    # 6 of the 8 fall short or were not fully sent (all but S1 and T1)
    assert len(lacks) == 6
    assert "有 5 个所站的部分“有”无法判断" in texts(at)
    workbook = sheet_rows(downloads["五有达标_全部阵地.xlsx"]())
    assert workbook[0][:4] == ["阵地", "层级", "上级阵地", "有机制"] and len(workbook) == 9


def test_the_honor_lists_page_shows_each_quarter_with_the_parts_and_movement(open_page, downloads):
    at = open_page(HONOR)
    assert tiles(at) == {"参评站数": "6个", "红榜": "2个", "灰榜": "1个", "黑榜": "2个"}
    red = table(at, "名次", "站点", "所属", "得分")
    # T1 and T2 tie at 94.64… (40 + 30 × (30/7 − 1)/4 + 30), written rounded down
    assert [(r["名次"], r["得分"], r["活动分"], r["满意度分"], r["办结分"]) for r in red] == [
        ("1", "94.6", "40.0", "24.6", "30.0"),
        ("1", "94.6", "40.0", "24.6", "30.0"),
    ]
    assert [r["较上季度"] for r in red] == ["↑1", "—"]  # T1 was 2nd on the 灰榜; T2 black
    black = {r["站点"]: r["列入原因"] for r in table(at, "站点", "所属", "列入原因")}
    assert black == {
        "东河村新时代文明实践站": "满意度修正分低于3.5",
        "北沟村新时代文明实践站": "本季度无活动",
    }
    notice = downloads["红灰黑榜公示_2025Q2.html"]().decode("utf-8")
    assert "@page { size: A4" in notice
    assert "红榜（2个）" in notice and "灰榜（1个）" in notice and "黑榜（2个）" in notice
    assert "示范县2025年第二季度新时代文明实践站红灰黑榜公示" in notice
    at.toggle(key="honor_preview").set_value(True).run()  # the preview frames the same notice
    assert not at.exception
    # the quarter before: T3 (3 activities) red, T1 (1) grey; the four stations without
    # activity black
    at.selectbox(key="honor_quarter").select_index(1).run()
    assert tiles(at) == {"参评站数": "6个", "红榜": "1个", "灰榜": "1个", "黑榜": "4个"}
    assert [r["站点"] for r in table(at, "名次", "站点", "所属", "得分")] == [
        "西泉村新时代文明实践站"
    ]


def test_the_three_lists_page_puts_the_gaps_first(open_page):
    at = open_page(LISTS)
    # orders O1–O5; resources K1 B1 (理论宣讲), K2 B2 (文化服务), K4 (卫生健康); A0–A12
    assert tiles(at) == {
        "需求（点单）": "5单",
        "资源（队伍＋品牌）": "5项",
        "服务（活动）": "13场次",
        "供需缺口类别": "2类",
    }
    rows = table(at, "服务类别", "供需缺口")
    assert [(r["服务类别"], r["供需缺口"]) for r in rows[:3]] == [
        ("关爱帮扶", "缺口"),
        ("法治宣传", "缺口"),
        ("文化服务", "—"),
    ]
    assert "供需缺口：2 个服务类别：关爱帮扶、法治宣传" in "\n".join(w.value for w in at.warning)


def test_the_volunteers_page_shows_points_and_stars_and_never_a_person(open_page):
    at = open_page(VOLUNTEERS)
    assert tiles(at) == {
        "获得积分": "675分",
        "兑换积分": "800分",
        "积分结余": "3,625分",
        "参与人数": "4人",
        "志愿者个人服务时长": "67.5小时",
        "星级志愿者": "2人",
        "本期晋星": "1人",
        "超结余兑换": "1笔",
    }
    months = table(at, "月份", "获得积分", "兑换积分")
    assert [tuple(r.values()) for r in months] == [
        ("2025-04", "475", "500"),
        ("2025-05", "200", "100"),
        ("2025-06", "0", "200"),
    ]
    overdrawn = table(at, "兑换编号", "兑换阵地")
    assert [(r["兑换编号"], r["兑换积分"], r["兑换前结余"]) for r in overdrawn] == [
        ("R2", "100", "80")
    ]
    shown = json.dumps([e.value.to_dict("records") for e in at.dataframe], ensure_ascii=False)
    assert not any(person in shown for person in ("V1", "V2", "V3", "V4", "P1"))


@pytest.mark.parametrize(
    ("page", "says"),
    [
        (FIVE, "导入即可：阵地表的“制度上墙”“负责人”"),
        (LISTS, "本范围未报送志愿服务队伍表"),
        (VOLUNTEERS, "本范围未报送志愿者个人服务时长和积分兑换记录"),
    ],
)
def test_a_county_that_sent_no_practice_inputs_is_told_what_to_send(
    open_page, fixture_db, page, says
):
    at = open_page(page, db=fixture_db)
    assert says in texts(at)
    if page == FIVE:  # nobody sent 制度上墙, 面积 or teams: unknown, not 0
        assert [tiles(at)[f"{n}达标"] for n in ("有机制", "有阵地", "有队伍")] == ["—"] * 3
    if page == VOLUNTEERS:
        assert not at.metric  # no tile of a wrong zero


def test_the_report_json_carries_the_five_practice_families(practice_db, capsys):
    code = main(
        ["report", "--db", str(practice_db), "--from", "2025-04-01", "--to", "2025-06-30", "--json"]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    document = json.loads(out)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert document["five_haves"]["counts"]["mechanism"] == {"yes": 2, "no": 2, "unreported": 4}
    assert {r["unit_id"] for r in document["rankings"]["red"]} == {"T1", "T2"}
    assert document["rankings"]["quarter"] == "2025Q2"
    assert document["three_lists"]["gaps"] == 2
    assert (document["points"]["earned"], document["points"]["redeemed"]) == (675, 800)
    assert document["stars"]["counts"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    # the briefing writes each family (670余: 675 rounded down to tens)
    assert "获得积分670余分" in document["briefing"]
    assert "红榜2个、灰榜1个、黑榜2个" in document["briefing"]
