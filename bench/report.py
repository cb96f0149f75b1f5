"""Writes docs/performance.png from bench/results.json: each measure against its target.

``python -m bench.report`` (run by hand after ``make bench``); the figures themselves
are quoted in docs/performance.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median

import plotly.graph_objects as go

from dashboard import charts

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
OUT = ROOT / "docs" / "performance.png"


def measures(results: dict) -> list[tuple[str, float, float]]:
    """(label, measured, target) against issue 17's one-machine targets: ≤ 1 meets it."""
    p = results.get("province", {})
    rows = []
    if p.get("build_over_floor"):
        rows.append(("构建 ÷ DuckDB 裸加载（目标 ≤2）", p["build_over_floor"], 2))
    if p.get("build"):
        rows.append(("构建峰值内存 GB（目标 ≤4）", p["build"]["peak_rss_mb"] / 1024, 4))
    report = p.get("report", {}).get("in_process_seconds", {})
    for scope, target in (("全部", 0.5), ("市", 0.3), ("中心", 0.3), ("所", 0.3)):
        if report.get(scope, {}).get("warm"):
            rows.append(
                (f"报告 {scope} 秒（目标 ≤{target}）", median(report[scope]["warm"]), target)
            )
    pages = p.get("pages") or {}
    if pages and "error" not in pages:
        rows.append(
            (
                "页面温启动 p95 最大 秒（目标 ≤0.15）",
                max(v["warm_p95_seconds"] for v in pages.values()),
                0.15,
            )
        )
        rows.append(
            ("页面冷启动 最大 秒（目标 ≤1.5）", max(v["cold_seconds"] for v in pages.values()), 1.5)
        )
    load = p.get("load") or {}
    if load.get("p95_seconds") is not None:
        rows.append(("20个会话 p95 秒（目标 ≤1）", load["p95_seconds"], 1))
    if load.get("server_rss_peak_gb_warmup") is not None:
        rows.append(("20个会话时看板内存 GB（目标 ≤4）", load["server_rss_peak_gb_warmup"], 4))
    # linear: 10x the rows may cost at most 11x the time, i.e. the time per row may grow
    # by at most 1.1 (county -> city is 87x the rows, county -> province 875x)
    for scale, label in (("city", "县→市"), ("province", "县→省")):
        scaling = results.get(scale, {}).get("scaling")
        if scaling:
            per_row = scaling["time_ratio"] / scaling["row_ratio"]
            rows.append((f"每行耗时之比 {label}（目标 ≤1.1）", per_row, 1.1))
    return rows


def main() -> None:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    rows = measures(results)
    labels = [r[0] for r in rows]
    ratio = [r[1] / r[2] for r in rows]
    fig = go.Figure(
        go.Bar(
            x=ratio,
            y=labels,
            orientation="h",
            marker_color=["#1f4e79" if v <= 1 else "#b03a2e" for v in ratio],
            text=[f"{r[1]:.2f}" for r in rows],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.add_vline(x=1, line_dash="dash", line_color="#555")
    fig.update_layout(
        title="省级规模基准：实测 ÷ 目标（≤1 为达标）",
        font_family=charts.FONT_FAMILY,
        xaxis_title="实测 ÷ 目标",
        xaxis_range=[0, max(ratio) * 1.15],
        margin={"l": 280, "r": 130, "t": 60, "b": 50},
        height=80 + 45 * len(rows),
        plot_bgcolor="white",
    )
    OUT.write_bytes(charts.to_png(fig, width_cm=18))
    print(OUT)


if __name__ == "__main__":
    main()
