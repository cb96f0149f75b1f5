"""Per-file work of a build, cached by the file's content hash.

A ledger file is read, normalised and checked against its row-local rules once;
the result is kept as Parquet beside the warehouse (``.<db>.cache/``), keyed by
the file's SHA-256 and a fingerprint of the code and settings that shaped it.
A rebuild that sees the same bytes again reuses it, whatever the file's name.
Raw rows are kept with phone and ID numbers masked, for reject reports only, and only
for the rows rejected here: a row rejected later (references, conflicts) has its raw
text built by reading its file again (``raw_rows``), as rejects are few.
"""

from __future__ import annotations

import errno
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from pipelines import pii, preflight, read
from pipelines.contract import TABLE_SPECS
from pipelines.mapping import formats
from pipelines.settings import config
from pipelines.validate import prepare_local

# the modules whose code decides what a file's staged result is
_CODE = (
    "read.py",
    "preflight.py",
    "parse.py",
    "validate.py",
    "contract.py",
    "reasons.py",
    "pii.py",
    "stage.py",
)
# in the cache folder: where a GB18030 CSV's UTF-8 copy lives while it is read
SCRATCH = "transcode"

MSG_BAD_ENCODING = (
    "文件编码无法识别：支持 UTF-8 和 GBK/GB18030 的 CSV；"
    "“Unicode 文本”等格式请在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx"
)
MSG_BAD_WORKBOOK = (
    "不是有效的 Excel 文件（可能已损坏、未下载完整，或是网页导出的“伪 .xls”）："
    "请用 Excel/WPS 打开后另存为 .xlsx 再报送"
)
MSG_BAD_CSV = (
    "文件无法按 CSV 读取（可能已损坏，或是改了扩展名的其他文件）："
    "请用 Excel/WPS 打开确认内容后另存为“CSV UTF-8（逗号分隔）”或 .xlsx 再报送"
)
MSG_NO_PERMISSION = "没有读取这个文件的权限：请检查文件权限（或关闭正在占用它的程序）后重新构建"
MSG_VANISHED = "文件在读取过程中被移走或删除：请确认文件仍在原处后重新构建"
MSG_TOO_BIG_TO_READ = "文件太大，读取时内存不足：请把数据分成几个文件报送"
# tables whose rows are processed in buckets of activity_id, so memory stays bounded
BUCKETED = {"activities", "attendance", "ratings"}


def fingerprint(salt: str, formats_db: Path | None = None) -> str:
    """Changes whenever the code or a setting that shapes staged rows changes, including
    the saved 报送格式 of warehouse ``formats_db`` (the build's)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    digest.update(json.dumps(config().staging(), sort_keys=True, ensure_ascii=False).encode())
    for path in sorted((here / "mapping").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(formats.digest(formats_db).encode())
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
    raw: str | None = None  # not written any more (raw text of later rejects: raw_rows)
    ambiguous: list[str] = field(default_factory=list)
    error: str | None = None  # status "unreadable": why the sheet was not read (Chinese)
    header_row: int | None = None  # where the header was found (needs_mapping sheets)
    format: str | None = None  # the saved 报送格式 the sheet was read through


@dataclass
class StagedFile:
    sheets: list[StagedSheet]
    error: str | None = None


def scratch_dir(cache: Path) -> Path:
    """The private folder for temporary copies of raw ledgers (swept by every build)."""
    return cache / SCRATCH


def is_staged(digest: str, cache: Path, fp: str) -> bool:
    return (cache / f"{digest}-{fp}.json").exists()


def stage_file(
    path: Path, digest: str, cache: Path, fp: str, salt: str, formats_db: Path | None = None
) -> StagedFile:
    """The staged result of one file: from the cache, or read and staged now (a sheet no
    table fits through a saved 报送格式 of warehouse ``formats_db``)."""
    index = cache / f"{digest}-{fp}.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        staged = StagedFile([StagedSheet(**s) for s in data["sheets"]], data.get("error"))
        if all(Path(p).exists() for s in staged.sheets for p in (s.valid, s.rejects, s.raw) if p):
            return staged
    cache.mkdir(parents=True, exist_ok=True)
    try:
        sheets = _read(path, cache, formats_db)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a corrupt or foreign file must not stop the build
        # (BaseException: calamine's Rust panics arrive as pyo3's PanicException, which
        # is not an Exception)
        if out_of_space(exc):
            raise  # not the file's fault: the build fails and says so
        staged = StagedFile([], unreadable_reason(path, exc))
        if isinstance(exc, OSError):  # no permission, moved away: try again next build
            return staged
    else:
        staged = StagedFile(
            [_stage_sheet(s, cache / f"{digest}-{fp}-{i}", salt) for i, s in enumerate(sheets)]
        )
    tmp = index.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {"sheets": [asdict(s) for s in staged.sheets], "error": staged.error},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    tmp.replace(index)
    return staged


def unreadable_reason(path: Path, exc: BaseException) -> str:
    """Why a file could not be read, in words a clerk can act on (never the exception's
    own text: that is English, and may quote the file's bytes)."""
    if isinstance(exc, preflight.Refused):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return MSG_BAD_ENCODING
    if isinstance(exc, MemoryError):
        return MSG_TOO_BIG_TO_READ
    if isinstance(exc, PermissionError):
        return MSG_NO_PERMISSION
    if isinstance(exc, FileNotFoundError):
        return MSG_VANISHED
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        return MSG_BAD_WORKBOOK
    return MSG_BAD_CSV


# how a full disk or quota, and a file-size limit (``ulimit -f``), show in an error's
# text when they come from Rust (Polars) or C++ (DuckDB) rather than as an OSError
_OUT_OF_SPACE = {
    "disk": ("no space left on device", "os error 28", "disk quota exceeded", "os error 122"),
    "file_size": ("file too large", "os error 27"),
}
_OUT_OF_SPACE_ERRNO = {errno.ENOSPC: "disk", errno.EDQUOT: "disk", errno.EFBIG: "file_size"}


def out_of_space(exc: BaseException | None) -> str | None:
    """ "disk" when an error (or one it was raised from) is a full disk or quota,
    "file_size" when a file hit the size limit, else None: either is the server's
    trouble, not the ledger's."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _OUT_OF_SPACE_ERRNO:
            return _OUT_OF_SPACE_ERRNO[exc.errno]
        text = str(exc).lower()
        for kind, texts in _OUT_OF_SPACE.items():
            if any(t in text for t in texts):
                return kind
        exc = exc.__cause__ or exc.__context__
    return None


def _stage_sheet(sheet: read.Sheet, stem: Path, salt: str) -> StagedSheet:
    """One sheet's rows typed and checked, as Parquet parts beside ``stem``.

    Nothing personal is kept raw: phone/ID-like values of every id column are hashed,
    free text, reasons, raw rows, headers and the sheet's name masked (``pii``); the
    headers of a sheet without one are its first row, so they are masked here, before
    the cache index and the manifest see them."""
    name = pii.mask_strings([sheet.sheet])[0]
    headers = pii.mask_strings(sheet.headers)
    out = StagedSheet(
        name,
        sheet.status,
        sheet.table,
        headers,
        ambiguous=sheet.ambiguous,
        error=sheet.error,
        header_row=sheet.header_row,
        format=sheet.format,
    )
    if sheet.status != "loaded":
        return out
    table = sheet.table
    frame = sheet.frame
    out.rows = frame.height
    # the raw text is not carried through the typing joins: only rejected rows need it
    rows = frame.drop("_raw", *read.cell_columns(frame), *_DEFECTS, strict=False)
    rows = rows.with_columns(pl.lit(sheet.is_volunteer_file).alias("_vol"))
    prepared = _with_read_defects(prepare_local(table, rows), frame)
    spec = TABLE_SPECS[table]
    prepared = pii.hash_ids(prepared, [f"t_{c.key}" for c in spec.columns if c.kind == "id"], salt)
    texts = prepared.select(f"t_{c.key}" for c in spec.columns if c.kind == "text")
    prepared = prepared.with_columns(pii.mask_frame(texts).get_columns())
    keep = [c for c in prepared.columns if c.startswith("t_")]
    bucket = pl.col("t_activity_id").hash(seed=7) if table in BUCKETED else pl.lit(0, pl.UInt64)
    valid = prepared.filter(pl.col("_code").is_null()).select(*keep, "_row", bucket.alias("_bh"))
    id_column = {"units": "t_unit_id", "activities": "t_activity_id"}.get(table)
    rejected = prepared.filter(pl.col("_code").is_not_null())
    raw = raw_text(sheet, frame.filter(pl.col("_row").is_in(rejected["_row"].implode())))
    rejects = rejected.select(
        "_row",
        (pl.col(id_column) if id_column else pl.lit(None, pl.String)).alias("key_id"),
        pl.col("_code").alias("reason_code"),
        pii.mask_text(pl.col("_reason")).alias("reason"),
    ).join(raw, on="_row", how="left", maintain_order="left")
    for part, data in (("valid", valid), ("rejects", rejects)):
        path = stem.with_name(f"{stem.name}.{part}.parquet")
        # no column statistics: the parts are read whole or by a hash of the activity
        # code, which no row group's min/max can prune
        data.write_parquet(path, compression="lz4", statistics=False)
        setattr(out, part, str(path))
    return out


def raw_text(sheet: read.Sheet, rows: pl.DataFrame) -> pl.DataFrame:
    """(_row, raw) of ``rows`` of ``sheet``: the masked raw text a reject report shows,
    one per spreadsheet row (a mapped row's headcount lines share it)."""
    raw = read.with_raw(sheet, rows, pii.mask_frame).select("_row", pl.col("_raw").alias("raw"))
    if sheet.format:
        raw = raw.unique("_row", maintain_order=True)
    if not sheet.raw_masked:
        raw = raw.with_columns(pii.mask_frame(raw.select("raw")).get_columns())
    return raw


def file_stamp(path: Path) -> list[int]:
    """Size, inode and change times: a file whose stamp is unchanged is taken as
    unchanged (as the build's memo of file digests does)."""
    st = path.stat()
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def _read(path: Path, cache: Path, formats_db: Path | None) -> list[read.Sheet]:
    """The file's sheets as staging reads them: ``raw_rows`` must read a file again exactly
    as ``stage_file`` did, or its row numbers would name other rows."""
    return read.read_source(
        path, mask=pii.mask_frame, scratch=scratch_dir(cache), formats_db=formats_db, lazy_raw=True
    )


def raw_rows(
    path: Path, stamp: list[int], cache: Path, formats_db: Path | None, wanted: dict
) -> dict[int, pl.DataFrame]:
    """(_row, raw) of the ``wanted`` rows (a Series of ``_row`` per sheet index) of the
    file at ``path``, read again: the raw text of rows rejected after staging. Raises
    ``ChangedFile`` when the file is no longer as the build found it (``stamp``)."""
    try:
        if file_stamp(path) != stamp:
            raise ChangedFile(path)
        sheets = _read(path, cache, formats_db)
        if file_stamp(path) != stamp:  # changed while it was read
            raise ChangedFile(path)
    except OSError as exc:
        raise ChangedFile(path) from exc
    out = {}
    for index, rows in wanted.items():
        sheet = sheets[index]
        out[index] = raw_text(sheet, sheet.frame.filter(pl.col("_row").is_in(rows.implode())))
    return out


class ChangedFile(Exception):
    """A source file changed between staging and the build's reading it again."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


_DEFECTS = ("_defect", "_defect_reason")


def _with_read_defects(prepared: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """A row the file itself spoilt (``read``'s ``_defect``: an over-long cell, cells
    beyond the header, another encoding) is rejected for that, whatever its values."""
    if "_defect" not in frame.columns or frame.get_column("_defect").null_count() == frame.height:
        return prepared
    defects = frame.select("_row", *_DEFECTS).filter(pl.col("_defect").is_not_null())
    spoilt = pl.col("_defect").is_not_null()
    return (
        prepared.join(defects, on="_row", how="left", maintain_order="left")
        .with_columns(
            pl.when(spoilt).then(pl.col("_defect")).otherwise(pl.col("_code")).alias("_code"),
            pl.when(spoilt)
            .then(pl.col("_defect_reason"))
            .otherwise(pl.col("_reason"))
            .alias("_reason"),
        )
        .drop(_DEFECTS)
    )


def content_columns(table: str) -> list[str]:
    return [f"t_{c.key}" for c in TABLE_SPECS[table].columns]
