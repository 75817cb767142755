"""Stylize image files with a trained model: one image, or a whole folder tree."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.core.fileio import ImageReadError, list_images, load_rgb, save_image
from pipeline.inference.device import resolve_device
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models.checkpoint import is_checkpoint_file, load_checkpoint

log = logging.getLogger(__name__)

Stylizer = Callable[[np.ndarray], np.ndarray]  # upright sRGB uint8 (H, W, 3) -> the same
ONNX_SUFFIX = ".onnx"


def is_onnx_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ONNX_SUFFIX


def is_model_file(path: Path) -> bool:
    """An exported .onnx or a checkpoint, by suffix (any case); hidden temp files are neither."""
    return (is_onnx_file(path) or is_checkpoint_file(path)) and not path.name.startswith(".")


def load_stylizer(model_path: str | Path, device: str = "auto") -> Stylizer:
    """A checkpoint (stylebridge or bare state_dict) or an exported .onnx -> a function from images to images."""
    if is_onnx_file(model_path):
        return OnnxStylizer(model_path, device)
    checkpoint = load_checkpoint(model_path)
    return TorchStylizer(checkpoint.build_model(), resolve_device(device))


def stylize_files(stylizer: Stylizer, source: str | Path, target: str | Path, progress: bool = True) -> list[Path]:
    """Stylize `source` (an image or a folder tree) into `target` (a file, or a folder mirroring it).

    A folder source writes PNGs with the same relative names; unreadable images are skipped with a
    warning. Returns the files written.
    """
    source, target = Path(source), Path(target)
    if source.is_file():
        destination = target / f"{source.stem}.png" if target.is_dir() else target
        return [save_image(destination, stylizer(load_rgb(source)))]
    written, skipped = [], 0
    with logging_redirect_tqdm():  # warnings print above the progress bar, not onto its line
        for path in tqdm(list_images(source), unit="image", disable=not progress):
            try:
                image = load_rgb(path)
            except ImageReadError as exc:
                log.warning("skipped: %s", exc)
                skipped += 1
                continue
            written.append(save_image(target / path.relative_to(source).with_suffix(".png"), stylizer(image)))
    if skipped:
        log.warning("skipped %d unreadable images under %s", skipped, source)
    return written
