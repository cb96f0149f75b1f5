"""Each page's render time through AppTest: cold (first run, caches empty) and warm.

Prints one JSON line: {page: {"cold_seconds", "warm_p50_seconds", "warm_p95_seconds"}}.
Run with WENMING_DB pointing at a built warehouse; BENCH_RUNS sets the warm runs (20).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
VIEWS = sorted(p.name for p in (Path(APP).parent / "views").glob("[0-9]*.py"))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    out = {}
    for view in VIEWS:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()  # the app's first run; then every cache is emptied, as after a rebuild
        st.cache_data.clear()
        st.cache_resource.clear()
        at.switch_page(f"views/{view}")
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        warm = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        out[view] = {
            "cold_seconds": round(cold, 3),
            "warm_p50_seconds": round(statistics.median(warm), 3),
            "warm_p95_seconds": round(_p95(warm), 3),
            "exception": bool(at.exception),
            "title": at.title[0].value if at.title else None,
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
