"""The briefing text in the seeds' style, with every number it wrote listed as a
``Fact`` (exact value, as written, 口径, scope, source rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from dashboard import metrics
from dashboard.briefing.gather import Briefing, area_phrase, gather, period_phrase, whole_place
from dashboard.briefing.practice_text import practice_paragraphs
from dashboard.briefing.problems import Problems, problem_paragraphs
from dashboard.briefing.wording import (
    ALL_UNITS,
    CHANGE_DOWN,
    CHANGE_FLAT,
    CHANGE_TINY_DOWN,
    CHANGE_TINY_UP,
    CHANGE_UP,
    DEFINITIONS,
    LEVEL_WORDS,
    P_ACCEPT,
    P_ACTIVITIES,
    P_BRAND,
    P_BRAND_SCORE,
    P_BRANDS,
    P_BRANDS_IDLE,
    P_BRANDS_TOP,
    P_CANCELLED,
    P_COMPLETED,
    P_COVERAGE,
    P_HOURS,
    P_HOURS_ONLY,
    P_NO_ACTIVITY,
    P_ORDERS,
    P_RATINGS,
    P_UNIQUE,
    P_UNITS,
    P_UNITS_BELOW,
    P_VOLUNTEERS,
    PREFIX,
    PREVIOUS,
    SCOPE_TEXT,
    SCOPE_UNIT,
)
from dashboard.metrics import Scope
from dashboard.numbers import (
    brief_number,
    brief_percent,
    brief_score,
    format_date,
    inventory_number,
)
from dashboard.warehouse import Warehouse


@dataclass(frozen=True)
class Fact:
    """One number the text writes: exact value, as written, and where it comes from."""

    key: str
    kind: str
    label: str
    value: Any
    written: str
    unit: str
    definition: str
    scope: str
    table: str
    rows: int | None
    note: str = ""


@dataclass(frozen=True)
class Text:
    """The briefing text (one string per paragraph) and every number it wrote."""

    paragraphs: tuple[str, ...]
    facts: tuple[Fact, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


class Ledger:
    """Writes numbers for the text and keeps a ``Fact`` for each one written."""

    def __init__(self, b: Briefing) -> None:
        self.b = b
        self.facts: list[Fact] = []
        self.current = scope_text(b.scope, b.unit, b.is_whole, b.data_end)
        self.previous = (
            scope_text(b.previous_scope, b.unit, b.is_whole, b.previous_scope.date_to) + PREVIOUS
            if b.previous_scope
            else ""
        )

    def write(
        self,
        key: str,
        value: Any,
        written: str,
        rows: int | None,
        *,
        kind: str | None = None,
        label: str | None = None,
        note: str = "",
        previous: bool = False,
        fmt_def: Mapping[str, Any] | None = None,
    ) -> str:
        """Record the fact ``key`` (defined as ``DEFINITIONS[kind or key]``) and return
        ``written``."""
        kind = kind or key
        name, unit, table, definition = DEFINITIONS[kind]
        self.facts.append(
            Fact(
                key=key,
                kind=kind,
                label=label or name,
                value=value,
                written=written,
                unit=unit,
                definition=definition.format(**fmt_def) if fmt_def else definition,
                scope=self.previous if previous else self.current,
                table=table,
                rows=rows,
                note=note,
            )
        )
        return written

    def flow(self, key: str, value: Any, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, brief_number(value), rows, **kw)

    def count(self, key: str, value: int, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, inventory_number(value), rows, **kw)

    def rate(self, key: str, value: Any, rows: int | None, **kw: Any) -> str:
        return self.write(key, value, brief_percent(value), rows, **kw)

    def change(self, key: str, rows: int) -> str:
        """ "（同比增长12.5%）" for an activity figure, "" without a comparable last year."""
        previous = self.b.previous
        if not previous or not previous.get(key):
            return ""
        now, before = Decimal(str(self.b.summary[key])), Decimal(str(previous[key]))
        self.flow(
            f"previous:{key}",
            previous[key],
            previous["activities"],
            kind=key,
            label=DEFINITIONS[key][0] + PREVIOUS,
            previous=True,
        )
        ratio = (now - before) / before
        if ratio == 0:
            written = CHANGE_FLAT
        elif brief_percent(abs(ratio)) == "0%":
            written = CHANGE_TINY_UP if ratio > 0 else CHANGE_TINY_DOWN
        else:
            template = CHANGE_UP if ratio > 0 else CHANGE_DOWN
            written = template.format(percent=brief_percent(abs(ratio)))
        name = DEFINITIONS[key][0]
        self.write(
            f"change:{key}",
            float(ratio),
            written.strip("（）"),
            rows + previous["activities"],
            kind="change",
            label=f"{name}同比",
        )
        return written


def scope_text(scope: Scope, unit: dict[str, Any] | None, is_whole: bool, end: date) -> str:
    """ "上街区新时代文明实践中心及下属阵地，2025年1月1日至2025年3月31日"."""
    who = ALL_UNITS if is_whole or unit is None else SCOPE_UNIT.format(name=unit["name"])
    return SCOPE_TEXT.format(
        unit=who, date_from=format_date(scope.date_from), date_to=format_date(end)
    )


def compose(b: Briefing, *, top_brands: int = 3) -> Text:
    """The briefing paragraphs for ``b`` and the facts behind every number written."""
    ledger = Ledger(b)
    # a period without activity has nothing to judge: no 存在问题
    problems = b.problems if b.problems and b.summary["activities"] else Problems()
    as_of = b.as_of.date() if b.as_of else None
    period = period_phrase(b.scope.date_from, b.scope.date_to, as_of)
    place = whole_place(b.unit)
    paragraphs = [
        _activities_paragraph(ledger, period, area_phrase(b.unit)),
        _units_paragraph(ledger, place),
        _brands_paragraph(ledger, place, top_brands),
        _orders_paragraph(ledger),
        _ratings_paragraph(ledger),
        *practice_paragraphs(ledger),
        *problem_paragraphs(ledger, problems),
    ]
    return Text(tuple(p for p in paragraphs if p), tuple(ledger.facts))


def briefing_text(wh: Warehouse, scope: Scope) -> str:
    """The briefing text of ``scope``: paragraphs joined by newlines (the single source
    of the text ``wenming brief`` writes and ``wenming report`` shows)."""
    return compose(gather(wh, scope)).text


def _activities_paragraph(ledger: Ledger, period: str, area: str) -> str:
    s, src = ledger.b.summary, ledger.b.sources
    n = s["activities"]
    if not n:
        return P_NO_ACTIVITY.format(period=period, area=area)
    note = (
        f"{src['activities_with_records']}场按群众参与记录计，"
        f"{src['activities_reported_only']}场按台账参与人次计，"
        f"{src['activities_uncounted']}场无人次数据"
    )
    text = P_ACTIVITIES.format(
        period=period,
        area=area,
        activities=ledger.flow("activities", n, n),
        c_activities=ledger.change("activities", n),
        person_times=ledger.flow("person_times", s["person_times"], n, note=note),
        c_person_times=ledger.change("person_times", n),
    )
    if s["unique_persons"]:
        persons = ledger.flow("unique_persons", s["unique_persons"], src["signed_in"])
        text += P_UNIQUE.format(unique_persons=persons)
    hours = s["volunteer_hours"]
    if s["volunteer_times"]:
        text += P_VOLUNTEERS.format(
            volunteer_times=ledger.flow("volunteer_times", s["volunteer_times"], n),
            c_volunteer_times=ledger.change("volunteer_times", n),
        )
    if hours:
        template = P_HOURS if s["volunteer_times"] else P_HOURS_ONLY
        text += template.format(
            volunteer_hours=ledger.flow("volunteer_hours", hours, n),
            c_volunteer_hours=ledger.change("volunteer_hours", n),
        )
    return text + "。"


def _units_paragraph(ledger: Ledger, place: str) -> str:
    b = ledger.b
    level = b.unit["level"] if b.unit and not b.is_whole else None
    below = level in ("站", "点", "基地")
    counts = {
        lv: n
        for lv, n in b.units.items()
        if not below or metrics.LEVELS.index(lv) > metrics.LEVELS.index(level)
    }
    words = []
    for i, (lv, n) in enumerate(counts.items()):
        # "新时代文明实践所1个、实践站2个": the prefix already says 实践
        word = LEVEL_WORDS[lv].removeprefix("实践") if i == 0 else LEVEL_WORDS[lv]
        label = PREFIX + LEVEL_WORDS[lv].removeprefix("实践") + "数"
        words.append(word + ledger.count(f"units:{lv}", n, n, kind="units", label=label) + "个")
    inventory = "、".join(words)
    text = ""
    if inventory:
        text = (P_UNITS_BELOW if below else P_UNITS).format(place=place, inventory=inventory)
    cov = b.coverage
    if cov["rate"] is not None:
        villages = cov["villages"]
        text = (text or "阵地建设方面，") + P_COVERAGE.format(
            villages=ledger.count("villages", villages, villages),
            covered=ledger.count("covered", cov["covered"], villages),
            rate=ledger.rate("rate", cov["rate"], villages, note=f"{cov['covered']}/{villages}"),
            effective_min=inventory_number(cov["effective_min"]),
            effective=ledger.count(
                "effective", cov["effective"], villages, fmt_def={"k": b.effective_k}
            ),
            effective_rate=ledger.rate(
                "effective_rate",
                cov["effective_rate"],
                villages,
                note=f"{cov['effective']}/{villages}；每站期内至少{cov['effective_min']}场",
            ),
        )
    return text


def _brands_paragraph(ledger: Ledger, place: str, top: int) -> str:
    brands = ledger.b.brands
    if not brands:
        return ""
    active = sorted(
        (row for row in brands if row["activities"]),
        key=lambda row: (-row["person_times"], -row["activities"], row["brand_id"]),
    )
    total = ledger.count("brands", len(brands), len(brands))
    if not active:
        return P_BRANDS_IDLE.format(place=place, brands=total)
    count = ledger.count("active_brands", len(active), sum(r["activities"] for r in brands))
    items = []
    for row in active[:top]:
        key, label, n = f"brand:{row['brand_id']}", f"“{row['name']}”", row["activities"]
        item = P_BRAND.format(
            name=row["name"],
            activities=ledger.flow(
                f"{key}:activities", n, n, kind="brand_activities", label=label + "活动场次"
            ),
            person_times=ledger.flow(
                f"{key}:person_times",
                row["person_times"],
                n,
                kind="brand_person_times",
                label=label + "服务人次",
            ),
        )
        if row["ratings"]:
            score = ledger.write(
                f"{key}:mean_score",
                row["mean_score"],
                brief_score(row["mean_score"]),
                row["ratings"],
                kind="brand_mean_score",
                label=label + "满意度均分",
            )
            item += P_BRAND_SCORE.format(mean_score=score)
        items.append(item)
    template = P_BRANDS if len(active) <= top else P_BRANDS_TOP
    return template.format(place=place, brands=total, active=count, items="；".join(items))


def _orders_paragraph(ledger: Ledger) -> str:
    o = ledger.b.orders
    n = o["orders"]
    if not n:
        return ""
    text = P_ORDERS.format(orders=ledger.flow("orders", n, n))
    if o["cancelled"]:
        text += P_CANCELLED.format(cancelled=ledger.flow("cancelled", o["cancelled"], n))
    if o["completion_rate"] is not None:
        text += P_COMPLETED.format(
            completed=ledger.flow("completed", o["completed"], n),
            completion_rate=ledger.rate(
                "completion_rate",
                o["completion_rate"],
                n,
                note=f"{o['completed']}/({n}−{o['cancelled']})",
            ),
        )
    if o["median_accept_hours"] is not None:
        text += P_ACCEPT.format(
            median_accept_hours=ledger.flow("median_accept_hours", o["median_accept_hours"], n)
        )
    return text + "。"


def _ratings_paragraph(ledger: Ledger) -> str:
    s = ledger.b.summary
    n = s["ratings"]
    if not n:
        return ""
    return P_RATINGS.format(
        ratings=ledger.flow("ratings", n, n),
        satisfaction_rate=ledger.rate("satisfaction_rate", s["satisfaction_rate"], n),
        mean_score=ledger.write("mean_score", s["mean_score"], brief_score(s["mean_score"]), n),
    )
