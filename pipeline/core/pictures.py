"""Pictures made for people: the difference heatmap on a fixed colour scale.

The heatmap paints |a - b| (the largest channel) in 8-bit levels on one fixed scale, the same in
every picture, report and PNG: HEAT_STOPS levels get the HEAT_COLORS anchors (black, purple, red,
orange, pale yellow) and levels between are interpolated. 1/255 rounding noise is a dark purple,
a visible but plainly small difference, and 128 levels or more are pale yellow. A scale stretched
to each picture's largest difference (what it was before) paints rounding noise as bright as a
broken frame, so two heatmaps could not be compared by eye.
"""

from __future__ import annotations

import numpy as np

HEAT_STOPS = (0, 2, 8, 32, 128)  # 8-bit levels of |difference| at the anchor colours
HEAT_COLORS = np.array([[0, 0, 0], [80, 18, 123], [212, 72, 66], [252, 200, 40], [252, 255, 164]], np.float32)


def difference_levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| in 8-bit levels, largest channel, (H, W) float32. uint8 pictures are levels already;
    float pictures are taken as [0, 1]."""
    if a.shape != b.shape:
        raise ValueError(f"cannot compare pictures of shapes {a.shape} and {b.shape}")
    scale = 1.0 if a.dtype == np.uint8 else 255.0
    return np.abs(a.astype(np.float32) - b.astype(np.float32)).max(axis=2) * scale


def heat_colors(levels: np.ndarray) -> np.ndarray:
    """8-bit levels of difference (any shape) -> uint8 RGB colours on the fixed scale (shape + (3,))."""
    position = np.interp(levels, HEAT_STOPS, np.arange(len(HEAT_STOPS)))
    anchors = np.arange(len(HEAT_COLORS))
    rgb = [np.interp(position, anchors, HEAT_COLORS[:, c]) for c in range(3)]
    return np.stack(rgb, axis=-1).round().astype(np.uint8)


def heatmap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| of two (H, W, 3) pictures (both uint8, or both float in [0, 1]) as a uint8 RGB heatmap."""
    return heat_colors(difference_levels(a, b))
