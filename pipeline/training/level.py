"""A built-in game level as a sequence of frames: a camera crossing distinct areas, stopping in each.

The world is `areas` game-like scenes side by side (`pipeline.core.synthetic.game_frame`, one seed each,
so skies, mountains, buildings and ground differ from area to area), each twice the frame's width.
The camera holds still in the middle of each area for a stretch of frames, then pans to the next:
the pans give the student views no keyframe shows exactly, the holds give still stretches where
flicker can be measured. Every frame gets faint render noise (each channel of each pixel moved by
-1, 0 or +1 level, seeded per frame), as a real renderer's dithering and temporal anti-aliasing do,
so a still scene is not bit-identical from frame to frame; a stylization that amplifies such noise
flickers. Deterministic for a seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.core.fileio import save_png
from pipeline.core.synthetic import game_frame


def camera_path(count: int, areas: int, area_width: int, width: int) -> np.ndarray:
    """The left edge of the view in each of `count` frames: hold, pan, hold, ..., in 2 x areas - 1 equal stretches."""
    stops = [a * area_width + (area_width - width) / 2 for a in range(areas)]
    times = np.linspace(0, count - 1, 2 * areas)  # each area: a hold from times[2a] to times[2a + 1]
    xs = np.repeat(stops, 2)
    return np.interp(np.arange(count), times, xs).round().astype(int)


def level_frames(
    count: int = 96, width: int = 128, height: int = 72, areas: int = 3, seed: int = 0
) -> list[np.ndarray]:
    """`count` uint8 (height, width, 3) frames of the level (see the module docstring)."""
    area_width = 2 * width
    world = np.concatenate(
        [game_frame(np.random.default_rng([seed, a]), area_width, height) for a in range(areas)], axis=1
    ).astype(np.int16)
    frames = []
    for t, x in enumerate(camera_path(count, areas, area_width, width)):
        noise = np.random.default_rng([seed, areas, t]).integers(-1, 2, (height, width, 3), dtype=np.int16)
        frames.append(np.clip(world[:, x : x + width] + noise, 0, 255).astype(np.uint8))
    return frames


def write_level(folder: str | Path, count: int = 96, width: int = 128, height: int = 72, seed: int = 0) -> Path:
    """The level's frames as `folder/0000.png`, `0001.png`, ...; returns the folder."""
    folder = Path(folder)
    for t, frame in enumerate(level_frames(count, width, height, seed=seed)):
        save_png(folder / f"{t:04d}.png", frame, compress_level=1)
    return folder
