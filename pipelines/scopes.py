"""Write scopes: a ledger file an account limited to a unit subtree stored (a 填报员's
upload) may only add rows of that subtree; the build rejects its other rows with
``out_of_scope`` (``pipelines.validate.check_refs``).

The restriction lives beside the file, in the ``index.json`` of the source folder that
holds it (written by ``dashboard.ledger_index``): an entry ``{"stored": <path relative to
the folder>, "write_unit": <unit code>, …}``. Files without one (a 管理员's upload, a
command-line source) are unrestricted. This module only reads: the build needs nothing of
the dashboard.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

INDEX = "index.json"
WRITE_UNIT = "write_unit"

MSG_BAD_INDEX = (
    "台账文件夹“{name}”中的索引文件 index.json 无法读取，无法判断哪些文件只能报送本单位的"
    "记录，为安全起见本次不构建：请管理员从备份恢复该文件，或删除其中损坏的内容后重试。"
)


class ScopeIndexError(ValueError):
    """An index.json the build cannot read (Chinese message): it fails closed."""


def write_units(sources: list[str | os.PathLike], files: list) -> dict[int, str]:
    """Position in ``files`` (``read.SourceFile``, the build's order) -> the unit code
    whose subtree that file may write, for the restricted files only ({} when none)."""
    restricted: dict[Path, str] = {}
    for source in sources:
        root = Path(source)
        index = root / INDEX
        if not root.is_dir() or not index.is_file():
            continue
        try:
            entries = json.loads(index.read_text(encoding="utf-8"))["files"]
            for entry in entries:
                unit = entry.get(WRITE_UNIT)
                if unit:
                    restricted[(root / entry["stored"]).resolve()] = str(unit)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise ScopeIndexError(MSG_BAD_INDEX.format(name=root.name)) from None
    if not restricted:
        return {}
    found = {}
    for position, file in enumerate(files):
        unit = restricted.get(file.path.resolve())
        if unit is not None:
            found[position] = unit
    return found
