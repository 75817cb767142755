"""The bridge benchmark runs all three measurements in fresh server processes and reports consistent ratios."""

from __future__ import annotations

import re

from bridge.bench import run_bridge_benchmark


def test_bridge_benchmark_reports_every_side_and_its_ratios() -> None:
    report = run_bridge_benchmark(width=64, height=32, frames=20, model_frames=2, rounds=2, backend="torch")
    rows = {name: [float(v) for v in values.split()] for name, values in
            re.findall(r"^(bare zmq echo|bridge passthrough)\s+([\d. ]+)$", report, re.M)}  # fmt: skip
    assert set(rows) == {"bare zmq echo", "bridge passthrough"}, report
    assert all(len(v) == 4 and all(x > 0 for x in v) for v in rows.values()), report
    ratio = float(re.search(r"passthrough / echo p50: ([\d.]+)x", report).group(1))
    bridge_ms, echo_ms = rows["bridge passthrough"][0], rows["bare zmq echo"][0]  # printed to 0.01 ms
    assert (bridge_ms - 0.005) / (echo_ms + 0.005) - 0.005 <= ratio <= (bridge_ms + 0.005) / (echo_ms - 0.005) + 0.005
    alone, served = (
        float(v) for v in re.search(r"alone ([\d.]+) fps .*through the bridge ([\d.]+) fps", report).groups()
    )
    served_ratio = float(re.search(r"served / model-alone fps: ([\d.]+)x", report).group(1))
    assert alone > 0 and served > 0
    assert abs(served_ratio - served / alone) <= 0.01 + 0.02 * served_ratio, report
