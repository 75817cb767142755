"""A/B comparison of two renderings of the same frame (our model vs the engine's), on the unit range.

The metrics themselves (PSNR, SSIM) live in `pipeline.core.metrics` and the heatmap in
`pipeline.core.pictures`, where the A/B diagnosis uses them too; this module re-exports them for the
bridge and writes the visual: the two renderings and their heatmap side by side, each labelled,
over the heatmap's fixed colour scale (`pipeline.core.pictures`: 1/255 rounding is dark purple,
128 levels and more pale yellow, in every visual alike).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.contract import unit_to_uint8
from pipeline.core.fileio import save_png
from pipeline.core.metrics import PSNR_CAP, compare_images, ssim
from pipeline.core.pictures import captioned, heat_legend, heatmap, side_by_side, stacked

__all__ = ["PSNR_CAP", "compare_images", "comparison_picture", "heatmap", "save_comparison", "ssim"]

PANEL_LABELS = ("PyTorch", "engine", "|difference|")
MIN_PANEL = 160  # px: room for a panel's label
GAP = 6  # px between panels


def comparison_picture(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """[PyTorch | engine | |difference|] of two float (H, W, 3) renderings in [0, 1], labelled, with the heatmap's
    colour scale under it. Frames narrower than MIN_PANEL px are enlarged by a whole factor (pixels stay square)."""
    factor = max(1, -(-MIN_PANEL // ours.shape[1]))
    panels = [unit_to_uint8(ours), unit_to_uint8(theirs), heatmap(ours, theirs)]
    panels = [np.repeat(np.repeat(panel, factor, axis=0), factor, axis=1) for panel in panels]
    strip = side_by_side([captioned(p, label) for p, label in zip(panels, PANEL_LABELS, strict=True)], GAP)
    return stacked(strip, heat_legend(panels[2].shape[1]), bottom_align="right")


def save_comparison(path: str | Path, ours: np.ndarray, theirs: np.ndarray) -> Path:
    """Write `comparison_picture` as one PNG (atomically)."""
    return save_png(path, comparison_picture(ours, theirs), compress_level=1)
