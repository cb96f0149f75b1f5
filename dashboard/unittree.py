"""The unit tree (省 → 市 → 中心 → 所 → 站 → 点) as the scope picker and the pages walk it.

Built once per build from ``Warehouse.units()`` and shared read-only between sessions
(``ui.unit_tree``): a province holds 55 k units, too many to rebuild, label or offer in
one list on every rerun. Nothing here imports streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PICKS_KEPT = 1024  # picker option lists a tree keeps (one per unit picked), then starts over


def unit_order(units: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, int]]:
    """Every unit as (unit_id, depth), depth-first down the tree, children by unit_id."""
    children = _children(units)
    ordered: list[tuple[str, int]] = []
    stack = [(unit_id, 0) for unit_id in reversed(children.get(None, []))]
    while stack:
        unit_id, depth = stack.pop()
        ordered.append((unit_id, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(unit_id, [])))
    return ordered


def unit_labels(units: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each unit's label in the picker: its name, with its code when the name is shared.

    The label is what a bound selectbox writes in the URL (``?unit=峡窝镇…所``), so it
    must be unique and stable.
    """
    names: dict[str, int] = {}
    for unit in units.values():
        names[unit["name"]] = names.get(unit["name"], 0) + 1
    return {
        unit_id: unit["name"] if names[unit["name"]] == 1 else f"{unit['name']}（{unit_id}）"
        for unit_id, unit in units.items()
    }


def _children(units: Mapping[str, Mapping[str, Any]]) -> dict[str | None, list[str]]:
    """unit_id (None for the top) → its children's ids, sorted; a unit whose parent is
    not in the warehouse counts as a top unit."""
    children: dict[str | None, list[str]] = {}
    for unit_id, unit in units.items():
        parent = unit["parent_id"] if unit["parent_id"] in units else None
        children.setdefault(parent, []).append(unit_id)
    for ids in children.values():
        ids.sort()
    return children


class UnitTree:
    """The units of one build: labels, parents, children and tree order.

    ``units`` is ``Warehouse.units()`` (unit_id → row); it is read, never changed.
    """

    def __init__(self, units: Mapping[str, Mapping[str, Any]]) -> None:
        self.units = units
        self.labels = unit_labels(units)
        self.by_label = {label: unit_id for unit_id, label in self.labels.items()}
        self.children = _children(units)
        self.parent = {
            unit_id: unit["parent_id"] if unit["parent_id"] in units else None
            for unit_id, unit in units.items()
        }
        self.position = {unit_id: i for i, (unit_id, _) in enumerate(unit_order(units))}
        self._picks: dict[tuple[str | None, int], list[str]] = {}
        # what search() looks in: label and code, in tree order
        self._searched = sorted(
            ((unit_id, f"{label}\n{unit_id}".casefold()) for unit_id, label in self.labels.items()),
            key=lambda pair: self.position[pair[0]],
        )

    def __len__(self) -> int:
        return len(self.units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def name(self, unit_id: str) -> str:
        return self.units[unit_id]["name"]

    def ancestors(self, unit_id: str) -> list[str]:
        """The units above ``unit_id``, the top one first."""
        path: list[str] = []
        parent = self.parent[unit_id]
        while parent is not None:
            path.append(parent)
            parent = self.parent[parent]
        return path[::-1]

    def path(self, unit_id: str) -> list[str]:
        """``unit_id``'s ancestors, then itself."""
        return [*self.ancestors(unit_id), unit_id]

    def picker_options(self, unit_id: str | None, limit: int) -> list[str]:
        """The units the scope picker offers around ``unit_id`` (None: the whole tree), in
        tree order: every unit when there are at most ``limit``; otherwise the units above
        it (to go up), its siblings (to move across), itself and its children (to go down),
        then whole further levels below it while the list stays within ``limit``.
        """
        key = (unit_id, limit)
        if key not in self._picks:
            if len(self._picks) >= PICKS_KEPT:
                self._picks.clear()
            self._picks[key] = self._pick(unit_id, limit)
        return self._picks[key]

    def search(self, text: str, limit: int) -> tuple[int, list[str]]:
        """(how many units have ``text`` in their label or code, the first ``limit`` of
        them in tree order)."""
        text = text.strip().casefold()
        if not text:
            return 0, []
        found = [unit_id for unit_id, searched in self._searched if text in searched]
        return len(found), found[:limit]

    def _pick(self, unit_id: str | None, limit: int) -> list[str]:
        if len(self.units) <= limit:
            return sorted(self.units, key=self.position.__getitem__)
        picked: set[str] = set()
        if unit_id is not None:
            picked.update(self.ancestors(unit_id))
            picked.update(self.children.get(self.parent[unit_id], []))
        level = list(self.children.get(unit_id, []))
        picked.update(level)  # the children always, however many (at most a few dozen)
        while level:
            level = [child for parent in level for child in self.children.get(parent, [])]
            if not level or len(picked) + len(level) > limit:
                break
            picked.update(level)
        return sorted(picked, key=self.position.__getitem__)
