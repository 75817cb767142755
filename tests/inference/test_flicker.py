"""The flicker metric on constructed sequences: what is injected is what is measured."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli.main import main
from pipeline.core.fileio import save_png
from pipeline.inference.flicker import FlickerError, flicker_of_arrays, measure_flicker


def still(count: int = 5, seed: int = 0) -> list[np.ndarray]:
    frame = np.random.default_rng(seed).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    return [frame.copy() for _ in range(count)]


def test_a_static_sequence_scores_zero() -> None:
    result = flicker_of_arrays(still(), still())
    assert result.flicker == 0 and result.source_floor == 0 and result.static_fraction == 1 and result.pairs == 4


def test_injected_flicker_is_measured_as_injected_only_where_the_source_holds_still() -> None:
    source = still(6)
    for i, frame in enumerate(source):  # the left half moves every frame
        frame[:, :10] = (frame[:, :10].astype(int) + 40 * i) % 256
    base = np.full((16, 20, 3), 100, np.uint8)
    stylized = [base + (7 if i % 2 else 0) for i in range(6)]  # +-7 levels everywhere, every frame
    for frame in stylized:
        frame[:, :10] = np.random.default_rng(len(frame)).integers(0, 256, (16, 10, 3))  # noise where it moves
    result = flicker_of_arrays(stylized, source)
    assert result.flicker == pytest.approx(7.0) and result.static_fraction == pytest.approx(0.5)
    assert result.per_pair == pytest.approx([7.0] * 5)


def test_the_source_floor_is_the_sources_own_change_within_the_threshold() -> None:
    source = still(3)
    source[1] = np.clip(source[1].astype(int) + 1, 0, 255).astype(np.uint8)  # sensor noise: 1 level
    result = flicker_of_arrays(still(3), source, threshold=2)
    assert result.flicker == 0 and 0.9 < result.source_floor <= 1.0


def test_no_static_pixel_leaves_flicker_undefined_and_says_so() -> None:
    source = [np.full((4, 4, 3), 50 * i, np.uint8) for i in range(3)]
    result = flicker_of_arrays(source, source)
    assert math.isnan(result.flicker) and "flicker undefined" in result.describe()


def test_mismatched_sequences_are_refused() -> None:
    with pytest.raises(FlickerError, match="3 stylized frames but 2 source frames"):
        flicker_of_arrays(still(3), still(2))
    with pytest.raises(FlickerError, match="frame 0"):
        flicker_of_arrays([np.zeros((4, 4, 3), np.uint8)] * 2, [np.zeros((4, 5, 3), np.uint8)] * 2)


def test_folders_pair_frames_by_name_in_natural_order_and_the_command_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = still(11)
    for i, frame in enumerate(frames):
        save_png(tmp_path / "src" / f"frame_{i}.png", frame)
        # stylized frames alternate 0, 3, 0, 3 ... in natural order; a lexical order would break the rhythm
        save_png(tmp_path / "out" / f"frame_{i}.png", np.full((16, 20, 3), 3 * (i % 2), np.uint8))
    assert measure_flicker(tmp_path / "out", tmp_path / "src").flicker == pytest.approx(3.0)
    assert (
        main(["flicker", str(tmp_path / "out"), "--source", str(tmp_path / "src"), "--json", str(tmp_path / "f.json")])
        == 0
    )
    assert "flicker 3.000 levels (source floor 0.000) over 10 frame pairs" in capsys.readouterr().out
    (tmp_path / "out" / "frame_4.png").unlink()
    with pytest.raises(FlickerError, match=r"1 source frames have no stylized frame .* frame_4\.png"):
        measure_flicker(tmp_path / "out", tmp_path / "src")
