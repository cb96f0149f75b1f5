"""What keeps the pages fast at a province (issue 17), shown on the fixture county: a
long table read a page at a time lists exactly the rows the whole table did, and a
rebuild that changed no unit keeps the units (and the unit tree built from them)."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from page_helpers import COVERAGE_TREE, table

from dashboard import cache, widgets
from dashboard.warehouse import Warehouse

COVERAGE = "views/02_coverage.py"

TREE = COVERAGE_TREE
LACKING = ["东林子社区", "西林子社区", "南林子社区", "营坡顶村", "邻区某村"]


def _tree_rows(at) -> list[tuple[str, str, str]]:
    return [(r["阵地"].strip("　└ "), r["层级"], r["期内活动场次"]) for r in table(at, "阵地")]


def test_the_unit_tree_read_four_rows_at_a_time_lists_every_unit_once_in_tree_order(
    open_app, monkeypatch
):
    monkeypatch.setattr(widgets, "PAGE_ROWS", 4)
    at = open_app(COVERAGE)
    pages = [_tree_rows(at)]
    for page in (2, 3):
        at.number_input(key="coverage_tree_page").set_value(page).run()
        pages.append(_tree_rows(at))
    assert [len(rows) for rows in pages] == [4, 4, 1]
    assert [row for rows in pages for row in rows] == TREE


def test_the_villages_lacking_coverage_read_two_at_a_time_are_the_whole_list(open_app, monkeypatch):
    monkeypatch.setattr(widgets, "PAGE_ROWS", 2)
    at = open_app(COVERAGE)
    shown = [r["村（社区）"] for r in table(at, "村（社区）")]
    for page in (2, 3):
        at.number_input(key="coverage_villages_page").set_value(page).run()
        shown += [r["村（社区）"] for r in table(at, "村（社区）")]
    assert shown == LACKING


def test_paging_through_a_table_computes_its_rows_once(open_app, monkeypatch):
    made = []
    original = cache._Stored.__init__

    def counted(self, rows):
        made.append(len(rows))
        original(self, rows)

    monkeypatch.setattr(cache._Stored, "__init__", counted)
    monkeypatch.setattr(widgets, "PAGE_ROWS", 4)
    cache._derive_rows.clear()
    at = open_app(COVERAGE)
    assert sorted(made) == [len(LACKING), len(TREE)]  # each table's rows, once
    for page in (2, 3):
        at.number_input(key="coverage_tree_page").set_value(page).run()
    again = open_app(COVERAGE)  # a second session on the same build and scope
    assert sorted(made) == [len(LACKING), len(TREE)]
    assert _tree_rows(again)[:4] == TREE[:4]


@pytest.mark.parametrize(
    "rows",
    [
        [{"a": 1, "b": "x", "on": date(2025, 1, 2)}, {"a": 2.5, "b": None, "on": None}],
        [{"a": 1, "b": ["ZA1", "ZA2"]}, {"b": [], "a": 0}],  # keys in another order
        [{"a": 1}, {"a": 2, "extra": True}],  # not every row has every key
        [],
    ],
)
def test_kept_rows_come_back_with_the_same_keys_values_and_types(rows):
    kept = cache._Stored(rows)
    for start, stop in [(0, 1), (1, 5), (0, 0)]:
        back = kept.window(start, stop)
        assert back == rows[start:stop]
        assert [[(k, type(v)) for k, v in r.items()] for r in back] == [
            [(k, type(v)) for k, v in r.items()] for r in rows[start:stop]
        ]


def _replace_with(source: Path, target: Path) -> None:
    """A rebuild as ``wenming build`` makes it: a new file moved over the old one."""
    shutil.copyfile(source, target.with_suffix(".new"))
    os.replace(target.with_suffix(".new"), target)


def test_a_rebuild_that_changes_no_unit_keeps_the_units_and_their_tree(
    fixture_db, fixture_db_without_divisions, tmp_path
):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_db, path)
    wh = Warehouse(path)
    units, digest, stamp = wh.units(), wh.units_digest(), wh.stamp
    # another build of the same units (here without the 区划 list): a new file
    _replace_with(fixture_db_without_divisions, path)
    assert wh.stamp != stamp
    assert wh.units_digest() == digest
    assert wh.units() is units


def test_a_rebuild_that_changes_a_unit_reads_the_units_again(fixture_db, practice_db, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_db, path)
    wh = Warehouse(path)
    units, digest = wh.units(), wh.units_digest()
    _replace_with(practice_db, path)
    assert wh.units_digest() != digest
    assert wh.units() is not units
    assert "ZA1" in units and wh.units().keys() != units.keys()


def test_the_briefing_kit_is_gathered_once_and_shared_by_every_run_and_session(
    open_app, monkeypatch
):
    # the kit holds every figure of a scope (a province's: megabytes); a copy per run
    # took seconds to unpickle
    from dashboard import briefing

    kits = []
    compose = briefing.compose

    def seen(kit):
        kits.append(kit)
        return compose(kit)

    monkeypatch.setattr(briefing, "compose", seen)
    cache._shared.clear()
    at = open_app("views/08_briefing.py")
    at.run()
    open_app("views/08_briefing.py")  # a second session on the same build and scope
    assert len(kits) == 3
    assert kits[1] is kits[0] and kits[2] is kits[0]
    at.selectbox(key="unit").set_value("SB").run()  # another scope: its own kit
    assert kits[-1] is not kits[0] and kits[-1].unit["unit_id"] == "SB"


def test_a_cold_page_reads_each_figure_once(open_app, monkeypatch):
    import threading

    import streamlit as st

    reads = []
    original = cache._read

    def counted(path, home, target, scope, kwargs):
        reads.append(((target, scope, kwargs), threading.current_thread().name))
        return original(path, home, target, scope, kwargs)

    monkeypatch.setattr(cache, "_read", counted)
    st.cache_data.clear()
    st.cache_resource.clear()  # as after a rebuild: nothing read yet
    at = open_app("views/01_overview.py")
    at.run()  # and a warm run reads nothing again
    keys = [key for key, _thread in reads]
    assert len(keys) == len(set(keys))  # each figure read once
    targets = {key[0] for key in keys}
    assert {"dashboard.metrics.figures:coverage", "dashboard.lowsat:grouped"} <= targets
