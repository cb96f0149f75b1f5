"""Personal data: phone and ID-card numbers never reach the warehouse raw.

Person and rater ids that look like a mainland mobile number (11 digits starting
with 1) or an ID-card number (17 digits + digit/X) are replaced by a salted
hash; raw rows kept for rejects have such values masked.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import polars as pl

PHONE = r"^1\d{10}$"
ID_CARD = r"^\d{17}[\dXx]$"
SALT_ENV = "WENMING_SALT"


def load_salt(path: Path, configured: str | None = None) -> str:
    """The salt: configuration, else ``WENMING_SALT``, else a file beside the warehouse (made once)."""
    if configured:
        return configured
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    salt = secrets.token_hex(16)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(salt, encoding="utf-8")
    os.replace(tmp, path)
    return salt


def looks_personal(expr: pl.Expr) -> pl.Expr:
    return expr.str.contains(PHONE) | expr.str.contains(ID_CARD)


def hash_ids(frame: pl.DataFrame, column: str, salt: str) -> pl.DataFrame:
    """``column`` with phone/ID-like values replaced by ``h:`` + salted SHA-256 (24 hex)."""
    if column not in frame.columns:
        return frame
    personal = (
        frame.filter(looks_personal(pl.col(column)).fill_null(False)).get_column(column).unique()
    )
    if personal.len() == 0:
        return frame
    hashed = {
        v: "h:" + hashlib.sha256((salt + v.upper()).encode()).hexdigest()[:24]
        for v in personal.to_list()
    }
    return frame.with_columns(pl.col(column).replace(hashed))


def mask_text(expr: pl.Expr) -> pl.Expr:
    """Phone numbers as 138****8000 and ID-card numbers as 410106********1234, anywhere in text."""
    return expr.str.replace_all(
        r"(^|[^0-9])(\d{6})\d{8}(\d{3}[\dXx])([^0-9]|$)", "${1}${2}********${3}${4}"
    ).str.replace_all(r"(^|[^0-9])(1\d{2})\d{4}(\d{4})([^0-9]|$)", "${1}${2}****${3}${4}")
