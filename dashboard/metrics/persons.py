"""服务人数 and 志愿者人数, exactly, without counting 30 M sign-ins each time.

The definition is ``PERSON_FIGURES`` in ``queries``: distinct persons among the sign-ins
of the activities in scope. For a unit of level 省/市/中心/所 the warehouse keeps, per
calendar month and role, the set of persons who signed in at it or below it
(``person_months``, a roaring bitmap of ``person_no``): the persons of a period are the
union of the sets of the months wholly inside it and of the sign-ins of the days of the
months it only partly covers (``sign_ins``). Below a 所 the sign-ins are few and read
directly. Unions are exact: the count is the size of the union.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import date, timedelta
from typing import Any

from pyroaring import BitMap

from dashboard.metrics import queries as q
from dashboard.warehouse import Warehouse
from pipelines.summaries import MONTH_LEVELS, to_bitmap

ROLES = {"群众": "unique_persons", "志愿者": "volunteer_persons"}


def count_persons(
    wh: Warehouse,
    date_from: date,
    date_to: date,
    trees: dict[Hashable, Iterable[str]],
    own: dict[Hashable, str] | None = None,
) -> dict[Hashable, dict[str, int]]:
    """Distinct persons per group over ``[date_from, date_to]``.

    ``trees`` maps a key to units: the group is those units and everything below them;
    ``own`` maps a key to one unit: the group is that unit's own activities only. Returns
    ``{key: {unique_persons, volunteer_persons}}`` for every key given.
    """
    own = own or {}
    roots = sorted({unit for units in trees.values() for unit in units})
    units = wh.units()
    monthly = [u for u in roots if units[u]["level"] in MONTH_LEVELS]
    others = [u for u in roots if units[u]["level"] not in MONTH_LEVELS]
    months, edges = _split(date_from, date_to)
    sets: dict[tuple[str, str], BitMap] = {}
    if monthly and months:
        for row in wh.query(
            q.PERSON_MONTH_SETS,
            {"unit_ids": monthly, "month_from": months[0], "month_to": months[1]},
        ):
            _add(sets, (row["unit_id"], row["role"]), BitMap.deserialize(row["person_set"]))
    for ids, (day_from, day_to) in [(monthly, edge) for edge in edges] + [
        (others, (date_from, date_to))
    ]:
        if ids:
            _add_lists(
                sets,
                wh,
                q.PERSON_DAY_LISTS,
                {"unit_ids": ids, "day_from": day_from, "day_to": day_to},
            )
    own_sets: dict[tuple[str, str], BitMap] = {}
    for unit_id in sorted(set(own.values())):
        _add_lists(
            own_sets,
            wh,
            q.PERSON_OWN_LISTS,
            {"unit_id": unit_id, "date_from": date_from, "date_to": date_to},
        )
    out: dict[Hashable, dict[str, int]] = {}
    for key, members in trees.items():
        out[key] = _counts([sets.get((u, role), BitMap()) for u in members] for role in ROLES)
    for key, unit_id in own.items():
        out[key] = _counts([own_sets.get((unit_id, role), BitMap())] for role in ROLES)
    return out


def _counts(per_role: Iterable[list[BitMap]]) -> dict[str, int]:
    return {
        name: len(BitMap.union(*bitmaps)) if len(bitmaps) > 1 else len(bitmaps[0])
        for name, bitmaps in zip(ROLES.values(), per_role, strict=True)
    }


def _add(sets: dict[tuple[str, str], BitMap], key: tuple[str, str], persons: BitMap) -> None:
    if key in sets:
        sets[key] |= persons
    else:
        sets[key] = persons


def _add_lists(
    sets: dict[tuple[str, str], BitMap], wh: Warehouse, sql: str, params: dict[str, Any]
) -> None:
    """Add the persons of a query of (unit_id, role, person_nos) rows, read through Arrow."""
    table = wh.arrow(sql, params)
    if table.num_rows == 0:
        return
    lists = table.column("person_nos").combine_chunks()
    values = lists.values.to_numpy(zero_copy_only=False)
    offsets = lists.offsets.to_numpy()
    keys = zip(table.column("unit_id").to_pylist(), table.column("role").to_pylist(), strict=True)
    for i, key in enumerate(keys):
        _add(sets, key, to_bitmap(values[offsets[i] : offsets[i + 1]]))


def _split(
    date_from: date, date_to: date
) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The months wholly inside the period (first days of the first and last such month,
    or None) and the day ranges outside them."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    after = (
        _next_month(date_to) if (date_to + timedelta(days=1)).day == 1 else date_to.replace(day=1)
    )
    if first >= after:
        return None, [(date_from, date_to)]
    last = (after - timedelta(days=1)).replace(day=1)
    edges = []
    if date_from < first:
        edges.append((date_from, first - timedelta(days=1)))
    if after <= date_to:
        edges.append((after, date_to))
    return (first, last), edges


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
