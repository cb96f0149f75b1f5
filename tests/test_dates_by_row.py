"""Sign-in times in the usual dashed form are read row by row; every other form, and
every bad value, is read and rejected exactly as before, in the same column."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.validate import prepare_local

AT = dt.datetime(2025, 3, 5, 14, 30)
# (cell, the time read from it or None when rejected, whether a time of day was given)
DASHED = [
    ("2025-03-05 14:30", AT, True),
    ("2025-03-05 14:30:59", dt.datetime(2025, 3, 5, 14, 30, 59), True),
    ("2025-03-05", dt.datetime(2025, 3, 5), False),
    ("2024-02-29 08:00", dt.datetime(2024, 2, 29, 8, 0), True),
    ("2025-02-29 08:00", None, None),
    ("2025-02-30", None, None),
    ("2025-03-05 24:00", None, None),
    ("2025-13-05 10:00", None, None),
]
OTHER = [
    ("2025/3/5 14:30", AT, True),
    ("2025年3月5日 14时30分", AT, True),
    ("２０２５-03-05 14:30", AT, True),  # full-width digits: NFKC first
    (" 2025-03-05 14:30", AT, True),  # white space around the value is trimmed
    ("2025-3-5 14:30", AT, True),
    ("明天下午", None, None),
]


def _read(cases):
    frame = pl.DataFrame(
        {
            "activity_id": ["HD1"] * len(cases),
            "person_id": [f"P{n}" for n in range(len(cases))],
            "checked_in_at": [cell for cell, _, _ in cases],
            "_row": list(range(2, len(cases) + 2)),
        }
    )
    return prepare_local("attendance", frame)


@pytest.mark.parametrize(
    "cases",
    [DASHED, OTHER, DASHED + OTHER, OTHER + DASHED],
    ids=["dashed", "other", "mixed", "other-first"],
)
def test_each_sign_in_time_is_read_or_rejected_by_its_own_cell(cases):
    out = _read(cases)
    assert out["t_checked_in_at"].to_list() == [ts for _, ts, _ in cases]
    for (cell, ts, timed), has_time, code, reason in zip(
        cases,
        out["t_checked_in_at_has_time"],
        out["_code"],
        out["_reason"],
        strict=True,
    ):
        if ts is None:
            assert code == "bad_date"
            assert f"“签到时间”的值“{cell.strip()}”不是可识别的日期" in reason
        else:
            assert code is None
            assert has_time is timed


def test_a_dashed_time_keeps_the_cell_text_as_written():
    out = _read(DASHED[:3])
    assert out["checked_in_at"].to_list() == [
        "2025-03-05 14:30",
        "2025-03-05 14:30:59",
        "2025-03-05",
    ]


def test_a_year_before_the_earliest_accepted_is_rejected_in_dashed_form_too():
    out = _read([("1000-01-01 09:00", None, None)])
    assert out["_code"].to_list() == ["date_too_early"]
    assert "早于" in out["_reason"][0]
