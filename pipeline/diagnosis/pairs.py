"""Frames and the engine's outputs for them, read from files: one pair, or every pair in a folder.

What is known of the files' pixels (row order, colour encoding) is applied to both images of a
pair, as they left the engine the same way: a bottom-up readback or a linear-light dump is turned
upright and sRGB before diagnosing, so the diagnosis only looks for faults in the engine itself.

A folder holds pairs in either of two layouts:
* `NAME.png` beside `NAME.engine.png` (frames saved from Unity by hand);
* a capture folder (`serve --capture-dir`, PROTOCOL.md rule 9) whose `manifest.jsonl` lines with
  `source` "input" and "engine" share a `frame_index`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.core.contract import linear_to_srgb, unit_to_uint8
from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import IMAGE_SUFFIXES, load_rgb

ROW_ORDERS = ("top", "bottom_up")
COLOR_ENCODINGS = ("srgb", "linear")
ENGINE_SUFFIX = ".engine"
MANIFEST = "manifest.jsonl"


class PairError(StylebridgeError, ValueError):
    """A frame/engine-output pair that cannot be read or found."""


@dataclass(frozen=True)
class Pair:
    name: str
    input: Path
    engine: Path


def upright_srgb(image: np.ndarray, row_order: str = "top", color_encoding: str = "srgb") -> np.ndarray:
    """A uint8 (H, W, 3) image stored with `row_order` and `color_encoding` -> upright and sRGB-encoded."""
    if row_order not in ROW_ORDERS or color_encoding not in COLOR_ENCODINGS:
        raise PairError(f"row order must be one of {ROW_ORDERS} and colour encoding one of {COLOR_ENCODINGS}")
    if row_order == "bottom_up":
        image = image[::-1]
    if color_encoding == "linear":
        image = unit_to_uint8(linear_to_srgb(image / 255.0))
    return np.ascontiguousarray(image)


def load_pair(pair: Pair, row_order: str = "top", color_encoding: str = "srgb") -> tuple[np.ndarray, np.ndarray]:
    """(frame, engine output), both upright sRGB uint8 (H, W, 3)."""
    return tuple(upright_srgb(load_rgb(path), row_order, color_encoding) for path in (pair.input, pair.engine))  # type: ignore[return-value]


def find_pairs(folder: str | Path) -> list[Pair]:
    """Every frame/engine-output pair in `folder` (see the module's docstring), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PairError(f"{folder} is not a folder")
    pairs = _manifest_pairs(folder) if (folder / MANIFEST).exists() else _named_pairs(folder)
    if not pairs:
        raise PairError(
            f"no pairs in {folder}: put each frame as NAME.png beside the engine's output NAME{ENGINE_SUFFIX}.png, "
            f"or capture both with source 'input' and 'engine' and the same frame_index"
        )
    return pairs


def _named_pairs(folder: Path) -> list[Pair]:
    pairs = []
    for engine in sorted(folder.iterdir()):
        stem = Path(engine.stem)
        if engine.suffix.lower() not in IMAGE_SUFFIXES or stem.suffix != ENGINE_SUFFIX:
            continue
        frames = [p for p in folder.glob(f"{stem.stem}.*") if p.suffix.lower() in IMAGE_SUFFIXES and p != engine]
        if frames:
            pairs.append(Pair(stem.stem, frames[0], engine))
    return pairs


def _manifest_pairs(folder: Path) -> list[Pair]:
    by_index: dict[int, dict[str, Path]] = {}
    for number, line in enumerate((folder / MANIFEST).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            source, index, file = record.get("source"), record.get("frame_index"), record["file"]
        except (ValueError, KeyError, AttributeError) as exc:
            raise PairError(
                f"{folder / MANIFEST} line {number} is not a capture record ({exc}); fix or remove it"
            ) from exc
        if source in ("input", "engine") and isinstance(index, int):
            by_index.setdefault(index, {})[source] = folder / file
    return [
        Pair(f"frame {index}", files["input"], files["engine"])
        for index, files in sorted(by_index.items())
        if {"input", "engine"} <= files.keys()
    ]
