"""Duplicates and conflicts among valid rows, as the contract defines them.

Rows are identified by their key (or, for keyless rows, by all their fields and
their occurrence within the file). Same key and content: the first is kept, the
rest are duplicates. Same key, other content: the first is kept unless a person
decided for another version; the others are conflicts (rejected).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import polars as pl

from pipelines.contract import TABLE_SPECS
from pipelines.reasons import REASONS

# keyed by person/rater only when that id is present; otherwise keyless
OPTIONAL_KEYS = {"attendance": ("activity_id", "person_id"), "ratings": ("activity_id", "rater_id")}


def content_columns(table: str) -> list[str]:
    return [f"t_{c.key}" for c in TABLE_SPECS[table].columns]


def _hashed(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    content = pl.struct(content_columns(table))
    return frame.with_columns(
        content.hash(seed=11).alias("_h1"), content.hash(seed=29).alias("_h2")
    )


def with_keys(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Adds ``_key`` (the row's identity); keyless rows also get ``_h1``/``_h2``
    (content hashes), which their key is made of. Keyed rows are hashed later, and
    only where their key repeats (see ``resolve``). Rows stay in ``_order``."""
    spec = TABLE_SPECS[table]
    if table not in OPTIONAL_KEYS:
        key = pl.concat_str([pl.col(f"t_{k}").cast(pl.String) for k in spec.key], separator="|")
        return frame.with_columns(key.alias("_key"))
    if not frame.get_column("_order").is_sorted():
        frame = frame.sort("_order")
    parts = [pl.col(f"t_{k}") for k in OPTIONAL_KEYS[table]]
    # the keyless rows (few: headcount lines, anonymous ratings) are keyed on their own
    # and joined back by ``_order``: no split, concatenation and sort of the whole table
    keyless = _hashed(
        table,
        frame.filter(parts[1].is_null()).select("_order", "_file_idx", *content_columns(table)),
    )
    occurrence = pl.int_range(pl.len()).over(["_file_idx", "_h1", "_h2"])
    keyless = keyless.select(
        "_order",
        "_h1",
        "_h2",
        pl.concat_str(
            [pl.lit("~"), pl.col("_h1"), pl.lit(":"), pl.col("_h2"), pl.lit("#"), occurrence]
        ).alias("_keyless"),
    )
    keyed = pl.when(parts[1].is_not_null()).then(pl.concat_str(parts, separator="|"))
    return (
        frame.with_columns(keyed.alias("_key"))
        .join(keyless, on="_order", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_key", "_keyless").alias("_key"))
        .drop("_keyless")
    )


def stable_hash(record: dict) -> str:
    """A content hash that survives re-sends and library upgrades (decisions are keyed by it)."""

    def plain(v):
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    text = json.dumps(
        {k: plain(v) for k, v in sorted(record.items())}, ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def resolve(
    table: str, frame: pl.DataFrame, decisions: dict[tuple[str, str], list[str]]
) -> pl.DataFrame:
    """Every valid row with ``_status`` loaded | duplicate | rejected (conflict/superseded).

    ``frame`` holds valid rows sorted in the contract's order, with ``_key``.
    ``decisions`` maps (table, key) to content hashes a person adopted, newest last.
    """
    # most keys occur once: those rows are loaded as they are, unhashed. A repeat is
    # found by the key's 64-bit hash: a collision only sends a unique key through the
    # exact path below, which loads it all the same
    repeats = pl.col("_key").hash(seed=3).is_duplicated()
    multi = frame.filter(repeats)
    nulls = [pl.lit(None, pl.String).alias("_code"), pl.lit(None, pl.String).alias("_reason")]
    if multi.height == 0:
        return frame.with_columns(pl.lit("loaded").alias("_status"), *nulls)
    if "_h1" in multi.columns:
        multi = pl.concat(
            [
                multi.filter(pl.col("_h1").is_not_null()),
                _hashed(table, multi.filter(pl.col("_h1").is_null()).drop("_h1", "_h2")),
            ],
            how="diagonal_relaxed",
        ).sort("_order")
    else:
        multi = _hashed(table, multi)
    resolved = _resolve_repeats(table, multi, decisions)
    # the decided rows joined back in place: every other row is loaded as it is
    decided = resolved.select(
        "_order", "_status", "_code", "_reason", *[c for c in _DECIDED if c in resolved.columns]
    )
    return (
        frame.drop("_code", "_reason", strict=False)
        .join(decided, on="_order", how="left", maintain_order="left")
        .with_columns(pl.col("_status").fill_null("loaded"))
    )


# what ``resolve`` adds to a repeated row beyond its status and reason: the content
# hash a decision names and where the kept row came from (for a conflict's reject)
_DECIDED = ("_stable", "_kept_file", "_kept_sheet", "_kept_row")


def _resolve_repeats(
    table: str, frame: pl.DataFrame, decisions: dict[tuple[str, str], list[str]]
) -> pl.DataFrame:
    cols = content_columns(table)
    frame = frame.with_columns(
        (pl.struct("_h1", "_h2").n_unique().over("_key") > 1).alias("_contested"),
        pl.col("_order").rank("ordinal").over("_key").alias("_nth"),
    )
    contested = frame.filter(pl.col("_contested"))
    stable = pl.Series(
        "_stable", [stable_hash(r) for r in contested.select(cols).to_dicts()], dtype=pl.String
    )
    contested = contested.select("_order", "_key").with_columns(stable)
    frame = frame.join(
        contested.select("_order", "_stable"), on="_order", how="left", maintain_order="left"
    )

    chosen = []
    for key, hashes in contested.group_by("_key").agg(pl.col("_stable")).iter_rows():
        adopted = [h for h in decisions.get((table, key), []) if h in hashes]
        if adopted:
            chosen.append((key, adopted[-1]))
    chosen_frame = pl.DataFrame(
        chosen, schema={"_key": pl.String, "_chosen": pl.String}, orient="row"
    )
    frame = frame.join(chosen_frame, on="_key", how="left", maintain_order="left")

    first_h1 = pl.col("_h1").sort_by("_order").first().over("_key")
    first_h2 = pl.col("_h2").sort_by("_order").first().over("_key")
    chosen_match = (pl.col("_stable") == pl.col("_chosen")).fill_null(False)
    chosen_h1 = pl.col("_h1").filter(chosen_match).first().over("_key")
    chosen_h2 = pl.col("_h2").filter(chosen_match).first().over("_key")
    frame = frame.with_columns(
        pl.when(pl.col("_chosen").is_not_null()).then(chosen_h1).otherwise(first_h1).alias("_kh1"),
        pl.when(pl.col("_chosen").is_not_null()).then(chosen_h2).otherwise(first_h2).alias("_kh2"),
    )
    same = (pl.col("_h1") == pl.col("_kh1")) & (pl.col("_h2") == pl.col("_kh2"))
    frame = frame.with_columns(same.alias("_same"))
    kept_order = pl.col("_order").filter(pl.col("_same")).min().over("_key")
    frame = frame.with_columns(
        pl.when(pl.col("_order") == kept_order)
        .then(pl.lit("loaded"))
        .when(pl.col("_same"))
        .then(pl.lit("duplicate"))
        .otherwise(pl.lit("rejected"))
        .alias("_status"),
        kept_order.alias("_kept_order"),
    )
    kept = frame.filter(pl.col("_status") == "loaded").select(
        pl.col("_order").alias("_kept_order"),
        pl.col("_file").alias("_kept_file"),
        pl.col("_sheet").alias("_kept_sheet"),
        pl.col("_row").alias("_kept_row"),
    )
    frame = frame.join(kept, on="_kept_order", how="left", maintain_order="left")
    return _conflict_reasons(table, frame)


def _conflict_reasons(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Reason text for conflicts: where the kept row came from and which fields differ."""
    rejected = frame.filter(pl.col("_status") == "rejected")
    if rejected.height == 0:
        return frame.with_columns(
            pl.lit(None, pl.String).alias("_code"), pl.lit(None, pl.String).alias("_reason")
        )
    spec = TABLE_SPECS[table]
    cols = content_columns(table)
    kept = frame.filter(pl.col("_status") == "loaded").select(["_order", *cols])
    kept_by_order = {
        r["_order"]: r
        for r in kept.filter(pl.col("_order").is_in(rejected["_kept_order"].implode())).to_dicts()
    }
    codes, reasons = [], []
    # where a person adopted a version, the first other version (and its copies) is the
    # one they replaced: superseded, whatever the order the files come in; later others
    # are new conflicts
    replaced: dict[str, tuple[int, int]] = {}
    rejected = rejected.sort("_order")
    for r in rejected.select(
        [
            "_order",
            "_key",
            "_h1",
            "_h2",
            "_kept_order",
            "_chosen",
            "_kept_file",
            "_kept_sheet",
            "_kept_row",
            *cols,
        ]
    ).to_dicts():
        k = kept_by_order[r["_kept_order"]]
        sheet = f"“{r['_kept_sheet']}”表" if r["_kept_sheet"] else ""
        version = (r["_h1"], r["_h2"])
        if r["_chosen"] is not None and replaced.setdefault(r["_key"], version) == version:
            codes.append("superseded")
            reasons.append(REASONS["superseded"].format(r["_kept_file"], sheet, r["_kept_row"]))
            continue
        diffs = []
        for col in spec.columns:
            a, b = k[f"t_{col.key}"], r[f"t_{col.key}"]
            if a != b:
                diffs.append(f"{col.zh} 保留“{_show(a)}”、本行“{_show(b)}”")
        codes.append("conflict")
        reasons.append(
            REASONS["conflict"].format(r["_kept_file"], sheet, r["_kept_row"], "；".join(diffs))
        )
    fixed = pl.DataFrame(
        {"_order": rejected["_order"], "_code": codes, "_reason": reasons},
        schema={"_order": rejected.schema["_order"], "_code": pl.String, "_reason": pl.String},
    )
    # valid rows arrive with validation's (null) _code/_reason: replace them, not suffix them
    return frame.drop("_code", "_reason", strict=False).join(
        fixed, on="_order", how="left", maintain_order="left"
    )


def _show(v) -> str:
    if v is None:
        return "（空）"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M") if v.time() != dt.time() else v.date().isoformat()
    if isinstance(v, list):
        return "；".join(map(str, v))
    return str(v)
