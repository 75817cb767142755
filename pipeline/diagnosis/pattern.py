"""Where in the picture two renderings differ, in words: one channel, a band at the border, edges, a region, everywhere.

When no fault explains the engine's output, where the error sits is the next best clue: one
channel points at a colour or swizzle step, a border band at padding or cropping, edges only at
resampling or precision, one region at a shader or a UI overlay, everywhere at a global setting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

CHANNEL_NAMES = ("red", "green", "blue")
ONE_CHANNEL_SHARE = 0.8  # share of the squared error in one channel
BORDER_FRACTION = 0.06  # band width, as a share of the shorter side (at least 2 px)
BORDER_SHARE = 0.7  # share of the error inside the band
EDGE_AREA = 0.1  # the strongest 10% of the reference's gradients, widened by a pixel, are its edges
EDGE_SHARE = 0.6
REGION_BLOCK = 8
REGION_SHARE, REGION_AREA = 0.8, 0.2  # 80% of the error within 20% of the picture


@dataclass(frozen=True)
class ErrorPattern:
    kind: str  # none | one_channel | border | edges | region | everywhere
    text: str  # "a band at the border (right, bottom): 92% of the error in 9% of the picture"
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(energy: np.ndarray, mask: np.ndarray) -> float:
    return float(energy[mask].sum() / energy.sum())


def error_pattern(reference: np.ndarray, other: np.ndarray) -> ErrorPattern:
    """Describe where uint8 (H, W, 3) `other` differs from `reference` (e.g. the engine from PyTorch)."""
    diff = reference.astype(np.float64) - other.astype(np.float64)
    energy = (diff**2).sum(axis=2)
    total = float(energy.sum())
    if total == 0:
        return ErrorPattern("none", "no difference", {})
    height, width = energy.shape
    per_channel = (diff**2).sum(axis=(0, 1)) / total
    top = int(per_channel.argmax())
    if per_channel[top] >= ONE_CHANNEL_SHARE:
        return ErrorPattern(
            "one_channel",
            f"almost all in the {CHANNEL_NAMES[top]} channel ({per_channel[top]:.0%} of the error)",
            {"channel": CHANNEL_NAMES[top], "shares": [round(float(s), 4) for s in per_channel]},
        )
    band = max(2, round(BORDER_FRACTION * min(height, width)))
    sides = {"top": np.s_[:band, :], "bottom": np.s_[-band:, :], "left": np.s_[:, :band], "right": np.s_[:, -band:]}
    border = np.zeros_like(energy, dtype=bool)
    for region in sides.values():
        border[region] = True
    border_share = _share(energy, border)
    if border_share >= BORDER_SHARE:
        side_shares = {side: float(energy[region].sum() / total) for side, region in sides.items()}
        named = [side for side, share in side_shares.items() if share >= 0.25 * border_share] or list(sides)
        return ErrorPattern(
            "border",
            f"a band at the border ({', '.join(named)}): {border_share:.0%} of the error within {band} px of the edge",
            {"band_px": band, "share": round(border_share, 4), "sides": named},
        )
    luminance = reference.astype(np.float64).mean(axis=2)
    gy, gx = np.gradient(luminance)
    gradient = np.hypot(gx, gy)
    edges = _widened((gradient >= np.quantile(gradient, 1 - EDGE_AREA)) & (gradient > 0))
    edge_share = _share(energy, edges)
    if edges.any() and edge_share >= EDGE_SHARE:
        return ErrorPattern(
            "edges",
            f"along edges: {edge_share:.0%} of the error within a pixel of the strongest edges "
            f"({edges.mean():.0%} of the picture)",
            {"share": round(edge_share, 4), "area": round(float(edges.mean()), 4)},
        )
    blocks = _block_sums(energy, REGION_BLOCK)
    order = np.sort(blocks.ravel())[::-1]
    needed = int(np.searchsorted(np.cumsum(order), REGION_SHARE * total) + 1)
    area = needed / blocks.size
    if area <= REGION_AREA:
        hot = blocks >= order[needed - 1]
        rows, cols = np.nonzero(hot)
        right, bottom = (cols.max() + 1) * REGION_BLOCK, (rows.max() + 1) * REGION_BLOCK
        box = [
            int(cols.min() * REGION_BLOCK),
            int(rows.min() * REGION_BLOCK),
            int(min(width, right)),
            int(min(height, bottom)),
        ]
        return ErrorPattern(
            "region",
            f"in one region: {REGION_SHARE:.0%} of the error within {area:.0%} of the picture, "
            f"around x {box[0]}-{box[2]}, y {box[1]}-{box[3]}",
            {"box": box, "area": round(area, 4)},
        )
    return ErrorPattern(
        "everywhere",
        f"everywhere: spread over the whole picture and all channels (80% of it takes {area:.0%} of the area)",
        {"area": round(area, 4)},
    )


def _widened(mask: np.ndarray) -> np.ndarray:
    """`mask` grown by one pixel up, down, left and right."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def _block_sums(energy: np.ndarray, block: int) -> np.ndarray:
    height, width = energy.shape
    padded = np.zeros((-(-height // block) * block, -(-width // block) * block))
    padded[:height, :width] = energy
    return padded.reshape(padded.shape[0] // block, block, padded.shape[1] // block, block).sum(axis=(1, 3))
