"""Temporal flicker of a stylized sequence, measured against its source frames.

Definition (README, "Flicker"). Frames are 8-bit RGB; for each pair of consecutive frames t-1, t:

* the *static mask* S_t holds the pixels where the source did not change: every channel of
  |source_t - source_t-1| is at most `threshold` (8-bit levels, default 2);
* over S_t, the stylized change is the mean of |stylized_t - stylized_t-1| over the 3 channels, and the
  source change the same for the source frames.

`flicker` is the stylized change averaged over every static pixel of every pair (pairs weigh by their
static pixel count), in 8-bit levels: 0 for a stylization that never changes where the scene holds
still; a stylization that adds d levels of noise between frames there scores about d. `source_floor`
is the same number for the source itself (at most `threshold`): the change a stylization inherits
honestly. `static_fraction` says how much of the sequence the numbers rest on; with no static pixel
at all (a camera that never stops) flicker is undefined (NaN) and the result says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import load_rgb
from pipeline.inference.files import list_sequence

DEFAULT_THRESHOLD = 2  # 8-bit levels: compression noise passes, real motion does not


class FlickerError(StylebridgeError, ValueError):
    """The two sequences cannot be compared frame by frame; the message says why."""


@dataclass
class FlickerResult:
    flicker: float  # mean |stylized change| on static pixels, 8-bit levels (NaN without static pixels)
    source_floor: float  # the same for the source frames
    static_fraction: float  # static pixels / all pixels of all pairs
    pairs: int
    threshold: int
    per_pair: list[float] = field(default_factory=list)  # flicker of each pair (NaN where none is static)

    def describe(self) -> str:
        if math.isnan(self.flicker):
            return (
                f"flicker undefined: no pixel stayed within {self.threshold} levels between any of the {self.pairs} "
                "pairs of source frames (a moving camera everywhere); raise --threshold or use a still shot"
            )
        return (
            f"flicker {self.flicker:.3f} levels (source floor {self.source_floor:.3f}) over {self.pairs} frame pairs, "
            f"{100 * self.static_fraction:.1f}% of pixels static (threshold {self.threshold})"
        )


def flicker_of_arrays(
    stylized: Sequence[np.ndarray], source: Sequence[np.ndarray], threshold: int = DEFAULT_THRESHOLD
) -> FlickerResult:
    """The flicker of uint8 (H, W, 3) frames `stylized` against `source` (same count, same sizes, in order)."""
    if len(stylized) != len(source):
        raise FlickerError(f"{len(stylized)} stylized frames but {len(source)} source frames")
    if len(source) < 2:
        raise FlickerError("flicker needs at least 2 frames")
    totals = np.zeros(3)  # stylized change, source change, static pixel count
    per_pair, all_pixels = [], 0
    previous: tuple[np.ndarray, np.ndarray] | None = None
    for index, (styled, frame) in enumerate(zip(stylized, source, strict=True)):
        if styled.shape != frame.shape:
            raise FlickerError(f"frame {index}: stylized is {styled.shape[:2]} but the source is {frame.shape[:2]}")
        current = (styled.astype(np.int16), frame.astype(np.int16))
        if previous is not None:
            source_change = np.abs(current[1] - previous[1])
            static = (source_change <= threshold).all(axis=2)
            count = int(static.sum())
            styled_change = np.abs(current[0] - previous[0]).mean(axis=2)[static].sum()
            totals += (styled_change, source_change.mean(axis=2)[static].sum(), count)
            per_pair.append(float(styled_change / count) if count else math.nan)
            all_pixels += static.size
        previous = current
    styled_sum, source_sum, count = totals
    return FlickerResult(
        flicker=float(styled_sum / count) if count else math.nan,
        source_floor=float(source_sum / count) if count else math.nan,
        static_fraction=float(count / all_pixels),
        pairs=len(per_pair),
        threshold=threshold,
        per_pair=per_pair,
    )


def measure_flicker(
    stylized_dir: str | Path, source_dir: str | Path, threshold: int = DEFAULT_THRESHOLD
) -> FlickerResult:
    """The flicker of the frames in `stylized_dir` against the frames of the same names (any image suffix)
    in `source_dir`, taken in the source's natural order. Frames are read two at a time."""
    source_frames = list_sequence(source_dir)
    styled = {p.stem: p for p in list_sequence(stylized_dir)}
    missing = [p.name for p in source_frames if p.stem not in styled]
    if missing:
        raise FlickerError(
            f"{len(missing)} source frames have no stylized frame of the same name in {stylized_dir} "
            f"(first: {', '.join(missing[:3])}); stylize the whole sequence first"
        )
    return flicker_of_arrays(LazyFrames([styled[p.stem] for p in source_frames]), LazyFrames(source_frames), threshold)


class LazyFrames(Sequence[np.ndarray]):
    """Frames read from disk when indexed or iterated, so a long sequence never sits in memory."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> np.ndarray:  # type: ignore[override]
        return load_rgb(self.paths[index])
