"""Saved 报送格式: one readable JSON file per format, beside the warehouse.

``<warehouse>.formats/<name>.json`` holds the table, the header rows and their
signature, each header's field and the constants. Rebuilds never touch the folder;
a build reads every format in it, and a file or sheet whose header signature is a
format's is read through that format. Formats are part of the staging fingerprint:
saving, changing or deleting one makes the next build re-read the ledgers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.mapping.fields import IGNORE, field_keys
from pipelines.settings import TABLES

SUFFIX = ".json"
MSG_BAD_NAME = '格式名称不能为空，也不能含有 / \\ : * ? " < > | 等字符：{}'
MSG_UNKNOWN = "没有名为“{}”的报送格式"
MSG_BAD_TABLE = "表“{}”不存在，可选：" + "、".join(TABLES)
MSG_BAD_FIELD = "字段“{}”不是“{}”表可用的字段，可选：{}"
_BAD_CHARS = re.compile(r'[/\\:*?"<>|\x00-\x1f]')


@dataclass
class Format:
    """One saved layout: which table, which rows are the header, what each column is."""

    name: str
    table: str
    header_rows: list[int]  # first and last header row, as the spreadsheet numbers them
    signature: str
    columns: dict[str, str]  # header text (as joined, 参与人数/成人/人数) -> field key
    constants: dict[str, str] = field(default_factory=dict)  # field key -> value for every row

    def check(self) -> None:
        """Raise ValueError (Chinese) when the table or a field is not one the build knows."""
        check_name(self.name)
        if self.table not in TABLES:
            raise ValueError(MSG_BAD_TABLE.format(self.table))
        allowed = field_keys(self.table)
        for key in [*self.columns.values(), *self.constants]:
            if key.split(":")[0] not in allowed:
                choices = "、".join(sorted(allowed - {IGNORE}))
                raise ValueError(MSG_BAD_FIELD.format(key, self.table, choices))


def check_name(name: str) -> None:
    if not name.strip() or _BAD_CHARS.search(name) or name.startswith("."):
        raise ValueError(MSG_BAD_NAME.format(name))


def formats_dir(db: Path) -> Path:
    """Where the formats of warehouse ``db`` live: ``<stem>.formats/`` beside it."""
    return db.with_name(db.stem + ".formats")


def save(db: Path, fmt: Format) -> Path:
    """Write ``fmt`` (replacing a format of that name) and return its path."""
    fmt.check()
    folder = formats_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{fmt.name}{SUFFIX}"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(fmt), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load_all(db: Path) -> list[Format]:
    """Every saved format of ``db``, by name."""
    folder = formats_dir(db)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append(Format(**data))
    return out


def load(db: Path, name: str) -> Format:
    path = formats_dir(db) / f"{name}{SUFFIX}"
    if not path.is_file():
        raise KeyError(MSG_UNKNOWN.format(name))
    return Format(**json.loads(path.read_text(encoding="utf-8")))


def delete(db: Path, name: str) -> None:
    path = formats_dir(db) / f"{name}{SUFFIX}"
    if not path.is_file():
        raise KeyError(MSG_UNKNOWN.format(name))
    path.unlink()


def rename(db: Path, old: str, new: str) -> None:
    fmt = load(db, old)
    fmt.name = new
    save(db, fmt)
    if new != old:
        delete(db, old)


def digest(db: Path | None) -> str:
    """A digest of every saved format of ``db``: part of the staging fingerprint."""
    sha = hashlib.sha256()
    for fmt in load_all(db) if db else []:
        sha.update(json.dumps(asdict(fmt), sort_keys=True, ensure_ascii=False).encode())
    return sha.hexdigest()
