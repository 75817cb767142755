"""How alike two renderings of the same frame are, on the unit range: the metrics PROTOCOL.md defines.

The bridge's COMPARE and the A/B diagnosis score with these same functions, so a number in a
COMPARE_RESULT and one in a diagnosis mean the same thing. SSIM is the usual Gaussian-window form
(11x11, sigma 1.5, K1 0.01, K2 0.03, dynamic range 1), computed per RGB channel and averaged. PSNR
is capped at PSNR_CAP dB so identical images give a finite number that JSON can carry.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.nn import functional as F

PSNR_CAP = 100.0
SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return (g / g.sum()).float()


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two (H, W, 3) float images in [0, 1] (window shrinks for images under 11 px)."""
    x = torch.from_numpy(np.ascontiguousarray(a, np.float32)).permute(2, 0, 1).unsqueeze(0)
    y = torch.from_numpy(np.ascontiguousarray(b, np.float32)).permute(2, 0, 1).unsqueeze(0)
    size = min(SSIM_WINDOW, x.shape[2], x.shape[3])
    size -= 1 - size % 2  # odd
    g = _gaussian_window(size, SSIM_SIGMA * size / SSIM_WINDOW)
    channels = x.shape[1]
    rows = g.view(1, 1, size, 1).repeat(channels, 1, 1, 1)
    cols = g.view(1, 1, 1, size).repeat(channels, 1, 1, 1)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.conv2d(t, rows, groups=channels), cols, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB for a peak of 1.0, capped at PSNR_CAP (identical images)."""
    return PSNR_CAP if mse == 0 else min(PSNR_CAP, 10 * math.log10(1.0 / mse))


def psnr(ours: np.ndarray, theirs: np.ndarray) -> float:
    """PSNR (dB, peak 1.0, capped, 4 decimals) between two float images in [0, 1] of one shape."""
    return round(psnr_from_mse(float(np.mean((ours.astype(np.float64) - theirs.astype(np.float64)) ** 2))), 4)


def compare_images(ours: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    """max abs, mean abs, PSNR (dB) and SSIM between two (H, W, 3) float images in [0, 1]."""
    if ours.shape != theirs.shape:
        raise ValueError(f"cannot compare images of shapes {ours.shape} and {theirs.shape}")
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    return {
        "max_abs": float(diff.max()),
        "mean_abs": float(diff.mean()),
        "psnr": psnr(ours, theirs),
        "ssim": ssim(ours, theirs),
    }
