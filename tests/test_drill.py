"""Drill-down: the rows behind every tile of 总览 and behind a month's point or a unit's
bar add up to the number clicked, and only inside the account's scope.

Expected numbers come from the fixture's literal rows (tests/conftest.py) by a few lines
of plain Python here; 本年 is 2025-01-01..2025-04-15 (the as-of date).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import ACTIVITIES, APP, ATTENDANCE, ORDERS, RATINGS
from conftest import UNITS as FIXTURE_UNITS
from page_helpers import sheet_rows, tiles
from streamlit.testing.v1 import AppTest

from dashboard import accounts, drill, ledgers
from dashboard.metrics import Scope, drilldown
from dashboard.numbers import format_count
from dashboard.warehouse import Warehouse

OVERVIEW = "views/01_overview.py"
YEAR = (date(2025, 1, 1), date(2025, 4, 15))
SB_NAME = "峡窝镇新时代文明实践所"


def percent(part, whole) -> str:
    tenths = int(Fraction(part) / Fraction(whole) * 1000)
    return f"{tenths // 10}.{tenths % 10}%"


def held(date_from: date, date_to: date, units: set[str] | None = None) -> list[tuple]:
    """The fixture's activities started in [date_from, date_to] (at ``units``)."""
    return [
        a
        for a in ACTIVITIES
        if date_from <= date.fromisoformat(a[5][:10]) <= date_to
        and (units is None or a[2] in units)
    ]


def person_times(activity: tuple) -> int:
    """服务人次 of one fixture activity: its 群众 headcounts, else the ledger's figure."""
    counts = [n for a, _, n, role in ATTENDANCE if a == activity[0] and role == "群众"]
    return sum(counts) if counts else activity[11] or 0


def hand_figures(activities: list[tuple]) -> dict:
    ids = {a[0] for a in activities}
    scores = [s for a, s, _ in RATINGS if a in ids]
    persons = {p for a, p, _, role in ATTENDANCE if a in ids and role == "群众" and p}
    return {
        "activities": len(activities),
        "person_times": sum(person_times(a) for a in activities),
        "volunteer_hours": sum(Decimal(a[9]) for a in activities if a[9]),
        "unique_persons": len(persons),
        "ratings": len(scores),
        "satisfied": sum(s >= 4 for s in scores),
    }


@pytest.fixture(scope="module")
def wh(fixture_db):
    return Warehouse(str(fixture_db))


# --- The metrics layer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_from", "date_to", "unit_id", "units"),
    [
        (*YEAR, None, None),
        (date(2025, 2, 1), date(2025, 2, 28), None, None),
        (*YEAR, "SB", {"SB", "ZB1", "ZB2", "DB1"}),
        (*YEAR, "SA", {"SA", "ZA1", "ZA2"}),
    ],
    ids=["year", "february", "town SB", "town SA"],
)
def test_activity_rows_add_up_to_each_flow_figure_of_their_scope(
    wh, date_from, date_to, unit_id, units
):
    rows = drilldown.activity_rows(wh, Scope(date_from, date_to, unit_id))
    expected = hand_figures(held(date_from, date_to, units))
    assert len(rows) == expected["activities"]
    assert sum(r["person_times"] for r in rows) == expected["person_times"]
    assert sum(Decimal(str(r["volunteer_hours"] or 0)) for r in rows) == expected["volunteer_hours"]
    assert sum(r["ratings"] for r in rows) == expected["ratings"]
    assert sum(r["satisfied"] for r in rows) == expected["satisfied"]


def test_first_sign_ins_add_up_to_the_distinct_persons_served(wh):
    rows = drilldown.person_rows(wh, Scope(*YEAR))
    assert sum(r["first_persons"] for r in rows) == hand_figures(held(*YEAR))["unique_persons"]
    # P1 signs in first at A01 (01-10), again at A02 and A11: counted once, at A01
    by_id = {r["activity_id"]: r for r in rows}
    assert (by_id["A01"]["signed_persons"], by_id["A01"]["first_persons"]) == (3, 3)
    assert (by_id["A02"]["signed_persons"], by_id["A02"]["first_persons"]) == (2, 1)  # P4


def test_own_only_keeps_what_the_unit_holds_itself(wh):
    rows = drilldown.activity_rows(wh, Scope(*YEAR, "ZX"), own_only=True)
    assert [r["activity_id"] for r in rows] == ["A10"]


def test_order_rows_give_the_completion_rate(wh):
    rows = drilldown.order_rows(wh, Scope(*YEAR))
    placed = [o for o in ORDERS if YEAR[0] <= o[1].date() <= YEAR[1]]
    assert sorted(r["order_id"] for r in rows) == sorted(o[0] for o in placed)
    done = [o[0] for o in placed if o[8] is not None and o[9] != "已取消"]
    assert sorted(r["order_id"] for r in rows if r["is_completed"]) == sorted(done)
    assert [r["order_id"] for r in rows if r["is_cancelled"]] == ["O3"]


# --- From a click to a request ------------------------------------------------------------

# what by_month and by_unit give for 本年 (February: A02 2 + A05 61 + A09 40 人次)
MONTHS = [{"month": f"2025-{m:02d}", "person_times": v} for m, v in [(2, 103), (3, 267)]]
BARS = [
    {"unit_id": "SB", "name": SB_NAME, "is_self": False, "person_times": 260},
    {"unit_id": "ZX", "name": "本级", "is_self": True, "person_times": 200},
]


def test_a_click_on_a_month_narrows_the_period_to_that_month():
    points = [{"curve_number": 0, "point_index": 1, "x": "2025-02-01", "y": 103}]
    request = drill.month_request(points, Scope(*YEAR), "person_times", "服务人次", str, MONTHS)
    assert (request.date_from, request.date_to, request.unit_id) == (
        date(2025, 2, 1),
        date(2025, 2, 28),
        None,
    )
    assert (request.label, request.value) == ("2025年2月服务人次", "103")


def test_a_click_on_another_line_of_the_monthly_chart_opens_nothing():
    points = [{"curve_number": 1, "x": "2025-02-01", "y": 90}]
    assert (
        drill.month_request(points, Scope(*YEAR), "person_times", "服务人次", str, MONTHS) is None
    )


def test_a_click_on_a_units_bar_narrows_the_scope_to_that_unit():
    points = [{"curve_number": 0, "customdata": [SB_NAME, "260", "SB"]}]
    request = drill.unit_request(points, Scope(*YEAR), "person_times", "服务人次", str, BARS)
    assert (request.unit_id, request.own_only, request.value) == ("SB", False, "260")
    points = [{"curve_number": 0, "customdata": ["本级", "200", "ZX"]}]
    request = drill.unit_request(points, Scope(*YEAR), "person_times", "服务人次", str, BARS)
    assert (request.unit_id, request.own_only) == ("ZX", True)


# --- On the page ----------------------------------------------------------------------------


@pytest.fixture
def overview(fixture_db, monkeypatch, tmp_path):
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(OVERVIEW).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


TILE_KEYS = {
    "活动场次": "activities",
    "服务人次": "person_times",
    "服务人数": "unique_persons",
    "志愿服务时长": "volunteer_hours",
    "满意率": "satisfaction_rate",
    "覆盖率": "coverage",
    "有效覆盖率": "effective_coverage",
    "办结率": "completion_rate",
}


def drill_table(at: AppTest, figure: str) -> list[dict]:
    """The rows of the drill-down dialog's table for ``figure`` (by its columns)."""
    headers = [c.label for c in drill.COLUMNS[drill.KIND_OF[figure]]]
    found = [d.value for d in at.dataframe if list(d.value.columns) == headers]
    assert len(found) == 1, headers
    return found[0].to_dict("records")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def hours(text: str) -> Decimal:
    return Decimal(0) if text == "—" else Decimal(text.replace(",", ""))  # — : not filled in


def test_every_overview_tile_opens_rows_adding_up_to_it(overview, downloads):
    at = overview
    shown = tiles(at)
    year = hand_figures(held(*YEAR))
    # coverage, whole warehouse: 7 villages; covered: all but 410106001003 and the other
    # county's; effective (4 months → 4 activities): ZB1's two villages (A04 A05 A06 A12)
    villages = {"有效覆盖": 2, "仅挂牌": 3, "未覆盖": 2}
    placed = [o for o in ORDERS if YEAR[0] <= o[1].date() <= YEAR[1]]
    checks = {
        "活动场次": lambda rows: format_count(len(rows)) == str(year["activities"]),
        "服务人次": lambda rows: sum(number(r["服务人次"]) for r in rows) == year["person_times"],
        "服务人数": lambda rows: (
            sum(number(r["其中首次签到"]) for r in rows) == year["unique_persons"]
        ),
        "志愿服务时长": lambda rows: (
            sum(hours(r["志愿服务时长（小时）"]) for r in rows) == year["volunteer_hours"]
        ),
        "满意率": lambda rows: (
            (
                sum(number(r["评价数"]) for r in rows),
                sum(number(r["满意（4分及以上）"]) for r in rows),
            )
            == (year["ratings"], year["satisfied"])
        ),
        "覆盖率": lambda rows: (
            {s: [r["情况"] for r in rows].count(s) for s in villages} == villages
        ),
        "有效覆盖率": lambda rows: len(rows) == sum(villages.values()),
        "办结率": lambda rows: (
            (len(rows), [r["已办结"] for r in rows].count("是")) == (len(placed), 2)
        ),
    }
    expected_tiles = {
        "活动场次": f"{year['activities']}场次",
        "服务人次": f"{year['person_times']}人次",
        "服务人数": f"{year['unique_persons']}人",
        "志愿服务时长": f"{year['volunteer_hours']:.1f}小时",
        "满意率": percent(year["satisfied"], year["ratings"]),
        "覆盖率": percent(5, 7),
        "有效覆盖率": percent(2, 7),
        "办结率": percent(2, len(placed) - 1),  # O3 was cancelled
    }
    assert {k: shown[k] for k in expected_tiles} == expected_tiles
    for label, check in checks.items():
        at.pills(key="overview_drill").set_value(TILE_KEYS[label]).run()
        assert not at.exception, [e.message for e in at.exception]
        rows = drill_table(at, TILE_KEYS[label])
        assert check(rows), (label, rows)
        context = [c.value for c in at.caption if c.value.startswith(f"「{label}」")]
        assert context and shown[label] in context[0]
    xlsx = downloads["办结率明细.xlsx"]()
    assert len(sheet_rows(xlsx)) == 1 + len(placed)  # header and every order


def chart_points(at: AppTest, title: str) -> list[dict]:
    """The points of the first trace of the chart titled ``title``, shaped as a click
    on them reports them (AppTest cannot click a plotly chart; the browser test does)."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            trace = spec["data"][0]
            return [
                {"curve_number": 0, "point_index": i, "x": x, "y": y, "customdata": data}
                for i, (x, y, data) in enumerate(
                    zip(trace["x"], trace["y"], trace["customdata"], strict=True)
                )
            ]
    raise AssertionError(f"no chart titled {title}")


def open_request(at: AppTest, request: drill.Request) -> AppTest:
    at.session_state[drill.PENDING] = request
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_units_bar_opens_the_activities_adding_up_to_the_bar(overview):
    at = overview
    points = chart_points(at, "下级阵地服务人次")
    sb = next(p for p in points if p["customdata"][-1] == "SB")
    bars = [{"unit_id": "SB", "name": SB_NAME, "is_self": False, "person_times": sb["x"]}]
    request = drill.unit_request([sb], Scope(*YEAR), "person_times", "服务人次", str, bars)
    rows = drill_table(open_request(at, request), "person_times")
    expected = hand_figures(held(*YEAR, {"SB", "ZB1", "ZB2", "DB1"}))["person_times"]
    assert sb["x"] == expected == sum(number(r["服务人次"]) for r in rows)
    subtree = {"SB", "ZB1", "ZB2", "DB1"}
    assert {r["阵地"] for r in rows} <= {u[1] for u in FIXTURE_UNITS if u[0] in subtree}


def test_a_months_point_opens_the_activities_of_that_month(overview):
    at = overview
    points = chart_points(at, "各月服务人次")
    february = next(p for p in points if p["x"].startswith("2025-02"))
    months = [{"month": "2025-02", "person_times": february["y"]}]
    request = drill.month_request([february], Scope(*YEAR), "person_times", "服务人次", str, months)
    rows = drill_table(open_request(at, request), "person_times")
    expected = hand_figures(held(date(2025, 2, 1), date(2025, 2, 28)))["person_times"]
    assert february["y"] == expected == sum(number(r["服务人次"]) for r in rows)
    assert all(r["活动时间"].startswith("2025年2月") for r in rows)


def test_a_leader_cannot_open_the_rows_of_a_unit_outside_their_own(
    fixture_db, monkeypatch, tmp_path
):
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(1, 8, 1))
    monkeypatch.setenv("WENMING_ACCOUNTS", str(tmp_path / "a.sqlite"))
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    accounts.Store(tmp_path / "a.sqlite").add(
        "lead", "李书记", accounts.LEADER, "SA", "town-lead-1"
    )
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.text_input(key="signin_user").input("lead")
    at.text_input(key="signin_password").input("town-lead-1")
    at.button[0].click().run()
    at.switch_page(OVERVIEW).run()
    # the leader's own tile opens SA's rows only (A02 A01 A03 A09 A11 of 本年)
    at.pills(key="overview_drill").set_value("activities").run()
    rows = drill_table(at, "activities")
    assert sorted(r["活动编码"] for r in rows) == [a[0] for a in held(*YEAR, {"SA", "ZA1", "ZA2"})]
    # a request for another town (a tampered click) is refused, and no row is shown
    request = drill.Request("activities", "活动场次", "6", *YEAR, "SB")
    at = open_request_refused(at, request)
    assert any("无权查看" in e.value and SB_NAME in e.value for e in at.error)
    assert not any(SB_NAME in str(d.value.to_dict()) for d in at.dataframe)


def open_request_refused(at: AppTest, request: drill.Request) -> AppTest:
    at.session_state[drill.PENDING] = request
    at.run()
    return at


def test_a_towns_coverage_bar_opens_its_villages(fixture_db, monkeypatch, tmp_path):
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(tmp_path / "ledgers"))
    monkeypatch.setenv("WENMING_DB", str(fixture_db))
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("views/02_coverage.py").run()
    # SB's bar (the customdata ends with its unit_id): 有效覆盖率 2 of its 3 villages,
    # ZB1 (A04 A05 A06 A12: 4 activities in 4 months) serving 杨家沟村 and 老寨河村
    bars = [{"unit_id": "SB", "name": SB_NAME, "effective_rate": 2 / 3}]
    points = [{"curve_number": 0, "customdata": [SB_NAME, "66.6%", "SB"]}]
    request = drill.unit_request(points, Scope(*YEAR), "effective_rate", "有效覆盖率", str, bars)
    rows = drill_table(open_request(at, request), "effective_rate")
    assert sorted((r["村（社区）"], r["情况"]) for r in rows) == [
        ("杨家沟村", "有效覆盖"),
        ("老寨河村", "有效覆盖"),
        ("营坡顶村", "仅挂牌"),
    ]
