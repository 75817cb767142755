"""The demo's two numbers: palette distance to the style and high-frequency energy (blur < 1)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from pipeline.core.style_metrics import colour_distance, high_frequency_energy, style_scores


def _checkerboard(size: int = 64, square: int = 4) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    board = ((yy // square + xx // square) % 2 * 200 + 30).astype(np.uint8)
    return np.repeat(board[..., None], 3, axis=2)


def test_colour_distance_is_zero_for_the_same_palette_and_grows_with_colour_shift() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    shuffled = rng.permutation(image.reshape(-1, 3)).reshape(30, 40, 3)  # same pixels, other places and shape
    assert colour_distance(image, shuffled) == pytest.approx(0.0, abs=1e-12)
    red, dark_red = np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8)
    red[..., 0], dark_red[..., 0] = 200, 100
    blue = np.zeros((8, 8, 3), np.uint8)
    blue[..., 2] = 200
    near, far = colour_distance(red, dark_red), colour_distance(red, blue)
    assert 0 < near < far
    assert colour_distance(red / 255.0, blue / 255.0) == pytest.approx(far)  # uint8 and unit floats agree


def test_colour_distance_sees_proportions_not_only_the_mean() -> None:
    half = np.zeros((2, 2, 3), np.uint8)
    half[0] = 255  # half white, half black: mean grey
    grey = np.full((2, 2, 3), 128, np.uint8)
    assert colour_distance(half, grey) > 0.2


def test_blur_lowers_high_frequency_energy_and_texture_raises_it() -> None:
    sharp = _checkerboard()
    blurred = np.asarray(Image.fromarray(sharp).filter(ImageFilter.GaussianBlur(2)))
    assert high_frequency_energy(blurred) < 0.3 * high_frequency_energy(sharp)
    assert high_frequency_energy(np.full((16, 16, 3), 90, np.uint8)) == pytest.approx(0.0, abs=1e-20)
    scores = style_scores(blurred, sharp, sharp)
    assert scores.detail_ratio > 3 and scores.colour_closer > 1


def test_scores_of_an_unchanged_frame() -> None:
    frame, style = _checkerboard(), np.full((10, 10, 3), (230, 40, 40), np.uint8)
    scores = style_scores(frame, frame.copy(), style)
    assert scores.colour_closer == pytest.approx(1.0) and scores.detail_ratio == pytest.approx(1.0)
    assert "1.00x closer" in scores.summary()
    with pytest.raises(ValueError, match="does not match"):
        style_scores(frame, frame[:10], style)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        colour_distance(frame[..., 0], style)


def test_tiny_images_are_measured() -> None:
    tiny = np.random.default_rng(1).integers(0, 256, (2, 3, 3), dtype=np.uint8)
    assert high_frequency_energy(tiny) >= 0.0 and np.isfinite(colour_distance(tiny, tiny[:1]))
