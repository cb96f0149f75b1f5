"""Peak memory of the app with N browser sessions open (``python -m bench.sessions DB [N]``).

Starts ``streamlit run`` on the warehouse, opens N pages of 总览 in the system Chromium
(one browser context each, so N Streamlit sessions), waits until every one has finished
rendering, and prints the server's peak RSS (VmHWM) as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(db: str, stderr=subprocess.DEVNULL) -> Iterator[tuple[subprocess.Popen, str]]:
    """``streamlit run`` of the app on ``db`` at a free port, once it answers: the process
    and its ``host:port``. The account store and the ledger folder go to a temporary
    folder, so nothing is written beside the warehouse; the server is stopped on exit
    (killed if it is still computing beside the pages after 30 s)."""
    port = _port()
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "WENMING_DB": db,
            "WENMING_ACCOUNTS": str(Path(scratch) / "accounts.sqlite"),
            "WENMING_LEDGERS": str(Path(scratch) / "ledgers"),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard/app.py",
                "--server.headless=true",
                "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none",
                f"--server.port={port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            for _ in range(400):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            yield server, f"127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(db: str, sessions: int = 20) -> dict:
    from playwright.sync_api import sync_playwright

    with served(db) as (server, host):
        base = f"http://{host}"
        start = time.perf_counter()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            pages = []
            for _ in range(sessions):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(base)
                pages.append(page)
            for page in pages:
                page.wait_for_selector(
                    "[data-testid=stApp][data-test-script-state=notRunning]", timeout=600_000
                )
                page.get_by_role("heading", name="总览", level=1).wait_for(timeout=600_000)
            seconds = time.perf_counter() - start
            result = {
                "sessions": sessions,
                "all_rendered_seconds": round(seconds, 1),
                "server_peak_rss_mb": round(_peak_mb(server.pid), 1),
            }
            browser.close()
        return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)))
