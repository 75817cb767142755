"""Few-shot training from a teacher: the teacher paints the keyframes, held-out frames measure the student.

`teacher_data` reads the sequence (a `serve --capture-dir` folder through its manifest, or any
folder of frames), chooses keyframes and held-out frames (`keyframes.py`), has the teacher stylize
both through its on-disk cache (`pipeline.inference.teacher`), and returns the few-shot layout the
trainer reads, with the teacher's outputs as the paintings. `HeldOut` holds the held-out frames and
the teacher's outputs for them in memory and scores the student against them with PROTOCOL.md's
PSNR and SSIM (`pipeline.core.metrics`) and the mean absolute error in 8-bit levels.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pipeline.core.contract import unit_tensor_to_image
from pipeline.core.fileio import load_rgb
from pipeline.core.metrics import compare_images
from pipeline.inference.frame_folder import FrameSequence, read_frames
from pipeline.inference.teacher import Teacher
from pipeline.models import StyleNet
from pipeline.training.fewshot_data import (
    FewShotDataError,
    FewShotLayout,
    KeyframeFiles,
    check_frame_size,
    load_input,
    mask_for,
)
from pipeline.training.keyframes import FrameSplit, choose_split

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TeacherData:
    layout: FewShotLayout  # the keyframes' paintings are the teacher's cached outputs
    split: FrameSplit
    sequence: FrameSequence
    teacher: Teacher
    held_out_outputs: tuple[Path, ...]  # the teacher's output for each held-out frame

    def summary(self) -> dict[str, Any]:
        """What a checkpoint records of the split: `evaluate` leaves these keyframes out of its scores."""
        paths = self.sequence.paths
        return {
            "teacher": str(self.teacher.path),
            "teacher_sha256": self.teacher.sha256,
            "frames": str(self.sequence.folder),
            "method": self.split.method,
            # a keyframe's cached painting is named by the hash of the frame's pixels
            "keyframes": [{"name": k.name, "pixels_sha256": k.target.stem} for k in self.layout.keyframes],
            "held_out": [paths[i].stem for i in self.split.held_out],
        }


def teacher_data(
    teacher_model: str,
    frames: str,
    *,
    every: int | None = None,
    count: int | None = None,
    at: tuple[str, ...] = (),
    holdout: int = 8,
    capture_source: str | None = None,
    masks: str | None = None,
    guides: tuple[str, ...] = (),
    cache_dir: str | None = None,
    device: str = "auto",
    progress: bool = True,
) -> TeacherData:
    """The few-shot training set a teacher paints on the sequence in `frames`."""
    teacher = Teacher(teacher_model, cache_dir, device)  # refuses a model that cannot teach before any work
    sequence = read_frames(frames, capture_source)
    log.info("sequence: %s", sequence.describe())
    twins = [name for name, n in Counter(p.stem for p in sequence.paths).items() if n > 1]
    if twins:
        raise FewShotDataError(
            f"{len(twins)} frame names occur twice under {frames} (first: {twins[0]}); frames are matched by name, "
            "so give every frame its own name or train on one sub-folder"
        )
    split = choose_split(sequence.paths, every=every, count=count, at=at, holdout=holdout, progress=progress)
    keys = [sequence.paths[i] for i in split.keyframes]
    held = [sequence.paths[i] for i in split.held_out]
    log.info(
        "%d keyframes (%s): %s; %d held-out frames: %s",
        len(keys), split.method, _names(keys), len(held), _names(held),
    )  # fmt: skip
    outputs = teacher.stylize_files(keys + held, "keyframes and held-out frames", progress)
    layout = FewShotLayout(sequence.paths, (), tuple(Path(g) for g in guides))
    keyframes = tuple(
        KeyframeFiles(frame.stem, frame, painted, mask_for(masks, frame.stem), layout.guide_paths(frame))
        for frame, painted in zip(keys, outputs, strict=False)
    )
    return TeacherData(replace(layout, keyframes=keyframes), split, sequence, teacher, tuple(outputs[len(keys) :]))


def _names(paths: list[Path], shown: int = 12) -> str:
    if not paths:
        return "none"
    more = f", ... ({len(paths) - shown} more)" if len(paths) > shown else ""
    return ", ".join(p.stem for p in paths[:shown]) + more


@dataclass
class HeldOutFrame:
    name: str
    source: torch.Tensor  # (C, H, W) in [-1, 1]: the frame and its guides, as the generator takes them
    frame: np.ndarray  # uint8 (H, W, 3)
    teacher: np.ndarray  # uint8 (H, W, 3): the teacher's output


class HeldOut:
    """The held-out frames with the teacher's outputs, scored against the student."""

    def __init__(self, data: TeacherData) -> None:
        layout, paths = data.layout, data.sequence.paths
        self.frames = []
        for index, painted in zip(data.split.held_out, data.held_out_outputs, strict=True):
            path = paths[index]
            source = load_input(path, layout.guide_paths(path))
            check_frame_size(path, int(source.shape[1]), int(source.shape[2]))
            self.frames.append(HeldOutFrame(path.stem, source, load_rgb(path), load_rgb(painted)))

    def __len__(self) -> int:
        return len(self.frames)

    @torch.no_grad()
    def student_output(self, model: StyleNet, frame: HeldOutFrame, device: torch.device) -> np.ndarray:
        """The student's 8-bit output for a held-out frame; the model is left in eval mode."""
        model.eval()
        output = model(frame.source[None].to(device)).float().clamp(-1, 1)
        return unit_tensor_to_image(output.add(1).div(2))

    def scores(self, model: StyleNet, device: torch.device) -> dict[str, float]:
        """Mean PSNR (dB), SSIM and L1 (8-bit levels) of the student against the teacher over the held-out frames."""
        rows = [self._score(self.student_output(model, f, device), f.teacher) for f in self.frames]
        return {key: float(np.mean([row[key] for row in rows])) for key in ("psnr", "ssim", "l1")}

    @staticmethod
    def _score(student: np.ndarray, teacher: np.ndarray) -> dict[str, float]:
        found = compare_images(student / 255.0, teacher / 255.0)
        return {"psnr": found["psnr"], "ssim": found["ssim"], "l1": found["mean_abs"] * 255.0}
