"""Which frames of a sequence a teacher paints as keyframes, and which are held out to measure the student.

Three ways to choose keyframes (exactly one): every N-th frame (`every`), K frames spread over the
views of the sequence (`count`), or a list (`at`: frame names or 0-based positions). Held-out frames
are never keyframes: they are spread evenly over the frames the fixed choices (`every`, `at`) leave,
and `count` then picks its keyframes among the rest.

`count` uses farthest-point sampling on a cheap descriptor of each frame, a 16x12 colour thumbnail:
the first keyframe is the frame closest to the mean thumbnail (the most typical view), each next
one the frame farthest from every keyframe chosen so far, so distinct views (another area of the
level, another sky) come first and a long still stretch of the sequence gets one keyframe, not many.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from pipeline.core.errors import SettingsError
from pipeline.core.fileio import load_rgb

log = logging.getLogger(__name__)

THUMBNAIL = (16, 12)  # width, height of the descriptor
DEFAULT_COUNT = 8  # keyframes when no way of choosing them is given


@dataclass(frozen=True)
class FrameSplit:
    keyframes: tuple[int, ...]  # positions in the sequence, ascending
    held_out: tuple[int, ...]  # positions, ascending; never keyframes
    method: str  # how the keyframes were chosen, for logs


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A frame's descriptor: its 16x12 box-filtered colour thumbnail as a float vector in [0, 1]."""
    small = Image.fromarray(image).resize(THUMBNAIL, Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32).reshape(-1) / 255.0


def farthest_points(descriptors: np.ndarray, count: int) -> list[int]:
    """Indices of `count` rows of `descriptors` (N, D), in the order chosen: the row nearest the mean first,
    then each time the row farthest (Euclidean) from all rows chosen so far; ties go to the lower index."""
    if count > len(descriptors):
        raise ValueError(f"cannot choose {count} of {len(descriptors)} rows")
    first = int(np.argmin(np.linalg.norm(descriptors - descriptors.mean(axis=0), axis=1)))
    chosen = [first]
    nearest = np.linalg.norm(descriptors - descriptors[first], axis=1)
    while len(chosen) < count:
        nearest[chosen] = -1.0  # never again
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, np.linalg.norm(descriptors - descriptors[pick], axis=1))
    return chosen


def resolve_positions(tokens: Sequence[str], frames: Sequence[Path]) -> list[int]:
    """Frame names (stems or file names) or 0-based positions (negative: from the end) -> positions.
    A token that names a frame is that frame, even when it looks like a number."""
    by_name = {p.stem: i for i, p in enumerate(frames)} | {p.name: i for i, p in enumerate(frames)}
    positions = []
    for token in tokens:
        token = token.strip()
        if token in by_name:
            positions.append(by_name[token])
            continue
        try:
            position = int(token)
        except ValueError:
            position = len(frames)  # not a name, not a number: reported below
        if not -len(frames) <= position < len(frames):
            raise SettingsError(
                f"--keyframes-at: {token!r} is neither a frame name nor a position 0..{len(frames) - 1} of the "
                f"{len(frames)}-frame sequence (first frames: {', '.join(p.stem for p in frames[:3])})"
            )
        positions.append(position % len(frames))
    return sorted(set(positions))


def evenly_spread(candidates: Sequence[int], count: int) -> list[int]:
    """`count` of `candidates` (ascending), one from the middle of each of `count` equal stretches."""
    if count <= 0:
        return []
    step = len(candidates) / count
    return sorted({candidates[min(len(candidates) - 1, int((i + 0.5) * step))] for i in range(count)})


def choose_split(
    frames: Sequence[Path],
    *,
    every: int | None = None,
    count: int | None = None,
    at: Sequence[str] = (),
    holdout: int = 8,
    progress: bool = True,
) -> FrameSplit:
    """Keyframes and held-out frames of the sequence `frames` (see the module docstring).

    With none of `every`, `count` and `at`, DEFAULT_COUNT keyframes are chosen by `count`. Fewer
    held-out frames than asked are kept when the keyframes leave too few (a warning says so).
    """
    n = len(frames)
    if any(value is not None and value < 1 for value in (every, count)):
        raise SettingsError("--keyframes and --keyframes-every must be at least 1")
    if holdout < 0:
        raise SettingsError(f"--holdout-frames cannot be negative, got {holdout}")
    given = (("--keyframes-every", every is not None), ("--keyframes", count is not None), ("--keyframes-at", bool(at)))
    ways = [name for name, used in given if used]
    if len(ways) > 1:
        raise SettingsError(f"choose keyframes one way: {' and '.join(ways)} were both given")
    if not ways:
        count = min(DEFAULT_COUNT, n)
    if every:
        fixed, method = list(range(0, n, every)), f"every {every}th frame"
    elif at:
        fixed, method = resolve_positions(at, frames), "as listed"
    else:
        fixed, method = [], "farthest-point sampling of 16x12 thumbnails"
    needed = len(fixed) or int(count or 0)
    if needed > n:
        raise SettingsError(f"{needed} keyframes asked for, but the sequence has only {n} frames")
    kept = min(holdout, n - needed)
    if kept < holdout:
        log.warning(
            "only %d of the %d held-out frames asked for: the %d-frame sequence has no more beside %d keyframes",
            kept, holdout, n, needed,
        )  # fmt: skip
    taken = set(fixed)
    held_out = evenly_spread([i for i in range(n) if i not in taken], kept)
    if fixed:
        return FrameSplit(tuple(fixed), tuple(held_out), method)
    rest = [i for i in range(n) if i not in set(held_out)]
    loading = tqdm(rest, desc="describing frames", unit="frame", disable=not progress or len(rest) < 50)
    descriptors = np.stack([thumbnail(load_rgb(frames[i])) for i in loading])
    chosen = [rest[i] for i in farthest_points(descriptors, int(count or 0))]
    log.info("keyframes by farthest-point sampling, most distinct first: %s", ", ".join(frames[i].stem for i in chosen))
    return FrameSplit(tuple(sorted(chosen)), tuple(held_out), method)
