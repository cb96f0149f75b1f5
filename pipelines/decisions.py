"""A person's decisions on conflicts ("adopt the new value"), kept beside the warehouse.

Keyed by (table, row key, content hash), so a decision survives re-sending the
same rows under other file names, and every later build applies it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb

from pipelines.settings import decisions_path


def list_conflicts(db: Path) -> list[dict]:
    """Conflict rows of the current warehouse with the version kept, newest build."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql(
            """SELECT table_name, row_key, content_hash, file, sheet, "row", kept_file, kept_sheet, kept_row, reason, raw
               FROM rejects WHERE reason_code = 'conflict' ORDER BY table_name, row_key, file, "row" """
        ).fetchall()
    finally:
        con.close()
    keys = [
        "table",
        "key",
        "content_hash",
        "file",
        "sheet",
        "row",
        "kept_file",
        "kept_sheet",
        "kept_row",
        "reason",
        "raw",
    ]
    return [dict(zip(keys, r, strict=True)) for r in rows]


def record_decision(db: Path, table: str, key: str, content_hash: str, note: str = "") -> None:
    """Append a decision to adopt the version with ``content_hash`` for ``key`` (atomic write)."""
    path = decisions_path(db)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"decisions": []}
    data["decisions"].append(
        {
            "table": table,
            "key": key,
            "content_hash": content_hash,
            "decided_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "note": note,
        }
    )
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
