"""A/B comparison of two renderings of the same frame (our model vs the engine's), on the unit range.

The metrics themselves (PSNR, SSIM) live in `pipeline.core.metrics` and the heatmap in
`pipeline.core.pictures`, where the A/B diagnosis uses them too; this module re-exports them for the
bridge and writes the visual.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.contract import unit_to_uint8
from pipeline.core.fileio import save_png
from pipeline.core.metrics import PSNR_CAP, compare_images, ssim
from pipeline.core.pictures import heatmap

__all__ = ["PSNR_CAP", "compare_images", "heatmap", "save_comparison", "ssim"]


def save_comparison(path: str | Path, ours: np.ndarray, theirs: np.ndarray) -> Path:
    """Write [ours | theirs | heatmap] side by side as one PNG (atomically)."""
    strip = np.concatenate([unit_to_uint8(ours), unit_to_uint8(theirs), heatmap(ours, theirs)], axis=1)
    return save_png(path, strip, compress_level=1)
