"""The briefing kit writes the fixture county's figures the way a 简报 does, and every
number it writes can be traced: the xlsx, the charts and the Word draft agree with it.

Hand computations for the fixture's first quarter (2025-01-01..03-31, unit ZX), from
tests/conftest.py. Q1 holds A01–A07, A09–A11, A14:

- 场次 11; 服务人次 13+2+0+120+61+30+3+40+200+2+35 = 506 → 500余;
  服务人数 (signed-in 群众) P1–P8 = 8; 志愿者人次 3+2+1+5+4+2+2+2+6+2+0 = 29;
  时长 6+4.5+2+10+8+3.5+4+3+12+2.5 = 55.5.
- 阵地: 中心1 所2 站4 点1 基地1. Villages of 410106: 6; served by a 站 opened by 03-31:
  001001 (ZA1), 001002 (ZA2, opened 03-15), 002001+002002 (ZB1), 002003 (ZB2) = 5 →
  83.3%. Effective needs 1 × 3 months = 3 activities: ZA1 (A01 A02 A03) and ZB1 (A04 A06
  + its 点's A05); ZA2, opened 03-15, 1 × 1 month: A11 → 001001, 001002, 002001, 002002
  = 4 → 66.6%.
- Brands: B2 五云秀场 A04+A05: 2 场, 120+61 = 181 → 180余, scores 1+22 = 23/6 → 3.83分;
  B1 草堂叙语 A01+A02: 2 场, 13+2 = 15, 18+11 = 29/7 → 4.14分; B3 四点半智慧课堂 A07:
  1 场, 3 人次, 30/15 → 2.00分; B4 none.
- Orders O1–O5 (O6 is 2024): 5, cancelled 1 (O3), completed 2 (O1 O2) → 2/4 = 50%;
  accepted after 4 h, 24 h, 10 h → median 10.
- Ratings 4+3+1+5+15+10+8 = 46, sum 18+11+1+22+30+50+36 = 168 → 3.652… → 3.65分;
  ≥4: 4+2+0+4+0+10+8 = 28 → 60.869…% → 60.8%.
- 存在问题 (threshold 3.5, prior = the scope's mean 168/46 = 3.652…, 5 pseudo-ratings):
  B3 (30 + 5 × 3.652…)/20 = 2.41分, none ≥ 4; A04 (1 + 5 × 3.652…)/6 = 3.21分; A07 is B3's
  and left to it. Idle ≥ 60 days: ZB2, last A07 on 01-25, to 03-31 = 65 days. SA's target
  of 20 活动场次: 5 to the as-of date (A01 A02 A03 A09 A11) = 25%, year 105/365 = 28.7%.
  Villages (the effective rule above, one rule for the figures and the text, via
  metrics.villages): 001003 南林子社区 served by nobody; 001002 西林子社区 is effective
  (ZA2 opened 03-15 needs 1 × 1 month = 1, A11 makes it), so the only village below its
  need is 002003 营坡顶村 (ZB2, opened 2021, needs 3, has A07 only = 1) → "1个村（社区）
  …不足3场（营坡顶村）" and the action names 营坡顶村 alone.
"""

import dataclasses
import io
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from conftest import build_warehouse
from docx import Document
from PIL import Image
from python_calamine import CalamineWorkbook
from streamlit.testing.v1 import AppTest

from dashboard import briefing, metrics
from dashboard.metrics import Scope
from dashboard.warehouse import Warehouse
from pipelines import cli, summaries

FONT = "Noto Sans CJK SC"
Q1 = Scope(date(2025, 1, 1), date(2025, 3, 31), "ZX")

FIXTURE_TEXT = (
    "2025年第一季度，全区各新时代文明实践所站累计开展活动11场次，服务群众500余人次，"
    "服务人数8人（按实名签到去重）；组织志愿者29人次参与志愿服务，志愿服务时长55.5小时。\n"
    "阵地建设方面，全区现有新时代文明实践中心1个、实践所2个、实践站4个、实践点1个、"
    "实践基地1个。辖区内6个村（社区）中，已有5个纳入新时代文明实践站服务范围，覆盖率83.3%；"
    "其中由开展活动3场次及以上（期内新挂牌的按挂牌后月数折算）的实践站服务的有4个，"
    "有效覆盖率66.6%。\n"
    "品牌项目方面，全区共有文明实践品牌项目4个，3个开展了活动：“五云秀场”开展活动2场次，"
    "服务群众180余人次，满意度均分3.83分；“草堂叙语”开展活动2场次，服务群众15人次，"
    "满意度均分4.14分；“四点半智慧课堂”开展活动1场次，服务群众3人次，满意度均分2.00分。\n"
    "群众点单方面，受理群众点单5单（已取消1单），已办结2单，办结率50%，"
    "从点单到接单用时的中位数为10小时。\n"
    "群众评单方面，收到群众评价46条，满意率60.8%，满意度均分3.65分。\n"
    "工作中还存在一些不足：一是2个活动或品牌项目的群众满意度修正分低于3.50分，"
    "营坡顶村新时代文明实践站“四点半智慧课堂”修正分2.41分（满意率0%）、"
    "五云联合新时代文明实践站“新春村晚”修正分3.21分（满意率0%）；"
    "二是1个实践站已连续60天以上未开展活动，营坡顶村新时代文明实践站已65天；"
    "三是1个实践所年度目标完成进度落后于时间进度（28.7%），"
    "济源路街道新时代文明实践所活动场次完成25%；四是1个村（社区）尚未纳入实践站服务范围（南林子社区），"
    "1个村（社区）的实践站期内开展活动不足3场（营坡顶村）。\n"
    "下一步，将重点抓好以下工作：一是针对“四点半智慧课堂”、“新春村晚”满意度偏低的问题，"
    "逐条梳理群众意见，调整活动内容和形式；二是督促营坡顶村新时代文明实践站制定活动计划，"
    "尽快恢复常态化开展活动；三是对济源路街道新时代文明实践所加强调度，逐项分析差距，"
    "确保完成年度目标；四是推动南林子社区纳入实践站服务范围，"
    "督促服务营坡顶村的实践站常态化开展活动，提升有效覆盖率。"
)


@pytest.fixture(scope="module")
def wh(fixture_db):
    return Warehouse(fixture_db)


@pytest.fixture(scope="module")
def q1(wh):
    return briefing.gather(wh, Q1)


# --------------------------------------------------------------------------- text


def test_the_fixture_quarter_reads_like_a_briefing(wh):
    assert briefing.briefing_text(wh, Q1) == FIXTURE_TEXT


def test_every_number_written_is_a_fact_with_its_exact_value_and_source_rows(q1):
    text = briefing.compose(q1)
    facts = {fact.key: fact for fact in text.facts}
    assert (facts["person_times"].value, facts["person_times"].written) == (506, "500余")
    assert facts["person_times"].rows == 11
    assert facts["person_times"].note == "5场按群众参与记录计，5场按台账参与人次计，1场无人次数据"
    assert (facts["unique_persons"].value, facts["unique_persons"].rows) == (8, 11)
    assert facts["rate"].note == "5/6"
    assert (facts["brand:B2:person_times"].value, facts["brand:B2:person_times"].written) == (
        181,
        "180余",
    )
    assert facts["mean_score"].written == "3.65分"
    assert facts["ratings"].rows == 46
    assert all(fact.written in text.text for fact in text.facts)
    assert {fact.scope for fact in text.facts} == {
        "上街区新时代文明实践中心及下属阵地，2025年1月1日至2025年3月31日"
    }


def test_a_quarter_without_last_years_data_says_nothing_of_a_change(q1):
    assert q1.previous is None
    assert "同比" not in briefing.compose(q1).text


def test_changes_on_last_year_are_written_rounded_down_and_traced(q1):
    before = {"activities": 11, "person_times": 600, "volunteer_times": 20, "volunteer_hours": 0}
    b = dataclasses.replace(
        q1, previous=before, previous_scope=Scope(date(2024, 1, 1), date(2024, 3, 31), "ZX")
    )
    text = briefing.compose(b)
    # 11 = 11; (506 − 600) / 600 = −15.66…%; (29 − 20) / 20 = 45%; no hours last year
    assert text.paragraphs[0] == (
        "2025年第一季度，全区各新时代文明实践所站累计开展活动11场次（与去年同期持平），"
        "服务群众500余人次（同比下降15.6%），服务人数8人（按实名签到去重）；"
        "组织志愿者29人次（同比增长45%）参与志愿服务，志愿服务时长55.5小时。"
    )
    facts = {fact.key: fact for fact in text.facts}
    assert facts["previous:person_times"].written == "600"
    assert facts["previous:person_times"].scope.endswith("2024年3月31日（去年同期）")
    assert facts["change:person_times"].written == "同比下降15.6%"
    assert facts["change:volunteer_times"].rows == 11 + 11
    assert "change:volunteer_hours" not in facts


def test_same_period_last_year_stops_where_this_years_data_stops(tmp_path):
    path = build_warehouse(tmp_path / "two_years.duckdb")
    con = duckdb.connect(str(path))
    # A01 again on 2024-02-01 (in the compared period) and on 2024-04-20 (after 04-15)
    for new_id, day in (("Y1", "2024-02-01"), ("Y2", "2024-04-20")):
        con.execute(
            "INSERT INTO activities SELECT * REPLACE (? AS activity_id, "
            "CAST(? AS TIMESTAMP) AS start_at, CAST(? AS DATE) AS start_on) "
            "FROM activities WHERE activity_id = 'A01'",
            [new_id, day, day],
        )
    summaries.extend(con, ["Y1", "Y2"])
    con.close()
    # the year to date (as-of 2025-04-15) compares with 2024-01-01..2024-04-15: Y1 only
    b = briefing.gather(Warehouse(path), Scope(date(2025, 1, 1), date(2025, 12, 31), "ZX"))
    assert b.previous_scope == Scope(date(2024, 1, 1), date(2024, 4, 15), "ZX")
    # Y1 has no attendance of its own: 50 reported 人次, 3 volunteers, 6 hours
    assert b.previous == {
        "activities": 1,
        "person_times": 50,
        "volunteer_hours": 6.0,
        "volunteer_times": 3,
    }
    # this year to date: A01–A12 and A14 = 13 against 1 → (13 − 1) / 1 = 1200%
    assert (
        briefing.compose(b)
        .paragraphs[0]
        .startswith("今年以来，全区各新时代文明实践所站累计开展活动13场次（同比增长1200%）")
    )


def test_unknown_coverage_is_not_written_never_as_zero(fixture_db_without_divisions):
    b = briefing.gather(Warehouse(fixture_db_without_divisions), Q1)
    text = briefing.compose(b).text
    assert "覆盖" not in text
    assert "阵地建设方面，全区现有新时代文明实践中心1个、实践所2个" in text
    # the workbook says why the text is silent on coverage
    reason = ["覆盖率未写入的原因", "未导入该范围的区划（村、社区）名单，覆盖率未知"]
    assert reason in _sheets(briefing.workbook(b))["简报文字"]


def test_a_period_without_activity_says_so(wh):
    text = briefing.briefing_text(wh, Scope(date(2024, 6, 1), date(2024, 6, 30), "SB"))
    assert text.splitlines()[0] == "2024年6月，全镇各新时代文明实践站暂无活动记录。"


@pytest.mark.parametrize(
    ("name", "level", "whole", "place"),
    [
        ("上街区新时代文明实践中心", "中心", "全区", "上街区"),
        ("吉安县新时代文明实践中心", "中心", "全县", "吉安县"),
        ("奈曼旗新时代文明实践中心", "中心", "全旗", "奈曼旗"),
        ("峡窝镇新时代文明实践所", "所", "全镇", "峡窝镇"),
        ("济源路街道新时代文明实践所", "所", "全街道", "济源路街道"),
        ("卜宜乡新时代文明实践所", "所", "全乡", "卜宜乡"),
        ("白音他拉苏木新时代文明实践所", "所", "全苏木", "白音他拉苏木"),
        (
            "东林子社区新时代文明实践站",
            "站",
            "东林子社区新时代文明实践站",
            "东林子社区新时代文明实践站",
        ),
        ("城关新时代文明实践所", "所", "城关", "城关"),
    ],
)
def test_the_place_is_named_by_the_scope_unit(name, level, whole, place):
    unit = {"name": name, "level": level}
    assert briefing.whole_place(unit) == whole
    assert briefing.place_name(unit) == place


@pytest.mark.parametrize(
    ("name", "level", "office"),
    [
        ("上街区新时代文明实践中心", "中心", "中共上街区委宣传部"),
        ("淮安市新时代文明实践中心", "市", "中共淮安市委宣传部"),
        ("峡窝镇新时代文明实践所", "所", "峡窝镇新时代文明实践所"),
    ],
)
def test_the_issuing_office_follows_the_unit(name, level, office):
    assert briefing.issuing_office({"name": name, "level": level}) == office


@pytest.mark.parametrize(
    ("date_from", "date_to", "label"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), "2025年"),
        (date(2025, 1, 1), date(2025, 6, 30), "2025年上半年"),
        (date(2025, 7, 1), date(2025, 12, 31), "2025年下半年"),
        (date(2025, 4, 1), date(2025, 6, 30), "2025年第二季度"),
        (date(2025, 3, 1), date(2025, 3, 31), "2025年3月"),
        (date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        (date(2025, 1, 1), date(2025, 5, 31), "2025年1月至5月"),
        (date(2024, 12, 1), date(2025, 2, 28), "2024年12月至2025年2月"),
        (date(2025, 1, 1), date(2025, 4, 15), "2025年1月1日至4月15日"),
        (date(2025, 12, 1), date(2025, 12, 15), "2025年12月1日至12月15日"),
        (date(2024, 12, 20), date(2025, 1, 5), "2024年12月20日至2025年1月5日"),
    ],
)
def test_a_period_is_named_as_a_briefing_names_it(date_from, date_to, label):
    assert briefing.period_label(date_from, date_to) == label


def test_the_year_to_date_opens_with_since_new_year():
    as_of = date(2025, 4, 15)
    assert briefing.period_phrase(date(2025, 1, 1), as_of, as_of) == "今年以来"
    assert briefing.period_phrase(date(2025, 1, 1), date(2025, 12, 31), as_of) == "今年以来"
    assert briefing.period_phrase(date(2025, 1, 1), date(2025, 3, 31), as_of) == "2025年第一季度"


@pytest.mark.parametrize(
    ("as_of", "phrase"),
    [
        (date(2025, 12, 31), "2025年"),  # built on the year's last day: the year is over
        (date(2026, 12, 6), "2025年"),  # a past year read a year later
        (date(2025, 12, 30), "今年以来"),  # one day short of the year's end
        (None, "2025年"),
    ],
)
def test_a_whole_past_year_is_written_as_that_year_never_since_new_year(as_of, phrase):
    assert briefing.period_phrase(date(2025, 1, 1), date(2025, 12, 31), as_of) == phrase


# --------------------------------------------------------------------------- workbook


def _sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_workbook_holds_every_figure_of_the_text_equal_to_the_metrics_layer(wh, q1):
    sheets = _sheets(briefing.workbook(q1))
    assert list(sheets) == ["简报文字", "简报数字", "按单位", "按品牌", "按月份", "按类别"]
    assert sheets["简报文字"][:3] == [
        ["项目", "内容"],
        ["统计范围", "上街区新时代文明实践中心及下属阵地，2025年1月1日至2025年3月31日"],
        ["数据截至", "2025年3月31日"],
    ]
    assert [row[1] for row in sheets["简报文字"][3:]] == FIXTURE_TEXT.split("\n")
    header, *rows = sheets["简报数字"]
    assert header == [
        "序号",
        "指标",
        "精确值",
        "简报写法",
        "单位",
        "口径",
        "范围",
        "来源表",
        "来源行数",
        "说明",
    ]
    by_label = {row[1]: row for row in rows}
    summary = metrics.summary(wh, Q1)
    for label, key in (
        ("活动场次", "activities"),
        ("服务人次", "person_times"),
        ("志愿服务时长", "volunteer_hours"),
        ("满意度均分", "mean_score"),
    ):
        assert by_label[label][2] == pytest.approx(summary[key])
    # a rate's exact value is in the unit beside it: % (28/46 = 60.869…%)
    assert by_label["满意率"][2:5] == [pytest.approx(100 * 28 / 46), "60.8%", "%"]
    assert by_label["服务人次"][2:4] == [506, "500余"]
    assert by_label["覆盖率"][2] == pytest.approx(100 * metrics.coverage(wh, Q1)["rate"])
    assert by_label["点单数"][2] == metrics.order_figures(wh, Q1)["orders"] == 5
    assert by_label["“五云秀场”服务人次"][2:4] == [181, "180余"]
    assert by_label["活动场次"][8] == 11
    months = sheets["按月份"]
    assert months[0][:3] == ["月份", "活动场次", "服务人次"]
    # January A01 A04 A07; February A02 A05 A09; March A03 A06 A10 A11 A14
    assert [row[:2] for row in months[1:]] == [["2025-01", 3], ["2025-02", 3], ["2025-03", 5]]


def test_a_ledger_value_that_looks_like_a_formula_stays_text_in_the_workbook(q1):
    brands = [dict(q1.brands[0], name="=1+1"), *q1.brands[1:]]
    sheets = _sheets(briefing.workbook(dataclasses.replace(q1, brands=brands)))
    assert "=1+1" in [row[1] for row in sheets["按品牌"][1:]]


# --------------------------------------------------------------------------- charts


def test_charts_state_scope_and_period_in_chinese_type_with_a_source_line(q1):
    figures = briefing.chart_figures(q1)
    assert list(figures) == ["01_月度趋势", "02_分单位", "03_分类别", "04_品牌排行", "05_满意度"]
    assert figures["01_月度趋势"].layout.title.text == "上街区2025年第一季度各月活动场次"
    for fig in figures.values():
        assert fig.layout.font.family.startswith(FONT)
        assert fig.layout.title.text.startswith("上街区2025年第一季度")
        assert [a.text for a in fig.layout.annotations][-1] == (
            "数据来源：上街区新时代文明实践台账，截至2025年3月31日"
        )
    # 济源路街道 (SA): A01 A02 A03 (ZA1), A09 (SA), A11 (ZA2) = 5; 峡窝镇: A04–A07 = 4
    units = figures["02_分单位"].data[0]
    assert list(units.y)[:2] == ["济源路街道", "峡窝镇"]
    assert list(units.x)[:2] == [5, 4]


def test_noto_sans_cjk_sc_is_installed_for_the_charts():
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    assert FONT in listed


# --------------------------------------------------------------------------- Word draft


def _png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 100), color).save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def _docx_text(doc) -> str:
    return "\n".join(paragraph.text for paragraph in doc.paragraphs)


def test_the_word_draft_has_the_briefing_layout_and_every_figure(q1):
    text = briefing.compose(q1)
    images = {
        "01_月度趋势.png": _png("white"),
        "01_月度趋势.svg": b"<svg/>",
        "02_分单位.png": _png("grey"),
    }
    data = briefing.document(q1, images, text=text, issue="3", issued_on=date(2025, 4, 16))
    doc = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in doc.paragraphs]
    assert lines[:4] == [
        "上街区新时代文明实践简报",
        "第 3 期",
        "中共上街区委宣传部\t2025年4月16日",
        "上街区2025年第一季度新时代文明实践工作情况",
    ]
    assert "\n".join(lines[4:11]) == FIXTURE_TEXT
    body = _docx_text(doc)
    assert all(fact.written in body for fact in text.facts)
    assert "图1\u3000上街区2025年第一季度各月活动场次" in lines
    assert "附件：口径说明" in lines
    assert len(doc.inline_shapes) == 2  # the PNGs, not the SVG
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert (
        fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "仿宋_GB2312"
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        table = archive.read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in table
    assert '<w:font w:name="黑体"><w:altName w:val="SimHei"/>' in table


def test_the_issue_number_is_left_to_fill_in_when_not_given(q1):
    doc = Document(io.BytesIO(briefing.document(q1, issued_on=date(2025, 4, 16))))
    number = doc.paragraphs[1]
    assert number.text == "第 ×× 期"
    assert number.runs[1].font.highlight_color is not None


# --------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def kit(fixture_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("kit")
    argv = ["brief", "--db", str(fixture_db), "--from", "2025-01-01", "--to", "2025-03-31"]
    argv += ["--unit", "ZX", "--out", str(out), "--date", "2025-04-16"]
    return cli.main(argv), out


def test_brief_writes_the_text_the_table_the_charts_and_the_draft(kit, q1):
    status, out = kit
    assert status == 0
    assert (out / "简报文字.txt").read_text(encoding="utf-8") == FIXTURE_TEXT + "\n"
    assert _sheets((out / "数据表.xlsx").read_bytes())["简报数字"][1][1] == "活动场次"
    names = sorted(path.name for path in (out / "图表").iterdir())
    assert names == sorted(
        f"{stem}.{ext}" for stem in briefing.chart_titles(q1) for ext in ("png", "svg")
    )
    with zipfile.ZipFile(out / "图表.zip") as archive:
        assert sorted(archive.namelist()) == names
    doc = Document(out / "简报初稿.docx")
    assert len(doc.inline_shapes) == 5
    assert "2025年4月16日" in doc.paragraphs[2].text


def test_brief_charts_are_16_cm_wide_at_300_dpi_in_noto_sans_cjk_sc(kit):
    _, out = kit
    png = (out / "图表" / "02_分单位.png").read_bytes()
    image = Image.open(io.BytesIO(png))
    assert image.width == 1890  # 16 / 2.54 × 300
    # 4 bars: 30 × 4 + 130 < 320 px high, + 28 px of source line, at 96 px to the inch
    assert image.height == round(348 / 96 * 300)
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    svg = (out / "图表" / "02_分单位.svg").read_bytes()
    assert FONT.encode() in svg
    assert "上街区2025年第一季度各单位活动场次".encode() in svg


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        (["--unit", "NOPE"], 2, "找不到阵地编码“NOPE”"),
        (["--from", "2025-04-01"], 2, "起始日期 2025-04-01 晚于结束日期"),
    ],
)
def test_brief_explains_a_bad_scope_in_chinese(
    fixture_db, tmp_path, capsys, extra, status, message
):
    argv = ["brief", "--db", str(fixture_db), "--from", "2025-01-01", "--to", "2025-03-31"]
    assert cli.main([*argv, "--out", str(tmp_path), *extra]) == status
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_brief_without_a_warehouse_says_where_it_looked(tmp_path, capsys):
    missing = tmp_path / "none.duckdb"
    argv = ["brief", "--db", str(missing), "--from", "2025-01-01", "--to", "2025-03-31"]
    assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 1
    assert f"找不到数据仓库文件：{missing}" in capsys.readouterr().err


def test_brief_without_charts_needs_no_browser(fixture_db, tmp_path):
    argv = ["brief", "--db", str(fixture_db), "--from", "2025-01-01", "--to", "2025-03-31"]
    assert cli.main([*argv, "--out", str(tmp_path), "--no-charts"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "数据表.xlsx",
        "简报初稿.docx",
        "简报文字.txt",
    ]


def test_the_source_line_dates_the_data_not_the_day_it_was_written(q1):
    assert q1.as_of == datetime(2025, 4, 15, 12, 0)
    assert briefing.source_line(q1) == "数据来源：上街区新时代文明实践台账，截至2025年3月31日"


# --------------------------------------------------------------------------- the page

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGE = "views/08_briefing.py"


@pytest.fixture
def briefing_page(fixture_db, monkeypatch):
    def run(**query: str) -> AppTest:
        monkeypatch.setenv("WENMING_DB", str(fixture_db))
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    return run


def test_the_page_shows_the_text_ready_to_copy_its_figures_and_three_downloads(briefing_page):
    at = briefing_page()  # 本年: 2025-01-01 to the as-of date 2025-04-15, all units
    assert at.title[0].value == "简报素材"
    (code,) = at.code
    # A01–A12 and A14: 552 人次 → 550余; volunteers 29 + 1 (A08) + 3 (A12) = 33;
    # hours 55.5 + 2 + 6 = 63.5
    assert code.value.splitlines()[0] == (
        "今年以来，全区各新时代文明实践所站累计开展活动13场次，服务群众550余人次，"
        "服务人数8人（按实名签到去重）；组织志愿者33人次参与志愿服务，志愿服务时长63.5小时。"
    )
    facts = next(t.value for t in at.dataframe if list(t.value.columns)[0] == "序号")
    assert facts.iloc[0][["指标", "简报写法", "精确值", "来源行数"]].tolist() == [
        "活动场次",
        "13",
        13,
        "13",
    ]
    buttons = {b.proto.label for b in at.get("download_button")}
    assert {"数据表（Excel）", "图表（PNG + SVG 压缩包）", "Word 初稿"} <= buttons
    assert at.text_input(key="brief_office_").value == "中共上街区委宣传部"


def test_the_source_rows_column_is_text_in_every_cell_with_a_dash_for_none(
    open_app, practice_db, monkeypatch
):
    # one type per column as the page hands it to the grid: numbers and dashes in one
    # column make Streamlit log an Arrow conversion traceback on every run (and convert)
    handed = []
    dataframe = st.dataframe

    def recorded(data, *args, **kwargs):
        handed.append(data)
        return dataframe(data, *args, **kwargs)

    monkeypatch.setattr(st, "dataframe", recorded)
    open_app(PAGE, db=practice_db)
    (cells,) = [data["来源行数"] for data in handed if "来源行数" in data]
    assert {type(cell) for cell in cells} == {str}
    assert "—" in cells  # the 积分 figures count no source rows
    assert all(cell == "—" or cell.replace(",", "").isdigit() for cell in cells)


def test_the_page_follows_the_scope_bar_to_a_town(briefing_page):
    at = briefing_page()
    at.selectbox(key="unit").set_value("SB").run()
    assert at.code[0].value.startswith("今年以来，全镇各新时代文明实践站累计开展活动")
    assert at.text_input(key="brief_office_SB").value == "峡窝镇新时代文明实践所"
