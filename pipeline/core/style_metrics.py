"""Two numbers that say whether a stylized frame carries a style, measured rather than eyeballed.

* Colour: how much closer the stylized frame's colour distribution is to the style image's than the
  input frame's was. The distance is the sliced Wasserstein-1 distance between the two sets of RGB
  pixels (unit range): the mean, over fixed random directions in RGB space, of the mean absolute
  difference between the quantiles of the pixels projected on that direction. It compares whole
  palettes (how much of each colour), not just mean colours, and needs no binning. The score is
  distance(input, style) / distance(stylized, style): 1 = no closer, 2 = half as far.
* Detail: the stylized frame's high-frequency energy relative to the input's, where high-frequency
  energy is the mean square of the luma minus its Gaussian blur (sigma 2 px): detail finer than
  about 10 px. Blur shows as < 1; added texture (cells, outlines) as > 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLOUR_DIRECTIONS = 64  # random projections of RGB space
COLOUR_QUANTILES = 256
DETAIL_SIGMA = 2.0  # pixels
_LUMA = np.array([0.299, 0.587, 0.114])  # Rec. 601


def _unit(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    return image.astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)


def colour_distance(a: np.ndarray, b: np.ndarray, seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance between the RGB pixel distributions of two images (any sizes).

    Images are uint8 (0-255) or floats in [0, 1]; the distance is in unit-range RGB.
    """
    directions = np.random.default_rng(seed).normal(size=(COLOUR_DIRECTIONS, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return float(np.mean(np.abs(_quantiles(a, directions) - _quantiles(b, directions))))


def _quantiles(image: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """(directions, COLOUR_QUANTILES) evenly spaced quantiles of the pixels projected on each direction."""
    projected = np.sort(directions @ _unit(image).reshape(-1, 3).T, axis=1)
    positions = np.linspace(0.0, projected.shape[1] - 1, COLOUR_QUANTILES)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, projected.shape[1] - 1)
    t = positions - low
    return projected[:, low] * (1 - t) + projected[:, high] * t


def _gaussian_blur(plane: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur (3 sigma radius) with edge-replicating borders, as a sum of shifted copies."""
    radius = max(1, int(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-(offsets**2) / (2 * sigma**2))
    weights /= weights.sum()
    for axis in (0, 1):
        size = plane.shape[axis]
        padded = np.pad(plane, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        shifted = (np.take(padded, np.arange(size) + radius + o, axis=axis) for o in offsets)
        plane = sum(w * s for w, s in zip(weights, shifted, strict=True))
    return plane


def high_frequency_energy(image: np.ndarray, sigma: float = DETAIL_SIGMA) -> float:
    """Mean square of the luma (unit range) minus its Gaussian blur: the energy of fine detail."""
    luma = _unit(image) @ _LUMA
    return float(np.mean((luma - _gaussian_blur(luma, sigma)) ** 2))


@dataclass(frozen=True)
class StyleScores:
    colour_before: float  # colour distance input -> style
    colour_after: float  # colour distance stylized -> style
    detail_input: float  # high-frequency energy of the input
    detail_stylized: float  # high-frequency energy of the stylized frame

    @property
    def colour_closer(self) -> float:
        """How many times closer to the style's palette the stylized frame is than the input (> 1: closer)."""
        return self.colour_before / max(self.colour_after, 1e-12)

    @property
    def detail_ratio(self) -> float:
        """High-frequency energy stylized / input (< 1: blurred, > 1: texture added)."""
        return self.detail_stylized / max(self.detail_input, 1e-12)

    def summary(self) -> str:
        return (
            f"colour {self.colour_closer:.2f}x closer to the style's (sliced Wasserstein "
            f"{self.colour_before:.3f} -> {self.colour_after:.3f}); high-frequency energy "
            f"{self.detail_ratio:.2f}x the input's (< 1 = blurred)"
        )


def style_scores(content: np.ndarray, stylized: np.ndarray, style: np.ndarray) -> StyleScores:
    """Score a stylized frame against its input frame and the style image (RGB, uint8 or unit floats)."""
    if content.shape != stylized.shape:
        raise ValueError(f"the stylized frame {stylized.shape} does not match its input {content.shape}")
    return StyleScores(
        colour_before=colour_distance(content, style),
        colour_after=colour_distance(stylized, style),
        detail_input=high_frequency_energy(content),
        detail_stylized=high_frequency_energy(stylized),
    )
