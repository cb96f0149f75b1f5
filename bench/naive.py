"""The baseline a typical team would write: pandas read, then a Python loop per row."""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd

from pipelines.contract import CATEGORIES

FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


def parse_date(text: str):
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def main(paths: list[str]) -> None:
    good, bad = [], 0
    for path in paths:
        frame = pd.read_csv(
            path,
            dtype=str,
            header=None,
            keep_default_na=False,
            on_bad_lines="skip",
            engine="python" if path.endswith("_x") else "c",
        )
        seen = set()
        for _, row in frame.iterrows():
            values = [str(v).strip() for v in row.tolist()]
            key = values[0]
            ok = bool(key) and key not in seen
            for v in values[1:]:
                if v[:4].isdigit() and ("-" in v or "/" in v or "年" in v):
                    ok = ok and parse_date(v) is not None
                elif v in CATEGORIES:
                    ok = ok and True
            seen.add(key)
            if ok:
                good.append(values)
            else:
                bad += 1
    print(len(good), bad)


if __name__ == "__main__":
    main(sys.argv[1:])
