"""The [read] table of wenming.toml caps what DuckDB may hold for each warehouse reader."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard.warehouse import Warehouse, WarehouseError


@pytest.fixture
def small_warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.sql("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    return path


def _config(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "wenming.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WENMING_CONFIG", str(path))


def _setting(wh: Warehouse, name: str) -> str:
    return wh.query(f"SELECT current_setting('{name}') AS v")[0]["v"]


def test_a_reader_holds_no_more_memory_and_threads_than_the_read_table_allows(
    tmp_path, monkeypatch, small_warehouse
):
    _config(tmp_path, monkeypatch, '[read]\nmemory_limit = "1GB"\nthreads = 1\n')
    wh = Warehouse(small_warehouse)
    # DuckDB shows 1 GB (10^9 bytes) in MiB: 10^9 / 2^20 = 953.67
    assert _setting(wh, "memory_limit") == "953.6 MiB"
    assert _setting(wh, "threads") == 1


def test_a_reader_given_its_own_cap_keeps_it_whatever_the_read_table_says(
    tmp_path, monkeypatch, small_warehouse
):
    _config(tmp_path, monkeypatch, '[read]\nmemory_limit = "1GB"\n')
    wh = Warehouse(small_warehouse, threads=1, memory_limit="512MB")
    # 512 * 10^6 / 2^20 = 488.28
    assert _setting(wh, "memory_limit") == "488.2 MiB"
    assert _setting(wh, "threads") == 1


def test_a_memory_cap_that_is_no_size_is_refused_in_chinese_naming_the_table(
    tmp_path, monkeypatch, small_warehouse
):
    _config(tmp_path, monkeypatch, '[read]\nmemory_limit = "lots"\n')
    with pytest.raises(WarehouseError) as refused:
        Warehouse(small_warehouse).query("SELECT x FROM t")
    assert "[read]" in str(refused.value)
    assert "memory_limit" in str(refused.value)
    assert "3GB" in str(refused.value)


def test_two_readers_spill_into_folders_of_their_own_inside_the_configured_one(
    tmp_path, monkeypatch, small_warehouse
):
    spill = tmp_path / "spill"
    _config(tmp_path, monkeypatch, f'[read]\ntemp_directory = "{spill}"\n')
    first = Path(_setting(Warehouse(small_warehouse), "temp_directory"))
    second = Path(_setting(Warehouse(small_warehouse), "temp_directory"))
    assert first.parent == spill and second.parent == spill
    assert first != second
