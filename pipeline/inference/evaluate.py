"""`stylebridge evaluate`: how close a student is to its teacher on frames it never saw, how steady, how fast.

Every frame of the sequence (a folder of frames, or a `serve --capture-dir` folder in its manifest's
order) is stylized by the teacher (through its on-disk cache, `teacher.py`) and by the student.

* Quality: PSNR and SSIM of the student's 8-bit output against the teacher's, as PROTOCOL.md defines
  them (`pipeline.core.metrics`), and the mean absolute difference in 8-bit levels, per frame and on
  average, over the frames the student was not trained on. A student checkpoint written by
  `train fewshot --teacher` records the pixel hashes of its keyframes; those frames are left out
  wherever they are found. For an .onnx, or a checkpoint trained on painted keyframes, that is
  unknown and every frame is scored (a warning says so).
* Flicker of each model's output over the whole sequence (`flicker.py`; lower is steadier), with the
  source's own as the floor. Where the frame size changes mid-sequence, flicker is measured on each
  run of same-size frames and pooled by static pixels.
* Cost of each model (`model_figures.py`): parameters, MB, multiply-adds and fps at the resolution asked.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import asdict, dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.core.errors import StylebridgeError
from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.metrics import compare_images
from pipeline.inference.files import is_onnx_file, load_stylizer
from pipeline.inference.flicker import DEFAULT_THRESHOLD, FlickerResult, LazyFrames, flicker_of_arrays
from pipeline.inference.frame_folder import read_frames
from pipeline.inference.model_figures import ModelFigures, model_figures
from pipeline.inference.teacher import Teacher, pixels_sha256
from pipeline.models.checkpoint import load_checkpoint

log = logging.getLogger(__name__)


class EvaluateError(StylebridgeError, ValueError):
    """The student, the teacher and the frames cannot be compared; the message says what to pass."""


@dataclass(frozen=True)
class FrameScore:
    name: str
    psnr: float  # dB, student against teacher
    ssim: float
    l1: float  # mean absolute difference, 8-bit levels


@dataclass(frozen=True)
class Example:
    """One scored frame with its pictures, for the report."""

    score: FrameScore
    frame: np.ndarray
    teacher: np.ndarray
    student: np.ndarray


@dataclass
class Evaluation:
    student: ModelFigures
    teacher: ModelFigures
    frames: str
    frame_count: int  # frames stylized (flicker runs over all of them)
    scores: list[FrameScore]  # the frames the student was not trained on
    keyframes: list[str]  # frames the student was trained on, left out of the scores
    held_out_known: bool  # whether the student said which frames it was trained on
    student_flicker: FlickerResult
    teacher_flicker: FlickerResult
    seconds: float
    examples: list[Example] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def quality(self) -> dict[str, float]:
        """Mean and worst PSNR, SSIM and L1 over the scored frames."""
        found: dict[str, float] = {}
        for key, worst in (("psnr", min), ("ssim", min), ("l1", max)):
            values = [getattr(s, key) for s in self.scores]
            found[f"{key}_mean"] = float(np.mean(values))
            found[f"{key}_worst"] = float(worst(values))
        return found

    def to_dict(self) -> dict[str, Any]:
        """Everything but the pictures, JSON-ready (NaN, an undefined flicker, becomes null)."""
        flicker = {"student": asdict(self.student_flicker), "teacher": asdict(self.teacher_flicker)}
        return _finite(
            {
                "student": asdict(self.student),
                "teacher": asdict(self.teacher),
                "frames": {
                    "folder": self.frames,
                    "count": self.frame_count,
                    "scored": len(self.scores),
                    "keyframes_left_out": self.keyframes,
                    "held_out_known": self.held_out_known,
                },
                "quality": self.quality(),
                "flicker": flicker,
                "per_frame": [asdict(s) for s in self.scores],
                "seconds": self.seconds,
                "warnings": self.warnings,
            }
        )

    def describe(self) -> str:
        """The numbers as a text table, student beside teacher."""
        q, s, t = self.quality(), self.student, self.teacher
        left_out = f", {len(self.keyframes)} keyframes left out" if self.keyframes else ""
        rows = [
            f"student {s.path} ({s.name}) against teacher {t.path} ({t.name})",
            f"on {len(self.scores)} of {self.frame_count} frames of {self.frames}{left_out}",
            f"{'':24}{'student':>16}{'teacher':>16}",
            f"{'PSNR vs teacher':24}{q['psnr_mean']:13.2f} dB   (worst {q['psnr_worst']:.2f} dB)",
            f"{'SSIM vs teacher':24}{q['ssim_mean']:16.4f}   (worst {q['ssim_worst']:.4f})",
            f"{'L1 vs teacher':24}{q['l1_mean']:9.2f} levels   (worst {q['l1_worst']:.2f})",
            f"{'flicker (levels)':24}{self.student_flicker.flicker:16.3f}{self.teacher_flicker.flicker:16.3f}"
            f"   (source {self.student_flicker.source_floor:.3f}; lower is steadier)",
            f"{'parameters':24}{s.parameters:16,}{t.parameters:16,}",
            f"{'size (fp32 MB)':24}{s.size_mb:16.3f}{t.size_mb:16.3f}",
            f"{f'multiply-adds {s.width}x{s.height}':24}{_giga(s.macs):>16}{_giga(t.macs):>16}",
        ]
        for backend in dict.fromkeys([*s.fps, *t.fps]):
            rows.append(f"{f'fps {backend}':24}{_fps(s.fps.get(backend)):>16}{_fps(t.fps.get(backend)):>16}")
        rows += [f"note: {note}" for note in [*self.warnings, *s.notes, *t.notes]]
        return "\n".join(rows)


def _giga(macs: int | None) -> str:
    return "-" if macs is None else f"{macs / 1e9:.3f} G"


def _fps(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def score(name: str, student: np.ndarray, teacher: np.ndarray) -> FrameScore:
    """PSNR, SSIM and L1 of one 8-bit student output against the teacher's."""
    if student.shape != teacher.shape:
        raise EvaluateError(f"frame {name}: the student gives {student.shape[:2]} but the teacher {teacher.shape[:2]}")
    found = compare_images(student / 255.0, teacher / 255.0)
    return FrameScore(name, found["psnr"], found["ssim"], found["mean_abs"] * 255.0)


def student_keyframes(student: Path, teacher: Teacher) -> tuple[set[str], bool, list[str]]:
    """(pixel hashes of the frames the student trained on, whether that is known, warnings)."""
    if is_onnx_file(student):
        return set(), False, [
            f"{student.name} is an .onnx, which does not record the frames it was trained on: every frame is "
            "scored, keyframes included; pass its checkpoint to leave them out"
        ]  # fmt: skip
    split = (load_checkpoint(student).train_config or {}).get("teacher_split")
    if not split:
        return set(), False, [
            f"{student.name} was not trained by `train fewshot --teacher`, so which frames it saw is unknown: "
            "every frame is scored"
        ]  # fmt: skip
    warnings = []
    if split.get("teacher_sha256") != teacher.sha256:
        warnings.append(f"{student.name} was trained from another teacher ({split.get('teacher')})")
    return {k["pixels_sha256"] for k in split.get("keyframes", [])}, True, warnings


def evaluate(
    student: str | Path,
    teacher: str | Path,
    frames: str | Path,
    *,
    width: int = 960,
    height: int = 540,
    capture_source: str | None = None,
    limit: int | None = None,
    teacher_cache: str | Path | None = None,
    device: str = "auto",
    fps_seconds: float = 1.0,
    threshold: int = DEFAULT_THRESHOLD,
    examples: int = 3,
    progress: bool = True,
    teacher_figures: ModelFigures | None = None,
) -> Evaluation:
    """Compare `student` with `teacher` on the frames in `frames` (see the module docstring).

    `limit`: only the first frames of the sequence. Multiply-adds and fps are at width x height.
    `examples`: how many scored frames keep their pictures (the worst, best and those between).
    `teacher_figures`: the teacher's cost measured before (a benchmark comparing several students).
    """
    start = time.perf_counter()
    student = Path(student)
    if not student.is_file():
        raise EvaluateError(f"the student {student} does not exist; pass a checkpoint or an exported .onnx")
    taught = Teacher(teacher, teacher_cache, device)
    stylizer = load_stylizer(student, device)
    trained_on, known, warnings = student_keyframes(student, taught)
    for warning in warnings:
        log.warning("%s", warning)
    sequence = read_frames(frames, capture_source)
    paths = list(sequence.paths[:limit] if limit else sequence.paths)
    log.info("evaluating on %s%s", sequence.describe(), f" (the first {len(paths)})" if limit else "")
    scores, positions, keyframes, student_files, teacher_files, sizes = [], [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="stylebridge-evaluate-") as folder, logging_redirect_tqdm():
        for index, path in enumerate(tqdm(paths, desc="evaluate", unit="frame", disable=not progress)):
            image = load_rgb(path)
            output, teacher_output = stylizer(image), taught.stylize(image)
            student_files.append(save_png(Path(folder) / f"{index:08d}.png", output, compress_level=1))
            teacher_files.append(taught.output_path(image))
            sizes.append(image.shape)
            if pixels_sha256(image) in trained_on:
                keyframes.append(path.stem)
            else:
                scores.append(score(path.stem, output, teacher_output))
                positions.append(index)
        if not scores:
            raise EvaluateError(
                f"every frame of {frames} is one the student was trained on; evaluate on frames it never saw"
            )
        log.info("teacher %s: %d outputs computed, %d from the cache in %s", taught.name, taught.computed,
                 taught.reused, taught.folder)  # fmt: skip
        student_flicker = pooled_flicker(student_files, paths, sizes, threshold)
        teacher_flicker = pooled_flicker(teacher_files, paths, sizes, threshold)
        pictures = [
            Example(scores[i], load_rgb(paths[positions[i]]), load_rgb(teacher_files[positions[i]]),
                    load_rgb(student_files[positions[i]]))
            for i in example_indices(scores, examples)
        ]  # fmt: skip
    del stylizer
    student_figures = model_figures(student, width, height, fps_seconds)
    teacher_figures = teacher_figures or model_figures(teacher, width, height, fps_seconds)
    return Evaluation(
        student_figures, teacher_figures, str(frames), len(paths), scores, keyframes, known, student_flicker,
        teacher_flicker, time.perf_counter() - start, pictures, warnings,
    )  # fmt: skip


def pooled_flicker(
    stylized: list[Path], source: list[Path], sizes: list[tuple[int, ...]], threshold: int
) -> FlickerResult:
    """Flicker over runs of same-size frames, pooled: each run weighs by its static pixels, as pairs do in one run."""
    runs, start = [], 0
    for _, run in groupby(sizes):
        length = len(list(run))
        if length >= 2:
            pixels = sizes[start][0] * sizes[start][1]
            found = flicker_of_arrays(
                LazyFrames(stylized[start : start + length]), LazyFrames(source[start : start + length]), threshold
            )
            runs.append((found, found.static_fraction * found.pairs * pixels, found.pairs * pixels))
        start += length
    if not runs:
        raise EvaluateError("flicker needs two consecutive frames of the same size; the sequence has none")
    static = sum(r[1] for r in runs)
    total = sum(r[2] for r in runs)

    def pooled(name: str) -> float:
        return sum(getattr(r[0], name) * r[1] for r in runs if r[1]) / static if static else math.nan

    return FlickerResult(
        flicker=pooled("flicker"),
        source_floor=pooled("source_floor"),
        static_fraction=static / total,
        pairs=sum(r[0].pairs for r in runs),
        threshold=threshold,
        per_pair=[value for r in runs for value in r[0].per_pair],
    )


def example_indices(scores: list[FrameScore], count: int) -> list[int]:
    """Indices of `count` scores spread from the worst PSNR to the best (both included), worst first."""
    ranked = sorted(range(len(scores)), key=lambda i: scores[i].psnr)
    count = min(count, len(ranked))
    picks = sorted({round(i * (len(ranked) - 1) / max(1, count - 1)) for i in range(count)})
    return [ranked[i] for i in picks]
