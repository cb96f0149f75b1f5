"""Per-file work of a build, cached by the file's content hash.

A ledger file is read, normalised and checked against its row-local rules once;
the result is kept as Parquet beside the warehouse (``.<db>.cache/``), keyed by
the file's SHA-256 and a fingerprint of the code and settings that shaped it.
A rebuild that sees the same bytes again reuses it, whatever the file's name.
Raw rows are kept with phone and ID numbers masked, for reject reports only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import pii, read
from pipelines.contract import TABLE_SPECS
from pipelines.mapping import formats
from pipelines.settings import config
from pipelines.validate import prepare_local

# the modules whose code decides what a file's staged result is
_CODE = ("read.py", "parse.py", "validate.py", "contract.py", "reasons.py", "pii.py", "stage.py")
# tables whose rows are processed in buckets of activity_id, so memory stays bounded
BUCKETED = {"activities", "attendance", "ratings"}


def fingerprint(salt: str) -> str:
    """Changes whenever the code or a setting that shapes staged rows changes."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    for path in sorted((here / "mapping").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(formats.digest(formats.active_db()).encode())  # saved 报送格式
    digest.update(
        json.dumps(config().category_aliases, sort_keys=True, ensure_ascii=False).encode()
    )
    digest.update(hashlib.sha256(salt.encode()).digest())
    return digest.hexdigest()[:16]


@dataclass
class StagedSheet:
    """One sheet (or CSV) after the row-local stage: paths of its Parquet parts."""

    sheet: str | None
    status: str
    table: str | None
    headers: list[str]
    rows: int = 0
    valid: str | None = None  # typed valid rows: t_* columns, _row, _bh
    rejects: str | None = None  # _row, reason_code, reason, raw (masked)
    raw: str | None = None  # _row, raw (masked) of every row, for later rejects
    ambiguous: list[str] = field(default_factory=list)
    header_row: int | None = None  # where the header was found (needs_mapping sheets)
    format: str | None = None  # the saved 报送格式 the sheet was read through


@dataclass
class StagedFile:
    sheets: list[StagedSheet]
    error: str | None = None


def is_staged(digest: str, cache: Path, fp: str) -> bool:
    return (cache / f"{digest}-{fp}.json").exists()


def stage_file(path: Path, digest: str, cache: Path, fp: str, salt: str) -> StagedFile:
    """The staged result of one file: from the cache, or read and staged now."""
    index = cache / f"{digest}-{fp}.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        staged = StagedFile([StagedSheet(**s) for s in data["sheets"]], data.get("error"))
        if all(Path(p).exists() for s in staged.sheets for p in (s.valid, s.rejects, s.raw) if p):
            return staged
    cache.mkdir(parents=True, exist_ok=True)
    try:
        sheets = read.read_source(path, mask=pii.mask_frame)
    except Exception as exc:  # a corrupt or foreign file must not stop the build
        staged = StagedFile([], unreadable_reason(path, exc))
    else:
        staged = StagedFile(
            [_stage_sheet(s, cache / f"{digest}-{fp}-{i}", salt) for i, s in enumerate(sheets)]
        )
    tmp = index.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {"sheets": [s.__dict__ for s in staged.sheets], "error": staged.error},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    tmp.replace(index)
    return staged


def unreadable_reason(path: Path, exc: Exception) -> str:
    """Why a file could not be read, in words a clerk can act on."""
    if isinstance(exc, UnicodeDecodeError):
        return (
            "文件编码无法识别：支持 UTF-8 和 GBK/GB18030 的 CSV；"
            "“Unicode 文本”等格式请在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx"
        )
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        return (
            "不是有效的 Excel 文件（可能已损坏、未下载完整，或是网页导出的“伪 .xls”）："
            "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
        )
    return f"文件无法读取（可能已损坏或不是表格文件）：{type(exc).__name__}"


def _stage_sheet(sheet: read.Sheet, stem: Path, salt: str) -> StagedSheet:
    out = StagedSheet(
        sheet.sheet,
        sheet.status,
        sheet.table,
        sheet.headers,
        ambiguous=sheet.ambiguous,
        header_row=sheet.header_row,
        format=sheet.format,
    )
    if sheet.status != "loaded":
        return out
    table = sheet.table
    frame = sheet.frame.with_columns(pl.lit(sheet.is_volunteer_file).alias("_vol"))
    out.rows = frame.height
    prepared = prepare_local(table, frame)
    for column in ("t_person_id", "t_rater_id"):
        prepared = pii.hash_ids(prepared, column, salt)
    keep = [c for c in prepared.columns if c.startswith("t_")]
    bucket = pl.col("t_activity_id").hash(seed=7) if table in BUCKETED else pl.lit(0, pl.UInt64)
    valid = prepared.filter(pl.col("_code").is_null()).select(*keep, "_row", bucket.alias("_bh"))
    id_column = {"units": "t_unit_id", "activities": "t_activity_id"}.get(table)
    raw_text = pl.col("_raw") if sheet.raw_masked else pii.mask_text(pl.col("_raw"))
    rejects = prepared.filter(pl.col("_code").is_not_null()).select(
        "_row",
        (pl.col(id_column) if id_column else pl.lit(None, pl.String)).alias("key_id"),
        pl.col("_code").alias("reason_code"),
        pii.mask_text(pl.col("_reason")).alias("reason"),
        raw_text.alias("raw"),
    )
    # one raw row per spreadsheet row: a mapped row's headcount lines share theirs
    raw = frame.select("_row", raw_text.alias("raw")).unique("_row", maintain_order=True)
    for part, data in (("valid", valid), ("rejects", rejects), ("raw", raw)):
        path = stem.with_name(f"{stem.name}.{part}.parquet")
        data.write_parquet(path, compression="lz4")
        setattr(out, part, str(path))
    return out


def content_columns(table: str) -> list[str]:
    return [f"t_{c.key}" for c in TABLE_SPECS[table].columns]
