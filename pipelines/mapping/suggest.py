"""Suggest a mapping: the table a sheet holds and, per column, a field with a confidence.

Evidence, strongest first: the header equals a field's name or alias (template
headers, composition words such as 年份, 开展站点); one part of a merged header
does (``参与人数/成人/人数`` is a group headcount of 成人); the header contains an
alias or resembles one; and the column's values (years, months, ``6.30`` days,
dates, phone numbers, ★ ratings, order status words, categories) confirm or
contradict a field, or suggest one where the header says nothing.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.contract import ORDER_STATUSES, SCORE_WORDS, category_map, normalize_header
from pipelines.mapping import compose
from pipelines.mapping.fields import IGNORE, IGNORED_WORDS, fields_for, label
from pipelines.mapping.grid import Grid, column_letter
from pipelines.mapping.header import Header, detect_header, text_above
from pipelines.settings import TABLES

SAMPLE_ROWS = 200
MIN_CONFIDENCE = 0.3  # below this a column is left unmapped (ignored)
MULTI = ("headcount_by_group", "hours_by_group", IGNORE)  # fields more than one column may take
_HEADCOUNT_WORDS = {"人数", "人次", "参与人数", "参加人数"}
_HOURS_WORDS = {"小时", "时长", "服务时长", "小时数"}
_TOTAL_WORDS = {"合计", "总计", "小计", "总数", "人数", "人次"}
# what stands in for a required contract column when the ledger has no such column
_STANDS_IN = {
    "start_at": ("start_day", "start_year", "start_month"),
    "unit_id": ("unit_name",),
    "activity_id": ("activity_title",),
    "person_id": ("phone", "person_name"),
}
# a required column a ledger of its own may leave out: derived or given as a constant
_DERIVABLE = {("activities", "activity_id"), ("activities", "category")}


@dataclass
class ColumnSuggestion:
    index: int
    header: str
    field: str
    confidence: float
    samples: list[str]
    alternatives: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Suggestion:
    """What ``wenming map --suggest`` reports for one sheet."""

    sheet: str | None
    header: Header
    table: str
    table_confidence: float
    columns: list[ColumnSuggestion]
    context: dict[str, str]  # read from the title, 填报单位 line, sheet and file name
    data_rows: int
    constants: dict[str, str] = field(default_factory=dict)  # given by a person, saved

    def as_json(self, file_name: str) -> dict:
        return {
            "file": file_name,
            "sheet": self.sheet,
            "header_rows": list(self.header.rows),
            "signature": self.header.signature,
            "table": self.table,
            "table_confidence": round(self.table_confidence, 2),
            "data_rows": self.data_rows,
            "columns": [
                {
                    "index": c.index,
                    "letter": column_letter(c.index),
                    "header": c.header,
                    "field": c.field,
                    "label": label(self.table, c.field),
                    "confidence": round(c.confidence, 2),
                    "alternatives": [
                        {"field": f, "confidence": round(x, 2)} for f, x in c.alternatives
                    ],
                    "samples": c.samples,
                }
                for c in self.columns
            ],
            "context": self.context,
            "constants": self.constants,
        }


# ---------------------------------------------------------------- values


def value_kind(text: str) -> str:
    """What one cell's text looks like (see ``fields.Field.values``)."""
    t = text.replace(" ", "")
    if re.fullmatch(r"1\d{10}", t):
        return "phone"
    if re.fullmatch(r"20\d{2}(年)?", t):
        return "year"
    if re.fullmatch(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?([ T].*)?|\d{8}", t):
        return "date"
    if compose.parse_day(t) is not None and not re.fullmatch(r"\d+", t):
        return "day"
    if re.fullmatch(r"(1[0-2]|[1-9])月", t):
        return "month"
    if compose.parse_time(t) is not None:
        return "time"
    if re.fullmatch(r"[★☆]{1,5}", t) or t in SCORE_WORDS:
        return "stars"
    if t in ORDER_STATUSES:
        return "status"
    if t in category_map():
        return "category"
    if re.fullmatch(r"\d+", t):
        n = int(t)
        return "month_or_day" if 1 <= n <= 12 else "day_or_int" if n <= 31 else "int"
    if re.fullmatch(r"\d+\.\d+", t):
        return "decimal"
    if re.fullmatch(r"[A-Za-z]{1,6}[-_]?\d{2,}", t):
        return "code"
    return "text"


_FITS = {  # field value kind -> cell kinds that fit it
    "year": {"year"},
    "month": {"month", "month_or_day"},
    "day": {"day", "month_or_day", "day_or_int", "date"},
    "date": {"date"},
    "time": {"time"},
    "int": {"month_or_day", "day_or_int", "int", "year"},
    "decimal": {"month_or_day", "day_or_int", "int", "decimal", "year"},
    "phone": {"phone"},
    "stars": {"stars", "month_or_day"},
    "code": {"code", "int", "phone", "year", "month_or_day", "day_or_int"},
}
_VALUE_ONLY = {  # a column whose values alone say what it is: (field, confidence)
    "stars": ("score", 0.6),
    "phone": ("phone", 0.6),
    "status": ("status", 0.6),
    "category": ("category", 0.6),
    "date": ("start_at", 0.5),
    "day": ("start_day", 0.5),
    "time": ("start_time", 0.5),
}


def _kinds(values: list[str]) -> Counter:
    return Counter(value_kind(v) for v in values if v)


def _fit(kinds: Counter, wanted: str) -> float | None:
    """Share of values that fit the field's kind (None when the field takes any text)."""
    total = sum(kinds.values())
    if not total or wanted == "text":
        return None
    return sum(n for k, n in kinds.items() if k in _FITS.get(wanted, {wanted})) / total


# ---------------------------------------------------------------- headers


def _header_score(alias: str, name: str, parts: list[str]) -> float:
    if name == alias:
        return 0.95
    if alias in parts:
        return 0.85
    if len(alias) >= 2 and alias in name:
        return 0.55 + 0.25 * len(alias) / len(name)
    ratio = difflib.SequenceMatcher(None, alias, name).ratio()
    return 0.6 * ratio if ratio >= 0.6 else 0.0


def candidates(table: str, header: str, values: list[str]) -> list[tuple[str, float]]:
    """(field, confidence) for one column, best first."""
    parts = [normalize_header(p) for p in header.split("/") if p]
    name = normalize_header(header)
    kinds = _kinds(values)
    scores: dict[str, float] = {}
    for f in fields_for(table):
        best = max((_header_score(normalize_header(a), name, parts) for a in f.aliases), default=0)
        if best <= 0:
            continue
        fit = _fit(kinds, f.values)
        if fit is not None:
            best = min(1.0, best + 0.05) if fit >= 0.8 else best * (0.5 + 0.5 * fit)
        scores[f.key] = max(scores.get(f.key, 0), best)
    group = _group(parts)
    if group is not None and table == "activities":
        kind, who = group
        scores.pop("headcount_by_group", None)
        scores.pop("hours_by_group", None)
        scores[f"{kind}:{who}"] = 0.93  # the group's reading beats its parts' (参与人数)
    if name and any(name == normalize_header(w) for w in IGNORED_WORDS):
        scores[IGNORE] = 0.9
    if not scores and kinds:
        top, n = kinds.most_common(1)[0]
        if top in _VALUE_ONLY and n / sum(kinds.values()) >= 0.8:
            key, confidence = _VALUE_ONLY[top]
            if key in {f.key for f in fields_for(table)}:
                scores[key] = confidence
    return sorted(scores.items(), key=lambda kv: -kv[1])


def _group(parts: list[str]) -> tuple[str, str] | None:
    """A wide headcount column: (headcount_by_group | hours_by_group, group) from a
    merged header such as 参与人数/成人/人数."""
    if len(parts) < 2:
        return None
    last, group = parts[-1], parts[-2]
    if len(parts) == 2 and group in _HEADCOUNT_WORDS and last not in _TOTAL_WORDS:
        return "headcount_by_group", last  # 参加人数/老年人
    if group in _HEADCOUNT_WORDS | _HOURS_WORDS:
        return None
    if last in _HEADCOUNT_WORDS:
        return "headcount_by_group", group
    if last in _HOURS_WORDS:
        return "hours_by_group", group
    return None


# ---------------------------------------------------------------- sheets


def _assign(table: str, columns: list[tuple[int, str, list[str]]]) -> list[ColumnSuggestion]:
    """Each column its best field, each field to one column (the most confident)."""
    ranked = {i: candidates(table, h, v) for i, h, v in columns}
    pairs = sorted(
        ((x, i, f) for i, cands in ranked.items() for f, x in cands), key=lambda p: (-p[0], p[1])
    )
    chosen: dict[int, tuple[str, float]] = {}
    taken: set[str] = set()
    for x, i, f in pairs:
        if i in chosen or x < MIN_CONFIDENCE:
            continue
        if f in taken and f.split(":")[0] not in MULTI:
            continue
        chosen[i] = (f, x)
        taken.add(f)
    out = []
    for i, h, v in columns:
        f, x = chosen.get(i, (IGNORE, 0.5 if h else 0.9))
        alternatives = [(g, y) for g, y in ranked[i] if g != f][:3]
        out.append(ColumnSuggestion(i, h, f, x, [s for s in v if s][:3], alternatives))
    return out


def _table_score(table: str, columns: list[ColumnSuggestion], constants: dict) -> float:
    """How well the columns fill the table's required fields (0-1), plus their confidence."""
    from pipelines.contract import TABLE_SPECS

    mapped = {c.field.split(":")[0] for c in columns if c.field != IGNORE} | set(constants)
    required = [k for k in TABLE_SPECS[table].required if (table, k) not in _DERIVABLE]
    filled = sum(k in mapped or any(s in mapped for s in _STANDS_IN.get(k, ())) for k in required)
    coverage = filled / len(required) if required else 0.0
    confidence = sum(c.confidence for c in columns if c.field != IGNORE) / max(1, len(columns))
    return coverage + 0.5 * confidence


def suggest(
    grid: Grid, header: Header | None = None, table: str | None = None
) -> Suggestion | None:
    """The suggested mapping of ``grid`` (header detected unless given; table chosen
    unless given); None for a sheet without a header."""
    from pipelines.mapping.fields import known_header_words

    header = header or detect_header(grid, known_header_words())
    if header is None:
        return None
    from pipelines.mapping.apply import data_frame  # apply reads through this module

    body = data_frame(grid, header)
    sample = body.head(SAMPLE_ROWS).drop("_row").fill_null("").rows()
    columns = [
        (j, name, [cells[j] for cells in sample])
        for j, name in enumerate(header.names)
        if name or any(cells[j] for cells in sample)
    ]
    constants = compose.constants_from_context(text_above(grid, header), grid.file_name, grid.sheet)
    tables = [table] if table else list(TABLES)
    scored = []
    for t in tables:
        assigned = _assign(t, columns)
        scored.append((_table_score(t, assigned, constants), t, assigned))
    score, best, assigned = max(scored, key=lambda s: s[0])
    used = {c.field.split(":")[0] for c in assigned}
    context = {k: v for k, v in constants.items() if k not in used or k == "unit_name"}
    return Suggestion(
        grid.sheet, header, best, min(1.0, score / 1.5), assigned, context, body.height
    )
