"""The training benchmark runs both sides in fresh processes and reports their ratio."""

from __future__ import annotations

import re

from pipeline.training.bench import run_train_benchmark


def test_train_benchmark_reports_both_sides_and_the_ratio() -> None:
    report = run_train_benchmark(steps=2, warmup=1, image_size=32, batch_size=2, device="cpu")
    speeds = [float(v) for v in re.findall(r"([\d.]+) images/s", report)]
    assert len(speeds) == 2 and all(v > 0 for v in speeds), report
    ratio = float(re.search(r"ratio \(ours / plain\)\s+([\d.]+)x", report).group(1))
    assert abs(ratio - speeds[1] / speeds[0]) < 0.01 + 0.01 * ratio
