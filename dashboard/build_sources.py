"""What the current warehouse was built from, as ``pipelines.build`` records it in
``build_state``, and what a build from the page therefore asks: those sources plus the
ledger folder, with the same --as-of. A warehouse that records no sources, or whose
sources are gone, is refused (``ImportRefused``): a build would drop its rows.

Server paths are only ever shown through ``display_path``. Nothing imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines import settings
from pipelines.build import AS_OF_KEY, SOURCES_KEY

MSG_NO_RECORD = (
    "当前数据仓库没有记录它是用哪些台账构建的（由旧版本程序生成）。为免丢失已有数据，"
    "本页不能据此重新构建。请管理员在服务器上用命令行全量构建一次，例如："
    "wenming build 台账目录/ --db 数据仓库文件；之后即可在本页导入。"
)
MSG_SOURCE_GONE = (
    "上次构建所用的台账来源“{name}”已不存在。为免丢失其中的数据，本页不能重新构建。"
    "请恢复该文件夹，或请管理员在服务器上用命令行全量构建。"
)


class ImportRefused(ValueError):
    """A change the page must not make; the message is Chinese and says what to do."""


def import_roots() -> dict[str, Path]:
    """The server folders 从服务器文件夹导入 may read, by label (config ``import_roots``)."""
    return {label: Path(path) for label, path in settings.config().import_roots.items()}


def display_path(path: Path) -> str:
    """A server path as the page may show it: relative to an import root (``label/…``)
    or to the project, else only its last part; never the absolute path."""
    resolved = Path(path).resolve()
    for label, root in import_roots().items():
        if resolved.is_relative_to(root.resolve()):
            return Path(label, resolved.relative_to(root.resolve())).as_posix()
    if resolved.is_relative_to(settings.PROJECT_ROOT) and resolved != settings.PROJECT_ROOT:
        return resolved.relative_to(settings.PROJECT_ROOT).as_posix()
    return f"…/{resolved.name}"


@dataclass(frozen=True)
class Request:
    """What the next page build asks: sources (the current warehouse's, plus the ledger
    folder) and the --as-of the current warehouse was built with (None: the clock)."""

    sources: tuple[Path, ...]
    as_of: dt.datetime | None
    recorded: tuple[Path, ...]  # the current warehouse's own sources (shown, not withdrawable)


def recorded_request(db: Path) -> tuple[list[Path], dt.datetime | None] | None:
    """The sources and --as-of the warehouse at ``db`` records, None when it records none."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        state = dict(con.sql("SELECT key, value FROM build_state").fetchall())
    except duckdb.Error:
        return None
    finally:
        con.close()
    if SOURCES_KEY not in state:
        return None
    given = state.get(AS_OF_KEY) or None
    return [Path(p) for p in json.loads(state[SOURCES_KEY])], (
        dt.datetime.fromisoformat(given) if given else None
    )


def build_request(db: Path, folder: Path) -> Request:
    """The sources a page build uses: the current warehouse's plus ``folder`` (just the
    folder when there is no warehouse yet). Raises ImportRefused when the warehouse
    records no sources, or one of them is gone (a build would drop its rows)."""
    folder = folder.resolve()
    if not db.is_file():
        return Request((folder,), None, ())
    found = recorded_request(db)
    if found is None:
        raise ImportRefused(MSG_NO_RECORD)
    recorded, as_of = found
    for source in recorded:
        if source != folder and not source.exists():
            raise ImportRefused(MSG_SOURCE_GONE.format(name=display_path(source)))
    own = tuple(s for s in recorded if s != folder)
    return Request((*own, folder), as_of, own)


def build_id(db: Path) -> str | None:
    """The id of the build that wrote ``db`` (None without one)."""
    if not db.is_file():
        return None
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql("SELECT build_id FROM manifest ORDER BY built_at DESC LIMIT 1").fetchall()
    return rows[0][0] if rows else None


def latest_manifest(db: Path) -> dict[str, Any]:
    """The manifest of the build that wrote ``db`` ({} without one)."""
    if not db.is_file():
        return {}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "SELECT manifest_json FROM manifest ORDER BY built_at DESC LIMIT 1"
        ).fetchall()
    return json.loads(rows[0][0]) if rows else {}
