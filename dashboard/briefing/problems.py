"""What is wrong and what to do: the facts behind the briefing's 存在问题 and 下一步工作
paragraphs, read from the metrics layer, and the two paragraphs written from them.

Four kinds of problem, each found by the figure that defines it elsewhere (so the text
names what the pages show):

- low-rated items: brands and activities whose adjusted score is below the threshold
  (``dashboard.lowsat``), lowest first; an activity of a listed brand is not listed again;
- idle stations: 站 with no activity for ``idle_days`` or more (``lowsat.idle_stations``);
- towns behind target: 所 in scope whose year's target is behind the elapsed share of the
  year, or unmet once the year is over (``metrics.targets_progress``);
- coverage gaps: villages no station serves, and villages served only by stations below
  their need (``metrics.villages``'s ``is_effective``: k × the months from the later of
  the period's start and the station's opening, the rule of the coverage figures).

Every sentence writes its numbers through the briefing's ``Ledger``, so each is a row of
the 数字核对 sheet with the ids of the rows behind it in its 说明.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dashboard import lowsat, metrics
from dashboard.briefing.wording import (
    A_COVERAGE_GAP,
    A_COVERAGE_WEAK,
    A_IDLE,
    A_IDLE_MORE,
    A_LOW,
    A_LOW_MORE,
    A_TARGETS,
    A_TARGETS_MORE,
    A_VILLAGES_MORE,
    ACTION_LABEL,
    ACTIONS_HEAD,
    DEFINITIONS,
    ITEM_SEPARATOR,
    ORDINALS,
    P_COVERAGE_GAP,
    P_COVERAGE_WEAK,
    P_IDLE,
    P_IDLE_ITEM,
    P_LOW,
    P_LOW_ITEM,
    P_TARGET_ITEM,
    P_TARGET_METRIC,
    P_TARGETS,
    P_TARGETS_UNMET,
    PART_SEPARATOR,
    PROBLEMS_HEAD,
    SAMPLE_MORE,
    SENTENCE_END,
    SENTENCE_SEPARATOR,
    TARGET_NOTE,
    TOWN_SEPARATOR,
)
from dashboard.metrics import Scope
from dashboard.metrics import queries as q
from dashboard.numbers import brief_score, inventory_number
from dashboard.warehouse import Warehouse
from pipelines.settings import config

NAMED = 3  # a sentence names at most this many items; the count says how many in all
TOWN = "所"


@dataclass(frozen=True)
class Problems:
    """The problems of one scope: rows as the metrics layer returns them.

    ``low``: flagged brands and activities, lowest adjusted score first; ``idle``: idle
    stations, longest first; ``behind``: targets of 所 not on track; ``uncovered`` and
    ``weak``: villages no station serves, and villages whose stations are all below their
    need (pro-rated from a station's opening, as ``metrics.villages`` counts it);
    ``effective_min`` is the need of a station open the whole period (k × m), the
    figure the sentence writes.
    """

    low: list[dict[str, Any]] = field(default_factory=list)
    idle: list[dict[str, Any]] = field(default_factory=list)
    idle_days: int = 0
    behind: list[dict[str, Any]] = field(default_factory=list)
    uncovered: list[dict[str, Any]] = field(default_factory=list)
    weak: list[dict[str, Any]] = field(default_factory=list)
    effective_min: int | None = None
    threshold: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.low or self.idle or self.behind or self.uncovered or self.weak)


def find_problems(wh: Warehouse, scope: Scope) -> Problems:
    """Read the four kinds of problem of ``scope`` (see the module docstring)."""
    settings = config()
    # only the villages short of effective coverage: a province has fifty thousand
    villages = metrics.village_gaps(wh, scope)
    return Problems(
        low=low_items(wh, scope),
        # the rows as read (Problems is read, never changed), not a deep copy of a
        # province's fifteen thousand idle stations
        idle=list(lowsat.idle_stations.shared(wh, scope)),
        idle_days=settings.idle_days,
        behind=towns_behind(wh, scope),
        uncovered=[v for v in villages if not v["is_covered"]],
        weak=[v for v in villages if v["is_covered"] and not v["is_effective"]],
        effective_min=metrics.coverage(wh, scope)["effective_min"],
        threshold=settings.low_score_threshold,
    )


def low_items(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Brands and activities below the score threshold, lowest adjusted score first; an
    activity whose brand is itself listed is left to its brand."""
    prior = metrics.rating_prior(wh, scope)
    threshold = config().low_score_threshold
    brands = [
        row
        for row in lowsat.low_brands.shared(wh, scope, prior=prior)
        if row["adjusted_score"] is not None and row["adjusted_score"] < threshold
    ]
    listed = {row["brand_id"] for row in brands}
    activities = [
        row
        for row in lowsat.low_activities.shared(wh, scope, prior=prior)
        if row["brand_id"] not in listed
    ]
    items = brands + activities
    items.sort(key=lambda row: (row["adjusted_score"], row["kind"], row["id"]))
    return items


def towns_behind(wh: Warehouse, scope: Scope) -> list[dict[str, Any]]:
    """Targets of the 所 in scope (the scope unit too, when it is one) that are not on
    track: rows of ``metrics.targets_progress`` (every 所 at once: a province has
    thousands), by unit then metric."""
    towns = [
        row["unit_id"]
        for row in wh.query(q.SCOPE_UNITS_OF_LEVEL, {**scope.params(), "level": TOWN})
    ]
    rows = metrics.targets_progress.shared(wh, scope, tuple(towns))
    return [row for row in rows if row["on_track"] is False]


# --------------------------------------------------------------------------- the paragraphs


def problem_paragraphs(ledger: Any, problems: Problems) -> tuple[str, str]:
    """(存在问题, 下一步工作): one numbered sentence per kind of problem found, and an
    action for each; ("", "") when nothing is wrong. ``ledger`` is the text's ``Ledger``:
    every number written, and the items each action names, become facts whose 说明
    lists the ids of the rows behind them."""
    found: list[tuple[str, str]] = []
    if problems.low:
        found.append(_low(ledger, problems))
    if problems.idle:
        found.append(_idle(ledger, problems))
    if problems.behind:
        found.append(_behind(ledger, problems))
    if problems.uncovered or problems.weak:
        found.append(_coverage(ledger, problems))
    if not found:
        return "", ""
    said = SENTENCE_SEPARATOR.join(ORDINALS[i] + problem for i, (problem, _) in enumerate(found))
    todo = SENTENCE_SEPARATOR.join(ORDINALS[i] + action for i, (_, action) in enumerate(found))
    return PROBLEMS_HEAD + said + SENTENCE_END, ACTIONS_HEAD + todo + SENTENCE_END


def _names(
    rows: list[dict[str, Any]],
    write: Callable[[dict[str, Any]], str],
    separator: str = ITEM_SEPARATOR,
) -> str:
    """The first ``NAMED`` rows written by ``write``, joined, with 等 when there are more."""
    text = separator.join(write(row) for row in rows[:NAMED])
    return text + (SAMPLE_MORE if len(rows) > NAMED else "")


def _exact(value: Any) -> str:
    """A value written exactly, without a trailing ``.0``: 20.0 → 20, 0.625 → 0.625."""
    return format(Decimal(str(value)).normalize(), "f")


def _name(row: dict[str, Any]) -> str:
    return row["name"]


def _quoted(row: dict[str, Any]) -> str:
    return f"“{row['name']}”"


def _ids(rows: list[dict[str, Any]], key: str = "id") -> str:
    return ITEM_SEPARATOR.join(str(row[key]) for row in rows)


def _action_items(
    ledger: Any,
    kind: str,
    rows: list[dict[str, Any]],
    write: Callable[[dict[str, Any]], str],
    more: str,
    *,
    source_rows: int,
    note: str,
) -> str:
    """What an action names: every item when there are at most ``NAMED``, else the first
    few and how many in all (``more``); recorded as a fact of ``kind`` with the ids."""
    names = ITEM_SEPARATOR.join(write(row) for row in rows[:NAMED])
    if len(rows) > NAMED:
        names = more.format(items=names, n=inventory_number(len(rows)))
    return ledger.write(
        f"action:{kind}",
        len(rows),
        names,
        source_rows,
        kind=kind,
        label=ACTION_LABEL.format(name=DEFINITIONS[kind][0]),
        note=note,
    )


def _low(ledger: Any, p: Problems) -> tuple[str, str]:
    ratings = sum(row["ratings"] or 0 for row in p.low)

    def item(row: dict[str, Any]) -> str:
        label = _quoted(row)
        score = ledger.write(
            f"low:{row['id']}",
            row["adjusted_score"],
            brief_score(row["adjusted_score"]),
            row["ratings"],
            kind="low_score",
            label=label + "满意度修正分",
            note=f"{row['id']}（{row['unit_name']}）",
        )
        rate = ledger.rate(
            f"low_rate:{row['id']}",
            row["satisfaction_rate"],
            row["ratings"],
            kind="satisfaction_rate",
            label=label + "满意率",
        )
        return P_LOW_ITEM.format(name=row["name"], unit=row["unit_name"], score=score, rate=rate)

    n = ledger.count("low_items", len(p.low), ratings, note=_ids(p.low))
    problem = P_LOW.format(n=n, threshold=brief_score(p.threshold), items=_names(p.low, item))
    items = _action_items(
        ledger, "low_items", p.low, _quoted, A_LOW_MORE, source_rows=ratings, note=_ids(p.low)
    )
    return problem, A_LOW.format(items=items)


def _idle(ledger: Any, p: Problems) -> tuple[str, str]:
    days_def = {"days": p.idle_days}

    def item(row: dict[str, Any]) -> str:
        days = ledger.count(
            f"idle:{row['id']}",
            row["days_idle"],
            1,
            kind="idle_days",
            label=f"{row['name']}未开展活动天数",
            note=f"{row['id']}，最近一次活动：{row['last_activity_on'] or '无'}",
        )
        return P_IDLE_ITEM.format(name=row["name"], days=days)

    ids = _ids(p.idle)
    n = ledger.count("idle_stations", len(p.idle), len(p.idle), note=ids, fmt_def=days_def)
    problem = P_IDLE.format(n=n, days=inventory_number(p.idle_days), items=_names(p.idle, item))
    items = _action_items(
        ledger, "idle_stations", p.idle, _name, A_IDLE_MORE, source_rows=len(p.idle), note=ids
    )
    return problem, A_IDLE.format(items=items)


def _behind(ledger: Any, p: Problems) -> tuple[str, str]:
    by_town: dict[str, list[dict[str, Any]]] = {}
    for row in p.behind:
        by_town.setdefault(row["unit_id"], []).append(row)
    towns = [{"name": rows[0]["unit_name"], "rows": rows} for rows in by_town.values()]
    ids = ITEM_SEPARATOR.join(f"{row['unit_id']} {row['metric']}" for row in p.behind)

    def metric(row: dict[str, Any]) -> str:
        progress = ledger.rate(
            f"target:{row['unit_id']}:{row['metric']}",
            row["progress"],
            1,
            kind="target_progress",
            label=f"{row['unit_name']}{row['metric']}目标完成进度",
            note=TARGET_NOTE.format(actual=_exact(row["actual"]), target=_exact(row["target"])),
        )
        return P_TARGET_METRIC.format(metric=row["metric"], progress=progress)

    def town(item: dict[str, Any]) -> str:
        metrics = ITEM_SEPARATOR.join(metric(row) for row in item["rows"])
        return P_TARGET_ITEM.format(unit=item["name"], metrics=metrics)

    n = ledger.count("behind_towns", len(towns), len(p.behind), note=ids)
    named = _names(towns, town, separator=TOWN_SEPARATOR)
    # every target is of the scope's year: one elapsed share for all
    elapsed = p.behind[0]["year_elapsed"]
    if elapsed >= 1:
        problem = P_TARGETS_UNMET.format(n=n, items=named)
    else:
        written = ledger.rate("year_elapsed", elapsed, 1, note=_exact(elapsed))
        problem = P_TARGETS.format(n=n, elapsed=written, items=named)
    items = _action_items(
        ledger, "behind_towns", towns, _name, A_TARGETS_MORE, source_rows=len(p.behind), note=ids
    )
    return problem, A_TARGETS.format(items=items)


def _coverage(ledger: Any, p: Problems) -> tuple[str, str]:
    problems, actions = [], []
    if p.uncovered:
        ids = _ids(p.uncovered, "code")
        n = ledger.count("uncovered", len(p.uncovered), len(p.uncovered), note=ids)
        problems.append(P_COVERAGE_GAP.format(n=n, items=_names(p.uncovered, _name)))
        items = _action_items(
            ledger,
            "uncovered",
            p.uncovered,
            _name,
            A_VILLAGES_MORE,
            source_rows=len(p.uncovered),
            note=ids,
        )
        actions.append(A_COVERAGE_GAP.format(items=items))
    if p.weak:
        ids = _ids(p.weak, "code")
        least = {"min": p.effective_min}
        n = ledger.count("weak", len(p.weak), len(p.weak), note=ids, fmt_def=least)
        problems.append(
            P_COVERAGE_WEAK.format(
                n=n, min=inventory_number(p.effective_min), items=_names(p.weak, _name)
            )
        )
        items = _action_items(
            ledger, "weak", p.weak, _name, A_VILLAGES_MORE, source_rows=len(p.weak), note=ids
        )
        actions.append(A_COVERAGE_WEAK.format(items=items))
    return PART_SEPARATOR.join(problems), PART_SEPARATOR.join(actions)
