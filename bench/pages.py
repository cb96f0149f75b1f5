"""Each page's render time through AppTest: cold (first run, caches empty) and warm.

Prints one JSON line: {page: {"cold_seconds", "warm_p50_seconds", "warm_p95_seconds"}}.
Run with WENMING_DB pointing at a built warehouse; BENCH_RUNS sets the warm runs (20).
The account store and the ledger folder go to a temporary folder: nothing is written
beside the warehouse. A part computed beside the page (``cache.load_later``: the
integrity marks) is waited for after the cold run, before the warm runs, and its wait
is ``beside_seconds``; the first warm run after it (``after_beside_seconds``) draws what
that part held, e.g. 数据可信度's tables.

The machine may be shared: ``cold_cpu_seconds`` and ``warm_cpu_p50_seconds`` give the CPU
time the process spent on the page (every thread, DuckDB's too), less the worker that
computes beside the page, whose time is not the page's.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import cache

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
VIEWS = sorted(p.name for p in (Path(APP).parent / "views").glob("[0-9]*.py"))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _beside_cpu() -> float:
    """CPU seconds of the worker that computes beside the pages (cache.load_later)."""
    for thread in threading.enumerate():
        if thread.name == cache.LATER_THREAD and thread.ident is not None:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return 0.0


def _page_cpu() -> float:
    return time.process_time() - _beside_cpu()


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    scratch = tempfile.mkdtemp(prefix="wenming-bench-")
    os.environ.setdefault("WENMING_ACCOUNTS", os.path.join(scratch, "accounts.sqlite"))
    os.environ.setdefault("WENMING_LEDGERS", os.path.join(scratch, "ledgers"))
    wanted = [v for v in os.environ.get("BENCH_VIEWS", "").split(",") if v]  # e.g. 14_,15_
    out = {}
    for view in [v for v in VIEWS if not wanted or v.startswith(tuple(wanted))]:
        at = AppTest.from_file(APP, default_timeout=900)
        at.run()  # the app's first run; then every cache is emptied, as after a rebuild
        st.cache_data.clear()
        st.cache_resource.clear()
        at.switch_page(f"views/{view}")
        start, cpu = time.perf_counter(), _page_cpu()
        at.run()
        cold, cold_cpu = time.perf_counter() - start, _page_cpu() - cpu
        start = time.perf_counter()
        cache.settle()
        beside = time.perf_counter() - start
        warm, warm_cpu = [], []
        for _ in range(runs):
            start, cpu = time.perf_counter(), _page_cpu()
            at.run()
            warm.append(time.perf_counter() - start)
            warm_cpu.append(_page_cpu() - cpu)
        out[view] = {
            "cold_seconds": round(cold, 3),
            "warm_p50_seconds": round(statistics.median(warm), 3),
            "warm_p95_seconds": round(_p95(warm), 3),
            "beside_seconds": round(beside, 3),
            # the first warm run: it draws what the worker beside the page has just held
            # (数据可信度's tables, the marks)
            "after_beside_seconds": round(warm[0], 3),
            "after_beside_cpu_seconds": round(warm_cpu[0], 3),
            "cold_cpu_seconds": round(cold_cpu, 3),
            "warm_cpu_p50_seconds": round(statistics.median(warm_cpu), 3),
            "exception": bool(at.exception),
            "title": at.title[0].value if at.title else None,
        }
        print(view, json.dumps(out[view], ensure_ascii=False), file=sys.stderr, flush=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
