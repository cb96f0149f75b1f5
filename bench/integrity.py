"""The integrity audit's time (issue 16: the province's audit in ≤ 10 s): the whole
warehouse and one unit per level, in process on a fresh ``Warehouse`` each run (no memo),
and ``wenming audit --json`` with interpreter start-up. Reported, never asserted.

``python -m bench.integrity WAREHOUSE [FROM TO]`` measures one warehouse by itself.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from dashboard.metrics import Scope, integrity
from dashboard.warehouse import Warehouse

PERIOD = ("2025-01-01", "2025-12-31")
RUNS = 3


def _scopes(db: Path) -> dict[str, str | None]:
    wh = Warehouse(db)
    picks: dict[str, str | None] = {"全部": None}
    for level in ("省", "市", "中心", "所"):
        units = sorted(u for u, row in wh.units().items() if row["level"] == level)
        if units:
            picks[level] = units[0]
    return picks


def run(db: Path, period: tuple[str, str] = PERIOD) -> dict:
    """Seconds of the audit per scope: in process (median of RUNS, each on a new
    ``Warehouse``), the flags found, and the CLI's wall time for the whole warehouse."""
    date_from, date_to = (date.fromisoformat(day) for day in period)
    out: dict = {}
    for label, unit in _scopes(db).items():
        scope = Scope(date_from, date_to, unit)
        times, flags = [], 0
        for _ in range(RUNS):
            wh = Warehouse(db)
            wh.units()  # the connection and unit list, as a page has them already
            start = time.perf_counter()
            result = integrity.audit(wh, scope)
            times.append(time.perf_counter() - start)
            flags = sum(check["flags"] for check in result["checks"])
        out[label] = {
            "unit_id": unit,
            "in_process_median_seconds": round(statistics.median(times), 3),
            "flags": flags,
        }
    start = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("wenming")), "audit", "--db", str(db),
         "--from", period[0], "--to", period[1], "--json"],
        capture_output=True,
    )  # fmt: skip
    out["cli_seconds"] = round(time.perf_counter() - start, 3)
    out["cli_rc"] = proc.returncode
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(run(Path(args[0]), tuple(args[1:3]) or PERIOD), ensure_ascii=False, indent=2))
