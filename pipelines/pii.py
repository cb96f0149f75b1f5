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


def _compact(expr: pl.Expr) -> pl.Expr:
    """A phone number as typed in any common way (138 0013 8000, 138-0013-8000,
    +86 13800138000) reduced to its 11 digits; an ID-card number as is."""
    return expr.str.replace_all(r"[\s\-]", "").str.replace(r"^\+?86(1\d{10})$", "$1")


def hash_ids(frame: pl.DataFrame, column: str, salt: str) -> pl.DataFrame:
    """``column`` with phone/ID-like values replaced by ``h:`` + salted SHA-256 (24 hex)."""
    if column not in frame.columns:
        return frame
    # ids repeat across rows (one person signs in many times): test each value once
    compact = pl.col("canonical")
    personal = (
        frame.select(pl.col(column).unique().alias("raw"))
        .with_columns(_compact(pl.col("raw")).alias("canonical"))
        .filter((compact.str.contains(PHONE) | compact.str.contains(ID_CARD)).fill_null(False))
    )
    if personal.height == 0:
        return frame
    # the same number however it was typed is the same person
    hashed = {
        raw: "h:" + hashlib.sha256((salt + canonical.upper()).encode()).hexdigest()[:24]
        for raw, canonical in personal.iter_rows()
    }
    return frame.with_columns(pl.col(column).replace(hashed))


_D = "[0-9０-９]"
_ND = "[^0-9０-９]"
_ID_IN_TEXT = rf"(^|{_ND})({_D}{{6}}){_D}{{8}}({_D}{{3}}[0-9０-９XxＸｘ])({_ND}|$)"
_PHONE_IN_TEXT = rf"(^|{_ND})([1１]{_D}{{2}})[ \-]?{_D}{{4}}[ \-]?({_D}{{4}})({_ND}|$)"


def mask_text(expr: pl.Expr) -> pl.Expr:
    """Phone numbers as 138****8000 and ID-card numbers as 410106********1234, anywhere
    in text, in half- or full-width digits, with or without separators in the phone.

    Each pattern runs twice: a match takes the character after it, so a number right
    behind another one and a single separator (``13800138000,13900139000``) is only
    found once the first is masked."""
    for pattern, masked in (
        (_ID_IN_TEXT, "${1}${2}********${3}${4}"),
        (_PHONE_IN_TEXT, "${1}${2}****${3}${4}"),
    ):
        expr = expr.str.replace_all(pattern, masked).str.replace_all(pattern, masked)
    return expr


def mask_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``mask_text`` applied to every (text) column.

    A column where neither pattern matches is left as it is (one scan, all columns
    at once); in the others each distinct value is masked once and only the values
    that change are replaced, as cells repeat."""
    if frame.width == 0:
        return frame
    found = frame.select(
        (pl.col(c).str.contains(_ID_IN_TEXT) | pl.col(c).str.contains(_PHONE_IN_TEXT)).any()
        for c in frame.columns
    )
    changes = []
    for column in (c for c, hit in zip(frame.columns, found.row(0), strict=True) if hit):
        values = (
            frame.select(pl.col(column).unique().drop_nulls().alias("text"))
            .with_columns(mask_text(pl.col("text")).alias("masked"))
            .filter(pl.col("text") != pl.col("masked"))
        )
        if values.height:
            changes.append(pl.col(column).replace(values["text"], values["masked"]))
    return frame.with_columns(changes) if changes else frame
