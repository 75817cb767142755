"""`stylebridge bench distill`: how many teacher keyframes does a small few-shot student need to cover a level?

The experiment: a fast-style teacher (trained here in a minute or so, with random-filter VGG-19 so
nothing is downloaded, unless `teacher` names one) stylizes keyframes of a sequence (the built-in
game level, `level.py`, unless `frames` names a folder or capture folder); few-shot students of each
preset are trained with each keyframe count for the same budget (steps, or seconds each), then
`evaluate` measures each against the teacher. Keyframes are chosen by farthest-point sampling, which
is incremental (the first 4 of 16 are the 4), and held-out frames come first, so every student is
scored on the same frames: those no student trained on. Flicker is over the whole sequence, the
teacher's beside it; size and fps are at the frames' size. Everything is seeded; with a time budget
the step counts (shown) depend on the machine.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from pipeline.core.fileio import load_rgb, save_png
from pipeline.core.synthetic import mosaic_style
from pipeline.inference.device import resolve_device
from pipeline.inference.evaluate import Evaluation, evaluate
from pipeline.inference.frame_folder import read_frames
from pipeline.inference.model_figures import ModelFigures, model_figures
from pipeline.training.fast import FastTrainConfig, train_fast
from pipeline.training.fewshot import FewShotTrainConfig, train_fewshot
from pipeline.training.level import write_level

log = logging.getLogger(__name__)

SEED = 0


@dataclass(frozen=True)
class DistillSettings:
    frames: str | None = None  # a folder of frames or a capture folder; None: the built-in level
    teacher: str | None = None  # a fast-style checkpoint or .onnx; None: train one here
    presets: tuple[str, ...] = ("fewshot-small", "fewshot-reference")
    keyframes: tuple[int, ...] = (1, 4, 16)
    steps: int = 1500  # per student
    time_limit: float | None = None  # seconds per student; the budget when set
    level_size: tuple[int, int] = (512, 288)  # width, height of the built-in level's frames
    level_frames: int = 192
    holdout: int = 8  # held-out frames each run scores itself against the teacher while it trains
    batch_size: int = 40  # patches per step
    lr: float = 4e-4
    teacher_steps: int = 1500
    teacher_image_size: int = 256
    fps_seconds: float = 1.0
    threads: int | None = None  # PyTorch CPU threads (None: PyTorch's choice); 1 on a machine shared with other jobs
    device: str = "auto"
    out: str | None = None  # keep every file here; None: a temporary folder
    progress: bool = True

    @classmethod
    def for_device(cls, device: str = "auto", **overrides: object) -> DistillSettings:
        """The defaults for where it runs: on a CPU, small frames and a short time budget per student."""
        if resolve_device(device).type == "cuda":
            return cls(device=device, **overrides)  # type: ignore[arg-type]
        cpu = dict(steps=120, level_size=(128, 72), level_frames=64, batch_size=8, lr=2e-3, teacher_steps=60,
                   teacher_image_size=64, fps_seconds=0.5)  # fmt: skip
        return cls(device=device, **{**cpu, **overrides})  # type: ignore[arg-type]


@dataclass
class StudentRow:
    preset: str
    keyframes: int
    steps: int
    seconds: float  # training time
    psnr: float  # mean over the frames no student trained on, dB against the teacher
    ssim: float
    flicker: float  # over the whole sequence, 8-bit levels
    figures: ModelFigures


@dataclass
class DistillReport:
    settings: DistillSettings
    frames: str
    frame_count: int
    frame_size: tuple[int, int]
    scored: int  # frames every row is scored on
    teacher: ModelFigures
    teacher_note: str
    teacher_flicker: float
    source_flicker: float
    rows: list[StudentRow] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> str:
        """The rows as a Markdown table (what README.md shows)."""
        backends = list(dict.fromkeys(b for r in self.rows for b in r.figures.fps))
        head = ["student", "keyframes", "steps", "held-out PSNR (dB)", "SSIM", "flicker (teacher's)", "size (MB)"]
        lines = ["| " + " | ".join([*head, *(f"fps {b}" for b in backends)]) + " |"]
        lines.append("|" + " --- |" * (len(head) + len(backends)))
        for r in self.rows:
            fps = [_number(r.figures.fps.get(b), "{:.0f}") for b in backends]
            ratio = r.flicker / self.teacher_flicker if self.teacher_flicker else math.nan
            cells = [r.preset, str(r.keyframes), str(r.steps), f"{r.psnr:.2f}", f"{r.ssim:.3f}",
                     f"{r.flicker:.3f} ({_number(ratio, '{:.2f}')}x)", f"{r.figures.size_mb:.2f}", *fps]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
        teacher_fps = ", ".join(f"{b} {_number(v, '{:.0f}')}" for b, v in self.teacher.fps.items())
        lines.append(
            f"| teacher: {self.teacher.name} | | | | | {_number(self.teacher_flicker, '{:.3f}')} | "
            f"{self.teacher.size_mb:.2f} | {teacher_fps} |"
        )
        return "\n".join(lines)

    def describe(self) -> str:
        s = self.settings
        width, height = self.frame_size
        budget = f"{s.steps} steps" + (f" (at most {s.time_limit:g} s)" if s.time_limit else "")
        cpu = resolve_device(s.device).type != "cuda"
        lines = [
            f"distill benchmark: {self.teacher_note}; {self.frame_count} frames {width}x{height} of {self.frames}",
            f"students trained for {budget} each ({s.batch_size} patches of 32 px per step, lr {s.lr:g}), "
            f"device {resolve_device(s.device)}"
            + (f", {s.threads} PyTorch thread(s)" if s.threads else "")
            + (" (CPU: small frames and a short budget; run on a GPU for the full-size experiment)" if cpu else ""),
            f"held-out PSNR/SSIM: mean over the {self.scored} frames no student trained on; flicker over all "
            f"{self.frame_count} frames, 8-bit levels where the source holds still (source "
            f"{self.source_flicker:.3f}), with its ratio to the teacher's; fps at {width}x{height}",
            "",
            self.table(),
            "",
            f"({self.seconds:.0f} s in all)",
        ]
        return "\n".join(lines)


def _number(value: float | None, form: str) -> str:
    return "-" if value is None or not math.isfinite(value) else form.format(value)


def train_teacher(folder: Path, frames: Path, s: DistillSettings) -> Path:
    """A tiny fast-style TransformerNet against a built-in mosaic, with random VGG filters: a stand-in teacher."""
    style = save_png(folder / "style_mosaic.png", mosaic_style(np.random.default_rng(SEED), 128))
    config = FastTrainConfig(
        data=str(frames), style=str(style), out=str(folder / "teacher"), preset="tiny",
        image_size=s.teacher_image_size, batch_size=2, epochs=10**6, max_steps=s.teacher_steps, lr=1e-2,
        style_layers="tutorial", vgg_weights="random", checkpoint_every=10**9,
        log_every=max(1, s.teacher_steps // 4), seed=SEED, device=s.device, progress=s.progress,
    )  # fmt: skip
    return train_fast(config).final_checkpoint


def run_distill_benchmark(settings: DistillSettings) -> DistillReport:
    """Train and evaluate every student; returns the report (its `describe()` is what the command prints)."""
    threads = torch.get_num_threads()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    try:
        return _run(settings)
    finally:
        torch.set_num_threads(threads)


def _run(s: DistillSettings) -> DistillReport:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stylebridge-distill-") as scratch:
        folder = Path(s.out or scratch)
        if s.frames:
            frames = Path(s.frames)
        else:
            width, height = s.level_size
            frames = write_level(folder / "level", s.level_frames, width, height, seed=SEED)
        sequence = read_frames(frames)
        height, width = load_rgb(sequence.paths[0]).shape[:2]
        if s.teacher:
            teacher, note = Path(s.teacher), f"teacher {s.teacher}"
        else:
            log.info(
                "training a stand-in teacher (tiny TransformerNet, random-filter VGG-19, %d steps)", s.teacher_steps
            )
            teacher = train_teacher(folder, frames, s)
            note = f"teacher: tiny TransformerNet trained here for {s.teacher_steps} steps with random-filter VGG-19"
        teacher_figures = model_figures(teacher, width, height, s.fps_seconds)
        evaluations: list[tuple[str, int, int, float, Evaluation]] = []
        for preset in s.presets:
            for count in s.keyframes:
                run = folder / "students" / f"{preset}-{count}kf"
                config = FewShotTrainConfig(
                    out=str(run), frames=str(frames), teacher=str(teacher), teacher_cache=str(folder / "cache"),
                    keyframe_count=count, holdout_frames=s.holdout, preset=preset, batch_size=s.batch_size,
                    lr=s.lr, max_steps=s.steps, time_limit=s.time_limit, patience=0, eval_every=max(1, s.steps // 4),
                    checkpoint_every=10**9, log_every=10**9, vgg_weights="random", seed=SEED, device=s.device,
                    progress=s.progress,
                )  # fmt: skip
                trained = train_fewshot(config)
                seconds = trained.step_ends[-1] if trained.step_ends else 0.0
                found = evaluate(
                    trained.final_checkpoint, teacher, frames, width=width, height=height,
                    teacher_cache=folder / "cache", device=s.device, fps_seconds=s.fps_seconds, progress=s.progress,
                    teacher_figures=teacher_figures,
                )  # fmt: skip
                evaluations.append((preset, count, trained.steps, seconds, found))
    trained_on = {name for *_, found in evaluations for name in found.keyframes}
    rows = []
    for preset, count, steps, seconds, found in evaluations:
        common = [f for f in found.scores if f.name not in trained_on]
        psnr, ssim = float(np.mean([f.psnr for f in common])), float(np.mean([f.ssim for f in common]))
        rows.append(StudentRow(preset, count, steps, seconds, psnr, ssim, found.student_flicker.flicker, found.student))
    last = evaluations[-1][-1]
    return DistillReport(
        s, str(s.frames or "the built-in game level"), len(sequence), (width, height), len(common), teacher_figures,
        note, last.teacher_flicker.flicker, last.teacher_flicker.source_floor, rows, time.perf_counter() - start,
    )  # fmt: skip
