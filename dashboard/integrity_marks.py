"""The integrity mark on the other pages' unit tables: a line under the table naming the
units in it whose ledgers the audit flagged (数据可信度), pointing to that page. It
changes no figure and no row: the table stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from dashboard import cache
from dashboard.metrics import Scope, integrity

MARK = "⚠"
MARK_NOTE = (
    "{mark} 数据可信度待核查：{units}。可疑的台账行见「数据可信度」页；核查不改变以上任何数字。"
)
MARK_UNIT = "{name}（{flags}处）"
MARK_PENDING = "数据可信度核查进行中，完成后这里会标出待核查的阵地。"
POLL_SECONDS = 2  # how often a page waiting for the audit looks whether it is done


def flagged_among(
    rows: Iterable[Mapping[str, Any]], flags: Mapping[str, tuple[int, int]]
) -> list[tuple[str, int]]:
    """(name, flags) of the table's rows whose unit is flagged, in the table's order: a
    unit row counts its own and its subtree's flags, a 本级 row (``is_self``) its own."""
    marked = []
    for row in rows:
        own, total = flags.get(row.get("unit_id") or "", (0, 0))
        count = own if row.get("is_self") else total
        if count:
            marked.append((str(row.get("name")), count))
    return marked


def mark_flagged(rows: Iterable[Mapping[str, Any]], scope: Scope) -> None:
    """Under a unit table: the line naming its flagged units (nothing when none is).

    The audit behind it takes seconds on a province's first visit after a build, so it
    never holds the page up: until it is done (``cache.load_later``) the line says so,
    and the page reruns by itself when it is.
    """
    flags = cache.load_later(integrity.flagged_units, scope)
    if flags is None:
        _rerun_when_audited(scope)
        return
    marked = flagged_among(rows, flags)
    if not marked:
        return
    units = "、".join(MARK_UNIT.format(name=name, flags=flags) for name, flags in marked)
    st.caption(MARK_NOTE.format(mark=MARK, units=units))


@st.fragment(run_every=POLL_SECONDS)
def _rerun_when_audited(scope: Scope) -> None:
    if cache.load_later(integrity.flagged_units, scope) is not None:
        st.rerun()  # the whole page: its marks can be drawn now
    st.caption(MARK_PENDING)
