"""The training benchmark runs both sides in fresh processes and reports their ratio."""

from __future__ import annotations

import re

import pytest

from pipeline.training.bench import run_train_benchmark
from pipeline.training.fewshot_bench import run_fewshot_benchmark


def test_train_benchmark_reports_both_sides_and_the_ratio() -> None:
    report = run_train_benchmark(steps=2, warmup=1, image_size=32, batch_size=2, device="cpu")
    speeds = [float(v) for v in re.findall(r"([\d.]+) images/s", report)]
    assert len(speeds) == 2 and all(v > 0 for v in speeds), report
    ratio = float(re.search(r"ratio \(ours / plain\)\s+([\d.]+)x", report).group(1))
    assert abs(ratio - speeds[1] / speeds[0]) < 0.01 + 0.01 * ratio


@pytest.mark.slow
def test_fewshot_benchmark_reports_patches_per_second_for_both_sides() -> None:
    report = run_fewshot_benchmark(steps=2, warmup=1, patch_size=16, batch_size=4, device="cpu", rounds=1)
    speeds = [float(v) for v in re.findall(r"([\d.]+) patches/s", report)]
    assert len(speeds) == 2 and all(v > 0 for v in speeds), report
    assert "plain loop, the authors' way" in report
    ratio = float(re.search(r"ratio \(ours / plain\)\s+([\d.]+)x", report).group(1))
    assert abs(ratio - speeds[1] / speeds[0]) < 0.01 + 0.01 * ratio
