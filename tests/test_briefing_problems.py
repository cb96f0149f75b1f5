"""The briefing says what is wrong and what to do (issue #14): a 存在问题 paragraph from
facts and a 下一步工作 paragraph of matching actions, every sentence traceable to rows.

A hand-built ledger set, imported with ``wenming build`` (as of 2025-06-30), plants one
of each problem in the county 东城区 (410106), period 2025-01-01..2025-06-30::

    ZX 中心 ─ S1 甲镇所 ─ Z1 一村站 (410106001001)  6 activities, Jan–Jun the 10th, 10 × 5★ each
            │          └ Z2 二村站 (410106001002)  6 activities, the last on 03-01: idle
            └ S2 乙镇所 ─ Z3 三村站 (410106002001)  6 activities of brand BX 星光课堂, 10 × 2★ each
                       └ Z4 四村站 (410106002003)  1 activity Y1 on 06-20, 3 × 1★: below 6
    village 410106002002 五村 is served by no station.
    targets 2025: S1 活动场次 100 (12 held: behind), S2 活动场次 10 (7 held: on track).

By hand (threshold 3.5, 5 pseudo-ratings, 60 idle days, k = 1 × 6 months = 6):
- ratings 60 × 5 + 60 × 2 + 3 × 1 = 423 over 123 → mean 3.439…, so the prior is 3.5;
  BX: (60 × 2 + 5 × 3.5) / (60 + 5) = 137.5 / 65 = 2.115… → 2.11分, 满意率 0%;
  each BX activity (20 + 17.5) / 15 = 2.5 is left to its brand;
  Y1: (3 + 17.5) / 8 = 2.5625 → 2.56分, 满意率 0%.
- Z2: 03-01 to 06-30 = 30 + 30 + 31 + 30 = 121 days.
- S1: 12 / 100 = 12%; the year to 06-30 is 181 / 365 = 49.58…% → 49.5%.
- 五村 uncovered; 四村 served by Z4 with 1 < 6 activities.
"""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from docx import Document
from import_helpers import build, write_csv

from dashboard import briefing
from dashboard.metrics import Scope
from dashboard.warehouse import Warehouse

PERIOD = Scope(date(2025, 1, 1), date(2025, 6, 30), "ZX")
AS_OF = "2025-06-30T23:59:59"

PROBLEMS = (
    "工作中还存在一些不足："
    "一是2个活动或品牌项目的群众满意度修正分低于3.50分，"
    "三村新时代文明实践站“星光课堂”修正分2.11分（满意率0%）、"
    "四村新时代文明实践站“四村议事会”修正分2.56分（满意率0%）；"
    "二是1个实践站已连续60天以上未开展活动，二村新时代文明实践站已121天；"
    "三是1个实践所年度目标完成进度落后于时间进度（49.5%），甲镇新时代文明实践所活动场次完成12%；"
    "四是1个村（社区）尚未纳入实践站服务范围（五村），"
    "1个村（社区）的实践站期内开展活动不足6场（四村）。"
)
ACTIONS = (
    "下一步，将重点抓好以下工作："
    "一是针对“星光课堂”、“四村议事会”满意度偏低的问题，逐条梳理群众意见，调整活动内容和形式；"
    "二是督促二村新时代文明实践站制定活动计划，尽快恢复常态化开展活动；"
    "三是对甲镇新时代文明实践所加强调度，逐项分析差距，确保完成年度目标；"
    "四是推动五村纳入实践站服务范围，督促服务四村的实践站常态化开展活动，提升有效覆盖率。"
)
# the rows each numbered sentence stands on (ids in the 数字核对 sheet's 说明)
BEHIND_EACH = ["BX、Y1", "Z2", "S1 活动场次", "410106002002"]


def _ledgers(folder):
    units = [
        ("阵地编码", "阵地名称", "层级", "上级编码", "区划代码"),
        ("ZX", "东城区新时代文明实践中心", "中心", None, "410106000000"),
        ("S1", "甲镇新时代文明实践所", "所", "ZX", "410106001000"),
        ("S2", "乙镇新时代文明实践所", "所", "ZX", "410106002000"),
        ("Z1", "一村新时代文明实践站", "站", "S1", "410106001001"),
        ("Z2", "二村新时代文明实践站", "站", "S1", "410106001002"),
        ("Z3", "三村新时代文明实践站", "站", "S2", "410106002001"),
        ("Z4", "四村新时代文明实践站", "站", "S2", "410106002003"),
    ]
    divisions = [
        ("区划代码", "名称"),
        ("410106000000", "东城区"),
        ("410106001000", "甲镇"),
        ("410106001001", "一村"),
        ("410106001002", "二村"),
        ("410106002000", "乙镇"),
        ("410106002001", "三村"),
        ("410106002002", "五村"),
        ("410106002003", "四村"),
    ]
    brands = [("项目编码", "项目名称", "所属阵地编码"), ("BX", "星光课堂", "Z3")]
    activities = [("活动编码", "活动名称", "阵地编码", "品牌项目编码", "服务类别", "开始时间")]
    ratings = [("活动编码", "满意度")]
    for month in range(1, 7):
        activities.append(
            (f"A{month}", f"理论宣讲第{month}期", "Z1", None, "理论宣讲", f"2025-{month:02d}-10")
        )
        ratings += [(f"A{month}", 5)] * 10
        activities.append(
            (f"X{month}", f"星光课堂第{month}课", "Z3", "BX", "教育服务", f"2025-{month:02d}-10")
        )
        ratings += [(f"X{month}", 2)] * 10
    for n, day in enumerate(["01-05", "01-15", "01-25", "02-05", "02-15", "03-01"], start=1):
        activities.append((f"B{n}", f"健身操第{n}场", "Z2", None, "健身体育", f"2025-{day}"))
    activities.append(("Y1", "四村议事会", "Z4", None, "便民服务", "2025-06-20"))
    ratings += [("Y1", 1)] * 3
    targets = [
        ("年度", "阵地编码", "指标", "目标值"),
        (2025, "S1", "活动场次", 100),
        (2025, "S2", "活动场次", 10),
    ]
    for name, rows in {
        "阵地.csv": units,
        "区划.csv": divisions,
        "品牌项目.csv": brands,
        "活动.csv": activities,
        "评价.csv": ratings,
        "目标.csv": targets,
    }.items():
        write_csv(folder / name, rows)
    return folder


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    db = folder / "planted.duckdb"
    (folder / "台账").mkdir()
    build(_ledgers(folder / "台账"), db=db, as_of=AS_OF)
    return db


@pytest.fixture(scope="module")
def planted(planted_db):
    return briefing.gather(Warehouse(planted_db), PERIOD)


@pytest.fixture(scope="module")
def text(planted):
    return briefing.compose(planted)


def test_each_planted_problem_is_named_with_its_figures_written_as_everywhere(text):
    assert text.paragraphs[-2] == PROBLEMS


def test_each_problem_has_a_matching_action(text):
    assert text.paragraphs[-1] == ACTIONS


def _sentences(paragraph: str) -> list[str]:
    body = paragraph.split("：", 1)[1].rstrip("。")
    return re.split("；(?=[一二三四]是)", body)


@pytest.mark.parametrize("paragraph", [-2, -1], ids=["存在问题", "下一步工作"])
def test_every_sentence_is_traced_to_its_rows_in_the_numbers_sheet(planted, text, paragraph):
    book = openpyxl.load_workbook(io.BytesIO(briefing.workbook(planted, text)))
    header, *rows = book["简报数字"].iter_rows(values_only=True)
    facts = [dict(zip(header, row, strict=True)) for row in rows]
    sentences = _sentences(text.paragraphs[paragraph])
    assert len(sentences) == len(BEHIND_EACH)
    for sentence, ids in zip(sentences, BEHIND_EACH, strict=True):
        traced = [
            f
            for f in facts
            if f["说明"] and f["说明"].startswith(ids) and str(f["简报写法"]) in sentence
        ]
        assert traced, (sentence, ids)
        assert all(f["来源行数"] for f in traced)


def test_a_scope_with_nothing_wrong_has_no_problem_paragraphs(planted_db):
    # 一村站 alone: rated 5★, active every month, no target, coverage undefined below a town
    kit = briefing.gather(Warehouse(planted_db), Scope(PERIOD.date_from, PERIOD.date_to, "Z1"))
    paragraphs = briefing.compose(kit).paragraphs
    assert "一村新时代文明实践站累计开展活动6场次" in paragraphs[0]
    assert not [p for p in paragraphs if p.startswith(("工作中还存在", "下一步"))]


def test_the_word_draft_numbers_its_pages_in_the_footer(planted, text):
    doc = Document(io.BytesIO(briefing.document(planted, {}, text=text)))
    for section in doc.sections:
        footer = section.footer
        assert footer.paragraphs[0].text == "— 1 —"  # the field's value until Word updates it
        xml = footer._element.xml
        assert 'w:fldCharType="begin"' in xml and "PAGE" in xml
        assert 'w:fldCharType="end"' in xml
    body = "\n".join(p.text for p in doc.paragraphs)
    assert PROBLEMS in body and ACTIONS in body
