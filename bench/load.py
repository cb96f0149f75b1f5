"""Sessions moving between pages at once (issue 17: 20 sessions on the province warehouse,
p95 of the page script's time ≤ 1 s, no error).

``python -m bench.load DB [--sessions 20] [--rounds 1] [--think 0.5]`` starts ``streamlit
run`` on the warehouse and drives N websocket clients, each one Streamlit session speaking
the browser's own protocol: a ``BackMsg.rerun_script`` asks for a page (its
``page_script_hash``, as the sidebar's link sends it), and the page's time is from that
message to the server's ``script_finished``. Every session first opens the app (总览),
then visits every page in an order of its own (seeded), ``--rounds`` times, waiting a
random 0–2 × ``--think`` seconds between pages, as a reader does. One session visits
every page once before the clock starts (``warmup``), as after a rebuild someone has.

Why websocket clients, not AppTest runs in threads: ``AppTest._run`` swaps a mock
``Runtime`` into the class attribute ``Runtime._instance`` for each run and sets it to
None when the run ends (streamlit/testing/v1/app_test.py), so two runs at once in one
process pull the cache storage, media files and dataframe sources from under each other.
The real server is also what the readers meet: one Runtime, a script thread per session,
the shared caches and the serialisation of every element. No browser renders anything,
so the time is the server's: the page script plus sending its elements.

An error is a script that did not finish successfully, an uncaught exception shown on the
page, or the page's own "cannot query" message (``cache.MSG_QUERY_FAILED``). Prints one
JSON line: ``{sessions, page_runs, p50_seconds, p95_seconds, max_seconds, errors, …}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from bench.sessions import served
from dashboard.cache import MSG_QUERY_FAILED

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
PAGE_TIMEOUT = 600.0  # seconds a page may take before it counts as an error


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Session:
    """One Streamlit session over a websocket, as a browser tab holds it."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.pages: dict[str, str] = {}  # url path → page_script_hash (from the navigation)
        self.query = ""

    def open(self, page_hash: str = "") -> tuple[float, list[str]]:
        """Run the page (the app's default page for ""): (seconds, errors seen)."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = page_hash
        msg.rerun_script.widget_states.SetInParent()
        errors: list[str] = []
        start = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=PAGE_TIMEOUT))
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                errors += _element_errors(fwd.delta.new_element)
            elif kind == "script_finished":
                if fwd.script_finished == RERUN:
                    continue  # the page asked for a rerun (st.rerun): the reader waits for it
                if fwd.script_finished != FINISHED:
                    errors.append(f"script_finished={fwd.script_finished}")
                return time.perf_counter() - start, errors


def _element_errors(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind == "exception":
        return [f"{element.exception.type}: {element.exception.message}"[:300]]
    if kind == "alert" and element.alert.body == MSG_QUERY_FAILED:
        return [MSG_QUERY_FAILED]
    return []


def _drive(
    url: str, index: int, rounds: int, think: float, out: list[dict], skip: frozenset[str]
) -> None:
    """One reader: open the app, then every page in an order of its own, ``rounds`` times."""
    rng = random.Random(index)
    try:
        # no keepalive pings: a browser sends none, and a busy server answers them late
        # (its event loop waits for the GIL), which would close the session as an error
        ws = connect(
            url, subprotocols=["streamlit"], max_size=None, open_timeout=120, ping_interval=None
        )
    except Exception as exc:  # a session that cannot connect is an error, not a crash
        out.append({"session": index, "page": None, "seconds": None, "errors": [repr(exc)]})
        return
    with ws:
        session = Session(ws)
        if not _visit(session, index, "", out):  # the app as opened: its default page
            return
        for _ in range(rounds):
            pages = sorted(set(session.pages) - skip)
            for page in rng.sample(pages, k=len(pages)):
                time.sleep(rng.uniform(0, 2 * think))
                if not _visit(session, index, page, out):
                    return


def _visit(session: Session, index: int, page: str, out: list[dict]) -> bool:
    """Open one page and record it; False when the session broke (timeout, closed)."""
    try:
        seconds, errors = session.open(session.pages.get(page, ""))
    except Exception as exc:  # recorded as an error; the session stops
        out.append({"session": index, "page": page, "seconds": None, "errors": [repr(exc)]})
        return False
    out.append({"session": index, "page": page, "seconds": seconds, "errors": errors})
    return True


def run(
    db: str,
    sessions: int = 20,
    rounds: int = 1,
    think: float = 0.5,
    skip: frozenset[str] = frozenset(),
) -> dict:
    """Start a server on ``db``, warm it with one session, then drive ``sessions`` at once."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with log.open("w") as stderr, served(db, stderr) as (server, host):
            rss = RssPeak(server.pid)
            url = f"ws://{host}/_stcore/stream"
            warm: list[dict] = []
            start = time.perf_counter()
            _drive(url, -1, 1, 0.0, warm, skip)
            warmup = time.perf_counter() - start
            warmup_rss = rss.take()
            runs: list[dict] = []
            threads = [
                threading.Thread(target=_drive, args=(url, i, rounds, think, runs, skip))
                for i in range(sessions)
            ]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - start
            load_rss = rss.take()
            rss.stop()
        server_log = log.read_text(errors="replace")
        tracebacks = server_log.count("Traceback")
        if tracebacks:
            print(server_log[server_log.index("Traceback") :][:3000], file=sys.stderr)
    summary = _summary(runs, warm, sessions, rounds, think, wall, warmup, tracebacks)
    return {
        **summary,
        "server_rss_peak_gb_warmup": warmup_rss,
        "server_rss_peak_gb_load": load_rss,
        "skipped_pages": sorted(skip),
    }


class RssPeak:
    """The server's peak resident memory (VmRSS of its process, every 0.2 s) since the
    last ``take``, in GB: the cold warm-up's peak and the load's apart."""

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.peak = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                text = self.path.read_text()
            except OSError:
                return
            kb = next(
                (int(line.split()[1]) for line in text.splitlines() if line.startswith("VmRSS:")), 0
            )
            with self._lock:
                self.peak = max(self.peak, kb)

    def take(self) -> float:
        with self._lock:
            peak, self.peak = self.peak, 0
        return round(peak / 1024**2, 2)

    def stop(self) -> None:
        self._stop.set()


def _summary(
    runs: list[dict],
    warm: list[dict],
    sessions: int,
    rounds: int,
    think: float,
    wall: float,
    warmup: float,
    tracebacks: int,
) -> dict:
    times = [r["seconds"] for r in runs if r["seconds"] is not None]
    errors = [{"page": r["page"], "errors": r["errors"]} for r in runs if r["errors"]]
    by_page: dict[str, list[float]] = {}
    for r in runs:
        if r["seconds"] is not None:
            by_page.setdefault(r["page"] or "(总览)", []).append(r["seconds"])
    return {
        "client": "websocket (Streamlit's BackMsg/ForwardMsg protocol, one thread per session)",
        "sessions": sessions,
        "rounds": rounds,
        "think_seconds_mean": think,
        "page_runs": len(runs),
        "p50_seconds": round(statistics.median(times), 3) if times else None,
        "p95_seconds": round(_p95(times), 3) if times else None,
        "max_seconds": round(max(times), 3) if times else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "server_tracebacks": tracebacks,
        "wall_seconds": round(wall, 1),
        "warmup_seconds": round(warmup, 1),
        "warmup_errors": [{"page": r["page"], "errors": r["errors"]} for r in warm if r["errors"]],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "by_page_p95_seconds": {page: round(_p95(ts), 3) for page, ts in sorted(by_page.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1, help="visits of every page per session")
    parser.add_argument(
        "--think", type=float, default=0.5, help="mean seconds a reader stays on a page (0: none)"
    )
    parser.add_argument(
        "--skip", default="", help="url paths of pages no session visits, comma-separated"
    )
    args = parser.parse_args()
    skip = frozenset(filter(None, args.skip.split(",")))
    result = run(args.db, args.sessions, args.rounds, args.think, skip)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
