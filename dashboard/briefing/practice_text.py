"""The briefing's paragraphs on the practices: 五有, 红灰黑榜, 三张清单, 积分, 星级志愿者.

One paragraph per family, written by the ledger's rule like every paragraph: flows
(点单, 场次, 小时, 积分, 人数) by ``brief_number``, inventories (所站, 站, 类别) exactly. A
family whose input was not sent writes nothing rather than a zero, and a county that sent
none of the practices' own inputs (teams, per-volunteer hours, redemptions) gets none of
these paragraphs (``gather`` reads them only for a county that runs the practices).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.briefing.wording import (
    P_FIVE_HAVES,
    P_FIVE_HAVES_NOT_SENT,
    P_FIVE_HAVES_PART,
    P_FIVE_HAVES_UNREPORTED,
    P_POINTS,
    P_POINTS_ONLY_REDEEMED,
    P_POINTS_PERSONS,
    P_POINTS_REDEEMED,
    P_RANKINGS,
    P_RANKINGS_RED,
    P_STARS,
    P_STARS_LEVEL,
    P_STARS_PROMOTED,
    P_THREE_LISTS,
    P_THREE_LISTS_GAPS,
    QUARTERS,
    RED_NAMES_SHOWN,
    STAR_WORDS,
)
from dashboard.metrics.practices import HAVES

if TYPE_CHECKING:
    from dashboard.briefing.text import Ledger


def practice_paragraphs(ledger: Ledger) -> list[str]:
    """The five paragraphs (empty strings for families with nothing to say)."""
    return [
        _five_haves(ledger),
        _rankings(ledger),
        _three_lists(ledger),
        _points(ledger),
        _stars(ledger),
    ]


def _five_haves(ledger: Ledger) -> str:
    haves = ledger.b.five_haves
    if not haves or not haves["units"]:
        return ""
    n = haves["units"]
    rows = haves["by_unit"]
    counts = haves["counts"]
    # a 有 no unit could be judged on is not sent: named as such, never "0个"
    judged = [(k, name) for k, name, _ in HAVES if counts[k]["yes"] + counts[k]["no"]]
    not_sent = [name for k, name, _ in HAVES if not counts[k]["yes"] + counts[k]["no"]]
    parts = "、".join(
        P_FIVE_HAVES_PART.format(
            name=name,
            n=ledger.count(
                f"five_haves:{key}",
                counts[key]["yes"],
                n,
                kind="five_haves_part",
                label=f"{name}达标所站数",
            ),
        )
        for key, name in judged
    )
    text = P_FIVE_HAVES.format(
        units=ledger.count("five_haves_units", n, n),
        full=ledger.count("five_haves_full", sum(1 for r in rows if r["score"] == 5), n),
        parts=parts,
    )
    if not_sent:
        text += P_FIVE_HAVES_NOT_SENT.format(names="、".join(not_sent))
    unreported = sum(1 for r in rows if r["unreported"])
    if unreported:
        text += P_FIVE_HAVES_UNREPORTED.format(
            n=ledger.count("five_haves_unreported", unreported, n)
        )
    return text + "。"


def _rankings(ledger: Ledger) -> str:
    ranked = ledger.b.rankings
    if not ranked or not any(r["activities"] for r in ranked["stations"]):
        return ""  # a quarter without activity ranks nothing
    n = len(ranked["stations"])
    first = ranked["date_from"]
    lists = {
        name: ledger.count(
            f"rankings:{name}", len(ranked[name]), n, kind="rankings_list", label=label
        )
        for name, label in (("red", "红榜站数"), ("grey", "灰榜站数"), ("black", "黑榜站数"))
    }
    text = P_RANKINGS.format(
        year=first.year,
        quarter=QUARTERS[(first.month - 1) // 3],
        stations=ledger.count("rankings:stations", n, n, kind="rankings_list", label="参评站数"),
        **lists,
    )
    red = ranked["red"]
    if red:
        names = "、".join(r["name"] for r in red[:RED_NAMES_SHOWN])
        text += P_RANKINGS_RED.format(names=names + ("等" if len(red) > RED_NAMES_SHOWN else ""))
    return text + "。"


def _three_lists(ledger: Ledger) -> str:
    lists = ledger.b.three_lists
    if not lists or not lists["teams_reported"]:
        return ""  # without teams the resources and gaps are unknown
    rows = lists["by_category"]
    demand = sum(r["demand"] for r in rows)
    if not demand:
        return ""
    delivered = sum(r["delivered"] for r in rows)
    text = P_THREE_LISTS.format(
        demand=ledger.flow("three_lists_demand", demand, demand),
        delivered=ledger.flow("three_lists_delivered", delivered, delivered),
        from_orders=ledger.flow(
            "three_lists_from_orders", sum(r["from_orders"] for r in rows), delivered
        ),
    )
    gaps = [r["category"] for r in rows if r["gap"]]
    if gaps:
        text += P_THREE_LISTS_GAPS.format(
            gaps=ledger.count("three_lists_gaps", len(gaps), demand), names="、".join(gaps)
        )
    return text + "。"


def _points(ledger: Ledger) -> str:
    points = ledger.b.points
    if not points or (points["earned"] is None and points["redeemed"] is None):
        return ""
    persons = points["persons"] or 0
    if points["earned"] is not None:
        text = P_POINTS.format(
            hours=ledger.flow("points_hours", points["hours"], None),
            earned=ledger.flow("points_earned", points["earned"], None),
        )
        if points["redeemed"] is not None:
            text += P_POINTS_REDEEMED.format(
                redeemed=ledger.flow("points_redeemed", points["redeemed"], None)
            )
    else:
        text = P_POINTS_ONLY_REDEEMED.format(
            redeemed=ledger.flow("points_redeemed", points["redeemed"], None)
        )
    if persons:
        text += P_POINTS_PERSONS.format(persons=ledger.flow("points_persons", persons, None))
    return text + "。"


def _stars(ledger: Ledger) -> str:
    stars = ledger.b.stars
    if not stars or not stars["starred"]:
        return ""
    levels = "、".join(
        P_STARS_LEVEL.format(
            name=word,
            n=ledger.flow(
                f"stars:{i}",
                stars["counts"][str(i)],
                None,
                kind="stars_level",
                label=f"{word}志愿者人数",
            ),
        )
        for i, word in enumerate(STAR_WORDS, start=1)
        if stars["counts"][str(i)]
    )
    text = P_STARS.format(
        starred=ledger.flow("stars_starred", stars["starred"], None), levels=levels
    )
    if stars["promoted"]:
        text += P_STARS_PROMOTED.format(
            promoted=ledger.flow("stars_promoted", stars["promoted"], None)
        )
    return text + "。"
