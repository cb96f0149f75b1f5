"""The page 台账格式映射: a clerk's workbook mapped, previewed, saved and rebuilt."""

from __future__ import annotations

from pathlib import Path

import clerk_layouts as L
from import_helpers import query, write_csv
from streamlit.testing.v1 import AppTest

from dashboard import ledgers
from pipelines.build import build
from pipelines.mapping import formats

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGE = "views/11_mapping.py"


def _open(folder: Path, db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(ledgers.LEDGERS_ENV, str(folder))
    monkeypatch.setenv("WENMING_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_maps_previews_saves_and_rebuilds_the_issue_workbook(tmp_path, monkeypatch):
    folder, db = tmp_path / "ledgers", tmp_path / "w.duckdb"
    write_csv(folder / "00-阵地.csv", L.UNITS)
    L.THREE_ROWS.write(folder)
    build([folder], db)  # the workbook waits for a mapping
    at = _open(folder, db, monkeypatch)

    assert at.selectbox(key="map_file").value == L.THREE_ROWS.file  # waiting files first
    assert (at.number_input(key="map_first").value, at.number_input(key="map_last").value) == (
        2,
        4,
    )
    assert at.selectbox(key="map_table").value == "activities"
    assert at.selectbox(key="map_col_5").value == "unit_name"  # 开展站点
    assert at.selectbox(key="map_col_7").value == "headcount_by_group:成人"
    assert "把握" in at.selectbox(key="map_col_7").label

    at.text_input(key="map_unit").set_value("S1").run()
    at.button(key="map_preview").click().run()
    assert not at.exception, [e.message for e in at.exception]
    # activities: 3 rows; headcount lines: 成人 20 + 儿童 5, 成人 30, 成人 8 + 儿童 12
    assert _metrics(at) == {"读入行数": "5", "将入库": "5", "重复": "0", "将退回": "0"}
    assert query(db, "SELECT count(*) FROM activities") == [(0,)]  # nothing changed yet

    at.text_input(key="map_name").set_value("峡窝镇所台账").run()
    at.button(key="map_save").click().run()
    assert not at.exception, [e.message for e in at.exception]

    assert [f.name for f in formats.load_all(db)] == ["峡窝镇所台账"]
    assert query(db, "SELECT count(*), sum(reported_person_times) FROM activities") == [(3, 75)]
    assert any("已保存报送格式“峡窝镇所台账”" in s.value for s in at.success)


def test_a_saved_format_can_be_deleted_on_the_page(tmp_path, monkeypatch):
    folder, db = tmp_path / "ledgers", tmp_path / "w.duckdb"
    write_csv(folder / "00-阵地.csv", L.UNITS)
    L.ORDERS.write(folder)
    build([folder], db)
    formats.save(db, formats.Format("点单", "orders", [2, 2], "0" * 16, {"单号": "order_id"}))
    at = _open(folder, db, monkeypatch)

    at.selectbox(key="map_pick").set_value("点单").run()
    at.button(key="map_delete").click().run()

    assert formats.load_all(db) == []
    assert any("已删除报送格式“点单”" in s.value for s in at.success)


def test_the_data_page_counts_a_mapped_sheet_per_table_it_feeds(tmp_path):
    from dashboard import quality
    from dashboard.warehouse import Warehouse

    folder, db = tmp_path / "ledgers", tmp_path / "w.duckdb"
    write_csv(folder / "00-阵地.csv", L.UNITS)
    L.THREE_ROWS.write(folder)
    formats.save(
        db,
        formats.Format(
            "所台账",
            "activities",
            [2, 4],
            _signature(folder / L.THREE_ROWS.file),
            L.THREE_ROWS.truth,
            {"unit_id": "S1"},
        ),
    )

    build([folder], db)
    rows = quality.file_counts(Warehouse(db))

    mapped = [r for r in rows if r["file"] == L.THREE_ROWS.file]
    # 3 activity rows; 5 headcount lines (成人 20 + 儿童 5, 成人 30, 成人 8 + 儿童 12)
    assert [
        (r["table"], r["rows"], r["loaded"], r["duplicates"], r["rejected"]) for r in mapped
    ] == [
        ("activities", 3, 3, 0, 0),
        ("attendance", 5, 5, 0, 0),
    ]


def _signature(path: Path) -> str:
    from pipelines.mapping.grid import read_grids
    from pipelines.mapping.header import header_at

    return header_at(read_grids(path)[0], 1, 3).signature
