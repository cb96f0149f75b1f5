"""The ledger folder behind the page 数据导入与质量: uploads and folder imports add files,
withdrawing one is the undo, and every change is previewed before it is made.

A rebuild from the page never replaces the warehouse's data with the folder's: it builds
from the sources the current warehouse was built from (recorded by ``pipelines.build``
in ``build_state``) plus the ledger folder. A warehouse without that record (built by an
older version) is refused: the page asks for one full build by the command line instead
of guessing.

A change goes in three steps, each a function a role check can wrap:

1. ``stage_uploads`` / ``stage_folder`` / ``stage_withdrawal`` put the new files in a
   pending folder beside the ledger folder (never in it, so no other session's build
   reads them) and build into a scratch warehouse beside the real one: a mirror of the
   ledger folder as it would be (symlinks) plus the other sources, the real warehouse
   copied (so the build may append), its salt, decisions and cache shared. The real
   warehouse is never touched; the scratch folder is removed. Returns a ``Preview``.
2. ``confirm`` moves the files into the ledger folder under their generated names, adds
   them to the index and builds for real (atomic, as ``pipelines.build`` always is); if
   the build fails, the files go back where they were.
3. ``cancel`` removes the pending files.

Uploaded files are stored as ``uploads/<time>-<n>-<sha>.<suffix>``, never where their name
says; ``index.json`` in the ledger folder keeps each one's original name, time, size and
SHA-256 (``dashboard.ledger_index``); what the warehouse was built from is
``dashboard.build_sources``'. Nothing imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.accounts import ADMIN, CLERK
from dashboard.build_sources import (
    ImportRefused,
    Request,
    build_id,
    build_request,
    display_path,
    import_roots,
    latest_manifest,
)
from dashboard.ledger_index import (
    HOW_FOLDER,
    HOW_UPLOAD,
    locked,
    original_names,
    read_index,
    stored_files,
    write_index,
)
from pipelines import pii, read, scopes, settings
from pipelines.build import STATUS_ZH, BuildError, build, build_lock, cache_dir
from pipelines.contract import TABLE_SPECS
from pipelines.decisions import record_decision
from pipelines.mapping.formats import formats_dir

# The folder uploads are stored in: WENMING_LEDGERS, else settings.LEDGER_DIR.
LEDGERS_ENV = "WENMING_LEDGERS"
UPLOADS = "uploads"  # generated names sort after the demo's activities/ and attendance/
PENDING_MAX_AGE_S = 24 * 3600  # previews nobody confirmed or cancelled
FOLDERS_SHOWN = 2000  # subfolders of an import root offered on the page


MSG_NOT_A_LEDGER = "“{name}”不是台账文件：只接受 {suffixes} 文件。"
MSG_TOO_LARGE = "“{name}”有 {size} MB，超过单个文件 {limit} MB 的上限：请拆分后再导入，或请管理员调整 upload_max_mb。"
MSG_NO_ROOTS = "尚未配置可导入的服务器文件夹。"
MSG_UNKNOWN_ROOT = "“{root}”不是已配置的导入文件夹。"
MSG_OUTSIDE_ROOT = "“{path}”不在导入文件夹“{root}”之内。"
MSG_NOT_A_FOLDER = "导入文件夹“{root}”中没有子文件夹“{path}”。"
MSG_NO_LEDGERS = "“{path}”中没有台账文件（{suffixes}）。"
MSG_NOT_STORED = "台账文件夹中没有“{name}”，或它不能在本页撤回。"
MSG_STALE = "预览之后数据仓库已被重新构建（可能是其他人导入了文件）：请取消后重新预览。"
MSG_PREVIEW_GONE = "这次预览的待导入文件已不存在（可能已过期被清理）：请重新选择文件。"
MSG_ALREADY = "“{name}”与已保存的“{stored}”内容完全相同，未重复保存。"
MSG_ROLE = "只有{roles}可以{action}。本账号的角色是{role}。"
MSG_NOT_YOURS = (
    "“{name}”不是本账号上传的文件：填报员只能撤回自己上传的文件，其他文件请联系管理员撤回。"
)
MSG_NOT_YOUR_PREVIEW = (
    "这次预览不是以本账号的填报范围做的，不能由本账号确认：请取消后重新选择文件预览。"
)
MSG_NO_HOME = "本账号没有所属阵地，不能上传台账：请联系管理员为账号设置所属阵地。"
ACTION_UPLOAD = "上传台账"
ACTION_FOLDER = "从服务器文件夹导入"
ACTION_WITHDRAW = "撤回文件"
ACTION_REBUILD = "重新构建数据仓库"
ACTION_ADOPT = "采用冲突的新值"


class RoleRefused(ImportRefused):
    """An action the acting account's role may not take (Chinese message)."""


@dataclass(frozen=True)
class Uploader:
    """Who changes the ledger folder from the page: account name, role and home unit. A
    填报员's files may only add rows of the home unit's subtree (``pipelines.scopes``).
    Functions called without one act for the command line (管理员)."""

    user_name: str
    role: str
    home_unit: str | None = None


def _require(by: Uploader | None, action: str, *roles: str) -> None:
    if by is not None and by.role not in roles:
        raise RoleRefused(MSG_ROLE.format(roles="、".join(roles), action=action, role=by.role))


# file statuses of a build that no mapping or rebuild will ever turn into rows
UNUSABLE = frozenset({"unreadable", "empty", "unrecognised", "duplicate_file"})


# ---------------------------------------------------------------- settings and paths


def ledger_dir() -> Path:
    """Where stored ledger files live: ``WENMING_LEDGERS``, else ``settings.LEDGER_DIR``."""
    env = os.environ.get(LEDGERS_ENV)
    return Path(env) if env else settings.LEDGER_DIR


def upload_limit_mb() -> int:
    """The largest ledger file the page accepts, in MB (config ``upload_max_mb``)."""
    return settings.config().upload_max_mb


# ---------------------------------------------------------------- building from the page


def rebuild(db: Path, folder: Path, by: Uploader | None = None) -> dict[str, Any]:
    """Rebuild ``db`` from its recorded sources plus ``folder`` (nothing added or taken
    away: after adopting a conflict); returns the manifest. BuildError at once when
    another build runs; on any failure the old warehouse stays in place. 管理员 only."""
    _require(by, ACTION_REBUILD, ADMIN)
    request = build_request(db, folder)
    return _build(list(request.sources), db, request.as_of)


def _build(sources: list[Path], db: Path, as_of: dt.datetime | None) -> dict[str, Any]:
    """``pipelines.build.build`` without waiting; its Chinese messages name no server path."""
    try:
        return build(sources, db, as_of=as_of, wait=False)
    except BuildError as exc:
        message = str(exc)
        for path in (*sources, db.parent):
            message = message.replace(str(path), display_path(path))
        raise BuildError(message) from None


# ---------------------------------------------------------------- staging a change


@dataclass
class Preview:
    """A staged change and what it would do to the warehouse.

    ``tables``: per table the change of ``rows``/``loaded``/``duplicates``/``rejected``
    (the dry run's manifest less the current one); ``files_added`` /
    ``files_withdrawn``: files of the build that come or go, by original name, with what
    became of their rows; ``already``: uploads not stored again (same bytes).
    """

    token: str
    kind: str  # "add" | "withdraw"
    entries: list[dict[str, Any]] = field(default_factory=list)  # index entries to add
    withdraw: str | None = None  # the stored name to withdraw
    already: list[str] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    files_added: list[dict[str, Any]] = field(default_factory=list)
    files_withdrawn: list[dict[str, Any]] = field(default_factory=list)
    base_build: str | None = None

    @property
    def changes(self) -> bool:
        return bool(self.entries or self.withdraw)

    @property
    def nothing_readable(self) -> bool:
        """An upload none of whose files can ever load (unreadable, empty, no table):
        storing it would only add a useless file. A file waiting for a 报送格式 counts
        as readable: it loads once mapped."""
        return (
            self.kind == "add"
            and all(f["status_code"] in UNUSABLE for f in self.files_added)
            and not self.tables
        )


def _pending_root(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.pending"


def _pending(folder: Path, token: str) -> Path:
    return _pending_root(folder) / token


def _new_token(folder: Path) -> str:
    """A new pending folder; stale ones (older than a day) are swept on the way."""
    root = _pending_root(folder)
    root.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for stale in root.iterdir():
        if stale.is_dir() and now - stale.stat().st_mtime > PENDING_MAX_AGE_S:
            shutil.rmtree(stale, ignore_errors=True)
    token = uuid.uuid4().hex
    (root / token).mkdir()
    return token


def _clean_name(name: str) -> str:
    """The original name as shown: its last part, without control characters."""
    last = re.split(r"[\\/]", name)[-1]
    return "".join(c for c in last if c.isprintable())[:200] or "未命名"


def _check_ledger(name: str, size: int) -> str:
    """The suffix to store ``name`` under; ImportRefused for a file the page refuses."""
    suffix = Path(_clean_name(name)).suffix.lower()
    if suffix not in settings.LEDGER_SUFFIXES or _clean_name(name).startswith("~$"):
        raise ImportRefused(
            MSG_NOT_A_LEDGER.format(name=name, suffixes="、".join(settings.LEDGER_SUFFIXES))
        )
    limit = upload_limit_mb()
    if size > limit * 1024 * 1024:
        raise ImportRefused(
            MSG_TOO_LARGE.format(name=name, size=f"{size / 1024 / 1024:,.1f}", limit=limit)
        )
    return suffix


def _size(content: bytes | Path) -> int:
    return content.stat().st_size if isinstance(content, Path) else len(content)


def _stage(
    db: Path,
    folder: Path,
    files: list[tuple[str, bytes | Path]],
    how: str,
    stamp: dt.datetime,
    by: Uploader | None = None,
) -> Preview:
    """Write the new files (name, bytes or a server file to copy) to a pending folder
    and preview them; a 填报员's are restricted to the home unit's subtree."""
    restricted = by is not None and by.role != ADMIN
    if restricted and not by.home_unit:
        raise RoleRefused(MSG_NO_HOME)
    for name, content in files:  # all or nothing: refuse before writing any
        _check_ledger(name, _size(content))
    request = build_request(db, folder)
    token = _new_token(folder)
    preview = Preview(token, "add")
    known = {e["sha256"]: e["original"] for e in read_index(folder).values()}
    for n, (name, content) in enumerate(files, start=1):
        if isinstance(content, Path):
            digest = read.file_sha256(content)
        else:
            digest = hashlib.sha256(content).hexdigest()
        if digest in known:
            preview.already.append(MSG_ALREADY.format(name=name, stored=known[digest]))
            continue
        suffix = _check_ledger(name, _size(content))
        stored = f"{UPLOADS}/{stamp:%Y%m%dT%H%M%S%f}-{n:03d}-{digest[:12]}{suffix}"
        target = _pending(folder, token) / stored
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
        known[digest] = name
        preview.entries.append(
            {
                "stored": stored,
                "original": name,
                "uploaded_at": stamp.isoformat(sep=" "),
                "size": _size(target),
                "sha256": digest,
                "how": how,
                **({"uploaded_by": by.user_name} if by is not None else {}),
                **({scopes.WRITE_UNIT: by.home_unit} if restricted else {}),
            }
        )
    if not preview.entries:
        cancel(folder, preview)
        return preview
    try:
        _dry_run(db, folder, request, preview)
    except BaseException:
        cancel(folder, preview)
        raise
    return preview


def stage_uploads(
    db: Path, folder: Path, files: list[tuple[str, bytes]], by: Uploader | None = None
) -> Preview:
    """Stage uploaded files (original name, bytes) and preview adding them. Raises
    ImportRefused (not a ledger, too large, no recorded sources, a role that may not
    upload) or BuildError (another build runs) before anything is written. A 填报员's
    files may only add rows of the home unit's subtree; the rest are rejected."""
    _require(by, ACTION_UPLOAD, ADMIN, CLERK)
    return _stage(
        db,
        folder,
        [(_clean_name(name), data) for name, data in files],
        HOW_UPLOAD,
        dt.datetime.now(),
        by,
    )


def folders_under(label: str) -> list[str]:
    """The folders below the import root ``label``, relative to it ("." is the root)."""
    root = _root(label)
    found = ["."]
    try:
        for path in sorted(root.rglob("*")):
            if path.is_dir() and path.resolve().is_relative_to(root.resolve()):
                found.append(path.relative_to(root).as_posix())
    except OSError:  # unreadable: stage_folder says so when it is picked
        pass
    return found[:FOLDERS_SHOWN]


def _root(label: str) -> Path:
    roots = import_roots()
    if not roots:
        raise ImportRefused(MSG_NO_ROOTS)
    if label not in roots:
        raise ImportRefused(MSG_UNKNOWN_ROOT.format(root=label))
    return roots[label]


def stage_folder(
    db: Path, folder: Path, label: str, relative: str, by: Uploader | None = None
) -> Preview:
    """Stage every ledger file below ``relative`` of the import root ``label`` and preview
    adding them; the original names are ``label/relative/…``. Refuses a path outside the
    root (``..``, an absolute path, a symlink leading out) and files over the limit.
    管理员 only."""
    _require(by, ACTION_FOLDER, ADMIN)
    root = _root(label).resolve()
    source = (root / relative).resolve()
    if not source.is_relative_to(root):
        raise ImportRefused(MSG_OUTSIDE_ROOT.format(path=relative, root=label))
    if not source.is_dir():
        raise ImportRefused(MSG_NOT_A_FOLDER.format(root=label, path=relative))
    shown = Path(label, source.relative_to(root)).as_posix()
    found = [f for f in read.find_sources([source]) if f.path.resolve().is_relative_to(root)]
    if not found:
        raise ImportRefused(
            MSG_NO_LEDGERS.format(path=shown, suffixes="、".join(settings.LEDGER_SUFFIXES))
        )
    files: list[tuple[str, bytes | Path]] = [(f"{shown}/{f.rel}", f.path) for f in found]
    return _stage(db, folder, files, HOW_FOLDER, dt.datetime.now(), by)


def stage_withdrawal(db: Path, folder: Path, stored: str, by: Uploader | None = None) -> Preview:
    """Preview withdrawing the stored file ``stored`` (a name ``stored_files`` lists): a
    管理员 any, a 填报员 only the files that account uploaded."""
    _require(by, ACTION_WITHDRAW, ADMIN, CLERK)
    rows = {row["stored"]: row for row in stored_files(folder)}
    if stored not in rows:
        raise ImportRefused(MSG_NOT_STORED.format(name=stored))
    _require_own(by, rows[stored])
    request = build_request(db, folder)
    preview = Preview(_new_token(folder), "withdraw", withdraw=stored)
    try:
        _dry_run(db, folder, request, preview)
    except BaseException:
        cancel(folder, preview)
        raise
    return preview


def _dry_run(db: Path, folder: Path, request: Request, preview: Preview) -> None:
    """Build into a scratch warehouse beside ``db`` as ``confirm`` would, and fill in the
    preview's figures from its manifest. The scratch folder is removed, whatever happens."""
    with build_lock(db, wait=False):
        # dry runs hold the lock: a scratch folder found now is one a killed run left
        for stale in db.parent.glob(f".{db.name}.preview-*"):
            shutil.rmtree(stale, ignore_errors=True)
        preview.base_build = build_id(db)
        scratch = Path(tempfile.mkdtemp(prefix=f".{db.name}.preview-", dir=db.parent))
        try:
            target = scratch / db.name
            if db.is_file():  # the copy lets the build append, as the real one will
                shutil.copyfile(db, target)
            salt = settings.salt_path(db)
            pii.load_salt(salt, settings.config().salt)  # made now if missing, kept after
            for beside in (salt, settings.decisions_path(db)):
                if beside.is_file():
                    shutil.copyfile(beside, scratch / beside.name)
            if formats_dir(db).is_dir():  # the saved 报送格式 apply to the dry run too
                shutil.copytree(formats_dir(db), formats_dir(target))
            cache_dir(db).mkdir(parents=True, exist_ok=True)
            cache_dir(target).symlink_to(cache_dir(db).resolve(), target_is_directory=True)
            mirror = scratch / "ledgers"
            for row in stored_files(folder):
                if row["stored"] != preview.withdraw:
                    _link(mirror / row["stored"], folder / row["stored"])
            for entry in preview.entries:
                _link(mirror / entry["stored"], _pending(folder, preview.token) / entry["stored"])
            index = {**read_index(folder), **{e["stored"]: e for e in preview.entries}}
            index.pop(preview.withdraw, None)
            mirror.mkdir(parents=True, exist_ok=True)
            write_index(mirror, index)  # the restrictions (``pipelines.scopes``) as they would be
            sources = [s for s in request.sources if s != folder.resolve()] + [mirror]
            after = _build(sources, target, request.as_of)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    _describe(preview, latest_manifest(db), after, folder)


def _link(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target.resolve())


def _describe(preview: Preview, before: dict, after: dict, folder: Path) -> None:
    counts = ("rows", "loaded", "duplicates", "rejected")
    zero = dict.fromkeys(counts, 0)
    for table, now in after["tables"].items():
        was = before.get("tables", {}).get(table, zero)
        delta = {k: now[k] - (was.get(k) or 0) for k in counts}
        if any(delta.values()):
            preview.tables.append({"table": table, "name": TABLE_SPECS[table].zh, **delta})
    names = {**original_names(folder), **{e["stored"]: e["original"] for e in preview.entries}}
    old = {f["file"]: f for f in before.get("files", [])}
    new = {f["file"]: f for f in after["files"]}
    preview.files_added = [_file_line(new[f], names) for f in new if f not in old]
    preview.files_withdrawn = [_file_line(old[f], names) for f in old if f not in new]


def _file_line(entry: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    note = ""
    if entry.get("duplicate_of"):
        note = f"与“{names.get(entry['duplicate_of'], entry['duplicate_of'])}”内容相同"
    elif entry.get("error"):
        note = entry["error"]
    elif entry.get("hint"):
        note = entry["hint"]
    return {
        "file": names.get(entry["file"], entry["file"]),
        "status_code": entry["status"],
        "status": STATUS_ZH.get(entry["status"], entry["status"]),
        "rows": entry.get("rows", 0),
        "note": note,
    }


# ---------------------------------------------------------------- confirming or cancelling


def may_withdraw(by: Uploader | None, entry: dict[str, Any]) -> bool:
    """Whether ``by`` may withdraw the stored file ``entry`` (an index entry)."""
    if by is None or by.role == ADMIN:
        return True
    return by.role == CLERK and entry.get("uploaded_by") == by.user_name


def _require_own(by: Uploader | None, entry: dict[str, Any]) -> None:
    if not may_withdraw(by, entry):
        raise RoleRefused(MSG_NOT_YOURS.format(name=entry.get("original", entry["stored"])))


def confirm(db: Path, folder: Path, preview: Preview, by: Uploader | None = None) -> dict[str, Any]:
    """Make the previewed change and build for real; returns the manifest. ImportRefused
    when the warehouse was rebuilt since the preview, or the account may not make it;
    on a failed build the ledger folder is put back as it was and the old warehouse stays
    in place."""
    if preview.withdraw:
        _require(by, ACTION_WITHDRAW, ADMIN, CLERK)
        _require_own(by, read_index(folder).get(preview.withdraw, {"stored": preview.withdraw}))
    if preview.entries:
        _require(by, ACTION_UPLOAD, ADMIN, CLERK)
        if (
            by is not None
            and by.role != ADMIN
            and any(e.get(scopes.WRITE_UNIT) != by.home_unit for e in preview.entries)
        ):
            raise RoleRefused(MSG_NOT_YOUR_PREVIEW)
    pending = _pending(folder, preview.token)
    if not pending.is_dir():
        raise ImportRefused(MSG_PREVIEW_GONE)
    if build_id(db) != preview.base_build:
        raise ImportRefused(MSG_STALE)
    request = build_request(db, folder)
    with locked(folder):
        withdrawn = _apply(folder, preview, pending)
    try:
        manifest = _build(list(request.sources), db, request.as_of)
    except BaseException:
        with locked(folder):
            _undo(folder, preview, pending, withdrawn)
        raise
    shutil.rmtree(pending, ignore_errors=True)
    return manifest


def _apply(folder: Path, preview: Preview, pending: Path) -> dict[str, Any] | None:
    """Move the staged files in (and the withdrawn one aside, into ``pending``); returns
    the withdrawn file's index entry."""
    index = read_index(folder)
    for entry in preview.entries:
        target = folder / entry["stored"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(pending / entry["stored"], target)
        index[entry["stored"]] = entry
    withdrawn = None
    if preview.withdraw:
        aside = pending / "withdrawn" / preview.withdraw
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder / preview.withdraw, aside)
        _remove_empty_parents(folder, folder / preview.withdraw)
        withdrawn = index.pop(preview.withdraw, None)
    write_index(folder, index)
    return withdrawn


def _undo(folder: Path, preview: Preview, pending: Path, withdrawn: dict[str, Any] | None) -> None:
    index = read_index(folder)
    for entry in preview.entries:
        shutil.move(folder / entry["stored"], pending / entry["stored"])
        _remove_empty_parents(folder, folder / entry["stored"])
        index.pop(entry["stored"], None)
    if preview.withdraw:
        target = folder / preview.withdraw
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(pending / "withdrawn" / preview.withdraw, target)
        if withdrawn is not None:
            index[preview.withdraw] = withdrawn
    write_index(folder, index)


def _remove_empty_parents(folder: Path, path: Path) -> None:
    parent, root = path.parent, folder.resolve()
    while parent.resolve() != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def cancel(folder: Path, preview: Preview) -> None:
    """Drop a staged change: its pending files go, nothing else changes."""
    shutil.rmtree(_pending(folder, preview.token), ignore_errors=True)


# ---------------------------------------------------------------- conflicts and the template


def adopt(db: Path, conflict: dict[str, Any], by: Uploader | None = None) -> None:
    """Record that the conflict's new version is the right one; every later build keeps
    it (``pipelines.decisions``). 管理员 only."""
    _require(by, ACTION_ADOPT, ADMIN)
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
