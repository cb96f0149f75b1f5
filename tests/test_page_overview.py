"""总览, run by AppTest: what its 需要关注 cards list and where they lead.

Expected figures are worked out from the fixture's rows (tests/conftest.py); 本年 is
2025-01-01..2025-04-15 (the as-of date).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from conftest import STARRY_RATINGS_EACH, STARRY_SCORE, STARRY_SESSIONS
from page_helpers import table, texts, tiles

from dashboard import briefing, metrics, report
from dashboard.metrics import Scope
from dashboard.warehouse import Warehouse

# 2025 ratings of the fixture: 48, summing to 177 (tests/test_pages.py)
FIXTURE_RATINGS, FIXTURE_SUM = 48, 177
THRESHOLD = Fraction(7, 2)  # low_score_threshold, the default 3.5
PRIOR_WEIGHT = 5


def floor2(value: Fraction) -> str:
    hundredths = int(value * 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def adjusted(total: int, ratings: int, prior: Fraction) -> Fraction:
    return (total + prior * PRIOR_WEIGHT) / (ratings + PRIOR_WEIGHT)


def attention_card(at) -> list[str]:
    """The lines of the 满意度偏低 card's list (nested lines keep their indent)."""
    for element in at.markdown:
        if element.value.startswith("- ") and "修正分" in element.value:
            return element.value.split("\n")
    raise AssertionError("no list of low-rated items")


def test_the_worst_rated_brand_leads_the_attention_card_with_its_sessions_beneath(
    open_app, starry_db
):
    at = open_app(db=starry_db)
    sessions = len(STARRY_SESSIONS)
    brand_ratings = sessions * STARRY_RATINGS_EACH
    brand_sum = brand_ratings * STARRY_SCORE
    # the scope's mean (177 + 64) / 80 is below 3.5, so the prior is the threshold
    mean = Fraction(FIXTURE_SUM + brand_sum, FIXTURE_RATINGS + brand_ratings)
    prior = max(mean, THRESHOLD)
    lines = attention_card(at)
    brand = adjusted(brand_sum, brand_ratings, prior)  # 81.5 / 37 = 2.20, the lowest
    assert lines[0].startswith("- 品牌项目「星光课堂」（东林子社区新时代文明实践站）")
    assert f"修正分{floor2(brand)}分" in lines[0]
    assert f"{brand_ratings}条评价" in lines[0]
    # its sessions beneath, earliest first (they score alike), each with date and unit
    session = floor2(adjusted(STARRY_RATINGS_EACH * STARRY_SCORE, STARRY_RATINGS_EACH, prior))
    assert lines[1:4] == [
        f"    - 星光课堂·插花（2025年1月6日，东林子社区新时代文明实践站）：修正分{session}分，"
        f"低于3.50分（4条评价，均分2.00分）",
        f"    - 星光课堂·插花（2025年1月13日，营坡顶村新时代文明实践站）：修正分{session}分，"
        f"低于3.50分（4条评价，均分2.00分）",
        f"    - 星光课堂·插花（2025年1月20日，东林子社区新时代文明实践站）：修正分{session}分，"
        f"低于3.50分（4条评价，均分2.00分）",
    ]
    assert lines[4] == f"    - 该品牌另有 {sessions - 3} 场评价偏低的活动"
    # the brand is listed once; the next group is B3 with its session A07 (15 ratings, 30)
    assert sum("品牌项目「星光课堂」" in line for line in lines) == 1
    assert lines[5].startswith("- 品牌项目「四点半智慧课堂」（营坡顶村新时代文明实践站）")
    assert lines[6].startswith(
        "    - 四点半课堂·作业辅导（2025年1月25日，营坡顶村新时代文明实践站）"
    )


def test_a_brand_listed_for_its_sessions_shows_its_own_ratings_and_adjusted_score(open_app):
    at = open_app()
    lines = attention_card(at)
    # A04 (one 1-star) is low; its brand B2 is not: A04 1, A05 5 (22), A12 2 (9) ratings
    prior = Fraction(FIXTURE_SUM, FIXTURE_RATINGS)
    b2 = floor2(adjusted(1 + 22 + 9, 8, prior))
    at_b2 = lines.index(
        f"- 品牌项目「五云秀场」（五云联合新时代文明实践站）：8条评价，修正分{b2}分"
    )
    assert lines[at_b2 + 1].startswith("    - 新春村晚（2025年1月20日，五云联合新时代文明实践站）")


def test_more_low_items_than_the_card_shows_are_counted_after_the_worst(open_app, starry_db):
    at = open_app(db=starry_db)
    # four groups (B5, B3, B2, B1) fit the card's five: nothing is left to count
    assert "另有" not in "\n".join(line for line in attention_card(at) if not line.startswith(" "))
    assert "满意度偏低的活动和品牌项目：13 项" in texts(at)  # S1–S8, A07, A04; B5, B3, B1


def test_the_silent_stations_card_names_each_with_its_institute_and_opens_their_list(open_app):
    at = open_app()
    # no activity 2025-03-17..04-15: ZA1 only (last A03 on 03-05), of 所 SA
    assert "近 30 天没有上报活动的实践站：1 个" in texts(at)
    assert "- 东林子社区新时代文明实践站（济源路街道新时代文明实践所）" in texts(at)
    silent_link = [link.proto for link in at.get("page_link")][-1]
    assert (silent_link.label, silent_link.query_string) == ("查看「阵地覆盖」", "section=silent")


def test_every_headline_tile_carries_its_unit(open_app):
    shown = tiles(open_app())
    # 本年 to 04-15: A01–A12 and A14 (tests/test_app.py works out each figure)
    assert (shown["活动场次"], shown["服务人次"], shown["服务人数"]) == ("13场次", "552人次", "8人")
    assert shown["志愿服务时长"] == "63.5小时"
    assert all(shown[k].endswith("%") for k in ("满意率", "覆盖率", "有效覆盖率", "办结率"))


@pytest.mark.parametrize(
    ("hours", "written"),
    [(4383, "4,383.0小时"), (16803, "16,803.0小时"), (37.56, "37.5小时"), (123456, "12.3万小时")],
)
def test_hours_are_written_by_one_rule_whatever_their_size(hours, written):
    assert metrics.figure("volunteer_hours").with_unit(hours) == written


def test_one_figure_has_one_name_on_tiles_tables_the_report_and_the_briefing(open_app, fixture_db):
    at = open_app()
    assert "服务人数" in tiles(at)
    assert "服务人数" in table(at, "阵地", "层级")[0]
    wh = Warehouse(fixture_db)
    q1 = Scope(date(2025, 1, 1), date(2025, 3, 31), "ZX")
    assert "\n  服务人数：8\n" in report.render_text(report.build_report(wh, q1))
    facts = {f.key: f.label for f in briefing.compose(briefing.gather(wh, q1)).facts}
    assert facts["unique_persons"] == "服务人数"
    assert "实名签到群众人数" not in briefing.briefing_text(wh, q1)
