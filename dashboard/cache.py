"""The warehouse as a page reads it: through the signed-in account's ``Reader``, cached.

Every figure a page shows goes through ``load`` (or a ``cached`` derivation built on
it), and ``load`` goes through ``Reader.read``: the account's scope is checked in the
metrics layer, once, for every page, table, chart, export and briefing. A scope outside
the account's subtree stops the page with the reader's Chinese refusal (and a line in
the audit log), never the data.

Figures are cached with ``st.cache_data`` keyed on the warehouse file's stamp (inode,
mtime, size), the account's home unit and the clipped scope, never on a connection or a
frame: after a rebuild the next rerun of every session computes new figures, no restart
needed. A failing query shows a Chinese message (``MSG_QUERY_FAILED``), never a
traceback. Nothing here writes the warehouse.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

import streamlit as st

from dashboard import audit, shell, signin
from dashboard.metrics import OutOfScope, Reader, Scope, UnknownUnit
from dashboard.metrics.reader import global_facts
from dashboard.unittree import UnitTree
from dashboard.warehouse import Warehouse, WarehouseError, WarehouseMissing
from pipelines import settings

log = logging.getLogger(__name__)
T = TypeVar("T")

MSG_QUERY_FAILED = "这一部分数据暂时无法查询，请稍后刷新页面；如果问题持续，请联系系统管理员。"
MSG_DETAILS = "技术信息（供管理员排查）"
MSG_SIGN_IN = "请先登录。"
ALL_UNITS = "全部阵地"

_ScopeKey = tuple[date, date, str | None]


# --- The warehouse and the account's reader -------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Warehouse:
    # One Warehouse per file for the whole server: it reattaches itself after a rebuild.
    return Warehouse(path)


def warehouse() -> Warehouse:
    """The shared read-only warehouse at ``settings.db_path()``."""
    return _open(str(settings.db_path()))


def home() -> str | None:
    """The signed-in account's home unit (None: every unit); refuses without an account."""
    account = signin.current()
    if account is None:
        raise OutOfScope(MSG_SIGN_IN)
    return account.home


def reader() -> Reader:
    """The warehouse as the signed-in account may read it."""
    return Reader(warehouse(), home())


def _target(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def _scope_key(scope: Scope | None) -> _ScopeKey | None:
    return None if scope is None else (scope.date_from, scope.date_to, scope.unit_id)


@st.cache_data(show_spinner=False, max_entries=2000)
def _call(
    path: str,
    stamp: tuple[int, int, int],
    home: str | None,
    target: str,
    scope: _ScopeKey | None,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # The key is small on purpose: the file's stamp stands for its contents.
    return _read(path, home, target, scope, kwargs)


def _read(
    path: str,
    home: str | None,
    target: str,
    scope: _ScopeKey | None,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    module, name = target.split(":")
    fn = getattr(importlib.import_module(module), name)
    return Reader(_open(path), home).read(
        fn, None if scope is None else Scope(*scope), **dict(kwargs)
    )


def load(fn: Callable[..., T], scope: Scope | None = None, /, **kwargs: Any) -> T:
    """``fn(warehouse, scope, **kwargs)`` (or ``fn(warehouse)``) read through the
    account's ``Reader``, cached per build, account scope and clipped scope.

    ``fn`` is a module-level function of the metrics layer returning plain data; kwargs
    must be hashable. When the query fails or the scope is refused, the page shows a
    Chinese message and stops.
    """
    return _through(_call, fn, scope, kwargs)


def _through(cached: Callable[..., Any], fn: Callable[..., T], scope, kwargs) -> T:
    """``fn`` read by ``cached`` (``_call`` or ``_shared``) under its key: the build, the
    account's home, the clipped scope and the kwargs."""
    with query_errors(_target(fn)):
        wh, account_reader = warehouse(), reader()
        key = _scope_key(None if scope is None else account_reader.clip(scope))
        return cached(
            str(wh.path),
            wh.stamp,
            account_reader.home,
            _target(fn),
            key,
            tuple(sorted(kwargs.items())),
        )
    raise AssertionError("unreachable")  # query_errors stops the page


SHARED_KEPT = 32  # results kept for load_shared (each a build, account and scope)


@st.cache_resource(show_spinner=False, max_entries=SHARED_KEPT)
def _shared(
    path: str,
    stamp: tuple[int, int, int],
    home: str | None,
    target: str,
    scope: _ScopeKey | None,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # ``stamp`` is part of the key only, as in ``_call``.
    return _read(path, home, target, scope, kwargs)


def load_shared(fn: Callable[..., T], scope: Scope | None = None, /, **kwargs: Any) -> T:
    """``load``, for a large result read whole on every run (the briefing kit: every
    figure of a scope, with the unit lists behind its problems): computed once per build,
    account and (clipped) scope and shared by every session, never pickled, where
    ``load`` would unpickle a copy on every rerun. Read it, never change it.
    """
    return _through(_shared, fn, scope, kwargs)


# One worker on a warehouse connection of its own with one DuckDB thread: a slow figure
# is computed once, beside the pages, and leaves them the other cores. The results are
# kept by build stamp here, not in a Streamlit cache, so that emptying the page caches
# does not start the computation again.
_queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
LATER_KEPT = 64  # results kept for load_later (each a build, account and scope)
_later: dict[tuple[Any, ...], Future[Any]] = {}
_later_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _open_beside(path: str) -> Warehouse:
    return Warehouse(path, threads=1, memory_limit=settings.config().read.beside_memory_limit)


def _work() -> None:
    while True:
        future, job = _queue.get()
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the page that asks (load_later)
                future.set_exception(exc)


# a daemon thread, not a ThreadPoolExecutor: stopping the server must not wait for an
# audit to finish (an executor's workers are joined at exit)
LATER_THREAD = "wenming-later"
threading.Thread(target=_work, name=LATER_THREAD, daemon=True).start()


def load_later(fn: Callable[..., T], scope: Scope, /, *, wait: bool = False) -> T | None:
    """``fn(warehouse, scope)`` read through the account's ``Reader`` when it is already
    computed for this build, account and (clipped) scope; else None, and it is computed
    in the background (one at a time, shared by every session asking), for a part of a
    page that must not hold the page up: the audit behind the integrity marks takes
    minutes at a province. ``settle`` waits for what is being computed. A failing
    computation stops the page as ``load`` does (and is tried again on the next run).
    With ``wait`` it waits for the result instead of returning None: for a page's parts
    drawn once the page has seen the result held (kept results may be dropped between).
    """
    with query_errors(_target(fn)):
        wh, account_reader = warehouse(), reader()
        clipped = account_reader.clip(scope)
        key = (str(wh.path), wh.stamp, account_reader.home, _target(fn), _scope_key(clipped))
        with _later_lock:
            future = _later.get(key)
            if future is None:
                if len(_later) >= LATER_KEPT:
                    for done in [k for k, f in _later.items() if f.done()]:
                        del _later[done]
                beside = Reader(_open_beside(str(wh.path)), account_reader.home)
                future = _later[key] = Future()
                _queue.put((future, partial(beside.read, fn, clipped)))
            elif future.done() and future.exception() is not None:
                del _later[key]
        return future.result() if wait or future.done() else None
    raise AssertionError("unreachable")  # query_errors stops the page


def settle() -> None:
    """Wait until every ``load_later`` computation asked for so far has finished."""
    with _later_lock:
        pending = list(_later.values())
    wait(pending)


@contextmanager
def query_errors(what: str) -> Iterator[None]:
    """Turn a failing or refused read into a Chinese message that stops the page."""
    try:
        yield
    except WarehouseMissing:
        shell.stop_without_data(shell.MSG_NO_WAREHOUSE)
    except OutOfScope as exc:
        refuse(str(exc))
    except (UnknownUnit, WarehouseError) as exc:
        st.warning(str(exc))
        st.stop()
    except Exception as exc:  # a failing query must not show a traceback
        log.exception("query %s failed", what)
        _failed(exc)


def refuse(message: str) -> None:
    """Show the reader's refusal, log it, and stop the page."""
    audit.record(audit.SCOPE_REFUSED, message)
    st.error(message, icon=":material/block:")
    st.stop()


def _failed(exc: BaseException) -> None:
    st.error(MSG_QUERY_FAILED, icon=":material/error:")
    with st.expander(MSG_DETAILS):
        st.text(f"{type(exc).__name__}: {exc}")
    st.stop()


# --- A page's own derivations, cached per build, account and scope ---------------------------

_DERIVED: dict[str, Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=2000)
def _derive(
    path: str,
    stamp: tuple[int, int, int],
    home: str | None,
    name: str,
    scope: _ScopeKey,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # ``path``, ``stamp`` and ``home`` are part of the key only: ``fn`` reads through ``load``.
    return _DERIVED[name](Scope(*scope), **dict(kwargs))


ROWS_KEPT = 64  # row lists kept: a page may hold 10 tables (数据可信度), each scope its own


class _Stored:
    """A derivation's rows kept in memory for one build: as tuples under one key order when
    every row has the same keys (a fifth of the dicts' memory), else as the dicts."""

    def __init__(self, rows: Sequence[Any]) -> None:
        first = rows[0] if rows and isinstance(rows[0], Mapping) else None
        keys = tuple(first) if first is not None else None
        if keys is not None and all(isinstance(r, Mapping) and tuple(r) == keys for r in rows):
            self.keys: tuple[str, ...] | None = keys
            self.rows: list[Any] = [tuple(r.values()) for r in rows]
        else:
            self.keys, self.rows = None, list(rows)

    def window(self, start: int, stop: int) -> list[Any]:
        shown = self.rows[start:stop]
        if self.keys is None:
            return list(shown)
        return [dict(zip(self.keys, values, strict=True)) for values in shown]


@st.cache_resource(show_spinner=False, max_entries=ROWS_KEPT)
def _derive_rows(
    path: str,
    stamp: tuple[int, int, int],
    home: str | None,
    name: str,
    scope: _ScopeKey,
    kwargs: tuple[tuple[str, Any], ...],
) -> _Stored:
    # Computed once per build, account and scope and shared by every session, never
    # pickled: a page of a province-wide list (tens of thousands of rows) is a slice of it.
    # ``path``, ``stamp`` and ``home`` are part of the key only: ``fn`` reads through ``load``.
    return _Stored(_DERIVED[name](Scope(*scope), **dict(kwargs)))


@st.cache_resource(show_spinner=False, max_entries=SHARED_KEPT)
def _derive_shared(
    path: str,
    stamp: tuple[int, int, int],
    home: str | None,
    name: str,
    scope: _ScopeKey,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    # as ``_derive_rows``: computed once per build, account and scope, never pickled
    return _DERIVED[name](Scope(*scope), **dict(kwargs))


@dataclass(frozen=True)
class Rows:
    """The rows of a cached derivation for one (clipped) scope, read a page at a time
    (``Cached.rows``); ``table`` takes them like a list."""

    name: str
    scope: _ScopeKey
    kwargs: tuple[tuple[str, Any], ...]

    def window(self, start: int, stop: int) -> tuple[int, list[Any]]:
        """(how many rows there are, rows ``start:stop``), cached per build."""
        wh = warehouse()
        stored = _derive_rows(str(wh.path), wh.stamp, home(), self.name, self.scope, self.kwargs)
        return len(stored.rows), stored.window(start, stop)

    def all(self) -> list[Any]:
        """Every row (for a download: computed when asked for, not cached)."""
        return list(_DERIVED[self.name](Scope(*self.scope), **dict(self.kwargs)))


class Cached:
    """A page's derivation ``fn(scope, **kwargs)`` from ``load``ed figures, cached per
    build, account and scope (see ``cached``)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
        _DERIVED[self.name] = fn  # the latest run's function: it reads that run's globals

    def __call__(self, scope: Scope, /, **kwargs: Any) -> Any:
        wh = warehouse()
        key = tuple(sorted(kwargs.items()))
        clipped = self._clipped(scope)
        return _derive(str(wh.path), wh.stamp, home(), self.name, clipped, key)

    def shared(self, scope: Scope, /, **kwargs: Any) -> Any:
        """The derivation's value held once per build, account and scope and shared by
        every session, never pickled: for a large value other derivations read (a
        province's 50 k villages). Read it, never change it."""
        wh = warehouse()
        key = tuple(sorted(kwargs.items()))
        return _derive_shared(str(wh.path), wh.stamp, home(), self.name, self._clipped(scope), key)

    def rows(self, scope: Scope, /, **kwargs: Any) -> Rows:
        """The derivation's rows, for ``table`` to read one page at a time."""
        return Rows(self.name, self._clipped(scope), tuple(sorted(kwargs.items())))

    @staticmethod
    def _clipped(scope: Scope) -> _ScopeKey:
        with query_errors("scope"):
            key = _scope_key(reader().clip(scope))
            assert key is not None
            return key
        raise AssertionError("unreachable")  # query_errors stops the page


def cached(fn: Callable[..., Any]) -> Cached:
    """Cache a page's own derivation ``fn(scope, **kwargs)`` per build and scope.

    ``fn`` reads figures with ``load`` and returns plain data. Call the result for a small
    value (it is unpickled on every rerun); pass ``.rows(scope)`` to ``table`` for a list
    that may run to thousands of rows (only the page shown is kept and read).
    """
    return Cached(fn)


# --- The build's stamps and the unit tree ----------------------------------------------------


@global_facts
def read_build_info(wh: Warehouse) -> dict[str, Any]:
    """``{as_of, built_at, files, data_until}`` of the latest build (see Warehouse.build_info):
    the same for every account."""
    return wh.build_info()


def build_info() -> dict[str, Any]:
    """``{as_of, built_at, files}`` of the warehouse's latest build (cached per build)."""
    return load(read_build_info)


def as_of() -> date:
    """The build's as-of date (today only for a warehouse without a manifest)."""
    info = build_info()
    return info["as_of"].date() if info["as_of"] else date.today()


def period_anchor() -> date:
    """The day the period presets count back from: the as-of date, unless its year holds
    no activity; then the last activity date, so 本年 opens on the latest year with data."""
    day, until = as_of(), build_info().get("data_until")
    if until is not None and until.year < day.year:
        return until
    return day


@st.cache_resource(show_spinner=False, max_entries=16)
def _tree(path: str, units: tuple[int, int], home: str | None) -> UnitTree:
    # Shared, not copied: cache_data would unpickle 55 k units on every rerun. Keyed on the
    # units' digest, not the file's stamp: a rebuild that changed no unit keeps the tree.
    return UnitTree(Reader(_open(path), home).units())


def unit_tree() -> UnitTree:
    """The units the account may see (its home unit's subtree, every unit for a 管理员),
    built once per build and shared by every session (read it, never change it)."""
    with query_errors("units"):
        wh = warehouse()
        return _tree(str(wh.path), wh.units_digest(), home())
    raise AssertionError("unreachable")  # query_errors stops the page


def whole_tree() -> UnitTree:
    """Every unit of the warehouse: only to name a unit in a refusal."""
    with query_errors("units"):
        wh = warehouse()
        return _tree(str(wh.path), wh.units_digest(), None)
    raise AssertionError("unreachable")  # query_errors stops the page


def home_name(home: str | None) -> str:
    """The name of an account's home unit (全部阵地 for every unit; its code when the
    warehouse is missing or lacks it)."""
    if home is None:
        return ALL_UNITS
    try:
        unit = warehouse().units().get(home)
    except WarehouseError:
        unit = None
    return unit["name"] if unit else home


def unit_name(unit_id: str | None) -> str:
    """The unit's name, or 全部阵地 for the whole warehouse."""
    return unit_tree().name(unit_id) if unit_id else ALL_UNITS
