"""The ledger folder's files and ``index.json``, which keeps what each stored file was
called: the page, its table of files and its rejected rows show that original name, not
the generated one a file is stored under (``dashboard.ledgers``).

Rows are plain dicts; the only writes are ``write_index`` under ``locked``. Nothing
imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines import read
from pipelines.scopes import INDEX  # the build reads its write_unit entries

HOW_UPLOAD, HOW_FOLDER = "upload", "folder"
HOW_LABELS = {HOW_UPLOAD: "上传", HOW_FOLDER: "服务器文件夹导入", None: "台账文件夹原有"}


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One change of the ledger folder and its index at a time, across sessions."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".index.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_index(folder: Path) -> dict[str, dict[str, Any]]:
    """Stored name (relative to ``folder``) -> ``{stored, original, uploaded_at, size,
    sha256, how}`` for every file the page stored."""
    try:
        entries = json.loads((folder / INDEX).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return {}
    return {entry["stored"]: entry for entry in entries}


def write_index(folder: Path, index: dict[str, dict[str, Any]]) -> None:
    tmp = folder / f".{INDEX}.tmp"
    body = {"files": sorted(index.values(), key=lambda e: e["stored"])}
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / INDEX)


def stored_files(folder: Path) -> list[dict[str, Any]]:
    """Every ledger file in ``folder`` in build order: ``{stored, original, size,
    uploaded_at, sha256, how, how_label}`` (a file the index lacks, put there by hand or
    by an older version, is named by its path and dated by its modification time)."""
    if not folder.is_dir():
        return []
    index = read_index(folder)
    rows = []
    for source in read.find_sources([folder]):
        stat = source.path.stat()
        entry = index.get(source.rel) or {
            "stored": source.rel,
            "original": source.rel,
            "uploaded_at": dt.datetime.fromtimestamp(stat.st_mtime).isoformat(sep=" "),
            "size": stat.st_size,
            "sha256": None,
            "how": None,
        }
        rows.append(
            {
                **entry,
                "uploaded_at": dt.datetime.fromisoformat(entry["uploaded_at"]).replace(
                    microsecond=0
                ),
                "how_label": HOW_LABELS.get(entry["how"], entry["how"]),
            }
        )
    return rows


def original_names(folder: Path) -> dict[str, str]:
    """Stored name -> the name the file was uploaded or imported as."""
    return {stored: entry["original"] for stored, entry in read_index(folder).items()}


def with_original_names(
    rows: Iterable[dict[str, Any]], names: dict[str, str], keys: tuple[str, ...] = ("file",)
) -> list[dict[str, Any]]:
    """``rows`` with the file names under ``keys`` replaced by their original names."""
    return [
        {**row, **{k: names.get(row[k], row[k]) for k in keys if row.get(k) is not None}}
        for row in rows
    ]
