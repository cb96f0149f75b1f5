"""Personal data: phone and ID-card numbers never reach the warehouse raw.

One normaliser, then one detector, however a number was typed:

- **Identifiers** (every ``id`` column: person and rater ids, and any code a clerk typed a
  number into) are reduced to a canonical form (``canonical``: invisible characters
  dropped, NFKC, ``tel:``/``电话`` and the like removed, separators ``space - . ( ) /``
  removed, ``+86``/``0086``/``86`` before a mobile number removed) and, when that is a
  mainland mobile number (11 digits starting with 1) or an ID-card number (17 digits +
  digit/X), replaced by a salted hash of it: the same number however written is the same
  person.
- **Text that is kept** (free-text columns, raw rows kept for rejects, reasons, headers,
  sheet names) has phone- and ID-like runs masked in place (``mask_text``: 138****8000,
  410106********1234), in half- or full-width digits, with up to two separators or
  invisible characters between any two digits and an optional +86/0086 before a phone.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import polars as pl

from pipelines.contract import INVISIBLE

PHONE = r"^1\d{10}$"
ID_CARD = r"^\d{17}[\dX]$"
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


# ---------------------------------------------------------------- identifiers

_LABEL = (
    r"^(?:TEL|PHONE|MOBILE|电话|手机|手机号|手机号码|联系电话|身份证|身份证号|身份证号码)[:：]?"
)
_ID_SEPARATORS = r"[\s\-.()/_]"
_ELEVEN_DIGITS = "(?:[0-9０-９][^0-9０-９]*){11}"


def canonical(expr: pl.Expr) -> pl.Expr:
    """An identifier as compared for personal numbers: 138 0013 8000, (138)0013-8000,
    138.0013.8000, tel:13800138000, +86 138…, 0086138…, 138 + U+200B + 00138000 all
    become 13800138000; an ID-card number in groups its 18 characters, X upper-case."""
    e = expr.str.replace_all(INVISIBLE, "").str.normalize("NFKC").str.to_uppercase()
    e = e.str.replace(_LABEL, "").str.replace_all(_ID_SEPARATORS, "")
    return e.str.replace(r"^(?:\+|00)?86(1\d{10})$", "$1")


def is_personal(canonical_expr: pl.Expr) -> pl.Expr:
    """Whether a canonical identifier is a mobile or ID-card number."""
    return (canonical_expr.str.contains(PHONE) | canonical_expr.str.contains(ID_CARD)).fill_null(
        False
    )


def hash_ids(frame: pl.DataFrame, columns: str | list[str], salt: str) -> pl.DataFrame:
    """``columns`` with personal values replaced by ``h:`` + salted SHA-256 (24 hex): a
    value that is a phone/ID number (hashed in its canonical form, so every spelling of
    one number is one id), or that holds one in other text (``P-13800138000``, hashed as
    it is: masking would make two numbers one id)."""
    names = [columns] if isinstance(columns, str) else columns
    changes = []
    for column in (c for c in names if c in frame.columns):
        # ids repeat across rows (one person signs in many times): test each value once
        raw = pl.col("raw")
        personal = (
            frame.select(pl.col(column).unique().drop_nulls().alias("raw"))
            # a value with fewer than 11 digits holds no number (one cheap scan, as the
            # normaliser and the masks cost ~50x more per value)
            .filter(raw.str.contains(_ELEVEN_DIGITS))
            .with_columns(canonical(raw).alias("canonical"))
            .with_columns(is_personal(pl.col("canonical")).alias("is_number"))
            .filter(pl.col("is_number") | (mask_text(raw) != raw))
        )
        if personal.height == 0:
            continue
        hashed = {
            value: "h:"
            + hashlib.sha256((salt + (number if whole else value)).encode()).hexdigest()[:24]
            for value, number, whole in personal.iter_rows()
        }
        changes.append(pl.col(column).replace(hashed))
    return frame.with_columns(changes) if changes else frame


# ---------------------------------------------------------------- text

_D = "[0-9０-９]"
_ND = "[^0-9０-９]"
# what may stand between two digits of one number: up to two separators or invisible
# characters (one union class: Polars' regex reads nested classes)
_GAP = rf"[\s\-.()（）·/{INVISIBLE[1:-1]}]{{0,2}}"


def _digits(n: int, last: str = _D) -> str:
    """``n`` captured digits (the last one matching ``last``) with gaps between them."""
    return _GAP.join([f"({_D})"] * (n - 1) + [f"({last})"])


# groups: 1 what stands before, 2..19 the 18 characters, 20 what stands after
_ID_IN_TEXT = rf"(^|{_ND}){_digits(18, '[0-9０-９XxＸｘ]')}({_ND}|$)"
_ID_MASKED = "${1}${2}${3}${4}${5}${6}${7}********${16}${17}${18}${19}${20}"
# groups: 1 what stands before, 2 a +86/0086 prefix, 3..13 the 11 digits, 14 what stands after
_PHONE_IN_TEXT = rf"(^|{_ND})((?:\+|00|＋)?(?:86|８６){_GAP})?([1１]){_GAP}{_digits(10)}({_ND}|$)"
_PHONE_MASKED = "${1}${2}${3}${4}${5}****${10}${11}${12}${13}${14}"


def mask_text(expr: pl.Expr) -> pl.Expr:
    """Phone numbers as 138****8000 and ID-card numbers as 410106********1234, anywhere
    in text, however typed (see the module docstring); the separators of a masked
    number are dropped.

    Each pattern runs twice: a match takes the character after it, so a number right
    behind another one and a single separator (``13800138000,13900139000``) is only
    found once the first is masked."""
    for pattern, masked in ((_ID_IN_TEXT, _ID_MASKED), (_PHONE_IN_TEXT, _PHONE_MASKED)):
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


def mask_strings(values: list[str | None]) -> list[str | None]:
    """``mask_text`` of a few strings (headers, sheet names)."""
    if not values:
        return values
    series = pl.Series("text", values, dtype=pl.String)
    return series.to_frame().select(mask_text(pl.col("text"))).to_series().to_list()
