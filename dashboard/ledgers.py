"""The ledger folder behind the page 数据导入与质量: store uploaded ledger files, copy a
folder of them, withdraw one, record a person's decision on a conflict and rebuild the
warehouse from every stored file.

These are the only functions of the dashboard that write: ledger files under the folder,
the decisions file (``pipelines.decisions``) and, through ``pipelines.build.build``, the
warehouse, which the build writes as a new file and swaps in atomically, so other
sessions keep reading the old one until the new one is in place. Nothing imports
streamlit.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from pipelines import read, settings
from pipelines.build import build
from pipelines.decisions import record_decision

# The folder uploads are stored in: WENMING_LEDGERS, else settings.LEDGER_DIR.
LEDGERS_ENV = "WENMING_LEDGERS"

MSG_NOT_A_LEDGER = "“{name}”不是台账文件：只接受 {suffixes} 文件。"
MSG_NOT_A_FOLDER = "找不到文件夹“{path}”。"
MSG_INSIDE_LEDGERS = "“{path}”已在台账文件夹内，无需再导入。"
MSG_NOT_STORED = "台账文件夹中没有“{name}”。"
# When a file of the same name but other content is stored, the new one is renamed.
RENAMED = "{stem}（{n}）{suffix}"


def ledger_dir() -> Path:
    """Where stored ledger files live: ``WENMING_LEDGERS``, else ``settings.LEDGER_DIR``."""
    env = os.environ.get(LEDGERS_ENV)
    return Path(env) if env else settings.LEDGER_DIR


def stored_files(folder: Path) -> list[dict[str, Any]]:
    """The ledger files under ``folder`` in build order: ``{name, size, modified_at}``
    (``name`` relative to the folder, as the manifest names it)."""
    if not folder.is_dir():
        return []
    return [
        {
            "name": source.rel,
            "size": source.path.stat().st_size,
            "modified_at": dt.datetime.fromtimestamp(source.path.stat().st_mtime).replace(
                microsecond=0
            ),
        }
        for source in read.find_sources([folder])
    ]


def store_file(folder: Path, name: str, data: bytes) -> dict[str, str]:
    """Store one uploaded ledger file under ``folder`` (``name`` may hold subfolders).

    Returns ``{name, status}``: ``saved``; ``unchanged`` when a file of that name holds
    the same bytes already; ``renamed`` when it holds other bytes (the new file is kept
    beside it as ``名称（2）.csv``: nothing stored is overwritten). Raises ValueError for
    a name that is not a ledger file. The file appears whole or not at all.
    """
    relative = Path(*[part for part in Path(name).parts if part not in ("", ".", "..", "/")])
    if relative.suffix.lower() not in settings.LEDGER_SUFFIXES or relative.name.startswith("~$"):
        raise ValueError(
            MSG_NOT_A_LEDGER.format(name=name, suffixes="、".join(settings.LEDGER_SUFFIXES))
        )
    target = folder / relative
    n = 2
    while target.exists():
        if target.read_bytes() == data:
            return {"name": target.relative_to(folder).as_posix(), "status": "unchanged"}
        target = target.with_name(RENAMED.format(stem=relative.stem, n=n, suffix=relative.suffix))
        n += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    status = "saved" if target == folder / relative else "renamed"
    return {"name": target.relative_to(folder).as_posix(), "status": status}


def import_folder(folder: Path, source: Path) -> list[dict[str, str]]:
    """Store every ledger file below ``source`` under ``folder/<source's name>/``, keeping
    their relative paths; one ``store_file`` result per file."""
    source = source.expanduser()
    if not source.is_dir():
        raise ValueError(MSG_NOT_A_FOLDER.format(path=source))
    if source.resolve().is_relative_to(folder.resolve()):
        raise ValueError(MSG_INSIDE_LEDGERS.format(path=source))
    return [
        store_file(folder, f"{source.resolve().name}/{found.rel}", found.path.read_bytes())
        for found in read.find_sources([source])
    ]


def withdraw_file(folder: Path, name: str) -> None:
    """Delete a stored ledger file (``name`` relative to ``folder``) and the folders it
    leaves empty; its rows leave the warehouse at the next build."""
    root = folder.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        raise ValueError(MSG_NOT_STORED.format(name=name))
    path.unlink()
    parent = path.parent
    while parent != root and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def rebuild(folder: Path, db: Path, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Rebuild the warehouse ``db`` from every file stored under ``folder``; returns the
    manifest. One build at a time per warehouse: BuildError at once when another session
    is building; on any failure the old warehouse stays in place."""
    return build([folder], db, as_of=as_of, wait=False)


def adopt(db: Path, conflict: dict[str, Any]) -> None:
    """Record that the conflict's new version is the right one; every later build keeps
    it (``pipelines.decisions``)."""
    sheet = f"“{conflict['sheet']}”表" if conflict["sheet"] else ""
    record_decision(
        db,
        conflict["table"],
        conflict["row_key"],
        conflict["content_hash"],
        note=f"{conflict['file']} {sheet}第{conflict['row']}行",
    )


def template_bytes() -> bytes:
    """The import template workbook: ``settings.TEMPLATE_PATH``, or written afresh into a
    temporary folder when that file is missing."""
    if settings.TEMPLATE_PATH.is_file():
        return settings.TEMPLATE_PATH.read_bytes()
    from pipelines.template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        return write_template(Path(tmp) / settings.TEMPLATE_PATH.name).read_bytes()
