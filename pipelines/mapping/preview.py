"""Preview a mapping before it is saved: a trial build in a scratch folder.

The trial builds the ledger through the draft format together with the reference
ledgers it needs (units, divisions and brands; activities too for sign-ins and
ratings), so its counts are the build's own: rows that would load, be duplicates or
be rejected, with the reasons, and the first rows as they would load. Duplicates
against other ledgers of the same table show only after the real rebuild.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.contract import TABLE_SPECS
from pipelines.mapping import formats

PREVIEW_ROWS = 20
REFERENCE_TABLES = ("units", "divisions", "brands")


@dataclass
class Preview:
    """What the trial build did with the ledger's rows, per table it fed."""

    counts: dict[str, dict[str, int]]  # table -> rows, loaded, duplicates, rejected
    rows: dict[str, list[dict]]  # table -> first rows as loaded, Chinese column names
    rejects: list[dict] = field(default_factory=list)  # {table, sheet, row, reason}


def reference_files(manifest: dict, sources: list[Path], target: str, table: str) -> list[Path]:
    """Files of the last build that hold the tables the mapped rows refer to, found under
    the build's ``sources`` (folders, or files named as the manifest names them)."""
    wanted = set(REFERENCE_TABLES) | (
        {"activities"} if table in ("attendance", "ratings") else set()
    )
    out = []
    for entry in manifest.get("files", []):
        if entry["file"] == target or entry["status"] != "loaded":
            continue
        tables = {entry.get("table")} | {s.get("table") for s in entry.get("sheets", [])}
        found = tables & wanted and _source_file(sources, entry["file"])
        if found:
            out.append(found)
    return out


def _source_file(sources: list[Path], name: str) -> Path | None:
    """The file the manifest names ``name``: relative to a source folder, or a source
    file given by itself."""
    for source in sources:
        if source.is_dir() and (source / name).is_file():
            return source / name
        if source.is_file() and source.name == name:
            return source
    return None


def preview(
    target: Path, fmt: formats.Format, references: list[Path], as_of: dt.datetime | None = None
) -> Preview:
    """Build ``target`` through ``fmt`` with ``references`` in a scratch folder."""
    from pipelines.build import build  # the build imports this package

    with tempfile.TemporaryDirectory(prefix="wenming-preview-") as tmp:
        db = Path(tmp) / "preview.duckdb"
        formats.save(db, fmt)
        manifest = build([*references, target], db, as_of=as_of)
        con = duckdb.connect(str(db), read_only=True)
        try:
            return _read(con, manifest, target.name)
        finally:
            con.close()


def _read(con: duckdb.DuckDBPyConnection, manifest: dict, name: str) -> Preview:
    entry = next(e for e in manifest["files"] if e["file"] == name)
    sheets = entry.get("sheets") or [entry]
    rejects = [r for r in manifest["rejects"] if r["file"] == name]
    counts, rows = {}, {}
    for table in dict.fromkeys(s["table"] for s in sheets if s.get("table")):
        read_rows = sum(s["rows"] for s in sheets if s.get("table") == table)
        loaded = con.execute(
            f"SELECT count(*) FROM {table} WHERE source_file = ?", [name]
        ).fetchone()[0]
        rejected = sum(r["table"] == table for r in rejects)
        counts[table] = {
            "rows": read_rows,
            "loaded": loaded,
            "duplicates": read_rows - loaded - rejected,
            "rejected": rejected,
        }
        rows[table] = _first_rows(con, table, name)
    shown = [
        {
            "table": TABLE_SPECS[r["table"]].zh,
            "sheet": r["sheet"],
            "row": r["row"],
            "reason": r["reason"],
        }
        for r in rejects
    ]
    return Preview(counts, rows, shown)


def _first_rows(con: duckdb.DuckDBPyConnection, table: str, name: str) -> list[dict]:
    spec = TABLE_SPECS[table]
    columns = [c for c in con.table(table).columns if c not in ("source_file",)]
    found = con.execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE source_file = ?"
        f" ORDER BY source_sheet NULLS FIRST, source_row LIMIT {PREVIEW_ROWS}",
        [name],
    )
    labels = {c.key: c.zh for c in spec.columns} | {"person_group": "人群类别"}
    labels |= {"source_sheet": "工作表", "source_row": "行号"}
    return [
        {labels.get(c, c): v for c, v in zip(columns, row, strict=True) if c in labels}
        for row in found.fetchall()
    ]
