"""A teacher: a fast-style model whose outputs a smaller student learns from, each output computed once.

The teacher is any fast-style TransformerNet checkpoint (`train fast`) or its exported .onnx, run by
the same stylizers as `stylize` (fp32, so its outputs do not depend on the GPU's half precision).
Its outputs are cached on disk as PNGs:

    CACHE/<first 16 hex of the teacher's sha256>/<sha256 of the frame's pixels>.png

The teacher's hash covers the model file (and an .onnx's sidecar JSON, which may hold its
contract); the frame's covers its decoded RGB pixels and size, so a frame renamed, moved or
re-encoded losslessly is still found, and a retrained teacher never reuses an old output. Outputs
are written atomically, so two runs sharing a cache, or a run killed mid-write, never leave half an
image. CACHE is `--teacher-cache DIR`, else `$STYLEBRIDGE_CACHE/teacher`, else
`$XDG_CACHE_HOME/stylebridge/teacher` (`~/.cache/stylebridge/teacher`). Deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pipeline.core.contract import METADATA_PREFIX
from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import ImageReadError, atomic_write_text, file_sha256, load_rgb, save_png
from pipeline.export.runtime import load_onnx, sidecar_path
from pipeline.inference.files import is_model_file, is_onnx_file, load_stylizer
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.models import ARCHITECTURES
from pipeline.models.checkpoint import load_checkpoint

log = logging.getLogger(__name__)

TEACHER_TRAINER = "fast"  # the `train` command whose models can teach


class TeacherError(StylebridgeError, ValueError):
    """The model given as a teacher cannot be one; the message says what to pass."""


def default_cache_dir() -> Path:
    """Where teacher outputs go unless a run names a folder (see the module docstring)."""
    if os.environ.get("STYLEBRIDGE_CACHE"):
        return Path(os.environ["STYLEBRIDGE_CACHE"]) / "teacher"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylebridge" / "teacher"


def pixels_sha256(image: np.ndarray) -> str:
    """The hash of a uint8 (H, W, 3) image's size and pixels: the same picture in any file gives the same."""
    digest = hashlib.sha256(f"{image.shape[0]}x{image.shape[1]}x{image.shape[2]}:".encode())
    digest.update(np.ascontiguousarray(image, dtype=np.uint8).tobytes())
    return digest.hexdigest()


def model_sha256(path: Path) -> str:
    """The model file's hash, with an .onnx's sidecar JSON (its contract may live there)."""
    if not (is_onnx_file(path) and sidecar_path(path).is_file()):
        return file_sha256(path)
    return hashlib.sha256(f"{file_sha256(path)}{file_sha256(sidecar_path(path))}".encode()).hexdigest()


def check_fast_style(path: Path) -> str:
    """A short description of the teacher model at `path`; TeacherError when it cannot teach."""
    if not path.is_file():
        raise TeacherError(f"--teacher {path} does not exist; pass a fast-style checkpoint (.pt) or its .onnx")
    if not is_model_file(path):
        raise TeacherError(
            f"--teacher {path} is not a model file: pass a fast-style checkpoint from `train fast` (.pt, .pth) "
            "or the .onnx `stylebridge export` made of one"
        )
    if is_onnx_file(path):
        metadata = {p.key: p.value for p in load_onnx(path).metadata_props}
        architecture = metadata.get(f"{METADATA_PREFIX}architecture")
        name = metadata.get(f"{METADATA_PREFIX}preset") or architecture or "an image-to-image .onnx"
    else:
        checkpoint = load_checkpoint(path)
        architecture, name = checkpoint.architecture, checkpoint.name
    known = ARCHITECTURES.get(architecture) if architecture else None
    if known is not None and known.trainer != TEACHER_TRAINER:
        raise TeacherError(
            f"--teacher {path} holds a {name} ({architecture}), trained by `train {known.trainer}`; a teacher must "
            "be a fast-style TransformerNet (`train fast`, or its exported .onnx). Few-shot generators are the "
            "students: pass this one as the model to evaluate instead"
        )
    return name


class Teacher:
    """Stylizes frames with a fast-style model, through the on-disk cache; counts what it computed."""

    def __init__(self, model: str | Path, cache_dir: str | Path | None = None, device: str = "auto") -> None:
        self.path = Path(model)
        self.name = check_fast_style(self.path)
        self.sha256 = model_sha256(self.path)
        self.folder = Path(cache_dir or default_cache_dir()) / self.sha256[:16]
        self.device = device
        self.computed = 0  # outputs this process computed
        self.reused = 0  # outputs found in the cache
        self._stylizer: TorchStylizer | OnnxStylizer | None = None

    @property
    def stylizer(self) -> TorchStylizer | OnnxStylizer:
        """The model itself, loaded on first need (a run whose outputs are all cached never loads it)."""
        if self._stylizer is None:
            self._stylizer = load_stylizer(self.path, self.device)
            about = {"model": str(self.path.resolve()), "sha256": self.sha256, "name": self.name}
            atomic_write_text(self.folder / "teacher.json", json.dumps(about, indent=1))
        return self._stylizer

    def output_path(self, image: np.ndarray) -> Path:
        return self.folder / f"{pixels_sha256(image)}.png"

    def stylize(self, image: np.ndarray) -> np.ndarray:
        """The teacher's output for an upright sRGB uint8 (H, W, 3) frame, from the cache when it is there."""
        cached = self._cached(image)
        if cached.is_file():
            try:
                return load_rgb(cached)
            except ImageReadError:  # a damaged disk, not a torn write (writes are atomic): compute it again
                log.warning("recomputing the damaged teacher output %s", cached)
                self.reused -= 1
        return self._compute(image, cached)[1]

    def stylize_file(self, frame: Path) -> Path:
        """The cache file holding the teacher's output for the frame file `frame` (computed if missing)."""
        image = load_rgb(frame)
        cached = self._cached(image)
        return cached if cached.is_file() else self._compute(image, cached)[0]

    def stylize_files(self, frames: Sequence[Path], what: str = "frames", progress: bool = True) -> list[Path]:
        """`stylize_file` for each frame, with a progress bar and one log line saying what was computed."""
        computed, reused = self.computed, self.reused
        outputs = [self.stylize_file(f) for f in tqdm(frames, desc="teacher", unit="frame", disable=not progress)]
        log.info(
            "teacher %s on %d %s: %d computed, %d from the cache in %s",
            self.name, len(frames), what, self.computed - computed, self.reused - reused, self.folder,
        )  # fmt: skip
        return outputs

    def _cached(self, image: np.ndarray) -> Path:
        path = self.output_path(image)
        if path.is_file():
            self.reused += 1
        return path

    def _compute(self, image: np.ndarray, path: Path) -> tuple[Path, np.ndarray]:
        output = self.stylizer(image)
        self.computed += 1
        return save_png(path, output, compress_level=1), output
