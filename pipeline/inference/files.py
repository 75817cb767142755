"""Stylize image files with a trained model: one image, a whole folder tree, or a sequence of frames.

A sequence (`stylize_sequence`) is a folder of frames in natural order (frame_2 before frame_10): the
frames are read ahead on a thread and stylized in batches of one size, outputs keep the frames'
relative names (as .png) and are written atomically, so a rerun skips the frames already written.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.core.contract import image_to_unit_tensor, unit_tensor_to_image
from pipeline.core.fileio import ImageReadError, list_images, load_rgb, save_image, save_png
from pipeline.inference.device import resolve_device
from pipeline.inference.onnx_stylizer import OnnxStylizer
from pipeline.inference.torch_stylizer import TorchStylizer
from pipeline.inference.video import require_video_writer, write_video_from_files
from pipeline.models.checkpoint import is_checkpoint_file, load_checkpoint

log = logging.getLogger(__name__)

Stylizer = Callable[[np.ndarray], np.ndarray]  # upright sRGB uint8 (H, W, 3) -> the same
ONNX_SUFFIX = ".onnx"


def is_onnx_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ONNX_SUFFIX


def is_model_file(path: Path) -> bool:
    """An exported .onnx or a checkpoint, by suffix (any case); hidden temp files are neither."""
    return (is_onnx_file(path) or is_checkpoint_file(path)) and not path.name.startswith(".")


def load_stylizer(
    model_path: str | Path, device: str = "auto", half: bool = False, trust_pickle: bool = False
) -> TorchStylizer | OnnxStylizer:
    """A checkpoint (stylebridge or bare state_dict) or an exported .onnx -> a function from images to images.

    `half`: fp16 on a CUDA device. `trust_pickle`: also unpickle whole-module checkpoints (runs code).
    """
    if is_onnx_file(model_path):
        return OnnxStylizer(model_path, device)
    checkpoint = load_checkpoint(model_path, trust_pickle=trust_pickle)
    return TorchStylizer(checkpoint.build_model(), resolve_device(device), half=half)


def stylize_image(stylizer: Stylizer, source: str | Path, target: str | Path) -> Path:
    """Stylize one image file into `target` (a file, or a folder that gets SOURCE_STEM.png). Folders of
    images go through `stylize_sequence`."""
    source, target = Path(source), Path(target)
    destination = target / f"{source.stem}.png" if target.is_dir() else target
    return save_image(destination, stylizer(load_rgb(source)))


def _natural_key(path: Path) -> list[int | str]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.as_posix())]


def list_sequence(root: str | Path) -> list[Path]:
    """The frames under `root` in natural order (frame_2 before frame_10), as video tools number them."""
    root = Path(root)
    frames = list_images(root)
    if not frames:
        raise FileNotFoundError(f"no frames (png, jpg, ...) found under {root}")
    return sorted(frames, key=lambda p: _natural_key(p.relative_to(root) if p != root else Path(p.name)))


@dataclass
class SequenceResult:
    outputs: list[Path]  # every frame's output, in sequence order (written now or found from an earlier run)
    stylized: int  # frames stylized by this call
    kept: int  # frames already written by an earlier run, skipped
    unreadable: int
    seconds: float
    video: Path | None = None
    skipped: list[Path] = field(default_factory=list)

    @property
    def frames_per_second(self) -> float:
        return self.stylized / self.seconds if self.seconds > 0 else 0.0


def stylize_sequence(
    stylizer: TorchStylizer | OnnxStylizer,
    source: str | Path,
    target: str | Path,
    *,
    batch_size: int = 8,
    guides: Sequence[str | Path] = (),
    resume: bool = True,
    video: str | Path | None = None,
    fps: float = 30.0,
    progress: bool = True,
) -> SequenceResult:
    """Stylize every frame under `source` into `target` (same relative names, .png), in natural order.

    Frames of one size are batched (`batch_size`; an exported .onnx runs one at a time, its graph
    takes batch 1); `guides` are folders of per-frame guide images (named like the frames) for a
    generator trained with them. With `resume`, frames whose output exists are skipped. `video`: also
    write the whole stylized sequence as an .mp4 (needs PyAV) or .gif at `fps`.
    """
    if video is not None:
        require_video_writer(video)
    source, target = Path(source), Path(target)
    frames = list_sequence(source)
    outputs = [target / (f.relative_to(source) if f != source else Path(f.name)).with_suffix(".png") for f in frames]
    todo = [(f, o) for f, o in zip(frames, outputs, strict=True) if not (resume and o.is_file())]
    kept = len(frames) - len(todo)
    if kept:
        log.info("%d of %d frames already stylized in %s; skipping them", kept, len(frames), target)
    guide_files = [{p.stem: p for p in list_images(g)} for g in guides]
    batch = 1 if isinstance(stylizer, OnnxStylizer) else max(1, batch_size)
    start, done, skipped = time.perf_counter(), 0, []
    bar = tqdm(total=len(todo), unit="frame", disable=not progress)
    # logging_redirect_tqdm: warnings (an unreadable frame) print above the bar, not onto its line
    with ThreadPoolExecutor(2) as pool, logging_redirect_tqdm(), bar:
        writes: list[Future[Path]] = []
        for group in _batches(pool, todo, guide_files, batch, skipped):
            units = torch.cat([unit for _, unit in group])
            images = [unit_tensor_to_image(y[None]) for y in stylizer.run_unit(units)]
            writes += [pool.submit(save_png, out, image) for (out, _), image in zip(group, images, strict=True)]
            done += len(group)
            bar.update(len(group))
            bar.set_postfix(fps=f"{done / (time.perf_counter() - start):.1f}")
        for write in writes:
            write.result()
    seconds = time.perf_counter() - start
    if skipped:
        log.warning("skipped %d unreadable frames under %s", len(skipped), source)
    written = [o for o in outputs if o.is_file()]
    result = SequenceResult(written, done, kept, len(skipped), seconds, skipped=skipped)
    if video is not None and written:
        result.video = write_video_from_files(video, written, fps)
    return result


def _batches(
    pool: ThreadPoolExecutor,
    todo: list[tuple[Path, Path]],
    guide_files: list[dict[str, Path]],
    size: int,
    skipped: list[Path],
) -> Iterator[list[tuple[Path, torch.Tensor]]]:
    """(output, unit tensor (1, C, H, W)) groups of one size, at most `size` long; frames load one batch ahead."""

    def load(frame: Path) -> torch.Tensor:
        parts = [load_rgb(frame)]
        for files in guide_files:
            if frame.stem not in files:
                raise ImageReadError(f"no guide image named {frame.stem} for {frame}")
            parts.append(load_rgb(files[frame.stem]))
        if any(p.shape != parts[0].shape for p in parts):
            raise ImageReadError(f"the guide images of {frame} are not its size")
        return torch.cat([image_to_unit_tensor(p) for p in parts], dim=1)

    pending = [(out, frame, pool.submit(load, frame)) for frame, out in todo[: 2 * size]]
    next_index, group = len(pending), []
    while pending:
        out, frame, future = pending.pop(0)
        if next_index < len(todo):
            frame_next, out_next = todo[next_index]
            pending.append((out_next, frame_next, pool.submit(load, frame_next)))
            next_index += 1
        try:
            unit = future.result()
        except ImageReadError as exc:
            log.warning("skipped: %s", exc)
            skipped.append(frame)
            continue
        if group and (len(group) == size or group[0][1].shape != unit.shape):
            yield group
            group = []
        group.append((out, unit))
    if group:
        yield group
