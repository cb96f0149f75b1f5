"""The one way into the warehouse for a signed-in account: a ``Reader``.

Built from the account's home unit (None for a 管理员 and the command line: every unit),
it is the single permission check every figure, table, chart, export, briefing, the
unit picker, rejects, conflicts and the manifest go through, as Datasette routes every
check through one permission hook. A requested scope is clipped to the home unit's
subtree: no unit means the home unit; a unit inside it stays; a unit outside it (a
tampered ``?unit=``, a drill-down link) raises ``OutOfScope`` with a Chinese refusal,
so no page can show another region's rows by forgetting a check.

A function read without a scope declares how it is scoped (``global_facts``: the same
for everyone, such as the build's stamps; ``scoped_by_files``: it takes ``files``, the
input files whose every loaded row lies in the subtree). A restricted reader refuses
any other function rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from dashboard.metrics.scope import Scope
from dashboard.warehouse import Warehouse

F = TypeVar("F", bound=Callable[..., Any])

MSG_OUT_OF_SCOPE = "无权查看“{unit}”的数据：本账号只能查看“{home}”及其下级阵地。"
MSG_HOME_MISSING = (
    "本账号的所属阵地“{home}”不在当前数据仓库中，无法显示数据。请联系管理员核对账号的所属阵地。"
)
MSG_NOT_SCOPED = "这一部分数据不能按账号范围筛选，只有管理员可以查看。"

GLOBAL, BY_FILES = "global", "files"
_HOW = "__reader_scope__"

# one row per input file all of whose loaded rows belong to units in the subtree of $home
# (sign-ins and ratings through their activity); a file of 区划 rows only has no unit
FILES_IN_SUBTREE = """
WITH sub AS (SELECT unit_id FROM unit_tree WHERE ancestor_id = $home),
placed AS (
    SELECT source_file, unit_id FROM units
    UNION ALL SELECT source_file, unit_id FROM brands
    UNION ALL SELECT source_file, unit_id FROM orders
    UNION ALL SELECT source_file, unit_id FROM activities
    UNION ALL SELECT source_file, unit_id FROM targets
    UNION ALL SELECT source_file, unit_id FROM teams
    UNION ALL SELECT source_file, unit_id FROM redemptions
    UNION ALL SELECT r.source_file, a.unit_id
              FROM attendance AS r JOIN activities AS a USING (activity_id)
    UNION ALL SELECT r.source_file, a.unit_id
              FROM ratings AS r JOIN activities AS a USING (activity_id)
)
SELECT source_file FROM placed
GROUP BY source_file
HAVING bool_and(unit_id IN (SELECT unit_id FROM sub))"""
SUBTREE = "SELECT unit_id FROM unit_tree WHERE ancestor_id = $home"


class OutOfScope(PermissionError):
    """A request outside the account's scope; the message is Chinese, for the user."""

    def __init__(self, message: str, unit_id: str | None = None) -> None:
        super().__init__(message)
        self.unit_id = unit_id


def global_facts(fn: F) -> F:
    """Mark ``fn(wh)`` as the same for every account (e.g. the build's stamps)."""
    setattr(fn, _HOW, GLOBAL)
    return fn


def scoped_by_files(fn: F) -> F:
    """Mark ``fn(wh, files=…)``: it keeps only rows of the input files named in
    ``files`` (None: every file)."""
    setattr(fn, _HOW, BY_FILES)
    return fn


@dataclass(frozen=True)
class Reader:
    """The warehouse as one account may read it: the subtree of ``home`` (None: all)."""

    wh: Warehouse
    home: str | None = None

    def subtree(self) -> frozenset[str] | None:
        """The units the reader may see (None: every unit)."""
        if self.home is None:
            return None
        home = self.home
        return self.wh.memo(
            ("reader_subtree", home),
            lambda: frozenset(r["unit_id"] for r in self.wh.query(SUBTREE, {"home": home})),
        )

    def allows(self, unit_id: str | None) -> bool:
        """Whether ``unit_id`` (None: the whole warehouse) is within the reader's scope."""
        subtree = self.subtree()
        if subtree is None:
            return True
        return unit_id is not None and unit_id in subtree

    def clip(self, scope: Scope) -> Scope:
        """``scope`` as this reader may read it: a scope without a unit becomes the home
        unit's; one inside the subtree is kept; one outside raises ``OutOfScope``."""
        subtree = self.subtree()
        if subtree is None:
            return scope
        if not subtree:
            raise OutOfScope(MSG_HOME_MISSING.format(home=self.home), self.home)
        if scope.unit_id is None:
            return replace(scope, unit_id=self.home)
        if scope.unit_id in subtree:
            return scope
        raise OutOfScope(
            MSG_OUT_OF_SCOPE.format(unit=self.name(scope.unit_id), home=self.name(self.home)),
            scope.unit_id,
        )

    def name(self, unit_id: str | None) -> str:
        """A unit's name (its code when the warehouse has no such unit)."""
        unit = self.wh.units().get(unit_id) if unit_id else None
        return unit["name"] if unit else str(unit_id)

    def units(self) -> dict[str, dict[str, Any]]:
        """The units the reader may see (``Warehouse.units()`` rows): what the unit
        picker offers. The home unit has no parent here: it is the top of the tree."""
        units = self.wh.units()
        subtree = self.subtree()
        if subtree is None:
            return units
        return {unit_id: row for unit_id, row in units.items() if unit_id in subtree}

    def files(self) -> frozenset[str] | None:
        """The input files the reader may see (None: every file): those whose every
        loaded row belongs to a unit in the subtree."""
        if self.home is None:
            return None
        home = self.home
        return self.wh.memo(
            ("reader_files", home),
            lambda: frozenset(
                {r["source_file"] for r in self.wh.query(FILES_IN_SUBTREE, {"home": home})}
                | self._stored_for_subtree()
            ),
        )

    def _stored_for_subtree(self) -> set[str]:
        """Files a 填报员 stored from the page for a unit of the subtree (their index
        entry's ``write_unit``): every row they loaded lies in it by construction, and
        the rows sent back are what was sent for it, even when none was loaded."""
        from dashboard.ledger_index import read_index
        from dashboard.ledgers import ledger_dir
        from pipelines.scopes import WRITE_UNIT

        subtree = self.subtree() or frozenset()
        return {
            stored
            for stored, entry in read_index(ledger_dir()).items()
            if entry.get(WRITE_UNIT) in subtree
        }

    def read(self, fn: Callable[..., Any], scope: Scope | None = None, /, **kwargs: Any) -> Any:
        """``fn(wh, clipped scope, **kwargs)``, or for a function without a scope
        ``fn(wh, **kwargs)`` as its mark allows. Raises ``OutOfScope``."""
        if scope is not None:
            return fn(self.wh, self.clip(scope), **kwargs)
        how = getattr(fn, _HOW, None)
        if how == BY_FILES:
            return fn(self.wh, files=self.files(), **kwargs)
        if how == GLOBAL or self.home is None:
            return fn(self.wh, **kwargs)
        raise OutOfScope(MSG_NOT_SCOPED)
