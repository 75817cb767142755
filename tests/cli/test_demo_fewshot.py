"""The few-shot demo end to end (short): every artefact it promises is written and its numbers are sane."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli.demo_fewshot import FRAMES, paint, run_fewshot_demo, summary
from pipeline.core.fileio import load_rgb


def test_the_painter_is_deterministic_and_visibly_different() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    assert np.array_equal(paint(frame), paint(frame)) and np.abs(paint(frame).astype(int) - frame).mean() > 10


@pytest.mark.slow
def test_the_fewshot_demo_writes_its_sequence_sheet_video_and_numbers(tmp_path: Path) -> None:
    result = run_fewshot_demo(tmp_path / "demo", time_limit=20, vgg_weights="random", device="cpu", progress=False)
    assert len(result.stylized.outputs) == FRAMES and result.sheet.is_file() and result.side_by_side[0].is_file()
    assert load_rgb(result.sheet).shape == (3 * 192, 5 * 256, 3)
    assert all(result.train.keyframe_l1_after[k] < result.train.keyframe_l1_before[k] for k in ("0000", "0059"))
    assert not math.isnan(result.flicker.flicker) and result.flicker.pairs == FRAMES - 1
    assert result.shipped.deployment.onnx.is_file() and "flicker" in summary(result)
