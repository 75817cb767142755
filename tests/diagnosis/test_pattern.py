"""Where two renderings differ, in words: the kinds `error_pattern` tells apart."""

from __future__ import annotations

import numpy as np

from pipeline.core.synthetic import game_frame
from pipeline.diagnosis.pattern import error_pattern


def _picture() -> np.ndarray:
    return game_frame(np.random.default_rng(8), 96, 64)


def test_each_kind_of_error_is_told_apart() -> None:
    reference = _picture()
    rng = np.random.default_rng(9)

    one_channel = reference.copy()
    one_channel[..., 0] = np.clip(one_channel[..., 0].astype(int) - 50, 0, 255)
    assert error_pattern(reference, one_channel).kind == "one_channel"
    assert "red" in error_pattern(reference, one_channel).text

    border = reference.copy()
    border[:, -3:] = 0  # black columns on the right
    pattern = error_pattern(reference, border)
    assert pattern.kind == "border" and pattern.detail["sides"] == ["right"]

    blurred = reference.copy()
    blurred[1:-1, 1:-1] = (
        reference[:-2, 1:-1].astype(int) + reference[2:, 1:-1] + reference[1:-1, :-2] + reference[1:-1, 2:]
    ) // 4
    assert error_pattern(reference, blurred).kind == "edges"

    overlay = reference.copy()
    overlay[20:36, 30:50] = (255, 255, 255)
    pattern = error_pattern(reference, overlay)
    assert pattern.kind == "region"
    x0, y0, x1, y1 = pattern.detail["box"]
    assert 24 <= x0 <= 34 and 16 <= y0 <= 24 and 46 <= x1 <= 56 and 32 <= y1 <= 40  # 80% of the error: about the panel

    noise = np.clip(reference.astype(int) + rng.integers(-40, 41, reference.shape), 0, 255).astype(np.uint8)
    assert error_pattern(reference, noise).kind == "everywhere"
    assert error_pattern(reference, reference).kind == "none"
